"""Shared helpers of the end-to-end tests: real syncer processes on
127.0.0.1, real folders, bounded waits. Standard library only."""

import argparse
import atexit
import base64
import hashlib
import http.client
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time

SYNCER = None
# SYNCER_E2E_TLS=1 runs every hub of a test with `tls: on` and
# `auto_accept: true` and every client with `tls: on` (test_tls_suite.py
# runs a subset of the suite this way).
TLS = os.environ.get("SYNCER_E2E_TLS") == "1"
_processes = []
_workdirs = []
_failed = False


def parse_args():
    global SYNCER
    parser = argparse.ArgumentParser()
    parser.add_argument("--syncer", required=True)
    args, _ = parser.parse_known_args()
    SYNCER = os.path.abspath(args.syncer)
    return args


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def workdir(name):
    d = tempfile.mkdtemp(prefix=f"syncer-e2e-{name}-")
    _workdirs.append(d)
    return d


def wait_until(predicate, timeout, interval=0.05, what="condition"):
    """Polls `predicate` until it returns a truthy value or `timeout` s pass."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


class Process:
    def __init__(self, args, log_path, env=None):
        self.args = args
        self.log_path = log_path
        self.log = open(log_path, "ab")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT, env=env)
        _processes.append(self)

    @property
    def pid(self):
        return self.proc.pid

    def alive(self):
        return self.proc.poll() is None

    def stop(self, sig=signal.SIGTERM, timeout=15):
        """Signals the process (by PID) and waits; SIGKILL after `timeout`."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.log.close()
        return self.proc.returncode

    def kill(self):
        return self.stop(signal.SIGKILL)

    def tail(self, n=30):
        try:
            with open(self.log_path, "rb") as f:
                return b"\n".join(f.read().splitlines()[-n:]).decode(errors="replace")
        except OSError:
            return ""

    def peak_rss_kib(self):
        try:
            with open(f"/proc/{self.pid}/status") as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        return int(line.split()[1])
        except OSError:
            return None


