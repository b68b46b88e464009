"""The rest of the bounded edge (issue 13 part 4): a request body that
stops arriving is closed after body_timeout while the hub keeps serving,
a big body that keeps arriving slowly is not; and failed authentications
are throttled per address (429 for a minute after max_auth_failures
wrong keys, even for the right key), while a missing key is not a guess."""

import socket
import time

from harness import Checks, Server, request, run, wait_until, workdir


def closed(sock):
    """True once the peer closed (recv returns b'' or fails); False while open."""
    sock.settimeout(0.05)
    try:
        data = sock.recv(4096)
        return data == b"" or b"HTTP/1.1" in data
    except socket.timeout:
        return False
    except OSError:
        return True


def test_stalled_body_is_closed():
    base = workdir("edge-body")
    checks = Checks()
    server = Server(base, config="body_timeout: 2s\n")
    stalled = socket.create_connection(("127.0.0.1", server.port))
    stalled.sendall(b"POST /upload?path=slow.bin HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n" + b"x" * 10)
    trickle = socket.create_connection(("127.0.0.1", server.port))
    trickle.sendall(b"POST /upload?path=trickle.bin HTTP/1.1\r\nHost: x\r\nContent-Length: 40\r\n\r\n")
    started = time.monotonic()
    # The trickle sends a byte every 0.5 s (under the time-out) for 4 s: it must survive.
    sent = 0
    while time.monotonic() - started < 4:
        trickle.sendall(b"y")
        sent += 1
        time.sleep(0.5)
        if closed(stalled):
            break
    wait_until(lambda: closed(stalled), 10, what="the stalled body to be closed")
    took = time.monotonic() - started
    checks.check(1.5 <= took <= 8, f"closed after about body_timeout (2 s): {took:.1f} s")
    status, _, _ = request("GET", server.port, "/health", timeout=2)
    checks.check(status == 200, "the hub keeps serving")
    trickle.sendall(b"y" * (40 - sent))
    trickle.settimeout(10)
    answer = trickle.recv(4096)
    checks.check(answer.startswith(b"HTTP/1.1 200"), f"a slow body that keeps coming is taken: {answer[:60]}")
    stalled.close()
    trickle.close()
    checks.done()


def test_failed_auth_throttled():
    base = workdir("edge-auth")
    checks = Checks()
    server = Server(base, config="api_keys: [right]\nmax_auth_failures: 5\n")
    port = server.port
    for _ in range(8):
        status, _, _ = request("GET", port, "/files")
        checks.check(status == 401, f"a missing key is 401 and not counted: {status}")
    statuses = [request("GET", port, "/files", headers={"Authorization": "Bearer guess%d" % i})[0] for i in range(5)]
    checks.check(statuses == [401] * 5, f"the first 5 wrong keys get 401: {statuses}")
    status, body, _ = request("GET", port, "/files", headers={"Authorization": "Bearer right"})
    checks.check(status == 429 and b"too many failed" in body, f"then the address waits, even with the key: {status}")
    status, _, _ = request("GET", port, "/health")
    checks.check(status == 200, "/health still answers")
    checks.done()


if __name__ == "__main__":
    run([test_stalled_body_is_closed, test_failed_auth_throttled])
