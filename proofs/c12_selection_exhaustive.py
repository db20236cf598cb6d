# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # C12, bounded confirmations: the theorem on every small task, and its signed-selection form
#
# `c12_realizability.py` proves the theorem (realizable at horizon $H$ iff $A_iA_k = 0$ for
# $1 \le i \le \min(s, H-1)$, $1 \le k \le s-1$) in general. Here the same statements are confirmed
# on concrete operators: the Toeplitz defect with fully symbolic lags, the induction identity with
# noncommutative symbols for $s \le 4$, and exhaustively over small tasks. Step 7 (signed selection:
# realizable iff no component with lag $< s$ is read) is checked only here: exhaustively for $d \le 2$,
# $s \le 3$, so its scope is bounded.

# %%
import itertools

import numpy as np
import sympy as sp

from _common import all_selection_tasks, check, done, mat_zero
from wavetheory.theory.realizability import required_map, selection_realizable, toeplitz_fit, violations
from wavetheory.theory.symbolic import E_block, markov_parameters, symbolic_lags, symbolic_Phi
from wavetheory.theory.tasks import LinearHDS

# %% [markdown]
# ## Steps 4 and 5 on concrete operators

# %%
for d_, s_ in [(1, 2), (1, 3), (2, 2), (2, 3)]:
    lags = symbolic_lags(d_, s_)
    P, Es = symbolic_Phi(lags), E_block(d_, s_, s_)
    G = markov_parameters(lags, 4)
    ok = True
    for mm, jj in itertools.product(range(1, 4), range(1, s_)):
        K_next = Es.T * P ** (mm + 1) * E_block(d_, s_, jj + 1)
        K_here = Es.T * P**mm * E_block(d_, s_, jj)
        ok &= mat_zero(K_next - K_here - G[mm] * lags[s_ - jj - 1])
    check(ok, f"symbolic lags d = {d_}, s = {s_}: K(t+1,tau+1) - K(t,tau) = G(t-s+1) A_(s-1-tau), m <= 3")

# step 5: the induction identity, noncommutative symbols (the lags do not commute)
for s_ in (2, 3, 4):
    A = sp.symbols(f"A1:{s_ + 1}", commutative=False)
    G = [sp.Integer(1)]
    for mm in range(1, 2 * s_ + 2):
        G.append(sp.expand(sum(A[q - 1] * G[mm - q] for q in range(1, min(mm, s_) + 1))))
    ok = True
    for mm, kk in itertools.product(range(1, 2 * s_ + 2), range(1, s_)):
        rest = sum((A[q - 1] * G[mm - q] * A[kk - 1] for q in range(1, min(mm, s_) + 1) if mm - q >= 1), sp.Integer(0))
        head = A[mm - 1] * A[kk - 1] if mm <= s_ else 0
        ok &= sp.expand(G[mm] * A[kk - 1] - head - rest) == 0
    check(ok, f"s = {s_}: G(m) A_k = [m <= s] A_m A_k + sum_(i: m-i >= 1) A_i (G(m-i) A_k), noncommutative, m <= 2s+1")

# %% [markdown]
# ## Exhaustive checks: every signed-selection task with d <= 2, s <= 3 (236 tasks)

# %%
def toeplitz_exact(K: np.ndarray) -> bool:
    """K[t-s, tau] constant along t - tau (exact integers/Fractions)."""
    H, s_ = K.shape[:2]
    return all(np.array_equal(K[a + 1, b + 1], K[a, b]) for a in range(H - 1) for b in range(s_ - 1))


