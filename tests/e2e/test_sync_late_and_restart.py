"""A client started late on an empty folder receives everything; a client
offline while the others change files catches up; the server killed and
restarted while clients run: they reconnect by themselves."""

import os

from harness import Client, Server, run, wait_converged, wait_until, workdir


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
    run([test_late_client_and_offline_catch_up, test_server_restart])
