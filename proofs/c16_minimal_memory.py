# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # C16: the smallest linear RNN that solves a two-phase task at every horizon
#
# **Setting.** A linear RNN $h(t) = W h(t-1) + B u(t)$, $h(-1) = 0$, $y(t) = C h(t)$ of hidden size $n$ reads
# $u(\tau) = x(\tau)$, $\tau = 0..s-1$, then zeros, and must output $x(t)$ for every $t \ge s$. The task is
# LTI-realizable (C12), with Markov parameters $G_k = E_s^\top \Phi^k E_s$.
#
# **Theorem (C16).** Let $H_1 = [G_{i+j+1}]_{i,j\ge0}$, $H_2 = [G_{i+j+2}]_{i,j\ge0}$, and $(\bar A, \bar b, \bar c)$ a minimal
# realization of $F_j = G_{j+1}$. The smallest hidden size is
# $$ n_{\min} = \min_X \operatorname{rank} \operatorname{Hank}(X, G_1, G_2, \dots) = 2\operatorname{rank}H_1 - \operatorname{rank}H_2
#   = \operatorname{rank}H_1 + \dim\ker\bar A, $$
# reached by $W = [[\bar A, 0], [\kappa, 0]]$, $B = [\bar b; 0]$, $C = [c_1, c_2]$ ($\kappa$ the projection onto $\ker\bar A$
# along a complement $Y$, $c_1\bar A = \bar c$ on $Y$, $c_2 = (\bar c - c_1\bar A)|_{\ker\bar A}$). For repeat copy $n_{\min} = sd$.
#
# **Refinements of THEORY.md's C16** (the statement stands; these make it exact): only $G_k$, $k \ge 1$, are
# constrained ($G_0 = CB$ is free); "less when a stored component is never read" is $n_{\min} = s\,(d - \dim K)$
# exactly when the map $P$ induced by $A_s$ on $\mathbb R^d/K$ is invertible ($K = \bigcap_i \ker A_i$); when $P$ is
# singular $n_{\min} > \operatorname{rank} H_1$ (one extra state per Jordan chain of $\bar A$ at 0).
#
# **Proof.**
# 1. *Constrained parameters.* $y(t) = \sum_{\tau<s} C W^{t-\tau} B x(\tau)$ (C12 step 1); with $t = s+a$, $\tau = s-1-b$,
#    $t - \tau = 1 + a + b$: exactly the lags $k \ge 1$ occur. The histories span $\mathbb R^{sd}$, so $W, B, C$ solve the task iff
#    $CW^kB = G_k$ for all $k \ge 1$: iff they realize $(X, G_1, G_2, \dots)$ for $X = CB$.
# 2. *Lemma A.* $[CW^{i+j}B]_{i,j} = \mathcal O \mathcal R$ with $n$ inner columns, so every Hankel of a size-$n$ realization has rank $\le n$.
# 3. *Lemma B (truncation).* $[G_{i+j+o}]_{i<N_1, j<N_2} = \mathcal O_{N_1}\Phi^o \mathcal R_{N_2}$ and $\mathcal R_s = [E_s, \Phi E_s, \dots]$ is
#    block unitriangular ($\Phi^j E_s \in E_{s-j} + \mathrm{span}(E_{i}: i > s-j)$); by Cayley-Hamilton the row space of
#    $\mathcal O_{N}$ is constant for $N \ge sd$. So truncations with $\ge sd$ block rows and columns have the infinite ranks.
# 4. *Lemma C (one free block).* For $M = [[X, R], [C, D]]$: $\operatorname{rank} M \ge \operatorname{rank}[C\ D] + \operatorname{rank}[R; D] - \operatorname{rank} D$,
#    with equality at some $X$. Proof by the rank normal form $D = P\,\mathrm{diag}(I_\rho, 0)\,Q$ and block elimination (checked
#    with symbolic block sizes below). Applied to the truncated Hankel of $(X, G_1, \dots)$ (step 3): $n \ge 2r_1 - r_2$, attained.
# 5. *Construction.* $W^k = [[\bar A^k, 0], [\kappa\bar A^{k-1}, 0]]$ and $CW^kB = (c_1\bar A + c_2\kappa)\bar A^{k-1}\bar b = G_k$ (symbolic $k$).
# 6. *Size.* $H_2 = \bar{\mathcal O}\bar A\bar{\mathcal R}$ with full-rank $\bar{\mathcal O}, \bar{\mathcal R}$ (minimality): $r_2 = \operatorname{rank}\bar A$, so the
#    construction's size $r_1 + \dim\ker\bar A = 2r_1 - r_2$ meets the bound of step 4.
# 7. *Repeat copy.* $\Phi$ is the block cyclic permutation ($\Phi^s = I$), so $(\Phi, \Phi E_s, E_s^\top)$ is minimal of size
#    $sd$ with $\bar A = \Phi$ invertible: $n_{\min} = sd$.
#
# Cited, not machine-checked: elementary rank facts (rank of a product $\le$ its inner size; invertible factors keep
# the rank; an identity block of size $k$ forces rank $\ge k$; existence of the rank normal form), Cayley-Hamilton,
# and Kalman's minimality = reachable + observable (Ho & Kalman 1966).

