"""A small edit on one client reaches the other in real time. Prints the
p50 of 20 edits; only a generous bound is asserted (never fail on tight
timing: the figures belong in docs/benchmarks.md)."""

import os
import time

from harness import Client, Server, run, workdir


def read(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return None


def test_small_edit_latency():
    base = workdir("latency")
    server = Server(base)
    a = Client(base, "alpha", server.port)
    b = Client(base, "beta", server.port)
    samples = []
    for i in range(20):
        text = f"edit number {i}\n"
        started = time.monotonic()
        a.write("note.txt", text)
        deadline = started + 10
        while read(b.path("note.txt")) != text:
            assert time.monotonic() < deadline, f"edit {i} did not arrive within 10 s\n{b.tail()}"
            time.sleep(0.002)
        samples.append(time.monotonic() - started)
    samples.sort()
    print(f"propagation of a small edit: p50 {samples[10] * 1000:.1f} ms, max {samples[-1] * 1000:.1f} ms")


if __name__ == "__main__":
    run([test_small_edit_latency])
