"""C15: diagonal linear recurrences (LRU, S4D) on the two-phase tasks: the theorem and trained cells over seeds.

Rows: C15.1 the theorem (``theory.diagonal_recurrence``; proofs/c15_diagonal_recurrences.py) and the exact state
count for repeat copy; C15.2 trained LRUs, C15.3 trained S4D cells: they solve the task, and on the seeds that solved
it their Lambda (folded to Im >= 0) sits at the target states of the minimal realization with moduli -> 1; the same
reading at initialization is the control. A seed that did not solve gives no spectrum value (a precondition): fewer
than ``evidence.MIN_SEEDS`` such seeds read open. Full mode adds repeat copy d = 3, s = 8 and two tasks a diagonal
recurrence cannot realize (stated: no diagonal cell solves the non-realizable one; a limit: the singular-P one is
only approximated).
"""

from __future__ import annotations

import math

import numpy as np

from ..learning.spectrum_match import persistence_radius
from ..theory.diagonal_recurrence import diagonal_profile, target_states
from ..theory.tasks import repeat_copy
from ..thresholds import DIAGONAL_ANGLE_FRACTION, SOLVED_ACCURACY
from .cell_runs import accuracies, c15_families, family_name, median_nmse, named, solved
from .claim import Claim, Context, Judge, Measured, Plan
from .evidence import Declared, Scope
from .proofs import judge_proof, proof_check
from .trained_runs import outcomes

__all__ = ["C15", "angle_tolerance", "declare_c15"]

PROFILE = "repeat copy is diagonal-realizable with ceil(d/2)(1 + [s even]) + d floor((s-1)/2) complex states"
ROWS = {"lru": "C15.2", "s4d": "C15.3"}


def angle_tolerance(target: np.ndarray) -> float:
    """A learned state sits at its target when the angle error is below DIAGONAL_ANGLE_FRACTION of half the smallest
    angular gap between distinct target angles (repeat copy: pi / s)."""
    ang = np.unique(np.round(np.mod(np.angle(np.concatenate([target, target.conj()])), 2 * math.pi), 9))
    gaps = np.diff(np.concatenate([ang, [ang[0] + 2 * math.pi]])) if ang.size > 1 else np.array([2 * math.pi])
    return float(DIAGONAL_ANGLE_FRACTION * gaps.min() / 2)


def _label(key: tuple, fam) -> str:
    return f"{key[2]} on {key[1]} ({fam.config['hidden']} states)"


def _names(label: str, tol: float, radius: float) -> dict[str, str]:
    return {"solves": f"{label}: solves the task (fresh accuracy >= {SOLVED_ACCURACY})",
            "angles": f"{label}: learned Lambda sits at the target states (folded), max angle error <= {tol:.3f} rad",
            "moduli": f"{label}: matched moduli -> 1: mean |lambda| >= {radius:.3f} (keeps 1% over the final horizon)",
            "control": f"{label}: control: at initialization Lambda does not already sit at the targets (angle error > "
                       f"{tol:.3f})",
            "extra": f"{label}: limit: the states beyond those needed decay (none persistent off the targets)"}


def declare_c15(plan: Plan) -> list[Declared]:
    out = [proof_check("c15_diagonal_recurrences", "C15", "C15.1"),
           Declared(PROFILE, "C15", "C15.1", "stated", "symbolic", "(d, s) pairs, d <= 4, s <= 8, where the count differs",
                    "==", 0, "exact profile of the minimal realization: one counterexample refutes")]
    fams = c15_families(plan)
    lru = next(k for k in fams if k[0] == "diagonal" and k[2] == "lru")
    lru_control = _names(_label(lru, fams[lru]), *_tol(fams[lru])[1:])["control"]
    for key, fam in fams.items():
        kind, _, cell = key
        label, row = _label(key, fam), ROWS.get(cell, "C15.2")
        if kind == "diagonal":
            _, tol, radius = _tol(fam)
            n = _names(label, tol, radius)
            ctrl = (n["control"],)
            out += [
                Declared(n["control"], "C15", row, "control", "trained", "max angle error at initialization", ">", tol,
                         "thresholds.DIAGONAL_ANGLE_FRACTION of half the smallest target gap"),
                Declared(n["solves"], "C15", row, "stated", "trained", "fresh accuracy", ">=", SOLVED_ACCURACY,
                         "thresholds.SOLVED_ACCURACY", controls=ctrl),
                Declared(n["angles"], "C15", row, "stated", "trained", "max angle error (solved seeds)", "<=", tol,
                         "thresholds.DIAGONAL_ANGLE_FRACTION: a random phase misses by twice this", controls=ctrl),
                Declared(n["moduli"], "C15", row, "stated", "trained", "mean modulus of the matched states (solved seeds)",
                         ">=", radius, "a state below keeps less than 1% over the final horizon", controls=ctrl),
                Declared(n["extra"], "C15", row, "limit", "trained", "persistent states off the targets", "==", 0,
                         "states with |lambda| > 0.01^(1/s) away from every target carry memory of their own"),
            ]
        elif not diagonal_profile(fam.task).realizable:
            out.append(Declared(f"{label}: not LTI-realizable, so no diagonal cell solves it (every seed)", "C15", row,
                                "stated", "trained", "fresh accuracy", "<", SOLVED_ACCURACY, "Theorem (C15, C12)",
                                universal=True, controls=(lru_control,)))
        else:
            out.append(Declared(f"{label}: limit: realizable but not diagonal-realizable; a diagonal cell solves it anyway",
                                "C15", row, "limit", "trained", "fresh accuracy", ">=", SOLVED_ACCURACY,
                                "thresholds.SOLVED_ACCURACY"))
    return out


