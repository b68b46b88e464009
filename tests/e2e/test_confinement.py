"""Confinement (brief §4, §9): a hostile peer must not make any client
write outside its sync folder.

- hostile client names are refused at POST /register (400 + JSON error);
- the reported exploit: a client name with "/../" becomes part of a
  conflict copy's path, which a victim client then writes outside its
  folder;
- a symlinked folder inside a sync root is never written through, and
  what it points at is never uploaded;
- a hostile hub (a Python server speaking the hub's protocol) hands out
  plans and events with crafted paths and sha256s: nothing is written
  outside the victim's folder, and the legit entries of the same plan
  still arrive.

Every check of a scenario is made even when an earlier one failed; the
failure lists all of them."""

import base64
import hashlib
import http.server
import json
import os
import socket
import socketserver
import threading
import time
import urllib.parse

import harness
from harness import Client, Server, json_request, request, run, wait_until, workdir


def sha(data):
    return hashlib.sha256(data if isinstance(data, bytes) else data.encode()).hexdigest()


Checks = harness.Checks

def snapshot(root, exclude=()):
    """{relative path: sha256 | 'DIR' | 'LINK -> target'} of everything
    under `root` (symlinks recorded, never followed), leaving out the
    absolute paths in `exclude` and everything beneath them."""
    exclude = [os.path.abspath(e) for e in exclude]

    def excluded(full):
        return any(full == e or full.startswith(e + os.sep) for e in exclude)

    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        keep = []
        for d in dirnames:
            full = os.path.join(dirpath, d)
            if excluded(full):
                continue
            rel = os.path.relpath(full, root)
            if os.path.islink(full):
                out[rel] = "LINK -> " + os.readlink(full)
            else:
                out[rel] = "DIR"
                keep.append(d)
        dirnames[:] = keep
        for n in filenames:
            full = os.path.join(dirpath, n)
            if excluded(full):
                continue
            rel = os.path.relpath(full, root)
            if os.path.islink(full):
                out[rel] = "LINK -> " + os.readlink(full)
                continue
            try:
                with open(full, "rb") as f:
                    out[rel] = sha(f.read())
            except OSError as e:
                out[rel] = f"unreadable ({e.strerror})"
    return out


def snapshot_diff(before, after):
    lines = []
    for k in sorted(set(before) | set(after)):
        if k not in before:
            lines.append(f"appeared: {k}")
        elif k not in after:
            lines.append(f"vanished: {k}")
        elif before[k] != after[k]:
            lines.append(f"changed:  {k}")
    return lines


def outside_snapshot(base, keep_out):
    """The work dir minus the sync folders, the hub's data dir, and the
    logs and configs the test itself writes at its top (with each config's
    '<config>.state' note, which the client keeps beside its config)."""
    snap = snapshot(base, keep_out)
    return {k: v for k, v in snap.items()
            if not (os.sep not in k and (k.endswith(".log") or k.endswith(".yaml") or k.endswith(".yaml.state")))}


def bad_path(p):
    parts = p.split("/")
    return p.startswith("/") or "\\" in p or ".." in parts or "\x00" in p


def hub_paths(port):
    status, body, _ = json_request("GET", port, "/files?deleted=1")
    assert status == 200, (status, body)
    return [f["path"] for f in body["files"]]


def idle(client):
    try:
        return client.inspect()["folder-model"]["info"]["state"] == "idle"
    except Exception:
        return False


def wait_quietly(predicate, timeout, interval=0.1):
    """wait_until that returns False instead of raising."""
    try:
        return wait_until(predicate, timeout, interval=interval)
    except AssertionError:
        return False


# ------------------------------------------------------------------ (a)

HOSTILE_NAMES = [
    "x/../../../escaped/evil", "..", ".", "a/b", "a\\b", "", "n" * 300, "nul\x00byte", "ctl\x01char",
    "new\nline", "/abs", "../up",
]


