"""Never lose an edit, with faults (BRIEF §7): the seeded randomized run of
test_never_lose (3 clients, stops and starts, create/edit/delete/rename)
with two more kinds of operation:
- a folder made unreadable to its client for a while (chmod 000; the
  clients run as `nobody`, so root's chmod bites), sometimes while the
  client is stopped, so it starts with the folder unreadable; files are
  even edited inside it meanwhile;
- a slow writer: a file written in chunks with pauses, kept open all
  along (its final content is the version that must survive).
After each round: the trees converge; every version a client wrote last
(per client and path) exists somewhere; and every file no operation of
the round touched is still there, on every client, with its content (an
unreadable folder was never taken for a deletion). At the end the hub
lists every file of the final tree and the clients list no problems.

Needs root, setpriv and the user nobody; skipped otherwise. Replay a run
with SYNCER_RANDOM_SEED=<seed> (printed at its start)."""

import hashlib
import os
import random
import shutil
import subprocess
import sys
import threading
import time

import harness
from harness import Client, Server, as_user, json_request, run, status_json, wait_converged, wait_until, workdir

USER, GROUP = "nobody", "nogroup"
ROUNDS = int(os.environ.get("SYNCER_FAULT_ROUNDS", "8"))



def skip_reason():
    return harness.unprivileged_skip_reason(USER, GROUP)

def digest(data):
    return hashlib.sha256(data if isinstance(data, bytes) else data.encode()).hexdigest()


def assert_all_present(tree, contents, what=""):
    items = contents.items() if isinstance(contents, dict) else enumerate(contents)
    have = set(v for v in tree.values() if v != "DIR")
    missing = [(k, c) for k, c in items if digest(c) not in have]
    assert not missing, (f"lost {len(missing)} version(s){what}: " +
                         ", ".join(f"{k}: {len(c)} bytes, sha256 {digest(c)[:12]}, starts {c[:16]!r}"
                                   for k, c in missing[:5]) +
                         f"; the trees hold {sorted((p, v[:12]) for p, v in tree.items())}")


