"""Never lose an edit: concurrent edits on two offline clients leave both
versions on every client (one as a sync-conflict copy), an edit beats a
concurrent delete, delete vs delete converges; `syncer conflicts` lists
the copy."""

import json
import os
import subprocess
import time

import harness
from harness import Client, Server, run, wait_converged, workdir


def contents(client):
    out = {}
    for rel, digest in harness.tree(client.dir).items():
        if digest != "DIR":
            with open(client.path(rel), "rb") as f:
                out[rel] = f.read()
    return out


def test_concurrent_edits_keep_both():
    base = workdir("conflict")
    server = Server(base)
    a = Client(base, "alpha", server.port)
    b = Client(base, "beta", server.port)
    a.write("report.txt", "base version\n")
    wait_converged([a, b], 30, {"report.txt": "base version\n"})
    assert a.stop() == 0 and b.stop() == 0
    a.write("report.txt", "alpha's edit\n")
    time.sleep(0.05)
    b.write("report.txt", "beta's edit, made later\n")
    a.start()
    wait_converged([a], 10, {"report.txt": "alpha's edit\n"})
    b.start()
    wait_converged([a, b], 60)
    files = contents(a)
    assert files["report.txt"] == b"beta's edit, made later\n", files  # newest mtime keeps the name
    copies = [p for p in files if ".sync-conflict-" in p]
    assert len(copies) == 1, files
    assert files[copies[0]] == b"alpha's edit\n", files
    assert copies[0].startswith("report.sync-conflict-") and copies[0].endswith("-alpha.txt"), copies
    r = subprocess.run([harness.SYNCER, "conflicts", "--config", b.config, "--json"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    listed = json.loads(r.stdout)["conflicts"]
    assert [c["copy"] for c in listed] == copies and listed[0]["path"] == "report.txt", listed
    # deleting the copy resolves it
    os.remove(b.path(copies[0]))
    wait_converged([a, b], 30, {"report.txt": "beta's edit, made later\n"})


def test_edit_beats_concurrent_delete():
    base = workdir("edit-delete")
    server = Server(base)
    a = Client(base, "alpha", server.port)
    b = Client(base, "beta", server.port)
    a.write("keep.txt", "v1")
    a.write("gone.txt", "x")
    wait_converged([a, b], 30, {"keep.txt": "v1", "gone.txt": "x"})
    assert a.stop() == 0 and b.stop() == 0
    os.remove(a.path("keep.txt"))       # alpha deletes...
    b.write("keep.txt", "v2 by beta")   # ...while beta edits: the edit wins
    os.remove(a.path("gone.txt"))       # both delete: it stays deleted
    os.remove(b.path("gone.txt"))
    a.start()
    b.start()
    wait_converged([a, b], 60, {"keep.txt": "v2 by beta"})


if __name__ == "__main__":
    run([test_concurrent_edits_keep_both, test_edit_beats_concurrent_delete])