# %%

import numpy as np
import sympy as sp

from _common import all_selection_tasks, argument, check, done, note
from wavetheory.theory.minimal import hankel_rank, minimal_realization, min_state_dim, task_structure
from wavetheory.theory.realizability import is_realizable
from wavetheory.theory.tasks import LinearHDS, fibonacci, repeat_copy, signed_selection
from wavetheory.theory.two_phase import two_phase_batch

I, Z0 = sp.Identity, sp.ZeroMatrix


def blocks_equal(res: sp.BlockMatrix, target: list[list[sp.MatrixExpr]]) -> bool:
    """Every block of ``res`` minus the target block is exactly the zero matrix (symbolic sizes)."""
    note(res, [blk for row in target for blk in row])  # the block sizes are the statement's dimensions
    out = True
    for i, row in enumerate(target):
        for j, blk in enumerate(row):
            diff = (res.blocks[i, j] - blk).doit()
            out &= diff == 0 or diff == Z0(*blk.shape) or sp.simplify(diff) == Z0(*blk.shape)
    return bool(out)


# %% [markdown]
# ## Step 1 (general): only $G_k$, $k \ge 1$, is constrained

# %%
with argument("s", "k"):
    a, b, s, k = sp.symbols("a b s k", integer=True, nonnegative=True)
    t, tau = s + a, s - 1 - b
    check(sp.expand((t - tau) - 1 - a - b) == 0, "t - tau = 1 + a + b >= 1 for t >= s, tau <= s-1: G_0 = C B never occurs",
          over=(t, tau))
    check(sp.expand((t - tau).subs({a: k - 1, b: 0}) - k) == 0, "(t, tau) = (s-1+k, s-1) attains every k >= 1: each G_k is constrained",
          over=(t.subs(a, k - 1), tau.subs(b, 0)))

# %% [markdown]
# ## Step 2 (general): Lemma A, the Hankel of a size-n realization factors through n

# %%
with argument("n", "d", "i", "j"):
    n, d_, i, j = sp.symbols("n d i j", integer=True, positive=True)
    W, B, C = sp.MatrixSymbol("W", n, n), sp.MatrixSymbol("B", n, d_), sp.MatrixSymbol("C", d_, n)
    check(((C * W**i) * (W**j * B)).doit() == C * W ** (i + j) * B,
          "block (i, j) of O R is (C W^i)(W^j B) = C W^(i+j) B: Hank = O R with n inner columns, rank <= n", over=C * W**i * B)

# %% [markdown]
# ## Step 3 (general): Lemma B, the reachability matrix of $(\Phi, E_s)$ is block unitriangular
# $\Phi E_{i} = E_{i-1} + E_s A_{s+1-i}$ (C5, C12 step 4). If $\Phi^j E_s = E_{s-j} + \sum_{i > s-j} E_i X_i$, then
# $\Phi^{j+1}E_s = E_{s-j-1} + E_s A_{j+1} + \sum_{i>s-j}(E_{i-1} + E_sA_{s+1-i})X_i$: every new index exceeds $s-(j+1)$.

