"""Bounded edge (BRIEF §9): a slow or hostile peer costs the others
nothing.

- 200 idle connections, 50 slowloris clients (a header byte now and then)
  and a WebSocket client that never reads, all at once: /health keeps
  answering and two normal clients keep syncing;
- the per-address connection cap: connections over it are closed at once,
  and the slots come back when connections close;
- out of file descriptors (EMFILE): the accept loop backs off instead of
  spinning, and the hub serves again once descriptors are free.
"""

import os
import shutil
import socket
import subprocess
import threading
import time

import harness
from harness import Client, Server, run, wait_converged, wait_until, workdir


def connect(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def health_ms(port):
    started = time.monotonic()
    status, _, _ = harness.request("GET", port, "/health", timeout=10)
    assert status == 200, status
    return (time.monotonic() - started) * 1000


def closed_by_peer(s, timeout=3):
    s.settimeout(timeout)
    try:
        return s.recv(1) == b""
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False


def test_slow_peers_cost_the_others_nothing():
    base = workdir("edge-slow")
    server = Server(base)
    a = Client(base, "alpha", server.port)
    b = Client(base, "beta", server.port)
    idle = [connect(server.port) for _ in range(200)]
    slow = [connect(server.port) for _ in range(50)]
    for s in slow:
        s.sendall(b"GET /health HTTP/1.1\r\n")
    stop = threading.Event()

    def drip():  # slowloris: one more header byte per second on each
        while not stop.is_set():
            for s in slow:
                try:
                    s.sendall(b"X")
                except OSError:
                    pass
            stop.wait(1)

    dripper = threading.Thread(target=drip)
    dripper.start()
    # A WebSocket client that never reads what the hub sends it.
    _, body, _ = harness.json_request("POST", server.port, "/register", {"client_name": "mute"})
    mute = harness.WebSocket(server.port, f"/ws/{body['client_id']}?batch=1")
    try:
        latencies = []
        files = {}
        for i in range(100):
            files[f"load/f{i}.txt"] = f"file {i} " + "x" * 2000
            a.write(f"load/f{i}.txt", files[f"load/f{i}.txt"])
            if i % 10 == 0:
                latencies.append(health_ms(server.port))
        expected = dict(files, **{"load": "DIR"})
        wait_converged([a, b], 60, expected)
        for _ in range(10):
            latencies.append(health_ms(server.port))
        worst = max(latencies)
        print(f"/health with 200 idle, 50 slowloris and one mute WebSocket client: "
              f"median {sorted(latencies)[len(latencies) // 2]:.1f} ms, worst {worst:.1f} ms")
        # A generous bound: the point is that nothing waits behind the slow peers.
        assert worst < 1000, latencies
        assert server.alive() and a.alive() and b.alive()
    finally:
        stop.set()
        dripper.join()
        for s in idle + slow:
            s.close()
        mute.close()


def test_per_address_cap():
    base = workdir("edge-cap")
    server = Server(base, config="max_connections_per_address: 20\n")
    held = [connect(server.port) for _ in range(20)]
    time.sleep(0.2)
    over = [connect(server.port) for _ in range(5)]
    assert all(closed_by_peer(s) for s in over), "connections over the per-address cap were kept open"
    for s in over:
        s.close()
    for s in held[:5]:
        s.close()
    # The slots come back as connections close.
    wait_until(lambda: _health_ok(server.port), 10, what="/health once slots are free")
    for s in held[5:]:
        s.close()
    assert server.alive()


def _health_ok(port):
    try:
        return harness.request("GET", port, "/health", timeout=2)[0] == 200
    except OSError:
        return False


def test_out_of_descriptors_backs_off():
    if shutil.which("prlimit") is None:
        print("skipped: needs prlimit (util-linux)")
        return
    base = workdir("edge-emfile")
    port = harness.free_port()
    data = os.path.join(base, "data")
    proc = harness.Process(["prlimit", "--nofile=64:64", harness.SYNCER, "node", "--role", "server", "--host",
                            "127.0.0.1", "--port", str(port), "--data-dir", data], os.path.join(base, "server.log"))
    wait_until(lambda: _health_ok(port), 20, what="the hub to start")
    held = []
    try:
        for _ in range(120):  # more than the hub has descriptors for
            held.append(connect(port))
        time.sleep(0.5)
        before = harness.cpu_seconds(proc.pid)
        time.sleep(3)
        spent = harness.cpu_seconds(proc.pid) - before
        print(f"hub CPU over 3 s while out of descriptors: {spent:.2f} s")
        assert spent < 1.0, f"the accept loop spins while out of descriptors ({spent:.2f} s of CPU in 3 s)"
    finally:
        for s in held:
            s.close()
    wait_until(lambda: _health_ok(port), 20, what="/health once descriptors are free again")
    assert proc.alive()
    proc.stop()


if __name__ == "__main__":
    run([test_slow_peers_cost_the_others_nothing, test_per_address_cap, test_out_of_descriptors_backs_off])
