"""History and restore (issue 14): a file edited five times on two clients
lists every version with its writer, and restoring the second one reaches
every client; a folder of 200 files deleted on one client comes back
everywhere, byte for byte, with `syncer restore folder/ --at <before>`
(a file made after that time is left alone and reported); `--to` writes
only locally; bad requests are 4xx with {"error"}."""

import json
import os
import random
import shutil
import subprocess
import time

import harness
from harness import Client, Server, run, wait_converged, workdir


def syncer(*args, check=True):
    r = subprocess.run([harness.SYNCER, *args], capture_output=True, text=True, timeout=120)
    if check and r.returncode != 0:
        raise AssertionError(f"syncer {' '.join(args)} failed ({r.returncode}): {r.stderr.strip()}")
    return r


def history(server, path, *extra):
    return json.loads(syncer("history", path, "--url", server.url(), "--json", *extra).stdout)


def iso_utc(ns):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ns // 10**9)) + f".{ns % 10**9:09d}Z"


def no_guard(client):
    with open(client.config, "a") as f:
        f.write("delete_guard: false\n")


def test_five_edits_two_clients_restore_second():
    base = workdir("history-edits")
    server = Server(base)
    a = Client(base, "alpha", server.port)
    b = Client(base, "beta", server.port)
    contents = []
    for i in range(5):
        writer = a if i % 2 == 0 else b
        text = f"version {i + 1} by {writer.name}\n" + "x" * i
        contents.append((text, writer.name))
        writer.write("notes.txt", text)
        wait_converged([a, b], 30, {"notes.txt": text})
    h = history(server, "notes.txt")
    versions = h["versions"]
    assert len(versions) == 5, versions
    # newest first, each with its writer's name and content hash
    for v, (text, name) in zip(versions, reversed(contents)):
        assert v["origin_name"] == name, (v, name)
        assert v["sha256"] == harness.sha(text), v
        assert v["size"] == len(text.encode()) and not v["deleted"], v
    seqs = [v["sequence"] for v in versions]
    assert seqs == sorted(seqs, reverse=True), seqs
    text_table = syncer("history", "notes.txt", "--config", a.config).stdout
    assert "alpha" in text_table and "beta" in text_table, text_table

    second = versions[3]  # oldest is versions[4]
    r = syncer("restore", "notes.txt", "--version", str(second["sequence"]), "--config", b.config)
    assert "restored 1 path" in r.stdout, r.stdout
    wait_converged([a, b], 30, {"notes.txt": contents[1][0]})
    after = history(server, "notes.txt")["versions"]
    assert len(after) == 6 and after[0]["sha256"] == second["sha256"], after[0]
    assert after[0]["origin_name"] == "hub (restore)", after[0]
    # The restore is a fast-forward: no conflict copy anywhere.
    assert not [p for p in harness.tree(a.dir) if ".sync-conflict-" in p]

    # --to: only locally. The hub's history and both clients stay as they are.
    out = os.path.join(base, "out", "first.txt")
    syncer("restore", "notes.txt", "--version", str(versions[4]["sequence"]), "--to", out, "--url", server.url())
    with open(out) as f:
        assert f.read() == contents[0][0]
    assert len(history(server, "notes.txt")["versions"]) == 6
    wait_converged([a, b], 10, {"notes.txt": contents[1][0]})


def test_folder_restore_at_time():
    base = workdir("history-folder")
    server = Server(base)
    a = Client(base, "alpha", server.port, start=False)
    no_guard(a)
    a.start()
    b = Client(base, "beta", server.port)
    rng = random.Random(14)
    expected = {"folder": "DIR", "keep.txt": "outside the folder"}
    a.write("keep.txt", "outside the folder")
    for i in range(200):
        rel = f"folder/sub{i % 7}/file-{i:03d}.bin"
        data = bytes(rng.getrandbits(8) for _ in range(rng.randrange(0, 3000)))
        a.write(rel, data)
        expected[rel] = data
        expected[f"folder/sub{i % 7}"] = "DIR"
    wait_converged([a, b], 90, expected)
    before = time.time_ns()
    shutil.rmtree(a.path("folder"))
    wait_converged([a, b], 60, {"keep.txt": "outside the folder"})
    b.write("folder/late.txt", "made after the time")
    wait_converged([a, b], 30)

    trash = history(server, "folder", "--deleted")["deleted"]
    assert len([t for t in trash if t["path"].endswith(".bin")]) == 200, len(trash)
    assert all(t["restorable"] for t in trash if t["path"].endswith(".bin")), trash[:3]
    assert all(t["deleted_by_name"] == "alpha" for t in trash), trash[:3]

    # --to first: the sub-tree as it was, written locally only.
    out = os.path.join(base, "local-copy")
    syncer("restore", "folder/", "--at", iso_utc(before), "--to", out, "--config", b.config)
    for rel, data in expected.items():
        if rel.startswith("folder/") and data != "DIR":
            with open(os.path.join(out, rel[len("folder/"):]), "rb") as f:
                assert f.read() == data, rel
    assert not os.path.exists(a.path("folder/file-000.bin"))

    r = syncer("restore", "folder/", "--at", iso_utc(before), "--url", server.url(), "--json")
    answer = json.loads(r.stdout)
    assert answer["left_alone"] == ["folder/late.txt"], answer["left_alone"]
    assert len([e for e in answer["restored"] if e["type"] == "file"]) == 200, len(answer["restored"])
    expected["folder/late.txt"] = "made after the time"
    wait_converged([a, b], 90, expected)
    # The text form names what it left alone.
    r = syncer("restore", "folder", "--at", iso_utc(before), "--url", server.url())
    assert "left alone" in r.stdout and "folder/late.txt" in r.stdout, r.stdout


def test_bad_requests():
    base = workdir("history-bad")
    server = Server(base)
    cases = [
        ("GET", "/history/..%2Fetc", None, 400),
        ("GET", "/history/a?limit=0", None, 400),
        ("GET", "/history/a?limit=abc", None, 400),
        ("GET", "/history/a?before=-1", None, 400),
        ("GET", "/history/.syncer/index.db", None, 400),
        ("POST", "/history/a", None, 405),
        ("POST", "/restore", "not json", 400),
        ("POST", "/restore", json.dumps({"path": "a"}), 400),
        ("POST", "/restore", json.dumps({"path": "a", "sequence": 1, "at": "2h"}), 400),
        ("POST", "/restore", json.dumps({"path": "/etc/passwd", "sequence": 1}), 400),
        ("POST", "/restore", json.dumps({"path": "a", "at": "yesterday"}), 400),
        ("POST", "/restore", json.dumps({"path": "a", "sequence": "1"}), 400),
        ("POST", "/restore", json.dumps({"path": "nothing", "sequence": 7}), 404),
        ("POST", "/restore", json.dumps({"path": "nothing", "at": "1h"}), 404),
        ("GET", "/version/a?sequence=x", None, 400),
        ("GET", "/version/a?sequence=3", None, 404),
    ]
    for method, target, body, want in cases:
        status, data, _ = harness.request(method, server.port, target, body)
        assert status == want, (method, target, status, data)
        assert "error" in json.loads(data), (target, data)
    assert server.health()
    r = syncer("restore", "x", "--url", server.url(), check=False)
    assert r.returncode == 2 and "--version" in r.stderr, r.stderr
    r = syncer("restore", "../x", "--version", "1", "--url", server.url(), check=False)
    assert r.returncode == 2, r.stderr


if __name__ == "__main__":
    run([test_five_edits_two_clients_restore_second, test_folder_restore_at_time, test_bad_requests])
