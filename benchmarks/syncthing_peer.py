"""Two Syncthing instances on loopback, as a peer for benchmarks/e2e_bench.py.

Each instance gets its own home dir with a generated key and a config
edited for a closed benchmark: GUI/REST and the sync protocol on
127.0.0.1 only, global and local discovery, relays, NAT traversal, usage
reporting, crash reporting and upgrades off; each device knows the other
by its static loopback address; one send-receive folder with the file
watcher at its minimum delay (fsWatcherDelayS 1). Completion is read from
the receiving side's REST API (/rest/db/status: nothing needed, idle) and
then checked against the tree by the caller. Processes are killed by PID."""

import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
import xml.etree.ElementTree as ET

API_KEY = "syncer-bench-api-key"
FOLDER_ID = "bench"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def available():
    return shutil.which("syncthing") is not None


def version():
    try:
        out = subprocess.run(["syncthing", "--version"], capture_output=True, text=True, timeout=10).stdout
        return out.split("(")[0].strip()
    except (OSError, subprocess.SubprocessError):
        return "not installed"


class Node:
    def __init__(self, base, name, folder):
        self.home = os.path.join(base, f"syncthing-{name}")
        self.folder = folder
        self.gui_port = free_port()
        self.sync_port = free_port()
        self.proc = None
        self.peak_rss_kib = 0
        os.makedirs(self.home, exist_ok=True)
        os.makedirs(folder, exist_ok=True)
        subprocess.run(["syncthing", "generate", f"--home={self.home}", "--no-default-folder",
                        "--skip-port-probing"], check=True, capture_output=True, timeout=60)
        self.device_id = subprocess.run(["syncthing", "serve", f"--home={self.home}", "--device-id"],
                                        check=True, capture_output=True, text=True, timeout=30).stdout.strip()

    def configure(self, other):
        path = os.path.join(self.home, "config.xml")
        tree = ET.parse(path)
        root = tree.getroot()
        gui = root.find("gui")
        gui.set("enabled", "true")
        gui.set("tls", "false")
        gui.find("address").text = f"127.0.0.1:{self.gui_port}"
        key = gui.find("apikey")
        if key is None:
            key = ET.SubElement(gui, "apikey")
        key.text = API_KEY
        opts = root.find("options")

        def opt(name, value):
            el = opts.find(name)
            if el is None:
                el = ET.SubElement(opts, name)
            el.text = value

        for el in opts.findall("listenAddress"):
            opts.remove(el)
        ET.SubElement(opts, "listenAddress").text = f"tcp://127.0.0.1:{self.sync_port}"
        for el in opts.findall("globalAnnounceServer"):
            opts.remove(el)
        opt("globalAnnounceEnabled", "false")
        opt("localAnnounceEnabled", "false")
        opt("relaysEnabled", "false")
        opt("natEnabled", "false")
        opt("urAccepted", "-1")
        opt("urSeen", "3")
        opt("autoUpgradeIntervalH", "0")
        opt("crashReportingEnabled", "false")
        opt("startBrowser", "false")
        opt("setLowPriority", "false")
        # Both devices, then the folder shared between them.
        for dev in root.findall("device"):
            root.remove(dev)
        for node in (self, other):
            dev = ET.SubElement(root, "device", {"id": node.device_id, "name": os.path.basename(node.home),
                                                 "compression": "metadata", "introducer": "false"})
            ET.SubElement(dev, "address").text = f"tcp://127.0.0.1:{node.sync_port}"
            ET.SubElement(dev, "autoAcceptFolders").text = "false"
        for f in root.findall("folder"):
            root.remove(f)
        folder = ET.Element("folder", {"id": FOLDER_ID, "label": FOLDER_ID, "path": self.folder,
                                       "type": "sendreceive", "rescanIntervalS": "3600",
                                       "fsWatcherEnabled": "true", "fsWatcherDelayS": "1",
                                       "ignorePerms": "false", "autoNormalize": "true"})
        for node in (self, other):
            ET.SubElement(folder, "device", {"id": node.device_id, "introducedBy": ""})
        root.insert(0, folder)
        tree.write(path)

    def start(self):
        env = dict(os.environ, STNOUPGRADE="1", STNORESTART="1")
        log = open(os.path.join(self.home, "log.txt"), "w")
        self.proc = subprocess.Popen(["syncthing", "serve", f"--home={self.home}", "--no-browser", "--no-restart",
                                      "--no-upgrade"], stdout=log, stderr=subprocess.STDOUT, env=env)

    def rest(self, path, method="GET"):
        req = urllib.request.Request(f"http://127.0.0.1:{self.gui_port}{path}", method=method,
                                     headers={"X-API-Key": API_KEY})
        with urllib.request.urlopen(req, timeout=10) as r:
            body = r.read()
            return json.loads(body) if body else None

    def ready(self):
        try:
            return self.rest("/rest/system/ping").get("ping") == "pong"
        except (OSError, ValueError):
            return False

    def connected_to(self, other):
        try:
            return self.rest("/rest/system/connections")["connections"].get(other.device_id, {}).get("connected")
        except (OSError, ValueError, KeyError):
            return False

    def folder_status(self):
        return self.rest(f"/rest/db/status?folder={FOLDER_ID}")

    def sample_rss(self):
        """Peak RSS of the process that syncs: `syncthing serve` runs a
        monitor process whose child does the work, so the largest of them."""
        if not self.proc:
            return
        pids = [self.proc.pid]
        try:  # Go may fork from any of its threads: look at every thread's children
            for task in os.listdir(f"/proc/{self.proc.pid}/task"):
                with open(f"/proc/{self.proc.pid}/task/{task}/children") as f:
                    pids += [int(x) for x in f.read().split()]
        except OSError:
            pass
        for pid in pids:
            try:
                with open(f"/proc/{pid}/status") as f:
                    for line in f:
                        if line.startswith("VmHWM:"):
                            self.peak_rss_kib = max(self.peak_rss_kib, int(line.split()[1]))
            except OSError:
                pass

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.sample_rss()
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


def wait(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.02)
    raise TimeoutError(f"syncthing: timed out waiting for {what}")


class Pair:
    """Syncthing A (sender) and B (receiver), both running and connected,
    sharing one empty folder."""

    def __init__(self, base):
        self.a = Node(base, "a", os.path.join(base, "st-a"))
        self.b = Node(base, "b", os.path.join(base, "st-b"))
        self.a.configure(self.b)
        self.b.configure(self.a)
        for n in (self.a, self.b):
            n.start()
        try:
            wait(lambda: self.a.ready() and self.b.ready(), 60, "the REST APIs")
            wait(lambda: self.a.connected_to(self.b) and self.b.connected_to(self.a), 60, "the two devices to connect")
        except Exception:
            self.stop()
            raise

    def b_has(self, files):
        """B's folder holds `files` files and needs nothing, per its REST API."""
        self.a.sample_rss()
        self.b.sample_rss()
        try:
            s = self.b.folder_status()
        except (OSError, ValueError):
            return False
        return (s.get("needTotalItems", 1) == 0 and s.get("state") == "idle" and s.get("localFiles") == files
                and s.get("globalFiles") == files)

    def scan_a(self):
        """Asks A to rescan now (what its watcher would do after its delay)."""
        self.a.rest(f"/rest/db/scan?folder={FOLDER_ID}", method="POST")

    def stop(self):
        for n in (self.a, self.b):
            n.stop()
