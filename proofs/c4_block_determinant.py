# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # C4: the block determinant formula and the spectra of the task library
#
# **Claim.** $\det(\lambda I - \Phi) = \det M(\lambda)$, $M(\lambda) = \lambda^s I_d - \sum_{k=1}^s \lambda^{s-k} A_k$.
# Consequences: repeat copy gives $(\lambda^s - 1)^d$; generalized Fibonacci gives
# $(\lambda^s - \lambda^{s-1} - \dots - 1)^d$; a signed-selection task gives
# $\lambda^{e} \prod_{C} (\lambda^{L_C} - \sigma_C)$ over the cycles $C$ of its binding graph, so its
# factors over $\mathbb{Q}$ are $\lambda$ and cyclotomic polynomials (eigenvalues: 0 and roots of unity).
#
# **Proof for general s.** Let $F$ be block lower triangular with identity diagonal blocks and first
# block column $[I; \lambda I; \dots; \lambda^{s-1} I]$ (so $\det F = 1$). Then $N = (\lambda I - \Phi)F$:
#
# * block $(i, 1)$, $i < s$: $\lambda\cdot\lambda^{i-1} I - \lambda^{i} I = 0$;
# * block $(s, 1)$: $\lambda\cdot\lambda^{s-1} I - \sum_{i=1}^s A_{s+1-i}\lambda^{i-1} = M(\lambda)$ (reindex $k = s+1-i$);
# * block columns $2..s$ are those of $\lambda I - \Phi$ (F's other columns are unit columns); their
#   first $s-1$ block rows form $B$, lower bidiagonal with $-I$ on the diagonal, $\det B = (-1)^{(s-1)d}$.
#
# So $N = \begin{pmatrix} 0 & B \\ M & C\end{pmatrix}$; moving the first block column ($d$ columns) past the
# other $(s-1)d$ columns costs $(-1)^{(s-1)d^2}$, and the result is block lower triangular:
# $\det(\lambda I - \Phi) = (-1)^{(s-1)d^2}(-1)^{(s-1)d}\det M = (-1)^{(s-1)d(d+1)} \det M = \det M$,
# because $d(d+1)$ is even. Each step is checked below with symbolic $i, s, d$, then the whole
# identity entry by entry for every $s \le 5$, $d \le 2$ with fully symbolic lags, and the formula
# against SymPy's generic determinant for fully symbolic lags with $sd \le 6$.

# %%
import itertools

import numpy as np
import sympy as sp

from _common import all_selection_tasks, check, done, mat_zero, zero
from wavetheory.theory.symbolic import (
    LAM, block_polynomial_matrix, factor_charpoly, generic_charpoly, symbolic_charpoly, symbolic_lags, symbolic_Phi,
)
from wavetheory.theory.tasks import fibonacci, repeat_copy

lam = LAM
i, j, k, s, d, m = sp.symbols("i j k s d m", integer=True, positive=True)

# %% [markdown]
# ## 1. The steps, with symbolic block indices

# %%
check(zero(lam * lam ** (i - 1) - lam**i), "block (i, 1) of (lam I - Phi) F, i < s: lam lam^(i-1) - lam^i = 0")
A = sp.Function("A")  # one entry of A_k, as a function of k
col1_row_s = lam * lam ** (s - 1) - sp.Sum(A(s + 1 - i) * lam ** (i - 1), (i, 1, s))
M_entry = lam**s - sp.Sum(A(k) * lam ** (s - k), (k, 1, s))
check(zero(col1_row_s.subs(sp.Sum(A(s + 1 - i) * lam ** (i - 1), (i, 1, s)),
                           sp.Sum(A(s + 1 - i) * lam ** (i - 1), (i, 1, s)).change_index(i, s + 1 - i, k)) - M_entry),
      "block (s, 1): lam^s I - sum_i A_(s+1-i) lam^(i-1) = M(lam) (reindex k = s+1-i)")
# parity: (s-1) d (d+1) is even for d = 2m and d = 2m+1
for dd in (2 * m, 2 * m + 1):
    check(sp.expand((s - 1) * dd * (dd + 1) / 2).is_integer is True, f"(s-1) d (d+1) / 2 is an integer for d = {dd}")
check(zero((s - 1) * d**2 + (s - 1) * d - (s - 1) * d * (d + 1)), "(s-1)d^2 + (s-1)d = (s-1)d(d+1): the two signs combine")

# %% [markdown]
# ## 2. The factorization (lam I - Phi) F = N entry by entry, symbolic lags, s <= 5, d <= 2

