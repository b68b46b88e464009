"""Storage faults (BRIEF §6, §7): a full disk is a problem, never a loss.

(a) The hub's data dir on an 8 MiB tmpfs: alpha writes more than fits.
    The hub answers an upload it cannot store with 507 and a JSON error,
    stays healthy, keeps serving GET /files and downloads (every file it
    lists downloads whole, with its sha256: nothing half-done), and
    alpha's `syncer status --json` lists problems (reason mentions "full"
    or "507"). Once the tmpfs is remounted bigger, both clients converge
    to alpha's whole tree by themselves (back-off caps at 60 s) and the
    problems clear.
(b) beta's sync folder on an 8 MiB tmpfs: alpha writes more than fits
    there. beta lists problems (its own disk full), keeps running, and
    nothing is deleted anywhere; remounted bigger, everything converges.
(c) The hub's meta.db (+ -wal/-shm) replaced by an older copy while the
    clients hold newer files: every client (and a new one) converges and
    nothing any client had is lost (files created or edited after the
    copy come back to the hub and to every client, with their content);
    changes made after the rollback reach a client that was offline
    meanwhile (its sync point is from before the rollback).

Needs root and `mount -t tmpfs` for (a) and (b); (c) runs anywhere."""

import glob
import hashlib
import http.client
import json
import os
import shutil
import sys
import time
import urllib.parse

import harness
from harness import Client, Server, Tmpfs, json_request, request, run, status_json, wait_converged, wait_until, \
    workdir

MIB = 1 << 20


def sha(data):
    return hashlib.sha256(data).hexdigest()


Checks = harness.Checks

def quietly(predicate, timeout, interval=0.2):
    try:
        return wait_until(predicate, timeout, interval=interval)
    except AssertionError:
        return False


def problems_of(client):
    try:
        p = status_json(client.config).get("problems")
    except AssertionError:
        return None
    return p if isinstance(p, list) else None


def full_problems(problems):
    """The problems whose reason says the disk is full (or names 507)."""
    out = []
    for p in problems or []:
        reason = str(p.get("reason", "")).lower() if isinstance(p, dict) else ""
        if "full" in reason or "507" in reason or "space" in reason:
            out.append(p)
    return out


