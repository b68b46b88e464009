"""A representative subset of the end-to-end suite with TLS on (issue 13):
test_sync_basic and test_conflicts run unchanged with SYNCER_E2E_TLS=1,
which makes every hub of the harness `tls: on` + `auto_accept: true` and
every client `tls: on` (mutual TLS 1.3, device IDs as client ids)."""

import os
import subprocess
import sys

from harness import SYNCER, parse_args

SUBSET = ["test_sync_basic.py", "test_conflicts.py"]


def main():
    args = parse_args()
    here = os.path.dirname(os.path.abspath(__file__))
    env = dict(os.environ, SYNCER_E2E_TLS="1")
    failed = []
    for name in SUBSET:
        print(f"--- {name} with TLS on", flush=True)
        r = subprocess.run([sys.executable, os.path.join(here, name), "--syncer", args.syncer], env=env, timeout=540)
        if r.returncode != 0:
            failed.append(name)
    print(f"{len(SUBSET) - len(failed)} passed, {len(failed)} failed" + (f": {failed}" if failed else ""))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
