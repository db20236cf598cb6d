"""C16: the smallest hidden size of a linear RNN that solves an LTI-realizable two-phase task, and trained cells around it.

Rows: C16.1 n_min exact (``theory.minimal``; proofs/c16_minimal_memory.py) and s*d for repeat copy; C16.2 THEORY.md's
"less when a stored component is never read" against the exact statement (exhaustive over small tasks); C16.3
trained linear RNNs at n_min - 1 (a universal negative: one seed that solves refutes it), n_min and n_min + 1.
Full mode adds a task with a singular P (the threshold for approximate solutions is rank H_1) and capacity curves
for linear, tanh, GRU, LSTM and LRU cells (limits: the nonlinear cells' fractions are the finding).
"""

from __future__ import annotations

import numpy as np

from ..stats import wilson_interval
from ..theory.minimal import minimal_realization, task_structure
from ..theory.realizability import is_realizable
from ..theory.tasks import all_signed_selections, repeat_copy, signed_selection
from ..theory.two_phase import two_phase_batch
from ..thresholds import SOLVED_ACCURACY
from .cell_runs import SINGULAR_P, accuracies, c16_families, family_name, median_nmse, named, solved
from .claim import Claim, Context, Judge, Measured, Plan
from .evidence import Declared, Scope
from .proofs import judge_proof, proof_check
from .trained_runs import outcomes

__all__ = ["C16", "declare_c16", "selection_sets"]

REPEAT = "repeat copy needs s*d states (d <= 3, s <= 6, exact)"
NEVER_READ = "fewer than s*d states whenever a stored component is never read"
EXACT = ("refined: n_min = s (d - dim K) exactly when the induced map P is invertible (then < sd iff K != 0); n_min = "
         "2 rank H1 - rank H2 > rank H1 when P is singular")
CAPACITY = "capacity: no linear RNN below n_min solves (repeat copy d = 2, s = 3; every seed, every size)"
SOLVED = f"fresh accuracy (>= {SOLVED_ACCURACY}: solved)"


def selection_sets(quick: bool) -> list[tuple[int, int]]:
    return [(1, 1), (1, 2), (2, 1), (2, 2), (3, 1)] if quick else [(1, 1), (1, 2), (1, 3), (2, 1), (2, 2), (2, 3), (3, 1), (3, 2)]


def _sharp(plan: Plan) -> dict[str, int]:
    """Sharp task name -> n_min (the tasks trained at n_min - 1, n_min, n_min + 1; n_min recorded in each family)."""
    return {k[1]: f.sizes["n_min"] for k, f in c16_families(plan).items() if k[0] == "sharp"}


def _names(name: str, n: int) -> dict[str, str]:
    return {"below": f"{name}: no linear RNN with n_min - 1 = {n - 1} states reaches the target (every seed)",
            "at": f"{name}: linear RNNs with n_min = {n} states reach the target",
            "reach": f"{name}: refined: n_min = {n} states suffice (the exact minimal RNN solves the task) and gradient "
                     f"descent reaches the target reliably with n_min + 1 = {n + 1} states",
            "ctrl_above": f"{name}: control: with n_min + 1 = {n + 1} states the same protocol reaches the target",
            "ctrl_below": f"{name}: control: with n_min - 1 = {n - 1} states the same protocol does not"}


