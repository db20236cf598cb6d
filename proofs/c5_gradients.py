# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # C5: an input written at the boundary travels intact; the gradient bound carries no mu^k
#
# Notation: $G(0) = I$, $G(n) = \sum_{m=1}^{\min(n,s)} A_m G(n-m)$ for $n \ge 1$, $G(n) = 0$ for $n < 0$ (the
# task's impulse response; $G(n) = E_s^\top\Phi^n E_s$).
#
# **Claims.**
# 1. $\Phi E_j = E_{j-1} + E_s A_{s+1-j}$ ($E_0 := 0$).
# 2. $\Phi^k E_s = \sum_{i=1}^{s} E_i\, G(k+i-s)$ for every $k \ge 0$: the input written at time 1 sits, as the
#    identity block, in block $s-k$ after $k < s$ steps, and the feedback adds $G(1..k)$ in newer blocks.
# 3. Without feedback ($A_1 = \dots = A_{s-1} = 0$): $G(n) = 0$ for $1 \le n < s$, so
#    $dh(1+k)/dx(1) = \Phi^k E_s = E_{s-k}$ for $k < s$ (THEORY.md C5), $\|\cdot\|_2 = 1$.
# 4. In general ($k < s$) $J^\top J = I + \sum_{m=1}^k G(m)^\top G(m) \succeq I$, so $1 \le \|\Phi^k E_s\|_2$, with no
#    power of $\mu$; the generic bound is $\|dC/dx(1)\| \le \|dC/dh(1+k)\|\,\|W_{uh}\|\,\mu^k$ (submultiplicativity).
#    Since $\|\Phi\|_2 \ge 1$ for $s \ge 2$, $\mu^k$ can only over-estimate; e.g. only $A_s = cI$, $|c| > 1$:
#    $\|\Phi\|_2 = |c|$, $\mu^k = |c|^k$ while the exact Jacobian norm is 1.
# 5. The boundary is learnable from the current substrate alone: the one-step loss
#    $\tfrac12\|\sum_k A_k h_{s+1-k}(t) - x(t+1)\|^2$ has gradient $(R h(t) - x(t+1))\, h_{s+1-k}(t)^\top$ in $A_k$ (no
#    back-propagation through time), and $R = [A_s \cdots A_1]$ is recovered exactly by one least-squares
#    solve from $sd$ generic substrate snapshots.

# %%
import itertools

import numpy as np
import sympy as sp

from _common import check, done, mat_zero, zero
from wavetheory.theory.symbolic import (
    E_block, boundary_jacobian, boundary_jacobian_closed_form, c5_bound_without_waves, c5_with_waves,
    markov_parameters, symbolic_lags, symbolic_Phi,
)
from wavetheory.theory.gradients import input_jacobians
from wavetheory.theory.tasks import LinearHDS

i, j, k, m, s = sp.symbols("i j k m s", integer=True)

# %% [markdown]
# ## 1. Phi E_j: S E_j = E_(j-1) and block column j of [A_s .. A_1] is A_(s+1-j); every small case

# %%
for d_, s_ in itertools.product((1, 2), (1, 2, 3, 4)):
    lags = symbolic_lags(d_, s_)
    P = symbolic_Phi(lags)
    ok = all(mat_zero(P * E_block(d_, s_, jj) - ((E_block(d_, s_, jj - 1) if jj > 1 else sp.zeros(s_ * d_, d_)) + E_block(d_, s_, s_) * lags[s_ - jj]))
             for jj in range(1, s_ + 1))
    check(ok, f"d = {d_}, s = {s_}: Phi E_j = E_(j-1) + E_s A_(s+1-j) for all j")

# %% [markdown]
# ## 2. The closed form, by induction on k
# Base $k = 0$: $\sum_i E_i G(i - s) = E_s G(0) = E_s$. Step: apply claim 1 to each term:
# $\Phi\sum_i E_i G(k+i-s) = \sum_{i} E_{i-1} G(k+i-s) + E_s\sum_i A_{s+1-i} G(k+i-s)$. Reindex $i' = i-1$ in the
# first sum ($G(k+i-s) = G((k+1)+i'-s)$) and $m = s+1-i$ in the second ($G(k+i-s) = G(k+1-m)$), which
# is $G(k+1)$ by the recurrence ($k + 1 \ge 1$).

