# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # C3: a linear boundary condition is a linear RNN, in every basis
#
# **Claims.**
# 1. With the linear boundary $f(H) = \sum_k A_k h_{s+1-k}$ the wave memory is $h(t+1) = \Phi h(t)$,
#    $\Phi = S + E_s [A_s \cdots A_1]$: block $i < s$ of $\Phi h$ is $h_{i+1}$, block $s$ is $f(H)$.
#    $\Phi - S$ has rank $\le d$ ("shift + low rank").
# 2. For every invertible $\Psi$, the linear RNN $W_{hh} = \Psi\Phi\Psi^{-1}$, $W_{uh} = \Psi E_s$,
#    $W_{hy} = E_s^\top\Psi^{-1}$ has hidden state $z(t) = \Psi h(t)$ and the same outputs as the wave
#    system $h(t) = \Phi h(t-1) + E_s u(t)$, $y = E_s^\top h$ (induction; MatrixSymbol algebra, so
#    for every size); $W_{hh}^k = \Psi\Phi^k\Psi^{-1}$ and the eigenvalues do not depend on $\Psi$.
# 3. With all $A_k = 0$, $\Phi = S$ is nilpotent of index exactly $s$, and for $d = 1$ it is the shift
#    SSM of H3 (Dao et al. 2022) in the reversed basis: $J S J = $ lower shift, $J E_s = e_1$.
#
# **Scope.** Every step is checked in general: block actions with symbolic block indices (Kronecker
# deltas), the change of basis with `MatrixSymbol` algebra, nilpotency and the H3 reversal with symbolic
# indices; "rank <= d" is the rank of an (sd x d)(d x sd) product (cited). Small cases are then confirmed
# entry by entry.
#
# **Note (what "identical outputs" means).** An LTI RNN *adds* the input at the boundary; the
# two-phase wave memory of THEORY.md *writes* it ($h_s = u$) and runs $\Phi$ only afterwards.
# The two agree on the two-phase task exactly when the boundary feedback never picks up the
# inputs: that is the realizability condition proved in `c12_realizability.py`.

# %%
import itertools

import numpy as np
import sympy as sp

from _common import argument, check, done, mat_zero, zero
from wavetheory.theory.symbolic import E_block, symbolic_lags, symbolic_Phi
from wavetheory.theory.wave_operator import Phi as Phi_numeric, block_shift, compile_rnn
from wavetheory.theory.tasks import LinearHDS

i, j, k, s, n = sp.symbols("i j k s n", integer=True, positive=True)

# %% [markdown]
# ## 1. The block action of Phi (symbolic indices), then every small case entry by entry

# %%
with argument("s", opaque={"d": "one fixed entry (p, q) of every block: the block identities are entrywise linear"}):
    A = sp.Function("A")  # A(k): one fixed entry (p, q) of the lag operator A_k; the identity is entrywise linear
    hcol = sp.Function("h")
    # block s of Phi h: block column i of [A_s ... A_1] is A_{s+1-i}
    row_s = sp.Sum(A(s + 1 - i) * hcol(i), (i, 1, s))
    boundary = sp.Sum(A(k) * hcol(s + 1 - k), (k, 1, s))
    check(zero(row_s.change_index(i, s + 1 - i, k) - boundary), "block s of Phi h = sum_k A_k h_{s+1-k} = f(H) (reindex k = s+1-i)",
          over=row_s)

    KD = sp.KroneckerDelta
    rr, r0 = sp.Symbol("rr", integer=True, positive=True), sp.Symbol("r0", integer=True, nonnegative=True)
    S_blk = lambda p_, c_: KD(c_ - p_ - 1, 0)  # noqa: E731  block (p, c) of the shift S: I at c = p + 1
    row_i = sp.Sum(S_blk(i, j) * hcol(j), (j, 1, s)).doit()
    check(zero(row_i.subs(s, i + rr) - hcol(i + 1)), "block i < s of Phi h (the rows of S): h_(i+1), symbolic i, s (transport)",
          over=row_i)
    # Phi - S = E_s [A_s ... A_1] is an (sd x d)(d x sd) product: rank <= d (cited: rank of a product <= inner size)

