# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # C12: which linear tasks a linear time-invariant RNN realizes in the two-phase format
#
# **Setting.** A linear RNN of any hidden size, $h(t) = W h(t-1) + B u(t)$, $h(-1) = 0$, $y(t) = C h(t)$, reads
# $u(\tau) = x(\tau)$ for $\tau = 0..s-1$, then $u = 0$; it must output $y(t) = x(t)$ for $t = s, \dots, s+H-1$
# ($H$ = horizon, possibly unbounded) for every history. Let $G(n) = E_s^\top \Phi^n E_s$ (the task's
# impulse response: $G(0) = I$, $G(n) = \sum_{m=1}^{\min(n,s)} A_m G(n-m)$).
#
# **Theorem.** The task is realizable iff
#
# $$ A_i A_k = 0 \quad\text{for all } 1 \le i \le \min(s, H-1),\ 1 \le k \le s-1. $$
#
# For $H \ge s+1$ (and for an unbounded horizon) this is $A_i A_k = 0$ for all $i \le s$, $k < s$: *whatever a
# short lag writes is never read by any lag*; the compiled wave RNN ($W = \Phi$, $B = E_s$, $C = E_s^\top$) then
# realizes the task for every horizon, so no extra hidden size ever helps. For signed-selection
# tasks: realizable iff no component with lag $< s$ is copied by any component. For $d = 1$: iff only
# $A_s \ne 0$.
#
# **Verdict on THEORY.md's quick analysis: refined.** "Only $A_s \ne 0$" is sufficient, and necessary
# for $d = 1$, but not for $d \ge 2$: e.g. $x_0(t) = x_1(t-1)$, $x_1(t) = x_1(t-2)$ ($A_1 \ne 0$) is realizable.
# "Fails whenever some $A_k$, $k < s$, feeds back" is exactly right when "feeds back" means
# $\operatorname{Im} A_k \not\subseteq \bigcap_i \ker A_i$. With a short horizon $H \le s$ more tasks are realizable (any task for $H = 1$).
#
# **Proof.**
# 1. *LTI form.* By induction $h(t) = \sum_{\tau \le t} W^{t-\tau} B u(\tau)$, so for $t \ge s$
#    $y(t) = \sum_{\tau=0}^{s-1} G_{\rm rnn}(t-\tau)\,x(\tau)$, $G_{\rm rnn}(n) = C W^n B$: a function of $t - \tau$ only.
# 2. *Required map.* The history is the substrate $h(s-1) = \sum_\tau E_{\tau+1} x(\tau)$ (C1), so
#    $x(t) = \sum_\tau K(t,\tau) x(\tau)$ with $K(t,\tau) = E_s^\top \Phi^{t-s+1} E_{\tau+1}$; $K$ is the unique such map
#    (the history is arbitrary).
# 3. *Realizable iff $K$ is Toeplitz in the window.* Necessity is 1. Sufficiency: set $g(n) := K(t,\tau)$ for
#    any $(t,\tau)$ in the window with $t - \tau = n$ (well defined); the shift-register RNN with hidden
#    state $[u(t); \dots; u(t-N+1)]$, $N = s+H$, and $C = [g(0) \cdots g(N-1)]$ outputs $\sum_n g(n) u(t-n)$.
# 4. *Toeplitz defect.* From $\Phi E_{j+1} = E_j + E_s A_{s-j}$ (C5, claim 1):
#    $K(t+1,\tau+1) - K(t,\tau) = E_s^\top\Phi^{m}(\Phi E_{j+1} - E_j) = G(m)\,A_{s-j}$ with $m = t-s+1$, $j = \tau+1$.
#    In the window $m$ ranges over $1..H-1$ and $s - j$ over $1..s-1$. So: Toeplitz iff $G(m)A_k = 0$ there.
# 5. *Induction.* $G(m)A_k = \sum_{i=1}^{\min(m,s)} A_i\,(G(m-i)A_k)$. If $G(m')A_k = 0$ for $1 \le m' < m$, every term with
#    $m - i \ge 1$ vanishes and $G(m)A_k = A_m A_k$ (if $m \le s$) or $0$ (if $m > s$). Hence the conditions for
#    $m = 1..H-1$ are equivalent to $A_m A_k = 0$ for $m = 1..\min(s, H-1)$.
# 6. *Compiled RNN.* Its Markov parameters are $G(n)$ (C3). Under the full condition $K(t,\tau) = G(t-\tau)$ for
#    all $t \ge s$ (step 4 with every $m$), so it realizes the task for every horizon.
# 7. *Signed selection.* $(A_iA_k)_{rc} = \sum_j (A_i)_{rj}(A_k)_{jc}$ has at most one non-zero term (row $r$ of
#    $A_i$ has at most one entry), so $A_iA_k \ne 0$ iff some $r$ with lag $i$ copies some $j$ with lag $k$.