# %%
check(zero((k + i - s) - ((k + 1) + (i - 1) - s)), "first sum: G(k+i-s) = G((k+1)+i'-s) with i' = i-1")
check(zero((k + i - s) - (k + 1 - (s + 1 - i))), "second sum: G(k+i-s) = G(k+1-m) with m = s+1-i")
Gf, Af = sp.Function("G"), sp.Function("A")
second = sp.Sum(Af(s + 1 - i) * Gf(k + i - s), (i, 1, s)).change_index(i, s + 1 - i, m)
check(zero(second - sp.Sum(Af(m) * Gf(k + 1 - m), (m, 1, s))), "sum_i A_(s+1-i) G(k+i-s) = sum_m A_m G(k+1-m) = G(k+1)")
for d_, s_ in [(1, 1), (1, 2), (1, 3), (2, 1), (2, 2), (2, 3)]:
    lags = symbolic_lags(d_, s_)
    ok = all(mat_zero(boundary_jacobian(lags, kk) - boundary_jacobian_closed_form(lags, kk)) for kk in range(2 * s_ + 1))
    G = markov_parameters(lags, 2 * s_)
    P = symbolic_Phi(lags)
    ok &= all(mat_zero(E_block(d_, s_, s_).T * P**n * E_block(d_, s_, s_) - G[n]) for n in range(2 * s_ + 1))
    check(ok, f"symbolic lags d = {d_}, s = {s_}: Phi^k E_s == closed form and G(n) == E_s^T Phi^n E_s, k, n <= 2s")
rng = np.random.default_rng(5)
for d_, s_ in [(2, 5), (3, 4)]:
    task = LinearHDS(rng.integers(-2, 3, size=(s_, d_, d_)).astype(float))
    ok = all(boundary_jacobian(task, kk) == boundary_jacobian_closed_form(task, kk) for kk in range(3 * s_))
    # the library's numeric Jacobian products (float, integer-valued and small here: exact)
    Jn = input_jacobians(np.array(symbolic_Phi(task), dtype=float), np.array(E_block(d_, s_, s_), dtype=float), 3 * s_ - 1)
    ok &= all(np.array_equal(Jn[kk], np.array(boundary_jacobian(task, kk), dtype=float)) for kk in range(3 * s_))
    check(ok, f"integer task d = {d_}, s = {s_}: closed form == Phi^k E_s == gradients.input_jacobians, k < 3s")

# %% [markdown]
# ## 3. No feedback: the input sits intact, Phi^k E_s = E_(s-k)
# $G(n) = \sum_{m \le n} A_m G(n-m)$ and every $A_m$ with $m \le n < s$ vanishes, so $G(n) = 0$ for $1 \le n < s$;
# in the closed form only the term $i = s - k$ ($G(0) = I$) survives for $k < s$.

# %%
for d_, s_ in itertools.product((1, 2), (1, 2, 3, 4, 5)):
    lags = [sp.zeros(d_) for _ in range(s_ - 1)] + [symbolic_lags(d_, 1, name="c")[0]]
    G = markov_parameters(lags, s_)
    ok = all(G[n].is_zero_matrix for n in range(1, s_)) and G[s_] == lags[-1]
    ok &= all(boundary_jacobian(lags, kk) == E_block(d_, s_, s_ - kk) for kk in range(s_))
    ok &= c5_with_waves(lags, s_ - 1)["no_feedback"] is True
    check(ok, f"only A_s (symbolic), d = {d_}, s = {s_}: G(1..s-1) = 0, G(s) = A_s, Phi^k E_s = E_(s-k) for k < s")

# %% [markdown]
# ## 4. The bound: identity block, Gram matrix, and mu^k over-estimates

