#!/usr/bin/env python3
"""End-to-end sync benchmark: syncer (hub + 2 clients on loopback) against
rsync, Unison and Syncthing, each measured in the same run on the same
seeded corpora, on tmpfs when the machine has one (as in issue 5's table;
--disk keeps the system temp dir).

  python3 benchmarks/e2e_bench.py --syncer build/syncer            # full run, writes the docs/benchmarks.md block
  python3 benchmarks/e2e_bench.py --syncer build/syncer --smoke    # tiny sizes (CTest), writes nothing

Per corpus (many small files with a realistic size mix; large files; a copy
of a real tree, /usr/include by default):
- initial sync: syncer from client A's start until client B holds the
  corpus (completion read from B's admin API, then the whole tree checked
  by sha256); rsync -a to a loopback rsync daemon; Unison batch mode to a
  Unison socket server; two Syncthing instances (completion from B's REST
  API, then the tree checked).
- start-up on the unchanged tree: syncer client A restarted until idle and
  in sync; rsync's and Unison's second (no-change) run.
- 1 MiB changed in the middle of a 256 MiB file: time until the other side
  has it, and bytes sent.
- propagation latency of small edits (p50/p95/p99), and peak RSS of every
  process.
Peers missing on the machine are installed from Debian (not in --smoke); a
peer that cannot run is reported as such in the table, never dropped.
Never fails on a time: it exits non-zero only when a run breaks."""

import argparse
import hashlib
import json
import os
import platform
import random
import re
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "e2e"))
sys.path.insert(0, HERE)
import harness  # noqa: E402  (reuses the e2e processes, trees and waits)
import syncthing_peer  # noqa: E402


# ------------------------------------------------------------------ corpora

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
    os.makedirs(root, exist_ok=True)
    for i in range(count):
        with open(os.path.join(root, f"large{i}.bin"), "wb") as f:
            for _ in range(mib):
                f.write(rng.randbytes(1 << 20))
    return count * mib << 20


def copy_real_tree(src, root):
    shutil.copytree(src, root, symlinks=False, ignore_dangling_symlinks=True,
                    ignore=lambda d, names: [n for n in names if os.path.islink(os.path.join(d, n))])
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(root) for f in fs)


def count_entries(root):
    files = dirs = 0
    for _, ds, fs in os.walk(root):
        files += len(fs)
        dirs += len(ds)
    return files, dirs