# %%
with argument("s", "j"):
    ii, jj = sp.symbols("i j", integer=True)
    excess = lambda idx, jv: idx - (s - jv)  # noqa: E731 - "index above the diagonal position s - j"
    check(sp.simplify(excess(ii - 1, jj + 1) - excess(ii, jj)) == 0,
          "E_i X_i with i > s - j maps to E_(i-1) with i - 1 > s - (j+1): the excess is preserved", over=excess(ii, jj))
    check(sp.simplify(excess(s, jj + 1) - (jj + 1)) == 0, "the boundary term E_s sits j + 1 >= 1 blocks above s - (j+1)",
          over=s - (jj + 1))
    check(sp.simplify((s - jj - 1) - (s - (jj + 1))) == 0, "the leading term E_(s-j) maps to E_(s-j-1): the diagonal block stays I",
          over=s - jj)

# %% [markdown]
# ## Step 4 (general): Lemma C with symbolic block sizes
# $N = [[X, R_1, R_2], [C_1, I_\rho, 0], [C_2, 0, 0]]$ is $[[X, R], [C, D]]$ in the rank normal form of $D$. Eliminating with
# $I_\rho$ leaves $[[X - R_1C_1, 0, R_2], [0, I_\rho, 0], [C_2, 0, 0]]$; likewise $[C\ D] \sim [[0, I_\rho, 0], [C_2, 0, 0]]$ and
# $[R; D] \sim [[0, R_2], [I_\rho, 0], [0, 0]]$. So $\operatorname{rank} N = \rho + \operatorname{rank}[[Y, R_2], [C_2, 0]] \ge \rho + \operatorname{rank} R_2 + \operatorname{rank} C_2$,
# $= \operatorname{rank}[C\ D] + \operatorname{rank}[R; D] - \operatorname{rank} D$, with equality at $Y = 0$, i.e. $X = R_1 C_1$. The last inequality is
# the same elimination once more: in the normal forms of $R_2$ and $C_2$ the matrix holds identity blocks of both ranks.

# %%
with argument("p", "q", "l", "m", "rho", "alpha", "beta"):
    p, q, l, m, rho = sp.symbols("p q l m rho", integer=True, positive=True)
    X = sp.MatrixSymbol("X", p, q)
    R1, R2 = sp.MatrixSymbol("R1", p, rho), sp.MatrixSymbol("R2", p, m)
    C1, C2 = sp.MatrixSymbol("C1", rho, q), sp.MatrixSymbol("C2", l, q)
    N = sp.BlockMatrix([[X, R1, R2], [C1, I(rho), Z0(rho, m)], [C2, Z0(l, rho), Z0(l, m)]])
    left = sp.BlockMatrix([[I(p), -R1, Z0(p, l)], [Z0(rho, p), I(rho), Z0(rho, l)], [Z0(l, p), Z0(l, rho), I(l)]])
    right = sp.BlockMatrix([[I(q), Z0(q, rho), Z0(q, m)], [-C1, I(rho), Z0(rho, m)], [Z0(m, q), Z0(m, rho), I(m)]])
    check(blocks_equal(sp.block_collapse(left * N * right),
                       [[X - R1 * C1, Z0(p, rho), R2], [Z0(rho, q), I(rho), Z0(rho, m)], [C2, Z0(l, rho), Z0(l, m)]]),
          "unimodular block elimination: [[X, R1, R2], [C1, I, 0], [C2, 0, 0]] ~ [[X - R1 C1, 0, R2], [0, I, 0], [C2, 0, 0]]")
    CD = sp.BlockMatrix([[C1, I(rho), Z0(rho, m)], [C2, Z0(l, rho), Z0(l, m)]])
    check(blocks_equal(sp.block_collapse(CD * right), [[Z0(rho, q), I(rho), Z0(rho, m)], [C2, Z0(l, rho), Z0(l, m)]]),
          "[C D] ~ [[0, I, 0], [C2, 0, 0]]: rank [C D] = rho + rank C2")
    RD = sp.BlockMatrix([[R1, R2], [I(rho), Z0(rho, m)], [Z0(l, rho), Z0(l, m)]])
    check(blocks_equal(sp.block_collapse(left * RD), [[Z0(p, rho), R2], [I(rho), Z0(rho, m)], [Z0(l, rho), Z0(l, m)]]),
          "[R; D] ~ [[0, R2], [I, 0], [0, 0]]: rank [R; D] = rho + rank R2")
    al, be = sp.symbols("alpha beta", integer=True, positive=True)
    Y11 = sp.MatrixSymbol("Y11", be, al)  # [[Y, R2], [C2, 0]] with R2, C2 in normal form holds [[Y11, I_beta], [I_alpha, 0]]
    check(blocks_equal(sp.block_collapse(sp.BlockMatrix([[I(be), -Y11], [Z0(al, be), I(al)]])
                                         * sp.BlockMatrix([[Y11, I(be)], [I(al), Z0(al, be)]])),
                       [[Z0(be, al), I(be)], [I(al), Z0(al, be)]]),
          "[[Y11, I_beta], [I_alpha, 0]] ~ [[0, I_beta], [I_alpha, 0]] has rank alpha + beta; it is a submatrix of "
          "[[Y, R2], [C2, 0]] in normal form: rank >= rank R2 + rank C2")

