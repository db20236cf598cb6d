"""C13: does a wave (pure shift) initialization learn faster than the standard ones? Steps to solve over seeds.

The arms are data (``ARMS``): PyTorch's default, Haar-orthogonal W_hh (Saxe et al. 2014), the identity
W_hh (IRNN, Le et al. 2015), the pure block shift (our analogue of Keller et al.'s shift-initialized
wave-RNN, ICLR 2024), Keller et al.'s wave-RNN itself and the LRU as cells (``TrainConfig.cell`` "wrnn",
"lru": reported rows, not checks; full mode only, for their cost, and listed as not run otherwise), and the
wave solution itself ("wave": initialized at the answer, a sanity row that must already solve, not evidence).
Adding an arm is one line; an arm whose cell this build lacks is listed as not run.

Measure: the trainer's ``target_step``, the first step at which a fresh evaluation at the final horizon
reaches ``TRAIN_TARGET``. A run that never does is *right-censored* at its step bound: it ranks above every
solved run, medians and their order-statistic intervals stay exact (``stats.median_interval``), and an
interval end on a censored run reads "> bound". The stated checks compare arms *paired by seed*: a
seed's arms share the data stream and the default draw of W_uh and W_hy; the ratio shift / other with a
censored run counted at the bound passes when < 1 (both censored: 1, fails).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..learning.config import TrainConfig
from ..stats import median_interval
from ..thresholds import SOLVED_ACCURACY
from ..theory.tasks import repeat_copy
from .evidence import Check, ClaimResult, Context
from .trained_checks import seeds_check
from .trained_runs import PLANS, TRAIN_TARGET, Family, describe, outcomes, seeds

__all__ = ["Arm", "ARMS", "available_arms", "c13_families", "c13_checks", "claim_c13", "init_accuracy"]


@dataclass(frozen=True)
class Arm:
    """One initialization (or cell) under test: its TrainConfig fields and its role in the verdict.

    role: ``baseline`` (a standard initialization the claim must beat), ``claim`` (the wave-type
    initialization under test), ``reference`` (measured and reported, not part of a check), ``sanity``
    (initialized at the solution: must already solve; a control, not evidence).
    """

    name: str
    config: dict[str, Any]  # TrainConfig fields; a callable value is a function of s
    role: str
    quick: bool = True  # run in quick mode too (False: full mode only, for cost)

    def fields(self, s: int) -> dict[str, Any]:
        return {k: v(s) if callable(v) else v for k, v in self.config.items()}


D = 3  # repeat copy d = 3, as C7-C10's quick networks
_H = TrainConfig().hidden


def _ring(s: int) -> int:
    """Wave-RNN width: 2d channels x n positions with n >= s (the wave must not wrap within the substrate),
    at least the Elman arms' hidden size (rounded down to a multiple of 2d)."""
    return 2 * D * max(_H // (2 * D), s)


# the wave-RNN and the LRU loop over time in Python: 40 and 11 s of CPU per run at s = 10 (measured, seed 0),
# ~3x the Elman arms together; they run in full mode only, and quick mode says so
ARMS: tuple[Arm, ...] = (
    Arm("default", {"init": "default"}, "baseline"),
    Arm("orthogonal", {"init": "orthogonal"}, "baseline"),
    Arm("identity", {"init": "identity"}, "baseline"),
    Arm("shift", {"init": "shift"}, "claim"),
    Arm("wrnn", {"cell": "wrnn", "hidden": _ring}, "reference", quick=False),  # Keller et al.'s wave-RNN
    Arm("lru", {"cell": "lru"}, "reference", quick=False),  # the linear recurrent unit (Orvieto et al. 2023)
    Arm("wave", {"init": "wave"}, "sanity"),
)

HORIZONS = (10, 20, 40)  # a short curriculum: speed to a working memory, not the longest horizon
QUICK_S, FULL_S = (10,), (10, 20, 40)
# step bound (quick, full): in quick mode ~3x the default arm's median at s = 10 (323 steps, 5 seeds, measured),
# so a censored run is clearly slower than the default; full mode's s = 40 needs more room
BOUND = {True: 1000, False: 4000}


def available_arms(quick: bool = False) -> tuple[list[Arm], list[Arm]]:
    """(arms to train, arms not run: a cell or init this build lacks, or full-mode-only arms in quick mode)."""
    ok, missing = [], []
    for arm in ARMS:
        try:
            TrainConfig(**arm.fields(QUICK_S[0]))
            (ok if arm.quick or not quick else missing).append(arm)
        except ValueError:
            missing.append(arm)
    return ok, missing


def init_accuracy(result: Any) -> dict[str, float]:
    """Fresh sign accuracy of the network *before training* at the final horizon, with tanh (the network as
    trained) and without (its linear part, where the wave initialization is the exact solution): the sanity row's measure."""
    from ..theory.two_phase import two_phase_batch

    task, config = result.task, result.config
    u, y = two_phase_batch(task, config.eval_batch, config.horizons[-1], np.random.default_rng([config.seed, 13]))
    return {f: float(np.mean(np.sign(result.init.run(u, f)[0][:, task.s:]) == np.sign(y))) for f in ("tanh", "linear")}


def c13_families(ctx: Context) -> dict[tuple[str, int], Family]:
    """(arm, s) -> the family of runs (repeat copy d = 3, seeds of the run) for every available arm."""
    ks, out = tuple(seeds(ctx)), {}
    for s in (QUICK_S if ctx.quick else FULL_S):
        for arm in available_arms(ctx.quick)[0]:
            config = {"horizons": HORIZONS, "steps": BOUND[ctx.quick], "target": TRAIN_TARGET, **arm.fields(s)}
            task = repeat_copy(D, s)
            out[(arm.name, s)] = Family(task, config, ks, describe(task, TrainConfig(seed=ks[0], **config), ks),
                                        init_accuracy if arm.role == "sanity" else None,
                                        {"d": D, "s": s, "hidden": TrainConfig(**config).hidden})
    return out


PLANS["C13"] = lambda ctx: list(c13_families(ctx).values())


def _steps(runs: list[tuple[Any, Any]]) -> list[int | None]:
    return [None if res is None else res.target_step for res, _ in runs]


def _fmt(med: tuple, bound: int) -> str:
    m, lo, hi, cov = med
    g = lambda v: f"> {bound}" if v is None else f"{v:g}"  # noqa: E731
    return f"median {g(m)} [{g(lo)}, {g(hi)}] ({cov:.0%})"


def c13_checks(steps: dict[tuple[str, int], list[int | None]], fams: dict[tuple[str, int], Family],
               sanity: dict[int, list[float | None]], bound: int) -> list[Check]:
    """Paired comparisons shift vs each baseline per s, and the sanity control (wave init already solves)."""
    checks = []
    roles = {a.name: a.role for a in ARMS}
    for (name, s), fam in fams.items():
        if roles[name] != "baseline" or ("shift", s) not in steps:
            continue
        mine, other = steps[("shift", s)], steps[(name, s)]
        ratio = [(bound if a is None else a) / (bound if b is None else b) for a, b in zip(mine, other)]
        checks.append(seeds_check(
            f"the shift initialization solves repeat copy (d = {D}, s = {s}) in fewer steps than {name} (paired by seed)",
            "stated", ratio, lambda v: v < 1, 1, fam,
            f"value per seed: steps shift / steps {name} (never solved = {bound}); shift {_fmt(median_interval(mine), bound)}"
            f", {name} {_fmt(median_interval(other), bound)}",
            numbers={f"c13_steps_{name}_s{s}": other, f"c13_steps_shift_s{s}": mine}))
    # the sanity row checks the arm is what it says (control: its linear part is the exact solution); whether tanh keeps
    # that solution before any training is reported as a limit (the compiled network's squashing grows with s, C14)
    for s, accs in sanity.items():
        lin, tanh = ([None if a is None else a[f] for a in accs] for f in ("linear", "tanh"))
        checks.append(seeds_check(
            f"control: the wave initialization is the solution itself (s = {s}): its linear part (no tanh) solves before "
            f"training (fresh accuracy >= {SOLVED_ACCURACY})", "control", lin, lambda v: v >= SOLVED_ACCURACY,
            SOLVED_ACCURACY, fams[("wave", s)], numbers={f"c13_wave_init_linear_accuracy_s{s}": lin}))
        checks.append(seeds_check(
            f"limit: with tanh, the wave-initialized network (s = {s}) already solves before training "
            f"(fresh accuracy >= {SOLVED_ACCURACY})", "limit", tanh, lambda v: v >= SOLVED_ACCURACY, SOLVED_ACCURACY,
            fams[("wave", s)], f"its steps to the target: {steps[('wave', s)]}", numbers={f"c13_wave_init_accuracy_s{s}": tanh}))
    return checks


def claim_c13(ctx: Context) -> ClaimResult:
    fams = c13_families(ctx)
    runs = {key: outcomes(ctx, fam) for key, fam in fams.items()}
    steps = {key: _steps(r) for key, r in runs.items()}
    sanity = {s: [acc for _, acc in r] for (name, s), r in runs.items() if name == "wave"}
    bound = BOUND[ctx.quick]
    checks = c13_checks(steps, fams, sanity, bound)
    table = {name: {s: median_interval(v) for (n, s), v in steps.items() if n == name} for name, _ in fams}
    missing = [a.name for a in available_arms(ctx.quick)[1]]
    rows = "; ".join(f"{name} s = {s}: {_fmt(m, bound)}" for name, per_s in table.items() for s, m in per_s.items())
    if "figs_c13" not in ctx.cache:
        from ..plots import plot_steps_to_solve

        ctx.cache["figs_c13"] = True
        rows_fig = {name: {s: (steps[(name, s)], table[name][s][:3]) for s in per_s} for name, per_s in table.items()}
        p = plot_steps_to_solve(rows_fig, {s: bound for _, s in fams}, path=Path(ctx.out) / "steps_to_solve.png",
                                title=f"C13: steps to solve repeat copy (d = {D}), medians with order-statistic intervals")
        ctx.cache.setdefault("figures", []).append(("C13: steps to solve against s per initialization (open: never)", p))
    return ClaimResult("C13", checks, summary=(
        f"Steps to a fresh accuracy of {TRAIN_TARGET:g} at horizon {HORIZONS[-1]} ({len(seeds(ctx))} seeds each; "
        f"never solved = censored at {bound}; medians with order-statistic intervals and their coverage): {rows}. "
        "The orthogonal arm is the null model of C7-C10 (a random orthogonal W_hh with PyTorch's W_uh and W_hy)."
        + (f" Not run{' in quick mode (cost; see learning_speed.ARMS)' if ctx.quick else ''}: {', '.join(missing)}."
           if missing else "")))