def declare_c16(plan: Plan) -> list[Declared]:
    exact = "exact rational arithmetic over an exhaustive set: one counterexample refutes"
    out = [proof_check("c16_minimal_memory", "C16", "C16.1"),
           Declared(REPEAT, "C16", "C16.1", "stated", "symbolic", "(d, s) pairs where n_min != s d", "==", 0, exact),
           Declared(NEVER_READ, "C16", "C16.2", "stated", "symbolic", "tasks with an unread component that need s*d states",
                    "==", 0, exact),
           Declared(EXACT, "C16", "C16.2", "refined", "symbolic", "tasks where the exact statement fails", "==", 0, exact,
                    replaces=NEVER_READ)]
    bar = "thresholds.SOLVED_ACCURACY"
    for name, n in _sharp(plan).items():
        m = _names(name, n)
        out += [
            Declared(m["ctrl_above"], "C16", "C16.3", "control", "trained", SOLVED + f" at {n + 1} states", ">=",
                     SOLVED_ACCURACY, bar),
            Declared(m["ctrl_below"], "C16", "C16.3", "control", "trained", SOLVED + f" at {n - 1} states", "<",
                     SOLVED_ACCURACY, bar),
            Declared(m["below"], "C16", "C16.3", "stated", "trained", SOLVED + f" at {n - 1} states", "<", SOLVED_ACCURACY,
                     "Theorem 1: below n_min no linear RNN solves at every horizon", universal=True,
                     controls=(m["ctrl_above"],)),
            Declared(m["at"], "C16", "C16.3", "stated", "trained", SOLVED + f" at {n} states", ">=", SOLVED_ACCURACY, bar,
                     controls=(m["ctrl_below"],)),
            Declared(m["reach"], "C16", "C16.3", "refined", "numeric", "max |error| of the exact minimal RNN", "<=", 1e-9,
                     "sums of +-1 values through a rational realization: exact up to rounding", replaces=m["at"]),
        ]
    if not plan.quick:
        mr = minimal_realization(signed_selection(SINGULAR_P))
        out += [Declared(f"P singular ({SINGULAR_P}): no linear RNN below rank H1 = {mr.rank_H1} solves", "C16", "C16.3",
                         "limit", "trained", SOLVED + f" at {mr.rank_H1 - 1} states", "<", SOLVED_ACCURACY, bar,
                         universal=True),
                Declared(CAPACITY, "C16", "C16.3", "limit", "trained", "largest accuracy below n_min", "<", SOLVED_ACCURACY, bar,
                         universal=True)]
    return out


