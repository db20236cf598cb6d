"""C13: does a wave (pure shift) initialization learn faster than the standard ones? Steps to solve over seeds.

The arms are data (``ARMS``): PyTorch's default, Haar-orthogonal W_hh (Saxe et al. 2014), the identity
W_hh (IRNN, Le et al. 2015), the pure block shift (our analogue of Keller et al.'s shift-initialized
wave-RNN, ICLR 2024), Keller et al.'s wave-RNN itself and the LRU as cells (``TrainConfig.cell`` "wrnn",
"lru": reported rows, not checks; full mode only, for their cost, and listed as not run otherwise), and the
wave solution itself ("wave": initialized at the answer; row C13.3 asks whether the tanh network keeps it).
Adding an arm is one line; an arm whose cell this build lacks is listed as not run.

Measure: the trainer's ``target_step``, the first step at which a fresh evaluation at the final horizon
reaches ``TRAIN_TARGET``. A run that never does is *right-censored* at its step bound: it ranks above every
solved run, medians and their order-statistic intervals stay exact (``stats.median_interval``), and an
interval end on a censored run reads "> bound". The stated checks compare arms *paired by seed*: a
seed's arms share the data stream and the default draw of W_uh and W_hy; the ratio shift / other with a
censored run counted at the bound must lie below 1 (the median's interval; both censored: 1).
Rows: C13.1 shift vs the standard initializations, C13.2 shift vs Keller et al.'s wave-RNN (full mode only: open
in quick mode), C13.3 the TWM solution as an initialization (does the tanh network solve before training?).
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
from .claim import Claim, Context, Judge, Measured, Plan
from .evidence import Declared
from .trained_runs import TRAIN_TARGET, Family, describe, outcomes

__all__ = ["Arm", "ARMS", "available_arms", "c13_families", "C13", "init_accuracy"]


@dataclass(frozen=True)
class Arm:
    """One initialization (or cell) under test: its TrainConfig fields and its role in the verdict.

    role: ``baseline`` (a standard initialization the claim must beat, C13.1), ``claim`` (the wave-type
    initialization under test), ``rival`` (Keller et al.'s wave-RNN, C13.2), ``reference`` (measured and reported,
    not part of a check), ``solution`` (initialized at the TWM solution: C13.3).
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
    Arm("wrnn", {"cell": "wrnn", "hidden": _ring}, "rival", quick=False),  # Keller et al.'s wave-RNN
    Arm("lru", {"cell": "lru"}, "reference", quick=False),  # the linear recurrent unit (Orvieto et al. 2023)
    Arm("wave", {"init": "wave"}, "solution"),
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
    """Fresh sign accuracy of the network *before training* at the final horizon, with tanh (the network as trained)
    and without (its linear part, where the wave initialization is the exact solution)."""
    from ..theory.two_phase import two_phase_batch

    task, config = result.task, result.config
    u, y = two_phase_batch(task, config.eval_batch, config.horizons[-1], np.random.default_rng([config.seed, 13]))
    return {f: float(np.mean(np.sign(result.init.run(u, f)[0][:, task.s:]) == np.sign(y))) for f in ("tanh", "linear")}


def c13_families(plan: Plan) -> dict[str, Family]:
    """"c13-ARM-sS" -> the family of runs (repeat copy d = 3, the plan's seeds) for every available arm and s."""
    out = {}
    for s in (QUICK_S if plan.quick else FULL_S):
        for arm in available_arms(plan.quick)[0]:
            config = {"horizons": HORIZONS, "steps": BOUND[plan.quick], "target": TRAIN_TARGET, **arm.fields(s)}
            task = repeat_copy(D, s)
            out[f"c13-{arm.name}-s{s}"] = Family(task, config, plan.seeds,
                                                 describe(task, TrainConfig(seed=plan.seeds[0], **config), plan.seeds),
                                                 init_accuracy if arm.name in ("shift", "wave") else None,
                                                 {"d": D, "s": s, "hidden": TrainConfig(**config).hidden})
    return out


def _names(s: int) -> dict[str, str]:
    return {
        "shift_control": f"control: the shift-initialized network does not solve before training (s = {s}; fresh "
                         f"accuracy < {SOLVED_ACCURACY})",
        "solution": f"the TWM solution as initialization: the tanh network solves before training (s = {s}; fresh accuracy "
                    f">= {SOLVED_ACCURACY})",
        "solution_control": f"control: the wave initialization is the TWM solution: its linear part (no tanh) solves before "
                            f"training (s = {s})",
    }


def _faster(arm: str, s: int) -> str:
    return f"the shift initialization solves repeat copy (d = {D}, s = {s}) in fewer steps than {arm} (paired by seed)"


def declare_c13(plan: Plan) -> list[Declared]:
    out = []
    why = "a ratio below 1 is faster; the interval of the median must lie below it"
    for s in (QUICK_S if plan.quick else FULL_S):
        n = _names(s)
        for row in ("C13.1", "C13.2"):
            out.append(Declared(f"{n['shift_control']} [{row}]", "C13", row, "control", "trained", "tanh accuracy of the "
                                "shift arm before training", "<", SOLVED_ACCURACY, "an arm that starts solved makes the race "
                                "trivial"))
        for arm in ARMS:
            if arm.role not in ("baseline", "rival"):
                continue
            row = "C13.1" if arm.role == "baseline" else "C13.2"
            out.append(Declared(_faster(arm.name, s), "C13", row, "stated", "trained",
                                f"steps shift / steps {arm.name} (never solved = the bound)", "<", 1, why,
                                controls=(f"{n['shift_control']} [{row}]",)))
        out.append(Declared(n["solution_control"], "C13", "C13.3", "control", "trained",
                            "accuracy of the wave arm's linear part before training", ">=", SOLVED_ACCURACY,
                            "the linear part of the wave arm is Psi Phi Psi^-1: exact"))
        out.append(Declared(n["solution"], "C13", "C13.3", "stated", "trained", "tanh accuracy of the wave arm before "
                            "training", ">=", SOLVED_ACCURACY, "thresholds.SOLVED_ACCURACY",
                            controls=(n["solution_control"],)))
    return out