# %%
for d_, s_ in itertools.product((1, 2), range(1, 6)):
    lags = symbolic_lags(d_, s_)
    P = symbolic_Phi(lags)
    N_ = s_ * d_
    F = sp.eye(N_)
    for q in range(1, s_ + 1):
        F[(q - 1) * d_ : q * d_, 0:d_] = lam ** (q - 1) * sp.eye(d_)
    Nm = ((lam * sp.eye(N_) - P) * F).applyfunc(sp.expand)
    M = block_polynomial_matrix(lags)
    ok = mat_zero(Nm[: (s_ - 1) * d_, :d_]) and mat_zero(Nm[(s_ - 1) * d_ :, :d_] - M)
    ok &= Nm[:, d_:] == (lam * sp.eye(N_) - P)[:, d_:] and F.det() == 1
    B = Nm[: (s_ - 1) * d_, d_:]
    ok &= B.is_lower and all(B[q, q] == -1 for q in range(B.rows))
    check(ok, f"s = {s_}, d = {d_}: (lam I - Phi) F = [[0, B], [M, C]], det F = 1, B lower triangular with -I diagonal")
    perm = list(range(d_, N_)) + list(range(d_))
    check(sp.Matrix.hstack(*[sp.eye(N_)[:, c] for c in perm]).det() == (-1) ** ((s_ - 1) * d_ * d_),
          f"s = {s_}, d = {d_}: moving the first block column costs (-1)^((s-1)d^2)")

for d_, s_ in [(1, 1), (1, 2), (1, 3), (1, 4), (1, 6), (2, 1), (2, 2), (2, 3), (3, 1), (3, 2)]:
    lags = symbolic_lags(d_, s_)
    check(symbolic_charpoly(lags) == generic_charpoly(lags), f"fully symbolic lags, s = {s_}, d = {d_}: block formula == generic det(lam I - Phi)")

rng = np.random.default_rng(4)
for d_, s_ in [(2, 5), (3, 4), (4, 3), (2, 6)]:
    from wavetheory.theory.tasks import LinearHDS
    task = LinearHDS(rng.integers(-2, 3, size=(s_, d_, d_)).astype(float))
    check(symbolic_charpoly(task) == generic_charpoly(task), f"random integer task, s = {s_}, d = {d_}: block formula == generic")

# %% [markdown]
# ## 3. Repeat copy and Fibonacci, general s and d
# Repeat copy: $A_s = I$, all others 0, so $M = \lambda^s I - \lambda^0 I = (\lambda^s - 1) I$, a scalar matrix:
# $\det = (\lambda^s - 1)^d$. Fibonacci: $A_k = I$ for all k, $M = (\lambda^s - \sum_{k=1}^s \lambda^{s-k}) I$.
# The scalar-matrix step $\det(cI_d) = c^d$ holds for any d; the symbolic sums are checked for
# general s, and the library for all s <= 8, d <= 3.

# %%
check(zero(lam**s - lam ** (s - s) - (lam**s - 1)), "repeat copy: only k = s contributes lam^(s-s) = 1")
fib_sum = sp.Sum(lam ** (s - k), (k, 1, s))
check(zero(fib_sum.change_index(k, s - k, j) - sp.Sum(lam**j, (j, 0, s - 1))), "Fibonacci: sum_k lam^(s-k) = 1 + lam + ... + lam^(s-1)")
for d_, s_ in itertools.product((1, 2, 3), range(1, 9)):
    rc = symbolic_charpoly(repeat_copy(d_, s_)).as_expr()
    fib = symbolic_charpoly(fibonacci(d_, s_)).as_expr()
    ok = sp.expand(rc - (lam**s_ - 1) ** d_) == 0 and sp.expand(fib - (lam**s_ - sum(lam**q for q in range(s_))) ** d_) == 0
    check(ok, f"s = {s_}, d = {d_}: repeat copy (lam^s - 1)^d, Fibonacci (lam^s - ... - 1)^d")
    _, fs = factor_charpoly(repeat_copy(d_, s_))
    divisors = sp.divisors(s_)
    check({f.as_expr() for f, _ in fs} == {sp.cyclotomic_poly(q, lam) for q in divisors} and len(fs) == len(divisors) and all(mm == d_ for _, mm in fs),
          f"s = {s_}, d = {d_}: repeat copy factors = cyclotomic Phi_q, q | s, each with multiplicity d")

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
done("C4 block determinant")
