"""Time README's test command and its fast tier on this machine: docs/test_timing.json, then README's block.

    python scripts/time_tests.py            # both tiers (the full one takes minutes), then README.md
    python scripts/time_tests.py --fast     # the fast tier only

Each tier runs in a subprocess with pytest's own summary line kept (``N passed, ...``); the record holds
the machine, the commit and the date, and ``python scripts/readme.py`` renders README's ``tests`` block
from it. A tier that fails is recorded as it ended: README then says so.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TIERS = {"fast": 'python -m pytest -q -m "not slow"', "full": "python -m pytest -q"}


def _summary(output: str) -> str:
    """pytest's last line without its '=' rule and timing, e.g. '1049 passed, 3 skipped'."""
    lines = [line.strip("= ").strip() for line in output.strip().splitlines() if line.strip()]
    last = lines[-1] if lines else "no output"
    return last.rsplit(" in ", 1)[0]


def time_tier(name: str) -> dict:
    t0 = time.perf_counter()
    proc = subprocess.run(TIERS[name], shell=True, cwd=ROOT, capture_output=True, text=True)
    return {"name": name, "command": TIERS[name], "seconds": round(time.perf_counter() - t0, 1),
            "returncode": proc.returncode, "summary": _summary(proc.stdout)}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python scripts/time_tests.py", description=__doc__.splitlines()[0])
    p.add_argument("--fast", action="store_true", help="time the fast tier only")
    args = p.parse_args(argv)
    sys.path.insert(0, str(ROOT / "scripts"))
    import readme

    tiers = [time_tier(n) for n in (["fast"] if args.fast else list(TIERS))]
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    record = {"tiers": tiers, "commit": commit or "unknown", "date": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d"),
              "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"}
    readme.write_json(readme.TEST_TIMING, record)
    readme.update_readme()
    for t in tiers:
        print(f"{t['command']}: {t['seconds']:.0f} s, {t['summary']} (exit {t['returncode']})")
    return max(t["returncode"] for t in tiers)


if __name__ == "__main__":
    sys.exit(main())
