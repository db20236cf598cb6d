"""C14 study: where the wave picture holds beyond the linear Elman RNN, and where it breaks (THEORY.md C14).

Four parts (gated_measurements): (1) GRU/LSTM linearizations in closed form against torch.autograd, (2)
gated networks compiled from Phi at growing input amplitude (numeric, no training), (3) Elman, GRU and
LSTM trained on repeat copy d = 3, s = 4 and (4) Elman RNNs on the nonlinear majority and two-bit product
tasks, (3) and (4) over the run's seeds on the training pool (``trained_runs``).

Every check the study computes is one row of ``specs()`` and one ``Check`` of the claim's record (a test
enforces it). Which kind a check is follows from a principle fixed in advance, not from its outcome:

* C1 says any HDS is a traveling wave memory: a network that solves a task with memory s holds the last
  s inputs and moves them along. So for *every* cell and task that is solved: the substrate is linearly
  decodable (stated), and for the Elman cell, whose linearization at 0 is its regime (C11), the linear
  part moves the columns and its spectrum shows Phi's (stated, as C7-C9).
* The gated cells' linearization at 0 (gates at 1/2: I/2 + W/4, leaky) is not their operating regime,
  and a nonlinear boundary has no Phi: readings of the wave *operator* there are ``limit`` checks in the
  sense "the linear-operator reading breaks here". A limit check runs only on the seeds whose network
  solved its task (a network that did not learn shows nothing, and may not make a limit pass), and the
  solved checks themselves are stated. The two-bit product's limit is an exact bound for every odd
  network (trained or not), so it is the one limit that does not wait for a solved network.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from ..learning.config import TrainConfig
from ..learning.substrate import nonlinear_copy
from ..theory.gated import CELLS
from ..theory.tasks import repeat_copy
from ..thresholds import (ANGLE_VS_INIT, CURRICULUM_THRESHOLD, SLOPE_GATES_TOL, SLOPE_ORDER_TOL, SOLVED_ACCURACY,
                          WAVE_R2)
from .evidence import Check, ClaimResult, Context, Scope, proof_checks
from .gated_measurements import (D, GATE_BIASES, HORIZON, S, compiled_part, gated_reading, linearization_part,
                                 nonlinear_reading)
from .trained_checks import per_seed, seeds_check
from .trained_runs import CALLS, PLANS, TRAIN_TARGET, Family, computed, describe, outcomes, seeds

__all__ = ["Spec", "specs", "c14_families", "c14_checks", "c14_study", "claim_c14", "QUICK_TRAIN", "FULL_TRAIN"]

# float64 closed form vs autograd: both are O(H) products of O(1) numbers, rounding ~1e-15 * H
AUTOGRAD_TOL = 1e-10
# eigenvalues of a 2H x 2H product with a semisimple zero eigenvalue: perturbation ~ eps * cond ~ 1e-13
LSTM_SPECTRUM_TOL = 1e-8
# Psi orthogonal: Psi^T W Psi - Phi is rounding of three products (~1e-15 * H)
BASIS_TOL = 1e-10
# a lag is *decodable* at the curriculum's bar (chance 0.5; untrained networks decode at 0.53-0.65)
DECODABLE = CURRICULUM_THRESHOLD
# an odd network's accuracy on an even target: <= 1 - even_fraction / 2; +0.03 is > 3 sigma of the evaluation
ODD_SLACK = 0.03
ODD_RESIDUAL = 1e-12  # |y(u) + y(-u)| of a bias-free tanh RNN in float64: rounding only

# quick: hidden 64, one horizon (10) and TRAIN_TARGET: 1700-2200 steps for GRU and LSTM (6-8 s of CPU each,
# measured); full: two horizons (10, 20) over 20 seeds (the default curriculum to 100 costs ~20x more per gated run)
QUICK_TRAIN = {"hidden": 64, "horizons": (10,), "steps": 4000, "eval_batch": 256, "target": TRAIN_TARGET}
FULL_TRAIN = {"hidden": 64, "horizons": (10, 20), "steps": 6000, "eval_batch": 256, "target": TRAIN_TARGET}
PRODUCT_STEPS = {True: 300, False: 1000}  # the product's bound holds for every odd network: a short run suffices


def c14_families(ctx: Context) -> dict[str, Family]:
    """The trained networks of C14 over the run's seeds: each cell on repeat copy, Elman on majority and product."""
    ks, base = tuple(seeds(ctx)), QUICK_TRAIN if ctx.quick else FULL_TRAIN
    out = {}
    for key, task, extra, measure in (
        *((cell, repeat_copy(D, S), {"cell": cell}, gated_reading) for cell in ("rnn",) + CELLS),
        ("majority", nonlinear_copy(D, S, k=1, kind="majority"), {}, nonlinear_reading),
        ("product", nonlinear_copy(D, S, k=1, kind="product"), {"steps": PRODUCT_STEPS[ctx.quick], "target": None},
         nonlinear_reading),
    ):
        config = {**base, **extra}
        first = TrainConfig(seed=ks[0], **config)
        out[key] = Family(task, config, ks, describe(task, first, ks), measure,
                          {"d": D, "s": S, "hidden": first.hidden, "cell": first.cell})
    return out


