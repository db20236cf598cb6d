"""C9 (hidden waves) and C10 (training improves gradient flow) on C7-C8's trained networks, over seeds, with controls.

C10 is measured on the right object: the actual gradients ||dh(1+k)/dx(1)|| of the trained tanh network by autograd
along its trajectories (``learning.gradient_flow``); ||W_hh^k W_uh||, the linearization at the unused fixed point 0,
is a second reading outside the claim's regime (a limit). "Across the substrate" is about the decay from lag 1 to
lag s, which the input scale ||W_uh|| does not change: the refined statement compares g(s)/g(1).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..thresholds import WAVE_R2
from .claim import Claim, Context, Judge, Measured, Plan
from .evidence import Declared
from .substrate_readings import CONFIGS, SubstrateReading, substrate_families
from .trained_checks import WHO, _effect, _med, label, values
from .trained_runs import readings

__all__ = ["C9", "C10", "declare_c9", "declare_c10"]


# --------------------------------------------------------------------------- C9


def _c9_names(cfg: str) -> tuple[str, str]:
    L = label(cfg)
    return (f"{L} dual-basis projections of the hidden states decode the stored inputs block by block (R^2 >= {WAVE_R2})",
            f"{L} control: the same projection at initialization and in the null model does not (R^2 < {WAVE_R2})")


def declare_c9(plan: Plan) -> list[Declared]:
    why = "thresholds.WAVE_R2: the projections explain at least half of the stored inputs' variance"
    out = []
    for cfg in CONFIGS:
        stated, ctrl = _c9_names(cfg)
        out += [Declared(stated, "C9", "C9.1", "stated", "trained", "R^2 of the dual-basis decoding (solved seeds)", ">=",
                         WAVE_R2, why, controls=(ctrl,), scope=label(cfg)),
                Declared(ctrl, "C9", "C9.1", "control", "trained", "the larger of the init's and null model's R^2", "<",
                         WAVE_R2, why, scope=label(cfg))]
    return out


def _r2_max(r: SubstrateReading) -> float | None:
    v = [x for x in (r.init.wave_r2, r.null.wave_r2) if x is not None]
    return max(v) if v else None


def measure_c9(ctx: Context, judge: Judge) -> Measured:
    parts = []
    for cfg in CONFIGS:
        fam, R = readings(ctx, f"substrate-{cfg}")
        stated, ctrl = _c9_names(cfg)
        judge.seeds(stated, values(R, lambda r: r.trained.wave_r2), fam.seeds, detail=_effect(R, lambda x: x.wave_r2, "R^2"),
                    numbers={f"wave_r2_{w}": values(R, lambda r: r.of(w).wave_r2, False) for w in WHO})
        judge.seeds(ctrl, values(R, _r2_max, False), fam.seeds)
        parts.append(f"{label(cfg)}: " + _effect(R, lambda x: x.wave_r2, "R^2"))
    return Measured(" ".join(parts))


C9 = Claim("C9", "Hidden waves: past inputs travel across the blocks", "paper", {
    "C9.1": "hidden states projected on the dual basis show the past inputs travelling across the blocks and decode them",
}, declare_c9, measure_c9, families=substrate_families)


# --------------------------------------------------------------------------- C10


def _c10_names(cfg: str) -> dict[str, str]:
    L = label(cfg)
    return {
        "stated": f"{L} along trajectories, ||dh(1+k)/dx(1)|| after training exceeds the initialization's for every k <= s",
        "control": f"{L} control: the null model's ||dh(1+k)/dx(1)|| does not exceed the initialization's for every k <= s",
        "refined": f"{L} refined: across the substrate, g(s) / g(1) (g(k) = ||dh(1+k)/dx(1)|| along trajectories) of the "
                   "trained network exceeds that of its initialization and of the null model",
        "refined_control": f"{L} control: the null model's g(s) / g(1) does not exceed its initialization's",
        "linear": f"{L} limit: at the linearization at 0, ||W_hh^k W_uh|| after training exceeds the initialization's for "
                  "every k <= s",
    }


def declare_c10(plan: Plan) -> list[Declared]:
    out = []
    for cfg in CONFIGS:
        n, L = _c10_names(cfg), label(cfg)
        ratio = "a ratio above 1 is an improvement; the interval of the median must lie above it"
        out += [
            Declared(n["stated"], "C10", "C10.1", "stated", "trained", "min over k <= s of trained / initial gradient norm",
                     ">", 1, ratio, controls=(n["control"],), scope=L),
            Declared(n["control"], "C10", "C10.1", "control", "trained", "min over k <= s of null / initial gradient norm",
                     "<=", 1, "a structureless W_hh of the trained norm must not show the effect", scope=L),
            Declared(n["refined"], "C10", "C10.1", "refined", "trained",
                     "trained g(s)/g(1) over the larger of the init's and the null model's", ">", 1, ratio,
                     controls=(n["refined_control"],), replaces=n["stated"], scope=L),
            Declared(n["refined_control"], "C10", "C10.1", "control", "trained", "null g(s)/g(1) over the init's", "<=", 1,
                     "a structureless W_hh of the trained norm must not show the effect", scope=L),
            Declared(n["linear"], "C10", "C10.1", "limit", "trained", "min over k <= s of ||W^k W_uh|| trained / initial", ">",
                     1, "the linearization at 0 is outside a trained tanh network's operating regime (C7, C8)", scope=L),
        ]
    return out


def _min_ratio(a: np.ndarray, b: np.ndarray, s: int) -> float:
    return float(np.min(a[:s] / b[:s]))


def _flow(g: np.ndarray, s: int) -> float:
    return float(g[s - 1] / g[0])


def measure_c10(ctx: Context, judge: Judge) -> Measured:
    parts, figures = [], []
    for cfg in CONFIGS:
        fam, R = readings(ctx, f"substrate-{cfg}")
        n, s = _c10_names(cfg), fam.task.s
        flow = {w: values(R, lambda r: _flow(r.of(w).grad, s)) for w in WHO}
        judge.seeds(n["stated"], values(R, lambda r: _min_ratio(r.trained.grad, r.init.grad, s)), fam.seeds,
                    numbers={f"grad_{w}": values(R, lambda r: r.of(w).grad, False) for w in WHO})
        judge.seeds(n["control"], values(R, lambda r: _min_ratio(r.null.grad, r.init.grad, s)), fam.seeds)
        judge.seeds(n["refined"], values(R, lambda r: _flow(r.trained.grad, s) / max(_flow(r.init.grad, s),
                                                                                      _flow(r.null.grad, s))), fam.seeds,
                    detail="median g(s)/g(1): " + ", ".join(f"{w} {_med(flow[w])}" for w in WHO))
        judge.seeds(n["refined_control"], values(R, lambda r: _flow(r.null.grad, s) / _flow(r.init.grad, s)), fam.seeds)
        judge.seeds(n["linear"], values(R, lambda r: _min_ratio(r.trained.grad_linear, r.init.grad_linear, s)), fam.seeds)
        parts.append(f"{label(cfg)}: median g(s)/g(1) " + ", ".join(f"{w} {_med(flow[w])}" for w in WHO))
        figures += _gradient_figure(ctx, cfg, fam, R)
    return Measured("Gradients by autograd along the output phase's trajectories. " + " ".join(parts), figures)


def _gradient_figure(ctx: Context, cfg: str, fam, R) -> list[tuple[str, Path]]:
    from ..plots import plot_gradient_norms

    ok = [r for r in R if r is not None]
    if not ok:
        return []
    lags = list(range(1, len(ok[0].trained.grad) + 1))
    med = {w: list(np.median([r.of(w).grad for r in ok], axis=0)) for w in WHO}
    return [(f"C10: median ||dh(1+k)/dx(1)|| along trajectories over seeds {label(cfg)}: trained, initialization, null model",
             plot_gradient_norms(lags, med, title=f"gradient propagation {label(cfg)}",
                                 path=Path(ctx.out) / f"gradients_trained_{cfg}.png"))]


C10 = Claim("C10", "Training improves gradient flow across the substrate", "paper", {
    "C10.1": "after training, gradients propagate across the substrate length better than at initialization (actual "
             "gradients ||dh(t+k)/dx(t)|| along the trained network's trajectories)",
}, declare_c10, measure_c10, families=substrate_families)
