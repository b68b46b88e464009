"""A client started late on an empty folder receives everything; a client
offline while the others change files catches up; the server killed and
restarted while clients run: they reconnect by themselves."""

import hashlib
import os
import time

from harness import Client, Server, run, tree, wait_converged, wait_until, workdir


def test_late_client_and_offline_catch_up():
    base = workdir("late")
    server = Server(base)
    a = Client(base, "alpha", server.port)
    expected = {}
    for i in range(50):
        a.write(f"early/{i}.txt", f"early {i}")
        expected[f"early/{i}.txt"] = f"early {i}"
    expected["early"] = "DIR"
    os.makedirs(a.path("early/empty"))
    expected["early/empty"] = "DIR"
    wait_until(lambda: a.inspect()["folder-model"]["counters"]["uploads_done"] >= 51, 60, what="alpha to upload")
    late = Client(base, "late", server.port)
    wait_converged([a, late], 60, expected)

    # offline edits on both sides are reconciled on start
    assert late.stop() == 0
    a.write("early/0.txt", "changed while late was away")
    os.remove(a.path("early/1.txt"))
    late.write("from-late.txt", "written offline")
    os.remove(late.path("early/2.txt"))
    expected["early/0.txt"] = "changed while late was away"
    del expected["early/1.txt"], expected["early/2.txt"]
    expected["from-late.txt"] = "written offline"
    wait_until(lambda: not os.path.exists(a.path("early/1.txt")), 5)
    late.start()
    wait_converged([a, late], 60, expected)


def sync_point_of(client):
    return client.inspect()["folder-model"]["counters"]["sync_point_hub_seq"]


def test_restart_from_a_sync_point_sends_only_changes():
    """A client that was in sync records a sync point; after a restart it
    sends only what changed since (incremental POST /sync) and still gets
    every edit, creation and deletion made meanwhile, while its own offline
    edits go up. Then its ignore patterns change while it is stopped: the
    sync point no longer holds, and the files that stopped being ignored
    come down with a full comparison."""
    base = workdir("sync-point")
    server = Server(base)
    a = Client(base, "alpha", server.port, patterns=["*.skip"])
    b = Client(base, "beta", server.port)
    expected_a = {}
    for i in range(30):
        b.write(f"docs/{i}.txt", f"v1 {i}")
        expected_a[f"docs/{i}.txt"] = f"v1 {i}"
    b.write("kept-from-alpha.skip", "only beta syncs this")
    expected_a["docs"] = "DIR"
    wait_until(lambda: all(os.path.exists(a.path(f"docs/{i}.txt")) for i in range(30)), 30, what="alpha to download")
    wait_until(lambda: sync_point_of(a) > 0, 20, what="alpha to record a sync point")
    assert a.stop() == 0

    for i in range(0, 30, 3):
        b.write(f"docs/{i}.txt", f"v2 {i}")  # edits
        expected_a[f"docs/{i}.txt"] = f"v2 {i}"
    for i in range(1, 30, 3):
        os.remove(b.path(f"docs/{i}.txt"))  # deletions
        del expected_a[f"docs/{i}.txt"]
    b.write("docs/new.txt", "created while alpha was away")
    expected_a["docs/new.txt"] = "created while alpha was away"
    a.write("alpha-offline.txt", "alpha worked offline")
    expected_a["alpha-offline.txt"] = "alpha worked offline"
    wait_until(lambda: b.inspect()["folder-model"]["counters"]["pending_uploads"] == 0, 30)
    time.sleep(0.2)  # let beta's last batch reach the hub
    a.start()
    wait_until(lambda: tree(a.dir) == tree_of(expected_a), 30, what="alpha to catch up incrementally")
    counters = a.inspect()["folder-model"]["counters"]
    assert counters["full_resyncs"] == 0, f"the restart should have used the sync point: {counters}"
    wait_until(lambda: os.path.exists(b.path("alpha-offline.txt")), 30, what="alpha's offline file to reach beta")

    # Patterns change while alpha is stopped: *.skip is no longer ignored.
    wait_until(lambda: sync_point_of(a) > 0, 20, what="alpha to record a sync point")
    assert a.stop() == 0
    with open(a.config) as f:
        text = f.read()
    with open(a.config, "w") as f:
        f.write(text.replace("*.skip", "*.other"))
    a.start()
    wait_until(lambda: os.path.exists(a.path("kept-from-alpha.skip")), 30,
               what="the no longer ignored file to come down")
    assert a.inspect()["folder-model"]["counters"]["full_resyncs"] >= 1


def tree_of(expected):
    return {k: (v if v == "DIR" else hashlib.sha256(v.encode()).hexdigest()) for k, v in expected.items()}


def test_server_restart():
    base = workdir("restart")
    server = Server(base)
    port = server.port
    a = Client(base, "alpha", port)
    b = Client(base, "beta", port)
    a.write("before.txt", "before")
    wait_converged([a, b], 30, {"before.txt": "before"})
    server.kill()  # SIGKILL: no goodbye to anyone
    a.write("while-down.txt", "written while the hub was down")
    server = Server(base, port=port, data_dir=server.data_dir)
    wait_converged([a, b], 60, {"before.txt": "before", "while-down.txt": "written while the hub was down"})
    b.write("after.txt", "after")
    wait_converged([a, b], 30, {"before.txt": "before", "while-down.txt": "written while the hub was down",
                                "after.txt": "after"})


if __name__ == "__main__":
    run([test_late_client_and_offline_catch_up, test_restart_from_a_sync_point_sends_only_changes, test_server_restart])