def tls_context(cert=None, key=None):
    """A TLS 1.3 client context that accepts the hub's self-signed
    certificate (tests check the hub's ID themselves) and presents `cert`."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    if cert:
        ctx.load_cert_chain(cert, key)
    return ctx


def syncer_id(*args):
    """`syncer id ARGS`: the device ID printed."""
    r = subprocess.run([SYNCER, "id", *args], capture_output=True, timeout=30)
    if r.returncode != 0:
        raise AssertionError(f"syncer id failed: {r.stderr.decode(errors='replace')}")
    return r.stdout.decode().strip()


def _read_int(path):
    try:
        with open(path) as f:
            return int(f.read().strip())
    except (OSError, ValueError):
        return None


class Server(Process):
    def __init__(self, base, port=None, config=None, data_dir=None, extra=(), tls=None, auto_accept=None,
                 log_name="server.log"):
        """`tls`: run with `tls: on` (default: the harness's TLS mode);
        `auto_accept`: accept new devices (default: on in TLS mode)."""
        self.base = base
        self.port = port or free_port()
        self.data_dir = data_dir or os.path.join(base, "server-data")
        self.tls = TLS if tls is None else tls
        auto_accept = TLS if auto_accept is None else auto_accept
        args = [SYNCER, "node", "--role", "server", "--host", "127.0.0.1", "--port", str(self.port),
                "--data-dir", self.data_dir, *extra]
        if self.tls:
            config = (config or "") + "\ntls: on\n" + ("auto_accept: true\n" if auto_accept else "")
        if config:
            path = os.path.join(base, "server.yaml" if log_name == "server.log" else log_name + ".yaml")
            with open(path, "w") as f:
                f.write(config)
            args += ["--config", path]
        super().__init__(args, os.path.join(base, log_name))
        wait_until(lambda: self.health() or not self.alive(), 20, what="server health")
        if not self.alive():
            raise AssertionError("server exited at start:\n" + self.tail())

    def health(self):
        try:
            status, _, _ = request("GET", self.port, "/health", timeout=1,
                                   tls=tls_context() if self.tls else None)
            return status == 200
        except OSError:
            return False

    def url(self):
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    def device_id(self):
        return syncer_id("--data-dir", self.data_dir)

    def inspect_port(self):
        """Where plain GET /inspect answers: the sync port, or with TLS the
        hub's local admin endpoint."""
        if not self.tls:
            return self.port
        return wait_until(lambda: _read_int(os.path.join(self.data_dir, "admin.port")), 10, what="admin.port")

    def devices(self, *args, check=True):
        """`syncer devices ARGS --data-dir` of this hub: (exit code, stdout, stderr)."""
        r = subprocess.run([SYNCER, "devices", *args, "--data-dir", self.data_dir], capture_output=True, timeout=30)
        if check and r.returncode != 0:
            raise AssertionError(f"syncer devices {' '.join(args)} failed: {r.stderr.decode(errors='replace')}")
        return r.returncode, r.stdout.decode(errors="replace"), r.stderr.decode(errors="replace")

    def device_list(self):
        _, out, _ = self.devices("--json")
        return json.loads(out)["devices"]


def as_user(user, group=None):
    """The command prefix that runs a program as `user` (setpriv, no
    supplementary groups); [] for None."""
    if user is None:
        return []
    return ["setpriv", f"--reuid={user}", f"--regid={group or user}", "--clear-groups"]


def chown_tree(path, user, group=None):
    """chown -R `path` to `user`:`group` (links themselves, not followed)."""
    import grp
    import pwd
    uid = pwd.getpwnam(user).pw_uid
    gid = grp.getgrnam(group).gr_gid if group else pwd.getpwnam(user).pw_gid
    os.lchown(path, uid, gid)
    for dirpath, dirnames, filenames in os.walk(path):
        for n in dirnames + filenames:
            os.lchown(os.path.join(dirpath, n), uid, gid)


class Client(Process):
    def __init__(self, base, name, server_port, sync_dir=None, patterns=None, api_key=None, start=True,
                 run_as=None, run_group=None, tls=None, server_id=None, config_name=None):
        """`run_as` (a user name; `run_group` its group, default the
        user's own): the daemon runs as that user via setpriv, and the
        sync folder and config are chowned to it after `syncer init`."""
        self.base = base
        self.name = name
        self.dir = sync_dir or os.path.join(base, name)
        self.config = os.path.join(base, f"{config_name or name}.yaml")
        self.tls = TLS if tls is None else tls
        self.run_as = run_as
        self.run_group = run_group
        if not os.path.exists(self.config):
            args = [SYNCER, "init", "--name", name, "--sync-dir", self.dir, "--server-host", "127.0.0.1",
                    "--server-port", str(server_port), "--config", self.config]
            if api_key:
                args += ["--api-key", api_key]
            if self.tls:
                args += ["--tls", "on"]
            if server_id:
                args += ["--server-id", server_id]
            subprocess.run(args, check=True, capture_output=True)
            if patterns is not None:
                with open(self.config) as f:
                    text = f.read()
                text = "\n".join(l for l in text.splitlines() if not l.startswith("ignore_patterns"))
                text += "\nignore_patterns: " + json.dumps(patterns) + "\n"
                with open(self.config, "w") as f:
                    f.write(text)
            if run_as is not None:
                chown_tree(self.dir, run_as, run_group)
                chown_tree(self.config, run_as, run_group)
        self.log_path = os.path.join(base, f"{config_name or name}.log")
        self.proc = None
        if start:
            self.start()

    def start(self):
        super().__init__(as_user(self.run_as, self.run_group) +
                         [SYNCER, "node", "--role", "client", "--config", self.config], self.log_path)
        wait_until(lambda: self.admin_port() or not self.alive(), 20, what=f"client {self.name} to start")
        if not self.alive():
            raise AssertionError(f"client {self.name} exited at start:\n" + self.tail())

    def device_id(self):
        return syncer_id("--config", self.config)

    def tls_context(self):
        """A TLS context presenting this client's certificate (its identity)."""
        self.device_id()  # makes the identity when there is none yet
        d = os.path.join(self.dir, ".syncer")
        return tls_context(os.path.join(d, "cert.pem"), os.path.join(d, "key.pem"))

    def admin_port(self):
        try:
            with open(os.path.join(self.dir, ".syncer", "admin.port")) as f:
                return int(f.read().strip())
        except (OSError, ValueError):
            return None

    def inspect(self):
        status, body, _ = request("GET", self.admin_port(), "/inspect", timeout=5)
        assert status == 200, body
        return {a["name"]: a for a in json.loads(body)["actors"]}

    def path(self, rel):
        return os.path.join(self.dir, rel)

    def write(self, rel, data):
        p = self.path(rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        mode = "wb" if isinstance(data, bytes) else "w"
        with open(p, mode) as f:
            f.write(data)


def tree(root):
    """{relative path: sha256 | 'DIR'} of everything but .syncer/."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = os.path.relpath(dirpath, root)
        if rel_dir == ".":
            rel_dir = ""
            if ".syncer" in dirnames:
                dirnames.remove(".syncer")
        for d in dirnames:
            full = os.path.join(dirpath, d)
            if not os.path.islink(full):
                out[os.path.join(rel_dir, d)] = "DIR"
        for name in filenames:
            full = os.path.join(dirpath, name)
            if os.path.islink(full):
                continue
            h = hashlib.sha256()
            try:
                with open(full, "rb") as f:
                    for block in iter(lambda: f.read(1 << 20), b""):
                        h.update(block)
            except FileNotFoundError:
                continue  # removed while we looked: the next poll sees the new state
            out[os.path.join(rel_dir, name)] = h.hexdigest()
    return out


def diff(a, b):
    lines = []
    for k in sorted(set(a) | set(b)):
        if a.get(k) != b.get(k):
            lines.append(f"  {k}: {a.get(k, '-')[:12]} vs {b.get(k, '-')[:12]}")
    return "\n".join(lines[:40])


def wait_converged(clients, timeout=30, expected=None):
    """Polls until every client's tree is the same (and equals `expected`
    when given, as {path: bytes | 'DIR'} or {path: sha256 | 'DIR'}) and
    every client's folder model says it is idle."""
    want = None
    if expected is not None:
        want = {k: (v if v == "DIR" or (isinstance(v, str) and len(v) == 64) else
                    hashlib.sha256(v if isinstance(v, bytes) else v.encode()).hexdigest())
                for k, v in expected.items()}
    last = {}

    def settled(c):
        try:
            return c.inspect()["folder-model"]["info"]["state"] == "idle"
        except Exception:  # not answering (yet): not settled
            return False

    def check():
        trees = [tree(c.dir) for c in clients]
        last["trees"] = trees
        if any(t != trees[0] for t in trees[1:]):
            return False
        if want is not None and trees[0] != want:
            return False
        # Equal trees are not enough: a conflict's copy may still be on its
        # way to both clients. Converged = equal trees, every client idle,
        # and still equal after that.
        return all(settled(c) for c in clients) and [tree(c.dir) for c in clients] == trees

    try:
        wait_until(check, timeout, interval=0.1, what="trees to converge")
    except AssertionError:
        trees = last.get("trees", [])
        msg = ["trees did not converge:"]
        for c, t in zip(clients, trees):
            ref = want if want is not None else trees[0]
            msg.append(f"{c.name} vs {'expected' if want is not None else clients[0].name}:\n{diff(t, ref)}")
        for c in clients:
            msg.append(f"--- log of {c.name}:\n{c.tail(25)}")
        raise AssertionError("\n".join(msg))
    return last["trees"][0]


def request(method, port, target, body=None, headers=None, timeout=30, tls=None):
    """One HTTP request on a fresh connection: (status, body bytes, headers);
    over TLS with `tls` (an ssl.SSLContext, see tls_context)."""
    if tls is not None:
        conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=timeout, context=tls)
    else:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        if isinstance(body, str):
            body = body.encode()
        conn.request(method, target, body=body, headers=headers or {})
        res = conn.getresponse()
        data = res.read()
        return res.status, data, dict(res.getheaders())
    finally:
        conn.close()