PLANS["C14"] = lambda ctx: list(c14_families(ctx).values())
COMPILED_HIDDEN = 128  # the compiled networks' width (the trainer's default hidden size)
CALLS["C14"] = lambda ctx: [(linearization_part, (ctx.seed,)), (compiled_part, (COMPILED_HIDDEN, ctx.seed))]


@dataclass(frozen=True)
class Spec:
    """One check of the study: its name, kind, the family it reads ("numeric": the untrained parts),
    the value it takes from a reading (or from (linearization, compiled) for numeric ones), and its test."""

    key: str
    name: str
    kind: str
    source: str
    value: Callable[..., Any]
    passes: Callable[[Any], bool]
    threshold: Any
    solved_only: bool = False


def specs(horizon: int) -> list[Spec]:
    """Every check of the C14 study; ``horizon`` is the trained networks' final horizon (the angle bar)."""
    bar, split = float(np.pi / (2 * horizon)), [D] * S
    out = [
        Spec("gru_linearization", "GRU Jacobian (closed form, with/without biases, at 0 and random points) == "
             "torch.autograd through torch.nn.GRU", "stated", "numeric", lambda lin, comp: lin["gru"]["max_error"],
             lambda v: v < AUTOGRAD_TOL, AUTOGRAD_TOL),
        Spec("lstm_linearization", "LSTM Jacobian on (h, c) (closed form) == torch.autograd through torch.nn.LSTM",
             "stated", "numeric", lambda lin, comp: lin["lstm"]["max_error"], lambda v: v < AUTOGRAD_TOL, AUTOGRAD_TOL),
        Spec("lstm_spectrum", "eig of the 2H x 2H LSTM Jacobian at 0 == eig(I/2 + W_hg/4) plus H zeros; "
             "linearize() == I/2 + W_hg/4", "stated", "numeric", lambda lin, comp: lin["lstm_spectrum_error"],
             lambda v: v < LSTM_SPECTRUM_TOL, LSTM_SPECTRUM_TOL),
    ]
    for c in CELLS:
        out.append(Spec(f"compiled_{c}_is_phi", f"compiled {c}: Psi^T W_eff Psi == diag(Phi, 0) (orthogonal Psi)",
                        "stated", "numeric", lambda lin, comp, c=c: comp["nets"][c]["basis_error"],
                        lambda v: v < BASIS_TOL, BASIS_TOL))
    for c in ("elman",) + CELLS:
        out.append(Spec(f"compiled_{c}_slope", f"compiled {c}: relative error of y/eps ~ eps^2 (odd cell map)", "stated",
                        "numeric", lambda lin, comp, c=c: comp["nets"][c]["slope"],
                        lambda v: abs(v - 2) < SLOPE_ORDER_TOL, f"|slope - 2| < {SLOPE_ORDER_TOL}"))
    for c in CELLS:
        out.append(Spec(f"compiled_{c}_gates_slope", f"compiled {c} with random gate weights (same linearization): "
                        "error ~ eps (the quadratic gate x signal term)", "stated", "numeric",
                        lambda lin, comp, c=c: comp["nets"][f"{c}_gates"]["slope"],
                        lambda v: abs(v - 1) < SLOPE_GATES_TOL, f"|slope - 1| < {SLOPE_GATES_TOL}"))
    out.append(Spec("compiled_elman_unit", f"compiled elman at the task's +-1 inputs, horizon {HORIZON}: sign accuracy "
                    f">= {SOLVED_ACCURACY}", "stated", "numeric", lambda lin, comp: comp["nets"]["elman"]["unit_accuracy"],
                    lambda v: v >= SOLVED_ACCURACY, SOLVED_ACCURACY))
    for c in CELLS:
        out.append(Spec(f"compiled_{c}_closed_leak", f"compiled {c} with gate bias {GATE_BIASES[-1]} (leak gate ~0.02, "
                        f"same linearization) solves at the +-1 inputs, horizon {HORIZON}", "stated", "numeric",
                        lambda lin, comp, c=c: comp["gate_bias_unit_accuracy"][c][str(GATE_BIASES[-1])],
                        lambda v: v >= SOLVED_ACCURACY, SOLVED_ACCURACY))
        out.append(Spec(f"compiled_{c}_bias_free_unit", f"limit: a bias-free compiled {c} (gates at 1/2) loses the wave "
                        f"at the task's +-1 inputs (accuracy < {SOLVED_ACCURACY})", "limit", "numeric",
                        lambda lin, comp, c=c: comp["nets"][c]["unit_accuracy"],
                        lambda v: v < SOLVED_ACCURACY, SOLVED_ACCURACY))
    for fam in ("rnn",) + CELLS + ("majority",):
        out.append(Spec(f"{fam}_solved", f"trained {fam}: fresh accuracy at the final horizon >= {SOLVED_ACCURACY}",
                        "stated", fam, lambda r: r["accuracy"], lambda v: v >= SOLVED_ACCURACY, SOLVED_ACCURACY))
        out.append(Spec(f"{fam}_substrate", f"trained {fam}: every lag 0..s-1 linearly decodable from h(t) "
                        f"(held-out sign accuracy >= {DECODABLE})", "stated", fam, lambda r: min(r["lag_sign_accuracy"]),
                        lambda v: v >= DECODABLE, DECODABLE))
        out.append(Spec(f"{fam}_substrate_init", f"control: the same {fam} at initialization does not hold every lag "
                        f"(min held-out sign accuracy < {DECODABLE})", "control", fam,
                        lambda r: min(r["init"]["lag_sign_accuracy"]), lambda v: v < DECODABLE, DECODABLE))
    for fam in ("rnn", "majority"):
        out.append(Spec(f"{fam}_transport", f"trained {fam}: the linearization moves the columns, sign(D_k W_hh h(t)) = "
                        f"x(t+1-k) for k = 1..s-1 (sign accuracy >= {DECODABLE})", "stated", fam,
                        lambda r: min(r["transport_sign_accuracy"]), lambda v: v >= DECODABLE, DECODABLE))
    angles = ("angles", lambda r: r["eig_match"]["angle_max"], lambda v: v < bar, bar,
              f"its linearization's eigenvalues match Phi's in angle (max angle error < pi/(2h) = {bar:.4f})")
    waves = ("waves", lambda r: r["wave_r2"], lambda v: v is not None and v > WAVE_R2, WAVE_R2,
             f"power-basis waves of its linearization decode the stored inputs (R^2 > {WAVE_R2})")
    transport = ("transport", lambda r: min(r["transport_sign_accuracy"]), lambda v: v >= DECODABLE, DECODABLE,
                 f"its linearization at 0 moves the columns (transport sign accuracy >= {DECODABLE})")
    operating = ("operating_point", lambda r: r["operating_point"]["angle_counts"], lambda v: v == split, split,
                 "the Jacobian averaged over its visited states splits its s*d leading eigenvalues d per s-th root")
    for key, value, ok, thr, text in (angles, waves, operating):
        out.append(Spec(f"rnn_{key}", f"trained rnn: {text}", "stated", "rnn", value, ok, thr))
    for c in CELLS:
        for key, value, ok, thr, text in (angles, waves, transport, operating):
            out.append(Spec(f"{c}_{key}", f"limit: on solved seeds, trained {c}: NOT {text}", "limit", c, value,
                            lambda v, ok=ok: v is not None and not ok(v), thr, solved_only=True))
    out.append(Spec("majority_roots", f"limit: on solved seeds, majority-trained rnn: the root angles survive (angle error "
                    f"< {ANGLE_VS_INIT} x initialization's) but fewer than s*d = {S * D} eigenvalues sit at the roots",
                    "limit", "majority", lambda r: [round(r["roots"]["angle_error_mean"] / r["init"]["roots"]["angle_error_mean"], 3),
                                                     r["roots"]["total"]],
                    lambda v: v[0] < ANGLE_VS_INIT and v[1] < S * D, [ANGLE_VS_INIT, S * D], solved_only=True))
    out.append(Spec("majority_operating_point", f"limit: on solved seeds, majority-trained rnn: NOT {operating[4]}",
                    "limit", "majority", operating[1], lambda v: v != split, split, solved_only=True))
    out.append(Spec("product_odd_bound", "limit: a bias-free tanh RNN is odd (|y(u) + y(-u)| < 1e-12) and cannot realize "
                    f"an even boundary: two-bit product accuracy <= 1 - even_fraction/2 + {ODD_SLACK} (every odd network)",
                    "limit", "product", lambda r: None if r["odd_residual"] >= ODD_RESIDUAL
                    else r["accuracy"] - r["odd_network_accuracy_bound"], lambda v: v <= ODD_SLACK, ODD_SLACK))
    return out


