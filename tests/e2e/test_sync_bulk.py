"""Volume: 1,000 small files created in a burst, and a 300 MiB file, reach
the other client intact; the client's memory stays bounded."""

import hashlib
import os

from harness import Client, Server, run, wait_converged, workdir


def test_thousand_files_burst():
    base = workdir("burst")
    server = Server(base)
    a = Client(base, "alpha", server.port)
    b = Client(base, "beta", server.port)
    expected = {}
    for i in range(1000):
        rel = f"burst/d{i % 10}/file-{i:04d}.txt"
        data = f"file {i}\n" * (1 + i % 7)
        a.write(rel, data)
        expected[rel] = data
    expected["burst"] = "DIR"
    for d in range(10):
        expected[f"burst/d{d}"] = "DIR"
    wait_converged([a, b], 180, expected)


def test_300_mib_file():
    base = workdir("large")
    server = Server(base)
    a = Client(base, "alpha", server.port)
    b = Client(base, "beta", server.port)
    h = hashlib.sha256()
    chunk = os.urandom(1 << 20)
    path = a.path("large.bin")
    tmp = a.path(".syncer/large.tmp")  # written elsewhere, then moved in: one event
    with open(tmp, "wb") as f:
        for i in range(300):
            block = chunk[i:] + chunk[:i]
            h.update(block)
            f.write(block)
    os.rename(tmp, path)
    wait_converged([a, b], 240, {"large.bin": h.hexdigest()})
    for c in (a, b):
        rss = c.peak_rss_kib()
        print(f"peak RSS of {c.name}: {rss / 1024:.1f} MiB")
        assert rss < 200 * 1024, f"{c.name} used {rss} KiB for a 300 MiB file"
    rss = server.peak_rss_kib()
    print(f"peak RSS of the server: {rss / 1024:.1f} MiB")
    assert rss < 200 * 1024


def test_identical_files_in_one_batch():
    """Many paths with the same content travel in one batch both ways
    (the hub stores the content once; client B writes every copy): every
    path arrives and nothing is counted as a failure."""
    base = workdir("same-content")
    server = Server(base)
    b = Client(base, "beta", server.port)
    a = Client(base, "alpha", server.port, start=False)
    expected = {}
    for i in range(300):
        text = "the same license text\n" * 50 if i % 3 else f"unique {i}"
        a.write(f"pkg{i % 10}/LICENSE-{i}", text)
        expected[f"pkg{i % 10}/LICENSE-{i}"] = text
    for d in range(10):
        expected[f"pkg{d}"] = "DIR"
    a.start()
    wait_converged([a, b], 60, expected)
    for client in (a, b):
        actors = client.inspect()
        assert actors["downloader"]["counters"]["failures"] == 0, actors["downloader"]
        assert actors["uploader"]["counters"]["failures"] == 0, actors["uploader"]
        assert actors["folder-model"]["counters"]["failures"] == 0, actors["folder-model"]


if __name__ == "__main__":
    run([test_thousand_files_burst, test_300_mib_file, test_identical_files_in_one_batch])
