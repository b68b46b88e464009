#!/usr/bin/env python3
"""End-to-end sync benchmark: syncer (hub + 2 clients on loopback) against
reference tools measured in the same run on the same corpora.

  python3 benchmarks/e2e_bench.py --syncer build/syncer            # full run, writes docs/benchmarks.md section
  python3 benchmarks/e2e_bench.py --syncer build/syncer --smoke    # tiny sizes (CTest), writes nothing

Measured per corpus: syncer's time from client A's start until client B's
tree is identical (sha256), and rsync's time to copy the same tree to a
loopback rsync daemon and Unison's (batch mode, to a unison socket server on
loopback; installed from Debian when missing, except in --smoke). Also the
propagation latency of small edits (p50/p95/p99) and the peak RSS of each
syncer process. Syncthing is not wired in yet and is reported as such.
Never fails on a time: it exits non-zero only when a run breaks."""

import argparse
import os
import random
import shutil
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "e2e"))
import harness  # noqa: E402  (reuses the e2e processes, trees and waits)


def make_small_corpus(root, count, seed):
    """A realistic size mix: mostly small text, some KiB-sized, a few 100s of KiB."""
    rng = random.Random(seed)
    total = 0
    for i in range(count):
        r = rng.random()
        size = rng.randint(0, 2048) if r < 0.7 else rng.randint(2048, 65536) if r < 0.97 else rng.randint(65536, 524288)
        path = os.path.join(root, f"dir{i % 97:02d}", f"sub{i % 7}", f"file{i:05d}.dat")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(rng.randbytes(size))
        total += size
    return total


def make_large_corpus(root, count, mib, seed):
    rng = random.Random(seed)
    block = rng.randbytes(1 << 20)
    os.makedirs(root, exist_ok=True)
    for i in range(count):
        with open(os.path.join(root, f"large{i}.bin"), "wb") as f:
            for j in range(mib):
                f.write(block[j % 1024:] + block[:j % 1024] + bytes([i, j & 255]))
    return count * mib << 20


def time_syncer(corpus, base):
    server = harness.Server(base)
    b = harness.Client(base, "b", server.port)
    a = harness.Client(base, "a", server.port, start=False)
    shutil.copytree(corpus, a.dir, dirs_exist_ok=True)
    want = harness.tree(corpus)
    started = time.monotonic()
    a.start()
    harness.wait_until(lambda: harness.tree(b.dir) == want, 1800, interval=0.05, what="syncer to converge")
    elapsed = time.monotonic() - started
    rss = {"client A": a.peak_rss_kib(), "client B": b.peak_rss_kib(), "hub": server.peak_rss_kib()}
    for p in (a, b, server):
        p.stop()
    return elapsed, rss


def time_rsync(corpus, base):
    if not shutil.which("rsync"):
        return None, "rsync is not installed"
    dest = os.path.join(base, "rsync-dest")
    os.makedirs(dest)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    conf = os.path.join(base, "rsyncd.conf")
    with open(conf, "w") as f:
        f.write(f"use chroot = no\npid file = {base}/rsyncd.pid\n[dest]\npath = {dest}\nread only = no\n"
                f"uid = {os.getuid()}\ngid = {os.getgid()}\n")
    daemon = subprocess.Popen(["rsync", "--daemon", "--no-detach", f"--config={conf}", f"--port={port}",
                               "--address=127.0.0.1"], stderr=subprocess.DEVNULL)
    try:
        harness.wait_until(lambda: subprocess.run(["rsync", f"rsync://127.0.0.1:{port}/"], capture_output=True)
                           .returncode == 0, 10, what="the rsync daemon")
        started = time.monotonic()
        subprocess.run(["rsync", "-a", corpus + "/", f"rsync://127.0.0.1:{port}/dest/"], check=True)
        elapsed = time.monotonic() - started
    finally:
        daemon.terminate()
        daemon.wait(10)
    assert harness.tree(dest) == harness.tree(corpus), "rsync copy differs"
    return elapsed, None