def c14_checks(lin: dict, comp: dict, readings: dict[str, list[dict | None]], fams: dict[str, Family]) -> list[Check]:
    """One Check per spec: numeric ones from the untrained parts, trained ones over the seeds of their family."""
    horizon = fams["rnn"].configs()[0].horizons[-1]
    numeric = Scope(f"linearizations: 12 random cells H <= 8 per cell; compiled networks: repeat copy d = {D}, s = {S}, "
                    f"hidden {comp['hidden']}, orthogonal basis", sizes={"d": D, "s": S, "hidden": comp["hidden"]})
    checks = []
    for spec in specs(horizon):
        if spec.source == "numeric":
            v = spec.value(lin, comp)
            checks.append(Check(spec.name, spec.kind, "numeric", spec.passes(v), value=v, threshold=spec.threshold,
                                detail=f"{spec.key} = {v:.3g} (threshold {spec.threshold})", scope=numeric,
                                numbers={f"c14_{spec.key}": v}))
            continue
        R = readings[spec.source]
        values = per_seed(R, lambda r: None if spec.solved_only and r["accuracy"] < SOLVED_ACCURACY else spec.value(r))
        c = seeds_check(spec.name, spec.kind, values, lambda v: v is not None and spec.passes(v), spec.threshold,
                        fams[spec.source], "'failed' = not solved (a limit reads solved networks only)" if spec.solved_only
                        else "",
                        numbers={f"c14_{spec.key}": values})
        checks.append(c)
    return checks