# %%
for d_, s_ in [(1, 3), (2, 2), (2, 3)]:
    lags = symbolic_lags(d_, s_)
    for kk in range(s_):
        J = boundary_jacobian(lags, kk)
        G = markov_parameters(lags, kk)
        ok = J[(s_ - kk - 1) * d_ : (s_ - kk) * d_, :] == sp.eye(d_)
        ok &= mat_zero(J.T * J - (sp.eye(d_) + sum((g.T * g for g in G[1:]), sp.zeros(d_))))
        check(ok, f"symbolic d = {d_}, s = {s_}, k = {kk}: block s-k of Phi^k E_s is I; J^T J = I + sum_m G(m)^T G(m)")
for d_, s_ in itertools.product((1, 2), (2, 3, 4)):
    lags = symbolic_lags(d_, s_)
    P = symbolic_Phi(lags)
    v = E_block(d_, s_, 2)
    check(mat_zero((P * v)[: d_, :] - sp.eye(d_)), f"d = {d_}, s = {s_}: block 1 of Phi E_2 is I, so ||Phi||_2 >= 1")
    only = [sp.zeros(d_) for _ in range(s_ - 1)] + [lags[-1]]
    Po = symbolic_Phi(only)
    check(mat_zero(Po.T * Po - sp.diag(lags[-1].T * lags[-1], sp.eye((s_ - 1) * d_))), f"d = {d_}, s = {s_}, only A_s: Phi^T Phi = diag(A_s^T A_s, I)")
c = sp.Symbol("c", positive=True)
kk = sp.Symbol("k", integer=True, positive=True)
bound = c5_bound_without_waves(kk, mu=c)
check(sp.limit(bound.subs(c, 2), kk, sp.oo) == sp.oo, "A_s = 2I: mu = ||Phi||_2 = 2 and the mu^k bound diverges ...")
check(all(c5_with_waves([sp.zeros(1)] * 3 + [sp.Matrix([[2]])], q)["jacobian"].norm() == 1 for q in range(4)), "... while ||Phi^k E_s|| = 1 for every k < s (s = 4)")

# %% [markdown]
# ## 5. The boundary parameters from the current substrate alone

# %%
for d_, s_ in [(1, 2), (2, 2), (2, 3)]:
    lags = symbolic_lags(d_, s_)
    H = [sp.Matrix(sp.symbols(f"h{q}_0:{d_}")) for q in range(1, s_ + 1)]
    x = sp.Matrix(sp.symbols(f"x0:{d_}"))
    resid = sum((lags[q - 1] * H[s_ - q] for q in range(1, s_ + 1)), sp.zeros(d_, 1)) - x
    loss = (resid.T * resid)[0] / 2
    ok = all(mat_zero(sp.Matrix(d_, d_, lambda a, b: sp.diff(loss, lags[q - 1][a, b])) - resid * H[s_ - q].T) for q in range(1, s_ + 1))
    check(ok, f"d = {d_}, s = {s_}: dL/dA_k = (R h - x) h_(s+1-k)^T, a function of the current substrate only")
for d_, s_ in [(1, 3), (2, 3), (3, 2)]:
    task = LinearHDS(rng.integers(-2, 3, size=(s_, d_, d_)).astype(float))
    R = symbolic_Phi(task)[(s_ - 1) * d_ :, :]
    Hs = sp.Matrix(rng.choice([-1, 1], size=(s_ * d_, 2 * s_ * d_)))  # substrate snapshots as columns
    X = R * Hs  # the targets x(t+1) = f(H(t))
    R_hat = X * Hs.T * (Hs * Hs.T).inv()  # exact rational least squares
    check(Hs.rank() == s_ * d_ and R_hat == R, f"d = {d_}, s = {s_}: one exact least-squares solve on snapshots recovers [A_s .. A_1]")

done("C5 gradients", 'd <= 2, s <= 5 (closed form: symbolic index step; integer tasks d <= 3)',
     cites=["submultiplicativity of the operator norm (the generic bound)"])
