"""The trained linear and diagonal cells behind C15 and C16: their families and per-network readings (run in the worker).

The protocol of these families: the trainer's defaults except the task, sizes, curriculum, step bound and
TRAIN_TARGET; linear and diagonal cells take lr = 1e-2 (measured: the LRU solves repeat copy d = 2, s = 4 in
350-650 steps at 1e-2 or 3e-3, 1400-1800 at 1e-3; the linear RNN at n_min + 1 in 70-260 steps at 1e-2).
Families are named "KIND|TASK|CELL[|HIDDEN]" (``family_name``), built once per run from the plan.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..learning.config import TrainConfig
from ..learning.spectrum_match import match_diagonal
from ..theory.diagonal_recurrence import diagonal_profile
from ..theory.minimal import minimal_realization
from ..theory.tasks import LinearHDS, repeat_copy, signed_selection
from ..theory.two_phase import two_phase_batch
from ..thresholds import SOLVED_ACCURACY
from .claim import Plan
from .trained_runs import TRAIN_TARGET, Family, describe

__all__ = ["FAST_LR", "SINGULAR_P", "NON_REALIZABLE", "final_reading", "diagonal_reading", "family_name", "c15_families",
           "c16_families", "named", "solved", "accuracies", "median_nmse"]

FAST_LR = 1e-2
SINGULAR_P = "x1(t-2), x2(t-2), x2(t-2)"  # realizable, P singular: rank H_1 = 4 < n_min = 5 (C16 limit, C15 approximable)
NON_REALIZABLE = ("x0(t-1), x1(t-1)", 2)  # x(t) = x(t-1) read from a history of 2: not LTI-realizable (C12)


def _outputs(rnn: Any, inputs: np.ndarray) -> np.ndarray:
    network = getattr(rnn, "network", None)
    return network.run(inputs)[0] if network is not None else rnn.run(inputs, "tanh")[0]


def final_reading(result: Any) -> dict[str, Any]:
    """Accuracy, steps and the normalized squared error ||y - x||^2 / ||x||^2 on 256 fresh sequences at the final horizon."""
    task, H = result.task, result.config.horizons[-1]
    u, x = two_phase_batch(task, 256, H, np.random.default_rng([result.config.seed, 15]))
    y = _outputs(result.rnn, u)[:, task.s:]
    return {"accuracy": result.accuracy, "target_step": result.target_step, "steps": result.steps,
            "hidden": result.config.hidden, "cell": result.config.cell, "horizon": H,
            "nmse": float(np.sum((y - x) ** 2) / max(np.sum(x**2), 1e-300))}


def _diagonal(rnn: Any, task: LinearHDS) -> dict[str, Any]:
    net = rnn.network
    m = match_diagonal(net.lam, task)
    gains = np.linalg.norm(net.C, axis=0) * np.linalg.norm(net.B, axis=1)  # |c_i| |b_i| per state
    return {**m.summary(), "lam": [[z.real, z.imag] for z in net.lam], "extra": [[z.real, z.imag] for z in m.extra],
            "gain": gains.tolist()}


def diagonal_reading(result: Any) -> dict[str, Any]:
    """``final_reading`` plus the Lambda of the trained and of the initial diagonal cell matched to the target (C15)."""
    return {**final_reading(result), "trained": _diagonal(result.rnn, result.task), "init": _diagonal(result.init, result.task)}


def _label(task: LinearHDS) -> str:
    """A family key's task part: the name with its sizes (two repeat-copy tasks differ in d and s)."""
    return f"{task.name} d = {task.d}, s = {task.s}"


def _family(plan: Plan, task: LinearHDS, config: dict[str, Any], measure: Any, **sizes: Any) -> Family:
    ks = plan.seeds
    return Family(task, config, ks, describe(task, TrainConfig(seed=ks[0], **config), ks), measure,
                  {"d": task.d, "s": task.s, **sizes})


def _linear(hidden: int, quick: bool, cell: str = "linear") -> dict[str, Any]:
    cfg = {"cell": cell, "hidden": hidden, "target": TRAIN_TARGET, "horizons": (6, 12) if quick else (6, 12, 24, 48),
           "steps": 1500 if quick else 4000}
    return {**cfg, "lr": FAST_LR} if cell in ("linear", "lru") else cfg