class Owner:
    def __init__(self):
        import grp
        import pwd
        self.uid = pwd.getpwnam(USER).pw_uid
        self.gid = grp.getgrnam(GROUP).gr_gid

    def ensure_dir(self, c, rel_dir):
        """Creates the missing folders of `rel_dir` in c's folder, owned by nobody."""
        path = c.dir
        for part in [p for p in rel_dir.split("/") if p]:
            path = os.path.join(path, part)
            if not os.path.isdir(path):
                os.mkdir(path, 0o755)
                os.lchown(path, self.uid, self.gid)

    def open_for_write(self, c, rel):
        self.ensure_dir(c, os.path.dirname(rel))
        fd = os.open(c.path(rel), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.fchown(fd, self.uid, self.gid)
        return fd

    def write(self, c, rel, data):
        fd = self.open_for_write(c, rel)
        try:
            os.write(fd, data.encode() if isinstance(data, str) else data)
        finally:
            os.close(fd)


def test_randomized_never_lose_with_faults(seed=None):
    seed = int(os.environ.get("SYNCER_RANDOM_SEED", seed or random.randrange(1 << 30)))
    print(f"randomized fault test seed: {seed} (replay with SYNCER_RANDOM_SEED={seed})", flush=True)
    rng = random.Random(seed)
    owner = Owner()
    base = workdir("random-faults")
    os.chmod(base, 0o755)  # mkdtemp makes it 0700: nobody must reach its sync folder
    r = subprocess.run(as_user(USER, GROUP) + ["test", "-x", base], capture_output=True)
    assert r.returncode == 0, f"{USER} cannot traverse {base} (a parent folder is not searchable)"
    server = Server(base)
    clients = [Client(base, f"c{i}", server.port, run_as=USER, run_group=GROUP) for i in range(3)]
    counter = [0]
    oplog = open(os.path.join(base, "operations.log"), "a")

    def note(text):
        """One line per operation in <workdir>/operations.log (kept on failure)."""
        oplog.write(f"{time.strftime('%H:%M:%S')}.{int(time.time() * 1000) % 1000:03d} {text}\n")
        oplog.flush()

    unreadable = []  # (client, absolute folder path) currently chmod 000
    lock = threading.Lock()

    def new_content(c):
        counter[0] += 1
        return f"{c.name} wrote #{counter[0]} seed {seed}\n" * rng.randint(1, 20)

    def restore(path):
        note(f"readable again: {os.path.relpath(path, base)}")
        with lock:
            try:
                os.chmod(path, 0o755)
            except OSError:
                pass
            for item in list(unreadable):
                if item[1] == path:
                    unreadable.remove(item)

    def slow_write(c, rel, chunks, pauses, errors):
        try:
            fd = owner.open_for_write(c, rel)
            try:
                for chunk, pause in zip(chunks, pauses):
                    os.write(fd, chunk)
                    time.sleep(pause)
            finally:
                os.close(fd)
                note(f"{c.name}: slow writer closed {rel} ({digest(b''.join(chunks))[:12]})")
        except Exception as e:  # noqa: BLE001 - reported by the main thread
            errors.append(f"slow writer of {c.name}:{rel} failed: {e}")

    previous = None  # the converged tree after the last round
    counts = {"create": 0, "edit": 0, "delete": 0, "rename": 0, "unreadable": 0, "slow": 0}
    try:
        for round_no in range(ROUNDS):
            offline = round_no % 2 == 1
            stopped = rng.sample(clients, rng.randint(1, len(clients))) if offline else []
            note(f"round {round_no}: stopping {[c.name for c in stopped]}")
            for c in stopped:
                assert c.stop() == 0, f"{c.name} did not stop cleanly:\n{c.tail(10)}"
            online = [c for c in clients if c not in stopped]
            last_written = {}
            touched = set()
            writers, writer_errors = [], []
            slow_paths = set()  # (client name, path) being written slowly
            timers = []  # (delay, folder) restored after the restarts
            actors = stopped + ([rng.choice(online)] if online and (not offline or rng.random() < 0.5) else [])
            for c in actors:
                for _ in range(rng.randint(2, 7)):
                    existing = [k for k, v in harness.tree(c.dir).items()
                                if v != "DIR" and (c.name, k) not in slow_paths]
                    kinds = ["create", "edit", "edit", "delete", "rename", "unreadable", "slow"] if existing else \
                        ["create", "slow"]
                    op = rng.choice(kinds)
                    counts[op] += 1
                    if op == "create" or op == "edit":
                        rel = f"d{rng.randint(0, 2)}/f{rng.randint(0, 30)}.txt" if op == "create" else \
                            rng.choice(existing)
                        if (c.name, rel) in slow_paths:
                            continue
                        data = new_content(c)
                        owner.write(c, rel, data)
                        note(f"{c.name}: {op} {rel} ({digest(data)[:12]})")
                        last_written[(c.name, rel)] = data
                        touched.add(rel)
                    elif op == "delete":
                        rel = rng.choice(existing)
                        os.remove(c.path(rel))
                        note(f"{c.name}: delete {rel}")
                        last_written.pop((c.name, rel), None)
                        touched.add(rel)
                    elif op == "rename":
                        rel = rng.choice(existing)
                        dest = f"d{rng.randint(0, 2)}/r{rng.randint(0, 30)}.txt"
                        if os.path.exists(c.path(dest)) or (c.name, dest) in slow_paths:
                            continue
                        owner.ensure_dir(c, os.path.dirname(dest))
                        os.rename(c.path(rel), c.path(dest))
                        note(f"{c.name}: rename {rel} -> {dest}")
                        touched.update((rel, dest))
                        if (c.name, rel) in last_written:
                            last_written[(c.name, dest)] = last_written.pop((c.name, rel))
                    elif op == "unreadable":
                        folder = c.path(f"d{rng.randint(0, 2)}")
                        delay = rng.uniform(0.5, 4)
                        with lock:
                            if not os.path.isdir(folder) or any(f == folder for _, f in unreadable):
                                continue
                            os.chmod(folder, 0)
                            note(f"{c.name}: unreadable {os.path.relpath(folder, c.dir)} (for {delay:.1f} s"
                                 f"{' after its restart' if c in stopped else ''})")
                            unreadable.append((c, folder))
                        if c in stopped:
                            timers.append((delay, folder))  # it starts with the folder unreadable
                        else:
                            t = threading.Timer(delay, restore, (folder,))
                            t.start()
                            writers.append(t)
                    else:  # slow writer: chunks with pauses, the file kept open
                        rel = f"d{rng.randint(0, 2)}/slow{rng.randint(0, 5)}.txt"
                        if (c.name, rel) in slow_paths:
                            continue
                        n = rng.randint(3, 7)
                        chunks = [f"{c.name} slow #{counter[0]} chunk {i} seed {seed}\n".encode() * rng.randint(1, 200)
                                  for i in range(n)]
                        counter[0] += 1
                        pauses = [rng.uniform(0.1, 0.8) for _ in range(n)]
                        slow_paths.add((c.name, rel))
                        last_written[(c.name, rel)] = b"".join(chunks)
                        touched.add(rel)
                        note(f"{c.name}: slow writer opens {rel}: {n} chunks over {sum(pauses):.1f} s")
                        t = threading.Thread(target=slow_write, args=(c, rel, chunks, pauses, writer_errors))
                        t.start()
                        writers.append(t)
                    if c not in stopped:
                        time.sleep(rng.choice([0, 0.01, 0.05, 0.2]))
            for t in writers:
                if isinstance(t, threading.Thread) and not isinstance(t, threading.Timer):
                    t.join(30)  # the slow writers finish before the restarts
            assert not writer_errors, writer_errors
            rng.shuffle(stopped)
            for c in stopped:
                note(f"starting {c.name}")
                c.start()
            for delay, folder in timers:
                t = threading.Timer(delay, restore, (folder,))
                t.start()
                writers.append(t)
            for t in writers:
                t.join(30)
            with lock:
                for _, folder in list(unreadable):  # none left, normally
                    restore(folder)
            note("waiting for convergence")
            final = wait_converged(clients, 120)
            note(f"round {round_no} converged")
            assert_all_present(final, {(n, p): d for (n, p), d in last_written.items()}, f" in round {round_no}")
            if previous is not None:
                lost = sorted(p for p, v in previous.items()
                              if v != "DIR" and p not in touched and final.get(p) != v)
                assert not lost, (f"round {round_no}: files no operation touched changed or vanished: "
                                  f"{[(p, previous[p][:12], (final.get(p) or '-')[:12]) for p in lost[:6]]}")
            previous = final
        print(f"operations: {counts}", flush=True)

        status_code, body, _ = json_request("GET", server.port, "/files")
        assert status_code == 200, body
        listed = {f["path"]: f.get("sha256") for f in body["files"]}
        wrong = sorted(p for p, v in previous.items() if v != "DIR" and listed.get(p) != v)
        assert not wrong, f"the hub does not list the final content of {wrong[:6]}"

        def no_problems():
            return all(status_json(c.config, USER, GROUP).get("problems") == [] for c in clients)
        try:
            wait_until(no_problems, 60, interval=1, what="the problems to clear")
        except AssertionError:
            raise AssertionError("problems still listed at the end: " +
                                 "; ".join(f"{c.name}: {status_json(c.config, USER, GROUP).get('problems')}"
                                           for c in clients))
        assert all(c.alive() for c in clients) and server.alive(), "a process died"
    except AssertionError:
        print(f"randomized fault test failed with seed {seed}", flush=True)
        raise
    finally:
        with lock:
            for _, folder in list(unreadable):
                try:
                    os.chmod(folder, 0o755)
                except OSError:
                    pass


if __name__ == "__main__":
    why = skip_reason()
    if why:
        print(f"skipped: {why}")
        sys.exit(0)
    run([test_randomized_never_lose_with_faults])
