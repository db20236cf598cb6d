# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # Lemma: geometric multiplicities and Jordan structure of Phi come from the d x d matrix M
#
# Used by `wavetheory.theory.symbolic.eigen_structure` to avoid every sd x sd computation (C4).
#
# **Lemma 1 (kernels).** For every $\lambda_0 \in \mathbb{C}$ the map $\iota(v) = (v, \lambda_0 v, \dots, \lambda_0^{s-1} v)$ is an
# isomorphism $\ker M(\lambda_0) \to \ker(\lambda_0 I - \Phi)$ with inverse $h \mapsto h_1$. Hence the geometric
# multiplicity of $\lambda_0$ is $d - \operatorname{rank} M(\lambda_0)$, and since conjugate roots of an irreducible
# $f \in \mathbb{Q}[\lambda]$ are exchanged by field automorphisms, it is $d - \operatorname{rank}_{\mathbb{Q}[\lambda]/(f)} M$ for all roots of $f$.
#
# *Proof.* $(\lambda_0 I - \Phi) h = 0$ reads $h_{i+1} = \lambda_0 h_i$ ($i < s$) and $\lambda_0 h_s = \sum_i A_{s+1-i} h_i$.
# The first $s-1$ equations hold iff $h_i = \lambda_0^{i-1} h_1$ (induction on $i$); substituting into the
# last gives $\lambda_0^s h_1 = \sum_k A_k \lambda_0^{s-k} h_1$, i.e. $M(\lambda_0) h_1 = 0$. Both maps are linear and
# mutually inverse on these sets.
#
# **Lemma 2 (Smith form).** Over $\mathbb{Q}[\lambda]$ there are unimodular $U, V$ with
# $U(\lambda I - \Phi)V = \operatorname{diag}(I_{(s-1)d}, M(\lambda))$. Hence the invariant factors of $\lambda I - \Phi$ are
# $1, \dots, 1$ and those of $M$, and the Jordan block sizes of each root of an irreducible $f$ are the
# positive exponents of $f$ in the invariant factors of $M$ (elementary divisors).
#
# *Proof.* With $F$ from the C4 proof, $(\lambda I - \Phi)F = \begin{pmatrix} 0 & B\\ M & C\end{pmatrix}$ with $B$ lower triangular,
# diagonal $-I$, so $B^{-1}$ is polynomial (block $(i,j)$ of $B^{-1}$ is $-\lambda^{i-j} I$ for $i \ge j$). Then
# $U = \begin{pmatrix} I & 0\\ -CB^{-1} & I\end{pmatrix}$ and $V = F\,P\,\operatorname{diag}(B^{-1}, I)$ ($P$ moves the first block column last)
# are unimodular and give the diagonal form. Checked entry by entry below.
#
# **Corollary (nilpotency).** With all $A_k = 0$, $M = \lambda^s I$: $d$ Jordan blocks of size $s$ at 0 (S is
# nilpotent of index $s$). For $d = 1$ and largest active lag $K$, $M = \lambda^{s-K}(\lambda^K - \dots)$ with non-zero
# constant term in the bracket, so 0 has a single Jordan block of size $s - K$: the boundary cuts
# the nilpotent chain to the columns older than its oldest read.

# %%
import itertools

import numpy as np
import sympy as sp
from sympy.polys.matrices import DomainMatrix

from _common import all_selection_tasks, check, done, mat_zero, zero
from wavetheory.theory.symbolic import LAM, block_polynomial_matrix, eigen_structure, factor_charpoly, symbolic_lags, symbolic_Phi
from wavetheory.theory.tasks import LinearHDS

lam = LAM
i, k, s = sp.symbols("i k s", integer=True, positive=True)
l0 = sp.Symbol("lambda_0")

# %% [markdown]
# ## Lemma 1, general s

