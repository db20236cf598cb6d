# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # C8: which power-iteration basis reveals Phi, and in which convention
#
# Setting: the compiled wave RNN $W_{hh} = \Psi\,\mathrm{diag}(\Phi, 0)\,\Psi^{-1}$,
# $W_{uh} = \Psi E_s$, $W_{hy} = E_s^\top\Psi^{-1}$ (C3) with $n \ge sd$ hidden units.
#
# **Claims.**
# 1. (block action, ordering) $\Phi E_i = E_{i-1} + E_s A_{s+1-i}$ ($E_0 := 0$). Hence
#    $\Phi^k E_s = E_{s-k} + \sum_{j > s-k} E_j C_{kj}$: the power iteration started at the newest
#    block $s$ (the one $W_{uh}$ writes and $W_{hy}$ reads) walks *down* the blocks. The matrix
#    $U = [\Phi^{s-1}E_s, \dots, \Phi E_s, E_s]$ is block lower unitriangular, and $U = I$ iff
#    $A_1 = \dots = A_{s-1} = 0$. THEORY.md's $\Psi_k = W_{hh}^{k-1}\mathrm{pinv}(W_{hy})$ is our block $s+1-k$.
# 2. (input road) $K = [W_{hh}^{s-1}W_{uh}, \dots, W_{uh}] = \Psi_{:,1:sd}\,U$ for every invertible $\Psi$,
#    so $\mathrm{pinv}(K) W_{hh} K = U^{-1}\Phi U$, which is $\Phi$ when only $A_s \ne 0$; and
#    $K U^{-1}$ reveals $\Phi$ for every linear task ("aligned" basis).
# 3. (readout road) for orthogonal $\Psi$, $\mathrm{pinv}(W_{hy}) = \Psi E_s$, so the readout road equals
#    the input road; for a general invertible $\Psi$ it does not (a counterexample).
# 4. (inverse-free check) for a task with only $A_s$ and any square $W$, every block column of
#    $W K - K\Phi$ but the first vanishes for the power basis $K$ of any seed $P$; the first is
#    $W^s P - P A_s$.

# %%
import itertools

import sympy as sp

from _common import check, done, mat_zero
from wavetheory.theory.symbolic import E_block, symbolic_lags, symbolic_Phi


def krylov(W: sp.Matrix, seed: sp.Matrix, s: int) -> sp.Matrix:
    """[W^(s-1) seed, ..., W seed, seed] (our block order: block s = seed)."""
    blocks = [seed]
    for _ in range(s - 1):
        blocks.append(W * blocks[-1])
    return sp.Matrix.hstack(*blocks[::-1])


def embed(P: sp.Matrix, n: int) -> sp.Matrix:
    """diag(P, 0) of size n (padding dimensions with zero dynamics)."""
    M = sp.zeros(n, n)
    M[: P.rows, : P.cols] = P
    return M


def pinv_full_row_rank(A: sp.Matrix) -> sp.Matrix:
    """Moore-Penrose inverse of a full-row-rank matrix: A^T (A A^T)^-1."""
    return A.T * (A * A.T).inv()


# %% [markdown]
# ## 1. Block action of Phi on the block selectors, and the triangular U (symbolic lags)

