"""The evidence model: checks with a kind, a road and a scope, and the rule that turns them into a status (issue 12).

Each claim C1..C16 of THEORY.md is assessed by a list of ``Check`` objects, each the outcome of a
computation that can fail. A check has a **kind** (what it says about the claim) and a **road** (how it
was computed):

* kind ``stated``   the claim as written; ``refined`` a corrected statement that ``replaces`` one named
  stated check; ``limit`` where the claim stops holding (reported, never changes the status);
  ``control`` the same measurement where the effect must be absent (a failed control means the
  measurement does not discriminate: it counts like a failed stated check);
* road ``symbolic`` (a runnable proof or an exact SymPy identity), ``numeric`` (float64 comparisons with
  their tolerance) or ``trained`` (networks trained over seeds).

The status is *derived* (``decide``), never written by hand:

* ``open``        no stated check ran;
* ``refuted``     a failed stated or control check that no passing refined check replaces;
* ``refined``     some stated (or control) check failed, and each failed one is replaced by a passing
                  refined check that names it (``replaces``), with no failing refined check naming it (a
                  refined statement holds only when all of its checks pass);
* ``proved``      every stated and control check passed, and a stated symbolic check of *general* scope
                  passed (a machine-checked argument for all sizes);
* ``reproduced``  every stated and control check passed, and a stated check trained networks;
* ``verified``    every stated and control check passed (numeric, or symbolic up to a bound: the
                  verdict reports the bound, e.g. ``verified (s <= 5, d <= 2)``).
"""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from ..stats import wilson_interval
from ..theory import wave_operator
from ..thresholds import SEED_FRACTION

__all__ = [
    "STATUSES", "KINDS", "ROADS", "Scope", "Check", "seed_check", "decide", "ClaimResult", "CLAIM_TITLES",
    "Context", "ProofRun", "PROOFS_DIR", "run_proofs", "proof_checks",
]

STATUSES = ("proved", "verified", "reproduced", "refined", "refuted", "open")
KINDS = ("stated", "refined", "limit", "control")
ROADS = ("symbolic", "numeric", "trained")

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
    "C15": "State-space models: diagonal linear recurrences on the two-phase tasks",
    "C16": "The smallest memory: minimal hidden size of a linear RNN for an LTI-realizable task",
}


def _json(v: Any) -> Any:
    """A JSON-able copy: numpy scalars/arrays to Python, tuples to lists, non-finite floats to strings."""
    if isinstance(v, dict):
        return {str(k): _json(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_json(x) for x in v]
    if isinstance(v, np.ndarray):
        return _json(v.tolist())
    if isinstance(v, (np.bool_, bool)):
        return bool(v)
    if isinstance(v, (np.integer, int)):
        return int(v)
    if isinstance(v, (np.floating, float)):
        return float(v) if math.isfinite(v) else str(float(v))
    if isinstance(v, complex):
        return [v.real, v.imag]
    if v is None or isinstance(v, str):
        return v
    raise TypeError(f"value: not JSON-able: {type(v).__name__}")


@dataclass(frozen=True)
class Scope:
    """What a check covered: a readable text, whether it holds for all sizes, seeds and sizes run.

    ``general=True`` only for a machine-checked argument valid for every size (symbolic in s and d, or
    an induction whose base and step are both checked symbolically); anything up to a bound is not.
    """

    text: str
    general: bool = False
    seeds: tuple[int, ...] = ()
    sizes: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.text, str):
            raise TypeError(f"text: expected str, got {type(self.text).__name__}")
        object.__setattr__(self, "general", bool(self.general))
        object.__setattr__(self, "seeds", tuple(int(s) for s in self.seeds))

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "general": self.general, "seeds": list(self.seeds), "sizes": _json(self.sizes)}


@dataclass(frozen=True)
class Check:
    """One computation that can fail: its name, kind, road, verdict, measured value and threshold, and scope.

    ``detail`` is formatted from the measured values. A ``refined`` check names in ``replaces`` the stated
    check it replaces; no other kind may. ``per_seed`` and ``interval`` (Wilson 95% of the passing
    fraction) are filled for trained checks over seeds (``seed_check``).
    """

    name: str
    kind: str
    road: str
    passed: bool
    value: Any = None
    threshold: Any = None
    detail: str = ""
    scope: Scope = Scope("")
    replaces: str | None = None
    per_seed: tuple | None = None
    interval: tuple[float, float] | None = None
    numbers: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"name: expected a non-empty string, got {self.name!r}")
        if self.kind not in KINDS:
            raise ValueError(f"kind: expected one of {KINDS}, got {self.kind!r}")
        if self.road not in ROADS:
            raise ValueError(f"road: expected one of {ROADS}, got {self.road!r}")
        if not isinstance(self.scope, Scope):
            raise TypeError(f"scope: expected a Scope, got {type(self.scope).__name__}")
        if self.kind == "refined" and not (isinstance(self.replaces, str) and self.replaces):
            raise ValueError(f"replaces: a refined check must name the stated check it replaces ({self.name!r})")
        if self.kind != "refined" and self.replaces is not None:
            raise ValueError(f"replaces: only a refined check replaces another, not a {self.kind} one ({self.name!r})")
        object.__setattr__(self, "passed", bool(self.passed))
        if self.per_seed is not None:
            object.__setattr__(self, "per_seed", tuple(self.per_seed))
        if self.interval is not None:
            object.__setattr__(self, "interval", tuple(float(x) for x in self.interval))

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.kind, "road": self.road, "passed": self.passed,
                "value": _json(self.value), "threshold": _json(self.threshold), "detail": self.detail,
                "scope": self.scope.to_json(), "replaces": self.replaces, "per_seed": _json(self.per_seed),
                "interval": _json(self.interval), "numbers": _json(self.numbers)}