# %%
import itertools

import numpy as np
import sympy as sp

from _common import all_selection_tasks, check, done, mat_zero, zero
from wavetheory.theory.realizability import required_map, selection_realizable, toeplitz_fit, violations
from wavetheory.theory.symbolic import E_block, markov_parameters, symbolic_lags, symbolic_Phi
from wavetheory.theory.tasks import LinearHDS, signed_selection

t, tau, s, m, j, n = sp.symbols("t tau s m j n", integer=True)

# %% [markdown]
# ## Steps 1, 2 and 4 with symbols

# %%
Wm, Bm = sp.MatrixSymbol("W", n, n), sp.MatrixSymbol("B", n, 1)
check((Wm * Wm ** (t - tau) * Bm).doit() == Wm ** (t + 1 - tau) * Bm and (Wm**0 * Bm).doit() == Bm,
      "LTI induction step: W (W^(t-tau) B) = W^(t+1-tau) B; the new term tau = t+1 is W^0 B = B")
check(zero(((t + 1) - (tau + 1)) - (t - tau)), "the RNN's coefficient C W^(t-tau) B is unchanged by (t, tau) -> (t+1, tau+1)")
check(zero(((t + 1) - s + 1) - ((t - s + 1) + 1)), "K(t+1, tau+1) = E_s^T Phi^(m+1) E_(j+1) with m = t-s+1, j = tau+1")
check(zero((s - j).subs(j, tau + 1) - (s - 1 - tau)), "the defect's lag index is s - j = s - 1 - tau, in 1..s-1 for tau in 0..s-2")

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
# ## The counterexample to "only A_s": x0(t) = x1(t-1), x1(t) = x1(t-2)
# Symbolic history; the compiled wave RNN (W = Phi, B = E_s, C = E_s^T, inputs *added*) reproduces the
# task exactly at every step, although $A_1 \ne 0$.

# %%
task = signed_selection("x1(t-1), x1(t-2)")
check(not np.all(task.A(1) == 0) and violations(task) == [], "x1(t-1), x1(t-2): A_1 != 0 and A_i A_k = 0 for all i <= s, k < s")
P, Es = symbolic_Phi(task), E_block(2, 2, 2)
xs = [sp.Matrix(sp.symbols(f"x{q}_0:2")) for q in range(2)]
for q in range(2, 12):
    xs.append(symbolic_Phi(task)[2:, :] * sp.Matrix.vstack(xs[q - 2], xs[q - 1]))
h = sp.zeros(4, 1)
ok = True
for q in range(12):
    h = P * h + Es * (xs[q] if q < 2 else sp.zeros(2, 1))
    if q >= 2:
        ok &= mat_zero(Es.T * h - xs[q])
check(ok, "compiled wave RNN == task on x(2..11) for a symbolic history")

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

# THEORY.md's examples
from wavetheory.theory.tasks import fibonacci, repeat_copy

check(all(violations(signed_selection("x0(t-1)", s=s_)) != [] for s_ in range(2, 6)), "x(t) = x(t-1) with s >= 2 is not realizable")
check(all(violations(fibonacci(d_, s_)) != [] and violations(repeat_copy(d_, s_)) == [] for d_ in (1, 2, 3) for s_ in range(2, 6)),
      "Fibonacci (s >= 2) is not realizable; repeat copy is")
check(all(violations(fibonacci(2, s_), horizon=1) == [] for s_ in range(1, 6)), "with horizon H = 1 every task is realizable (Fibonacci)")

done("C12 realizability")