def _study(ctx: Context) -> dict[str, Any]:
    """Run the study in a context: the untrained parts here, the trained ones from the run's pool; numbers and checks."""
    import torch

    ctx.note("C14: gated networks and nonlinear boundaries")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # when computed here (no worker): one thread, as on the workers
    try:
        lin = computed(ctx, linearization_part, ctx.seed)
        comp = computed(ctx, compiled_part, COMPILED_HIDDEN, ctx.seed)
    finally:
        torch.set_num_threads(threads)
    fams = c14_families(ctx)
    readings = {key: [r for _, r in outcomes(ctx, fam)] for key, fam in fams.items()}
    figures: list[str] = []
    first = {key: next((r for r in R if r is not None), None) for key, R in readings.items()}
    if all(v is not None for v in first.values()):
        from ..plots import gated_figures

        figures = gated_figures(comp, {c: first[c] for c in ("rnn",) + CELLS},
                                {"majority": first["majority"], "product": first["product"]}, Path(ctx.out) / "c14", S,
                                DECODABLE)
    return {"linearization": lin, "compiled": comp, "readings": readings, "families": fams,
            "checks": c14_checks(lin, comp, readings, fams), "figures": figures}


def c14_study(quick: bool = True, seed: int = 0, out: str | Path | None = None, workers: int = 0) -> dict[str, Any]:
    """The C14 study on its own: numbers, every check (as JSON) and figure paths; ``out`` None: a temporary folder.

    Trains its networks over the seeds of a quick (5) or full (20) run on ``workers`` processes (0: here).
    """
    import tempfile
    import time

    from .._validate import seed as check_seed
    from .trained_runs import start_training, stop_training

    check_seed(seed)
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        ctx = Context(Path(tmp if out is None else out), quick=quick, seed=seed)
        start_training(ctx, ["C14"], workers)
        try:
            r = _study(ctx)
        finally:
            stop_training(ctx)
    fams = r.pop("families")
    return {"claim": "C14", "quick": bool(quick), "seeds": list(fams["rnn"].seeds),
            "scope": {k: fam.scope for k, fam in fams.items()}, **r,
            "checks": [c.to_json() for c in r["checks"]], "figures": r["figures"] if out is not None else [],
            "seconds": round(time.perf_counter() - t0, 2)}


def claim_c14(ctx: Context) -> ClaimResult:
    r = _study(ctx)
    fams, readings = r["families"], r["readings"]
    ctx.cache.setdefault("figures", []).extend(
        (f"C14: {Path(p).stem.replace('_', ' ')} (seed {ctx.seed})", Path(p)) for p in r["figures"])
    solved = {k: sum(x is not None and x["accuracy"] >= SOLVED_ACCURACY for x in readings[k]) for k in fams}
    n = len(seeds(ctx))
    return ClaimResult("C14", r["checks"] + proof_checks(ctx, "C14"), summary=(
        "Measured: GRU and LSTM Jacobians in closed form against autograd; gated networks compiled from Phi at growing "
        "input amplitude, bias-free and with gate biases; networks trained over " + str(n) + " seeds (solved: " + ", ".join(
            f"{k} {solved[k]}/{n}" for k in fams if k != "product") + "), read through their linearization at 0 and their "
        "states. Limit checks, on solved networks only, mark where the linear-operator reading stops. Scope: "
        + "; ".join(f"{k}: {fam.scope}" for k, fam in fams.items())))