def ensure_tool(tool, package, install):
    """The peer's binary, installed from Debian when missing and allowed."""
    if shutil.which(tool) or not install:
        return shutil.which(tool)
    cmd = ["apt-get", "install", "-y", "-qq", package]
    if os.getuid() != 0:
        cmd = ["sudo", "-n"] + cmd
    subprocess.run(cmd, capture_output=True, env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
    return shutil.which(tool)


def time_unison(corpus, base, install):
    if not ensure_tool("unison", "unison", install):
        return None, "unison is not installed (apt-get install unison)"
    dest = os.path.join(base, "unison-dest")
    home = os.path.join(base, "unison-home")
    os.makedirs(dest)
    os.makedirs(home)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, HOME=home)
    server = subprocess.Popen(["unison", "-socket", str(port)], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        def listening():
            with socket.socket() as s:
                return s.connect_ex(("127.0.0.1", port)) == 0
        harness.wait_until(listening, 10, what="the unison server")
        started = time.monotonic()
        subprocess.run(["unison", corpus, f"socket://127.0.0.1:{port}/{dest}", "-batch", "-auto", "-silent",
                        "-confirmbigdel=false"], env=env, check=True, capture_output=True)
        elapsed = time.monotonic() - started
    finally:
        server.terminate()
        server.wait(10)
    assert harness.tree(dest) == harness.tree(corpus), "unison copy differs"
    return elapsed, None


def edit_latency(base, edits):
    server = harness.Server(base)
    a = harness.Client(base, "a", server.port)
    b = harness.Client(base, "b", server.port)
    samples = []
    for i in range(edits):
        text = f"edit {i}\n"
        started = time.monotonic()
        a.write("note.txt", text)
        while True:
            try:
                with open(b.path("note.txt")) as f:
                    if f.read() == text:
                        break
            except OSError:
                pass
            if time.monotonic() - started > 30:
                raise AssertionError("an edit did not arrive within 30 s")
            time.sleep(0.001)
        samples.append(time.monotonic() - started)
    for p in (a, b, server):
        p.stop()
    samples.sort()
    pick = lambda q: samples[min(len(samples) - 1, int(q * len(samples)))] * 1000
    return pick(0.5), pick(0.95), pick(0.99)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--syncer", required=True)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, no docs update")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--docs", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "docs",
                                                       "benchmarks.md"))
    args = parser.parse_args()
    harness.SYNCER = os.path.abspath(args.syncer)
    small_n, large_n, large_mib, edits = (50, 1, 4, 10) if args.smoke else (5000, 4, 64, 100)
    work = harness.workdir("bench")
    corpora = {}
    c = os.path.join(work, "corpus-small")
    corpora[f"{small_n} small files"] = (c, make_small_corpus(c, small_n, args.seed))
    c = os.path.join(work, "corpus-large")
    corpora[f"{large_n} x {large_mib} MiB"] = (c, make_large_corpus(c, large_n, large_mib, args.seed))

    rows = []
    for name, (path, size) in corpora.items():
        syncer_s, rss = time_syncer(path, harness.workdir("bench-syncer"))
        rsync_s, why = time_rsync(path, harness.workdir("bench-rsync"))
        unison_s, unison_why = time_unison(path, harness.workdir("bench-unison"), install=not args.smoke)
        ratio = f"{syncer_s / rsync_s:.2f}x" if rsync_s else "n/a"
        unison_ratio = f"{syncer_s / unison_s:.2f}x" if unison_s else "n/a"
        rows.append((name, size, syncer_s, rsync_s, why, ratio, rss, unison_s, unison_why, unison_ratio))
        print(f"{name}: syncer {syncer_s:.2f} s, rsync daemon {f'{rsync_s:.2f} s' if rsync_s else why} "
              f"(ratio {ratio}), unison {f'{unison_s:.2f} s' if unison_s else unison_why} (ratio {unison_ratio}); "
              f"peak RSS (KiB) {rss}", flush=True)
    p50, p95, p99 = edit_latency(harness.workdir("bench-latency"), edits)
    print(f"small edit propagation over {edits} edits: p50 {p50:.1f} ms, p95 {p95:.1f} ms, p99 {p99:.1f} ms")

    if args.smoke:
        print("1 passed, 0 failed")
        return
    lines = ["<!-- e2e_bench:begin -->", "",
             f"## End-to-end run (`benchmarks/e2e_bench.py`, {time.strftime('%Y-%m-%d')}, seed {args.seed})", "",
             "| corpus | bytes | syncer (A start → B identical) | rsync → loopback daemon | syncer / rsync "
             "| Unison (batch, socket) | syncer / Unison | peak RSS A / B / hub |",
             "|---|---|---|---|---|---|---|---|"]
    for name, size, s, r, why, ratio, rss, u, u_why, u_ratio in rows:
        lines.append(f"| {name} | {size / 1048576:.0f} MiB | {s:.2f} s | {f'{r:.2f} s' if r else why} | {ratio} | "
                     f"{f'{u:.2f} s' if u else u_why} | {u_ratio} | "
                     f"{rss['client A'] / 1024:.0f} / {rss['client B'] / 1024:.0f} / {rss['hub'] / 1024:.0f} MiB |")
    lines += ["", f"Small edit propagation ({edits} edits): p50 {p50:.1f} ms, p95 {p95:.1f} ms, p99 {p99:.1f} ms.", "",
              "Syncthing: not wired into the script yet (reported, not silently dropped).", "",
              "<!-- e2e_bench:end -->"]
    with open(args.docs) as f:
        text = f.read()
    block = "\n".join(lines)
    if "<!-- e2e_bench:begin -->" in text:
        head, rest = text.split("<!-- e2e_bench:begin -->", 1)
        text = head + block + rest.split("<!-- e2e_bench:end -->", 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    with open(args.docs, "w") as f:
        f.write(text)
    print(f"wrote {args.docs}")


if __name__ == "__main__":
    try:
        main()
    finally:
        harness._cleanup()