def _g(v: Any) -> str:
    return "failed" if v is None else f"{v:.3g}" if isinstance(v, float) else str(v)


def seed_check(name: str, kind: str, values: Sequence[Any], passes: Callable[[Any], bool], threshold: Any,
               seeds: Sequence[int], scope_text: str, replaces: str | None = None,
               detail_fmt: str = "{k}/{n} seeds pass (Wilson 95% {lo:.2f}-{hi:.2f}); per seed {per_seed}") -> Check:
    """A trained check over seeds: it holds when the fraction k/n of seeds that pass is at least SEED_FRACTION.

    k = #{i : values[i] is not None and passes(values[i])} (None = that seed's run failed); the check's
    value is k / n, its interval the Wilson 95% interval of k / n, ``per_seed`` the values. ``detail_fmt``
    is formatted with k, n, lo, hi, per_seed (the values, 3 digits) and threshold.

    >>> c = seed_check("acc >= 0.99", "stated", [0.995, 0.999, None, 0.991, 0.992], lambda v: v >= 0.99, 0.99,
    ...                range(5), "repeat copy d = 3, s = 4; seeds 0-4")
    >>> c.passed, c.value, c.per_seed[2], c.road
    (True, 0.8, None, 'trained')
    """
    values, seeds = list(values), tuple(int(s) for s in seeds)
    if not values:
        raise ValueError("values: expected at least one seed's value")
    if len(seeds) != len(values):
        raise ValueError(f"seeds: expected one seed per value ({len(values)}), got {len(seeds)}")
    k, n = sum(v is not None and bool(passes(v)) for v in values), len(values)
    lo, hi = wilson_interval(k, n)
    detail = detail_fmt.format(k=k, n=n, lo=lo, hi=hi, threshold=threshold,
                               per_seed="[" + ", ".join(_g(v) for v in values) + "]")
    return Check(name, kind, "trained", k / n >= SEED_FRACTION, value=k / n, threshold=threshold, detail=detail,
                 scope=Scope(scope_text, seeds=seeds), replaces=replaces, per_seed=tuple(values), interval=(lo, hi))


def decide(checks: Sequence[Check]) -> str:
    """The status implied by a list of checks (rules in the module docstring).

    >>> S = lambda n, ok, road="numeric", **kw: Check(n, "stated", road, ok, **kw)
    >>> decide([]), decide([S("a", True)])
    ('open', 'verified')
    >>> decide([S("a", True), S("p", True, "symbolic", scope=Scope("general", general=True))])
    'proved'
    >>> decide([S("a", False), Check("r", "refined", "numeric", True, replaces="a")])
    'refined'
    >>> decide([S("a", False), Check("r", "refined", "numeric", True, replaces="b")])  # names no failed check
    'refuted'
    >>> decide([S("a", False), Check("r", "refined", "numeric", True, replaces="a"),
    ...         Check("q", "refined", "numeric", False, replaces="a")])  # the refinement itself fails a check
    'refuted'
    """
    stated = [c for c in checks if c.kind == "stated"]
    if not stated:
        return "open"
    failed = [c for c in checks if c.kind in ("stated", "control") and not c.passed]
    if failed:
        refined = [c for c in checks if c.kind == "refined"]
        # a refinement holds when every refined check that names the failed check passed (at least one)
        rescued = {c.replaces for c in refined} - {c.replaces for c in refined if not c.passed}
        return "refined" if all(f.name in rescued for f in failed) else "refuted"
    if any(c.road == "symbolic" and c.scope.general and c.passed for c in stated):
        return "proved"
    if any(c.road == "trained" for c in stated):
        return "reproduced"
    return "verified"


def _scope_of(checks: Sequence[Check], status: str) -> str:
    """The scope a verdict rests on: the checks that decided it, their scope texts joined."""
    stated = [c for c in checks if c.kind == "stated"]
    if status == "proved":
        basis = [c for c in stated if c.road == "symbolic" and c.scope.general and c.passed]
    elif status == "verified":
        basis = [c for c in stated if c.road == "symbolic"] or stated
    elif status == "reproduced":
        basis = [c for c in stated if c.road == "trained"]
    elif status == "refined":
        basis = [c for c in checks if c.kind == "refined" and c.passed]
        basis = [c for c in basis if c.road == "symbolic" and c.scope.general] or basis
    elif status == "refuted":
        basis = [c for c in checks if c.kind in ("stated", "control") and not c.passed]
    else:
        basis = []
    return "; ".join(dict.fromkeys(c.scope.text for c in basis if c.scope.text))


