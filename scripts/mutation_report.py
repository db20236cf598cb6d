"""Summarize a mutmut run: docs/mutation_run.json and README's mutation block (run by scripts/mutation.sh).

Reads the statuses mutmut stored under mutants/ (``python -m mutmut results --all true``) for the mutants whose
names match the globs given on the command line, and docs/mutation_equivalent.toml (mutant name = the reason
it is equivalent: no test can tell it from the original). Writes the counts, the score and every survivor
to docs/mutation_run.json, re-renders README.md's mutation block from it, and exits 1 while a surviving
mutant is neither killed by a test nor listed as equivalent, or a listed one no longer survives.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import json
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EQUIVALENT = ROOT / "docs" / "mutation_equivalent.toml"
RUN = ROOT / "docs" / "mutation_run.json"
KILLED = {"killed", "timeout", "segfault", "caught by type check"}  # a test (or the type checker) noticed
SURVIVED = {"survived", "no tests", "suspicious"}  # nothing noticed: kill it or explain it


def statuses() -> dict[str, str]:
    out = subprocess.run([sys.executable, "-m", "mutmut", "results", "--all", "true"], cwd=ROOT, capture_output=True, text=True, check=True)
    rows = {}
    for line in out.stdout.splitlines():
        name, sep, status = line.strip().rpartition(": ")
        if sep and name:
            rows[name] = status
    return rows


def main(globs: list[str]) -> int:
    rows = {n: s for n, s in statuses().items() if any(fnmatch.fnmatch(n, g) for g in globs)}
    if not rows:
        print(f"no mutant matches {globs}: run mutmut first (bash scripts/mutation.sh)")
        return 1
    unknown = sorted({s for s in rows.values()} - KILLED - SURVIVED)
    if unknown:
        print(f"the run is incomplete (statuses {unknown}): rerun bash scripts/mutation.sh")
        return 1
    listed = tomllib.loads(EQUIVALENT.read_text())["equivalent"] if EQUIVALENT.exists() else {}
    survivors = sorted(n for n, s in rows.items() if s in SURVIVED)
    equivalent = [{"name": n, "reason": listed[n]} for n in survivors if n in listed]
    unexplained = [n for n in survivors if n not in listed]
    stale = sorted(n for n in listed if n in rows and n not in survivors)
    killed = sum(s in KILLED for s in rows.values())
    modules = sorted({n.split(".x_")[0].split(".xǁ")[0] for n in rows})
    run = {
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d"),
        "command": "bash scripts/mutation.sh" + ("" if globs == DEFAULT else " " + " ".join(globs)),
        "globs": globs, "modules": modules, "mutants": len(rows), "killed": killed, "survived": len(survivors),
        "equivalent": equivalent, "unexplained": unexplained,
        "score": killed / len(rows), "score_without_equivalent": killed / (len(rows) - len(equivalent)),
        "by_status": {s: sum(v == s for v in rows.values()) for s in sorted(set(rows.values()))},
    }
    RUN.write_text(json.dumps(run, indent=2, ensure_ascii=False) + "\n")
    sys.path.insert(0, str(ROOT))
    from wavetheory.claims.readme import update_readme

    update_readme()
    print(f"{killed}/{len(rows)} mutants killed ({run['score']:.1%}); {len(equivalent)} equivalent; "
          f"{len(unexplained)} unexplained survivors; wrote {RUN.relative_to(ROOT)} and README.md")
    for n in unexplained:
        print(f"  survived, not explained: {n}  (python -m mutmut show {n})")
    for n in stale:
        print(f"  listed as equivalent but no longer survives: {n}")
    return 1 if unexplained or stale else 0


DEFAULT = ["wavetheory.claims.evidence.*", "wavetheory.theory.eigenstructure.*", "wavetheory.theory.realizability.*"]

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or DEFAULT))
