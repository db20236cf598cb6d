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
# $(\lambda^s - \lambda^{s-1} - \dots - 1)^d$. (The factorization of signed-selection tasks into powers
# of $\lambda$ and cyclotomic factors is `c4_selection_cycles.py`.)
#
# **General proof (Schur complement), checked symbolically in section 0.** Split $\lambda I - \Phi$ after
# its first $s-1$ block rows and columns: $\begin{pmatrix} U & B \\ C & D \end{pmatrix}$ with $U$ block upper
# bidiagonal ($\lambda I$ on the diagonal, $-I$ above it), $B = -E_{s-1}$ ($-I$ in block row $s-1$),
# $C = -[A_s \cdots A_2]$, $D = \lambda I - A_1$. For $\lambda \ne 0$, $U$ is invertible and
# $\det = \det U \det(D - C U^{-1} B)$ (block LU factorization). $\det U = \lambda^{(s-1)d}$ (triangular);
# $y = U^{-1}B$ has blocks $y_i = -\lambda^{-(s-i)} I$; $C y = \sum_{k=2}^s A_k \lambda^{1-k}$; so
# $D - CU^{-1}B = \lambda I - \sum_{k=1}^s A_k\lambda^{1-k}$ and
# $\det(\lambda I - \Phi) = \lambda^{(s-1)d}\det(\lambda I - \sum_k A_k\lambda^{1-k}) = \det(\lambda^{s-1}(\lambda I - \sum_k A_k \lambda^{1-k}))
# = \det M(\lambda)$ for every $\lambda \ne 0$, hence as polynomials. The standard facts used (det is
# multiplicative, det of a block triangular matrix is the product of the diagonal blocks' dets,
# $\det(cY) = c^d \det Y$, polynomials equal on infinitely many points are equal) are cited, not re-proved.
#
# **A second proof (column operations), checked for bounded sizes in sections 1-2.** Let $F$ be block lower triangular with identity diagonal blocks and first
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
# because $d(d+1)$ is even. Its index steps are checked with symbolic $i, s, d$, the matrix identity
# entry by entry for every $s \le 5$, $d \le 2$ with fully symbolic lags, and the formula against SymPy's
# generic determinant for fully symbolic lags with $sd \le 6$.

# %%
import itertools

import numpy as np
import sympy as sp

from _common import argument, check, done, mat_zero, zero
from wavetheory.theory.symbolic import (
    LAM, block_polynomial_matrix, factor_charpoly, generic_charpoly, symbolic_charpoly, symbolic_lags, symbolic_Phi,
)
from wavetheory.theory.tasks import fibonacci, repeat_copy

lam = LAM
i, j, k, s, d, m = sp.symbols("i j k s d m", integer=True, positive=True)

# %% [markdown]
# ## 0. The general proof: block LU with noncommutative blocks, then the blocks with symbolic indices

