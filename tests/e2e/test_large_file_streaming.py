"""Large files stream through the hub: while client A's upload arrives,
the hub announces it ("file_incoming") and serves the bytes received so
far (GET /incoming/{sha256}), so client B fetches it in parallel instead of
after the upload. Checked at the edge with a deliberately slow uploader
(raw socket), and end to end between two clients."""

import hashlib
import http.client
import json
import os
import socket
import threading
import time

from harness import Client, Server, WebSocket, json_request, request, run, wait_converged, wait_until, workdir

MIB = 1 << 20


def sha(data):
    return hashlib.sha256(data).hexdigest()


def start_slow_upload(port, path, data, client_id=None):
    """Sends the request head and the first half of the body, then waits:
    returns (socket, function that sends the rest and reads the answer)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    head = (f"POST /upload?path={path} HTTP/1.1\r\nHost: x\r\nContent-Length: {len(data)}\r\n"
            f"X-Sha256: {sha(data)}\r\n" + (f"X-Client-Id: {client_id}\r\n" if client_id else "") + "\r\n")
    s.sendall(head.encode() + data[:len(data) // 2])

    def finish(cut=False):
        if cut:
            s.close()  # the uploader goes away mid-body
            return None
        s.sendall(data[len(data) // 2:])
        answer = b""
        while b"\r\n\r\n" not in answer:
            answer += s.recv(65536)
        s.close()
        return int(answer.split(b" ", 2)[1])
    return s, finish


def test_incoming_upload_is_served_while_it_arrives():
    base = workdir("incoming-edge")
    server = Server(base)
    status, reg, _ = json_request("POST", server.port, "/register", {"client_name": "watcher"})
    assert status == 200
    ws = WebSocket(server.port, f"/ws/{reg['client_id']}")
    data = os.urandom(6 * MIB)
    _, finish = start_slow_upload(server.port, "movie.bin", data)

    ev = ws.recv_json(timeout=10)  # announced before the body is complete
    assert ev["type"] == "file_incoming" and ev["path"] == "movie.bin", ev
    assert ev["sha256"] == sha(data) and ev["size"] == len(data), ev

    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    conn.request("GET", f"/incoming/{sha(data)}")
    res = conn.getresponse()
    assert res.status == 200 and int(res.getheader("Content-Length")) == len(data)
    first = res.read(len(data) // 2)  # all the hub has so far
    assert first == data[:len(data) // 2]
    got = {}
    reader = threading.Thread(target=lambda: got.update(rest=res.read()))
    reader.start()
    time.sleep(0.2)
    assert reader.is_alive(), "the answer ended before the upload did"
    assert finish() == 200
    reader.join(30)
    assert first + got["rest"] == data
    ev = ws.recv_json(timeout=10)
    assert ev["type"] == "file_changed" and ev["sha256"] == sha(data), ev
    conn.close()
    ws.close()

    # Once committed it is no longer "incoming": GET /download serves it.
    status, body, _ = request("GET", server.port, f"/incoming/{sha(data)}")
    assert status == 404 and "error" in json.loads(body)
    status, body, _ = request("GET", server.port, "/download/movie.bin")
    assert status == 200 and body == data
    status, body, _ = request("GET", server.port, "/incoming/not-a-sha")
    assert status == 400


def test_a_broken_upload_cuts_the_stream_short():
    base = workdir("incoming-broken")
    server = Server(base)
    data = os.urandom(5 * MIB)
    _, finish = start_slow_upload(server.port, "broken.bin", data)
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    deadline = time.monotonic() + 10
    while True:  # the upload is announced once its head is parsed
        conn.request("GET", f"/incoming/{sha(data)}")
        res = conn.getresponse()
        if res.status == 200:
            break
        res.read()
        assert time.monotonic() < deadline, "the upload was never announced"
        time.sleep(0.02)
    first = res.read(len(data) // 2)
    assert first == data[:len(data) // 2]
    finish(cut=True)
    try:
        rest = res.read()
        raise AssertionError(f"a broken upload was served whole ({len(first) + len(rest)} bytes)")
    except http.client.IncompleteRead as e:
        assert len(first) + len(e.partial) < len(data)
    conn.close()
    assert server.health()
    status, _, _ = request("GET", server.port, "/download/broken.bin")
    assert status == 404  # nothing was recorded


def test_large_file_reaches_the_other_client_through_the_stream():
    base = workdir("incoming-e2e")
    server = Server(base)
    a = Client(base, "alpha", server.port)
    b = Client(base, "beta", server.port)
    # A verified prefetch nobody took, 20 minutes old: dropped by the next prefetch.
    stale = b.path(".syncer/tmp/" + "0" * 64 + ".verified")
    with open(stale, "wb") as f:
        f.write(b"old")
    os.utime(stale, (time.time() - 1200, time.time() - 1200))
    data = os.urandom(48 * MIB)
    tmp = a.path(".syncer/big.tmp")
    with open(tmp, "wb") as f:
        f.write(data)
    os.rename(tmp, a.path("video.bin"))
    wait_converged([a, b], 120, {"video.bin": data})
    prefetcher = b.inspect()["prefetcher"]["counters"]
    assert prefetcher["prefetched_files"] == 1 and prefetcher["failures"] == 0, prefetcher
    downloader = b.inspect()["downloader"]["counters"]
    assert downloader["taken_from_prefetch"] == 1 and downloader["failures"] == 0, downloader
    leftovers = [n for n in os.listdir(b.path(".syncer/tmp")) if not n.startswith(".")]
    assert leftovers == [], leftovers


if __name__ == "__main__":
    run([test_incoming_upload_is_served_while_it_arrives, test_a_broken_upload_cuts_the_stream_short,
         test_large_file_reaches_the_other_client_through_the_stream])
