"""Accepted devices only (issue 13 part 3, BRIEF §9): a hub with
`tls: on` and real clients on 127.0.0.1.

- an unknown device gets 403 with the command to run, is listed as
  pending by `syncer devices`, and syncs once `syncer devices accept` ran;
- an API key presented at /register pairs a device; auto_accept accepts
  any; a removed device is refused (its next request gets 403, its
  changes stop arriving) until accepted again;
- a device speaks only for itself: X-Client-Id of another device, a
  WebSocket of another device and a version vector that advances another
  device's counter are refused with 403 (raw requests with Python's ssl
  and the device's own certificate);
- two machines with the same client_name are two devices with two ids.
"""

import json
import os
import time

from harness import Checks, Client, Server, json_request, request, run, wait_converged, wait_until, workdir


def client_id_of(device_id):
    """The client id bound to a device: its first 16 base32 characters
    (the ID without dashes, skipping the check character after 13)."""
    flat = device_id.replace("-", "")
    return flat[0:13] + flat[14:17]


def waiting(server, device_id):
    return any(d["id"] == device_id and d["state"] == "pending" for d in server.device_list())


def files(server, ctx):
    status, body, _ = request("GET", server.port, "/files", tls=ctx)
    assert status == 200, (status, body)
    return {f["path"]: f for f in json.loads(body)["files"]}


def test_pending_until_accepted_then_removed():
    base = workdir("devices-accept")
    checks = Checks()
    server = Server(base, tls=True, auto_accept=False)
    a = Client(base, "alpha", server.port, tls=True, start=False)
    a_id = a.device_id()
    # The raw request of a device nobody accepted: 403 with the command.
    status, body, _ = json_request("POST", server.port, "/register", {"client_name": "alpha"}, tls=a.tls_context())
    expected = f"device {a_id} is waiting for approval: run 'syncer devices accept {a_id}' on the hub"
    checks.check(status == 403 and body == {"error": expected}, f"403 with the command: {status} {body}")
    status, _, _ = request("GET", server.port, "/files", tls=a.tls_context())
    checks.check(status == 403, f"every endpoint is refused while pending: {status}")
    checks.check(waiting(server, a_id), "syncer devices lists it as pending")
    _, listing, _ = server.devices()
    checks.check(a_id in listing and "pending" in listing and "alpha" in listing, f"the human listing: {listing}")

    # The daemon waits (retrying) until the device is accepted, then syncs.
    from harness import Process, SYNCER
    a.write("first.txt", "written while pending\n")
    daemon = Process([SYNCER, "node", "--role", "client", "--config", a.config], a.log_path)
    a.proc, a.log = daemon.proc, daemon.log
    wait_until(lambda: "waiting for approval" in open(a.log_path, errors="replace").read(), 20,
               what="the client to report it waits")
    checks.check(a.alive() and a.admin_port() is None, "the client waits, it has not started syncing")
    rc, out, _ = server.devices("accept", a_id)
    checks.check(rc == 0 and "accepted" in out, f"syncer devices accept: {out}")
    wait_until(lambda: a.admin_port(), 20, what="the accepted client to start")
    b = Client(base, "beta", server.port, tls=True, start=False)
    server.devices("accept", "alpha")  # by name works too (a no-op now)
    status, body, _ = json_request("POST", server.port, "/register", {"client_name": "beta"}, tls=b.tls_context())
    rc, _, _ = server.devices("accept", b.device_id())
    b.start()
    wait_converged([a, b], 30, {"first.txt": "written while pending\n"})

    # Removal: the next request is refused and the device's changes stop.
    rc, out, _ = server.devices("remove", a_id)
    checks.check(rc == 0 and "removed" in out, f"syncer devices remove: {out}")
    status, body, _ = request("GET", server.port, "/files", tls=a.tls_context())
    checks.check(status == 403 and b"removed" in body, f"a removed device gets 403: {status} {body[:150]}")
    a.write("after-removal.txt", "must not arrive\n")
    b.write("from-beta.txt", "beta still syncs\n")
    wait_until(lambda: "from-beta.txt" in files(server, b.tls_context()), 20, what="beta to keep syncing")
    # The removed client tried (and was refused) before we look at the hub.
    wait_until(lambda: f"device {a_id} was removed" in open(a.log_path, errors="replace").read(), 20,
               what="the removed client to be refused")
    checks.check("after-removal.txt" not in files(server, b.tls_context()), "the removed device's file never arrives")
    checks.check(any(d["id"] == a_id and d["state"] == "removed" for d in server.device_list()), "listed as removed")
    rc, _, err = server.devices("accept", "nobody-by-this-name", check=False)
    checks.check(rc != 0 and "no device" in err, f"an unknown device is an error: {err}")
    checks.done()


