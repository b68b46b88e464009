#!/usr/bin/env python3
"""Memory of syncer on one multi-GiB file: issue 5 asks for memory that does
not grow with file size. Runs syncer (hub + 2 clients on loopback, as in
e2e_bench.py) on one file of --gib GiB and prints the time and the peak RSS
of every process, with rsync's time in the same run for reference.

  python3 benchmarks/huge_file_memory.py --syncer build/syncer [--gib 3]

Needs about 4 x --gib of free space in the work dir (tmpfs when it fits).
Never fails on a time or a size; exits non-zero only when a run breaks."""

import argparse
import os
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "e2e"))
sys.path.insert(0, HERE)
import harness  # noqa: E402
import e2e_bench  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--syncer", required=True)
    parser.add_argument("--gib", type=float, default=3)
    args = parser.parse_args()
    harness.SYNCER = os.path.abspath(args.syncer)
    size = int(args.gib * (1 << 30))
    if os.path.isdir("/dev/shm") and shutil.disk_usage("/dev/shm").free > 5 * size:
        tempfile.tempdir = "/dev/shm"
    work = harness.workdir("huge")
    corpus = os.path.join(work, "corpus")
    e2e_bench.make_large_corpus(corpus, 1, size >> 20, 1)
    res = {}
    e2e_bench.warm_memory(work, 3 * size)
    e2e_bench.run_syncer(corpus, harness.workdir("huge-syncer"), res, "large0.bin")
    ref = {}
    e2e_bench.warm_memory(work, 3 * size)
    e2e_bench.run_rsync(corpus, harness.workdir("huge-rsync"), ref)
    rss = res["rss"]
    print(f"one {size / (1 << 30):.1f} GiB file: syncer {res['initial']:.2f} s, rsync {ref['initial']:.2f} s; "
          f"peak RSS client A {rss['client A'] >> 10} MiB, client B {rss['client B'] >> 10} MiB, "
          f"hub {rss['hub'] >> 10} MiB; 1 MiB changed in it: {res['delta']:.2f} s, "
          f"{res['delta_bytes'] / 1048576:.1f} MiB sent")


if __name__ == "__main__":
    try:
        main()
    finally:
        harness._cleanup()
