"""Every REST endpoint with a plain HTTP client, and every bad-input rule:
4xx with a JSON error, nothing written outside the data dir, and the
server keeps serving."""

import hashlib
import json
import os

from harness import Server, json_request, request, run, workdir


def sha(data):
    return hashlib.sha256(data).hexdigest()


def upload(port, path, data, headers=None):
    return json_request("POST", port, "/upload?path=" + path, None, headers) if data is None else \
        _upload(port, path, data, headers)


def _upload(port, path, data, headers):
    status, body, hdrs = request("POST", port, "/upload?path=" + path, data, headers)
    return status, (json.loads(body) if body else None), hdrs


def assert_json_error(status, body, expected_status):
    assert status == expected_status, f"expected {expected_status}, got {status}: {body!r}"
    parsed = json.loads(body) if isinstance(body, (bytes, str)) else body
    assert isinstance(parsed, dict) and isinstance(parsed.get("error"), str) and parsed["error"], parsed


def test_endpoints():
    base = workdir("rest")
    server = Server(base)
    port = server.port

    status, body, _ = json_request("GET", port, "/health")
    assert status == 200 and body["status"] == "ok" and body["version"], body

    status, body, _ = json_request("POST", port, "/register", {"client_name": "laptop"})
    assert status == 200 and body["client_id"], body
    laptop = body["client_id"]
    status, again, _ = json_request("POST", port, "/register", {"client_name": "laptop"})
    assert again["client_id"] == laptop, "re-registering the same name must return the same id"
    _, other, _ = json_request("POST", port, "/register", {"client_name": "desktop"})
    assert other["client_id"] != laptop

    data = os.urandom(300_000)
    status, r, _ = _upload(port, "docs/a%20b.bin", data, {"X-Client-Id": laptop, "X-Mtime": "1700000000000000000"})
    assert status == 200, r
    assert r["path"] == "docs/a b.bin" and r["sha256"] == sha(data) and r["size"] == len(data), r
    assert r["version"] == {laptop: 1} and r["result"] == "fast_forward" and r["mtime"] == 1700000000000000000, r

    # download, ETag, Range variants
    status, got, hdrs = request("GET", port, "/download/docs/a%20b.bin")
    assert status == 200 and got == data
    assert hdrs["ETag"].strip('"') == sha(data) and hdrs["X-Sha256"] == sha(data), hdrs
    status, got, hdrs = request("GET", port, "/download/docs/a%20b.bin", headers={"Range": "bytes=100-199"})
    assert status == 206 and got == data[100:200] and hdrs["Content-Range"] == f"bytes 100-199/{len(data)}", hdrs
    status, got, _ = request("GET", port, "/download/docs/a%20b.bin", headers={"Range": "bytes=299000-"})
    assert status == 206 and got == data[299000:]
    status, got, _ = request("GET", port, "/download/docs/a%20b.bin", headers={"Range": "bytes=-10"})
    assert status == 206 and got == data[-10:]
    status, got, _ = request("GET", port, "/download/docs/a%20b.bin", headers={"Range": f"bytes={len(data)}-"})
    assert status == 416
    status, _, _ = request("GET", port, "/download/nope.txt")
    assert status == 404

    # empty file, folder, link (no bytes sent), next version without X-Version
    status, r, _ = _upload(port, "empty.txt", b"", {"X-Client-Id": laptop})
    assert status == 200 and r["size"] == 0 and r["sha256"] == sha(b""), r
    status, got, _ = request("GET", port, "/download/empty.txt")
    assert status == 200 and got == b""
    status, r, _ = json_request("PUT", port, "/dirs/photos/2026", None, {"X-Client-Id": laptop})
    assert status == 200 and r["type"] == "dir", r
    status, r, _ = json_request("POST", port, "/link?path=copy.bin",
                                {"sha256": sha(data), "size": len(data), "mtime": 5, "version": {laptop: 1}},
                                {"X-Client-Id": laptop})
    assert status == 200 and r["sha256"] == sha(data), r
    status, body, _ = json_request("POST", port, "/link?path=x.bin", {"sha256": "a" * 64, "size": 1},
                                   {"X-Client-Id": laptop})
    assert_json_error(status, body, 404)
    status, r, _ = _upload(port, "docs/a%20b.bin", b"v2", {"X-Client-Id": other["client_id"]})
    assert status == 200 and r["version"] == {laptop: 1, other["client_id"]: 1}, r

    # bytes that do not match the sender's X-Sha256 changed in flight -> 422, nothing stored
    status, r, _ = _upload(port, "racy.txt", b"half written", {"X-Sha256": sha(b"fully written")})
    assert status == 422 and r["error"], r
    status, _, _ = request("GET", port, "/download/racy.txt")
    assert status == 404

    # stale version -> 409 with the current entry
    status, r, _ = _upload(port, "docs/a%20b.bin", b"old", {"X-Client-Id": laptop, "X-Version": f"{laptop}:1"})
    assert status == 409 and r["result"] == "stale" and r["sha256"] == sha(b"v2"), r

    # listing, deletion, tombstones
    status, body, _ = json_request("GET", port, "/files")
    paths = {f["path"]: f for f in body["files"]}
    assert {"docs/a b.bin", "empty.txt", "photos/2026", "copy.bin"} <= set(paths), paths
    status, r, _ = json_request("DELETE", port, "/files/empty.txt", None, {"X-Client-Id": laptop})
    assert status == 200 and r["deleted"] is True, r
    status, body, _ = json_request("GET", port, "/files")
    assert "empty.txt" not in {f["path"] for f in body["files"]}
    status, body, _ = json_request("GET", port, "/files?deleted=1")
    tomb = [f for f in body["files"] if f["path"] == "empty.txt"]
    assert tomb and tomb[0]["deleted"] is True, body
    status, _, _ = request("GET", port, "/download/empty.txt")
    assert status == 404
    status, body, _ = json_request("DELETE", port, "/files/never-existed.txt")
    assert_json_error(status, body, 404)

    # sync: the hub tells a fresh client what to download
    status, plan, _ = json_request("POST", port, "/sync", {"client_id": laptop, "files": [
        {"path": "mine.txt", "sha256": sha(b"m"), "size": 1, "mtime": 1, "version": {laptop: 1}}]})
    assert status == 200, plan
    assert plan["upload"] == ["mine.txt"], plan
    assert {"docs/a b.bin", "copy.bin", "photos/2026"} <= {e["path"] for e in plan["download"]}, plan
    assert plan["delete"] == [] and plan["conflicts"] == []

    status, body, _ = json_request("GET", port, "/conflicts")
    assert status == 200 and body["conflicts"] == []
    status, body, _ = json_request("GET", port, "/inspect")
    names = {a["name"] for a in body["actors"]}
    assert {"client-registry", "conflict-resolver", "file-store"} <= names, names
    assert server.stop() == 0