def json_request(method, port, target, obj=None, headers=None, tls=None):
    body = json.dumps(obj) if obj is not None else None
    status, data, hdrs = request(method, port, target, body, headers, tls=tls)
    try:
        parsed = json.loads(data) if data else None
    except ValueError:
        parsed = None
    return status, parsed, hdrs


class WebSocket:
    """A minimal RFC 6455 client: handshake, masked text frames, reading."""

    def __init__(self, port, path, headers=None, timeout=10):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        lines = [f"GET {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Upgrade: websocket", "Connection: Upgrade",
                 f"Sec-WebSocket-Key: {key}", "Sec-WebSocket-Version: 13"]
        for k, v in (headers or {}).items():
            lines.append(f"{k}: {v}")
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        response = b""
        while b"\r\n\r\n" not in response:
            chunk = self.sock.recv(4096)
            if not chunk:
                break
            response += chunk
        head, _, self.pending = response.partition(b"\r\n\r\n")
        self.status = int(head.split(b" ")[1]) if head else 0
        self.head = head.decode(errors="replace")

    def _recv_exact(self, n):
        while len(self.pending) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("connection closed")
            self.pending += chunk
        data, self.pending = self.pending[:n], self.pending[n:]
        return data

    def send_text(self, text):
        payload = text.encode()
        header = bytearray([0x81])
        n = len(payload)
        if n < 126:
            header.append(0x80 | n)
        elif n < 65536:
            header.append(0x80 | 126)
            header += n.to_bytes(2, "big")
        else:
            header.append(0x80 | 127)
            header += n.to_bytes(8, "big")
        mask = os.urandom(4)
        header += mask
        self.sock.sendall(bytes(header) + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))

    def recv_text(self, timeout=10):
        """Next text message (control frames are answered/skipped)."""
        self.sock.settimeout(timeout)
        while True:
            b0, b1 = self._recv_exact(2)
            opcode = b0 & 0x0F
            n = b1 & 0x7F
            if n == 126:
                n = int.from_bytes(self._recv_exact(2), "big")
            elif n == 127:
                n = int.from_bytes(self._recv_exact(8), "big")
            payload = self._recv_exact(n)
            if opcode == 0x1:
                return payload.decode()
            if opcode == 0x8:
                raise ConnectionError("server closed the WebSocket")
            if opcode == 0x9:  # ping -> pong
                mask = os.urandom(4)
                self.sock.sendall(bytes([0x8A, 0x80 | len(payload)]) + mask +
                                  bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))

    def recv_json(self, timeout=10):
        return json.loads(self.recv_text(timeout))

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def cpu_seconds(pid):
    """utime + stime of process `pid` in seconds (from /proc/PID/stat), or
    None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    # fields[0] is the state (field 3): utime and stime are fields 14 and 15.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def status_json(config, user=None, group=None):
    """`syncer status --config CONFIG --json`, parsed (run as `user` when given)."""
    r = subprocess.run(as_user(user, group) + [SYNCER, "status", "--config", config, "--json"],
                       capture_output=True, timeout=30)
    if r.returncode != 0:
        raise AssertionError(f"syncer status failed ({r.returncode}): {r.stderr.decode(errors='replace').strip()}")
    try:
        return json.loads(r.stdout.decode(errors="replace"))  # not UTF-8: see status_bytes
    except ValueError:
        raise AssertionError(f"syncer status --json printed no JSON: {r.stdout!r}")


def status_bytes(config, user=None, group=None, as_json=True):
    """The raw stdout of `syncer status --config CONFIG [--json]`."""
    r = subprocess.run(as_user(user, group) + [SYNCER, "status", "--config", config] + (["--json"] if as_json else []),
                       capture_output=True, timeout=30)
    if r.returncode != 0:
        raise AssertionError(f"syncer status failed ({r.returncode}): {r.stderr.decode(errors='replace').strip()}")
    return r.stdout


class Tmpfs:
    """A tmpfs of `size` (mount(8) syntax, e.g. "8m") mounted on `path`
    (created if missing). `Tmpfs.skip_reason()` says why none can be
    mounted here, or None. Use as a context manager or call unmount():
    it unmounts (lazily as a last resort) and removes the mount point
    if it created it."""

    def __init__(self, path, size, mode="0755"):
        self.path = path
        self.created = not os.path.exists(path)
        os.makedirs(path, exist_ok=True)
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode={mode}", "tmpfs", path],
                           capture_output=True, text=True)
        if r.returncode != 0:
            if self.created:
                os.rmdir(path)
            raise OSError(f"mount -t tmpfs on {path} failed: {r.stderr.strip()}")
        self.mounted = True

    @staticmethod
    def skip_reason():
        if os.geteuid() != 0:
            return "needs root (mount -t tmpfs)"
        if shutil.which("mount") is None or shutil.which("umount") is None:
            return "needs mount(8) and umount(8)"
        probe = tempfile.mkdtemp(prefix="syncer-e2e-tmpfs-probe-")
        try:
            r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", probe],
                               capture_output=True, text=True)
            if r.returncode != 0:
                return f"mount -t tmpfs not permitted: {r.stderr.strip() or r.returncode}"
            subprocess.run(["umount", probe], capture_output=True)
            return None
        finally:
            try:
                os.rmdir(probe)
            except OSError:
                subprocess.run(["umount", "-l", probe], capture_output=True)

    def resize(self, size):
        r = subprocess.run(["mount", "-o", f"remount,size={size}", self.path], capture_output=True, text=True)
        if r.returncode != 0:
            raise AssertionError(f"remount of {self.path} with size={size} failed: {r.stderr.strip()}")

    def free_bytes(self):
        st = os.statvfs(self.path)
        return st.f_bavail * st.f_frsize

    def unmount(self):
        if not self.mounted:
            return
        for _ in range(50):
            if subprocess.run(["umount", self.path], capture_output=True).returncode == 0:
                break
            time.sleep(0.1)
        else:
            subprocess.run(["umount", "-l", self.path], capture_output=True)
        self.mounted = False
        if self.created:
            try:
                os.rmdir(self.path)
            except OSError:
                pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.unmount()
        return False


def _cleanup():
    for p in _processes:
        try:
            if p.proc is not None and p.proc.poll() is None:
                p.proc.kill()
                p.proc.wait(timeout=10)
        except Exception:
            pass
    for d in _workdirs:
        if _failed:
            print(f"(kept {d} for inspection)", file=sys.stderr)
        else:
            shutil.rmtree(d, ignore_errors=True)


atexit.register(_cleanup)


def unprivileged_skip_reason(user="nobody", group="nogroup"):
    """Why clients cannot be run as `user` here (None when they can): it
    takes root, setpriv and that user and group."""
    if os.geteuid() != 0:
        return f"needs root (to run the clients as {user} and change their folders' modes)"
    if shutil.which("setpriv") is None:
        return "needs setpriv (util-linux)"
    try:
        import grp
        import pwd
        pwd.getpwnam(user)
        grp.getgrnam(group)
    except (KeyError, ImportError):
        return f"needs the user {user} and the group {group}"
    return None


class Checks:
    """Soft assertions: every failed check is collected, and done() reports
    them all at once, so one run shows every broken rule."""

    def __init__(self):
        self.failures = []

    def check(self, ok, message):
        if not ok:
            self.failures.append(message)
        return ok

    def done(self, context=""):
        if self.failures:
            text = f"{len(self.failures)} check(s) failed:\n" + "\n".join(f"  - {m}" for m in self.failures)
            raise AssertionError(text + ("\n" + context if context else ""))


def sha(data):
    """SHA-256 hex of bytes or text."""
    return hashlib.sha256(data if isinstance(data, bytes) else data.encode()).hexdigest()


def run(tests):
    """Runs test functions in order; prints 'N passed, N failed'; exit 1 on failure."""
    global _failed
    parse_args()
    passed = failed = 0
    for t in tests:
        started = time.monotonic()
        try:
            t()
            passed += 1
            print(f"PASS {t.__name__} ({time.monotonic() - started:.1f}s)", flush=True)
        except Exception as e:  # report and go on with the next test
            failed += 1
            _failed = True
            import traceback
            print(f"FAIL {t.__name__}: {e}", flush=True)
            traceback.print_exc()
        finally:
            for p in list(_processes):
                if p.proc is not None and p.proc.poll() is None:
                    p.kill()
            _processes.clear()
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)
