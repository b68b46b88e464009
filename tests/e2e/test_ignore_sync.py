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
    b.write(".syncignore", "*.tmp\n!keep.tmp\nsrc/\n")
    wait_until(lambda: open(a.path(".syncignore")).read().endswith("src/\n"), 30, what="the new .syncignore")
    time.sleep(0.3)
    a.write("src/main.c", "changed locally only")
    time.sleep(1.0)
    assert os.path.exists(b.path("src/main.c"))
    with open(b.path("src/main.c")) as f:
        assert f.read() == "int main;", "a change in a newly ignored folder was synced"


if __name__ == "__main__":
    run([test_ignored_files_stay_local])
