"""Names the hub cannot take are problems, not retry loops (BRIEF §4, §7).

alpha's folder holds 300 good files plus files whose names the hub
refuses: one that is not valid UTF-8 (b"bad\\xff name.txt"), one with a
control character ("ctl\\x01.txt"), one with a backslash
("back\\\\slash.txt"), and a not-UTF-8 folder name holding a file. Then:
- every good file reaches beta and the hub, with its content;
- no bad name reaches the hub or beta;
- alpha's `syncer status --json` lists each bad one as a problem (the
  not-UTF-8 one with a reason mentioning UTF-8), inspect counts them;
- once converged, alpha is idle: its CPU time (utime+stime) over 10 s
  stays under 0.3 s (no retry loop), and so does the hub's;
- a good file written afterwards still syncs (the folder is not stalled),
  and the bad files are still on alpha's disk, untouched."""

import hashlib
import json
import os
import time

import harness
from harness import Client, Server, cpu_seconds, json_request, run, status_bytes, status_json, wait_until, \
    workdir

GOOD = {f"good/g{i // 100}/file {i:03d}.txt": f"good file {i}\n" * (1 + i % 7) for i in range(300)}
# (name as bytes, how a problem's path starts, how it ends, what its reason
# must mention or None). The client may render undecodable bytes as it
# likes (escapes, U+FFFD, percent-encoding); the start and end are plain.
BAD = [
    (b"bad\xff name.txt", "bad", " name.txt", "utf"),
    (b"ctl\x01.txt", "ctl", ".txt", None),
    (b"back\\slash.txt", "back", "slash.txt", None),
    (b"dir\xfe/inside.txt", "dir", ("/inside.txt", ""), "utf"),  # the folder itself may be the problem
]
CPU_LIMIT = 0.3


def sha(data):
    return hashlib.sha256(data if isinstance(data, bytes) else data.encode()).hexdigest()


def expected_tree(files):
    """{path: sha256 | 'DIR'} of `files` ({path: text}) and their folders."""
    out = {k: sha(v) for k, v in files.items()}
    for rel in files:
        d = os.path.dirname(rel)
        while d:
            out[d] = "DIR"
            d = os.path.dirname(d)
    return out


def quietly(predicate, timeout, interval=0.2):
    try:
        return wait_until(predicate, timeout, interval=interval)
    except AssertionError:
        return False


Checks = harness.Checks

def matches(problem_path, start, end):
    if not isinstance(problem_path, str) or problem_path.startswith("good"):
        return False
    ends = end if isinstance(end, tuple) else (end,)
    return problem_path.startswith(start) and any(problem_path.endswith(e) for e in ends)


def good_tree(tree_):
    return {k: v for k, v in tree_.items() if k.startswith("good")}


