"""The edge's I/O threads never block on objects (issue 11).

GET /blocks hashes a whole object, GET /delta compares two, POST /objects
reads many: the hub's object-io actor does that work, so with the default
two I/O threads, two /blocks requests on 1 GiB objects do not stall anyone
else. While they run (each asked three times in a row, from two threads),
a WebSocket client's pings are answered (95th percentile under 50 ms, none
over 200 ms) and a small upload from another client completes in under
200 ms. Before object-io, both I/O threads hashed and every ping waited
for a whole object (hundreds of ms each).
"""

import json
import os
import threading
import time

from harness import Server, WebSocket, json_request, request, run, sha, workdir

GIB = 1 << 30


def register(port, name):
    status, body, _ = json_request("POST", port, "/register", {"client_name": name})
    assert status == 200, body
    return body["client_id"]


def upload_file(port, path, file_name, size, client_id):
    import http.client
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    try:
        with open(file_name, "rb") as f:
            conn.request("POST", f"/upload?path={path}", body=f,
                         headers={"Content-Length": str(size), "X-Client-Id": client_id})
            res = conn.getresponse()
            body = res.read()
        assert res.status == 200, body
        return json.loads(body)["sha256"]
    finally:
        conn.close()


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


def test_big_blocks_do_not_stall_pings_or_small_uploads():
    base = workdir("edge-never-blocks")
    server = Server(base)
    port = server.port
    writer = register(port, "writer")
    other = register(port, "other")
    watcher = register(port, "watcher")

    # Two different 1 GiB objects (a repeated random MiB: block checksums
    # and SHA-256 do not care), streamed from files.
    chunk = os.urandom(1 << 20)
    files = []
    for i in range(2):
        name = os.path.join(base, f"big{i}.bin")
        with open(name, "wb") as f:
            f.write(bytes([i]) + chunk[1:])
            for _ in range(GIB // len(chunk) - 1):
                f.write(chunk)
        files.append(name)
    for i, name in enumerate(files):
        upload_file(port, f"big{i}.bin", name, GIB, writer)
        os.unlink(name)

    ws = WebSocket(port, f"/ws/{watcher}")
    assert ws.status == 101, ws.head
    ws.send_text(json.dumps({"type": "ping"}))
    assert ws.recv_json() == {"type": "pong"}

    blocks_times = []
    errors = []

    def ask_blocks(i):
        try:
            for _ in range(3):
                started = time.monotonic()
                status, body, _ = request("GET", port, f"/blocks?path=big{i}.bin", timeout=300)
                if status != 200:
                    errors.append(f"/blocks big{i}.bin answered {status}: {body[:200]!r}")
                    return
                reply = json.loads(body)
                if reply["size"] != GIB or len(reply["checksums"]) != 16 * (GIB // (128 * 1024)):
                    errors.append(f"/blocks big{i}.bin: unexpected answer {str(reply)[:200]}")
                blocks_times.append(time.monotonic() - started)
        except Exception as e:  # reported below
            errors.append(f"/blocks big{i}.bin: {e}")

    threads = [threading.Thread(target=ask_blocks, args=(i,)) for i in range(2)]
    window_start = time.monotonic()
    for t in threads:
        t.start()
    time.sleep(0.05)  # let both requests reach the hub

    pings = []
    upload_ms = None
    while any(t.is_alive() for t in threads) and time.monotonic() - window_start < 240:
        started = time.monotonic()
        ws.send_text(json.dumps({"type": "ping"}))
        while ws.recv_json(timeout=30) != {"type": "pong"}:
            pass  # the small upload's file_changed event
        pings.append((time.monotonic() - started) * 1000)
        if upload_ms is None and len(pings) == 5:
            data = os.urandom(1024)
            started = time.monotonic()
            status, body, _ = request("POST", port, "/upload?path=small.txt", data, {"X-Client-Id": other})
            upload_ms = (time.monotonic() - started) * 1000
            assert status == 200, body
            assert json.loads(body)["sha256"] == sha(data)
        time.sleep(0.01)
    window = time.monotonic() - window_start
    for t in threads:
        t.join(timeout=300)
    ws.close()

    assert not errors, errors
    assert len(blocks_times) == 6, blocks_times
    print(f"six /blocks of 1 GiB in {window:.2f} s (each {min(blocks_times):.2f}-{max(blocks_times):.2f} s); "
          f"{len(pings)} pings: median {percentile(pings, 0.5):.1f} ms, p95 {percentile(pings, 0.95):.1f} ms, "
          f"max {max(pings):.1f} ms; small upload {upload_ms:.1f} ms", flush=True)
    assert len(pings) >= 5 and upload_ms is not None, \
        f"the /blocks requests ended before the measurement ({len(pings)} pings in {window:.2f} s)"
    assert percentile(pings, 0.95) < 50, f"pings stalled behind /blocks: p95 {percentile(pings, 0.95):.1f} ms"
    assert max(pings) < 200, f"a ping waited {max(pings):.1f} ms behind /blocks"
    assert upload_ms < 200, f"a 1 KiB upload took {upload_ms:.1f} ms while /blocks ran"
    assert server.health()


if __name__ == "__main__":
    run([test_big_blocks_do_not_stall_pings_or_small_uploads])