# %%
check(zero(l0 * l0 ** (i - 1) - l0 ** ((i + 1) - 1)), "h_(i+1) = lam0 h_i = lam0 * lam0^(i-1) h_1 = lam0^i h_1 (inductive step)")
A = sp.Function("A")
last = sp.Sum(A(s + 1 - i) * l0 ** (i - 1), (i, 1, s)).change_index(i, s + 1 - i, k)
check(zero(last - sp.Sum(A(k) * l0 ** (s - k), (k, 1, s))), "sum_i A_(s+1-i) lam0^(i-1) = sum_k A_k lam0^(s-k): last row is M(lam0) h_1 = 0")
check(zero(l0 * l0 ** (s - 1) - l0**s), "lam0 h_s = lam0^s h_1")

# exhaustive: iota maps ker M(lam0) onto ker(lam0 I - Phi), rational eigenvalues, symbolic-free tasks
rng = np.random.default_rng(3)
for trial in range(30):
    d_, s_ = int(rng.integers(1, 3)), int(rng.integers(1, 4))
    lags = rng.integers(-1, 2, size=(s_, d_, d_)) * (rng.random((s_, 1, 1)) < 0.7)
    task = LinearHDS(lags.astype(float))
    P, M = symbolic_Phi(task), block_polynomial_matrix(task)
    ok = True
    for r in (0, 1, -1):
        kerM = M.subs(lam, r).nullspace()
        kerP = (r * sp.eye(s_ * d_) - P).nullspace()
        ok &= len(kerM) == len(kerP)
        for v in kerM:
            ok &= mat_zero((r * sp.eye(s_ * d_) - P) * sp.Matrix.vstack(*[r**q * v for q in range(s_)]))
    check(ok, f"random task {trial} (d = {d_}, s = {s_}): dim ker(r I - Phi) = dim ker M(r), iota(ker M) in ker, r in {{0, 1, -1}}")

# %% [markdown]
# ## Lemma 2: the unimodular reduction, entry by entry (symbolic lags, sd <= 6)

# %%
for d_, s_ in [(1, 1), (1, 2), (1, 3), (1, 4), (1, 6), (2, 1), (2, 2), (2, 3), (3, 2)]:
    lags = symbolic_lags(d_, s_)
    N_, P = s_ * d_, symbolic_Phi(lags)
    F = sp.eye(N_)
    for q in range(1, s_ + 1):
        F[(q - 1) * d_ : q * d_, 0:d_] = lam ** (q - 1) * sp.eye(d_)
    Nm = ((lam * sp.eye(N_) - P) * F).applyfunc(sp.expand)
    r = (s_ - 1) * d_
    B, C = Nm[:r, d_:], Nm[r:, d_:]
    Binv = sp.zeros(r, r)
    for a_, b_ in itertools.product(range(s_ - 1), repeat=2):
        if a_ >= b_:
            Binv[a_ * d_ : (a_ + 1) * d_, b_ * d_ : (b_ + 1) * d_] = -lam ** (a_ - b_) * sp.eye(d_)
    ok = mat_zero(B * Binv - sp.eye(r))
    U = sp.eye(N_)
    U[r:, :r] = -C * Binv
    Pm = sp.Matrix.hstack(*[sp.eye(N_)[:, c] for c in list(range(d_, N_)) + list(range(d_))])
    D = sp.eye(N_)
    D[:r, :r] = Binv
    V = F * Pm * D
    target = sp.diag(sp.eye(r), block_polynomial_matrix(lags)) if r else block_polynomial_matrix(lags)
    ok &= mat_zero(U * (lam * sp.eye(N_) - P) * V - target)
    ok &= sp.expand(U.det()) == 1 and sp.expand(V.det()) in (1, -1)
    check(ok, f"s = {s_}, d = {d_}: U (lam I - Phi) V = diag(I, M), det U = 1, det V = +-1, B^-1 = [-lam^(i-j) I]")