def test_bad_names_are_problems_not_loops():
    base = workdir("bad-names")
    server = Server(base)
    a = Client(base, "alpha", server.port, start=False)
    for rel, text in GOOD.items():
        a.write(rel, text)
    root = os.fsencode(a.dir)
    for name, _, _, _ in BAD:
        full = root + b"/" + name
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "wb") as f:
            f.write(b"content of a file with a name the hub refuses: " + name + b"\n")
    a.start()
    b = Client(base, "beta", server.port)
    c = Checks()

    want = expected_tree(GOOD)
    try:
        wait_until(lambda: good_tree(harness.tree(b.dir)) == want, 90, interval=0.2,
                   what="every good file on beta")
    except AssertionError as e:
        c.check(False, f"not every good file reached beta within 90 s: {e}")
    # beta holds nothing else; the hub holds every good file and no bad one.
    bt = harness.tree(b.dir)
    extra = sorted(k for k in bt if not k.startswith("good"))
    c.check(not extra, f"beta holds paths alpha's hub should have refused: {extra!r}")
    status, body, _ = json_request("GET", server.port, "/files")
    if c.check(status == 200, f"GET /files answered {status}"):
        listed = {f["path"]: f for f in body["files"]}
        missing = sorted(p for p, text in GOOD.items() if listed.get(p, {}).get("sha256") != sha(text))
        c.check(not missing, f"the hub lacks {len(missing)} good files: {missing[:5]}")
        odd = sorted(p for p in listed if not p.startswith("good"))
        c.check(not odd, f"the hub lists paths it should have refused: {odd!r}")

    def inspect(cl):
        """GET /inspect, parsed even if it holds bytes that are not UTF-8
        (checked separately)."""
        code, raw, _ = harness.request("GET", cl.admin_port(), "/inspect", timeout=5)
        assert code == 200, raw
        return {x["name"]: x for x in json.loads(raw.decode(errors="replace"))["actors"]}

    def idle(cl):
        try:
            return inspect(cl)["folder-model"]["info"]["state"] == "idle"
        except Exception:  # noqa: BLE001
            return False

    c.check(quietly(lambda: idle(a) and idle(b), 30), "alpha and beta did not both become idle")

    # Each bad name is a problem with a reason; the JSON status prints
    # stays valid UTF-8 (JSON text must be, RFC 8259), whatever bytes the
    # names hold: undecodable bytes are to be escaped or replaced.
    raw = status_bytes(a.config)
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as e:
        c.check(False, f"`syncer status --json` printed bytes that are not UTF-8 ({e}): "
                       f"{raw[max(0, e.start - 40):e.end + 20]!r}")
    js = status_json(a.config)
    problems = js.get("problems")
    if c.check(isinstance(problems, list), f"syncer status --json has no 'problems' list: {js}"):
        for name, start, end, must in BAD:
            hit = [p for p in problems if isinstance(p, dict) and matches(p.get("path"), start, end)]
            if not c.check(hit, f"no problem listed for {name!r}: {problems}"):
                continue
            p = hit[0]
            reason = str(p.get("reason", ""))
            c.check(reason.strip(), f"the problem for {name!r} has no reason: {p}")
            if must == "utf":
                c.check("utf-8" in reason.lower() or "utf8" in reason.lower(),
                        f"the reason for {name!r} does not mention UTF-8: {reason!r}")
            c.check(all(k in p for k in ("path", "reason", "since", "since_ns", "attempts")),
                    f"a problem lacks one of path/reason/since/since_ns/attempts: {p}")
        c.check(not any(isinstance(p, dict) and str(p.get("path", "")).startswith("good") for p in problems),
                f"good files are listed as problems: {[p for p in problems if str(p.get('path', '')).startswith('good')][:3]}")
    raw = harness.request("GET", a.admin_port(), "/inspect", timeout=5)[1]
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as e:
        c.check(False, f"alpha's GET /inspect answered bytes that are not UTF-8 ({e}): "
                       f"{raw[max(0, e.start - 40):e.end + 20]!r}")
    try:
        counters = inspect(a)["folder-model"]["counters"]
        c.check(counters.get("problems", 0) >= len(BAD) - 1,
                f"inspect's folder-model counts {counters.get('problems')} problems, want >= {len(BAD) - 1}")
    except Exception as e:  # noqa: BLE001
        c.check(False, f"GET /inspect on alpha failed: {e}")

    # Idle: no retry loop on the client (nor on the hub it would talk to).
    time.sleep(2)
    a0, h0 = cpu_seconds(a.pid), cpu_seconds(server.pid)
    t0 = time.monotonic()
    time.sleep(10)
    a1, h1 = cpu_seconds(a.pid), cpu_seconds(server.pid)
    spent = time.monotonic() - t0
    if c.check(None not in (a0, a1, h0, h1), "alpha or the hub exited"):
        print(f"CPU over {spent:.1f} s after converging: alpha {a1 - a0:.2f} s, hub {h1 - h0:.2f} s", flush=True)
        c.check(a1 - a0 < CPU_LIMIT, f"alpha used {a1 - a0:.2f} s of CPU in {spent:.1f} s after converging "
                                     f"(limit {CPU_LIMIT} s): a retry loop?")
        c.check(h1 - h0 < CPU_LIMIT, f"the hub used {h1 - h0:.2f} s of CPU in {spent:.1f} s while the clients "
                                     f"should be idle (limit {CPU_LIMIT} s)")
    try:
        if isinstance(problems, list) and problems:
            later = status_json(a.config).get("problems", [])
            att0 = max((p.get("attempts", 0) for p in problems if isinstance(p, dict)), default=0)
            att1 = max((p.get("attempts", 0) for p in later if isinstance(p, dict)), default=0)
            c.check(att1 - att0 <= 6, f"problem attempts went from {att0} to {att1} in ~12 s: no back-off?")
    except AssertionError as e:
        c.check(False, str(e))

    # The folder is not stalled: a new good file still syncs.
    a.write("good/after.txt", "written after the bad names\n")
    c.check(quietly(lambda: os.path.exists(b.path("good/after.txt")), 30),
            "a good file written afterwards did not reach beta within 30 s")
    # The bad files are still on alpha, untouched.
    for name, _, _, _ in BAD:
        full = root + b"/" + name
        try:
            with open(full, "rb") as f:
                c.check(f.read() == b"content of a file with a name the hub refuses: " + name + b"\n",
                        f"alpha's {name!r} was changed")
        except OSError as e:
            c.check(False, f"alpha's {name!r} is gone: {e}")
    c.check(a.alive() and b.alive() and server.alive(), "a process died")
    c.done("--- log of alpha:\n" + a.tail(20))


if __name__ == "__main__":
    run([test_bad_names_are_problems_not_loops])
