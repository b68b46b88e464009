"""A/B run of two syncer builds on the end-to-end corpora of e2e_bench.py:
the builds take turns on every corpus (A, B, A, B, ...), each keeps its
median, and the report gives B/A ratios. For a change to a hot path, run
with A = the build before, B = the build after, in one sitting.

  python3 benchmarks/ab_bench.py --a OLD/syncer --b build/syncer [--repeat 3] [--smoke]

Standard library only; uses /dev/shm when it has room, as e2e_bench does.
Never judges a time: it reports.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "tests", "e2e"))

import e2e_bench  # noqa: E402
import harness  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--a", required=True, help="the reference build's syncer binary")
    parser.add_argument("--b", required=True, help="the build under test")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--smoke", action="store_true", help="tiny corpora, one turn each")
    parser.add_argument("--real-tree", default="/usr/include")
    args = parser.parse_args()
    if os.path.isdir("/dev/shm") and shutil.disk_usage("/dev/shm").free > (6 << 30):
        tempfile.tempdir = "/dev/shm"
    repeat = 1 if args.smoke else max(1, args.repeat)
    small_n, large_n, large_mib = (50, 1, 4) if args.smoke else (5000, 4, 256)
    work = harness.workdir("ab")
    corpora = []
    c = os.path.join(work, "small")
    corpora.append((f"{small_n} small files", c, e2e_bench.make_small_corpus(c, small_n, 1), None))
    if not args.smoke and os.path.isdir(args.real_tree):
        c = os.path.join(work, "real")
        corpora.append((f"a copy of {args.real_tree}", c, e2e_bench.copy_real_tree(args.real_tree, c), None))
    c = os.path.join(work, "large")
    corpora.append((f"{large_n} x {large_mib} MiB", c, e2e_bench.make_large_corpus(c, large_n, large_mib, 1),
                    "large0.bin"))
    builds = {"A": os.path.abspath(args.a), "B": os.path.abspath(args.b)}
    rows = []
    for name, path, size, delta in corpora:
        runs = {"A": [], "B": []}
        for turn in range(repeat):
            for label in ("A", "B") if turn % 2 == 0 else ("B", "A"):
                harness.SYNCER = builds[label]
                if not args.smoke:
                    e2e_bench.warm_memory(work, 3 * size)
                base = harness.workdir(f"ab-{label}")
                res = {}
                e2e_bench.run_syncer(path, base, res, delta)
                shutil.rmtree(base, ignore_errors=True)
                runs[label].append(res)
                print(f"{name} {label}: initial {res['initial']:.3f} s, cpu {res['cpu']:.2f} s"
                      + (f", delta {res['delta']:.3f} s" if 'delta' in res else "")
                      + (f", start-up {res['startup']:.3f} s" if 'startup' in res else ""), flush=True)
        rows.append((name, runs))

    def med(runs, key):
        values = [r[key] for r in runs if key in r]
        return statistics.median(values) if values else None

    print()
    print("| corpus | measure | A (s) | B (s) | B / A |")
    print("|---|---|---|---|---|")
    for name, runs in rows:
        for key in ("initial", "cpu", "delta", "startup"):
            a, b = med(runs["A"], key), med(runs["B"], key)
            if a is None or b is None:
                continue
            print(f"| {name} | {key} | {a:.3f} | {b:.3f} | {b / a:.2f} |")
    print(f"\nA = {builds['A']}\nB = {builds['B']}\nmedians of {repeat} alternating runs; "
          f"temp dir {tempfile.gettempdir()} "
          f"({subprocess.run(['stat', '-f', '-c', '%T', tempfile.gettempdir()], capture_output=True, text=True).stdout.strip()})")


if __name__ == "__main__":
    main()
