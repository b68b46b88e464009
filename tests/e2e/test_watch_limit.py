"""The inotify watch limit reached is a reported problem, not a silent gap
(BRIEF §7): a client that cannot watch some folders lists them in
`syncer status`, still syncs what changes in them (the periodic rescan),
and clears the problems once the watches can be added.

Needs root: it lowers fs.inotify.max_user_watches for a few seconds (the
limit counts per user; the client runs as `nobody`, so only its watches
are near the limit) and always puts the old value back."""

import os
import sys

import harness
from harness import Client, Server, run, status_json, wait_converged, wait_until, workdir

LIMIT_FILE = "/proc/sys/fs/inotify/max_user_watches"
USER, GROUP = "nobody", "nogroup"
FOLDERS = 12


def skip_reason():
    why = harness.unprivileged_skip_reason(USER, GROUP)
    if why:
        return why
    if not os.access(LIMIT_FILE, os.W_OK):
        return f"cannot write {LIMIT_FILE}"
    return None


def nobody_watches():
    """inotify watches held by processes of `nobody` now."""
    import pwd
    uid = pwd.getpwnam(USER).pw_uid
    total = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if os.stat(f"/proc/{pid}").st_uid != uid:
                continue
            for fd in os.listdir(f"/proc/{pid}/fdinfo"):
                with open(f"/proc/{pid}/fdinfo/{fd}") as f:
                    total += sum(1 for line in f if line.startswith("inotify wd:"))
        except OSError:
            pass
    return total


def test_watch_limit_is_a_problem():
    base = workdir("watch-limit")
    os.chmod(base, 0o755)
    server = Server(base)
    b = Client(base, "beta", server.port)
    a = Client(base, "alpha", server.port, start=False, run_as=USER, run_group=GROUP)
    with open(a.config, "a") as f:
        f.write("rescan_interval: 2s\n")
    files = {}
    for i in range(FOLDERS):
        files[f"d{i:02}/f.txt"] = f"folder {i}\n"
    for rel, text in files.items():
        a.write(rel, text)
    harness.chown_tree(a.dir, USER, GROUP)
    with open(LIMIT_FILE) as f:
        old_limit = f.read().strip()
    c = harness.Checks()
    try:
        # Room for the root folder and a few others: the rest cannot be watched.
        with open(LIMIT_FILE, "w") as f:
            f.write(str(nobody_watches() + 4))
        a.start()
        expected = dict(files, **{f"d{i:02}": "DIR" for i in range(FOLDERS)})
        wait_converged([a, b], 60, expected)

        def limit_problems():
            return [p for p in status_json(a.config).get("problems", []) if "watch limit" in p.get("reason", "")]

        listed = wait_until(limit_problems, 20, what="the watch limit to be listed as problems")
        c.check(len(listed) >= FOLDERS - 6, f"only {len(listed)} folders listed as unwatched: {listed}")
        c.check("fs.inotify.max_user_watches" in listed[0]["reason"], listed[0])
        # A change in an unwatched folder still arrives (the rescan).
        unwatched = listed[-1]["path"]
        a.write(f"{unwatched}/late.txt", "written where no watch is\n")
        harness.chown_tree(a.dir, USER, GROUP)
        try:
            wait_until(lambda: os.path.exists(b.path(f"{unwatched}/late.txt")), 30,
                       what="a change in an unwatched folder to reach beta")
        except AssertionError as e:
            c.check(False, str(e))
    finally:
        with open(LIMIT_FILE, "w") as f:
            f.write(old_limit)
    # Room again: the watches come back and the problems clear.
    try:
        wait_until(lambda: not limit_problems(), 90, interval=1, what="the watch problems to clear")
    except AssertionError as e:
        c.check(False, str(e))
    c.check(a.alive() and b.alive(), "a client died")
    c.done("--- log of alpha:\n" + a.tail(20))


if __name__ == "__main__":
    why = skip_reason()
    if why:
        print(f"skipped: {why}")
        sys.exit(0)
    run([test_watch_limit_is_a_problem])