# %% [markdown]
# ## Step 5 (general): the construction $W = [[\bar A, 0], [\kappa, 0]]$ (induction in symbolic $k$)

# %%
with argument("r", "g", "d", "k"):
    r, g, dd, kk = sp.symbols("r g d k", integer=True, positive=True)
    Ab, kap = sp.MatrixSymbol("Abar", r, r), sp.MatrixSymbol("kappa", g, r)
    bb, c1, c2 = sp.MatrixSymbol("bbar", r, dd), sp.MatrixSymbol("c1", dd, r), sp.MatrixSymbol("c2", dd, g)
    Wb = sp.BlockMatrix([[Ab, Z0(r, g)], [kap, Z0(g, g)]])
    Wk = lambda e: sp.BlockMatrix([[Ab**e, Z0(r, g)], [kap * Ab ** (e - 1), Z0(g, g)]])  # noqa: E731
    check(blocks_equal(sp.block_collapse(Wk(1)), [[Ab, Z0(r, g)], [kap, Z0(g, g)]]), "base: the formula at k = 1 is W")
    check(blocks_equal(sp.block_collapse(Wb * Wk(kk)), [[Ab ** (kk + 1), Z0(r, g)], [kap * Ab**kk, Z0(g, g)]]),
          "step: W W^k = [[Abar^(k+1), 0], [kappa Abar^k, 0]] (symbolic k)")
    CWB = sp.block_collapse(sp.BlockMatrix([[c1, c2]]) * Wk(kk) * sp.BlockMatrix([[bb], [Z0(g, dd)]]))
    CWB = CWB.blocks[0, 0] if isinstance(CWB, sp.BlockMatrix) else CWB
    note(CWB)
    check(sp.expand((CWB - (c1 * Ab + c2 * kap) * Ab ** (kk - 1) * bb).doit()) == Z0(dd, dd)
          or sp.simplify(sp.expand(CWB.doit()) - sp.expand(((c1 * Ab + c2 * kap) * Ab ** (kk - 1) * bb).doit())) == Z0(dd, dd),
          "C W^k B = (c1 Abar + c2 kappa) Abar^(k-1) bbar = cbar Abar^(k-1) bbar = G_k once c1 Abar + c2 kappa = cbar")

# %% [markdown]
# ## Step 6 (general): rank $H_2$ = rank $\bar A$

# %%
with argument("r", "d", "i", "j"):
    cb = sp.MatrixSymbol("cbar", dd, r)
    check(((cb * Ab**i) * Ab * (Ab**j * bb)).doit() == cb * Ab ** (i + j + 1) * bb,
          "block (i, j) of Obar Abar Rbar is cbar Abar^(i+j+1) bbar = F_(i+j+1) = G_(i+j+2): H_2 = Obar Abar Rbar",
          over=cb * Ab**i * bb)

# %% [markdown]
# ## Step 7 (general): repeat copy. $\Phi E_{j+1} = E_j$, $\Phi E_1 = E_s$: block index $i \mapsto i - 1 \bmod s$, so $\Phi^s = I$.

# %%
with argument("s"):
    b0 = sp.Symbol("b0", integer=True)
    check(sp.simplify(sp.Mod(b0 - s, s) - sp.Mod(b0, s)) == 0, "s steps of i -> i - 1 (mod s) return every block: Phi^s = I, Phi invertible",
          over=sp.Mod(b0 - s, s))

# %% [markdown]
# ## Bounded checks (exact): the two roads, the structure, the examples, a simulation