HOSTILE = [
    "/etc/passwd", "%2Fetc%2Fpasswd", "../escape.txt", "..%2Fescape.txt", "%2e%2e/escape.txt",
    "%2E%2E%2Fescape.txt", "a/../../escape.txt", "a/%2e%2e/%2e%2e/escape.txt", "nul%00byte.txt",
    "back%5Cslash.txt", "..%5C..%5Cescape.txt", "%", "%zz", "a%2", "", ".", "..", ".syncer/index.db",
    "ctl%01char",
]


def test_bad_input():
    base = workdir("rest-bad")
    server = Server(base, config="max_upload_bytes: 1000\nmax_json_bytes: 100000\n")
    port = server.port
    before = set(os.listdir(base))

    for p in HOSTILE:
        status, body, _ = request("POST", port, "/upload?path=" + p, b"evil")
        assert_json_error(status, body, 400)
        for method, target in (("GET", "/download/"), ("DELETE", "/files/"), ("PUT", "/dirs/")):
            if p in ("", ".", ".."):
                continue  # these name a route, not a path
            status, body, _ = request(method, port, target + p)
            assert status in (400, 404), (method, target + p, status, body)
            assert_json_error(status, body, status)
        status, body, _ = request("POST", port, "/link?path=" + p, json.dumps({"sha256": "a" * 64}))
        assert_json_error(status, body, 400)
    status, body, _ = json_request("POST", port, "/sync", {"files": [{"path": "../x", "version": {}}]})
    assert_json_error(status, body, 400)
    # nothing was written outside the data dir, nor any object stored
    assert set(os.listdir(base)) == before, set(os.listdir(base)) - before
    assert not os.path.exists(os.path.join(os.path.dirname(base), "escape.txt"))
    status, body, _ = json_request("GET", port, "/files?deleted=1")
    assert body["files"] == [], body

    # malformed JSON, wrong types, missing fields
    for target, raw in [("/register", "{not json"), ("/register", "[]"), ("/register", '{"client_name": 5}'),
                        ("/register", "{}"), ("/sync", '{"files": {}}'), ("/sync", '{"files": [{"path": 1}]}'),
                        ("/sync", '{"files": [{"path": "a", "size": "big"}]}'),
                        ("/sync", '{"files": [{"path": "a", "version": {"x": -1}}]}'),
                        ("/link?path=a", '{"size": 1}')]:
        status, body, _ = request("POST", port, target, raw)
        assert_json_error(status, body, 400)
    # bad headers
    for headers in [{"X-Mtime": "yesterday"}, {"X-Version": "garbage"}, {"X-Client-Id": "bad id!"}]:
        status, body, _ = request("POST", port, "/upload?path=ok.txt", b"x", headers)
        assert_json_error(status, body, 400)
    # size limits -> 413
    status, body, _ = request("POST", port, "/upload?path=big.bin", os.urandom(5000))
    assert_json_error(status, body, 413)
    status, body, _ = request("POST", port, "/sync", json.dumps({"files": [], "pad": "x" * 200000}))
    assert_json_error(status, body, 413)
    # unknown route / wrong method
    status, body, _ = request("GET", port, "/nope")
    assert_json_error(status, body, 404)
    status, body, _ = request("DELETE", port, "/health")
    assert_json_error(status, body, 405)
    # still serving, with nothing stored
    status, body, _ = json_request("GET", port, "/health")
    assert status == 200, "the node stopped serving after bad input"
    status, r, _ = _upload(port, "ok.txt", b"fine", {})
    assert status == 200 and r["sha256"] == sha(b"fine")
    assert server.alive()


