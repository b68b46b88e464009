"""Block-level deltas: a large file changed in place travels as the blocks
that changed, both ways (client -> hub, hub -> client), and every refusal
falls back to sending the whole file. Also the edge itself (GET /blocks,
GET /delta, POST /upload with X-Delta-*) with a plain HTTP client,
including bad requests."""

import hashlib
import json
import os

from harness import Client, Server, request, run, wait_converged, wait_until, workdir

MIB = 1 << 20
BLOCK = 128 * 1024


def counters(client, actor):
    return client.inspect()[actor]["counters"]


def hub_counters(server):
    status, body, _ = request("GET", server.port, "/inspect", timeout=5)
    assert status == 200, body
    return {a["name"]: a for a in json.loads(body)["actors"]}["file-store"]["counters"]


def write_big(client, rel, data):
    tmp = client.path(".syncer/big.tmp")  # written elsewhere, moved in: one event
    with open(tmp, "wb") as f:
        f.write(data)
    os.rename(tmp, client.path(rel))


def sha(data):
    return hashlib.sha256(data).hexdigest()


def test_in_place_edit_and_append_send_only_changed_blocks():
    base = workdir("delta")
    server = Server(base)
    a = Client(base, "alpha", server.port)
    b = Client(base, "beta", server.port)
    content = bytearray(os.urandom(24 * MIB))
    write_big(a, "disk.img", bytes(content))
    wait_converged([a, b], 120, {"disk.img": bytes(content)})

    # 1 MiB overwritten in place, not on a block boundary: 9 blocks change.
    hub_before = hub_counters(server)
    b_before = counters(b, "downloader")
    patch = os.urandom(MIB)
    at = 10 * MIB + 1000
    content[at:at + MIB] = patch
    with open(a.path("disk.img"), "r+b") as f:
        f.seek(at)
        f.write(patch)
    wait_converged([a, b], 120, {"disk.img": bytes(content)})
    hub_after = hub_counters(server)
    wait_until(lambda: counters(b, "downloader")["delta_downloads"] > b_before["delta_downloads"], 10,
               what="client B to count its delta download")
    b_after = counters(b, "downloader")
    sent_up = hub_after["bytes_received"] - hub_before["bytes_received"]
    sent_down = b_after["delta_bytes_received"] - b_before["delta_bytes_received"]
    print(f"in-place edit of 1 MiB in 24 MiB: {sent_up} bytes up, {sent_down} bytes down")
    assert hub_after["delta_uploads"] == hub_before["delta_uploads"] + 1, hub_after
    assert sent_up == 9 * BLOCK, sent_up
    assert sent_down == 9 * BLOCK, sent_down
    assert counters(a, "uploader")["delta_uploads"] >= 1

    # Appended 300 KiB: the old last block and the new ones travel.
    hub_before = hub_after
    tail = os.urandom(300 * 1024)
    content += tail
    with open(a.path("disk.img"), "ab") as f:
        f.write(tail)
    wait_converged([a, b], 120, {"disk.img": bytes(content)})
    hub_after = hub_counters(server)
    sent_up = hub_after["bytes_received"] - hub_before["bytes_received"]
    assert hub_after["delta_uploads"] == hub_before["delta_uploads"] + 1, hub_after
    assert sent_up <= 300 * 1024 + 2 * BLOCK, sent_up

    # Rewritten whole: no delta is worth it, the whole file travels.
    hub_before = hub_after
    content = bytearray(os.urandom(8 * MIB))
    write_big(a, "disk.img", bytes(content))
    wait_converged([a, b], 120, {"disk.img": bytes(content)})
    hub_after = hub_counters(server)
    assert hub_after["delta_uploads"] == hub_before["delta_uploads"], hub_after
    assert hub_after["bytes_received"] - hub_before["bytes_received"] == 8 * MIB
    for c in (a, b):
        assert counters(c, "folder-model")["failures"] == 0, c.inspect()["folder-model"]


def test_delta_download_falls_back_when_the_hub_lacks_the_old_content():
    """Client B holds a version the hub never stored (B was offline while
    A wrote it twice): B cannot take blocks from it, so it downloads the
    whole file, and nothing is lost."""
    base = workdir("delta-fallback")
    server = Server(base)
    a = Client(base, "alpha", server.port)
    b = Client(base, "beta", server.port)
    content = os.urandom(6 * MIB)
    write_big(a, "video.bin", content)
    wait_converged([a, b], 60, {"video.bin": content})
    # Remove the hub's copy of the old object behind its back: GET /delta
    # answers 404 and B must fall back.
    old = sha(content)
    os.unlink(os.path.join(server.data_dir, "objects", old[:2], old))
    changed = bytearray(content)
    changed[MIB:MIB + 4096] = os.urandom(4096)
    with open(a.path("video.bin"), "r+b") as f:
        f.seek(MIB)
        f.write(changed[MIB:MIB + 4096])
    wait_converged([a, b], 60, {"video.bin": bytes(changed)})
    assert counters(b, "downloader")["delta_downloads"] == 0
    assert counters(b, "downloader")["failures"] == 0


