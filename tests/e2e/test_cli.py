"""The command line: --help everywhere, init refusing to overwrite, clear
one-sentence errors naming key and file, status with and without the
daemon, inspect of a hub and of a client."""

import json
import os
import subprocess

from harness import SYNCER, Client, Server, run, workdir
import harness


def syncer(*args, cwd=None):
    r = subprocess.run([harness.SYNCER, *args], capture_output=True, text=True, cwd=cwd, timeout=30)
    return r.returncode, r.stdout, r.stderr


def one_sentence(stderr):
    lines = [l for l in stderr.splitlines() if l.strip()]
    assert len(lines) == 1, f"expected one line on stderr, got: {stderr!r}"
    assert "Traceback" not in stderr and "terminate called" not in stderr
    return lines[0]


def test_help_everywhere():
    for cmd in [[], ["node"], ["init"], ["status"], ["inspect"], ["check-ignore"], ["conflicts"]]:
        code, out, err = syncer(*cmd, "--help")
        assert code == 0 and "usage" in out.lower(), (cmd, code, out, err)
    code, _, err = syncer("frobnicate")
    assert code != 0 and "unknown command" in one_sentence(err)
    code, _, err = syncer("init", "--bogus")
    assert code != 0 and "--bogus" in one_sentence(err)


def test_init_and_config_errors():
    base = workdir("cli")
    cfg = os.path.join(base, "c.yaml")
    code, out, err = syncer("init", "--name", "n1", "--sync-dir", "folder", "--config", cfg)
    assert code == 0, err
    assert os.path.isdir(os.path.join(base, "folder")), "init must create the sync folder"
    code, _, err = syncer("init", "--name", "n1", "--sync-dir", "folder", "--config", cfg)
    assert code != 0 and "--force" in one_sentence(err)
    code, _, err = syncer("init", "--name", "n2", "--sync-dir", "folder", "--config", cfg, "--force")
    assert code == 0, err

    bad = os.path.join(base, "bad.yaml")
    with open(bad, "w") as f:
        f.write("sync_directory: ./x\n")
    code, _, err = syncer("status", "--config", bad)
    line = one_sentence(err)
    assert code != 0 and "client_name" in line and "bad.yaml" in line, line
    with open(bad, "w") as f:
        f.write("client_name: x\nsync_directory: ./x\nserver_port: lots\n")
    code, _, err = syncer("status", "--config", bad)
    line = one_sentence(err)
    assert code != 0 and "server_port" in line and "bad.yaml" in line, line
    with open(bad, "w") as f:
        f.write("client_name: [\n")
    code, _, err = syncer("node", "--role", "client", "--config", bad)
    assert code != 0 and "bad.yaml" in one_sentence(err)
    code, _, err = syncer("status", "--config", os.path.join(base, "missing.yaml"))
    assert code != 0 and "missing.yaml" in one_sentence(err)
    code, _, err = syncer("node", "--role", "wizard")
    assert code != 0 and "role" in one_sentence(err)
    with open(bad, "w") as f:
        f.write("client_name: x\nsync_directory: ./x\ncolour: blue\n")
    code, _, err = syncer("status", "--config", bad)
    assert code == 0 and "unknown key 'colour'" in err, err


def test_status_and_inspect():
    base = workdir("cli-live")
    server = Server(base)
    a = Client(base, "alpha", server.port)
    a.write("one.txt", "1")
    a.write("two.txt", "2")
    harness.wait_until(lambda: a.inspect()["folder-model"]["counters"]["uploads_done"] >= 2, 30)
    code, out, err = syncer("status", "--config", a.config, "--json")
    assert code == 0, err
    st = json.loads(out)
    assert st["server_reachable"] is True and st["daemon_running"] is True and st["files_tracked"] == 2, st
    assert st["client_id"] and st["last_sync"], st
    code, out, _ = syncer("status", "--config", a.config)
    assert code == 0 and "reachable" in out and "files tracked" in out

    code, out, err = syncer("inspect", "--url", server.url(), "--json")
    assert code == 0, err
    assert {"client-registry", "conflict-resolver", "file-store"} <= {x["name"] for x in json.loads(out)["actors"]}
    code, out, _ = syncer("inspect", "--url", server.url())
    assert code == 0 and "file-store" in out and "client-registry" in out
    code, out, err = syncer("inspect", "--config", a.config, "--json")
    assert code == 0, err
    names = {x["name"] for x in json.loads(out)["actors"]}
    assert {"watcher", "hasher", "uploader", "downloader", "folder-model"} <= names, names

    assert a.stop() == 0
    code, out, err = syncer("status", "--config", a.config, "--json")
    st = json.loads(out)
    assert code == 0 and st["daemon_running"] is False and st["files_tracked"] == 2, st
    code, _, err = syncer("inspect", "--config", a.config)
    assert code != 0 and "not running" in one_sentence(err)
    server.stop()
    code, out, _ = syncer("status", "--config", a.config, "--json")
    assert code == 0 and json.loads(out)["server_reachable"] is False
    code, _, err = syncer("inspect", "--url", server.url())
    assert code != 0 and one_sentence(err)


def test_hub_refuses_a_folder_that_is_not_its_own():
    # `--data-dir ~` must not wipe ~/tmp: a non-empty folder without syncer's
    # data is refused with one sentence, and nothing in it is touched.
    base = workdir("datadir")
    home = os.path.join(base, "home")
    os.makedirs(os.path.join(home, "tmp"))
    with open(os.path.join(home, "tmp", "precious.txt"), "w") as f:
        f.write("keep me\n")
    res = subprocess.run([harness.SYNCER, "node", "--role", "server", "--host", "127.0.0.1", "--port",
                          str(harness.free_port()), "--data-dir", home], capture_output=True, text=True, timeout=20)
    assert res.returncode != 0, res.stdout + res.stderr
    assert "not empty and holds no syncer data" in one_sentence(res.stderr + res.stdout), res.stderr
    assert os.path.exists(os.path.join(home, "tmp", "precious.txt"))
    # An empty folder, and then the same folder again (now marked), are fine.
    data = os.path.join(base, "data")
    os.makedirs(data)
    for _ in range(2):
        server = harness.Server(base, data_dir=data)
        assert os.path.exists(os.path.join(data, "SYNCER-DATA-DIR"))
        server.stop()


if __name__ == "__main__":
    run([test_help_everywhere, test_init_and_config_errors, test_status_and_inspect,
         test_hub_refuses_a_folder_that_is_not_its_own])
