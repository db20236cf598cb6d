"""The evidence model: checks declared before a run, judged by the run, and the rule that turns them into a status.

A claim C1..C16 of THEORY.md is split into **rows** (sub-claims, "C7.1", "C7.2"), each judged by checks
that are **declared** (``Declared``) before anything runs: name, row, kind, road, the measured quantity,
the relation and threshold with their justification, the controls, the scope. A run only fills in values
(``Declared.judge`` / ``Declared.judge_seeds``): a measurement cannot choose a kind or a threshold.

One polarity: a check PASSES when the claim holds as worded (for a ``limit``, when the wording also holds
outside the claim's scope; for a ``control``, when the effect is absent where it must be).

Kinds: ``stated`` (the claim as written; any check whose wording lies inside the claim's scope),
``refined`` (a corrected statement that ``replaces`` one stated check of its row), ``limit`` (outside the
claim's scope: reported, never changes a status), ``control`` (the same measurement where the effect must
be absent; it names nothing, the checks it controls name it in their ``controls``).

The rule (``decide_row``; README "How a status is decided"; tests/claims/test_evidence.py breaks each):

1. A stated check *fails* when it failed, or when one of its controls failed (a failed control voids the
   check it controls), or when it has no data while another stated check of the row failed.
2. A failed stated check is *rescued* when another stated check of the row passed (when every stated check fails,
   nothing of the wording held: ``refuted``, the refinements reported as the corrected statement), and when at least one refined check replaces it, every refined check that
   replaces it passed, each of those has passing controls (at least one when the stated check was voided by
   its control or is trained), and the failed check is not a general symbolic proof (numbers never rescue
   a failed proof).
3. ``refuted``: a failed stated check not rescued. ``open``: no stated check, or a stated check without data
   (a crash, a precondition not met), with the reason; never ``refuted`` for lack of data; also ``open`` when a
   refined check failed although the stated check it refines passed (the evidence disagrees with itself).
   ``refined``: every failed stated check rescued. ``proved``: every stated check passed and the row holds a
   passing symbolic check of general scope and no trained one. ``reproduced``: every stated check passed
   and one trained networks. ``verified``: every stated check passed otherwise.
4. A claim's status (``decide_claim``): ``refuted`` if a row is refuted, else ``open`` if a row is open, else
   ``refined`` if a row is refined, else ``proved`` if every row is proved, else ``reproduced`` if a row is,
   else ``verified``.

Trained checks decide on the measured quantity: per-seed values, their median and a 95% bootstrap interval
of the median (``stats.median_bootstrap``); "<= eps" passes when the interval lies at or below eps, ">= eps"
when it lies at or above, and a ``universal`` check (no seed may ...) fails on one counterexample. k/n is
information only.
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass, field, replace
from typing import Any, Sequence


from ..jsonable import to_jsonable
from ..stats import median_bootstrap

__all__ = [
    "STATUSES", "CHECK_KINDS", "EVIDENCE_ROADS", "RELATIONS", "MIN_SEEDS", "Scope", "Declared", "Check", "decide_row",
    "decide_claim", "RowResult", "ClaimResult",
]

STATUSES = ("proved", "verified", "reproduced", "refined", "refuted", "open")
CHECK_KINDS = ("stated", "refined", "limit", "control")
EVIDENCE_ROADS = ("symbolic", "numeric", "trained")
RELATIONS = {"<=": operator.le, ">=": operator.ge, "<": operator.lt, ">": operator.gt, "==": operator.eq}

# A trained check needs values from at least this many seeds to have an interval; fewer is "no data" (open).
MIN_SEEDS = 3


@dataclass(frozen=True)
class Scope:
    """What a check covered: a readable text, whether it holds for all sizes, the seeds and sizes run, citations.

    ``general=True`` only for a machine-checked argument valid for every size (proofs/_common.py checks that a
    proof declaring it ran its steps with symbolic dimensions); ``cites`` lists steps taken from the literature
    without being checked.
    """

    text: str
    general: bool = False
    seeds: tuple[int, ...] = ()
    sizes: dict = field(default_factory=dict)
    cites: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.text, str):
            raise TypeError(f"text: expected str, got {type(self.text).__name__}")
        object.__setattr__(self, "general", bool(self.general))
        object.__setattr__(self, "seeds", tuple(int(s) for s in self.seeds))
        object.__setattr__(self, "cites", tuple(str(c) for c in self.cites))

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "general": self.general, "seeds": list(self.seeds), "sizes": to_jsonable(self.sizes),
                "cites": list(self.cites)}


@dataclass(frozen=True)
class Declared:
    """One check as declared before the run: what is measured, how it is judged, and why that threshold.

    ``relation`` compares the measured quantity with ``threshold`` (PASS = the claim holds as worded);
    ``controls`` names the control checks whose failure voids this one; ``replaces`` (refined checks only) names
    the stated check of the same row it replaces; ``universal``: a trained check that fails on one seed.
    """

    name: str
    claim: str
    row: str
    kind: str
    road: str
    quantity: str
    relation: str
    threshold: Any
    justification: str
    controls: tuple[str, ...] = ()
    replaces: str | None = None
    universal: bool = False
    scope: str = ""

    def __post_init__(self) -> None:
        for f in ("name", "claim", "row", "quantity", "justification"):
            v = getattr(self, f)
            if not isinstance(v, str) or not v:
                raise ValueError(f"{f}: expected a non-empty string, got {v!r}")
        if not self.row.startswith(self.claim + "."):
            raise ValueError(f"row: expected an ID of claim {self.claim} such as {self.claim}.1, got {self.row!r}")
        if self.kind not in CHECK_KINDS:
            raise ValueError(f"kind: expected one of {CHECK_KINDS}, got {self.kind!r}")
        if self.road not in EVIDENCE_ROADS:
            raise ValueError(f"road: expected one of {EVIDENCE_ROADS}, got {self.road!r}")
        if self.relation not in RELATIONS:
            raise ValueError(f"relation: expected one of {tuple(RELATIONS)}, got {self.relation!r}")
        if (self.kind == "refined") != (self.replaces is not None):
            raise ValueError(f"replaces: a refined check names the stated check it replaces, no other kind does ({self.name!r})")
        object.__setattr__(self, "controls", tuple(self.controls))
        if self.kind == "control" and self.controls:
            raise ValueError(f"controls: a control check controls others; it names none ({self.name!r})")

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "claim": self.claim, "row": self.row, "kind": self.kind, "road": self.road,
                "quantity": self.quantity, "relation": self.relation, "threshold": to_jsonable(self.threshold),
                "justification": self.justification, "controls": list(self.controls), "replaces": self.replaces,
                "universal": self.universal, "scope": self.scope}

    def holds(self, value: Any) -> bool:
        """value <relation> threshold, e.g. 0.03 <= 0.05."""
        return bool(RELATIONS[self.relation](value, self.threshold))

    # ----------------------------------------------------------------- judging

    def judge(self, value: Any, *, detail: str = "", numbers: dict | None = None, scope: Scope | None = None) -> "Check":
        """A numeric or symbolic check: PASS iff value <relation> threshold; value None = no data (open)."""
        if self.road == "trained":
            raise ValueError(f"road: {self.name!r} is trained; judge it over seeds (judge_seeds)")
        if value is None or (isinstance(value, float) and not math.isfinite(value)):
            return Check(self, None, value=None, detail=detail or "no value", numbers=dict(numbers or {}),
                         scope=scope or Scope(self.scope), reason=detail or "the measurement produced no value")
        return Check(self, self.holds(value), value=value, detail=detail, numbers=dict(numbers or {}),
                     scope=scope or Scope(self.scope))

    def judge_seeds(self, values: Sequence[Any], seeds: Sequence[int], *, detail: str = "", numbers: dict | None = None,
                    scope: Scope | None = None) -> "Check":
        """A trained check over seeds, decided on the median's 95% bootstrap interval (module docstring).

        ``values`` per seed, None where the seed gave no value (its run failed or a precondition was not met).

        >>> D = Declared("acc", "C7", "C7.1", "stated", "trained", "accuracy", ">=", 0.99, "why")
        >>> c = D.judge_seeds([0.995, 0.999, None, 0.991, 0.992], range(5))
        >>> c.passed, round(c.value, 4), c.k_of_n
        (True, 0.9935, (4, 5))
        """
        if self.road != "trained":
            raise ValueError(f"road: {self.name!r} is {self.road}; judge it once (judge)")
        values, seeds = list(values), tuple(int(s) for s in seeds)
        if len(values) != len(seeds) or not values:
            raise ValueError(f"seeds: expected one seed per value ({len(values)}), got {len(seeds)}")
        ok = [v for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))]
        k = sum(self.holds(v) for v in ok)
        base = dict(values=tuple(values), k_of_n=(k, len(values)), numbers=dict(numbers or {}),
                    scope=scope or Scope(self.scope, seeds=seeds))
        if self.universal or self.relation == "==":
            if k < len(ok):
                return Check(self, False, value=len(ok) - k, detail=_join(f"{len(ok) - k} counterexample(s)", detail), **base)
            if len(ok) < len(values):
                return Check(self, None, value=None, detail=detail, reason=f"{len(values) - len(ok)} of {len(values)} "
                             "seeds gave no value, and a universal check needs every seed", **base)
            return Check(self, True, value=0, detail=_join("no counterexample", detail), **base)
        if len(ok) < MIN_SEEDS:
            return Check(self, None, value=None, detail=detail, reason=f"only {len(ok)} of {len(values)} seeds gave a "
                         f"value (at least {MIN_SEEDS} are needed for an interval)", **base)
        med, lo, hi = median_bootstrap(ok)
        side = hi if self.relation in ("<=", "<") else lo  # the whole interval must lie on the claim's side
        return Check(self, self.holds(side), value=med, interval=(lo, hi), detail=detail, **base)


def _join(*parts: str) -> str:
    return "; ".join(p for p in parts if p)


@dataclass(frozen=True)
class Check:
    """A declared check with what the run measured: passed (None: no data), value, per-seed values, interval."""

    declared: Declared
    passed: bool | None
    value: Any = None
    values: tuple | None = None
    interval: tuple[float, float] | None = None
    k_of_n: tuple[int, int] | None = None
    detail: str = ""
    scope: Scope = Scope("")
    numbers: dict = field(default_factory=dict)
    reason: str = ""
    differences: tuple = ()  # ((control name, median, (lo, hi)), ...): paired trained - control, per seed
    revisions: tuple = ()  # revisions.Revision touching this check (disclosed, "revised after data")
    declared_in: str = ""  # the commit that registered its kind and threshold (docs/declared.json)

    def __post_init__(self) -> None:
        if not isinstance(self.declared, Declared):
            raise TypeError(f"declared: expected a Declared, got {type(self.declared).__name__}")
        if self.passed is not None:
            object.__setattr__(self, "passed", bool(self.passed))

    def __getattr__(self, item: str) -> Any:  # name, kind, road, threshold, ... read through the declaration
        if item in Declared.__dataclass_fields__:
            return getattr(self.declared, item)
        raise AttributeError(item)

    @property
    def mark(self) -> str:
        return "n/a" if self.passed is None else "PASS" if self.passed else "FAIL"

    def to_json(self) -> dict[str, Any]:
        out = self.declared.to_json()
        out.update({
            "passed": self.passed, "value": to_jsonable(self.value), "values": to_jsonable(self.values),
            "interval": to_jsonable(self.interval), "k_of_n": to_jsonable(self.k_of_n), "detail": self.detail,
            "reason": self.reason, "scope": self.scope.to_json(), "numbers": to_jsonable(self.numbers),
            "revisions": [r.to_json() for r in self.revisions], "declared_in": self.declared_in,
            "controls": [{"name": n, **next(({"difference": {"median": to_jsonable(m), "interval": to_jsonable(iv)}}
                                            for c, m, iv in self.differences if c == n), {})} for n in self.controls],
        })
        return out


def with_differences(checks: Sequence[Check]) -> list[Check]:
    """Each trained check with controls gets the paired difference (its value - the control's, per seed) to each."""
    by_name = {c.name: c for c in checks}
    out = []
    for c in checks:
        diffs = []
        for n in c.controls:
            ctrl = by_name.get(n)
            if c.values is None or ctrl is None or ctrl.values is None or len(ctrl.values) != len(c.values):
                continue
            d = [a - b for a, b in zip(c.values, ctrl.values) if a is not None and b is not None]
            if len(d) >= MIN_SEEDS:
                m, lo, hi = median_bootstrap(d)
                diffs.append((n, m, (lo, hi)))
        out.append(replace(c, differences=tuple(diffs)) if diffs else c)
    return out


# --------------------------------------------------------------------------- the rule


def decide_row(checks: Sequence[Check]) -> tuple[str, str]:
    """(status, reason) of one row from its checks (rule in the module docstring).

    >>> D = lambda n, kind="stated", road="numeric", **kw: Declared(n, "C1", "C1.1", kind, road, "x", "<=", 1, "j", **kw)
    >>> decide_row([]), decide_row([D("a").judge(0)])
    (('open', 'no stated check'), ('verified', ''))
    >>> decide_row([D("a").judge(2), D("b").judge(0), D("r", "refined", replaces="a").judge(0)])
    ('refined', '')
    >>> decide_row([D("a").judge(2), D("r", "refined", replaces="a").judge(0)])  # every stated check failed
    ('refuted', '')
    >>> decide_row([D("a", controls=("c",)).judge(0), D("c", "control").judge(2)])[0]  # a failed control voids
    'refuted'
    """
    stated = [c for c in checks if c.kind == "stated"]
    if not stated:
        return "open", "no stated check"
    by_name = {c.name: c for c in checks}
    refined = [c for c in checks if c.kind == "refined"]

    def controls_pass(c: Check, need_one: bool) -> bool:
        ctrls = [by_name.get(n) for n in c.controls]
        if any(x is None or x.passed is not True for x in ctrls):
            return False
        return bool(ctrls) or not need_one

    failed, missing = [], []
    for c in stated:
        voided = any(by_name.get(n) is None or by_name[n].passed is False for n in c.controls)
        if c.passed is False or voided:
            failed.append((c, voided))
        elif c.passed is None or any(by_name[n].passed is None for n in c.controls):
            missing.append(c)
    unrescued = []
    for c, voided in failed:
        repl = [r for r in refined if r.replaces == c.name]
        proof = c.road == "symbolic" and c.scope.general
        rescued = (repl and not proof and all(r.passed is True for r in repl)
                   and all(controls_pass(r, voided or r.road == "trained") for r in repl))
        if not rescued:
            unrescued.append(c)
    if unrescued or (failed and len(failed) == len(stated)):  # nothing of the wording held: refuted, not refined
        return "refuted", ""
    if missing:
        return "open", "; ".join(f"{c.name}: {c.reason or 'no data'}" for c in missing)
    moot = [r for r in refined if r.passed is False and r.replaces not in {c.name for c, _ in failed}]
    if moot:  # a refinement failed where the stated check held: the evidence disagrees with itself
        return "open", "; ".join(f"{r.name}: failed although the stated check it refines passed" for r in moot)
    if failed:
        return "refined", ""
    if any(c.road == "trained" for c in stated):
        return "reproduced", ""
    if any(c.road == "symbolic" and c.scope.general and c.passed for c in stated):
        return "proved", ""
    return "verified", ""


def decide_claim(row_statuses: Sequence[str]) -> str:
    """A claim's status from its rows' (rule 4 of the module docstring).

    >>> decide_claim(["proved", "verified"]), decide_claim(["proved", "proved"]), decide_claim(["proved", "open"])
    ('verified', 'proved', 'open')
    """
    st = set(row_statuses)
    for status in ("refuted", "open", "refined"):
        if status in st:
            return status
    if not st:
        return "open"
    if st == {"proved"}:
        return "proved"
    return "reproduced" if "reproduced" in st else "verified"


def _scope_text(checks: Sequence[Check], status: str) -> str:
    """The scope a row's status rests on: the scope texts of the checks that decided it."""
    stated = [c for c in checks if c.kind == "stated"]
    if status == "proved":
        basis = [c for c in stated if c.road == "symbolic" and c.scope.general and c.passed]
    elif status == "refined":
        basis = [c for c in checks if c.kind == "refined" and c.passed]
    elif status == "refuted":
        basis = [c for c in stated if c.passed is False] or stated
    elif status in ("verified", "reproduced"):
        basis = [c for c in stated if c.road == "trained"] if status == "reproduced" else stated
    else:
        basis = []
    return "; ".join(dict.fromkeys(c.scope.text for c in basis if c.scope.text))


@dataclass(frozen=True)
class RowResult:
    """One row of a claim: its wording, checks, derived status (with the reason when open), scope and citations."""

    id: str
    wording: str
    checks: tuple[Check, ...]
    revised: bool = False

    @property
    def decision(self) -> tuple[str, str]:
        return decide_row(self.checks)

    @property
    def status(self) -> str:
        return self.decision[0]

    @property
    def cites(self) -> list[str]:
        return list(dict.fromkeys(c for ch in self.checks for c in ch.scope.cites))

    @property
    def verdict(self) -> str:
        """``proved (general; cites: ...)``, ``verified (s <= 5, d <= 2)``, ``open (reason)``."""
        status, reason = self.decision
        scope = reason if status == "open" else _scope_text(self.checks, status)
        if self.cites and status == "proved":
            scope = f"{scope}; cites: {', '.join(self.cites)}"
        return f"{status} ({scope})" if scope else status

    def to_json(self) -> dict[str, Any]:
        status, reason = self.decision
        return {"id": self.id, "wording": self.wording, "status": status, "verdict": self.verdict, "reason": reason,
                "revised": self.revised, "cites": self.cites, "checks": [c.to_json() for c in self.checks]}


@dataclass
class ClaimResult:
    """One claim's record: its rows (each with checks and a status), summary, figures (caption, path) and artifacts."""

    id: str
    title: str
    source: str
    rows: list[RowResult]
    summary: str = ""
    figures: list[tuple[str, Any]] = field(default_factory=list)
    artifacts: dict[str, Any] = field(default_factory=dict)

    @property
    def checks(self) -> list[Check]:
        return [c for r in self.rows for c in r.checks]

    @property
    def status(self) -> str:
        return decide_claim([r.status for r in self.rows])

    @property
    def verdict(self) -> str:
        return f"{self.status} (" + "; ".join(f"{r.id} {r.verdict}" for r in self.rows) + ")"

    def decided_by(self) -> dict[str, Any]:
        """The one number behind the status: the first failed stated check (refuted), the first passing refined
        check (refined), else the first stated check of the first row that carries the status."""
        pick = None
        for r in self.rows:
            if r.status != self.status:
                continue
            cs = r.checks
            pick = (next((c for c in cs if c.kind == "stated" and c.passed is False), None) if self.status == "refuted"
                    else next((c for c in cs if c.kind == "refined" and c.passed), None) if self.status == "refined"
                    else next((c for c in cs if c.kind == "stated" and c.passed is None), None) if self.status == "open"
                    else next((c for c in cs if c.kind == "stated"), None))
            if pick is not None:
                break
        if pick is None:
            return {}
        return {"row": pick.row, "check": pick.name, "value": to_jsonable(pick.value), "interval": to_jsonable(pick.interval),
                "relation": pick.relation, "threshold": to_jsonable(pick.threshold)}

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "source": self.source, "status": self.status, "verdict": self.verdict,
                "summary": self.summary, "decided_by": self.decided_by(),
                "figures": [str(p) for _, p in self.figures], "rows": [r.to_json() for r in self.rows]}

