"""Retention and the janitor (issue 14): `simple` with `keep: 2` leaves two
versions after six edits and the objects folder shrinks (measured); with
`trash: 2s` a deleted file is restorable before and gone after a
collection; a tombstone expires only once every client's sync point has
passed it, and a client that was offline while it could have comes back
with nothing deleted reappearing and nothing of its own lost, also when
it compares its whole folder (full /sync) after the expiry."""

import json
import os
import sqlite3
import subprocess
import time

import harness
from harness import Client, Server, run, wait_converged, wait_until, workdir


def syncer(*args, check=True):
    r = subprocess.run([harness.SYNCER, *args], capture_output=True, text=True, timeout=120)
    if check and r.returncode != 0:
        raise AssertionError(f"syncer {' '.join(args)} failed ({r.returncode}): {r.stderr.strip()}")
    return r


def gc(server):
    return json.loads(syncer("gc", "--url", server.url(), "--json").stdout)


def history(server, path, *extra):
    return json.loads(syncer("history", path, "--url", server.url(), "--json", *extra).stdout)


def hub_versions(server, path):
    status, body, _ = harness.request("GET", server.port, "/history/" + path)
    return json.loads(body)["versions"] if status == 200 else []


def wait_hub(server, path, count):
    """Until the hub holds `count` versions of `path` (a local tree says nothing of the hub)."""
    wait_until(lambda: len(hub_versions(server, path)) >= count, 30, what=f"{count} versions of {path} on the hub")


def hub_counter(server, actor, name):
    status, body, _ = harness.request("GET", server.port, "/inspect")
    return [a for a in json.loads(body)["actors"] if a["name"] == actor][0]["counters"][name]


def objects_bytes(server):
    total = 0
    for dirpath, _, files in os.walk(os.path.join(server.data_dir, "objects")):
        for f in files:
            total += os.path.getsize(os.path.join(dirpath, f))
    return total


def test_simple_keep_two():
    base = workdir("retention-simple")
    server = Server(base, config="retention:\n  policy: simple\n  keep: 2\n  interval: 0\n")
    a = Client(base, "alpha", server.port)
    size = 200_000
    for i in range(6):
        data = os.urandom(size)
        a.write("big.bin", data)
        wait_converged([a], 30, {"big.bin": data})
        wait_hub(server, "big.bin", i + 1)
    before = objects_bytes(server)
    assert before >= 6 * size, before
    assert len(history(server, "big.bin")["versions"]) == 6
    store = json.loads(syncer("status", "--url", server.url(), "--json").stdout)
    assert store["reclaimable_bytes"] == 4 * size, store
    assert store["current_bytes"] == size and store["history_bytes"] == 5 * size, store
    report = gc(server)
    assert report["versions_pruned"] == 4 and report["objects_removed"] == 4, report
    assert report["bytes_freed"] == 4 * size, report
    versions = history(server, "big.bin")["versions"]
    assert len(versions) == 2, versions
    after = objects_bytes(server)
    print(f"objects/ before collection {before} bytes, after {after} bytes (6 -> 2 versions of {size} bytes)")
    assert after == 2 * size, after
    # The current version and the one kept still download whole.
    for v in versions:
        status, body, _ = harness.request("GET", server.port, f"/version/big.bin?sequence={v['sequence']}")
        assert status == 200 and harness.sha(body) == v["sha256"], status
    status, _, _ = harness.request("POST", server.port, "/restore", json.dumps({"path": "big.bin", "sequence": 1}))
    assert status == 404, status
    text = syncer("status", "--url", server.url()).stdout
    assert "reclaimable" in text and "history" in text, text
    janitor = [s for s in json.loads(syncer("inspect", "--url", server.url(), "--json").stdout)["actors"]
               if s["name"] == "janitor"][0]
    assert janitor["counters"]["versions_pruned"] == 4 and janitor["counters"]["bytes_freed"] == 4 * size, janitor
    assert janitor["counters"]["last_run_ns"] > 0, janitor