def proc_cpu(pid, children=False):
    """CPU seconds (user + system) of a live process, with those of its
    reaped children when asked (an rsync daemon forks one per transfer)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = int(fields[11]) + int(fields[12])  # utime, stime
    if children:
        ticks += int(fields[13]) + int(fields[14])  # cutime, cstime
    return ticks / os.sysconf("SC_CLK_TCK")


def has_children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return bool(f.read().strip())
    except OSError:
        return False


def children_cpu():
    """CPU seconds of this script's finished children (subprocess.run)."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def sha_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def prepare_change(path, mib=1, seed=7):
    """1 MiB of new bytes for the middle of the file, and the file's sha256
    once they are written (computed before, so no timer includes it)."""
    size = os.path.getsize(path)
    data = random.Random(seed).randbytes(mib << 20)
    with open(path, "rb") as f:
        content = bytearray(f.read())
    content[size // 2:size // 2 + len(data)] = data
    digest = hashlib.sha256(content).hexdigest()
    del content
    # Each tool rebuilds the file (syncer on the hub and on client B), so
    # memory is warmed for that right before the timer, as for every
    # initial sync (warm_memory); outside every synced folder.
    warm_memory(tempfile.gettempdir(), 3 * size)
    return data, digest


def apply_change(path, data):
    """Overwrites the middle of the file in place."""
    fd = os.open(path, os.O_WRONLY)
    try:
        os.pwrite(fd, data, os.path.getsize(path) // 2)
    finally:
        os.close(fd)


# ------------------------------------------------------------------- syncer

def counters(client, actor="folder-model"):
    try:
        return client.inspect()[actor]["counters"]
    except Exception:  # not up yet, or between restarts
        return None


def hub_counters(server):
    # A TLS hub's sync port wants a device certificate: its local admin
    # endpoint (plain, 127.0.0.1) serves the same /inspect.
    status, body, _ = harness.request("GET", server.inspect_port(), "/inspect", timeout=5)
    return {a["name"]: a for a in json.loads(body)["actors"]}["file-store"]["counters"]


def client_idle(client):
    c = counters(client)
    if not c:
        return False
    return c["pending_examine"] == 0 and c["pending_uploads"] == 0 and c["pending_downloads"] == 0


def restart(client):
    """Stops and starts a client (its stale admin.port file removed first)."""
    assert client.stop() == 0
    try:
        os.unlink(os.path.join(client.dir, ".syncer", "admin.port"))
    except OSError:
        pass
    client.start()


def run_syncer(corpus, base, results, delta_file=None):
    server = harness.Server(base)
    b = harness.Client(base, "b", server.port)
    a = harness.Client(base, "a", server.port, start=False)
    shutil.copytree(corpus, a.dir, dirs_exist_ok=True)
    os.sync()
    files, dirs = count_entries(corpus)
    want = harness.tree(corpus)
    cpu_before = proc_cpu(b.pid) + proc_cpu(server.pid)
    started = time.monotonic()
    a.start()
    while True:  # B's own account first (cheap), then the whole tree checked
        c = counters(b)
        if c and c["downloads_done"] >= files + dirs and c["pending_downloads"] == 0:
            elapsed = time.monotonic() - started
            cpu = proc_cpu(a.pid) + proc_cpu(b.pid) + proc_cpu(server.pid) - cpu_before
            if harness.tree(b.dir) == want:
                break
        if time.monotonic() - started > 1800:
            raise AssertionError("syncer did not converge in 30 min")
        time.sleep(0.005)
    results["initial"] = elapsed
    results["cpu"] = cpu
    results["rss"] = {"client A": a.peak_rss_kib(), "client B": b.peak_rss_kib(), "hub": server.peak_rss_kib()}

    if delta_file:
        before = hub_counters(server)["bytes_received"]
        down_before = counters(b, "downloader")
        done_before = counters(b)["downloads_done"]
        path_a = os.path.join(a.dir, delta_file)
        data, expected = prepare_change(path_a)
        started = time.monotonic()
        apply_change(path_a, data)
        while True:
            c = counters(b)
            if c and c["downloads_done"] > done_before and c["pending_downloads"] == 0:
                elapsed = time.monotonic() - started
                if sha_file(os.path.join(b.dir, delta_file)) == expected:
                    break
            if time.monotonic() - started > 600:
                raise AssertionError("syncer did not propagate the 1 MiB change")
            time.sleep(0.005)
        results["delta"] = elapsed
        results["delta_bytes"] = hub_counters(server)["bytes_received"] - before
        # What the hub sent to B: the changed blocks (a delta download) or
        # the whole file.
        down = harness.wait_until(lambda: counters(b, "downloader"), 10, what="client B's downloader counters")
        if down["delta_downloads"] > down_before["delta_downloads"]:
            results["delta_bytes_down"] = down["delta_bytes_received"] - down_before["delta_bytes_received"]
        else:
            results["delta_bytes_down"] = down["downloaded_bytes"] - down_before["downloaded_bytes"]
    else:
        # Start-up on the unchanged tree: A restarted until idle and in sync.
        # Measured in the steady state: client A idle with its sync point at
        # the hub's latest sequence (a client records it within ~1.5 s of
        # going idle). Restarted right after its initial sync instead, it
        # first catches up on its own uploads (~0.05 s more on /usr/include).
        latest = hub_counters(server)["sequence"]
        harness.wait_until(lambda: (counters(a) or {}).get("sync_point_hub_seq", -1) >= latest, 60,
                           what="client A to record a sync point at the hub's latest sequence")
        samples = []
        for _ in range(3):
            assert a.stop() == 0
            try:
                os.unlink(os.path.join(a.dir, ".syncer", "admin.port"))
            except OSError:
                pass
            started = time.monotonic()
            a.start()
            while True:
                c = counters(a)
                if c and c["resyncs"] >= 1 and client_idle(a):
                    samples.append(time.monotonic() - started)
                    break
                if time.monotonic() - started > 300:
                    raise AssertionError("client A did not become idle after a restart")
                time.sleep(0.002)
        results["startup"] = sorted(samples)[1]
        results["startup_samples"] = samples
    for p in (a, b, server):
        p.stop()


# ------------------------------------------------------------------- rsync

def run_rsync(corpus, base, results, delta_file=None):
    if not shutil.which("rsync"):
        results["why"] = "rsync is not installed"
        return
    dest = os.path.join(base, "rsync-dest")
    src = os.path.join(base, "rsync-src")
    os.makedirs(dest)
    shutil.copytree(corpus, src)
    os.sync()
    port = harness.free_port()
    conf = os.path.join(base, "rsyncd.conf")
    with open(conf, "w") as f:
        f.write(f"use chroot = no\npid file = {base}/rsyncd.pid\n[dest]\npath = {dest}\nread only = no\n"
                f"uid = {os.getuid()}\ngid = {os.getgid()}\n")
    daemon = subprocess.Popen(["rsync", "--daemon", "--no-detach", f"--config={conf}", f"--port={port}",
                               "--address=127.0.0.1"], stderr=subprocess.DEVNULL)
    url = f"rsync://127.0.0.1:{port}/dest/"

    def timed(*extra):
        started = time.monotonic()
        out = subprocess.run(["rsync", "-a", *extra, src + "/", url], check=True, capture_output=True, text=True)
        return time.monotonic() - started, out.stdout

    try:
        harness.wait_until(lambda: subprocess.run(["rsync", f"rsync://127.0.0.1:{port}/"], capture_output=True)
                           .returncode == 0, 10, what="the rsync daemon")
        cpu_before = children_cpu() + proc_cpu(daemon.pid, children=True)
        results["initial"], _ = timed()
        # The daemon reaps its transfer process just after the client exits.
        harness.wait_until(lambda: not has_children(daemon.pid), 5, interval=0.01, what="rsync's transfer process")
        results["cpu"] = children_cpu() + proc_cpu(daemon.pid, children=True) - cpu_before
        assert harness.tree(dest) == harness.tree(src), "rsync copy differs"
        if delta_file:
            apply_change(os.path.join(src, delta_file), prepare_change(os.path.join(src, delta_file))[0])
            results["delta"], stats = timed("--stats")
            m = re.search(r"Total bytes sent: ([\d,]+)", stats)
            results["delta_bytes"] = int(m.group(1).replace(",", "")) if m else None
        else:
            results["startup"], _ = timed()  # the no-change run
    finally:
        daemon.terminate()
        daemon.wait(10)


# ------------------------------------------------------- the design floor

FLOOR = None  # path of syncer_floor (benchmarks/design_floor.cpp)


def run_floor(corpus, base, results, flags=()):
    """The least work syncer's design needs (three processes, SHA-256 at A,
    the hub and B, objects and files written temp -> rename); `flags` take
    parts away (--direct: one hop with SHA-256 at both ends, what any
    content-checked copy costs; --no-hash-*: see design_floor.cpp). Time and
    CPU seconds as the tool reports them; the tree checked."""
    work = os.path.join(base, "floor")
    out = subprocess.run([FLOOR, corpus, work, *flags], check=True, capture_output=True, text=True).stdout
    got = json.loads(out.strip().splitlines()[-1])
    assert harness.tree(os.path.join(work, "dst")) == harness.tree(corpus), "the floor's copy differs"
    results["initial"] = got["seconds"]
    results["cpu"] = got["cpu_seconds"]


# ------------------------------------------------------------------ Unison

def ensure_tool(tool, package, install):
    """The peer's binary, installed from Debian when missing and allowed."""
    if shutil.which(tool) or not install:
        return shutil.which(tool)
    cmd = ["apt-get", "install", "-y", "-qq", package]
    if os.getuid() != 0:
        cmd = ["sudo", "-n"] + cmd
    try:
        subprocess.run(cmd, capture_output=True, timeout=600, env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
    except (OSError, subprocess.SubprocessError):
        pass
    return shutil.which(tool)


def run_unison(corpus, base, results, install, delta_file=None):
    if not ensure_tool("unison", "unison", install):
        results["why"] = "not installed (apt-get install unison)"
        return
    src = os.path.join(base, "unison-src")
    dest = os.path.join(base, "unison-dest")
    home = os.path.join(base, "unison-home")
    shutil.copytree(corpus, src)
    os.makedirs(dest)
    os.makedirs(home)
    os.sync()
    port = harness.free_port()
    env = dict(os.environ, HOME=home)
    server = subprocess.Popen(["unison", "-socket", str(port)], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)

    def timed():
        started = time.monotonic()
        subprocess.run(["unison", src, f"socket://127.0.0.1:{port}/{dest}", "-batch", "-auto", "-silent",
                        "-confirmbigdel=false"], env=env, check=True, capture_output=True)
        return time.monotonic() - started

    try:
        def listening():
            with socket.socket() as s:
                return s.connect_ex(("127.0.0.1", port)) == 0
        harness.wait_until(listening, 10, what="the unison server")
        cpu_before = children_cpu() + proc_cpu(server.pid, children=True)
        results["initial"] = timed()
        results["cpu"] = children_cpu() + proc_cpu(server.pid, children=True) - cpu_before
        assert harness.tree(dest) == harness.tree(src), "unison copy differs"
        if delta_file:
            apply_change(os.path.join(src, delta_file), prepare_change(os.path.join(src, delta_file))[0])
            results["delta"] = timed()
        else:
            results["startup"] = timed()  # the no-change run
    finally:
        server.terminate()
        server.wait(10)


# --------------------------------------------------------------- Syncthing

def syncthing_tree(root):
    """The tree without Syncthing's own folder marker."""
    return {k: v for k, v in harness.tree(root).items() if k != ".stfolder" and not k.startswith(".stfolder/")}


def run_syncthing(corpus, base, results, install, delta_file=None, edits=0):
    if not ensure_tool("syncthing", "syncthing", install):
        results["why"] = "not installed (apt-get install syncthing)"
        return
    try:
        pair = syncthing_peer.Pair(base)
    except Exception as e:  # a peer that cannot run is reported, not dropped
        results["why"] = f"could not start: {e}"
        return
    try:
        files, _ = count_entries(corpus)
        want = harness.tree(corpus)
        started = time.monotonic()
        shutil.copytree(corpus, pair.a.folder, dirs_exist_ok=True)
        pair.scan_a()  # as if its watcher fired at once
        while True:
            if pair.b_has(files):
                elapsed = time.monotonic() - started
                if syncthing_tree(pair.b.folder) == want:
                    break
            if time.monotonic() - started > 1800:
                raise AssertionError("syncthing did not converge in 30 min: " + str(pair.b.folder_status()))
            time.sleep(0.02)
        # The copy into A's folder is part of its time (Syncthing has no
        # "start with a full folder" mode as cheap as ours): subtract it.
        results["initial"] = elapsed - results.get("copy_s", 0)
        if delta_file:
            sent_before = pair.a.rest("/rest/system/connections")["total"]["outBytesTotal"]
            seq_before = pair.b.folder_status()["sequence"]
            path_a = os.path.join(pair.a.folder, delta_file)
            data, expected = prepare_change(path_a)
            started = time.monotonic()
            apply_change(path_a, data)
            while True:  # found by its watcher (fsWatcherDelayS 1)
                s = pair.b.folder_status()
                if s["sequence"] > seq_before and s["needTotalItems"] == 0 and s["state"] == "idle":
                    elapsed = time.monotonic() - started
                    if sha_file(os.path.join(pair.b.folder, delta_file)) == expected:
                        break
                if time.monotonic() - started > 600:
                    raise AssertionError("syncthing did not propagate the 1 MiB change")
                time.sleep(0.02)
            results["delta"] = elapsed
            results["delta_bytes"] = pair.a.rest("/rest/system/connections")["total"]["outBytesTotal"] - sent_before
        if edits:
            results["latency"] = edit_latency_samples(
                lambda rel, text: open(os.path.join(pair.a.folder, rel), "w").write(text),
                lambda rel: os.path.join(pair.b.folder, rel), edits, timeout=60)
        pair.a.sample_rss()
        pair.b.sample_rss()
        results["rss"] = {"A": pair.a.peak_rss_kib, "B": pair.b.peak_rss_kib}
    finally:
        pair.stop()


# ----------------------------------------------------------------- latency

def edit_latency_samples(write, path_on_other_side, edits, timeout=30):
    samples = []
    for i in range(edits):
        text = f"edit {i}\n"
        started = time.monotonic()
        write("note.txt", text)
        while True:
            try:
                with open(path_on_other_side("note.txt")) as f:
                    if f.read() == text:
                        break
            except OSError:
                pass
            if time.monotonic() - started > timeout:
                raise AssertionError(f"an edit did not arrive within {timeout} s")
            time.sleep(0.001)
        samples.append(time.monotonic() - started)
    return samples


def percentiles(samples):
    samples = sorted(samples)
    pick = lambda q: samples[min(len(samples) - 1, int(q * len(samples)))] * 1000
    return pick(0.5), pick(0.95), pick(0.99)


def syncer_latency(base, edits):
    server = harness.Server(base)
    a = harness.Client(base, "a", server.port)
    b = harness.Client(base, "b", server.port)
    samples = edit_latency_samples(a.write, b.path, edits)
    rss = {"client A": a.peak_rss_kib(), "client B": b.peak_rss_kib(), "hub": server.peak_rss_kib()}
    for p in (a, b, server):
        p.stop()
    return samples, rss


# -------------------------------------------------------------------- main

def fmt_s(r, key="initial"):
    if key in r and r[key] is not None:
        return f"{r[key]:.2f} s"
    return r.get("why", "—")


def ratio(s, r, key="initial"):
    if key in s and key in r and r[key]:
        return f"**{s[key] / r[key]:.2f}×**"
    return "n/a"


def mib(kib):
    return f"{kib / 1024:.0f}" if kib else "?"


def tool_versions():
    def first_line(cmd):
        try:
            out = subprocess.run(cmd, capture_output=True, text=True, timeout=10)
            return (out.stdout or out.stderr).strip().splitlines()[0]
        except (OSError, subprocess.SubprocessError, IndexError):
            return "not installed"
    return {"rsync": first_line(["rsync", "--version"]), "unison": first_line(["unison", "-version"]),
            "syncthing": syncthing_peer.version()}


def warm_memory(work, size):
    """Writes and deletes `size` bytes in the work dir. On this VM the
    first touch of guest memory (tmpfs pages) costs far more than later
    ones, and memory freed for a few seconds goes cold again (the guest
    hands free pages back to the host): 4 × 256 MiB took syncer 2.27 s
    right after a warm-up and 4.31 s eight seconds later, rsync 0.80 s and
    2.79 s. So every timed run is preceded by one, sized for what that run
    holds, and no tool is measured on colder memory than another."""
    path = os.path.join(work, "warm-up")
    block = b"\0" * (1 << 20)
    free = shutil.disk_usage(work).free
    with open(path, "wb") as f:
        for _ in range(min(size, free // 2) >> 20):
            f.write(block)
    os.unlink(path)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--syncer", required=True)
    parser.add_argument("--floor", default=None,
                        help="syncer_floor binary (default: benchmarks/syncer_floor beside --syncer)")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, no installs, no docs update")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--disk", action="store_true", help="work in the system temp dir even if /dev/shm exists")
    parser.add_argument("--real-tree", default=None, help="a real tree to copy as a corpus (default /usr/include)")
    parser.add_argument("--docs", default=os.path.join(HERE, "..", "docs", "benchmarks.md"))
    parser.add_argument("--repeat", type=int, default=None,
                        help="alternating syncer and rsync runs per corpus, the median kept (default 3; 1 with --smoke)")
    args = parser.parse_args()
    repeat = max(1, args.repeat or (1 if args.smoke else 3))
    harness.SYNCER = os.path.abspath(args.syncer)
    global FLOOR
    FLOOR = os.path.abspath(args.floor or os.path.join(os.path.dirname(harness.SYNCER), "benchmarks", "syncer_floor"))
    if not os.path.exists(FLOOR):
        sys.exit(f"e2e_bench: {FLOOR} does not exist: build the syncer_floor target or pass --floor")
    if not args.disk and os.path.isdir("/dev/shm") and shutil.disk_usage("/dev/shm").free > (6 << 30):
        tempfile.tempdir = "/dev/shm"
    fs_type = subprocess.run(["stat", "-f", "-c", "%T", tempfile.gettempdir()], capture_output=True,
                             text=True).stdout.strip()
    install = not args.smoke
    small_n, large_n, large_mib, edits, st_edits = (50, 1, 4, 10, 0) if args.smoke else (5000, 4, 256, 100, 10)
    real = None if args.smoke else (args.real_tree or ("/usr/include" if os.path.isdir("/usr/include") else None))

    work = harness.workdir("bench")
    corpora = []
    c = os.path.join(work, "corpus-small")
    corpora.append((f"{small_n} small files", c, make_small_corpus(c, small_n, args.seed), None))
    if real:
        c = os.path.join(work, "corpus-real")
        corpora.append((f"a copy of {real}", c, copy_real_tree(real, c), None))
    c = os.path.join(work, "corpus-large")
    corpora.append((f"{large_n} × {large_mib} MiB", c, make_large_corpus(c, large_n, large_mib, args.seed),
                    "large0.bin"))

    if not args.smoke:
        # The run's peak: the corpora, plus client A, the hub and client B
        # each holding a copy of the biggest one, plus rebuilt versions.
        total = sum(size for _, _, size, _ in corpora)
        warm_memory(work, total + 4 * max(size for _, _, size, _ in corpora))

    rows = []
    for name, path, size, delta_file in corpora:
        files, dirs = count_entries(path)
        # A run holds the corpus up to four times (client A's copy, the hub's
        # objects, client B, rebuilt versions of the delta step).
        warm_size = 0 if args.smoke else 4 * size
        res = {tool: {} for tool in ("syncer", "rsync", "unison", "syncthing", "floor", "floor_direct")}

        def fresh(name):  # each run's dir goes as soon as it is done (tmpfs is memory)
            d = harness.workdir(name)
            scratch.append(d)
            return d

        def drop_scratch():
            while scratch:
                shutil.rmtree(scratch.pop(), ignore_errors=True)

        scratch = []
        # syncer and rsync take turns, `repeat` times each, and each keeps
        # its median run: this VM drifts by ±10 % within minutes, and the
        # ratio of two tools measured side by side is what is reported.
        runs = {"syncer": [], "rsync": [], "floor": [], "floor_direct": []}
        for _ in range(repeat):
            for tool, run in (("syncer", run_syncer), ("rsync", run_rsync),
                              ("floor", lambda c, b, r, d: run_floor(c, b, r)),
                              ("floor_direct", lambda c, b, r, d: run_floor(c, b, r, ["--direct"]))):
                one = {}
                warm_memory(work, warm_size)
                run(path, fresh(f"bench-{tool}"), one, delta_file)
                drop_scratch()
                runs[tool].append(one)
        for tool, done in runs.items():
            timed = sorted((r for r in done if "initial" in r), key=lambda r: r["initial"])
            res[tool] = timed[len(timed) // 2] if timed else done[0]
            res[tool]["initial_samples"] = [r["initial"] for r in done if "initial" in r]
        warm_memory(work, warm_size)
        run_unison(path, fresh("bench-unison"), res["unison"], install, delta_file)
        drop_scratch()
        if not args.smoke or shutil.which("syncthing"):
            # The copy into Syncthing A's folder is timed with it; measure a copy alone to subtract.
            probe = harness.workdir("bench-copy")
            started = time.monotonic()
            shutil.copytree(path, os.path.join(probe, "x"))
            res["syncthing"]["copy_s"] = time.monotonic() - started
            shutil.rmtree(probe)
            warm_memory(work, warm_size)
            run_syncthing(path, fresh("bench-syncthing"), res["syncthing"], install, delta_file,
                          st_edits if delta_file is None and not rows else 0)
            drop_scratch()
        else:
            res["syncthing"]["why"] = "not installed (skipped in --smoke)"
        rows.append((name, size, files, dirs, delta_file, res))
        print(f"{name}: " + ", ".join(f"{t} {fmt_s(r)}" for t, r in res.items()), flush=True)
        assert res["floor"].get("initial") is not None, "the design floor did not run"
        print("  CPU time: " + ", ".join(f"{t} {fmt_s(r, 'cpu')}" for t, r in res.items() if "cpu" in r), flush=True)
        if delta_file:
            print("  1 MiB in the middle changed: " + ", ".join(
                f"{t} {fmt_s(r, 'delta')} ({r.get('delta_bytes')} bytes)" for t, r in res.items()
                if not t.startswith("floor")), flush=True)
        else:
            print("  start-up on the unchanged tree: " + ", ".join(
                f"{t} {fmt_s(r, 'startup')}" for t, r in res.items()
                if t != "syncthing" and not t.startswith("floor")), flush=True)

    lat_samples, lat_rss = syncer_latency(harness.workdir("bench-latency"), edits)
    p50, p95, p99 = percentiles(lat_samples)
    print(f"small edit propagation over {edits} edits: p50 {p50:.1f} ms, p95 {p95:.1f} ms, p99 {p99:.1f} ms")

    if args.smoke:
        print("1 passed, 0 failed")
        return

    versions = tool_versions()
    syncer_version = subprocess.run([harness.SYNCER, "--version"], capture_output=True, text=True).stdout.strip()
    lines = ["<!-- e2e_bench:begin -->", "",
             f"## End-to-end run (`benchmarks/e2e_bench.py`, {time.strftime('%Y-%m-%d')}, seed {args.seed})", "",
             f"Machine: {os.cpu_count()} cores, Linux {platform.release()}, work dir on {fs_type}, loopback. "
             f"Versions: {syncer_version or 'syncer'}; {versions['rsync']}; {versions['unison']}; "
             f"{versions['syncthing']}. syncer and rsync: the median of {repeat} alternating runs per corpus "
             "(that run's figures throughout); Unison and Syncthing: one run. Ratios are syncer's time divided by "
             "the peer's (below 1 = syncer faster).", "",
             "### Initial sync", "",
             "| corpus | files / folders | bytes | syncer | rsync daemon | syncer / rsync | Unison | syncer / Unison "
             "| Syncthing | syncer / Syncthing |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for name, size, files, dirs, delta_file, res in rows:
        s, r, u, t = res["syncer"], res["rsync"], res["unison"], res["syncthing"]
        lines.append(f"| {name} | {files} / {dirs} | {size / 1048576:.0f} MiB | {fmt_s(s)} | {fmt_s(r)} | {ratio(s, r)} "
                     f"| {fmt_s(u)} | {ratio(s, u)} | {fmt_s(t)} | {ratio(s, t)} |")
    if repeat > 1:
        lines += ["", "All runs: " + "; ".join(
            f"{name}: syncer " + ", ".join(f"{x:.2f}" for x in res["syncer"].get("initial_samples", [])) +
            " s, rsync " + ", ".join(f"{x:.2f}" for x in res["rsync"].get("initial_samples", [])) + " s"
            for name, size, files, dirs, delta_file, res in rows) + "."]
    lines += ["", "CPU time of the same initial syncs (user + system seconds of every process of the tool; "
              f"the machine has {os.cpu_count()} cores, so wall time cannot drop below CPU time / "
              f"{os.cpu_count()}):", "",
              "| corpus | syncer (hub + 2 clients) | rsync (client + daemon) | syncer / rsync | Unison | syncer / Unison |",
              "|---|---|---|---|---|---|"]
    for name, size, files, dirs, delta_file, res in rows:
        s, r, u = res["syncer"], res["rsync"], res["unison"]
        lines.append(f"| {name} | {fmt_s(s, 'cpu')} | {fmt_s(r, 'cpu')} | {ratio(s, r, 'cpu')} "
                     f"| {fmt_s(u, 'cpu')} | {ratio(s, u, 'cpu')} |")
    lines += ["", "### The design floor", "",
              "`syncer_floor` (benchmarks/design_floor.cpp) does only the work syncer's design requires, with "
              "nothing else: three processes on loopback, SHA-256 on client A (while it reads, once), on the hub "
              "(before the object is named) and on client B (before the file is renamed into place), objects and "
              "files written temp → rename; no actors, HTTP, JSON, SQLite or sync plan, and the hub forwards bytes "
              "as they arrive. \"One hop\" is the same with A sending straight to B: rsync's shape plus SHA-256 at "
              "both ends. Median of the same alternating runs as syncer and rsync.", "",
              "| corpus | rsync daemon | floor, one hop | floor via a hub | floor via a hub / rsync "
              "| syncer / floor via a hub | CPU of the floor via a hub |",
              "|---|---|---|---|---|---|---|"]
    for name, size, files, dirs, delta_file, res in rows:
        s, r, f, d = res["syncer"], res["rsync"], res["floor"], res["floor_direct"]
        lines.append(f"| {name} | {fmt_s(r)} | {fmt_s(d)} | {fmt_s(f)} | {ratio(f, r)} | {ratio(s, f)} "
                     f"| {fmt_s(f, 'cpu')} |")
    lines += ["", "### Start-up on the unchanged tree", "",
              "syncer: client A restarted once idle with its sync point at the hub's latest sequence, until idle and in sync again (median of 3). "
              "rsync, Unison: their second run with nothing to do.", "",
              "| corpus | syncer | rsync no-change run | syncer / rsync | Unison no-change run | syncer / Unison |",
              "|---|---|---|---|---|---|"]
    for name, size, files, dirs, delta_file, res in rows:
        if delta_file:
            continue
        s, r, u = res["syncer"], res["rsync"], res["unison"]
        lines.append(f"| {name} | {fmt_s(s, 'startup')} | {fmt_s(r, 'startup')} | {ratio(s, r, 'startup')} "
                     f"| {fmt_s(u, 'startup')} | {ratio(s, u, 'startup')} |")
    lines += ["", "### 1 MiB changed in the middle of a 256 MiB file", "",
              "| tool | time until the other side has it | bytes sent |", "|---|---|---|"]
    for name, size, files, dirs, delta_file, res in rows:
        if not delta_file:
            continue
        for tool, label in (("syncer", "syncer (changed 128 KiB blocks, client A → hub)"),
                            ("rsync", "rsync daemon (delta transfer)"), ("unison", "Unison"),
                            ("syncthing", "Syncthing (found by its watcher, 1 s delay)")):
            r = res[tool]
            sent = r.get("delta_bytes")
            lines.append(f"| {label} | {fmt_s(r, 'delta')} | {f'{sent / 1048576:.1f} MiB' if sent else '—'} |")
            if tool == "syncer" and r.get("delta_bytes_down") is not None:
                lines.append(f"| syncer, hub → client B (same run) | | {r['delta_bytes_down'] / 1048576:.1f} MiB |")
    lines += ["", "### Small edits and memory", "",
              f"Propagation of a small edit, syncer ({edits} edits): p50 {p50:.1f} ms, p95 {p95:.1f} ms, "
              f"p99 {p99:.1f} ms."]
    st_lat = rows[0][5]["syncthing"].get("latency")
    if st_lat:
        sp50, sp95, sp99 = percentiles(st_lat)
        lines.append(f"Syncthing at its minimum watcher delay ({len(st_lat)} edits): p50 {sp50:.0f} ms, "
                     f"p95 {sp95:.0f} ms, p99 {sp99:.0f} ms.")
    lines += ["", "| corpus | syncer client A / client B / hub peak RSS | Syncthing A / B peak RSS |", "|---|---|---|"]
    for name, size, files, dirs, delta_file, res in rows:
        rss = res["syncer"]["rss"]
        st = res["syncthing"].get("rss")
        st_text = f"{mib(st['A'])} / {mib(st['B'])} MiB" if st else res["syncthing"].get("why", "—")
        lines.append(f"| {name} | {mib(rss['client A'])} / {mib(rss['client B'])} / {mib(rss['hub'])} MiB | "
                     f"{st_text} |")
    lines += ["", "<!-- e2e_bench:end -->"]
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
