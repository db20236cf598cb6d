"""Claim records and the rule that turns the checks actually run into a status (issue 7).

Each claim C1..C14 of THEORY.md is assessed by a list of ``Check`` objects, each the outcome
of a computation that can fail. The status is *derived* from them, never written by hand:

* ``open``        no check ran;
* ``refuted``     a check of the claim as stated failed, and no refined statement holds;
* ``refined``     the claim as stated fails but a corrected statement holds (scope ``refined``),
                  or it holds as stated and a ``limit`` check shows where it stops holding;
* ``proved``      every check passed and one of them is a symbolic proof (kind ``symbolic``);
* ``reproduced``  every check passed and one of them trains networks (kind ``training``);
* ``verified``    every check passed and all are numerical (kind ``numeric``).
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from ..theory import wave_operator

__all__ = [
    "STATUSES", "KINDS", "SCOPES", "Check", "ClaimResult", "decide", "CLAIM_TITLES", "Context", "PROOFS_DIR",
    "run_proofs", "proof_checks",
]

STATUSES = ("proved", "verified", "reproduced", "refined", "refuted", "open")
KINDS = ("symbolic", "numeric", "training")
SCOPES = ("stated", "refined", "limit")

CLAIM_TITLES = {
    "C1": "Theorem 3.1: any HDS is represented by a traveling wave memory",
    "C2": "Generalized Fibonacci: f = sum of columns",
    "C3": "Linear boundary condition = linear RNN in any basis (shift SSM when A = 0)",
    "C4": "Spectrum: det(lam I - Phi) = det(lam^s I - sum lam^(s-k) A_k)",
    "C5": "Gradients: geometric decay without waves, none within the substrate with waves",
    "C6": "Self-attention boundary = attention-only transformer loop",
    "C7": "Trained W_hh spectrum converges to that of Phi",
    "C8": "Power-iteration basis from the readout reveals Phi",
    "C9": "Hidden waves: past inputs travel across the blocks",
    "C10": "Training improves gradient flow across the substrate",
    "C11": "tanh RNN: Jacobian at the fixed point 0 is W_hh",
    "C12": "Two-phase realizability by linear time-invariant RNNs",
    "C13": "Wave initialization learns faster",
    "C14": "Beyond linear: LSTM/GRU linearizations, nonlinear boundaries",
}


@dataclass(frozen=True)
class Check:
    """One computation that can fail: what was checked, of which kind, and whether it passed.

    ``scope`` is ``stated`` (the claim as written), ``refined`` (a corrected statement) or
    ``limit`` (passes when it exhibits a case outside the claim's validity).
    """

    name: str
    kind: str
    passed: bool
    detail: str = ""
    scope: str = "stated"
    numbers: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind: expected one of {KINDS}, got {self.kind!r}")
        if self.scope not in SCOPES:
            raise ValueError(f"scope: expected one of {SCOPES}, got {self.scope!r}")
        object.__setattr__(self, "passed", bool(self.passed))


def decide(checks: list[Check]) -> str:
    """The status implied by a list of checks (rules in the module docstring).

    >>> decide([])
    'open'
    >>> decide([Check("a", "numeric", True), Check("b", "symbolic", True)])
    'proved'
    >>> decide([Check("a", "numeric", False)])
    'refuted'
    >>> decide([Check("a", "numeric", False), Check("b", "numeric", True, scope="refined")])
    'refined'
    >>> decide([Check("a", "training", True), Check("b", "numeric", True, scope="limit")])
    'refined'
    """
    if not checks:
        return "open"
    stated = [c for c in checks if c.scope == "stated"]
    refined = [c for c in checks if c.scope == "refined"]
    limits = [c for c in checks if c.scope == "limit"]
    if not all(c.passed for c in stated):
        return "refined" if refined and all(c.passed for c in refined) else "refuted"
    if refined and not all(c.passed for c in refined):
        return "refuted"
    if refined or any(c.passed for c in limits):
        return "refined"
    kinds = {c.kind for c in stated + refined}
    if not stated:
        return "open"
    if "symbolic" in kinds:
        return "proved"
    if "training" in kinds:
        return "reproduced"
    return "verified"


@dataclass
class ClaimResult:
    """The record written to claims.json: ``{"id", "status", "evidence", "numbers"}`` (+ details)."""

    id: str
    checks: list[Check]
    summary: str = ""
    figures: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        return decide(self.checks)

    @property
    def evidence(self) -> str:
        parts = [self.summary] if self.summary else []
        for c in self.checks:
            mark = "PASS" if c.passed else "FAIL"
            parts.append(f"[{mark} {c.kind}/{c.scope}] {c.name}" + (f": {c.detail}" if c.detail else ""))
        return " | ".join(parts) if parts else "no check ran"

    @property
    def numbers(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for c in self.checks:
            out.update(c.numbers)
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": CLAIM_TITLES.get(self.id, ""),
            "status": self.status,
            "evidence": self.evidence,
            "numbers": self.numbers,
            "figures": self.figures,
            "checks": [asdict(c) for c in self.checks],
        }


# --------------------------------------------------------------------------- the context of a run

PROOFS_DIR = Path(__file__).resolve().parents[2] / "proofs"


@dataclass
class Context:
    """What every claim check reads: output folder, size of the run, seed, and the Phi under test."""

    out: Path
    quick: bool = True
    seed: int = 0
    Phi: Callable[[Any], np.ndarray] = wave_operator.Phi
    proofs: dict[str, list[tuple[str, bool, float, str]]] = field(default_factory=dict)
    cache: dict[str, Any] = field(default_factory=dict)
    progress: Any = None

    def note(self, msg: str) -> None:
        if self.progress is not None:
            self.progress.set_postfix_str(msg[:60])


# --------------------------------------------------------------------------- proofs


def _proof_claims(path: Path) -> list[str]:
    """Claims a proof file serves: its name (c4_... -> C4) or the first claim IDs named in its title."""
    m = re.match(r"c(\d+)_", path.name)
    if m:
        return [f"C{m.group(1)}"]
    head = path.read_text().split("\n# %%", 3)[:3]
    return sorted(set(re.findall(r"\((C\d+)\)", "".join(head))))


def run_proofs(proofs_dir: Path = PROOFS_DIR, timeout: float = 600) -> dict[str, list[tuple[str, bool, float, str]]]:
    """Run every ``proofs/*.py`` (not ``_*.py``) as a script; map claim ID -> [(name, passed, seconds, last line)]."""
    out: dict[str, list[tuple[str, bool, float, str]]] = {}
    if not proofs_dir.is_dir():
        return out
    for path in sorted(proofs_dir.glob("[!_]*.py")):
        t0 = time.perf_counter()
        try:
            r = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=timeout, cwd=proofs_dir)
            ok, last = r.returncode == 0, (r.stdout.strip().splitlines() or [""])[-1]
            if not ok:
                last = (r.stdout + r.stderr).strip().splitlines()[-1] if (r.stdout + r.stderr).strip() else "failed"
        except subprocess.TimeoutExpired:
            ok, last = False, f"timed out after {timeout:g} s"
        for cid in _proof_claims(path):
            out.setdefault(cid, []).append((path.stem, ok, time.perf_counter() - t0, last))
    return out


def proof_checks(ctx: Context, cid: str) -> list[Check]:
    return [
        Check(f"proofs/{name}.py", "symbolic", ok, f"{last} ({sec:.1f} s)", numbers={f"proof_{name}_seconds": round(sec, 2)})
        for name, ok, sec, last in ctx.proofs.get(cid, [])
    ]
