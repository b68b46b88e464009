"""Collection safety (issue 14): a randomized run of edits, deletes,
restores and collections, the hub SIGKILLed while collections run; after
every restart, and at the end, every current file and every retained
version downloads with its recorded sha256 (no collection ever removed an
object a retained version or a current file needs). Bounded to ~60 s."""

import json
import os
import random
import subprocess
import time

import harness
from harness import Client, Server, run, wait_converged, wait_until, workdir

CONFIG = "retention:\n  policy: simple\n  keep: 2\n  trash: 1s\n  interval: 0\n"


def all_versions(port):
    out, before = [], None
    while True:
        target = "/history?limit=1000" + (f"&before={before}" if before else "")
        status, body, _ = harness.request("GET", port, target)
        assert status == 200, (status, body)
        page = json.loads(body)
        out += page["versions"]
        if page["next_before"] is None:
            return out
        before = page["next_before"]


def check_store(server, context):
    checks = harness.Checks()
    status, body, _ = harness.request("GET", server.port, "/files")
    assert status == 200, body
    files = json.loads(body)["files"]
    for f in files:
        if f.get("type") == "dir":
            continue
        st, data, _ = harness.request("GET", server.port, "/download/" + f["path"])
        if st != 200 or harness.sha(data) != f["sha256"]:
            # The client may have changed or deleted it since the listing:
            # then the newest version is no longer the one listed.
            _, body, _ = harness.request("GET", server.port, "/history/" + f["path"] + "?limit=1")
            newest = json.loads(body)["versions"]
            if newest and newest[0]["sequence"] != f["sequence"]:
                continue
        checks.check(st == 200 and harness.sha(data) == f["sha256"], f"{context}: current {f['path']} -> {st}")
    versions = [v for v in all_versions(server.port) if not v["deleted"] and v["type"] == "file"]
    for v in versions:
        st, data, _ = harness.request("GET", server.port, f"/version/{v['path']}?sequence={v['sequence']}")
        checks.check(st == 200 and harness.sha(data) == v["sha256"],
                     f"{context}: version {v['sequence']} of {v['path']} -> {st}")
    checks.done()
    return len(files), len(versions)


def test_collections_survive_sigkill():
    base = workdir("gc-safety")
    rng = random.Random(int(os.environ.get("SYNCER_GC_SEED", "1414")))
    server = Server(base, config=CONFIG)
    port, data_dir = server.port, server.data_dir
    a = Client(base, "alpha", port)
    names = [f"d{i % 3}/f{i}.txt" for i in range(12)]
    started = time.monotonic()
    kills = restores = 0
    rounds = 0
    while time.monotonic() - started < 40:
        rounds += 1
        for _ in range(rng.randrange(3, 10)):
            rel = rng.choice(names)
            if os.path.exists(a.path(rel)) and rng.random() < 0.25:
                os.remove(a.path(rel))
            else:
                # Content repeats now and then: an object a collection may
                # be about to drop is wanted again by a new version.
                a.write(rel, f"{rel} v{rng.randrange(6)}\n" * rng.randrange(1, 400))
        wait_converged([a], 60)
        if rng.random() < 0.5:
            vs = [v for v in all_versions(port) if v["type"] == "file" and not v["deleted"]]
            if vs:
                v = rng.choice(vs)
                st, body, _ = harness.request("POST", port, "/restore",
                                              json.dumps({"path": v["path"], "sequence": v["sequence"]}))
                assert st in (200, 404), (st, body)  # 404: collected meanwhile
                restores += st == 200
        gc = subprocess.Popen([harness.SYNCER, "gc", "--url", server.url()], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
        if rng.random() < 0.7:
            time.sleep(rng.random() * 0.03)
            server.kill()
            kills += 1
            gc.wait(timeout=30)
            server = Server(base, port=port, config=CONFIG, data_dir=data_dir)
            wait_converged([a], 60)  # the client reconciles with the restarted hub first
            check_store(server, f"after kill {kills}")
        else:
            gc.wait(timeout=60)
    wait_converged([a], 60)
    status, body, _ = harness.request("POST", port, "/gc")
    assert status == 200, body
    files, versions = check_store(server, "at the end")
    # Nothing the client holds was lost either.
    tree = harness.tree(a.dir)
    status, body, _ = harness.request("GET", port, "/files")
    hub = {f["path"]: f["sha256"] for f in json.loads(body)["files"] if f.get("type") != "dir"}
    local = {p: h for p, h in tree.items() if h != "DIR"}
    assert hub == local, harness.diff(hub, local)
    print(f"{rounds} rounds, {kills} hub kills during collections, {restores} restores; "
          f"{files} current entries and {versions} retained versions verified")


if __name__ == "__main__":
    run([test_collections_survive_sigkill])