# %%
for d, s in itertools.product((1, 2), (1, 2, 3, 4)):
    lags = symbolic_lags(d, s)
    P = symbolic_Phi(lags)
    E = lambda i: E_block(d, s, i) if i >= 1 else sp.zeros(s * d, d)  # noqa: E731
    ok = all(mat_zero(P * E(i) - (E(i - 1) + E(s) * lags[s - i])) for i in range(1, s + 1))
    check(ok, f"d = {d}, s = {s}: Phi E_i = E_(i-1) + E_s A_(s+1-i) for every i")
    U = krylov(P, E(s), s)
    diag_ok = all(U[(i * d):(i + 1) * d, (i * d):(i + 1) * d] == sp.eye(d) for i in range(s))
    upper_ok = all(U[r, c] == 0 for r in range(s * d) for c in range(s * d) if r // d < c // d)
    check(diag_ok and upper_ok, f"d = {d}, s = {s}: U = [Phi^(s-1) E_s .. E_s] is block lower unitriangular")
    only_last = [sp.zeros(d, d)] * (s - 1) + [lags[-1]]
    check(krylov(symbolic_Phi(only_last), E(s), s) == sp.eye(s * d), f"d = {d}, s = {s}: U = I when only A_s != 0")
    if s > 1:
        check(U != sp.eye(s * d), f"d = {d}, s = {s}: U != I for generic lower lags (their entries appear in U)")

# %% [markdown]
# ## 2. Input road: K = Psi U in every basis, so K U^-1 reveals Phi (exact rational arithmetic)
#
# A fixed rational invertible (non-orthogonal) $\Psi$ with two padding dimensions, symbolic lags.

# %%
for d, s in ((1, 3), (2, 2)):
    lags = symbolic_lags(d, s)
    P = symbolic_Phi(lags)
    sd, n = s * d, s * d + 2
    Psi = sp.Matrix(n, n, lambda r, c: sp.Rational((3 * r + 5 * c) % 7 - 3, 4) + (2 if r == c else 0))
    check(Psi.det() != 0 and Psi.T * Psi != sp.eye(n), f"d = {d}, s = {s}: the basis Psi ({n} x {n}) is invertible, not orthogonal")
    W_hh, W_uh = Psi * embed(P, n) * Psi.inv(), Psi * embed(E_block(d, s, s), n)[:, :d]
    K = krylov(W_hh, W_uh, s)
    U = krylov(P, E_block(d, s, s), s)
    check(mat_zero(K - Psi[:, :sd] * U), f"d = {d}, s = {s}: K = Psi[:, :sd] U")
    # For a full-column-rank basis B, pinv(B) W B = M iff W B = B M (range(W B) in range(B), and
    # pinv(B) B = I): the identities below therefore are the claims about pinv(.) W_hh (.).
    Ka = K * U.inv()
    check(mat_zero(W_hh * Ka - Ka * P), f"d = {d}, s = {s}: W_hh (K U^-1) = (K U^-1) Phi: the aligned input road reveals Phi")
    check(mat_zero(W_hh * K - K * (U.inv() * P * U)), f"d = {d}, s = {s}: W_hh K = K (U^-1 Phi U): the plain road gives U^-1 Phi U")

# %% [markdown]
# ## 3. Readout road: exact for orthogonal Psi, not for a general basis
#
# Orthogonal rational $\Psi$ by the Cayley transform $Q = (I - A)(I + A)^{-1}$ of a skew-symmetric $A$.

# %%
for d, s in ((1, 3), (2, 2)):
    lags = [sp.zeros(d, d)] * (s - 1) + [sp.Matrix(d, d, lambda r, c: sp.Symbol(f"b{r}{c}"))]
    P = symbolic_Phi(lags)
    n = s * d + 2
    A = sp.Matrix(n, n, lambda r, c: sp.Rational(r - c, r + c + 2))  # skew-symmetric
    Q = (sp.eye(n) - A) * (sp.eye(n) + A).inv()
    check(mat_zero(Q.T * Q - sp.eye(n)), f"d = {d}, s = {s}: Cayley transform gives an exactly orthogonal Q")
    Es = embed(E_block(d, s, s), n)[:, :d]
    W_hy = Es.T * Q.T
    check(mat_zero(pinv_full_row_rank(W_hy) - Q * Es), f"d = {d}, s = {s}: pinv(W_hy) = Q E_s (orthogonal basis)")
    W_hh = Q * embed(P, n) * Q.T
    K = krylov(W_hh, pinv_full_row_rank(W_hy), s)
    check(mat_zero(K - Q[:, : s * d]), f"d = {d}, s = {s}: readout power basis = Q[:, :sd] (only A_s): reveals Phi")

d, s, n = 1, 2, 3
Psi = sp.Matrix([[1, 1, 0], [0, 1, 0], [0, 0, 1]])
W_hy = embed(E_block(d, s, s), n)[:, :d].T * Psi.inv()
check(pinv_full_row_rank(W_hy) != Psi * embed(E_block(d, s, s), n)[:, :d],
      "counterexample: Psi = [[1,1,0],[0,1,0],[0,0,1]] gives pinv(W_hy) != Psi E_s (readout road not exact)")

# %% [markdown]
# ## 4. The inverse-free residual W K - K Phi (only A_s, any W, any seed)

# %%
for d, s in ((1, 3), (2, 2)):
    n = s * d + 1
    W = sp.Matrix(n, n, lambda r, c: sp.Symbol(f"w{r}_{c}"))
    seed = sp.Matrix(n, d, lambda r, c: sp.Symbol(f"p{r}_{c}"))
    As = sp.Matrix(d, d, lambda r, c: sp.Symbol(f"b{r}{c}"))
    P = symbolic_Phi([sp.zeros(d, d)] * (s - 1) + [As])
    K = krylov(W, seed, s)
    R = W * K - K * P
    check(mat_zero(R[:, d:]), f"d = {d}, s = {s}: block columns 2..s of W K - K Phi vanish")
    check(mat_zero(R[:, :d] - ((W ** s) * seed - seed * As)), f"d = {d}, s = {s}: block column 1 is W^s P - P A_s")

done("c8_power_basis", 'd <= 2, s <= 4 (roads: (d, s) in {(1, 3), (2, 2)})')