def test_hostile_client_names_refused():
    base = workdir("conf-names")
    server = Server(base)
    port = server.port
    before = outside_snapshot(base, [server.data_dir])
    c = Checks()
    for name in HOSTILE_NAMES:
        status, body, _ = request("POST", port, "/register", json.dumps({"client_name": name}),
                                  {"Content-Type": "application/json"})
        try:
            parsed = json.loads(body)
        except ValueError:
            parsed = None
        c.check(status == 400 and isinstance(parsed, dict) and isinstance(parsed.get("error"), str)
                and parsed["error"],
                f"POST /register {{'client_name': {name[:40]!r}{'...' if len(name) > 40 else ''}}} answered "
                f"{status} {body[:120]!r}; wanted 400 with a JSON error")
    c.check(server.health() and server.alive(), "the hub stopped serving after hostile names")
    status, body, _ = json_request("POST", port, "/register", {"client_name": "laptop"})
    c.check(status == 200 and body and body.get("client_id"), f"a normal name no longer registers: {status} {body}")
    status, body, _ = json_request("POST", port, "/register", {"client_name": "my laptop (2) ü"})
    c.check(status == 200 and body and body.get("client_id"),
            f"a name with spaces, parentheses and UTF-8 must still register: {status} {body}")
    diff = snapshot_diff(before, outside_snapshot(base, [server.data_dir]))
    c.check(not diff, f"files appeared outside the hub's data dir: {diff}")
    c.done()


# ------------------------------------------------------------------ (b)

# A name that walks out of the folder a conflict copy is written in: the
# copy of "f.txt" is named "f.sync-conflict-<stamp>-<name>.txt".
EXPLOIT_NAMES = ["x/../../../escaped/evil", "y/../../../escaped/evil2", "..\\..\\escaped\\evil3"]
CONFLICT_PATHS = ["f0.txt", "f1", ".f2", "f3.tar.gz", "d/f4.txt", "d/f5.bin"]


def upload(port, path, data, headers):
    status, body, _ = request("POST", port, "/upload?path=" + urllib.parse.quote(path), data, headers)
    try:
        return status, json.loads(body)
    except ValueError:
        return status, body


def test_hostile_name_conflict_copy_exploit():
    base = workdir("conf-exploit")
    server = Server(base)
    port = server.port
    c = Checks()

    loser_id, loser_name = None, None
    for name in EXPLOIT_NAMES + ["mallory"]:
        status, body, _ = json_request("POST", port, "/register", {"client_name": name})
        if status == 200:
            loser_id, loser_name = body["client_id"], name
            break
    assert loser_id, "not even the name 'mallory' registers"
    status, body, _ = json_request("POST", port, "/register", {"client_name": "winner"})
    assert status == 200, body
    winner_id = body["client_id"]
    print(f"  (the losing uploads come from {loser_name!r})", flush=True)

    old_mtime = 1_000_000_000 * 1_000_000_000  # 2001: loses the conflict
    losers = {}
    for i, path in enumerate(CONFLICT_PATHS):
        losers[path] = f"loser's version {i} of {path}\n".encode()
        status, r = upload(port, path, losers[path], {"X-Client-Id": loser_id, "X-Mtime": str(old_mtime)})
        assert status == 200, (path, status, r)
    for i, path in enumerate(CONFLICT_PATHS):
        data = f"winner's version {i} of {path}\n".encode()
        status, r = upload(port, path, data, {"X-Client-Id": winner_id, "X-Mtime": str(time.time_ns()),
                                              "X-Version": f"{winner_id}:1"})
        assert status == 200 and r.get("result") == "conflict", (path, status, r)

    listed = hub_paths(port)
    bad = [p for p in listed if bad_path(p)]
    c.check(not bad, f"GET /files lists paths with '..', a leading '/' or a backslash: {bad}")

    # The victim's folder is two levels below the work dir, so a copy path
    # climbing three levels lands in the work dir (where we look).
    victim_dir = os.path.join(base, "level1", "level2")
    os.makedirs(victim_dir)
    keep_out = [server.data_dir, victim_dir]
    before = outside_snapshot(base, keep_out)
    victim = Client(base, "victim", port, sync_dir=victim_dir)

    winners = {p: f"winner's version {i} of {p}\n" for i, p in enumerate(CONFLICT_PATHS)}

    def has_winners():
        t = harness.tree(victim.dir)
        return all(t.get(p) == sha(v) for p, v in winners.items())

    c.check(wait_quietly(has_winners, 30), "the victim did not receive the winning versions within 30 s")
    wait_quietly(lambda: idle(victim), 20)
    time.sleep(0.5)  # a last download batch in flight shows in the next snapshot, not after the test

    after = outside_snapshot(base, keep_out)
    diff = snapshot_diff(before, after)
    c.check(not diff, "the victim wrote outside its sync folder:\n      " + "\n      ".join(diff[:20]))
    c.check(victim.alive(), "the victim client died:\n" + victim.tail())
    listed = hub_paths(port)
    bad = [p for p in listed if bad_path(p)]
    c.check(not bad, f"GET /files (after the victim synced) lists bad paths: {bad}")
    # Never lose the loser: each one's bytes are kept inside the folder.
    inside = set(harness.tree(victim.dir).values())
    lost = [p for p, data in losers.items() if sha(data) not in inside]
    c.check(not lost, f"the losing versions of {lost} are not inside the victim's folder (as conflict copies)")
    c.done("--- victim log:\n" + victim.tail(20))