# %% [markdown]
# ## Exhaustive: the library's multiplicities and Jordan blocks against the sd x sd rank road
# For irreducible $f$ of degree $n$: $\dim\ker f(\Phi)^j = n\sum_{\text{blocks}}\min(\text{size}, j)$ over $\mathbb{Q}$, so the number of
# Jordan blocks of size $\ge j$ (per root) is $(\operatorname{rank} f(\Phi)^{j-1} - \operatorname{rank} f(\Phi)^j)/n$.

# %%
def rank_road(task) -> list[tuple[sp.Poly, int, tuple[int, ...]]]:
    P = DomainMatrix.from_Matrix(symbolic_Phi(task)).convert_to(sp.QQ)
    N_ = P.shape[0]
    out = []
    for f, a in factor_charpoly(task)[1]:
        fP = DomainMatrix.zeros((N_, N_), sp.QQ)
        for c in f.all_coeffs():  # Horner: f(P)
            fP = fP * P + DomainMatrix.eye(N_, sp.QQ) * sp.QQ.from_sympy(c)
        ranks, X = [N_], DomainMatrix.eye(N_, sp.QQ)
        for _ in range(a):
            X = X * fP
            ranks.append(X.rank())
        at_least = [(ranks[q] - ranks[q + 1]) // f.degree() for q in range(a)]  # blocks of size >= q+1
        sizes = tuple(sorted((q + 1 for q in range(a) for _ in range(at_least[q] - (at_least[q + 1] if q + 1 < a else 0))), reverse=True))
        out.append((f, at_least[0], sizes))
    return out


def library(task):
    seen = {}
    for e in eigen_structure(task):
        seen[e.factor] = (e.geometric, e.jordan)
    return [(f, g, j) for f, (g, j) in seen.items()]


n_checked = 0
for d_, s_ in itertools.product((1, 2), (1, 2, 3)):
    ok = True
    for task in all_selection_tasks(d_, s_):
        ok &= sorted(library(task), key=str) == sorted(rank_road(task), key=str)
        n_checked += 1
    check(ok, f"every signed-selection task d = {d_}, s = {s_}: geometric multiplicities and Jordan blocks == rank road")
for trial in range(40):
    d_, s_ = int(rng.integers(1, 4)), int(rng.integers(1, 4))
    lags = rng.integers(-1, 2, size=(s_, d_, d_)) * (rng.random((s_, 1, 1)) < 0.6)
    task = LinearHDS(lags.astype(float))
    check(sorted(library(task), key=str) == sorted(rank_road(task), key=str), f"random sparse integer task {trial} (d = {d_}, s = {s_}): == rank road")
    n_checked += 1

# %% [markdown]
# ## Corollary: nilpotency index and what the boundary does to it

# %%
for d_, s_ in itertools.product((1, 2, 3), (1, 2, 3, 5)):
    es = eigen_structure(LinearHDS(np.zeros((s_, d_, d_))))
    check(len(es) == 1 and es[0].value == 0 and es[0].jordan == (s_,) * d_, f"zero boundary, d = {d_}, s = {s_}: d Jordan blocks of size s at 0")
for s_ in range(1, 5):
    for lags in itertools.product((-1, 0, 1), repeat=s_):
        K = max((q + 1 for q in range(s_) if lags[q] != 0), default=0)
        zero_blocks = [e.jordan for e in eigen_structure(LinearHDS(np.array(lags, float).reshape(s_, 1, 1))) if e.value == 0]
        if not (zero_blocks == ([(s_ - K,)] if K < s_ else [])):
            check(False, f"d = 1, lags {lags}: Jordan block at 0 of size s - K")
    check(True, f"d = 1, s = {s_}, all {3**s_} lag vectors in {{-1,0,1}}: 0 has one Jordan block of size s - K (none if K = s)")
print(f"({n_checked} tasks compared with the rank road)")
done("Lemma: geometric multiplicity and Jordan structure", 'sd <= 6; selection tasks d <= 2, s <= 3',
     cites=["field automorphisms exchange the conjugate roots of an irreducible polynomial",
            "elementary divisors of lambda I - A give the Jordan block sizes (Smith form)"])