def upload_raw(port, path, data, timeout=60):
    """POST /upload?path=P with `data`; a hub that answers before reading
    the whole body (and closes) is fine: the answer is read anyway.
    Returns (status, body bytes); status 0 if no answer came."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        try:
            conn.request("POST", "/upload?path=" + path, body=data)
        except (BrokenPipeError, ConnectionResetError):
            pass
        try:
            res = conn.getresponse()
            return res.status, res.read()
        except (http.client.HTTPException, ConnectionError, OSError) as e:
            return 0, repr(e).encode()
    finally:
        conn.close()


def hub_files(server):
    """{path: entry} of GET /files (following its paging, if any)."""
    out, target = {}, "/files"
    for _ in range(1000):
        status, body, _ = json_request("GET", server.port, target)
        assert status == 200, f"GET {target} answered {status}: {body}"
        for f in body["files"]:
            out[f["path"]] = f
        after = body.get("next") or body.get("next_after")
        if not after or not body["files"]:
            break
        target = "/files?after=" + urllib.parse.quote(str(after), safe="")
    return out


def check_hub_serves_whole_files(c, server, contents, when):
    """GET /files answers, and every file it lists downloads whole with the
    sha256 it lists (and, if the test wrote it, the content written)."""
    try:
        listed = hub_files(server)
    except Exception as e:  # noqa: BLE001 - report, go on
        c.check(False, f"{when}: GET /files failed: {e}")
        return {}
    for path, entry in sorted(listed.items()):
        if entry.get("type") == "dir" or entry.get("sha256") in (None, ""):
            continue
        status, got, _ = request("GET", server.port, "/download/" + urllib.parse.quote(path), timeout=30)
        if not c.check(status == 200, f"{when}: GET /download/{path} answered {status} for a file GET /files lists"):
            continue
        c.check(sha(got) == entry["sha256"] and len(got) == entry.get("size", len(got)),
                f"{when}: /download/{path} gave {len(got)} bytes (sha256 {sha(got)[:12]}) but /files lists "
                f"size {entry.get('size')} sha256 {entry['sha256'][:12]}: a half-done entry")
        if path in contents:
            c.check(got == contents[path], f"{when}: the hub serves {path} with other content than was written")
    return listed


def write_big_set(a):
    """Six random 2 MiB files and twenty small ones on `a`: {path: bytes}."""
    contents = {}
    for i in range(20):
        contents[f"small/s{i:02d}.txt"] = f"small file {i}\n".encode() * (i + 1)
    for i in range(6):
        contents[f"big/b{i}.bin"] = os.urandom(2 * MIB)
    for rel, data in contents.items():
        # Whole files only (temp in .syncer/, then rename): the test is about
        # space, not about half-written files.
        tmp = a.path(f".syncer/test-{os.getpid()}.tmp")
        with open(tmp, "wb") as f:
            f.write(data)
        os.makedirs(os.path.dirname(a.path(rel)), exist_ok=True)
        os.rename(tmp, a.path(rel))
    return contents


def expected_tree(contents):
    out = dict(contents)
    for rel in contents:
        d = os.path.dirname(rel)
        while d:
            out[d] = "DIR"
            d = os.path.dirname(d)
    return out


def stop_all(procs):
    for p in procs:
        try:
            if p is not None and p.proc is not None and p.proc.poll() is None:
                p.kill()
        except Exception:  # noqa: BLE001 - best effort
            pass


def test_hub_disk_full():
    base = workdir("hub-full")
    fs = Tmpfs(os.path.join(base, "hubfs"), "8m")
    procs = []
    try:
        server = Server(base, data_dir=os.path.join(fs.path, "data"))
        procs.append(server)
        a = Client(base, "alpha", server.port)
        procs.append(a)
        b = Client(base, "beta", server.port)
        procs.append(b)
        c = Checks()

        contents = write_big_set(a)
        # Full: the hub's tmpfs has (nearly) no room left, or alpha already
        # says so.
        full = quietly(lambda: fs.free_bytes() < 2 * MIB or full_problems(problems_of(a)), 60, interval=0.5)
        c.check(full, f"the hub's 8 MiB tmpfs never filled up ({fs.free_bytes()} bytes free) and alpha lists no "
                      f"disk-full problem: {problems_of(a)}")
        # alpha's status lists the paths the hub could not store.
        got = quietly(lambda: full_problems(problems_of(a)), 30, interval=0.5)
        c.check(got, f"alpha's `syncer status --json` lists no problem whose reason mentions 'full' or '507' "
                     f"while the hub's disk is full: {problems_of(a)}")
        if got:
            for p in got:
                c.check(all(k in p for k in ("path", "reason", "since", "since_ns", "attempts")),
                        f"a problem lacks one of path/reason/since/since_ns/attempts: {p}")
            paths = {p.get("path") for p in got}
            c.check(paths <= set(contents), f"problems name paths alpha never wrote: {paths - set(contents)}")

        # A direct upload bigger than what is left: 507 with a JSON error.
        size = max(3 * MIB, fs.free_bytes() + MIB)
        status, body = upload_raw(server.port, "direct/too-big.bin", os.urandom(size))
        if c.check(status == 507, f"POST /upload of {size} bytes on a full disk answered {status}: {body[:200]!r} "
                                  f"(want 507)"):
            try:
                err = json.loads(body)
                c.check(isinstance(err, dict) and isinstance(err.get("error"), str) and err["error"],
                        f"the 507 body has no JSON 'error': {body[:200]!r}")
            except ValueError:
                c.check(False, f"the 507 body is not JSON: {body[:200]!r}")

        # The hub stays healthy and serves what it has, whole.
        c.check(server.alive() and server.health(), "the hub is not healthy on a full disk")
        listed = check_hub_serves_whole_files(c, server, contents, "disk full")
        c.check("direct/too-big.bin" not in listed, "the refused upload is listed by GET /files")
        c.check(a.alive() and b.alive(), "a client died while the hub's disk was full")

        # Space is back: everything converges by itself, problems clear.
        fs.resize("64m")
        want = expected_tree(contents)
        try:
            wait_converged([a, b], 90, want)
        except AssertionError as e:
            c.check(False, f"within 90 s of the remount the clients did not converge to alpha's tree: {e}")
        c.check(quietly(lambda: problems_of(a) == [], 30, interval=0.5),
                f"alpha's problems did not clear after the remount: {problems_of(a)}")
        c.check(problems_of(b) == [], f"beta lists problems: {problems_of(b)}")
        listed = check_hub_serves_whole_files(c, server, contents, "after the remount")
        c.check(set(contents) <= set(listed), f"the hub lacks {sorted(set(contents) - set(listed))[:5]}")
        c.check(not os.listdir(os.path.join(server.data_dir, "tmp")),
                f"leftover temp files in the hub's tmp/: {os.listdir(os.path.join(server.data_dir, 'tmp'))}")
        c.check(server.alive(), "the hub died")
        c.done("--- log of alpha:\n" + a.tail(15) + "\n--- log of the hub:\n" + server.tail(15))
    finally:
        stop_all(procs)
        fs.unmount()


def test_client_disk_full():
    base = workdir("client-full")
    fs = Tmpfs(os.path.join(base, "betafs"), "8m")
    procs = []
    try:
        server = Server(base)
        procs.append(server)
        a = Client(base, "alpha", server.port)
        procs.append(a)
        b = Client(base, "beta", server.port, sync_dir=fs.path)
        procs.append(b)
        c = Checks()

        contents = write_big_set(a)
        # Everything reaches the hub (its disk is big).
        c.check(quietly(lambda: set(contents) <= set(hub_files(server)), 60, interval=0.5),
                "alpha's files did not all reach the hub within 60 s")
        got = quietly(lambda: full_problems(problems_of(b)), 60, interval=0.5)
        c.check(got, f"beta's `syncer status --json` lists no disk-full problem while its folder is full "
                     f"({fs.free_bytes()} bytes free): {problems_of(b)}")
        if got:
            for p in got:
                c.check(all(k in p for k in ("path", "reason", "since", "since_ns", "attempts")),
                        f"a problem lacks one of path/reason/since/since_ns/attempts: {p}")
        # beta keeps running; nothing is deleted anywhere.
        time.sleep(3)
        c.check(b.alive(), "beta exited on a full disk:\n" + b.tail(10))
        listed = hub_files(server)
        c.check(set(contents) <= set(listed), f"the hub no longer lists {sorted(set(contents) - set(listed))[:5]}")
        have = harness.tree(a.dir)
        lost = [rel for rel, data in contents.items() if have.get(rel) != sha(data)]
        c.check(not lost, f"alpha lost {lost[:5]} while beta's disk was full")
        # What beta holds is whole (no half-written file published).
        for rel, digest in harness.tree(b.dir).items():
            if digest != "DIR" and rel in contents:
                c.check(digest == sha(contents[rel]), f"beta holds a partial {rel}")
        check_hub_serves_whole_files(c, server, contents, "beta full")

        fs.resize("64m")
        try:
            wait_converged([a, b], 90, expected_tree(contents))
        except AssertionError as e:
            c.check(False, f"within 90 s of the remount the clients did not converge: {e}")
        c.check(quietly(lambda: problems_of(b) == [], 30, interval=0.5),
                f"beta's problems did not clear after the remount: {problems_of(b)}")
        c.check(a.alive() and b.alive() and server.alive(), "a process died")
        c.done("--- log of beta:\n" + b.tail(15))
    finally:
        stop_all(procs)
        fs.unmount()


def meta_files(data_dir):
    return sorted(glob.glob(os.path.join(data_dir, "meta.db*")))


def test_meta_db_rolled_back():
    base = workdir("meta-rollback")
    server = Server(base)
    port, data_dir = server.port, server.data_dir
    a = Client(base, "alpha", port)
    b = Client(base, "beta", port)
    c = Checks()

    # Before T1: both clients hold these.
    before = {f"early/e{i}.txt": f"early file {i}\n".encode() for i in range(10)}
    before["shared.txt"] = b"shared, first version\n"
    for rel, data in before.items():
        a.write(rel, data)
    wait_converged([a, b], 60, expected_tree(before))

    # T1: a copy of meta.db* while the hub is stopped.
    assert server.stop() == 0, "the hub did not stop cleanly"
    names = meta_files(data_dir)
    assert any(n.endswith("meta.db") for n in names), f"no meta.db in {data_dir}: {os.listdir(data_dir)}"
    saved = os.path.join(base, "meta-T1")
    os.makedirs(saved)
    for n in names:
        shutil.copy2(n, saved)
    server = Server(base, port=port, data_dir=data_dir)

    # After T1: edits and new files on both clients, which sync.
    after = dict(before)
    for i in range(0, 10, 2):
        after[f"early/e{i}.txt"] = f"early file {i}, edited by alpha after T1\n".encode()
        a.write(f"early/e{i}.txt", after[f"early/e{i}.txt"])
    for i in range(10):
        after[f"late/a{i}.txt"] = f"created by alpha after T1: {i}\n".encode()
        a.write(f"late/a{i}.txt", after[f"late/a{i}.txt"])
    wait_converged([a, b], 60, expected_tree(after))
    for i in range(1, 10, 2):
        after[f"early/e{i}.txt"] = f"early file {i}, edited by beta after T1\n".encode()
        b.write(f"early/e{i}.txt", after[f"early/e{i}.txt"])
    for i in range(5):
        after[f"late/b{i}.txt"] = f"created by beta after T1: {i}\n".encode()
        b.write(f"late/b{i}.txt", after[f"late/b{i}.txt"])
    after["shared.txt"] = b"shared, edited by alpha then by beta\n"
    b.write("shared.txt", after["shared.txt"])
    wait_converged([a, b], 60, expected_tree(after))
    # Many recorded changes after T1 (one file edited again and again), so
    # the hub's sequence after the rollback stays well below what the
    # clients saw: a client that asks only for "changes since N" would miss
    # what is recorded after the rollback.
    for i in range(40):
        data = f"churned by alpha, edit {i}\n".encode()
        a.write("churn.txt", data)
        after["churn.txt"] = data
        quietly(lambda: hub_files(server).get("churn.txt", {}).get("sha256") == sha(data), 10, interval=0.05)
    wait_converged([a, b], 60, expected_tree(after))

    # The hub comes back with the older meta.db.
    assert server.stop() == 0, "the hub did not stop cleanly"
    for n in meta_files(data_dir):
        os.remove(n)
    for n in os.listdir(saved):
        shutil.copy2(os.path.join(saved, n), data_dir)
    server = Server(base, port=port, data_dir=data_dir)

    # A third client that joins now gets the whole newest state too.
    g = Client(base, "gamma", port)
    want = expected_tree(after)
    try:
        wait_converged([a, b, g], 90, want)
    except AssertionError as e:
        c.check(False, f"after the rollback of meta.db the clients did not converge to the newest state: {e}")

    # After the rollback: beta offline while alpha changes things; beta
    # comes back and must receive them (its sync point is from before).
    assert b.stop() == 0
    after["early/e0.txt"] = b"early file 0, edited by alpha after the rollback\n"
    a.write("early/e0.txt", after["early/e0.txt"])
    for i in range(5):
        after[f"post/p{i}.txt"] = f"created by alpha after the rollback: {i}\n".encode()
        a.write(f"post/p{i}.txt", after[f"post/p{i}.txt"])
    quietly(lambda: all(hub_files(server).get(r, {}).get("sha256") == sha(after[r])
                        for r in ["early/e0.txt"] + [f"post/p{i}.txt" for i in range(5)]), 30, interval=0.2)
    b.start()
    want = expected_tree(after)
    try:
        wait_converged([a, b, g], 60, want)
    except AssertionError as e:
        c.check(False, f"beta, offline after the rollback, did not receive what alpha changed meanwhile: {e}")
    for cl in (a, b, g):
        have = harness.tree(cl.dir)
        lost = sorted(rel for rel, data in after.items() if have.get(rel) != sha(data))
        c.check(not lost, f"{cl.name} lacks the newest version of {lost[:6]} "
                          f"(holds {[(r, (have.get(r) or '-')[:12]) for r in lost[:3]]})")
    try:
        listed = hub_files(server)
        missing = sorted(rel for rel, data in after.items() if listed.get(rel, {}).get("sha256") != sha(data))
        c.check(not missing, f"the hub does not list the newest version of {missing[:6]}")
    except Exception as e:  # noqa: BLE001
        c.check(False, f"GET /files failed: {e}")
    check_hub_serves_whole_files(c, server, after, "after the rollback")
    c.check(all(p.alive() for p in (server, a, b, g)), "a process died")
    c.done("--- log of the hub:\n" + server.tail(15) + "\n--- log of alpha:\n" + a.tail(15))


if __name__ == "__main__":
    tests = [test_meta_db_rolled_back]
    why = Tmpfs.skip_reason()
    if why:
        print(f"skipped: (a) hub disk full, (b) client disk full: {why}")
    else:
        tests = [test_hub_disk_full, test_client_disk_full] + tests
    run(tests)