@dataclass
class ClaimResult:
    """One claim's record in claims.json: every check it ran, the derived status and the verdict's scope."""

    id: str
    checks: list[Check]
    summary: str = ""
    figures: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        return decide(self.checks)

    @property
    def scope(self) -> str:
        """The text of the scope the status rests on, e.g. ``s <= 5, d <= 2`` for a bounded proof."""
        return _scope_of(self.checks, self.status)

    @property
    def verdict(self) -> str:
        """Status with its scope, e.g. ``verified (s <= 5, d <= 2)``."""
        return f"{self.status} ({self.scope})" if self.scope else self.status

    @property
    def evidence(self) -> str:
        parts = [self.summary] if self.summary else []
        for c in self.checks:
            mark = "PASS" if c.passed else "FAIL"
            parts.append(f"[{mark} {c.kind}/{c.road}] {c.name}" + (f": {c.detail}" if c.detail else ""))
        return " | ".join(parts) if parts else "no check ran"

    @property
    def numbers(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for c in self.checks:
            out.update(c.numbers)
        return out

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "title": CLAIM_TITLES.get(self.id, ""), "status": self.status, "scope": self.scope,
                "verdict": self.verdict, "summary": self.summary, "evidence": self.evidence,
                "numbers": _json(self.numbers), "figures": [str(f) for f in self.figures],
                "checks": [c.to_json() for c in self.checks]}


# --------------------------------------------------------------------------- the context of a run

PROOFS_DIR = Path(__file__).resolve().parents[2] / "proofs"


@dataclass(frozen=True)
class ProofRun:
    """One run of a proofs/*.py script: exit status, time, last line, steps checked and declared scope."""

    name: str
    passed: bool
    seconds: float
    last: str
    steps: int | None
    scope: Scope


@dataclass
class Context:
    """What every claim check reads: output folder, size of the run, seed, and the Phi under test."""

    out: Path
    quick: bool = True
    seed: int = 0
    Phi: Callable[[Any], np.ndarray] = wave_operator.Phi
    n_seeds: int | None = None  # seeds per trained family; None: the mode's (trained_runs.seeds)
    proofs: dict[str, list[ProofRun]] = field(default_factory=dict)
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


def parse_proof_output(stdout: str) -> tuple[Scope, int | None]:
    """The scope a proof declared (its ``SCOPE {json}`` line, printed by ``_common.done``) and its step count.

    A proof that declares no scope gets ``Scope("scope not declared")``: not general.

    >>> parse_proof_output('ok    a\\nSCOPE {"text": "s <= 4", "general": false}\\nx: all 7 checks passed')
    (Scope(text='s <= 4', general=False, seeds=(), sizes={}), 7)
    """
    scope, steps = Scope("scope not declared"), None
    for line in stdout.splitlines():
        if line.startswith("SCOPE "):
            d = json.loads(line[6:])
            scope = Scope(d["text"], general=d.get("general", False), sizes=d.get("sizes", {}))
        m = re.search(r"all (\d+) checks passed", line)
        if m:
            steps = int(m.group(1))
    return scope, steps


def run_proofs(proofs_dir: Path = PROOFS_DIR, timeout: float = 600) -> dict[str, list[ProofRun]]:
    """Run every ``proofs/*.py`` (not ``_*.py``) as a script; map claim ID -> its proof runs."""
    out: dict[str, list[ProofRun]] = {}
    if not proofs_dir.is_dir():
        return out
    for path in sorted(proofs_dir.glob("[!_]*.py")):
        t0 = time.perf_counter()
        try:
            r = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=timeout, cwd=proofs_dir)
            ok, text = r.returncode == 0, (r.stdout + r.stderr).strip()
            last = (r.stdout.strip() if ok else text).splitlines()[-1] if text else ("" if ok else "failed")
            scope, steps = parse_proof_output(r.stdout)
        except subprocess.TimeoutExpired:
            ok, last, scope, steps = False, f"timed out after {timeout:g} s", Scope("timed out"), None
        run = ProofRun(path.stem, ok, time.perf_counter() - t0, last, steps, scope)
        for cid in _proof_claims(path):
            out.setdefault(cid, []).append(run)
    return out


def proof_checks(ctx: Context, cid: str, kind: str = "stated", replaces: str | None = None) -> list[Check]:
    """One symbolic check per proof of claim ``cid``, with the scope the proof declared."""
    return [Check(f"proofs/{p.name}.py", kind, "symbolic", p.passed, value=p.steps,
                  detail=f"{p.last} ({p.seconds:.1f} s)", scope=p.scope, replaces=replaces,
                  numbers={f"proof_{p.name}_seconds": round(p.seconds, 2)})
            for p in ctx.proofs.get(cid, [])]