def _tol(fam) -> tuple[np.ndarray, float, float]:
    """(target states, angle tolerance, modulus bar over the final horizon) of a diagonal family."""
    target = target_states(diagonal_profile(fam.task))
    return target, angle_tolerance(target), persistence_radius(fam.config["horizons"][-1])


def _persistent(reading: dict, target: np.ndarray, tol: float, radius: float) -> int:
    """Learned states left after matching the targets that persist (|lambda| > radius) away from every target."""
    n = 0
    for z in (complex(*w) for w in reading["extra"]):
        n += abs(z) > radius and np.min(np.abs(np.angle(z / target))) > tol
    return n


def measure_c15(ctx: Context, judge: Judge) -> Measured:
    judge.add(judge_proof(judge["proofs/c15_diagonal_recurrences.py"], ctx.proofs))
    got = {(d, s): diagonal_profile(repeat_copy(d, s)).n_complex_states for d in (1, 2, 3, 4) for s in range(1, 9)}
    bad = sum(v != -(-d // 2) * (1 + (s % 2 == 0)) + d * ((s - 1) // 2) for (d, s), v in got.items())
    judge(PROFILE, bad, scope=Scope("repeat copy d <= 4, s <= 8 (exact profile of the minimal realization)"),
          detail=", ".join(f"d = {d}, s = {s}: {v}" for (d, s), v in list(got.items())[::7]))
    panels, fams = {}, c15_families(ctx)
    for key, fam in fams.items():
        V = [r for _, r in outcomes(ctx, ctx.families[family_name(key)])]
        label, ks = _label(key, fam), fam.seeds
        if key[0] != "diagonal":
            name = next(d.name for d in judge.declared.values() if d.name.startswith(label + ":"))
            judge.seeds(name, accuracies(V), ks, detail=f"median nmse {median_nmse(V)}")
            continue
        target, tol, radius = _tol(fam)
        n = _names(label, tol, radius)
        on_solved = lambda fn: [fn(r) if solved(r) else None for r in V]  # noqa: E731
        judge.seeds(n["control"], [None if r is None else r["init"]["angle_max"] for r in V], ks)
        judge.seeds(n["solves"], accuracies(V), ks)
        judge.seeds(n["angles"], on_solved(lambda r: r["trained"]["angle_max"]), ks,
                    detail=f"{sum(solved(r) for r in V)}/{len(V)} seeds solved")
        judge.seeds(n["moduli"], on_solved(lambda r: r["trained"]["modulus_mean"]), ks)
        judge.seeds(n["extra"], [None if r is None else _persistent(r["trained"], target, tol, persistence_radius(fam.task.s))
                                 for r in V], ks)
        panels[label] = (target, np.array([complex(*z) for r in V if r is not None for z in r["trained"]["lam"]]))
    from ..plots import plot_diagonal_spectra

    path = plot_diagonal_spectra(panels, title="C15: learned Lambda (all seeds) vs the target roots",
                                 path=ctx.out / "diagonal_spectra.png")
    return Measured("diagonal-realizability proved (iff); trained LRU and S4D cells over seeds",
                    [("C15: eigenvalues of trained diagonal cells (all seeds, filled) against the nonzero spectrum of the "
                      "minimal realization (open circles)", path)])


C15 = Claim("C15", "State-space models: diagonal linear recurrences on the two-phase tasks", "project", {
    "C15.1": "a diagonal recurrence realizes a task exactly iff it is LTI-realizable and its minimal realization is "
             "diagonalizable (proved as an iff; the state count with conjugate pairs)",
    "C15.2": "trained LRUs: learned eigenvalues converge to the nonzero spectrum of Phi's minimal part with moduli -> 1",
    "C15.3": "trained S4D cells: the same",
}, declare_c15, measure_c15, families=named(c15_families))
