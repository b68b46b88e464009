"""WebSocket edge: an upload by one client produces a file_changed event
for another (never for the origin), a delete a file_deleted event; ping is
answered; unknown ids and missing keys are refused before the upgrade."""

import hashlib
import json
import socket

from harness import Server, WebSocket, json_request, request, run, workdir


def register(port, name, headers=None):
    status, body, _ = json_request("POST", port, "/register", {"client_name": name}, headers)
    assert status == 200, body
    return body["client_id"]


def test_events_and_ping():
    base = workdir("ws")
    server = Server(base)
    port = server.port
    a = register(port, "a")
    b = register(port, "b")
    ws_a = WebSocket(port, f"/ws/{a}")
    ws_b = WebSocket(port, f"/ws/{b}")
    assert ws_a.status == 101 and ws_b.status == 101, ws_a.head

    ws_a.send_text(json.dumps({"type": "ping"}))
    assert ws_a.recv_json() == {"type": "pong"}

    data = b"hello over websocket"
    status, _, _ = request("POST", port, "/upload?path=dir/x.txt", data, {"X-Client-Id": b})
    assert status == 200
    ev = ws_a.recv_json()
    assert ev["type"] == "file_changed" and ev["path"] == "dir/x.txt", ev
    assert ev["sha256"] == hashlib.sha256(data).hexdigest() and ev["size"] == len(data), ev
    assert ev["origin"] == b and ev["version"] == {b: 1}, ev

    status, _, _ = request("DELETE", port, "/files/dir/x.txt", None, {"X-Client-Id": b})
    assert status == 200
    ev = ws_a.recv_json()
    assert ev["type"] == "file_deleted" and ev["path"] == "dir/x.txt" and ev["origin"] == b, ev

    # the origin gets nothing back: its next message is the pong
    ws_b.send_text(json.dumps({"type": "ping"}))
    assert ws_b.recv_json() == {"type": "pong"}
    ws_a.close()
    ws_b.close()


def test_refused_before_upgrade():
    base = workdir("ws-refuse")
    server = Server(base, config="api_keys: [k1]\n")
    port = server.port
    ws = WebSocket(port, "/ws/000000000000", {"Authorization": "Bearer k1"})
    assert ws.status == 404, ws.head
    ws = WebSocket(port, "/ws/anything")
    assert ws.status == 401, ws.head
    cid = register(port, "c", {"Authorization": "Bearer k1"})
    ws = WebSocket(port, f"/ws/{cid}")
    assert ws.status == 401, ws.head
    ws = WebSocket(port, f"/ws/{cid}", {"Authorization": "Bearer k1"})
    assert ws.status == 101, ws.head
    status, _, _ = request("GET", port, "/health")
    assert status == 200


if __name__ == "__main__":
    run([test_events_and_ping, test_refused_before_upgrade])