def measure_c16(ctx: Context, judge: Judge) -> Measured:
    judge.add(judge_proof(judge["proofs/c16_minimal_memory.py"], ctx.proofs))
    rc = {(d, s): minimal_realization(repeat_copy(d, s)).n for d in (1, 2, 3) for s in range(1, 7)}
    judge(REPEAT, sum(v != d * s for (d, s), v in rc.items()), scope=Scope("repeat copy d <= 3, s <= 6"),
          detail=", ".join(f"d = {d}, s = {s}: {v}" for (d, s), v in list(rc.items())[::5]))
    sets = selection_sets(ctx.quick)
    text = Scope("all realizable signed-selection tasks with (d, s) in " + ", ".join(map(str, sets)) + " (exact)")
    never, counter, wrong, n_sing, tasks = 0, [], 0, 0, 0
    for d, s in sets:
        for task in all_signed_selections(d, s):
            if not is_realizable(task):
                continue
            tasks += 1
            mr, st = minimal_realization(task), task_structure(task)
            if st.dim_K:
                never += 1
                if mr.n >= task.s * task.d:
                    counter.append(task.name)
            n_sing += not st.P_invertible
            ok = mr.n == 2 * mr.rank_H1 - mr.rank_H2 and (not st.P_invertible or mr.n == task.s * st.d_prime)
            wrong += not (ok and st.P_invertible == (mr.n == mr.rank_H1))
    judge(NEVER_READ, len(counter), scope=text, detail=f"{never} of {tasks} tasks leave a component unread; {len(counter)} "
          "of them still need s*d states" + (f", e.g. {counter[0]}" if counter else ""))
    judge(EXACT, wrong, scope=text, detail=f"{tasks} tasks, {n_sing} with P singular")
    fams = c16_families(ctx)
    R = {k: [r for _, r in outcomes(ctx, ctx.families[family_name(k)])] for k in fams}
    for name, n in _sharp(ctx).items():
        m, key = _names(name, n), lambda h: ("sharp", name, "linear", h)  # noqa: E731
        acc = {h: accuracies(R[key(h)]) for h in (n - 1, n, n + 1)}
        ks = fams[key(n)].seeds
        judge.seeds(m["ctrl_above"], acc[n + 1], ks)
        judge.seeds(m["ctrl_below"], acc[n - 1], ks)
        judge.seeds(m["below"], acc[n - 1], ks, detail=f"median normalized squared error {median_nmse(R[key(n - 1)])}")
        judge.seeds(m["at"], acc[n], ks, detail=f"{sum(solved(r) for r in R[key(n)])} seeds solved at n_min")
        fam = fams[key(n)]
        u, x = two_phase_batch(fam.task, 256, fam.config["horizons"][-1], np.random.default_rng(fam.seeds[0]))
        exact = float(np.abs(minimal_realization(fam.task).linear_rnn().run(u)[0][:, fam.task.s:] - x).max())
        judge(m["reach"], exact, detail=f"exact minimal RNN max |error| {exact:.1e}; {sum(solved(r) for r in R[key(n)])} "
              f"trained seeds found it; at n_min + 1: {sum(solved(r) for r in R[key(n + 1)])}/{len(ks)}")
    if not ctx.quick:
        mr = minimal_realization(signed_selection(SINGULAR_P))
        sing = [k for k in fams if k[0] == "singular" and k[3] == mr.rank_H1 - 1]
        judge.seeds(f"P singular ({SINGULAR_P}): no linear RNN below rank H1 = {mr.rank_H1} solves",
                    accuracies(R[sing[0]]), fams[sing[0]].seeds)
        below = [a for k in fams if k[0] == "capacity" and k[2] == "linear" and k[3] < fams[k].sizes["n_min"]
                 for a in accuracies(R[k])]
        if below:  # every (seed, size) below n_min is one run of the universal negative
            judge.add(judge[CAPACITY].judge_seeds(below, tuple(range(len(below))), numbers={"capacity": _capacity(fams, R)},
                                                  scope=Scope("repeat copy d = 2, s = 3, linear RNNs below n_min, every seed")))
        else:
            judge.missing(CAPACITY, "no linear run below n_min in this plan")
    from ..plots import plot_capacity

    kind, task = ("sharp", repeat_copy(1, 3)) if ctx.quick else ("capacity", repeat_copy(2, 3))
    curve = {c: [r[:4] for r in v] for c, v in _capacity(fams, R, kind).items()}
    path = plot_capacity(curve, minimal_realization(task).n, path=ctx.out / "capacity.png", ylabel="fraction of seeds solved",
                         title=f"{task.name} d = {task.d}, s = {task.s}: solved fraction vs hidden size (Wilson 95%)")
    return Measured("n_min exact and proved; trained linear RNNs at n_min - 1, n_min, n_min + 1 over seeds"
                    + ("" if ctx.quick else "; capacity curves per cell type"),
                    [("C16: fraction of seeds that solve the task vs hidden size, the linear bound n_min dashed (LRU at 2 x "
                      "its complex states)", path)])


def _capacity(fams: dict, R: dict, kind: str = "capacity") -> dict[str, list[tuple]]:
    """cell -> [(real hidden dimension, solved fraction, Wilson lo, hi, median accuracy)] (LRU: 2 x complex states)."""
    rows: dict[str, list[tuple]] = {}
    for k in fams:
        if k[0] != kind:
            continue
        cell, h = k[2], k[3]
        n_solved = sum(solved(r) for r in R[k])
        lo, hi = wilson_interval(n_solved, len(R[k]))
        accs = [a for a in accuracies(R[k]) if a is not None]
        rows.setdefault(cell, []).append((2 * h if cell == "lru" else h, n_solved / len(R[k]), lo, hi,
                                          float(np.median(accs)) if accs else None))
    return {c: sorted(v) for c, v in rows.items()}


C16 = Claim("C16", "The smallest memory: minimal hidden size of a linear RNN for an LTI-realizable task", "project", {
    "C16.1": "the smallest hidden size of a linear RNN that solves the two-phase task at every horizon is a minimal "
             "partial realization problem; s*d for repeat copy",
    "C16.2": "less than s*d when a stored component is never read",
    "C16.3": "trained linear RNNs fail below n_min and solve at it",
}, declare_c16, measure_c16, families=named(c16_families))
