"""An unreadable folder or file is a problem, never a deletion (brief §7):
client A runs as `nobody`; a folder and a file of its sync folder become
unreadable to it while it is stopped. When it starts again it must sync
the rest, delete nothing anywhere, and list both paths as problems in
`syncer status` (and count them in inspect); once they are readable
again the problems clear (retried with back-off) and nothing was lost.

Needs root (to run A as another user and to chmod its files); skipped
otherwise."""

import json
import os
import shutil
import subprocess
import sys

import harness
from harness import Client, Server, as_user, chown_tree, json_request, run, wait_converged, wait_until, workdir

USER, GROUP = "nobody", "nogroup"

FILES = {
    "private/s1.txt": "first private file\n",
    "private/s2.txt": "second private file\n",
    "private/s3.txt": "third private file\n",
    "top/readable.txt": "always readable\n",
    "secret.txt": "a file that becomes unreadable\n",
}



def skip_reason():
    return harness.unprivileged_skip_reason(USER, GROUP)

Checks = harness.Checks

def idle(client):
    try:
        return client.inspect()["folder-model"]["info"]["state"] == "idle"
    except Exception:
        return False


def wait_quietly(predicate, timeout, interval=0.2):
    try:
        return wait_until(predicate, timeout, interval=interval)
    except AssertionError:
        return False


def read(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError as e:
        return f"<{e.strerror}>"


def status(client, as_json=True):
    """`syncer status` of `client`, run as the client's user."""
    args = as_user(USER, GROUP) + [harness.SYNCER, "status", "--config", client.config] + (["--json"] if as_json else [])
    r = subprocess.run(args, capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, f"syncer status failed ({r.returncode}): {r.stderr}"
    if not as_json:
        return r.stdout
    try:
        return json.loads(r.stdout)
    except ValueError:
        raise AssertionError(f"syncer status --json printed no JSON: {r.stdout!r}")


def hub_live_paths(server):
    status_code, body, _ = json_request("GET", server.port, "/files")
    assert status_code == 200, body
    return {f["path"] for f in body["files"]}


def problem_for(problems, want):
    """The problem entry for `want` ("private" also matches a path under it)."""
    for p in problems:
        path = p.get("path", "") if isinstance(p, dict) else ""
        if path == want or (want == "private" and path.startswith("private/")):
            return p
    return None


def test_unreadable_is_a_problem_not_a_deletion():
    base = workdir("unreadable")
    os.chmod(base, 0o755)  # mkdtemp makes it 0700: nobody must reach its sync folder
    r = subprocess.run(as_user(USER, GROUP) + ["test", "-x", base], capture_output=True)
    assert r.returncode == 0, f"{USER} cannot traverse {base} (a parent folder is not searchable)"

    server = Server(base)
    a = Client(base, "alpha", server.port, run_as=USER, run_group=GROUP, start=False)
    for rel, text in FILES.items():
        a.write(rel, text)
    chown_tree(a.dir, USER, GROUP)
    a.start()
    b = Client(base, "beta", server.port)
    expected = dict(FILES, **{"private": "DIR", "top": "DIR"})
    wait_converged([a, b], 60, expected)
    assert a.stop() == 0

    os.chmod(a.path("private"), 0)
    os.chmod(a.path("secret.txt"), 0)
    a.start()
    c = Checks()
    c.check(wait_quietly(lambda: idle(a), 30), "alpha did not become idle within 30 s of its restart")

    # A syncs the rest: a fresh edit reaches B.
    a.write("top/new.txt", "made after the restart\n")
    chown_tree(a.path("top/new.txt"), USER, GROUP)
    arrived = wait_quietly(lambda: read(b.path("top/new.txt")) == "made after the restart\n", 30)
    c.check(arrived, "alpha's fresh edit top/new.txt did not reach beta within 30 s")
    wait_quietly(lambda: idle(a) and idle(b), 20)

    for rel, text in FILES.items():
        c.check(read(b.path(rel)) == text, f"beta lost {rel} (now {read(b.path(rel))!r}): an unreadable path "
                                           f"on alpha was turned into a deletion")
    live = hub_live_paths(server)
    gone = sorted(set(FILES) - live)
    c.check(not gone, f"the hub no longer lists {gone} (deleted because alpha could not read them)")

    js = status(a)
    problems = js.get("problems")
    if c.check(isinstance(problems, list), f"syncer status --json has no 'problems' array: {js}"):
        for want in ("private", "secret.txt"):
            p = problem_for(problems, want)
            if c.check(p is not None, f"no problem listed for {want!r}: {problems}"):
                c.check(isinstance(p.get("reason"), str) and p["reason"].strip(),
                        f"the problem of {want!r} has no reason: {p}")
                c.check("since" in p and p["since"], f"the problem of {want!r} has no 'since': {p}")
    human = status(a, as_json=False)
    for want in ("private", "secret.txt"):
        c.check(want in human, f"`syncer status` does not mention the problem path {want!r}:\n{human}")
    try:
        counters = a.inspect()["folder-model"]["counters"]
        c.check(counters.get("problems", 0) >= 1,
                f"inspect's folder-model counters show no problems: {counters}")
    except Exception as e:  # noqa: BLE001 - report, go on
        c.check(False, f"GET /inspect on alpha failed: {e}")

    # Readable again: the problems clear on their own, nothing was lost.
    os.chmod(a.path("private"), 0o755)
    os.chmod(a.path("secret.txt"), 0o644)
    if isinstance(problems, list):
        cleared = wait_quietly(lambda: status(a).get("problems") == [], 60, interval=1)
        c.check(cleared, f"the problems did not clear within 60 s of the chmod back: {status(a).get('problems')}")
    final = dict(expected, **{"top/new.txt": "made after the restart\n"})
    try:
        wait_converged([a, b], 60, final)
    except AssertionError as e:
        c.check(False, f"after the chmod back the folders do not hold every file: {e}")
    live = hub_live_paths(server)
    c.check(set(FILES) <= live, f"the hub lost {sorted(set(FILES) - live)}")
    c.check(a.alive() and b.alive(), "a client died")
    c.done("--- log of alpha:\n" + a.tail(20))


if __name__ == "__main__":
    why = skip_reason()
    if why:
        print(f"skipped: {why}")
        sys.exit(0)
    run([test_unreadable_is_a_problem_not_a_deletion])