def test_api_keys():
    base = workdir("rest-auth")
    server = Server(base, config='api_keys: ["s3cret", "other"]\n')
    port = server.port
    status, body, _ = json_request("GET", port, "/health")
    assert status == 200, "health must not need a key"
    for headers in [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "s3cret"},
                    {"Authorization": "Basic czNjcmV0"}]:
        for method, target, payload in [("POST", "/register", '{"client_name":"x"}'), ("GET", "/files", None),
                                        ("GET", "/inspect", None), ("POST", "/upload?path=a", "x"),
                                        ("GET", "/download/a", None), ("POST", "/sync", '{"files":[]}')]:
            status, body, _ = request(method, port, target, payload, headers)
            assert_json_error(status, body, 401)
    status, body, _ = json_request("POST", port, "/register", {"client_name": "x"},
                                   {"Authorization": "Bearer s3cret"})
    assert status == 200 and body["client_id"]
    status, _, _ = request("GET", port, "/files", headers={"Authorization": "Bearer other"})
    assert status == 200


def test_batches():
    """POST /batch with a plain HTTP client (the wire form documented in
    docs/api.md), then POST /objects; bad batches are 400 and store nothing."""
    base = workdir("rest-batch")
    server = Server(base)
    port = server.port
    _, body, _ = json_request("POST", port, "/register", {"client_name": "laptop"})
    laptop = body["client_id"]
    files = {"notes/a.txt": b"alpha\n", "notes/b.bin": os.urandom(70_000), "empty": b""}
    changes = [{"op": "mkdir", "path": "notes"}]
    changes += [{"op": "upload", "path": p, "sha256": sha(d), "size": len(d), "mtime": 1700000000000000000}
                for p, d in files.items()]
    payload = json.dumps({"changes": changes}).encode() + b"\n" + b"".join(files.values())
    status, body, _ = request("POST", port, "/batch", payload, {"X-Client-Id": laptop})
    assert status == 200, body
    results = json.loads(body)["results"]
    assert [r["status"] for r in results] == [200, 200, 200, 200], results
    assert [r["result"] for r in results] == ["fast_forward"] * 4, results
    assert results[0]["type"] == "dir" and results[2]["sha256"] == sha(files["notes/b.bin"]), results
    for path, data in files.items():
        status, got, _ = request("GET", port, "/download/" + path)
        assert status == 200 and got == data, path

    wanted = [sha(files["notes/a.txt"]), "0" * 64, sha(files["notes/b.bin"])]
    status, got, _ = request("POST", port, "/objects", json.dumps({"sha256": wanted}))
    assert status == 200
    line, rest = got.split(b"\n", 1)
    assert json.loads(line) == {"sizes": [6, None, 70_000]}, line
    assert rest == files["notes/a.txt"] + files["notes/b.bin"]

    before = json_request("GET", port, "/files")[1]["files"]
    for bad in [json.dumps({"changes": changes}).encode(),  # no manifest line end
                payload + b"x",  # longer than the manifest says
                payload[:-1],  # shorter
                json.dumps({"changes": [{"op": "upload", "path": "../escape", "size": 0}]}).encode() + b"\n",
                b'{"changes":[{"op":"move","path":"x"}]}\n']:
        status, body, _ = request("POST", port, "/batch", bad, {"X-Client-Id": laptop})
        assert_json_error(status, body, 400)
    assert json_request("GET", port, "/files")[1]["files"] == before, "a refused batch stores nothing"
    assert os.listdir(os.path.join(server.data_dir, "tmp")) == [], "a refused batch leaves no temp file"
    assert_json_error(*request("POST", port, "/objects", '{"sha256":["nope"]}')[:2], 400)
    assert server.health()
    server.stop()


if __name__ == "__main__":
    run([test_endpoints, test_bad_input, test_api_keys, test_batches])
