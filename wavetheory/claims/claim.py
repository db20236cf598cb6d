"""A claim as one object: its rows, its declared checks, the networks it trains, and the function that measures it.

``Claim`` holds everything about one claim of THEORY.md: ID, title, source (the paper or the project's own),
rows (sub-claims with their wording), ``declare(plan)`` (every check, declared before anything runs: a
function of the plan, never of measured values), ``families(plan)`` (the trained networks, by name),
``calls(plan)`` (heavy untrained computations the pool may run on a worker) and ``measure(ctx, judge)``
(runs the computations and judges each declared check through ``judge``). ``Claim.run`` enforces the
declaration: every declared check is judged exactly once, nothing undeclared is judged, and the kinds and
thresholds are the declared ones.

A run is described by a ``Plan`` (mode, seed, seeds per family); a ``Context`` adds what a running claim
reads (output folder, the operator under test, proof runs, the training pool, the families built once).
Both are frozen: claims share nothing through them but what the plan put there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from ..theory import wave_operator
from .evidence import Check, ClaimResult, Declared, RowResult, Scope, with_differences

__all__ = ["Plan", "Context", "Claim", "Judge", "QUICK_SEEDS", "FULL_SEEDS"]

QUICK_SEEDS, FULL_SEEDS = 5, 20  # issue 12: quick >= 5, full >= 20 seeds per trained family


@dataclass(frozen=True)
class Plan:
    """What a run is before anything runs: quick or full mode, the base seed, seeds per trained family."""

    quick: bool = True
    seed: int = 0
    n_seeds: int | None = None  # None: the mode's (5 quick, 20 full)

    @property
    def seeds(self) -> tuple[int, ...]:
        """The seeds of every trained family: seed, seed + 1, ... (5 quick, 20 full, or n_seeds)."""
        n = self.n_seeds if self.n_seeds is not None else (QUICK_SEEDS if self.quick else FULL_SEEDS)
        return tuple(self.seed + i for i in range(n))


@dataclass(frozen=True)
class Context(Plan):
    """A running claim's inputs: the plan, the output folder, Phi under test, proof runs, the pool and families."""

    out: Path = Path(".")
    Phi: Callable[[Any], np.ndarray] = wave_operator.Phi
    proofs: dict = field(default_factory=dict)  # claim ID -> [ProofRun]
    pool: Any = None  # the run's TrainingPool (trained_runs.pool)
    families: dict = field(default_factory=dict)  # family name -> Family, built once from the plan
    progress: Any = None

    def note(self, msg: str) -> None:
        if self.progress is not None:
            self.progress.set_postfix_str(msg[:60])


class Judge:
    """What a measure function may do with the declared checks: look one up and judge it (once)."""

    def __init__(self, declared: list[Declared]) -> None:
        self.declared = {d.name: d for d in declared}
        self.checks: dict[str, Check] = {}

    def __getitem__(self, name: str) -> Declared:
        return self.declared[name]

    def add(self, check: Check) -> Check:
        if check.name not in self.declared or check.declared != self.declared[check.name]:
            raise ValueError(f"check: {check.name!r} was not declared (or not as declared)")
        if check.name in self.checks:
            raise ValueError(f"check: {check.name!r} judged twice")
        self.checks[check.name] = check
        return check

    def __call__(self, name: str, value: Any, **kw: Any) -> Check:
        """Judge a numeric or symbolic check: ``judge(name, value, detail=..., numbers=...)``."""
        return self.add(self.declared[name].judge(value, **kw))

    def seeds(self, name: str, values: list, seeds: tuple[int, ...], **kw: Any) -> Check:
        """Judge a trained check over seeds."""
        return self.add(self.declared[name].judge_seeds(values, seeds, **kw))

    def missing(self, name: str, reason: str) -> Check:
        """A declared check that could not run (no data): it reads ``open`` with its reason."""
        d = self.declared[name]
        return self.add(Check(d, None, detail=reason, reason=reason, scope=Scope(d.scope)))


@dataclass(frozen=True)
class Measured:
    """What a measure function returns besides the judged checks: a summary, figures and artifacts."""

    summary: str = ""
    figures: list = field(default_factory=list)  # [(caption, path)]
    artifacts: dict = field(default_factory=dict)  # e.g. {"latex": {...}}


@dataclass(frozen=True)
class Claim:
    """One claim of THEORY.md with its rows, declared checks, trained families, calls and measure function."""

    id: str
    title: str
    source: str  # "paper" or "project"
    rows: dict[str, str]  # row ID -> wording
    declare: Callable[[Plan], list[Declared]]
    measure: Callable[[Context, Judge], Measured]
    families: Callable[[Plan], dict] = lambda plan: {}
    calls: Callable[[Plan], list] = lambda plan: []

    def __post_init__(self) -> None:
        if self.source not in ("paper", "project"):
            raise ValueError(f"source: expected 'paper' or 'project', got {self.source!r}")
        if not self.rows or any(not r.startswith(self.id + ".") for r in self.rows):
            raise ValueError(f"rows: expected row IDs {self.id}.1, {self.id}.2, ..., got {list(self.rows)}")

    def checks(self, plan: Plan) -> list[Declared]:
        """The declared checks for this plan, validated: unique names, known rows, controls and replacements resolve."""
        out = self.declare(plan)
        names = [d.name for d in out]
        if len(set(names)) != len(names):
            raise ValueError(f"{self.id}: duplicate check names")
        by = {d.name: d for d in out}
        for d in out:
            if d.claim != self.id or d.row not in self.rows:
                raise ValueError(f"{d.name!r}: row {d.row} is not a row of {self.id}")
            for n in d.controls:
                if n not in by or by[n].kind != "control" or by[n].row != d.row:
                    raise ValueError(f"{d.name!r}: its control {n!r} is not a declared control check of row {d.row}")
            if d.replaces is not None and (d.replaces not in by or by[d.replaces].kind != "stated"
                                           or by[d.replaces].row != d.row):
                raise ValueError(f"{d.name!r}: replaces {d.replaces!r}, which is not a stated check of row {d.row}")
            if d.kind in ("stated", "refined") and d.road == "trained" and not d.controls:
                raise ValueError(f"{d.name!r}: a trained {d.kind} check needs at least one control")
        return out

    def run(self, ctx: Context) -> ClaimResult:
        """Measure the claim in ``ctx``: every declared check judged once, as declared; rows assembled."""
        declared = self.checks(ctx)
        judge = Judge(declared)
        measured = self.measure(ctx, judge)
        missing = [d.name for d in declared if d.name not in judge.checks]
        if missing:
            raise RuntimeError(f"{self.id}: declared checks not judged: {missing}")
        checks = with_differences([judge.checks[d.name] for d in declared])
        rows = [RowResult(rid, wording, tuple(c for c in checks if c.row == rid)) for rid, wording in self.rows.items()]
        return ClaimResult(self.id, self.title, self.source, rows, summary=measured.summary,
                           figures=list(measured.figures), artifacts=dict(measured.artifacts))