def _steps(runs: list[tuple[Any, Any]]) -> list[int | None]:
    """Steps to the target per seed; None: never reached (censored at the bound) or the run failed (see ``_ran``)."""
    return [None if res is None else res.target_step for res, _ in runs]


def _ran(runs: list[tuple[Any, Any]]) -> list[bool]:
    """Whether each seed's run finished: a failed run (its worker raised) is no data, not a run censored at the bound."""
    return [res is not None for res, _ in runs]


def _finished(steps: list[int | None], ran: list[bool]) -> list[int | None]:
    return [v for v, ok in zip(steps, ran) if ok]


def _fmt(med: tuple, bound: int) -> str:
    m, lo, hi, cov = med
    g = lambda v: f"> {bound}" if v is None else f"{v:g}"  # noqa: E731
    return f"median {g(m)} [{g(lo)}, {g(hi)}] ({cov:.0%})"


def measure_c13(ctx: Context, judge: Judge) -> Measured:
    bound = BOUND[ctx.quick]
    runs = {key.removeprefix("c13-"): outcomes(ctx, fam) for key, fam in ctx.families.items() if key.startswith("c13-")}
    steps = {key: _steps(r) for key, r in runs.items()}
    ran = {key: _ran(r) for key, r in runs.items()}
    for s in (QUICK_S if ctx.quick else FULL_S):
        n, ks = _names(s), ctx.seeds
        mine = steps.get(f"shift-s{s}")
        acc = lambda arm, f: [None if a is None else a[f] for _, a in runs.get(f"{arm}-s{s}", [])] or [None] * len(ks)  # noqa: E731
        for row in ("C13.1", "C13.2"):
            judge.seeds(f"{n['shift_control']} [{row}]", acc("shift", "tanh"), ks)
        for arm in ARMS:
            if arm.role not in ("baseline", "rival"):
                continue
            other = steps.get(f"{arm.name}-s{s}")
            if mine is None or other is None:
                judge.missing(_faster(arm.name, s), f"the {arm.name} arm runs in full mode only" if ctx.quick
                              else f"the {arm.name} arm did not run (this build lacks it)")
                continue
            both = [a and b for a, b in zip(ran[f"shift-s{s}"], ran[f"{arm.name}-s{s}"])]
            ratio = [(bound if a is None else a) / (bound if b is None else b) if ok else None
                     for a, b, ok in zip(mine, other, both)]
            failed = len(both) - sum(both)
            judge.seeds(_faster(arm.name, s), ratio, ks,
                        detail=f"shift {_fmt(median_interval(_finished(mine, ran[f'shift-s{s}'])), bound)}, {arm.name} "
                        f"{_fmt(median_interval(_finished(other, ran[f'{arm.name}-s{s}'])), bound)} (steps; never solved = "
                        f"{bound})" + (f"; {failed} seed(s) with a failed run left out" if failed else ""),
                        numbers={f"steps {arm.name}": other, "steps shift": mine})
        judge.seeds(n["solution_control"], acc("wave", "linear"), ks)
        judge.seeds(n["solution"], acc("wave", "tanh"), ks, detail=f"its steps to the target: {steps.get(f'wave-s{s}')}")
    table = {k: median_interval(_finished(v, ran[k])) for k, v in steps.items()}
    missing = [a.name for a in available_arms(ctx.quick)[1]]
    from ..plots import plot_steps_to_solve

    rows_fig: dict = {}
    for k, v in steps.items():
        name, s = k.rsplit("-s", 1)
        rows_fig.setdefault(name, {})[int(s)] = (_finished(v, ran[k]), table[k][:3])
    p = plot_steps_to_solve(rows_fig, {s: bound for s in (QUICK_S if ctx.quick else FULL_S)},
                            path=Path(ctx.out) / "steps_to_solve.png",
                            title=f"C13: steps to solve repeat copy (d = {D}), medians with order-statistic intervals")
    return Measured(
        f"Steps to a fresh accuracy of {TRAIN_TARGET:g} at horizon {HORIZONS[-1]} ({len(ctx.seeds)} seeds each; never "
        f"solved = censored at {bound}): " + "; ".join(f"{k}: {_fmt(m, bound)}" for k, m in table.items()) + "."
        + (f" Not run{' in quick mode (cost)' if ctx.quick else ''}: {', '.join(missing)}." if missing else ""),
        [("C13: steps to solve against s per initialization (open: never)", p)])


C13 = Claim("C13", "Wave initialization learns faster", "project", {
    "C13.1": "an Elman RNN initialized at the pure shift learns faster than the standard initializations (default, "
             "orthogonal, identity)",
    "C13.2": "... and faster than the wave-RNN of Keller et al. (ICLR 2024)",
    "C13.3": "initialized at the TWM solution, the (tanh) network already solves the task",
}, declare_c13, measure_c13, families=c13_families)