n_tasks = n_real = 0
for d_, s_ in itertools.product((1, 2), (1, 2, 3)):
    ok = True
    for task in all_selection_tasks(d_, s_):
        n_tasks += 1
        real = violations(task) == []
        n_real += real
        ok &= real == selection_realizable(task)
        for H in range(1, s_ + 4):
            K = required_map(task, H, exact=True)
            ok &= toeplitz_exact(K) == (violations(task, H) == [])
        # least squares on the float map: RSS = 0 iff realizable; otherwise >= 1/2 (integer entries
        # that differ on one diagonal by >= 1 deviate from their mean by >= 1/2 in total square)
        _, rss = toeplitz_fit(required_map(task, s_ + 1))
        ok &= (rss == 0.0) if real else (rss >= 0.5)
        # the compiled wave RNN, exact integer arithmetic, horizon 2s + 2
        Pn = np.array(symbolic_Phi(task), dtype=np.int64)
        Kn = required_map(task, 2 * s_ + 2).astype(np.int64)
        G = [np.linalg.matrix_power(Pn, q)[-d_:, -d_:] for q in range(3 * s_ + 3)]
        rnn_map = np.array([[G[s_ + a - b] for b in range(s_)] for a in range(2 * s_ + 2)])
        ok &= np.array_equal(rnn_map, Kn) == real
    check(ok, f"all signed-selection tasks d = {d_}, s = {s_}: Toeplitz(K, H) <=> no violation for H = 1..s+3; "
              "<=> no short-lag component is read; LS residual 0 <=> realizable; compiled RNN exact <=> realizable")
print(f"({n_real} of {n_tasks} signed-selection tasks with d <= 2, s <= 3 are realizable)")

# %% [markdown]
# ## Exhaustive over all integer lags in {-1, 0, 1}: d = 1, s <= 4 and d = 2, s = 2 (6561 tasks)
# Vectorized integer recursion, independent of the library; the library's `violations` on every
# d = 1 task and on a deterministic sample of 600 d = 2 tasks.

# %%
def direct(lags_all: np.ndarray, H: int) -> tuple[np.ndarray, np.ndarray]:
    """(Toeplitz in window H, A_i A_k = 0 for i <= min(s, H-1), k < s) for a batch of integer tasks (T, s, d, d)."""
    T, s_, d_, _ = lags_all.shape
    X = [np.zeros((T, s_, d_, d_), dtype=np.int64) for _ in range(s_)]
    for q in range(s_):
        X[q][:, q] = np.eye(d_, dtype=np.int64)
    for tt in range(s_, s_ + H):
        X.append(sum(np.einsum("nij,nbjk->nbik", lags_all[:, q - 1], X[tt - q]) for q in range(1, s_ + 1)))
    K = np.stack(X[s_:], axis=1)  # (T, H, s, d, d)
    toep = np.all(K[:, 1:, 1:] == K[:, :-1, :-1], axis=(1, 2, 3, 4)) if H > 1 and s_ > 1 else np.ones(T, bool)
    cond = np.ones(T, bool)
    for i_, k_ in itertools.product(range(1, min(s_, H - 1) + 1), range(1, s_)):
        cond &= np.all(np.einsum("nij,njk->nik", lags_all[:, i_ - 1], lags_all[:, k_ - 1]) == 0, axis=(1, 2))
    return toep, cond


sample_rng = np.random.default_rng(12)
for d_, s_ in [(1, 1), (1, 2), (1, 3), (1, 4), (2, 1), (2, 2)]:
    lags_all = np.array(list(itertools.product((-1, 0, 1), repeat=s_ * d_ * d_)), dtype=np.int64).reshape(-1, s_, d_, d_)
    ok, n_real = True, 0
    for H in range(1, s_ + 3):
        toep, cond = direct(lags_all, H)
        ok &= bool(np.array_equal(toep, cond))
    n_real = int(cond.sum())  # at H = s + 2 (unbounded)
    idx = range(len(lags_all)) if len(lags_all) <= 600 else sample_rng.choice(len(lags_all), 600, replace=False)
    ok &= all((violations(LinearHDS(lags_all[q].astype(float))) == []) == bool(cond[q]) for q in idx)
    if d_ == 1:  # d = 1: exactly the tasks with a_1 = ... = a_(s-1) = 0
        ok &= bool(np.array_equal(cond, np.all(lags_all[:, :-1] == 0, axis=(1, 2, 3))))
    check(ok, f"all {len(lags_all)} tasks with lags in {{-1,0,1}}, d = {d_}, s = {s_}: Toeplitz <=> condition for H = 1..s+2"
              + (" <=> only A_s != 0" if d_ == 1 else "") + f" ({n_real} realizable)")

done("C12 selection exhaustive", 'selection tasks d <= 2, s <= 3; lags in {-1, 0, 1}: d = 1, s <= 4 and d = 2, s <= 2')