def family_name(key: tuple) -> str:
    """The run-wide name of a family key (kind, task, cell[, hidden])."""
    return "|".join(str(k) for k in key)


def named(families: Any) -> Any:
    """A claim's ``families(plan)``: the keyed families of ``families(plan)`` under their run-wide names."""
    return lambda plan: {family_name(k): f for k, f in families(plan).items()}


def c16_families(plan: Plan) -> dict[tuple, Family]:
    """(kind, task, cell, hidden) -> Family: sharp tasks at n_min - 1, n_min, n_min + 1; full: a singular P and capacity curves."""
    out: dict[tuple, Family] = {}
    sharp = [repeat_copy(1, 3)] if plan.quick else [repeat_copy(1, 3), repeat_copy(2, 3), signed_selection("x0(t-3), x0(t-1)")]
    for task in sharp:
        n = minimal_realization(task).n
        for h in (n - 1, n, n + 1):
            out[("sharp", _label(task), "linear", h)] = _family(plan, task, _linear(h, plan.quick), final_reading, hidden=h, n_min=n)
    if plan.quick:
        return out
    task = signed_selection(SINGULAR_P)
    mr = minimal_realization(task)
    for h in (mr.rank_H1 - 1, mr.rank_H1, mr.n):
        out[("singular", _label(task), "linear", h)] = _family(plan, task, _linear(h, False), final_reading, hidden=h,
                                                            n_min=mr.n, rank_H1=mr.rank_H1)
    task = repeat_copy(2, 3)
    n = minimal_realization(task).n
    for cell in ("linear", "rnn", "gru", "lstm"):
        for h in range(n - 3, n + 2):
            out[("capacity", _label(task), cell, h)] = _family(plan, task, _linear(h, False, cell), final_reading, hidden=h, n_min=n)
    nc = diagonal_profile(task).n_complex_states
    for h in range(max(1, nc - 1), nc + 2):  # complex states; 2h real dimensions
        out[("capacity", _label(task), "lru", h)] = _family(plan, task, _linear(h, False, "lru"), final_reading, hidden=h, n_min=n)
    return out


def c15_families(plan: Plan) -> dict[tuple, Family]:
    """(kind, task, cell) -> Family: LRU and S4D cells on repeat copy (quick: d = 2, s = 4); full: also d = 3, s = 8,
    and tasks a diagonal recurrence cannot realize (not realizable; P singular)."""
    def cfg(cell: str, hidden: int, quick: bool) -> dict[str, Any]:
        return {"cell": cell, "hidden": hidden, "lr": FAST_LR, "target": TRAIN_TARGET,
                "horizons": (8, 16, 32) if quick else (10, 20, 40, 60, 100), "steps": 1500 if quick else 6000}

    out: dict[tuple, Family] = {}
    tasks = [repeat_copy(2, 4)] if plan.quick else [repeat_copy(2, 4), repeat_copy(3, 8)]
    for cell in ("lru", "s4d"):
        for task in tasks:
            nc = diagonal_profile(task).n_complex_states
            out[("diagonal", _label(task), cell)] = _family(plan, task, cfg(cell, 2 * nc, plan.quick), diagonal_reading,
                                                         hidden=2 * nc, n_complex=nc)
    if not plan.quick:
        for task in (signed_selection(NON_REALIZABLE[0], s=NON_REALIZABLE[1]), signed_selection(SINGULAR_P)):
            out[("other", _label(task), "lru")] = _family(plan, task, cfg("lru", 8, False), diagonal_reading, hidden=8)
    return out


def solved(r: dict | None) -> bool:
    return r is not None and r["accuracy"] >= SOLVED_ACCURACY


def accuracies(R: list) -> list:
    return [None if r is None else r["accuracy"] for r in R]


def median_nmse(R: list) -> str:
    vals = [r["nmse"] for r in R if r is not None and "nmse" in r]
    return f"{np.median(vals):.3g}" if vals else "n/a"