# ------------------------------------------------------------------ (c)

def test_symlinked_folder_not_followed():
    base = workdir("conf-symlink")
    server = Server(base)
    port = server.port
    c = Checks()

    outside = os.path.join(base, "outside")
    os.makedirs(outside)
    with open(os.path.join(outside, "secret.txt"), "w") as f:
        f.write("not for syncing\n")
    outside_before = snapshot(outside)

    a = Client(base, "alpha", port)
    b = Client(base, "beta", port, start=False)
    os.symlink(outside, b.path("docs"))
    b.start()
    c.check(wait_quietly(lambda: idle(a) and idle(b), 20), "the clients did not settle at start")

    a.write("docs/evil.txt", "written through the link?\n")
    c.check(wait_quietly(lambda: "docs/evil.txt" in hub_paths(port), 20), "docs/evil.txt never reached the hub")
    a.write("marker.txt", "after docs/evil.txt\n")
    c.check(wait_quietly(lambda: os.path.exists(b.path("marker.txt")), 30),
            "beta did not receive marker.txt (written after docs/evil.txt) within 30 s")
    wait_quietly(lambda: idle(a) and idle(b), 20)

    diff = snapshot_diff(outside_before, snapshot(outside))
    c.check(not diff, f"beta wrote through its 'docs' symlink into the folder it points at: {diff}")
    listed = hub_paths(port)
    c.check("docs/secret.txt" not in listed, "the link target's secret.txt reached the hub")
    c.check(not os.path.exists(a.path("docs/secret.txt")), "the link target's secret.txt reached alpha")
    c.check(os.path.islink(b.path("docs")), "beta's 'docs' symlink was replaced")
    c.check(b.alive(), "beta died:\n" + b.tail())

    # The other way round: a link in alpha's own folder is not followed
    # for uploading, whether it exists at start or appears later.
    outside2 = os.path.join(base, "outside2")
    os.makedirs(os.path.join(outside2, "sub"))
    for rel in ("one.txt", "sub/two.txt"):
        with open(os.path.join(outside2, rel), "w") as f:
            f.write(f"outside2 {rel}\n")
    os.symlink(outside2, a.path("link"))
    os.symlink(os.path.join(outside2, "one.txt"), a.path("file-link.txt"))
    a.write("marker2.txt", "after the links\n")
    c.check(wait_quietly(lambda: os.path.exists(b.path("marker2.txt")), 30), "beta did not receive marker2.txt")
    a.stop()
    a.start()  # a full scan with the links in place
    wait_quietly(lambda: idle(a) and idle(b), 20)
    listed = hub_paths(port)
    leaked = [p for p in listed if p == "link" or p.startswith("link/") or p == "file-link.txt"]
    c.check(not leaked, f"alpha uploaded what its symlinks point at: {leaked}")
    c.check(not os.path.exists(b.path("link/one.txt")) and not os.path.exists(b.path("link/sub/two.txt")),
            "beta received files from behind alpha's symlink")
    c.check(a.alive() and b.alive(), "a client died")
    c.done("--- beta log:\n" + b.tail(15))


# ------------------------------------------------------------------ (d)

WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def entry(path, content=None, sha256=None, size=None, is_dir=False, seq=1):
    """A file entry as the hub writes it (net/json/writer.cpp append_entry_fields)."""
    data = content if content is not None else b""
    return {"path": path, "sha256": "" if is_dir else (sha256 if sha256 is not None else sha(data)),
            "size": 0 if is_dir else (size if size is not None else len(data)),
            "mtime": 1_700_000_000_000_000_000, "version": {"hostilehub": seq}, "deleted": False,
            "type": "dir" if is_dir else "file", "origin": "hostilehub", "sequence": seq}


class HostileHub:
    """Impersonates the hub: GET /health, POST /register, POST /sync (the
    plan below, every time), POST /objects, GET /download/<path>, POST
    /batch and /upload (echoed as accepted), GET /files, and the
    WebSocket /ws/<id> (accepted; sends one batch of events, answers
    pings, then holds)."""

    def __init__(self, plan_entries, events, contents_by_sha, contents_by_path):
        self.plan_entries = plan_entries
        self.events = events
        self.by_sha = contents_by_sha
        self.by_path = contents_by_path
        self.lock = threading.Lock()
        self.hits = {}
        self.stopping = False
        hub = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def count(self, what):
                with hub.lock:
                    hub.hits[what] = hub.hits.get(what, 0) + 1

            def body(self):
                n = int(self.headers.get("Content-Length") or 0)
                return self.rfile.read(n) if n else b""

            def reply(self, status, data, content_type="application/json", extra=None):
                if not isinstance(data, bytes):
                    data = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                for k, v in (extra or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                url = urllib.parse.urlsplit(self.path)
                if url.path == "/health":
                    self.count("health")
                    return self.reply(200, {"status": "ok", "version": "hostile"})
                if url.path.startswith("/ws/"):
                    self.count("ws")
                    return self.websocket()
                if url.path.startswith("/download/"):
                    self.count("download")
                    path = urllib.parse.unquote(url.path[len("/download/"):])
                    data = hub.by_path.get(path)
                    if data is None:
                        return self.reply(404, {"error": "unknown"})
                    return self.reply(200, data, "application/octet-stream", {"ETag": '"' + sha(data) + '"'})
                if url.path == "/files":
                    return self.reply(200, {"files": hub.plan_entries})
                self.count("other " + url.path)
                return self.reply(404, {"error": "not here"})

            def do_POST(self):
                url = urllib.parse.urlsplit(self.path)
                data = self.body()
                if url.path == "/register":
                    self.count("register")
                    return self.reply(200, {"client_id": "victim1"})
                if url.path == "/sync":
                    self.count("sync")
                    return self.reply(200, {"upload": [], "download": hub.plan_entries, "delete": [],
                                            "conflicts": [], "hub_id": "hostilehub", "sequence": 1,
                                            "incremental": False})
                if url.path == "/objects":
                    self.count("objects")
                    wanted = json.loads(data)["sha256"]
                    found = [hub.by_sha.get(s) for s in wanted]
                    head = json.dumps({"sizes": [len(x) if x is not None else None for x in found]}).encode()
                    return self.reply(200, head + b"\n" + b"".join(x for x in found if x is not None),
                                      "application/octet-stream")
                if url.path == "/batch":
                    self.count("batch")
                    manifest = json.loads(data.split(b"\n", 1)[0])
                    results = []
                    for ch in manifest["changes"]:
                        r = {k: ch.get(k) for k in ("path", "sha256", "size", "mtime", "version", "deleted",
                                                    "type", "origin")}
                        r.update(status=200, result="fast_forward", sequence=2, conflict_copy=None)
                        results.append(r)
                    return self.reply(200, {"results": results})
                if url.path == "/upload":
                    self.count("upload")
                    path = urllib.parse.parse_qs(url.query).get("path", [""])[0]
                    return self.reply(200, {"path": path, "sha256": sha(data), "size": len(data),
                                            "mtime": int(self.headers.get("X-Mtime") or 1),
                                            "version": {"victim1": 1}, "deleted": False, "type": "file",
                                            "origin": "victim1", "sequence": 2, "result": "fast_forward",
                                            "conflict_copy": None})
                self.count("other " + url.path)
                return self.reply(404, {"error": "not here"})

            def do_PUT(self):
                self.body()
                self.count("other PUT")
                return self.reply(404, {"error": "not here"})

            def do_DELETE(self):
                self.count("other DELETE")
                return self.reply(404, {"error": "not here"})

            def websocket(self):
                key = self.headers.get("Sec-WebSocket-Key", "")
                accept = base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest()).decode()
                self.close_connection = True
                self.wfile.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                                  f"Connection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n").encode())
                self.wfile.flush()
                sock = self.connection

                def send(opcode, payload):
                    n = len(payload)
                    head = bytes([0x80 | opcode])
                    if n < 126:
                        head += bytes([n])
                    elif n < 65536:
                        head += bytes([126]) + n.to_bytes(2, "big")
                    else:
                        head += bytes([127]) + n.to_bytes(8, "big")
                    sock.sendall(head + payload)

                if hub.events:
                    send(0x1, json.dumps({"type": "batch", "events": hub.events}).encode())
                sock.settimeout(0.2)
                buf = b""
                while not hub.stopping:
                    try:
                        chunk = sock.recv(65536)
                    except socket.timeout:
                        continue
                    except OSError:
                        return
                    if not chunk:
                        return
                    buf += chunk
                    while len(buf) >= 2:
                        opcode, n = buf[0] & 0x0F, buf[1] & 0x7F
                        at = 2
                        if n == 126:
                            if len(buf) < 4:
                                break
                            n, at = int.from_bytes(buf[2:4], "big"), 4
                        elif n == 127:
                            if len(buf) < 10:
                                break
                            n, at = int.from_bytes(buf[2:10], "big"), 10
                        masked = buf[1] & 0x80
                        if len(buf) < at + (4 if masked else 0) + n:
                            break
                        mask = buf[at:at + 4] if masked else b"\0\0\0\0"
                        at += 4 if masked else 0
                        payload = bytes(b ^ mask[i % 4] for i, b in enumerate(buf[at:at + n]))
                        buf = buf[at + n:]
                        if opcode == 0x9:
                            send(0xA, payload)
                        elif opcode == 0x8:
                            send(0x8, payload[:2])
                            return
                        elif opcode == 0x1 and b'"ping"' in payload:
                            send(0x1, b'{"type":"pong"}')

        class ThreadingServer(socketserver.ThreadingMixIn, http.server.HTTPServer):
            daemon_threads = True
            allow_reuse_address = True

        self.server = ThreadingServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
        self.thread.start()

    def count(self, what):
        with self.lock:
            return self.hits.get(what, 0)

    def stop(self):
        self.stopping = True
        self.server.shutdown()
        self.server.server_close()


