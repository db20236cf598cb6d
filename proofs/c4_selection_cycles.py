# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # C4: signed-selection tasks factor into powers of lambda and cyclotomic polynomials
#
# **Claim (C4, the task library).** For a signed-selection task, $\det(\lambda I - \Phi)$ is an integer
# polynomial whose factors over $\mathbb{Q}$ are $\lambda$ and cyclotomic polynomials: with the block
# formula of `c4_block_determinant.py`, $\det M = \lambda^{e}\prod_C(\lambda^{L_C} - \sigma_C)$ over the
# cycles $C$ of the binding graph. The argument is general; its machine checks are bounded: the cycle
# step for lengths $L \le 6$, the formula exhaustively for $d \le 2$, $s \le 3$ and on random tasks.

# %%
import itertools

import numpy as np
import sympy as sp

from _common import all_selection_tasks, check, done
from wavetheory.theory.symbolic import LAM, factor_charpoly, generic_charpoly, symbolic_charpoly

lam = LAM

# %% [markdown]
# ## 4. Signed-selection tasks: powers of lambda and cyclotomic factors
# Row $j$ of $M$ has $\lambda^s$ on the diagonal and $-\sigma_j\lambda^{s-l_j}$ in column $c_j$ (the binding graph
# $j \to c_j$ is a functional graph). In the permutation expansion of $\det M$ the rows that leave the
# diagonal must form a union of whole cycles of this graph; a cycle $C$ of length $L$ contributes
# $\operatorname{sgn} = (-1)^{L-1}$ times $\prod_{j\in C}(-\sigma_j\lambda^{s-l_j})$, so each cycle gives a
# factor $\lambda^{sL} - \sigma_C \lambda^{sL - L_C}$ with $L_C = \sum_{j\in C} l_j$, $\sigma_C = \prod \sigma_j$:
#
# $$\det M = \lambda^{e}\prod_C(\lambda^{L_C} - \sigma_C),\qquad e = sd - \sum_C L_C,$$
#
# and $\lambda^L - 1 = \prod_{q | L}\Phi_q$, $\lambda^L + 1 = \prod_{q | 2L,\ q \nmid L}\Phi_q$. The cycle step is checked
# for symbolic weights and lengths $L \le 6$; the formula exhaustively for every task with $d \le 2$,
# $s \le 3$ and for random tasks with $d \le 4$.

# %%
w = sp.symbols("w1:7")
for L in range(1, 7):
    C = sp.Matrix(L, L, lambda a, b: w[a] if b == (a + 1) % L else 0)
    lhs = (lam * sp.eye(L) - C).det() if L > 1 else lam - w[0]
    check(sp.expand(lhs - (lam**L - sp.prod(w[:L]))) == 0, f"a weighted cycle of length {L}: det(lam I - W) = lam^L - prod w")


def cycle_formula(task) -> sp.Expr:
    nz = np.argwhere(task.lags != 0)
    c = {int(jj): int(cc) for _, jj, cc in nz}
    lag = {int(jj): int(kk) + 1 for kk, jj, _ in nz}
    sign = {int(jj): int(task.lags[kk, jj, cc]) for kk, jj, cc in nz}
    seen, out, used = set(), sp.Integer(1), 0
    for start in range(task.d):
        path, node = [], start
        while node not in seen and node not in path:
            path.append(node)
            node = c[node]
        if node in path:  # a new cycle: path from node on
            cyc = path[path.index(node):]
            Lc, sg = sum(lag[q] for q in cyc), int(np.prod([sign[q] for q in cyc]))
            out, used = out * (lam**Lc - sg), used + Lc
        seen.update(path)
    return sp.expand(out * lam ** (task.s * task.d - used))


count = 0
for d_, s_ in itertools.product((1, 2), (1, 2, 3)):
    ok = True
    for task in all_selection_tasks(d_, s_):
        cp = symbolic_charpoly(task)
        _, fs = factor_charpoly(task)
        ok &= sp.expand(cp.as_expr() - cycle_formula(task)) == 0
        ok &= cp == generic_charpoly(task)
        ok &= all(f.as_expr() == lam or f.is_cyclotomic for f, _ in fs)
        count += 1
    check(ok, f"every signed-selection task with d = {d_}, s = {s_}: cycle formula == block formula == generic; factors lam or cyclotomic")
rng = np.random.default_rng(7)
from wavetheory.theory.tasks import random_signed_selection

for d_, s_ in [(3, 5), (4, 8), (4, 16)]:
    for seed in range(5):
        task = random_signed_selection(d_, s_, seed=int(rng.integers(1 << 30)))
        _, fs = factor_charpoly(task)
        ok = sp.expand(symbolic_charpoly(task).as_expr() - cycle_formula(task)) == 0
        check(ok and all(f.as_expr() == lam or f.is_cyclotomic for f, _ in fs), f"random selection d = {d_}, s = {s_}: cycle formula; factors lam or cyclotomic")
print(f"({count} exhaustive signed-selection tasks)")
done("C4 selection cycles", 'selection tasks d <= 2, s <= 3; cycles L <= 6; random d <= 4, s <= 16',
     cites=["permutation (Leibniz) expansion of the determinant", "lambda^L - 1 = prod_(q | L) Phi_q (cyclotomic factorization)"])
