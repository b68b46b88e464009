"""The mass-delete guard (BRIEF §7): an rm -rf of more than half of the
folder (and at least 100 entries) is held, nothing is deleted elsewhere,
`syncer status` says so, and `syncer deletions --accept` / `--restore`
decides. A small deletion goes through at once."""

import json
import os
import shutil
import subprocess

import harness
from harness import Client, Server, run, wait_converged, wait_until, workdir

FILES = {f"docs/d{i // 50}/f{i}.txt": f"file {i}\n" for i in range(150)}
TREE = dict(FILES, **{"docs": "DIR", "docs/d0": "DIR", "docs/d1": "DIR", "docs/d2": "DIR"})


def syncer(*args):
    return subprocess.run([harness.SYNCER, *args], capture_output=True, text=True, timeout=30)


def status(c):
    res = syncer("status", "--config", c.config, "--json")
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)


def setup(name):
    base = workdir(name)
    server = Server(base)
    a = Client(base, "alpha", server.port)
    b = Client(base, "beta", server.port)
    for rel, text in FILES.items():
        a.write(rel, text)
    a.write("keep.txt", "keep\n")
    wait_converged([a, b], 60, dict(TREE, **{"keep.txt": "keep\n"}))
    return server, a, b


def hold_mass_delete(a, b):
    shutil.rmtree(a.path("docs"))
    wait_until(lambda: status(a)["held_deletions"] > 0, 20, what="the guard to hold the deletions")
    held = status(a)["held_deletions"]
    assert held >= len(FILES), f"only {held} held"
    assert "held deletions" in syncer("status", "--config", a.config).stdout
    listed = json.loads(syncer("deletions", "--config", a.config, "--json").stdout)["held"]
    assert {h["path"] for h in listed} >= set(FILES), listed[:5]
    # Nothing reached beta: every file is still there.
    for rel, text in FILES.items():
        with open(b.path(rel)) as f:
            assert f.read() == text, rel
    # A small deletion next to it still goes through.
    os.remove(a.path("keep.txt"))
    wait_until(lambda: not os.path.exists(b.path("keep.txt")), 15, what="a small deletion to reach beta")


def test_held_then_accepted():
    server, a, b = setup("guard-accept")
    hold_mass_delete(a, b)
    res = syncer("deletions", "--config", a.config, "--accept")
    assert res.returncode == 0, res.stderr
    wait_until(lambda: not os.path.exists(b.path("docs/d0/f0.txt")), 30, what="accepted deletions to reach beta")
    wait_converged([a, b], 60, {})
    assert status(a)["held_deletions"] == 0


def test_held_then_restored():
    server, a, b = setup("guard-restore")
    hold_mass_delete(a, b)
    res = syncer("deletions", "--config", a.config, "--restore")
    assert res.returncode == 0, res.stderr
    wait_converged([a, b], 60, TREE)
    assert status(a)["held_deletions"] == 0
    assert syncer("deletions", "--config", a.config, "--accept").returncode != 0  # nothing held: one clear error


if __name__ == "__main__":
    run([test_held_then_accepted, test_held_then_restored])
