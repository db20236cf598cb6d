"""C12: which two-phase tasks a linear time-invariant RNN realizes; THEORY.md's quick analysis against the theorem.

Exhaustive over every signed-selection task with d <= 2, s <= 3 at horizons 1..s+2 (rational arithmetic and a
least-squares LTI fit), plus the theorem of proofs/c12_realizability.py (general) as the refined statement.
"""

from __future__ import annotations

import numpy as np

from ..theory.tasks import signed_selection
from ..theory.two_phase import two_phase_batch
from .claim import Claim, Context, Judge, Measured, Plan
from .evidence import Declared, Scope
from .proofs import judge_proof, proof_check
from .representation import at_most, max_diff

__all__ = ["C12", "c12_measurements"]

SUFFICIENT = "'only A_s != 0' is sufficient (every such task is realizable at every horizon)"
EXAMPLE = "THEORY.md's example x(t) = x(t-1) (s >= 2) is not realizable (s = 2..5)"
QUICK = "quick analysis as stated: realizable iff no A_k, k < s, is non-zero"
THEOREM = ("refined (C12 theorem): realizable at horizon H iff A_i A_k = 0 for 1 <= i <= min(s, H-1), 1 <= k <= s-1; "
           "== least-squares LTI fit")
CONSTRUCT = ("refined (C12 theorem): where the quick analysis errs, the theorem's LTI RNN (a shift register with the "
             "Toeplitz Markov parameters) reproduces the task")
COUNT = "counterexamples (task, horizon pairs) in the exhaustive set"


def declare_c12(plan: Plan) -> list[Declared]:
    exact = "counts over an exhaustive set in rational arithmetic: one counterexample refutes"
    return [
        Declared(SUFFICIENT, "C12", "C12.1", "stated", "numeric", COUNT, "==", 0, exact),
        Declared(EXAMPLE, "C12", "C12.1", "stated", "numeric", "orders s at which it is realizable", "==", 0, exact),
        Declared(QUICK, "C12", "C12.1", "stated", "numeric", COUNT, "==", 0, exact),
        Declared(THEOREM, "C12", "C12.1", "refined", "numeric", COUNT, "==", 0, "the LS residual of a Toeplitz map is 0 "
                 "up to ~1e-28, of an integer map that is not at least 1/2 (proofs/c12_selection_exhaustive.py)",
                 replaces=QUICK),
        at_most(CONSTRUCT, "C12", "C12.1", 1e-12, "sums of <= s + H products of integer Markov parameters and N(0, 1) "
                "inputs: exact up to ~1e-15", kind="refined", replaces=QUICK),
        proof_check("c12_realizability", "C12", "C12.1", "refined", replaces=QUICK),
        proof_check("c12_selection_exhaustive", "C12", "C12.1", "refined", replaces=QUICK),
    ]


def c12_measurements(seed: int, batch: int = 8) -> dict:
    """Every signed-selection task with d <= 2, s <= 3 at horizons H = 1..s+2: the theorem, the quick analysis,
    a least-squares LTI fit and, where the quick analysis errs, the theorem's shift-register RNN run on data."""
    from ..theory.realizability import is_realizable, min_lti_mse, required_map, shift_register_rnn, toeplitz_fit
    from ..theory.tasks import all_signed_selections

    rng = np.random.default_rng(seed + 12)
    m = dict(n_tasks=0, n_pairs=0, n_only_last=0, only_last_fails=0, quick_wrong=0, lsq_disagree=0, construct_err=0.0,
             batch=batch, quick_examples=[])
    for d, s in ((1, 2), (1, 3), (2, 2), (2, 3)):
        for task in all_signed_selections(d, s):
            m["n_tasks"] += 1
            only_last = set(task.active_lags) <= {s}
            for H in range(1, s + 3):
                exact = is_realizable(task, H)
                m["n_pairs"] += 1
                m["n_only_last"] += only_last
                m["only_last_fails"] += only_last and not exact
                m["lsq_disagree"] += exact != (min_lti_mse(task, H) < 1e-12)
                if exact != only_last:
                    m["quick_wrong"] += 1
                    if H == s + 2 and d == 2 and len(m["quick_examples"]) < 2:
                        m["quick_examples"].append(f"{task.name.split(':')[1]} (H = {H})")
                if exact and not only_last:
                    g, _ = toeplitz_fit(required_map(task, H))  # g(n), n = 1..s+H-1; G(0) meets only zero inputs
                    rnn = shift_register_rnn(np.concatenate([np.zeros((1, d, d)), g]))
                    u, y = two_phase_batch(task, batch, H, rng)
                    m["construct_err"] = max(m["construct_err"], max_diff(rnn.run(u)[0][:, s:], y))
    fb = [signed_selection("x0(t-1)", s=s) for s in range(2, 6)]
    m["feedback_realizable"] = sum(is_realizable(t) for t in fb)
    m["feedback_mse"] = min(min_lti_mse(t, t.s + 1) for t in fb)
    return m


def measure_c12(ctx: Context, judge: Judge) -> Measured:
    m = c12_measurements(ctx.seed)
    scope = Scope(f"all {m['n_tasks']} signed-selection tasks with d <= 2, s <= 3, horizons H = 1..s+2 ({m['n_pairs']} pairs)")
    judge(SUFFICIENT, m["only_last_fails"], scope=scope,
          detail=f"{m['only_last_fails']} counterexamples among {m['n_only_last']} (task, H) pairs")
    judge(EXAMPLE, m["feedback_realizable"], scope=Scope("d = 1, s = 2..5, unbounded horizon"),
          detail=f"realizable for {m['feedback_realizable']} of s = 2..5 (least-squares LTI error {m['feedback_mse']:.3f})")
    judge(QUICK, m["quick_wrong"], scope=scope, detail=f"wrong on {m['quick_wrong']} of {m['n_pairs']} (task, H) pairs, e.g. "
          + "; ".join(m["quick_examples"]))
    judge(THEOREM, m["lsq_disagree"], scope=scope, detail=f"{m['n_pairs'] - m['lsq_disagree']}/{m['n_pairs']} pairs agree")
    judge(CONSTRUCT, m["construct_err"], detail=f"max |diff| = {m['construct_err']:.1e}",
          scope=Scope(f"the pairs where the quick analysis errs, {m['batch']} random histories each"))
    for p in ("c12_realizability", "c12_selection_exhaustive"):
        judge.add(judge_proof(judge[f"proofs/{p}.py"], ctx.proofs))
    return Measured(
        "Theorem (proofs/c12_realizability.py): a linear time-invariant RNN realizes the two-phase task at horizon H iff "
        "A_i A_k = 0 for 1 <= i <= min(s, H-1), 1 <= k <= s-1: whatever a short lag writes is never read within the "
        f"horizon. 'Only A_s != 0' is sufficient; THEORY.md's quick analysis errs on {m['quick_wrong']} of {m['n_pairs']} "
        "small (task, horizon) pairs.")


C12 = Claim("C12", "Two-phase realizability by linear time-invariant RNNs", "project", {
    "C12.1": "a linear RNN realizes the two-phase task when only A_s is non-zero, and fails whenever some A_k with k < s "
             "feeds back (THEORY.md's quick analysis); characterize exactly which tasks it realizes",
}, declare_c12, measure_c12)
