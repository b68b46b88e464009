"""The cost of TLS (issue 13): one syncer build on the end-to-end corpora
of e2e_bench.py, plain HTTP and TLS 1.3 taking turns (plain, TLS, TLS,
plain, ...) in one sitting; each keeps its median and the report gives
TLS/plain ratios. TLS mode is the e2e harness's (every hub `tls: on` +
`auto_accept`, every client `tls: on`), so the two differ only in TLS.

  python3 benchmarks/tls_bench.py --syncer build/syncer [--repeat 3] [--smoke]

Standard library only; uses /dev/shm when it has room, as e2e_bench does.
"""

import argparse
import os
import platform
import shutil
import statistics
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "tests", "e2e"))

import e2e_bench  # noqa: E402
import harness  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--syncer", required=True)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--smoke", action="store_true", help="tiny corpora, one turn each")
    args = parser.parse_args()
    if os.path.isdir("/dev/shm") and shutil.disk_usage("/dev/shm").free > (6 << 30):
        tempfile.tempdir = "/dev/shm"
    harness.SYNCER = os.path.abspath(args.syncer)
    repeat = 1 if args.smoke else max(1, args.repeat)
    small_n, large_n, large_mib = (50, 1, 4) if args.smoke else (5000, 4, 256)
    work = harness.workdir("tls-bench")
    corpora = []
    c = os.path.join(work, "small")
    corpora.append((f"{small_n} small files", c, e2e_bench.make_small_corpus(c, small_n, 1)))
    c = os.path.join(work, "large")
    corpora.append((f"{large_n} x {large_mib} MiB", c, e2e_bench.make_large_corpus(c, large_n, large_mib, 1)))
    rows = []
    for name, path, size in corpora:
        runs = {"plain": [], "tls": []}
        for turn in range(repeat):
            for label in ("plain", "tls") if turn % 2 == 0 else ("tls", "plain"):
                harness.TLS = label == "tls"
                if not args.smoke:
                    e2e_bench.warm_memory(work, 3 * size)
                base = harness.workdir(f"tls-bench-{label}")
                res = {}
                e2e_bench.run_syncer(path, base, res, None)
                for p in list(harness._processes):
                    if p.proc is not None and p.proc.poll() is None:
                        p.stop()
                harness._processes.clear()
                shutil.rmtree(base, ignore_errors=True)
                runs[label].append(res)
                print(f"{name} {label}: initial {res['initial']:.3f} s, cpu {res['cpu']:.2f} s", flush=True)
        rows.append((name, size, runs))

    def med(runs, key):
        return statistics.median(r[key] for r in runs)

    print()
    print("| corpus | measure | plain HTTP | TLS 1.3 | TLS / plain |")
    print("|---|---|---|---|---|")
    for name, size, runs in rows:
        for key, unit in (("initial", "s"), ("cpu", "s CPU")):
            a, b = med(runs["plain"], key), med(runs["tls"], key)
            print(f"| {name} | {key} | {a:.3f} {unit} | {b:.3f} {unit} | {b / a:.2f} |")
    aes = "aes" in open("/proc/cpuinfo").read().split()
    print(f"\nmedians of {repeat} alternating runs; temp dir {tempfile.gettempdir()}; {platform.machine()}, "
          f"AES-NI {'yes' if aes else 'no'}, {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
