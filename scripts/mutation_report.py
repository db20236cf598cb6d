"""Summarize a mutmut run: docs/mutation_run.json, shown on the docs' Mutation testing page (run by scripts/mutation.sh).

Reads the statuses mutmut stored under mutants/ (``python -m mutmut results --all true``) for the mutants whose
names match the globs given on the command line, and docs/mutation_equivalent.toml (mutant name = the reason
it is equivalent: no test can tell it from the original). One class is recognized from the mutant's diff
(``python -m mutmut show``) instead of by name: a mutant that only edits the text inside the string literals of
a ``raise`` line (``"XXhorizon: ...XX"``) changes an error message, not a result; it is listed with that reason. Writes the counts, the score and every survivor
to docs/mutation_run.json (the docs' Mutation testing page renders it at build time), and exits 1 while a surviving
mutant is neither killed by a test nor listed as equivalent, or a listed one no longer survives.

Suites: the default (the code that decides verdicts) writes docs/mutation_run.json and README's block;
``--suite learning`` (the learning wing's measurements) writes docs/mutation_run_learning.json only.

Runs of parts of a suite merge by module: the file keeps ``parts``, one record per run and module set (its
globs, date, counts, survivors); a new run replaces the parts that hold any module it mutated and keeps the
others, and the totals at the top (counts, score, every equivalent and unexplained survivor) are sums over the
parts, so that one file covers every module run so far whichever subset the last run mutated.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EQUIVALENT = ROOT / "docs" / "mutation_equivalent.toml"
RUN = ROOT / "docs" / "mutation_run.json"
KILLED = {"killed", "timeout", "segfault", "caught by type check"}  # a test (or the type checker) noticed
SURVIVED = {"survived", "no tests", "suspicious"}  # nothing noticed: kill it or explain it
NOT_RUN = "not checked"  # the run was stopped before this mutant


def statuses() -> dict[str, str]:
    out = subprocess.run([sys.executable, "-m", "mutmut", "results", "--all", "true"], cwd=ROOT, capture_output=True, text=True, check=True)
    rows = {}
    for line in out.stdout.splitlines():
        name, sep, status = line.strip().rpartition(": ")
        if sep and name:
            rows[name] = status
    return rows


MESSAGE_ONLY = ("changes only the text of an error message (string literals of a raise line); the exception type "
                "and the argument name that the tests match are unchanged")
_STRING = re.compile(r"""(?:[rRfFbBuU]{0,2})("[^"\\]*(?:\\.[^"\\]*)*"|'[^'\\]*(?:\\.[^'\\]*)*')""")


def message_only(name: str) -> bool:
    """True when the mutant's diff replaces one raise line by one that differs only inside string literals."""
    diff = subprocess.run([sys.executable, "-m", "mutmut", "show", name], cwd=ROOT, capture_output=True, text=True).stdout
    old = [ln[1:] for ln in diff.splitlines() if ln.startswith("-") and not ln.startswith("---")]
    new = [ln[1:] for ln in diff.splitlines() if ln.startswith("+") and not ln.startswith("+++")]
    if len(old) != 1 or len(new) != 1 or "raise " not in old[0] or "raise " not in new[0]:
        return False
    blank = lambda line: _STRING.sub('""', line)  # noqa: E731
    return old[0] != new[0] and blank(old[0]) == blank(new[0])


def module_of(name: str) -> str:
    """The module of a mutant name (``pkg.mod.x_function__mutmut_3``, ``pkg.mod.xǁClassǁmethod__mutmut_3``)."""
    return name.split(".x_")[0].split(".xǁ")[0]


TOTALS = ("mutants", "killed", "survived", "not_run")


def merge(previous: dict | None, part: dict) -> tuple[dict, list[str]]:
    """The suite's record: ``part`` (this run) replaces the earlier parts that share a module with it, the others
    are kept; the counts, score and survivors at the top are sums over the parts. Returns (record, modules that a
    replaced part held and this run did not mutate). A record written before parts existed is one part."""
    if previous is None:
        earlier = []
    else:
        earlier = previous.get("parts") or [{k: v for k, v in previous.items() if k not in ("score", "score_without_equivalent")}]
    kept = [p for p in earlier if not set(p["modules"]) & set(part["modules"])]
    dropped = sorted({m for p in earlier if p not in kept for m in p["modules"]} - set(part["modules"]))
    parts = sorted(kept + [part], key=lambda p: p["modules"])
    run = {k: sum(p[k] for p in parts) for k in TOTALS}
    equivalent = [e for p in parts for e in p["equivalent"]]
    statuses = sorted({s for p in parts for s in p["by_status"]})
    run.update(
        date=max(p["date"] for p in parts),
        command="; ".join(p["command"] for p in parts),
        modules=sorted(m for p in parts for m in p["modules"]),
        functions={m: f for p in parts for m, f in p["functions"].items()},
        equivalent=equivalent, unexplained=[n for p in parts for n in p["unexplained"]],
        score=run["killed"] / run["mutants"], score_without_equivalent=run["killed"] / (run["mutants"] - len(equivalent)),
        by_status={s: sum(p["by_status"].get(s, 0) for p in parts) for s in statuses},
        parts=parts,
    )
    return run, dropped


def main(globs: list[str], suite: str = "verdicts") -> int:
    run_path = RUN if suite == "verdicts" else RUN.with_name(f"mutation_run_{suite}.json")
    rows = {n: s for n, s in statuses().items() if any(fnmatch.fnmatch(n, g) for g in globs)}
    if not rows:
        print(f"no mutant matches {globs}: run mutmut first (bash scripts/mutation.sh)")
        return 1
    unknown = sorted({s for s in rows.values()} - KILLED - SURVIVED - {NOT_RUN})
    if unknown:
        print(f"unexpected statuses {unknown}: rerun bash scripts/mutation.sh")
        return 1
    not_run = sorted(n for n, s in rows.items() if s == NOT_RUN)  # an interrupted run: reported, not scored
    rows = {n: s for n, s in rows.items() if s != NOT_RUN}
    listed = tomllib.loads(EQUIVALENT.read_text())["equivalent"] if EQUIVALENT.exists() else {}
    survivors = sorted(n for n, s in rows.items() if s in SURVIVED)
    reasons = {n: listed[n] for n in survivors if n in listed}
    reasons.update({n: MESSAGE_ONLY for n in survivors if n not in listed and message_only(n)})
    equivalent = [{"name": n, "reason": reasons[n]} for n in survivors if n in reasons]
    unexplained = [n for n in survivors if n not in reasons]
    stale = sorted(n for n in listed if n in rows and n not in survivors)
    killed = sum(s in KILLED for s in rows.values())
    modules = sorted({module_of(n) for n in rows})
    functions = {m: sorted({n.split("__mutmut_")[0].split(m + ".")[1] for n in rows if n.startswith(m + ".")}) for m in modules}
    part = {
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d"),
        "command": "bash scripts/mutation.sh" + ("" if suite == "verdicts" else f" --{suite}")
                   + ("" if globs == SUITES[suite] else " " + " ".join(globs)),
        "globs": globs, "modules": modules, "functions": functions, "not_run": len(not_run), "mutants": len(rows), "killed": killed, "survived": len(survivors),
        "equivalent": equivalent, "unexplained": unexplained,
        "by_status": {s: sum(v == s for v in rows.values()) for s in sorted(set(rows.values()))},
    }
    previous = json.loads(run_path.read_text()) if run_path.exists() else None
    run, dropped = merge(previous, part)
    run_path.write_text(json.dumps(run, indent=2, ensure_ascii=False) + "\n")
    print(f"this run: {killed}/{len(rows)} mutants killed ({killed / len(rows):.1%}); {len(equivalent)} equivalent; "
          f"{len(unexplained)} unexplained survivors")
    print(f"{run_path.relative_to(ROOT)} (every part, {len(run['modules'])} modules): {run['killed']}/{run['mutants']} "
          f"mutants killed ({run['score']:.1%}); {len(run['equivalent'])} equivalent; {len(run['unexplained'])} "
          "unexplained survivors (the docs' Mutation testing page renders it)")
    for m in dropped:
        print(f"  module {m} was in a part this run replaced but not mutated now: rerun it to count it again")
    for n in unexplained:
        print(f"  survived, not explained: {n}  (python -m mutmut show {n})")
    for n in stale:
        print(f"  listed as equivalent but no longer survives: {n}")
    if not_run:
        print(f"  {len(not_run)} mutants not run (the run was stopped): rerun bash scripts/mutation.sh to finish")
    return 1 if unexplained or stale or not_run else 0


E = "wavetheory.theory.eigenstructure"
DEFAULT = ["wavetheory.claims.evidence.*", "wavetheory.theory.realizability.*", f"{E}.x_rank_sequence*", f"{E}.x_jordan_*",
           f"{E}.x_structure_eigenvalues*", f"{E}.x_eigenvalue_condition_numbers*", f"{E}.x_eigenvector_condition*",
           f"{E}.x_departure_from_normality*", f"{E}.x_cluster_spread*"]  # as in scripts/mutation.sh
L, A = "wavetheory.learning", "wavetheory.learning.analysis"
LEARNING = [f"{L}.spectrum_match.*", f"{L}.power_basis.*", f"{A}.x_analyze__*", f"{A}.x_wave_decoding__*", f"{A}.x_null_model__*",
            f"{A}.x__road_seed__*", f"{A}.x_hidden_states__*", f"{A}.x_check_task__*", f"{L}.substrate.*",
            f"{L}.trainer.x__after_step__*", f"{L}.data.x_sign_accuracy__*"]
SUITES = {"verdicts": DEFAULT, "learning": LEARNING}  # as in scripts/mutation.sh

if __name__ == "__main__":
    args = sys.argv[1:]
    suite = "verdicts"
    if args[:1] == ["--suite"]:
        if len(args) < 2 or args[1] not in SUITES:
            sys.exit(f"--suite: expected one of {', '.join(SUITES)}")
        suite, args = args[1], args[2:]
    sys.exit(main(args or SUITES[suite], suite))
