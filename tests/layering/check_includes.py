"""Lists every cross-layer #include of the source tree and fails on any that
docs/architecture.md's layer map forbids. Standard library only.

Layers, lowest first (a layer may include itself and the layers listed):
  actors/rules/  rules    the standard library only; no I/O headers
  storage/       storage  rules
  actors/        actors   rules, storage          (no Beast/Asio/HTTP)
  net/           net      rules, actors           (storage only as listed in KNOWN)
  cli/           cli      everything
KNOWN lists the crossings that exist today and are scheduled to go (issue
11), each with its reason; a crossing not in KNOWN fails the check, and so
does an entry of KNOWN that no longer occurs (so the list only shrinks).
"""

import os
import re
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

LAYERS = [("actors/rules/", "rules"), ("storage/", "storage"), ("actors/", "actors"), ("net/", "net"),
          ("cli/", "cli")]
ALLOWED = {
    "rules": {"rules"},
    "storage": {"rules", "storage"},
    "actors": {"rules", "storage", "actors"},
    "net": {"rules", "actors", "net"},
    "cli": {"rules", "storage", "actors", "net", "cli"},
}
# System headers a layer must not use.
FORBIDDEN_SYSTEM = {
    "rules": re.compile(r"^(caf/|boost/|SQLiteCpp/|sqlite3|yaml-cpp/|simdjson|cryptopp/|sys/|unistd\.h|fcntl\.h|dirent\.h|fstream)"),
    "storage": re.compile(r"^(caf/|boost/beast|boost/asio)"),
    "actors": re.compile(r"^(boost/beast|boost/asio)"),
}
KNOWN = {
    ("net/client/hub_client.cpp", "storage/block_delta.h"): "the hub client applies deltas to files itself",
    ("net/body/hashing_file_body.h", "storage/sha256.h"): "a body type that hashes what it writes",
}

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^">]+)[">]')


def layer_of(rel):
    for prefix, name in LAYERS:
        if rel.startswith(prefix):
            return name
    return None


def main():
    bad, seen_known, crossings = [], set(), 0
    for top in ("actors", "storage", "net", "cli"):
        for dirpath, _, files in os.walk(os.path.join(ROOT, top)):
            for f in sorted(files):
                if not f.endswith((".h", ".hpp", ".cpp")):
                    continue
                path = os.path.join(dirpath, f)
                rel = os.path.relpath(path, ROOT).replace(os.sep, "/")
                me = layer_of(rel)
                with open(path, errors="replace") as fh:
                    for n, line in enumerate(fh, 1):
                        m = INCLUDE.match(line)
                        if not m:
                            continue
                        kind, target = m.groups()
                        key = (rel, target)
                        if kind == '"' and "/" in target:
                            other = layer_of(target)
                            if other is None or other == me:
                                continue
                            crossings += 1
                            ok = other in ALLOWED[me]
                        else:
                            rule = FORBIDDEN_SYSTEM.get(me)
                            if not rule or not rule.match(target):
                                continue
                            other, ok = "system", False
                        if ok:
                            continue
                        if key in KNOWN:
                            seen_known.add(key)
                            print(f"known   {rel}:{n}: {me} -> {target} ({KNOWN[key]})")
                        else:
                            bad.append(f"{rel}:{n}: layer '{me}' may not include {target} ({other})")
    for key in sorted(set(KNOWN) - seen_known):
        bad.append(f"KNOWN lists {key[0]} -> {key[1]}, which no longer occurs: remove it from the list")
    print(f"{crossings} cross-layer includes checked, {len(seen_known)} known exceptions, {len(bad)} violations")
    for b in bad:
        print("VIOLATION " + b)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