# %%
# (SymPy evaluates many of the differences below to 0 on construction: each step names in over= the symbolic
# object its statement is about, so the scope check reads the statement's symbols, not those of its result)
with argument("p", "q", "s", "d"):
    p_, q_ = sp.symbols("p q", integer=True, positive=True)  # sizes (s-1)d and d of the two block rows
    Ub, Bb, Cb, Db = sp.MatrixSymbol("U", p_, p_), sp.MatrixSymbol("B", p_, q_), sp.MatrixSymbol("C", q_, p_), sp.MatrixSymbol("D", q_, q_)
    lower = sp.BlockMatrix([[sp.Identity(p_), sp.ZeroMatrix(p_, q_)], [Cb * Ub.I, sp.Identity(q_)]])
    upper = sp.BlockMatrix([[Ub, Bb], [sp.ZeroMatrix(q_, p_), Db - Cb * Ub.I * Bb]])
    prod = sp.block_collapse(lower * upper)
    whole = sp.BlockMatrix([[Ub, Bb], [Cb, Db]])
    check(all(sp.expand(prod.blocks[a, b] - whole.blocks[a, b]) == sp.ZeroMatrix(*whole.blocks[a, b].shape) for a in range(2) for b in range(2)),
          "block LU (noncommutative blocks): [[I, 0], [C U^-1, I]] [[U, B], [0, D - C U^-1 B]] = [[U, B], [C, D]]",
          over=(prod, whole))
    lam_nz = sp.Symbol("lam", nonzero=True)
    r = sp.Symbol("r", integer=True, positive=True)
    KD = sp.KroneckerDelta
    Af = sp.Function("A")  # one entry of A_k as a function of k (every identity below is entrywise linear in the lags)
    # block (i, j) of Phi: the shift (I at j = i+1 for i < s) plus, in block row s, A_(s+1-j)
    Phi_ij = lambda i_, j_: sp.Piecewise((KD(j_ - i_ - 1, 0), i_ < s), (Af(s + 1 - j_), True))  # noqa: E731
    LmP = lambda i_, j_: lam_nz * KD(i_, j_) - Phi_ij(i_, j_)  # noqa: E731
    check(zero(LmP(i, j).subs(s, i + r) - (lam_nz * KD(i, j) - KD(j - i - 1, 0))), "U = blocks i, j < s: lam on the diagonal, -I at j = i+1",
          over=LmP(i, j))
    check(zero(LmP(s - r, s) - (-KD(r - 1, 0))), "B = blocks (i, s), i = s - r < s: -I at i = s-1, 0 above",
          over=Phi_ij(i, s))
    check(zero(LmP(s, s - r) - (-Af(r + 1))) and zero(LmP(s, s) - (lam_nz - Af(1))), "C = block row s, columns j = s - r < s: -A_(s+1-j) = -A_(r+1); D = lam I - A_1",
          over=Phi_ij(s, j))
    y = lambda i_: -lam_nz ** (-(s - i_))  # noqa: E731  the claimed blocks of U^-1 B
    check(zero(lam_nz * y(i) - y(i + 1)), "U y = B, rows i < s-1: lam y_i - y_(i+1) = 0 (B is 0 there)")
    check(zero(lam_nz * y(s - 1) - (-1)), "U y = B, row s-1: lam y_(s-1) = -I", over=y(i))
    Cy = sp.Sum(-Af(s + 1 - j) * y(j), (j, 1, s - 1))
    check(zero(Cy.change_index(j, s + 1 - j, k) - sp.Sum(Af(k) * lam_nz ** (1 - k), (k, 2, s))),
          "C U^-1 B = sum_(j<s) A_(s+1-j) lam^(j-s) = sum_(k=2..s) A_k lam^(1-k) (reindex k = s+1-j)", over=Cy)
    schur = (lam_nz - Af(1)) - sp.Sum(Af(k) * lam_nz ** (1 - k), (k, 2, s))
    term = Af(k) * lam_nz ** (1 - k)
    check(zero(schur - (lam_nz - sp.Sum(term, (k, 1, 1)) - sp.Sum(term, (k, 2, s)))) and
          zero(sp.Sum(term, (k, 1, 1)) + sp.Sum(term, (k, 2, s)) - sp.Sum(term, (k, 1, s))),
          "Schur complement D - C U^-1 B = lam I - sum_(k=1..s) A_k lam^(1-k)")
    check(zero(lam_nz ** (s - 1) * lam_nz - lam_nz**s) and zero(lam_nz ** (s - 1) * lam_nz ** (1 - k) - lam_nz ** (s - k)),
          "lam^(s-1) (lam I - sum_k A_k lam^(1-k)) = lam^s I - sum_k A_k lam^(s-k) = M(lam), termwise")
    d_sym = sp.Symbol("d", integer=True, positive=True)
    check(zero(lam_nz ** ((s - 1) * d_sym) - (lam_nz ** (s - 1)) ** d_sym),
          "det U det(Schur) = lam^((s-1)d) det(Schur) = det(lam^(s-1) Schur) = det M(lam) for lam != 0, hence as polynomials",
          over=lam_nz ** ((s - 1) * d_sym))

# %% [markdown]
# ## 1. The second proof's steps, with symbolic block indices

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
with argument("s"):
    check(zero(lam**s - lam ** (s - s) - (lam**s - 1)), "repeat copy: only k = s contributes lam^(s-s) = 1",
          over=lam ** (s - k))
    fib_sum = sp.Sum(lam ** (s - k), (k, 1, s))
    check(zero(fib_sum.change_index(k, s - k, j) - sp.Sum(lam**j, (j, 0, s - 1))), "Fibonacci: sum_k lam^(s-k) = 1 + lam + ... + lam^(s-1)",
          over=fib_sum)
for d_, s_ in itertools.product((1, 2, 3), range(1, 9)):
    rc = symbolic_charpoly(repeat_copy(d_, s_)).as_expr()
    fib = symbolic_charpoly(fibonacci(d_, s_)).as_expr()
    ok = sp.expand(rc - (lam**s_ - 1) ** d_) == 0 and sp.expand(fib - (lam**s_ - sum(lam**q for q in range(s_))) ** d_) == 0
    check(ok, f"s = {s_}, d = {d_}: repeat copy (lam^s - 1)^d, Fibonacci (lam^s - ... - 1)^d")
    _, fs = factor_charpoly(repeat_copy(d_, s_))
    divisors = sp.divisors(s_)
    check({f.as_expr() for f, _ in fs} == {sp.cyclotomic_poly(q, lam) for q in divisors} and len(fs) == len(divisors) and all(mm == d_ for _, mm in fs),
          f"s = {s_}, d = {d_}: repeat copy factors = cyclotomic Phi_q, q | s, each with multiplicity d")

done("C4 block determinant", 'general (Schur complement, MatrixSymbol blocks, symbolic s; any d)', general=True,
     cites=["det is multiplicative", "det of a block triangular matrix is the product of its diagonal blocks' dets",
            "det(c Y) = c^d det Y", "polynomials equal at infinitely many points are equal", "det(c I_d) = c^d"])
