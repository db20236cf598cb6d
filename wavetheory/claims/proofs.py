"""The runnable proofs in proofs/ as evidence: run each script, read the scope it declared, declare and judge its check.

Every ``proofs/*.py`` (not ``_*.py``) is a script that exits non-zero at its first failed step and ends with a
``SCOPE {json}`` line (``proofs/_common.done``): the text of what its steps cover, whether they hold for every size
(``general``, checked by _common: the steps that carry the generality ran with symbolic dimensions), and the steps
it ``cites`` from the literature without checking them. A claim declares one check per proof it rests on
(``proof_check``: kind, row; the threshold is exit status 0) before anything runs.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from .evidence import Check, Declared, Scope

__all__ = ["PROOFS_DIR", "ProofRun", "parse_proof_output", "proof_files", "run_proofs", "proof_check", "judge_proof"]

PROOFS_DIR = Path(__file__).resolve().parents[2] / "proofs"


@dataclass(frozen=True)
class ProofRun:
    """One run of a proofs/*.py script: exit status, time, last line, steps checked and declared scope."""

    name: str
    returncode: int
    seconds: float
    last: str
    steps: int | None
    scope: Scope

    @property
    def passed(self) -> bool:
        return self.returncode == 0


def parse_proof_output(stdout: str) -> tuple[Scope, int | None]:
    """The scope a proof declared (its ``SCOPE {json}`` line) and its step count.

    A proof that declares no scope gets ``Scope("scope not declared")``: not general.

    >>> parse_proof_output('ok    a\\nSCOPE {"text": "s <= 4", "general": false}\\nx: all 7 checks passed')
    (Scope(text='s <= 4', general=False, seeds=(), sizes={}, cites=()), 7)
    """
    scope, steps = Scope("scope not declared"), None
    for line in stdout.splitlines():
        if line.startswith("SCOPE "):
            d = json.loads(line[6:])
            scope = Scope(d["text"], general=d.get("general", False), sizes=d.get("sizes", {}), cites=d.get("cites", ()))
        m = re.search(r"all (\d+) checks passed", line)
        if m:
            steps = int(m.group(1))
    return scope, steps


def proof_files(proofs_dir: Path = PROOFS_DIR) -> list[Path]:
    """Every proof script; a missing folder is an error that names it (an installed wheel has no proofs/)."""
    if not proofs_dir.is_dir():
        raise FileNotFoundError(f"proofs: the folder {proofs_dir} is missing; the proofs ship with the source tree "
                                "(git clone), not with the installed package")
    return sorted(proofs_dir.glob("[!_]*.py"))


def run_proofs(proofs_dir: Path = PROOFS_DIR, timeout: float = 600) -> dict[str, ProofRun]:
    """Run every proof as a script (dying with this process); map proof name -> its run."""
    from ..io import die_with_parent

    out: dict[str, ProofRun] = {}
    for path in proof_files(proofs_dir):
        t0 = time.perf_counter()
        try:
            r = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=timeout, cwd=proofs_dir,
                               preexec_fn=die_with_parent)
            text = (r.stdout + r.stderr).strip()
            last = (r.stdout.strip() if r.returncode == 0 else text).splitlines()[-1] if text else ""
            scope, steps = parse_proof_output(r.stdout)
            code = r.returncode
        except subprocess.TimeoutExpired:
            code, last, scope, steps = -1, f"timed out after {timeout:g} s", Scope("timed out"), None
        out[path.stem] = ProofRun(path.stem, code, time.perf_counter() - t0, last, steps, scope)
    return out


def proof_check(name: str, claim: str, row: str, kind: str = "stated", replaces: str | None = None,
                scope: str = "as the proof declares") -> Declared:
    """The declared check of one proof: ``proofs/NAME.py`` exits with status 0."""
    return Declared(f"proofs/{name}.py", claim, row, kind, "symbolic", f"exit status of proofs/{name}.py", "==", 0,
                    "a proof script exits non-zero at its first failed step (proofs/_common.check)",
                    replaces=replaces, scope=scope)


def judge_proof(declared: Declared, proofs: dict[str, ProofRun]) -> Check:
    """Judge a proof's declared check from the run's proof runs (no run: no data, e.g. proofs skipped)."""
    name = declared.name.removeprefix("proofs/").removesuffix(".py")
    run = proofs.get(name)
    if run is None:
        return Check(declared, None, reason="the proofs were not run", scope=Scope("not run"))
    return Check(declared, run.returncode == 0, value=run.returncode, scope=run.scope,
                 detail=f"{run.last} ({run.seconds:.1f} s, {run.steps if run.steps is not None else '?'} steps)",
                 numbers={f"proof_{run.name}_seconds": round(run.seconds, 2)})