for d_, s_ in itertools.product((1, 2), (1, 2, 3, 4)):
    lags = symbolic_lags(d_, s_)
    P = symbolic_Phi(lags)
    h = sp.Matrix(sp.symbols(f"h0:{s_ * d_}"))
    blocks = [h[(q - 1) * d_ : q * d_, :] for q in range(1, s_ + 1)]
    want = sp.Matrix.vstack(*blocks[1:], sum((lags[kk - 1] * blocks[s_ - kk] for kk in range(1, s_ + 1)), sp.zeros(d_, 1)))
    check(mat_zero(P * h - want), f"d = {d_}, s = {s_}: Phi h = [h_2; ...; h_s; sum_k A_k h_(s+1-k)]")
    R = sp.Matrix.hstack(*lags[::-1])
    check((P - sp.Matrix(block_shift(d_, s_).astype(int))).rank() == R.rank() <= d_, f"d = {d_}, s = {s_}: rank(Phi - S) = rank[A_s..A_1] <= d")

rng = np.random.default_rng(1)
for d_, s_ in itertools.product((1, 2, 3), (1, 2, 4)):
    task = LinearHDS(rng.integers(-2, 3, size=(s_, d_, d_)).astype(float))
    check(sp.Matrix(Phi_numeric(task).astype(int)) == symbolic_Phi(task), f"library Phi == exact Phi, random integer task d = {d_}, s = {s_}")

# %% [markdown]
# ## 2. Any basis Psi: the inductive step with matrix symbols (any size n)

# %%
with argument("n"):
    Psi, Ph = sp.MatrixSymbol("Psi", n, n), sp.MatrixSymbol("Phi", n, n)
    Es, hv, u = sp.MatrixSymbol("E_s", n, 1), sp.MatrixSymbol("h", n, 1), sp.MatrixSymbol("u", 1, 1)
    W_hh, W_uh, W_hy = Psi * Ph * Psi.I, Psi * Es, Es.T * Psi.I
    z_prev = Psi * hv  # induction hypothesis z(t-1) = Psi h(t-1)
    step = (W_hh * z_prev + W_uh * u).doit() - (Psi * (Ph * hv + Es * u)).doit()
    check(sp.simplify(sp.expand(step)) == sp.ZeroMatrix(n, 1), "z(t) = W_hh z(t-1) + W_uh u(t) = Psi (Phi h(t-1) + E_s u(t)) = Psi h(t)",
          over=step)
    check(sp.simplify((W_hy * Psi * hv).doit()) == (Es.T * hv), "y(t) = W_hy z(t) = E_s^T Psi^-1 Psi h(t) = E_s^T h(t)",
          over=W_hy * Psi * hv)
    check((Psi * Ph**k * Psi.I * W_hh).doit() == Psi * Ph ** (k + 1) * Psi.I, "W_hh^k = Psi Phi^k Psi^-1 (inductive step k -> k+1)",
          over=Psi * Ph**k * Psi.I * W_hh)
    lam = sp.Symbol("lam")
    dets = sp.Determinant(Psi * (lam * sp.Identity(n) - Ph) * Psi.I).doit()
    check(sp.simplify(dets - sp.Determinant(lam * sp.Identity(n) - Ph)) == 0, "det(lam I - Psi Phi Psi^-1) = det(Psi) det(lam I - Phi) det(Psi)^-1 = det(lam I - Phi)",
          over=dets)

# %% [markdown]
# Exhaustive exact runs: symbolic inputs, symbolic lags (sd <= 3) or random integer lags, a random
# integer basis (exact inverse).

# %%
for d_, s_ in itertools.product((1, 2), (1, 2, 3, 4)):
    # fully symbolic lags while sd <= 3 (expression swell), random integer lags beyond
    lags = symbolic_lags(d_, s_) if s_ * d_ <= 3 else [sp.Matrix(a) for a in rng.integers(-2, 3, size=(s_, d_, d_))]
    P = symbolic_Phi(lags)
    N = s_ * d_
    while True:
        Q = sp.Matrix(N, N, [int(v) for v in rng.integers(-2, 3, size=N * N)])
        if Q.det() != 0:
            break
    Wh, Wu, Wy = Q * P * Q.inv(), Q * E_block(d_, s_, s_), E_block(d_, s_, s_).T * Q.inv()
    h, z, ok = sp.zeros(N, 1), sp.zeros(N, 1), True
    for t in range(s_ + 3):
        ut = sp.Matrix(sp.symbols(f"u{t}_0:{d_}")) if t < s_ else sp.zeros(d_, 1)
        h = P * h + E_block(d_, s_, s_) * ut
        z = Wh * z + Wu * ut
        ok &= mat_zero(Wy * z - E_block(d_, s_, s_).T * h) and mat_zero(z - Q * h)
    check(ok, f"d = {d_}, s = {s_}: RNN in a random integer basis == wave system, all steps")

