#!/usr/bin/env python3
"""Collection of many versions (issue 14): a hub whose meta.db holds
--versions synthetic version rows (--paths paths, --versions/--paths
versions each, all but the current one due under `simple` with keep: 2;
their objects are real small files), then one `POST /gc`. Prints the
collection's time, versions pruned and objects removed, the hub's peak
RSS (VmHWM) before and after, and the p50/p99/max latency of GET /health
polled all the while (the hub keeps serving between slices).

  python3 benchmarks/gc_million.py --syncer build/syncer [--versions 1000000] [--paths 100000]
      [--content-groups 10000]

Never fails on a time; exits non-zero only when a run breaks."""

import argparse
import hashlib
import os
import sqlite3
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "e2e"))
import harness  # noqa: E402


def build_store(data_dir, versions, paths, content_groups):
    """Starts a hub once (schema), then fills meta.db and objects/ directly."""
    per_path = max(1, versions // paths)
    db = sqlite3.connect(os.path.join(data_dir, "meta.db"))
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=OFF")
    now = time.time_ns() - 3600 * 10**9
    seq = 0
    rows, files = [], []
    objects = set()
    for p in range(paths):
        path = f"d{p % 100}/f{p}.txt"
        for v in range(per_path):
            seq += 1
            # Paths of one group share content (bounds the object files on disk).
            content = f"group {p % content_groups} version {v}".encode()
            sha = hashlib.sha256(content).hexdigest()
            objects.add((sha, content))
            rows.append((path, sha, len(content), now, f"c{p % 7:011d}:{v + 1}", 0, 0, "", seq, now + v))
        files.append(rows[-1][:9])
        if len(rows) >= 200000:
            db.executemany("INSERT INTO versions (path, sha256, size, mtime_ns, version, deleted, is_dir, origin, "
                           "sequence, recorded_ns) VALUES (?,?,?,?,?,?,?,?,?,?)", rows)
            rows.clear()
    if rows:
        db.executemany("INSERT INTO versions (path, sha256, size, mtime_ns, version, deleted, is_dir, origin, "
                       "sequence, recorded_ns) VALUES (?,?,?,?,?,?,?,?,?,?)", rows)
    db.executemany("INSERT OR REPLACE INTO files (path, sha256, size, mtime_ns, version, deleted, is_dir, origin, "
                   "sequence) VALUES (?,?,?,?,?,?,?,?,?)", files)
    db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('last_sequence', ?)", (str(seq),))
    db.commit()
    db.close()
    for sha, content in objects:
        d = os.path.join(data_dir, "objects", sha[:2])
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, sha), "wb") as f:
            f.write(content)
    return seq, len(objects)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--syncer", required=True)
    parser.add_argument("--versions", type=int, default=1_000_000)
    parser.add_argument("--paths", type=int, default=100_000)
    parser.add_argument("--content-groups", type=int, default=10_000,
                        help="paths with the same content (objects = groups x versions per path)")
    args = parser.parse_args()
    harness.SYNCER = os.path.abspath(args.syncer)
    base = harness.workdir("gc-bench")
    config = "retention:\n  policy: simple\n  keep: 2\n  interval: 0\n"
    server = harness.Server(base, config=config)
    port, data_dir = server.port, server.data_dir
    server.stop()
    t0 = time.monotonic()
    rows, objects = build_store(data_dir, args.versions, args.paths, min(args.paths, args.content_groups))
    print(f"built {rows} version rows over {args.paths} paths and {objects} objects in {time.monotonic() - t0:.1f} s")
    server = harness.Server(base, port=port, config=config, data_dir=data_dir)
    rss_before = server.peak_rss_kib()
    latencies, stop = [], threading.Event()

    def poll():
        while not stop.is_set():
            s = time.monotonic()
            status, _, _ = harness.request("GET", port, "/health", timeout=30)
            if status == 200:
                latencies.append(time.monotonic() - s)
            time.sleep(0.005)

    poller = threading.Thread(target=poll)
    poller.start()
    t0 = time.monotonic()
    status, body, _ = harness.request("POST", port, "/gc", timeout=3600)
    took = time.monotonic() - t0
    stop.set()
    poller.join()
    if status != 200:
        print(f"POST /gc answered {status}: {body[:200]}")
        return 1
    import json
    report = json.loads(body)
    latencies.sort()
    pct = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000 if latencies else float("nan")
    print(f"collection: {took:.1f} s, {report['versions_pruned']} versions pruned, {report['objects_removed']} objects "
          f"removed, {report['slices']} slices")
    print(f"hub peak RSS: {rss_before} KiB before, {server.peak_rss_kib()} KiB after")
    print(f"GET /health during the collection: {len(latencies)} requests, p50 {pct(0.5):.1f} ms, "
          f"p99 {pct(0.99):.1f} ms, max {latencies[-1] * 1000 if latencies else float('nan'):.1f} ms")
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
