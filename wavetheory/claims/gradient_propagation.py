"""C5: the influence of an input decays geometrically without waves, stays intact within the substrate with them, and
the boundary parameters can be learned from the current substrate alone (no back-propagation through time).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..theory import wave_operator
from ..theory.task_library import random_linear
from ..theory.tasks import repeat_copy, rollout
from .claim import Claim, Context, Judge, Measured, Plan
from .evidence import Declared, Scope
from .proofs import judge_proof, proof_check
from .representation import at_most, max_diff, mixed_tasks, sizes_text

__all__ = ["C5"]

MUS = (0.6, 0.9, 1.2)
SLOPE = f"random RNNs (mu = {', '.join(map(str, MUS))}): fitted slope of log ||dh(1+k)/dx(1)|| <= log mu"
BOUND = f"random RNNs (mu = {', '.join(map(str, MUS))}): ||dh(1+k)/dx(1)|| <= ||W_uh|| mu^k at every lag"
FLAT = "wave RNN (repeat copy, random orthogonal basis): ||dh(1+k)/dx(1)|| constant for k < s"
CLOSED = "closed form Phi^k E_s (impulse response) == product of Jacobians of Phi"
TF = "teacher forcing: boundary gradient from the substrate alone == autograd gradient through the memory"
FREE = "free running: boundary gradient from the substrate alone == autograd gradient through the memory (no BPTT)"
FREE_REFINED = ("refined: no-BPTT learning of the boundary is exact under teacher forcing (the substrate holds the true "
                "history), not in free running")
ADJOINT = "control: the BPTT adjoint of boundary_gradients == autograd (free running): the gradient road is right"
REL = "two roads, same sums of products: 1e-10 relative leaves room for reassociation"


def declare_c5(plan: Plan) -> list[Declared]:
    return [
        at_most(SLOPE, "C5", "C5.1", 1e-12, "Lemma A of proofs/c5_numeric_slope_boundary.py: a fitted slope never beats the "
                "worst step; 1e-12 is rounding", "max over mu of fitted slope - log mu"),
        at_most(BOUND, "C5", "C5.1", 1 + 1e-12, "the bound itself, up to rounding", "max over lags and mu of norm / bound"),
        proof_check("c5_numeric_slope_boundary", "C5", "C5.1"),
        at_most(FLAT, "C5", "C5.2", 1e-12, "an orthogonal basis keeps norms to ~eps", "spread of the norms over k < s"),
        at_most(CLOSED, "C5", "C5.2", 1e-9, "2s products of O(1) integer-ish matrices"),
        proof_check("c5_gradients", "C5", "C5.2"),
        at_most(ADJOINT, "C5", "C5.3", 1e-10, REL, "relative diff", kind="control"),
        at_most(TF, "C5", "C5.3", 1e-10, REL, "relative diff", controls=(ADJOINT,)),
        at_most(FREE, "C5", "C5.3", 1e-10, REL, "relative diff", controls=(ADJOINT,)),
        at_most(FREE_REFINED, "C5", "C5.3", 1e-10, REL, "relative diff under teacher forcing", kind="refined",
                replaces=FREE, controls=(ADJOINT,)),
    ]


def measure_c5(ctx: Context, judge: Judge) -> Measured:
    from ..theory.gradients import (
        autograd_boundary_gradient, boundary_gradients, compare_gradient_flow, input_jacobians, wave_input_jacobians,
    )

    task = repeat_copy(2, 8)
    res = {mu: compare_gradient_flow(task, mu=mu, k_max=3 * task.s, rng=ctx.seed) for mu in MUS}
    wave = np.array(res[0.9]["wave"])
    mscope = Scope(f"n = {task.s * task.d}, lags 1..{3 * task.s}, mu in {set(MUS)}")
    slope = max(r["slope_random"] - np.log(mu) for mu, r in res.items())
    judge(SLOPE, slope, scope=mscope, detail=", ".join(f"mu {m}: slope {r['slope_random']:.3f} vs log mu {np.log(m):.3f}"
                                                       for m, r in res.items()))
    bound = max(float(np.max(np.array(r["random"]) / np.array(r["bound"]))) for r in res.values())
    judge(BOUND, bound, scope=mscope, detail=f"max norm / bound {bound:.3f}")
    judge.add(judge_proof(judge["proofs/c5_numeric_slope_boundary.py"], ctx.proofs))
    flat = float(np.ptp(wave[: task.s - 1]))
    judge(FLAT, flat, detail=f"spread {flat:.1e}", scope=Scope(f"repeat copy d = {task.d}, s = {task.s}"))
    tasks = mixed_tasks(ctx.seed, 8)
    worst = max(max_diff(wave_input_jacobians(t, 2 * t.s), input_jacobians(ctx.Phi(t), wave_operator.E(t.d, t.s, t.s), 2 * t.s))
                for t in tasks)
    judge(CLOSED, worst, detail=f"max |diff| = {worst:.1e}", scope=Scope(sizes_text(tasks)))
    judge.add(judge_proof(judge["proofs/c5_gradients.py"], ctx.proofs))
    rng = np.random.default_rng(ctx.seed)
    bt = random_linear(2, 4, seed=ctx.seed, radius=0.9)
    hist = rng.standard_normal((8, bt.s, bt.d))
    targets = rollout(bt, hist, 6)
    A = bt.lags + 0.1 * rng.standard_normal(bt.lags.shape)
    rel = lambda a, b: max_diff(a, b) / float(np.abs(b).max())  # noqa: E731
    tf_local, _ = boundary_gradients(A, hist, targets, teacher_forcing=True)
    tf = rel(tf_local, autograd_boundary_gradient(A, hist, targets, teacher_forcing=True))
    fr_local, fr_full = boundary_gradients(A, hist, targets, teacher_forcing=False)
    fr_auto = autograd_boundary_gradient(A, hist, targets, teacher_forcing=False)
    bscope = Scope(f"random task d = {bt.d}, s = {bt.s}, {hist.shape[0]} histories, horizon {targets.shape[1]}")
    judge(ADJOINT, rel(fr_full, fr_auto), detail=f"relative diff {rel(fr_full, fr_auto):.1e}", scope=bscope)
    judge(TF, tf, detail=f"relative diff {tf:.1e}", scope=bscope)
    judge(FREE, rel(fr_local, fr_auto), detail=f"relative diff {rel(fr_local, fr_auto):.2f}", scope=bscope)
    judge(FREE_REFINED, tf, detail=f"relative diff under teacher forcing {tf:.1e}", scope=bscope)
    from ..plots import plot_gradient_norms

    g = res[0.9]
    fig = plot_gradient_norms(g["lag"], {"wave RNN": g["wave"], "random RNN": g["random"]}, bound=g["bound"],
                              title="gradient propagation", path=Path(ctx.out) / "gradients.png")
    return Measured("The decay bound and the undecayed wave gradient hold; learning the boundary without BPTT is exact "
                    "under teacher forcing only.",
                    [("C5: ||dh(1+k)/dx(1)|| vs lag, wave RNN (repeat copy, s = 8) vs random RNN (mu = 0.9), bound dashed", fig)])


C5 = Claim("C5", "Gradients: geometric decay without waves, none within the substrate with waves", "paper", {
    "C5.1": "without waves, ||dC/dx(1)|| <= ||dC/dh(s+1)|| ||W_uh|| mu^s: an input's influence decays geometrically",
    "C5.2": "with waves, the input written at time 1 sits intact until it leaves the substrate: no power of mu within it",
    "C5.3": "the boundary parameters A_k can be learned from the current substrate alone (no back-propagation through time)",
}, declare_c5, measure_c5)