def test_delta_endpoints_with_plain_http():
    base = workdir("delta-edge")
    server = Server(base)
    port = server.port
    old = os.urandom(5 * BLOCK + 100)  # 6 blocks, the last short
    status, body, _ = request("POST", port, "/upload?path=f.bin", old, {"X-Sha256": sha(old)})
    assert status == 200, body

    status, body, _ = request("GET", port, "/blocks?path=f.bin")
    assert status == 200, body
    blocks = json.loads(body)
    assert blocks["sha256"] == sha(old) and blocks["size"] == len(old) and blocks["block_size"] == BLOCK
    assert len(blocks["checksums"]) == 6 * 16
    status, body, _ = request("GET", port, "/blocks?path=missing.bin")
    assert status == 404 and "error" in json.loads(body)

    new = bytearray(old)
    new[BLOCK + 5] ^= 0xFF  # block 1
    new += b"x" * 1000      # block 5 grows
    new = bytes(new)
    literal = new[BLOCK:2 * BLOCK] + new[5 * BLOCK:]
    good = {"X-Sha256": sha(new), "X-Delta-Base": sha(old), "X-Delta-Block-Size": str(BLOCK),
            "X-Delta-Size": str(len(new)), "X-Delta-Literal": "1,5"}

    def bad(headers, payload, want, words):
        status, body, _ = request("POST", port, "/upload?path=f.bin", payload, headers)
        message = json.loads(body)["error"]
        assert status == want and words in message, (status, message)

    bad({**good, "X-Sha256": ""}, literal, 400, "X-Sha256")
    bad({**good, "X-Delta-Base": "abc"}, literal, 400, "X-Delta-Base")
    bad({**good, "X-Delta-Base": "0" * 64}, literal, 404, "base content")
    bad({**good, "X-Delta-Block-Size": "12"}, literal, 400, "X-Delta-Block-Size")
    bad({**good, "X-Delta-Size": "-1"}, literal, 400, "X-Delta-Size")
    bad({**good, "X-Delta-Literal": "5,1"}, literal, 400, "increasing")
    bad({**good, "X-Delta-Literal": "1,9"}, literal, 400, "past the end")
    bad(good, literal[:-1], 400, "exactly the listed blocks")
    bad({**good, "X-Sha256": "1" * 64}, literal, 422, "changed while it was uploaded")
    # The hub still holds the old version after every refusal.
    status, body, _ = request("GET", port, "/download/f.bin")
    assert status == 200 and body == old

    status, body, _ = request("POST", port, "/upload?path=f.bin", literal, good)
    assert status == 200, body
    assert json.loads(body)["sha256"] == sha(new)
    status, body, _ = request("GET", port, "/download/f.bin")
    assert status == 200 and body == new

    status, body, _ = request("GET", port, f"/delta?from={sha(old)}&to={sha(new)}")
    assert status == 200, body
    line, payload = body.split(b"\n", 1)
    header = json.loads(line)
    assert header == {"sha256": sha(new), "size": len(new), "block_size": BLOCK, "literal": "1,5"}, header
    assert payload == literal
    # Back to the old version: found by comparing the two objects (no
    # upload made that delta); old's short last block is a prefix of new's.
    status, body, _ = request("GET", port, f"/delta?from={sha(new)}&to={sha(old)}")
    assert status == 200, body
    line, payload = body.split(b"\n", 1)
    assert json.loads(line)["literal"] == "1" and payload == old[BLOCK:2 * BLOCK], line
    status, body, _ = request("GET", port, f"/delta?from={'0' * 64}&to={sha(new)}")
    assert status == 404, body
    status, body, _ = request("GET", port, "/delta?from=nope&to=nope")
    assert status == 400, body
    other = os.urandom(len(new))
    status, body, _ = request("POST", port, "/upload?path=g.bin", other, {"X-Sha256": sha(other)})
    assert status == 200
    status, body, _ = request("GET", port, f"/delta?from={sha(old)}&to={sha(other)}")
    assert status == 413 and "download the whole file" in json.loads(body)["error"], body
    assert server.health()


if __name__ == "__main__":
    run([test_in_place_edit_and_append_send_only_changed_blocks,
         test_delta_download_falls_back_when_the_hub_lacks_the_old_content,
         test_delta_endpoints_with_plain_http])