def test_hostile_hub():
    base = workdir("conf-hostile-hub")
    abs_target = workdir("conf-abs-target")  # an absolute path outside the work dir
    c = Checks()

    outside_docs = os.path.join(base, "outside-docs")
    os.makedirs(outside_docs)
    with open(os.path.join(outside_docs, "keep.txt"), "w") as f:
        f.write("the link target's own file\n")
    sha_target = os.path.join(base, "outside-sha")
    os.makedirs(sha_target)
    with open(os.path.join(sha_target, "victim0.part"), "w") as f:
        f.write("precious: a crafted sha256 must not truncate or remove me\n")
    with open(os.path.join(abs_target, "keep.txt"), "w") as f:
        f.write("unrelated\n")

    victim_dir = os.path.join(base, "victim")
    up = "../" * 16  # from <victim>/.syncer/tmp: past the root of the file system, then down
    plan, by_sha, by_path = [], {}, {}

    def add(path, content, **kw):
        e = entry(path, content, **kw)
        plan.append(e)
        if content is not None:
            by_path[path] = content
            if e["sha256"]:
                by_sha[e["sha256"]] = content
        return e

    legit = {"good/ok.txt": b"legit content\n", "good/two.txt": b"a second legit file\n",
             "good/sub/three.txt": b"and a third\n"}
    add("good", None, is_dir=True)
    for p, data in legit.items():
        add(p, data)
    crafted_paths = ["../escape1.txt", abs_target + "/abs.txt", "a/../../escape2.txt", "ok/../../escape3.txt",
                     "docs/planted.txt", "back\\slash.txt", "..\\..\\escape4.txt", "nul\x00byte.txt",
                     "x/../.syncer/planted.txt", "./../escape5.txt", "good/../../escape6.txt"]
    for i, p in enumerate(crafted_paths):
        add(p, f"crafted {i}: {p}\n".encode())
    add("crafted/dotdot-sha.txt", b"evil!", sha256="../../../../tmp/x", size=5)
    # size 0 goes to .syncer/tmp/<sha256>.part: a sha256 that climbs out
    # would truncate (then remove) a file elsewhere.
    add("crafted/empty-sha.txt", b"", sha256=up + sha_target.lstrip("/") + "/victim0", size=0)
    add("crafted/short-sha.txt", b"short", sha256="abc123", size=5)
    add("crafted/upper-sha.txt", b"upper", sha256="A" * 64, size=5)
    add("crafted/slash-sha.txt", b"slash", sha256=up + sha_target.lstrip("/") + "/victim1", size=5)
    by_sha.update({"../../../../tmp/x": b"evil!", "abc123": b"short", "A" * 64: b"upper",
                   up + sha_target.lstrip("/") + "/victim1": b"slash"})
    # Events go through their own parser: crafted there too.
    event_contents = {"docs/planted-by-event.txt": b"event through the link\n",
                      "../escape-event.txt": b"event escape\n", "good/event-ok.txt": b"legit event file\n"}
    events = []
    for p, data in event_contents.items():
        e = entry(p, data, seq=5)
        ev = {k: v for k, v in e.items() if k != "type"}
        ev.update(type="file_changed", is_dir=False)
        events.append(ev)
        by_sha[e["sha256"]] = data
        by_path[p] = data

    hub = HostileHub(plan, events, by_sha, by_path)
    try:
        victim = Client(base, "victim", hub.port, sync_dir=victim_dir, start=False)
        os.symlink(outside_docs, os.path.join(victim_dir, "docs"))
        keep_out = [victim_dir]
        before = outside_snapshot(base, keep_out)
        abs_before = snapshot(abs_target)
        victim.start()

        def legit_arrived():
            t = harness.tree(victim.dir)
            return all(t.get(p) == sha(d) for p, d in legit.items())

        arrived = wait_quietly(lambda: hub.count("sync") >= 2 and legit_arrived(), 15)
        if arrived:
            wait_quietly(lambda: idle(victim), 5)
        time.sleep(0.5)  # a write still in flight lands before we look

        diff = snapshot_diff(before, outside_snapshot(base, keep_out))
        c.check(not diff, "the victim wrote (or removed) outside its sync folder:\n      " +
                "\n      ".join(diff[:20]))
        abs_diff = snapshot_diff(abs_before, snapshot(abs_target))
        c.check(not abs_diff, f"the victim wrote into {abs_target} (an absolute path of the plan): {abs_diff}")
        for p in ("tmp/x", "tmp/x.part"):
            c.check(not os.path.exists("/" + p), f"/{p} exists (a crafted sha256 as a temp file name?)")
        c.check(victim.alive(), "the victim client died:\n" + victim.tail())
        c.check(hub.count("sync") >= 1, f"the victim never asked for a plan (hits: {hub.hits})")
        c.check(legit_arrived(), "the legit entries of the same plan did not arrive: the client must skip the bad "
                                 f"entries and go on (victim tree: {sorted(harness.tree(victim.dir))})")
        inside = harness.tree(victim.dir)
        weird = [p for p in inside if "\\" in p or p.startswith(abs_target.lstrip("/").split("/")[0] + "/")]
        c.check(not weird, f"crafted paths were reinterpreted inside the folder: {weird}")
        c.check(not os.path.exists(os.path.join(victim_dir, ".syncer", "planted.txt")),
                "a crafted path wrote into the client's own .syncer/ state folder")
        c.check(os.path.islink(os.path.join(victim_dir, "docs")), "the victim's 'docs' symlink was replaced")
        c.done(f"hub hits: {hub.hits}\n--- victim log:\n" + victim.tail(25))
    finally:
        for p in list(harness._processes):
            if p.proc is not None and p.proc.poll() is None:
                p.kill()
        hub.stop()


if __name__ == "__main__":
    run([test_hostile_client_names_refused, test_hostile_name_conflict_copy_exploit,
         test_symlinked_folder_not_followed, test_hostile_hub])