# %%
def roads_agree(task: LinearHDS) -> bool:
    mr = minimal_realization(task)  # Kalman road, certified C W^k B = G_k for k = 1..n+sd
    r1, r2 = hankel_rank(task, 1), hankel_rank(task, 2)  # Hankel road
    st = task_structure(task)
    ok = (mr.rank_H1, mr.rank_H2, mr.n) == (r1, r2, 2 * r1 - r2) and mr.W.shape == (mr.n, mr.n)
    ok &= st.P_invertible == (mr.n == r1) and (not st.P_invertible or mr.n == task.s * st.d_prime)
    return bool(ok and mr.verified_k == mr.n + task.s * task.d)


tasks = [tk for d0, s0 in [(1, 1), (1, 2), (1, 3), (2, 1), (2, 2), (2, 3), (3, 1)] for tk in all_selection_tasks(d0, s0)
         if is_realizable(tk)]
check(all(roads_agree(tk) for tk in tasks),
      f"all {len(tasks)} realizable signed-selection tasks d <= 2, s <= 3 and d = 3, s = 1: n_min = 2 rank H1 - rank H2 on "
      "both roads; P invertible <=> n_min = rank H1 = s d'")
check(all(min_state_dim(repeat_copy(d0, s0)) == s0 * d0 for d0 in (1, 2, 3) for s0 in range(1, 7)),
      "repeat copy d <= 3, s <= 6: n_min = sd")
check(min_state_dim(repeat_copy(3, 5)) == 15, "the issue's example: repeat copy d = 3, s = 5 needs 15 states")
check(min_state_dim(signed_selection("x0(t-3), x0(t-1)")) == 3, "x0(t) = x0(t-3), x1(t) = x0(t-1): n_min = 3 (x1 never read), not 6")
nil = minimal_realization(LinearHDS([[[0, 0], [1, 0]], [[0, 0], [0, 0]]]))
check((nil.rank_H1, nil.n) == (1, 2), "x1(t) = x0(t-1), x0 = 0, s = 2: rank H1 = 1 < n_min = 2 (P = 0 singular)")
pm = minimal_realization(signed_selection("x1(t-2), x2(t-2), x2(t-2)"))
check((pm.rank_H1, pm.n) == (4, 5), "x1(t-2), x2(t-2), x2(t-2) (eigenvalues +-1, not nilpotent): n_min = 5 > rank H1 = 4 (P singular)")
check(min_state_dim(fibonacci(2, 3)) is None, "Fibonacci s = 3 is not realizable (C12): n_min is undefined")
rng = np.random.default_rng(16)
worst = 0.0
for tk in [repeat_copy(2, 3), signed_selection("x0(t-3), x0(t-1)"), signed_selection("x1(t-2), x2(t-2), x2(t-2)")]:
    u, y = two_phase_batch(tk, 32, 3 * tk.s * tk.d, rng)
    out, _ = minimal_realization(tk).linear_rnn().run(u)
    worst = max(worst, float(np.abs(out[:, tk.s:] - y).max()))
# a handful of additions of small rationals per step: 1e-9 absolute leaves six orders of magnitude of margin
check(worst <= 1e-9, f"float simulation of the minimal RNNs on the two-phase task, horizon 3sd: max |error| = {worst:.1e}")

done("C16 minimal memory",
     "general: steps 1-7 with symbolic s, k, i, j and MatrixSymbol blocks of symbolic sizes (indexing, Hankel factorization, "
     "truncation induction, Lemma C by block elimination, the construction by induction, rank H2 = rank Abar, repeat copy "
     "Phi^s = I); cited: elementary rank facts, Cayley-Hamilton, Kalman minimality; exact instances: all realizable "
     "signed-selection tasks d <= 2, s <= 3 and d = 3, s = 1, repeat copy d <= 3, s <= 6", general=True,
     cites=["rank of a product <= its inner size", "invertible factors keep the rank", "an identity block of size k forces rank >= k",
            "existence of the rank normal form", "Cayley-Hamilton", "Kalman minimality = reachable + observable (Ho & Kalman 1966)"],
     bounded=["the refinement n_min = s (d - dim K) iff P invertible: all realizable signed-selection tasks d <= 2, s <= 3 and "
              "d = 3, s = 1 (exact)"])
