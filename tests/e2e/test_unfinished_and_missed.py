"""Files are published only in a finished state, changes the watcher
cannot see are still found, and a folder that lost its .syncer/ state is
refused (docs/sync-semantics.md, "What syncer does when things go wrong").

- a slow writer that keeps a file open in a new folder: the other client
  never sees an intermediate size;
- truncate(2) in place (IN_MODIFY only) reaches the other client;
- a same-size rewrite within one mtime tick (git's "racy" case) is seen;
- an mmap write (no inotify event at all) is caught by the periodic rescan;
- a sync folder whose .syncer/ vanished is refused with one sentence, and
  nothing is deleted anywhere.
"""

import json
import mmap
import os
import shutil
import subprocess
import threading
import time

import harness
from harness import Client, Server, run, wait_converged, wait_until, workdir


def read(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        return None


def client_with(base, name, port, extra_config):
    c = Client(base, name, port, start=False)
    with open(c.config, "a") as f:
        f.write(extra_config)
    c.start()
    return c


def test_slow_writer_is_published_only_when_finished():
    base = workdir("slow")
    server = Server(base)
    a = Client(base, "alpha", server.port)
    b = Client(base, "beta", server.port)
    a.write("seed.txt", "seed\n")
    wait_converged([a, b], 30, {"seed.txt": "seed\n"})

    chunk = os.urandom(64 * 1024)
    chunks = 12
    seen_sizes = set()
    stop = threading.Event()

    def watch_b():
        target = b.path("new/sub/big.bin")
        while not stop.is_set():
            try:
                seen_sizes.add(os.stat(target).st_size)
            except OSError:
                pass
            time.sleep(0.02)

    watcher = threading.Thread(target=watch_b)
    watcher.start()
    os.makedirs(a.path("new/sub"))
    with open(a.path("new/sub/big.bin"), "wb") as f:
        for _ in range(chunks):  # ~3.6 s of a writer that pauses with the file open
            f.write(chunk)
            f.flush()
            time.sleep(0.3)
    final = chunk * chunks
    try:
        wait_until(lambda: read(b.path("new/sub/big.bin")) == final, 30, what="the finished file on beta")
    finally:
        stop.set()
        watcher.join()
    assert seen_sizes == {len(final)}, f"beta saw intermediate sizes of a file still being written: {sorted(seen_sizes)}"
    assert a.alive() and b.alive()


def test_truncate_racy_rewrite_and_mmap_are_seen():
    base = workdir("missed")
    server = Server(base)
    a = client_with(base, "alpha", server.port, "rescan_interval: 2s\n")
    b = Client(base, "beta", server.port)
    a.write("t.txt", "x" * 1000)
    a.write("m.bin", b"\0" * 4096)
    wait_converged([a, b], 30, {"t.txt": "x" * 1000, "m.bin": b"\0" * 4096})

    # truncate(2) by path: no open, no close, only IN_MODIFY.
    os.truncate(a.path("t.txt"), 10)
    wait_until(lambda: read(b.path("t.txt")) == b"x" * 10, 15, what="the truncation to reach beta")

    # A same-size rewrite in the same timestamp tick: the mtime is put back
    # to the first write's, as a coarse clock would leave it.
    a.write("r.txt", "aaaa")
    first = os.stat(a.path("r.txt")).st_mtime_ns
    wait_until(lambda: read(b.path("r.txt")) == b"aaaa", 15, what="r.txt to reach beta")
    with open(a.path("r.txt"), "w") as f:
        f.write("bbbb")
    os.utime(a.path("r.txt"), ns=(first, first))
    wait_until(lambda: read(b.path("r.txt")) == b"bbbb", 15, what="the same-size, same-mtime rewrite to reach beta")

    # An mmap write sends no inotify event; the periodic rescan finds it.
    before = os.stat(a.path("m.bin")).st_mtime_ns
    with open(a.path("m.bin"), "r+b") as f:
        with mmap.mmap(f.fileno(), 4096) as m:
            m[0:5] = b"mmap!"
            m.flush()
    time.sleep(0.05)
    if os.stat(a.path("m.bin")).st_mtime_ns == before:
        os.utime(a.path("m.bin"))  # a file system that does not stamp mmap writes: the rescan still needs a sign
    want = b"mmap!" + b"\0" * 4091
    wait_until(lambda: read(b.path("m.bin")) == want, 20, what="the mmap write to reach beta through the rescan")
    # And the rescan itself runs on its period (2 s +-10 % here) with nothing
    # else going on: inotify is silent for mmap writes on many kernels.
    scans = a.inspect()["folder-model"]["counters"]["scans"]
    wait_until(lambda: a.inspect()["folder-model"]["counters"]["scans"] > scans, 10, what="a periodic rescan")
    assert "periodic rescan" in open(a.log_path, errors="replace").read(), a.tail()


def test_lost_state_folder_is_refused():
    base = workdir("lost")
    server = Server(base)
    a = Client(base, "alpha", server.port)
    b = Client(base, "beta", server.port)
    files = {f"doc{i}.txt": f"document {i}\n" for i in range(5)}
    for rel, text in files.items():
        a.write(rel, text)
    wait_converged([a, b], 30, files)
    assert a.stop() == 0
    # The folder comes back without its state, and empty: as an unmounted
    # drive's mount point would look.
    moved = os.path.join(base, "alpha-moved")
    shutil.move(a.dir, moved)
    os.makedirs(a.dir)
    res = subprocess.run([harness.SYNCER, "node", "--role", "client", "--config", a.config],
                         capture_output=True, text=True, timeout=30)
    assert res.returncode != 0, f"a folder without its .syncer/ state was accepted:\n{res.stdout}{res.stderr}"
    said = res.stdout + res.stderr
    assert "lost its .syncer/ state" in said and "mounted" in said, said
    assert not os.path.exists(os.path.join(a.dir, ".syncer")), "the refused start created state anyway"
    time.sleep(0.5)
    assert harness.tree(b.dir) == harness.tree(moved), "beta lost files"
    # The folder back where it was: starts and syncs as before.
    shutil.rmtree(a.dir)
    shutil.move(moved, a.dir)
    a.start()
    a.write("after.txt", "after\n")
    wait_converged([a, b], 30, dict(files, **{"after.txt": "after\n"}))


if __name__ == "__main__":
    run([test_slow_writer_is_published_only_when_finished, test_truncate_racy_rewrite_and_mmap_are_seen,
         test_lost_state_folder_is_refused])