task = LinearHDS(rng.integers(-2, 3, size=(3, 2, 2)).astype(float))
rnn = compile_rnn(task)
check(bool(np.array_equal(rnn.W_hh, Phi_numeric(task))) and bool(np.array_equal(rnn.W_uh[:, :], np.vstack([np.zeros((4, 2)), np.eye(2)]))),
      "library compile_rnn (Psi = I): W_hh = Phi, W_uh = E_s exactly")

# %% [markdown]
# ## 3. The zero boundary: S is nilpotent of index s; for d = 1 it is the H3 shift SSM
# Block action $S E_j = E_{j-1}$ ($E_0 = 0$); induction $S^k E_j = E_{j-k}$; hence $S^s E_j = E_{j-s} = 0$
# for every $j \le s$, while $S^{s-1} E_s = E_1 \ne 0$.

# %%
with argument("s", "k"):  # the induction in k, then its use at k = s
    check(zero((j - k) - 1 - (j - (k + 1))), "S^(k+1) E_j = S E_{j-k} = E_{j-k-1} (inductive step)", over=j - k)
    r = sp.Symbol("r", integer=True, nonnegative=True)  # j = s - r ranges over the blocks j <= s
    check(((s - r) - s).is_nonpositive is True, "j = s - r <= s gives block index j - s = -r <= 0: S^s E_j = 0 for every j",
          over=s - r)
for d_, s_ in itertools.product((1, 2), range(1, 9)):
    S = sp.Matrix(block_shift(d_, s_).astype(int))
    check((S**s_).is_zero_matrix and (s_ == 1 or not (S ** (s_ - 1)).is_zero_matrix), f"d = {d_}, s = {s_}: S^s = 0 != S^(s-1)")
with argument("s"):
    # symbolic s: the reversal J (J_(ap) = [a + p = s + 1]) picks entry s+1-a, so (J S J)_(ab) = S_(s+1-a, s+1-b)
    a_, b_, p_, q_ = sp.symbols("a b p q", integer=True, positive=True)
    Jf = lambda x_, c_: KD(x_ + c_ - s - 1, 0)  # noqa: E731
    f = sp.Function("f")
    check(zero((sp.Sum(Jf(a_, p_) * f(p_), (p_, 1, s)).doit() - f(s + 1 - a_)).subs(s, a_ + r0)),
          "J picks entry s+1-a of a column, for every a <= s: (J M J)_(ab) = M_(s+1-a, s+1-b)", over=f(s + 1 - a_))
    check(zero(S_blk(s + 1 - a_, s + 1 - b_) - KD(a_ - b_ - 1, 0)), "(J S J)_(ab) = S_(s+1-a, s+1-b) = [a = b + 1]: the H3 (lower) shift",
          over=(s + 1 - a_, s + 1 - b_))
    JEs = sp.Sum(Jf(a_, q_) * KD(q_ - s, 0), (q_, 1, s))
    check(zero(JEs.doit() - KD(a_ - 1, 0)), "J E_s = e_1: the input enters at H3's first state", over=JEs)
for s_ in range(1, 9):
    S = sp.Matrix(block_shift(1, s_).astype(int))
    J = sp.Matrix(s_, s_, lambda a, b: int(a + b == s_ - 1))  # reversal permutation, J = J^-1
    lower_shift = sp.Matrix(s_, s_, lambda a, b: int(a == b + 1))  # H3: x_k = A x_(k-1) + B u_k
    check(J * S * J == lower_shift and J * E_block(1, s_, s_) == sp.eye(s_)[:, 0], f"s = {s_}: J S J = H3 shift matrix, J E_s = e_1")

done("C3 LBC = linear RNN", "general (symbolic block indices, MatrixSymbol bases; rank of a product cited)", general=True,
     cites=["rank of a product <= its inner size (rank(Phi - S) <= d)", "det is multiplicative (det of a similar matrix)"])