def test_api_key_pairs_and_auto_accept():
    base = workdir("devices-pair")
    checks = Checks()
    server = Server(base, config="api_keys: [pairing-secret]\n", tls=True, auto_accept=False)
    keyed = Client(base, "keyed", server.port, tls=True, api_key="pairing-secret")
    checks.check(any(d["id"] == keyed.device_id() and d["state"] == "accepted" for d in server.device_list()),
                 "a device that registered with the API key is accepted")
    keyed.write("k.txt", "paired\n")
    wait_until(lambda: "k.txt" in files(server, keyed.tls_context()), 20, what="the paired device to sync")
    stranger = Client(base, "stranger", server.port, tls=True, start=False)
    status, _, _ = json_request("POST", server.port, "/register", {"client_name": "stranger"},
                                headers={"Authorization": "Bearer wrong"}, tls=stranger.tls_context())
    checks.check(status == 401, f"a wrong key is 401, not pairing: {status}")
    server.stop()
    auto = Server(base, port=server.port, data_dir=os.path.join(base, "auto-data"), tls=True, auto_accept=True,
                  log_name="auto.log")
    status, body, _ = json_request("POST", auto.port, "/register", {"client_name": "stranger"},
                                   tls=stranger.tls_context())
    checks.check(status == 200, f"auto_accept accepts a new device: {status} {body}")
    auto_rc, _, _ = auto.devices("remove", stranger.device_id())
    status, _, _ = json_request("POST", auto.port, "/register", {"client_name": "stranger"},
                                tls=stranger.tls_context())
    checks.check(status == 403, f"auto_accept does not let a removed device back: {status}")
    checks.done()


def test_a_device_speaks_only_for_itself():
    base = workdir("devices-bind")
    checks = Checks()
    server = Server(base, tls=True, auto_accept=True)
    a = Client(base, "alpha", server.port, tls=True)
    b = Client(base, "beta", server.port, tls=True)
    a.write("shared.txt", "v1 from alpha\n")
    wait_converged([a, b], 30, {"shared.txt": "v1 from alpha\n"})
    a_client = client_id_of(a.device_id())
    entry = files(server, b.tls_context())["shared.txt"]
    vector = dict(p.split(":") for p in entry["version"].split(",")) if isinstance(entry["version"], str) \
        else entry["version"]
    checks.check(a_client in vector, f"alpha's counter is in the vector: {vector}")
    b_client = json_request("POST", server.port, "/register", {"client_name": "beta"}, tls=b.tls_context())[1]["client_id"]
    checks.check(b_client == client_id_of(b.device_id()) and b_client != a_client, "two devices, two ids")

    ctx = b.tls_context()
    status, body, _ = request("POST", server.port, "/upload?path=forged.txt", b"x",
                              {"X-Client-Id": a_client}, tls=ctx)
    checks.check(status == 403 and b"not this device" in body, f"X-Client-Id of another device: {status} {body[:150]}")
    # A vector that advances alpha's counter beyond the hub's: refused.
    forged = f"{a_client}:{int(vector[a_client]) + 5},{b_client}:1"
    status, body, _ = request("POST", server.port, "/upload?path=shared.txt", b"forged\n",
                              {"X-Client-Id": b_client, "X-Version": forged}, tls=ctx)
    checks.check(status == 403 and b"only advance its own counter" in body,
                 f"a vector advancing another device's counter: {status} {body[:200]}")
    # Its own counter on top of what the hub holds: fine.
    honest = f"{a_client}:{vector[a_client]},{b_client}:1"
    status, body, _ = request("POST", server.port, "/upload?path=shared.txt", b"honest edit\n",
                              {"X-Client-Id": b_client, "X-Version": honest}, tls=ctx)
    checks.check(status == 200, f"advancing its own counter is fine: {status} {body[:200]}")
    status, body, _ = request("GET", server.port, f"/ws/{a_client}", None,
                              {"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13",
                               "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}, tls=ctx)
    checks.check(status == 403, f"the WebSocket of another device: {status}")
    wait_converged([a, b], 30, {"shared.txt": "honest edit\n"})
    checks.done()


def test_same_name_two_devices():
    base = workdir("devices-twins")
    checks = Checks()
    server = Server(base, tls=True, auto_accept=True)
    one = Client(base, "twin", server.port, tls=True, sync_dir=os.path.join(base, "one"), config_name="one")
    two = Client(base, "twin", server.port, tls=True, sync_dir=os.path.join(base, "two"), config_name="two")
    one.write("a.txt", "from the first twin\n")
    wait_converged([one, two], 30, {"a.txt": "from the first twin\n"})
    twins = [d for d in server.device_list() if d["name"] == "twin"]
    checks.check(len(twins) == 2 and twins[0]["id"] != twins[1]["id"], f"two devices named twin: {twins}")
    checks.check(twins[0]["client_id"] != twins[1]["client_id"], "with two client ids")
    checks.done()


if __name__ == "__main__":
    run([test_pending_until_accepted_then_removed, test_api_key_pairs_and_auto_accept,
         test_a_device_speaks_only_for_itself, test_same_name_two_devices])
