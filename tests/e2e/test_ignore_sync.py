"""Ignored files stay local on both sides (never uploaded, deleted or
overwritten); .syncignore is itself synced; editing it at run time takes
effect: a newly un-ignored file gets synced, a newly ignored one stays."""

import os
import time

from harness import Client, Server, run, wait_converged, wait_until, workdir


def test_ignored_files_stay_local():
    base = workdir("ignore")
    server = Server(base)
    a = Client(base, "alpha", server.port, patterns=["*.log"])
    b = Client(base, "beta", server.port, patterns=["*.log"])
    a.write(".syncignore", "build/\n*.tmp\n!keep.tmp\n")
    a.write("src/main.c", "int main;")
    a.write("build/out.o", "object")
    a.write("scratch.tmp", "scratch")
    a.write("keep.tmp", "kept")
    a.write("debug.log", "alpha's log")
    b.write("debug.log", "beta's own log")
    expected_common = {".syncignore": "build/\n*.tmp\n!keep.tmp\n", "src": "DIR", "src/main.c": "int main;",
                       "keep.tmp": "kept"}

    def synced():
        tb = {k: v for k, v in __import__("harness").tree(b.dir).items()}
        return all(k in tb for k in expected_common)

    wait_until(synced, 30, what="the shared files to reach beta")
    time.sleep(0.5)  # give a wrong upload time to show up
    assert not os.path.exists(b.path("build/out.o")), "an ignored folder was synced"
    assert not os.path.exists(b.path("scratch.tmp")), "an ignored file was synced"
    with open(b.path("debug.log")) as f:
        assert f.read() == "beta's own log", "an ignored file was overwritten"
    with open(a.path("debug.log")) as f:
        assert f.read() == "alpha's log"

    # deleting an ignored file on one side touches nothing elsewhere
    os.remove(a.path("debug.log"))
    time.sleep(0.5)
    assert os.path.exists(b.path("debug.log"))

    # un-ignore build/ at run time: its content is synced now
    a.write(".syncignore", "*.tmp\n!keep.tmp\n")
    wait_until(lambda: os.path.exists(b.path("build/out.o")), 30, what="build/out.o after un-ignoring build/")
    # a file created in the newly un-ignored folder is picked up in real time
    a.write("build/new.o", "fresh")
    wait_until(lambda: os.path.exists(b.path("build/new.o")), 30, what="a new file in the un-ignored folder")

    # ignore src/ now: it stays where it is on both sides, changes stay local
    scans_before = a.inspect()["folder-model"]["counters"]["scans"]
    b.write(".syncignore", "*.tmp\n!keep.tmp\nsrc/\n")
    wait_until(lambda: open(a.path(".syncignore")).read().endswith("src/\n"), 30, what="the new .syncignore")
    wait_until(lambda: a.inspect()["folder-model"]["counters"]["scans"] > scans_before, 30,
               what="alpha to apply the new rules")
    a.write("src/main.c", "changed locally only")
    time.sleep(1.0)
    assert os.path.exists(b.path("src/main.c"))
    with open(b.path("src/main.c")) as f:
        assert f.read() == "int main;", "a change in a newly ignored folder was synced"
    # ...and so does deleting a file that was synced before it became ignored
    os.remove(a.path("src/main.c"))
    time.sleep(1.0)
    assert os.path.exists(b.path("src/main.c")), "deleting a newly ignored file was synced"
    from harness import json_request
    _, listing, _ = json_request("GET", server.port, "/files")
    assert "src/main.c" in {f["path"] for f in listing["files"]}, "the hub recorded the deletion of an ignored file"


def test_check_ignore_command_matches_git():
    import subprocess
    import harness
    base = workdir("check-ignore")
    root = os.path.join(base, "tree")
    os.makedirs(root)
    files = {".syncignore": "*.o\n/build/\n!keep.o\ndocs/**/draft*\n# comment\n\\#hash\n",
             "sub/.syncignore": "!special.o\n*.md\n"}
    for rel, text in files.items():
        os.makedirs(os.path.dirname(os.path.join(root, rel)), exist_ok=True)
        with open(os.path.join(root, rel), "w") as f:
            f.write(text)
        with open(os.path.join(root, os.path.dirname(rel), ".gitignore"), "w") as f:
            f.write(text)
    for d in ["build/x", "sub/deeper", "docs/a/b"]:
        os.makedirs(os.path.join(root, d), exist_ok=True)
    cfg = os.path.join(base, "c.yaml")
    with open(cfg, "w") as f:
        f.write(f"client_name: t\nsync_directory: {root}\nignore_patterns: []\n")
    paths = ["a.o", "keep.o", "build", "build/x/y.c", "sub/special.o", "sub/other.o", "sub/deeper/readme.md",
             "docs/a/b/draft1.txt", "docs/final.txt", "#hash", "src/main.c", "sub/build"]
    subprocess.run(["git", "init", "-q", root], check=True)
    for verbose in ([], ["-v"]):
        ours = subprocess.run([harness.SYNCER, "check-ignore", "--config", cfg, *verbose, *paths],
                              capture_output=True, text=True)
        git = subprocess.run(["git", "-C", root, "check-ignore", "--no-index", *verbose, *paths],
                             capture_output=True, text=True)
        expected = git.stdout.replace(".gitignore", ".syncignore")
        assert ours.stdout == expected, f"syncer:\n{ours.stdout}\ngit:\n{expected}"
        assert ours.returncode == git.returncode, (ours.returncode, git.returncode)
    none = subprocess.run([harness.SYNCER, "check-ignore", "--config", cfg, "src/main.c"], capture_output=True)
    assert none.returncode == 1 and none.stdout == b""
    bad = subprocess.run([harness.SYNCER, "check-ignore", "--config", cfg, "../outside"], capture_output=True,
                         text=True)
    assert bad.returncode == 128 and bad.stderr.strip(), bad


if __name__ == "__main__":
    run([test_ignored_files_stay_local, test_check_ignore_command_matches_git])
