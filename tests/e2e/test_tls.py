"""TLS 1.3 with device identities (issue 13 part 2, BRIEF §9): real hubs
and clients on 127.0.0.1.

- `syncer id` prints a stable, well-formed device ID; keys and certificates
  and config.yaml are mode 0600; the ID is logged at start;
- a hub with `tls: on` speaks TLS only: a plain HTTP request gets one
  plain 400 naming TLS (nothing reaches a route), TLS without a
  certificate reaches /health only;
- a client trusts the first hub it meets (records its ID) and refuses an
  impostor hub (another data dir, same address) with a message naming both
  IDs; nothing it writes reaches the impostor;
- a client that pinned server_id refuses another hub at registration and
  exits 1 with the reason.
"""

import os
import re
import socket
import stat

from harness import (Checks, Client, Server, request, run, syncer_id, tls_context, wait_converged, wait_until,
                     workdir)

ID = re.compile(r"^([A-Z2-7]{7}-){7}[A-Z2-7]{7}$")


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_identity_files_and_id():
    base = workdir("tls-id")
    checks = Checks()
    c = Client(base, "alpha", 1, start=False, tls=True)
    first = c.device_id()
    checks.check(ID.match(first), f"device ID looks like 8 groups of 7: {first}")
    checks.check(c.device_id() == first, "syncer id is stable")
    for f in ("cert.pem", "key.pem"):
        checks.check(mode(os.path.join(c.dir, ".syncer", f)) == 0o600, f"{f} is mode 0600")
    checks.check(mode(c.config) == 0o600, "config.yaml is mode 0600")
    hub_dir = os.path.join(base, "hub-data")
    hub_id = syncer_id("--data-dir", hub_dir)
    checks.check(ID.match(hub_id) and hub_id != first, "the hub has an ID of its own")
    checks.check(mode(os.path.join(hub_dir, "key.pem")) == 0o600, "the hub's key is mode 0600")
    server = Server(base, data_dir=hub_dir, tls=True, auto_accept=True)
    checks.check(server.device_id() == hub_id, "the hub keeps the identity syncer id made")
    wait_until(lambda: hub_id in open(server.log_path, errors="replace").read(), 10, what="the ID in the hub's log")
    checks.done()


def test_plain_http_refused():
    base = workdir("tls-plain")
    checks = Checks()
    server = Server(base, tls=True, auto_accept=True)
    status, body, _ = request("POST", server.port, "/register", '{"client_name": "x"}')
    checks.check(status == 400 and b"TLS only" in body, f"plain HTTP gets 400 naming TLS: {status} {body[:120]}")
    # Bytes that are neither HTTP nor TLS: the connection is closed, nothing answered.
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as s:
        s.sendall(b"\x00\x01garbage\r\n\r\n")
        checks.check(s.recv(100) == b"", "garbage is closed without an answer")
    status, body, _ = request("GET", server.port, "/health", tls=tls_context())
    checks.check(status == 200, f"/health answers over TLS without a certificate: {status}")
    status, body, _ = request("GET", server.port, "/files", tls=tls_context())
    checks.check(status == 403 and b"certificate" in body, f"anything else needs a certificate: {status} {body[:100]}")
    checks.check(server.alive(), "the hub still runs")
    checks.done()


def test_trust_on_first_use_refuses_impostor():
    base = workdir("tls-tofu")
    checks = Checks()
    port = None
    first = Server(base, tls=True, auto_accept=True)
    port = first.port
    a = Client(base, "alpha", port, tls=True)
    b = Client(base, "beta", port, tls=True)
    a.write("one.txt", "before the impostor\n")
    wait_converged([a, b], 30, {"one.txt": "before the impostor\n"})
    recorded = open(os.path.join(a.dir, ".syncer", "hub_id")).read().strip()
    checks.check(recorded == first.device_id(), "the client recorded the hub it met first")
    a.stop()
    b.stop()
    first.stop()

    impostor = Server(base, port=port, data_dir=os.path.join(base, "impostor-data"), tls=True, auto_accept=True,
                      log_name="impostor.log")
    checks.check(impostor.device_id() != recorded, "the impostor has another identity")
    a.start()
    a.write("two.txt", "must not reach the impostor\n")
    wait_until(lambda: "presents device ID" in open(a.log_path, errors="replace").read(), 20,
               what="the client to refuse the impostor")
    log = open(a.log_path, errors="replace").read()
    checks.check(impostor.device_id() in log and recorded in log and "hub_id" in log,
                 "the refusal names both IDs and the record file")
    probe = Client(base, "probe", port, tls=True)  # a device of the impostor's own, to look at it
    status, body, _ = request("GET", port, "/files", tls=probe.tls_context())
    checks.check(status == 200 and b"two.txt" not in body and b"one.txt" not in body,
                 f"nothing of the client reached the impostor: {status} {body[:200]}")
    checks.check(a.alive(), "the refusing client keeps running (and retrying)")
    checks.done()


def test_pinned_server_id_refuses_other_hub():
    base = workdir("tls-pin")
    checks = Checks()
    real_id = syncer_id("--data-dir", os.path.join(base, "real-data"))
    other = Server(base, tls=True, auto_accept=True)
    c = Client(base, "pinned", other.port, tls=True, server_id=real_id, start=False)
    from harness import Process, SYNCER
    p = Process([SYNCER, "node", "--role", "client", "--config", c.config], c.log_path)
    wait_until(lambda: not p.alive(), 20, what="the pinned client to give up")
    log = open(c.log_path, errors="replace").read()
    checks.check(p.proc.returncode == 1, f"the client exits 1: {p.proc.returncode}")
    checks.check("server_id" in log and real_id in log and other.device_id() in log,
                 "the message names the pinned and the presented ID")
    checks.check(all(d["name"] != "pinned" for d in other.device_list()), "it never registered with the other hub")
    checks.done()


if __name__ == "__main__":
    run([test_identity_files_and_id, test_plain_http_refused, test_trust_on_first_use_refuses_impostor,
         test_pinned_server_id_refuses_other_hub])
