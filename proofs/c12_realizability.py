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
#
# **Scope of the machine checks.** Steps 1 and 3-6 are checked below in general: symbolic $s, H, t, \tau, m, j$,
# noncommutative `MatrixSymbol` operators of any size, block indices through Kronecker deltas, the induction
# of step 5 as a symbolic sum; step 2 is C1 (`c1_representation.py`). The standard facts used (a linear map
# determined by its action on arbitrary histories is unique; strong induction) are cited. Step 7 and the
# exhaustive confirmations over small tasks are in `c12_selection_exhaustive.py` (bounded).

# %%
import numpy as np
import sympy as sp

from _common import argument, check, done, mat_zero, zero
from wavetheory.theory.realizability import violations
from wavetheory.theory.symbolic import E_block, symbolic_Phi
from wavetheory.theory.tasks import signed_selection

t, tau, s, m, j, n, H, q = sp.symbols("t tau s m j n H q", integer=True)
r = sp.Symbol("r", integer=True, positive=True)
r0 = sp.Symbol("r0", integer=True, nonnegative=True)
KD = sp.KroneckerDelta
Af = sp.Function("A")  # A(k): the lag operator A_k as a function of its index (scalar coefficients commute with it)

# %% [markdown]
# ## Step 1: the RNN's map depends on t - tau only

# %%
with argument("n", "N", "d", "s", "H", "t", "m"):
    Wm, Bm = sp.MatrixSymbol("W", n, n), sp.MatrixSymbol("B", n, 1)
    check((Wm * Wm ** (t - tau) * Bm).doit() == Wm ** (t + 1 - tau) * Bm and (Wm**0 * Bm).doit() == Bm,
          "LTI induction step: W (W^(t-tau) B) = W^(t+1-tau) B; the new term tau = t+1 is W^0 B = B",
          over=Wm * Wm ** (t - tau) * Bm)
    check(zero(((t + 1) - (tau + 1)) - (t - tau)), "the RNN's coefficient C W^(t-tau) B is unchanged by (t, tau) -> (t+1, tau+1)",
          over=t - tau)

# %% [markdown]
# ## Step 3: a Toeplitz map is realized by a shift register of N = s + H inputs
# Hidden blocks $h_q(t) = u(t-q+1)$, $q = 1..N$ (input written into block 1, every block moves down one);
# output $C h(t) = \sum_q g(q-1) h_q(t)$.

# %%
with argument("n", "N", "d", "s", "H", "t", "m"):
    u, g = sp.Function("u"), sp.Function("g")
    hq = sp.Lambda((q, t), u(t - q + 1))  # the invariant of the shift register
    check(hq(1, t) == u(t) and hq(q - 1, t - 1) == hq(q, t), "shift register: block 1 holds u(t), block q the block q-1 of t-1 (induction on t)",
          over=hq(q, t))
    Nsym = s + H
    out = sp.Sum(g(q - 1) * hq(q, t), (q, 1, Nsym))
    check(zero(out.change_index(q, q - 1, n) - sp.Sum(g(n) * u(t - n), (n, 0, Nsym - 1))),
          "y(t) = sum_q g(q-1) u(t-q+1) = sum_(n=0..N-1) g(n) u(t-n) (reindex n = q-1)", over=out)
    check((t - (Nsym - 1)).subs(t, s + H - 1 - r0).is_nonpositive is True,
          "every output time t <= s+H-1 reaches back to tau = t-(N-1) <= 0: all inputs x(0..s-1) are in the window",
          over=t - (Nsym - 1))

# %% [markdown]
# ## Step 4: the Toeplitz defect is G(m) A_(s-j)
# Block $i$ of $\Phi E_{j+1}$ is $\Phi_{i,j+1}$: the shift ($I$ at column $i+1$ for $i < s$) and, in block row
# $s$, $A_{s+1-(j+1)}$. Block $i$ of $E_j + E_s A_{s-j}$ is $\delta_{ij} I + \delta_{is} A_{s-j}$. For $j \le s-1$:

# %%
with argument("n", "N", "d", "s", "H", "t", "m"):
    Phi_blk = lambda a, b: sp.Piecewise((KD(b - a - 1, 0), a < s), (Af(s + 1 - b), True))  # noqa: E731
    rhs_blk = lambda a: KD(j - a, 0) + KD(s - a, 0) * Af(s - j)  # noqa: E731  (deltas written as KD(column - row, 0) on both sides)
    check(zero(Phi_blk(s - r, j + 1) - rhs_blk(s - r)),
          "Phi E_(j+1) = E_j + E_s A_(s-j), block rows i = s - r < s: delta_(i, j)", over=rhs_blk(s - r))
    check(zero((Phi_blk(s, j + 1) - rhs_blk(s)).subs(j, s - r)), "... and block row s: A_(s-j) (delta_(s, j) = 0 for j = s - r < s)",
          over=Phi_blk(s, j + 1))
    Nn, d_ = sp.symbols("N d", integer=True, positive=True)
    P, Es, Ej, Ak = sp.MatrixSymbol("Phi", Nn, Nn), sp.MatrixSymbol("E_s", Nn, d_), sp.MatrixSymbol("E_j", Nn, d_), sp.MatrixSymbol("A", d_, d_)
    defect = (Es.T * P**m * (Ej + Es * Ak) - Es.T * P**m * Ej).expand()
    check(defect == Es.T * P**m * Es * Ak,
          "K(t+1,tau+1) - K(t,tau) = E_s^T Phi^m (Phi E_(j+1) - E_j) = E_s^T Phi^m E_s A_(s-j) = G(m) A_(s-j) (noncommutative)",
          over=defect)
    check(zero(((t + 1) - s + 1) - ((t - s + 1) + 1)), "K(t+1, tau+1) = E_s^T Phi^(m+1) E_(j+1) with m = t-s+1, j = tau+1",
          over=t - s + 1)
    check(zero((s - j).subs(j, tau + 1) - (s - 1 - tau)), "the defect's lag index is s - j = s - 1 - tau, in 1..s-1 for tau in 0..s-2",
          over=s - j)
    check(zero((t - s + 1).subs(t, s) - 1) and zero((t - s + 1).subs(t, s + H - 2) - (H - 1)),
          "m = t-s+1 runs over 1..H-1 for the output pairs t, t+1 in s..s+H-1", over=(t - s + 1, s + H - 2))

# %% [markdown]
# ## Step 5: the induction, as a symbolic sum
# $G(m)A_k = \sum_{i=1}^{\min(m,s)} A_i\,G(m-i)A_k$. Under the hypothesis $G(m')A_k = 0$ for $1 \le m' < m$,
# $G(m-i)A_k = \delta_{m-i,0}\,A_k$ for every term, so $G(m)A_k = [m \le s]\,A_m A_k$:

# %%
mp, sp_ = sp.symbols("m s", integer=True, positive=True)  # step 5 lives at m >= 1, s >= 1
# the base of the induction is one instance: it runs outside the argument block
G1 = sp.Sum(Af(j) * KD(1 - j, 0), (j, 1, 1)).doit()
check(zero(G1 - Af(1)), "base m = 1: G(1) A_k = A_1 G(0) A_k = A_1 A_k")
with argument("n", "N", "d", "s", "H", "t", "m"):
    mp, sp_ = sp.symbols("m s", integer=True, positive=True)  # step 5 lives at m >= 1, s >= 1
    hyp_sum = lambda upper: sp.Sum(Af(j) * KD(mp - j, 0), (j, 1, upper))  # noqa: E731  (times A_k on the right)
    check(zero(hyp_sum(mp).doit() - Af(mp)), "m <= s (min(m, s) = m): the sum is A_m, so G(m) A_k = A_m A_k",
          over=hyp_sum(mp))
    check(zero(hyp_sum(sp_).doit().subs(mp, sp_ + r)), "m = s + r > s (min(m, s) = s): every term has m - i >= 1, so G(m) A_k = 0",
          over=hyp_sum(sp_))
    check(zero(sp.Min(s, H - 1).subs(H, s + 1 + r0) - s),
          "so the conditions for m = 1..H-1 are A_m A_k = 0 for m = 1..min(s, H-1); for H >= s+1 (or unbounded) all m <= s",
          over=sp.Min(s, H - 1))

# %% [markdown]
# ## Step 6: under the full condition the compiled wave RNN realizes every horizon
# Toeplitz for all $t$ carries $K(t, \tau)$ down the diagonal to $\tau = s-1$: $K(t,\tau) = K(t-\tau+s-1, s-1) =
# E_s^\top\Phi^{t-\tau}E_s = G(t-\tau)$, the compiled RNN's Markov parameter (C3).

# %%
with argument("n", "N", "d", "s", "H", "t", "m"):
    check(zero(((t - tau + s - 1) - s + 1) - (t - tau)), "K(t - tau + s - 1, s - 1) = E_s^T Phi^((t-tau+s-1)-s+1) E_s = G(t - tau)",
          over=(t - tau + s - 1) - s + 1)

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

# THEORY.md's examples
from wavetheory.theory.tasks import fibonacci, repeat_copy  # noqa: E402

check(all(violations(signed_selection("x0(t-1)", s=s_)) != [] for s_ in range(2, 6)), "x(t) = x(t-1) with s >= 2 is not realizable")
check(all(violations(fibonacci(d_, s_)) != [] and violations(repeat_copy(d_, s_)) == [] for d_ in (1, 2, 3) for s_ in range(2, 6)),
      "Fibonacci (s >= 2) is not realizable; repeat copy is")
check(all(violations(fibonacci(2, s_), horizon=1) == [] for s_ in range(1, 6)), "with horizon H = 1 every task is realizable (Fibonacci)")

done("C12 realizability", 'general (symbolic s, H, t, tau; MatrixSymbol operators; any d)', general=True,
     cites=["a linear map determined by its action on arbitrary histories is unique (step 2)",
            "C1's representation of the history (step 2, proofs/c1_representation.py)"],
     bounded=["step 7, the signed-selection form: proofs/c12_selection_exhaustive.py, d <= 2, s <= 3"])
