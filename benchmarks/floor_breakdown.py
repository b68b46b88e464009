#!/usr/bin/env python3
"""What each part of syncer's design costs, measured: syncer_floor
(benchmarks/design_floor.cpp) with parts taken away, against rsync to a
loopback daemon, taking turns on the same corpus (median of --repeat runs).

  python3 benchmarks/floor_breakdown.py --floor build/benchmarks/syncer_floor [--corpus large|small|real]

Prints a markdown table (time, CPU seconds, ratio to rsync) for docs/benchmarks.md.
Never fails on a time; exits non-zero only when a copy breaks."""

import argparse
import os
import shutil
import statistics
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "e2e"))
sys.path.insert(0, HERE)
import harness  # noqa: E402
import e2e_bench  # noqa: E402

VARIANTS = [
    ("via a hub, SHA-256 at A, hub and B (syncer's design)", []),
    ("via a hub, SHA-256 at A and hub (B trusts the hub)", ["--no-hash-b"]),
    ("via a hub, SHA-256 at A only (hub and B trust A)", ["--no-hash-hub", "--no-hash-b"]),
    ("via a hub, no SHA-256 at all", ["--no-hash-a", "--no-hash-hub", "--no-hash-b"]),
    ("one hop, SHA-256 at both ends", ["--direct"]),
    ("one hop, no SHA-256 (rsync's shape)", ["--direct", "--no-hash-a", "--no-hash-b"]),
]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--floor", required=True)
    parser.add_argument("--corpus", choices=("large", "small", "real"), default="large")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--smoke", action="store_true", help="tiny corpus, one run")
    args = parser.parse_args()
    if os.path.isdir("/dev/shm") and shutil.disk_usage("/dev/shm").free > (6 << 30):
        tempfile.tempdir = "/dev/shm"
    work = harness.workdir("floor-breakdown")
    corpus = os.path.join(work, "corpus")
    if args.smoke:
        size = e2e_bench.make_small_corpus(corpus, 30, 1)
        args.repeat = 1
    elif args.corpus == "large":
        size = e2e_bench.make_large_corpus(corpus, 4, 256, 1)
    elif args.corpus == "small":
        size = e2e_bench.make_small_corpus(corpus, 5000, 1)
    else:
        size = e2e_bench.copy_real_tree("/usr/include", corpus)
    e2e_bench.FLOOR = os.path.abspath(args.floor)
    # Warmed before every run, as in e2e_bench.py (see warm_memory there).
    warm_size = 0 if args.smoke else 3 * size
    copies = [("rsync daemon", lambda c, b, r: e2e_bench.run_rsync(c, b, r))]
    copies += [(label, lambda c, b, r, flags=flags: e2e_bench.run_floor(c, b, r, flags)) for label, flags in VARIANTS]
    runs = {label: [] for label, _ in copies}
    for _ in range(args.repeat):
        for label, run in copies:
            base = harness.workdir("copy")
            one = {}
            e2e_bench.warm_memory(work, warm_size)
            run(corpus, base, one)
            shutil.rmtree(base, ignore_errors=True)
            runs[label].append((one["initial"], one["cpu"]))
    ref = statistics.median(t for t, _ in runs["rsync daemon"])
    print(f"corpus: {args.corpus} ({size / 1048576:.0f} MiB), median of {args.repeat}")
    print("| copy | time | CPU seconds | time / rsync |")
    print("|---|---|---|---|")
    for label, _ in copies:
        t = statistics.median(x for x, _ in runs[label])
        c = statistics.median(y for _, y in runs[label])
        print(f"| {label} | {t:.2f} s | {c:.2f} s | **{t / ref:.2f}×** |")
    if args.smoke:
        print("1 passed, 0 failed")


if __name__ == "__main__":
    try:
        main()
    finally:
        harness._cleanup()