def test_trash_two_seconds():
    base = workdir("retention-trash")
    server = Server(base, config="retention:\n  trash: 2s\n  interval: 0\n")
    a = Client(base, "alpha", server.port)
    a.write("doomed.txt", "restore me while you can")
    a.write("kept.txt", "stays")
    wait_converged([a], 30, {"doomed.txt": "restore me while you can", "kept.txt": "stays"})
    wait_hub(server, "kept.txt", 1)
    wait_hub(server, "doomed.txt", 1)
    os.remove(a.path("doomed.txt"))
    wait_converged([a], 30, {"kept.txt": "stays"})
    wait_hub(server, "doomed.txt", 2)
    trash = history(server, "/", "--deleted")["deleted"]
    assert [t["path"] for t in trash] == ["doomed.txt"] and trash[0]["restorable"], trash
    seq = trash[0]["restorable"]["sequence"]
    assert gc(server)["objects_removed"] == 0  # within the trash time: nothing goes
    # Restorable now (to a local path: the hub keeps it deleted).
    out = os.path.join(base, "rescued.txt")
    syncer("restore", "doomed.txt", "--version", str(seq), "--to", out, "--url", server.url())
    with open(out) as f:
        assert f.read() == "restore me while you can"
    deleted_at = trash[0]["deleted_ns"]
    wait_until(lambda: time.time_ns() > deleted_at + 2_100_000_000, 5, what="the trash time to pass")
    report = gc(server)
    assert report["objects_removed"] == 1 and report["versions_pruned"] >= 1, report
    trash = history(server, "/", "--deleted")["deleted"]
    assert all(t["restorable"] is None for t in trash), trash
    status, body, _ = harness.request("POST", server.port, "/restore", json.dumps({"path": "doomed.txt", "sequence": seq}))
    assert status == 404, (status, body)
    wait_converged([a], 10, {"kept.txt": "stays"})


def forget_sync_point(client):
    """Makes the client compare its whole folder on its next start (full /sync)."""
    db = sqlite3.connect(os.path.join(client.dir, ".syncer", "index.db"))
    db.execute("DELETE FROM meta WHERE key = 'sync_point'")
    db.commit()
    db.close()


def test_tombstone_expiry_with_offline_client():
    base = workdir("retention-tombstones")
    server = Server(base, config="retention:\n  trash: 1s\n  interval: 0\n")
    a = Client(base, "alpha", server.port)
    b = Client(base, "beta", server.port)
    files = {f"gone-{i}.txt": f"deleted later {i}" for i in range(3)}
    files["keep.txt"] = "kept"
    for rel, text in files.items():
        a.write(rel, text)
    wait_converged([a, b], 30, files)
    for i in range(3):
        os.remove(a.path(f"gone-{i}.txt"))
    wait_converged([a, b], 30, {"keep.txt": "kept"})
    assert b.stop() == 0  # beta goes offline
    # alpha syncs twice more: the hub then knows alpha has applied the deletions.
    for _ in range(2):
        assert a.stop() == 0
        a.start()
        wait_converged([a], 30, {"keep.txt": "kept"})
    deleted_ns = max(t["deleted_ns"] for t in history(server, "/", "--deleted")["deleted"])
    wait_until(lambda: time.time_ns() > deleted_ns + 1_100_000_000, 5, what="the trash time to pass")
    report = gc(server)
    assert report["tombstones_expired"] == 0, report  # beta has not synced past them
    assert len(history(server, "/", "--deleted")["deleted"]) == 3
    # beta's own offline work
    b.write("beta-own.txt", "made offline")
    b.write("keep.txt", "kept, edited offline by beta")
    b.start()
    want = {"keep.txt": "kept, edited offline by beta", "beta-own.txt": "made offline"}
    wait_converged([a, b], 30, want)
    # beta records a sync point only after a sync that left it nothing to
    # do; the hub learns it from beta's next incremental /sync.
    deleted_seq = max(v["sequence"] for i in range(3) for v in hub_versions(server, f"gone-{i}.txt"))
    for _ in range(4):
        if hub_counter(server, "file-store", "oldest_sync_point") >= deleted_seq:
            break
        assert b.stop() == 0
        b.start()
        wait_converged([a, b], 30, want)
    assert hub_counter(server, "file-store", "oldest_sync_point") >= deleted_seq
    report = gc(server)
    assert report["tombstones_expired"] == 3, report
    assert history(server, "/", "--deleted")["deleted"] == []
    # A full comparison after the expiry: beta's index still knows the
    # deleted paths as deleted, so nothing comes back.
    assert b.stop() == 0
    forget_sync_point(b)
    b.start()
    wait_converged([a, b], 30, want)
    status, body, _ = harness.request("GET", server.port, "/files?deleted=1")
    paths = sorted(f["path"] for f in json.loads(body)["files"])
    assert paths == ["beta-own.txt", "keep.txt"], paths


if __name__ == "__main__":
    run([test_simple_keep_two, test_trash_two_seconds, test_tombstone_expiry_with_offline_client])
