# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # C11: the tanh RNN at its fixed point 0 is the linear (LBC) RNN
#
# **Claim.** For $h(t+1) = \tanh(W_{hh} h(t) + W_{uh} u(t))$ without bias, $h = 0$ is a fixed point for
# $u = 0$, and the Jacobians there are $\partial h(t+1)/\partial h(t) = W_{hh}$ and $\partial h(t+1)/\partial u(t) = W_{uh}$,
# for every hidden size $n$. The second derivatives vanish there too ($\tanh''(0) = 0$), so the tanh RNN
# equals its linearization up to $O(\|h\|^3 + \|u\|^3)$; with the compiled wave weights (C3) the
# linearization is the LBC wave operator and its spectrum is that of $\Phi$ (C4).
#
# **Proof.** Entry $i$ is $\tanh(a_i)$ with $a_i = \sum_l W_{il} h_l + \sum_m U_{im} u_m$. By the chain rule
# $\partial_{h_j}\tanh(a_i) = (1 - \tanh^2 a_i)\,\partial_{h_j} a_i = (1 - \tanh^2 a_i) W_{ij}$, and $a_i = 0$ at the fixed point.
# Checked with symbolic hidden size $n$ and input size $p$ (indexed sums), then for full symbolic matrices with $n \le 4$.

# %%
import itertools

import numpy as np
import sympy as sp

from _common import argument, check, done, zero
from wavetheory.theory.symbolic import symbolic_charpoly, symbolic_Phi, tanh_jacobian_at_zero
from wavetheory.theory.tasks import LinearHDS
from wavetheory.theory.wave_operator import compile_rnn

i, j, l, mm, n, p = sp.symbols("i j l m n p", integer=True, positive=True)
r = sp.Symbol("r", integer=True, nonnegative=True)
W, U, h, u = (sp.IndexedBase(name) for name in ("W", "U", "h", "u"))
a_sym = sp.Symbol("a")

# %% [markdown]
# ## 1. Symbolic hidden size n

# %%
# scalar facts about tanh (no dimension enters): exact
check(sp.tanh(0) == 0, "fixed point: tanh(W 0 + U 0) = tanh(0) = 0")
check(zero(sp.diff(sp.tanh(a_sym), a_sym).subs(a_sym, 0) - 1), "tanh'(0) = 1 - tanh(0)^2 = 1")
check(sp.diff(sp.tanh(a_sym), a_sym, 2).subs(a_sym, 0) == 0, "tanh''(0) = 0: no quadratic term at the fixed point")
eps, x = sp.symbols("epsilon x")
check(zero(sp.series(sp.tanh(eps * x), eps, 0, 5).removeO() - (eps * x - eps**3 * x**3 / 3)), "tanh(eps x) = eps x - eps^3 x^3/3 + O(eps^5): cubic linearization error")
# the entries of the Jacobian, for a symbolic hidden size n and input size p
with argument("n", "p"):
    pre = sp.Sum(W[i, l] * h[l], (l, 1, n)) + sp.Sum(U[i, mm] * u[mm], (mm, 1, p))
    inner_h = sp.diff(pre, h[j]).doit().subs(n, j + r)  # j <= n written as n = j + r
    inner_u = sp.diff(pre, u[j]).doit().subs(p, j + r)  # j <= p written as p = j + r
    check(zero(inner_h - W[i, j]) and zero(inner_u - U[i, j]), "d a_i / d h_j = W_ij (1 <= j <= n) and d a_i / d u_j = U_ij (1 <= j <= p)",
          over=pre)
    full = sp.diff(sp.tanh(pre), h[j])
    check(zero(full - (1 - sp.tanh(pre) ** 2) * sp.diff(pre, h[j])), "chain rule: d tanh(a_i)/d h_j = (1 - tanh(a_i)^2) d a_i/d h_j",
          over=pre)
    q = sp.Symbol("q", integer=True, positive=True)
    hess = sp.diff(sp.tanh(pre), h[j], h[q]).replace(lambda e: isinstance(e, sp.Indexed) and e.base in (h, u), lambda e: sp.Integer(0))
    check(zero(hess.doit()), "d^2 tanh(a_i) / d h_j d h_q = 0 at h = 0, u = 0 (a tanh(a) (tanh(a)^2 - 1) factor, a = 0)", over=pre)
    at_zero = pre.replace(lambda e: isinstance(e, sp.Indexed) and e.base in (h, u), lambda e: sp.Integer(0))
    check(zero(at_zero.doit()) and at_zero != pre, "a_i = 0 at h = 0, u = 0: the Jacobians there are W_hh and W_uh (tanh'(0) = 1)",
          over=pre)

# %% [markdown]
# ## 2. Full symbolic matrices, n <= 4 (and the library function)

# %%
for nn, dd in itertools.product(range(1, 5), (1, 2)):
    Wm = sp.Matrix(nn, nn, lambda a, b: sp.Symbol(f"w{a}{b}"))
    Um = sp.Matrix(nn, dd, lambda a, b: sp.Symbol(f"v{a}{b}"))
    hv, uv = sp.Matrix(sp.symbols(f"h0:{nn}")), sp.Matrix(sp.symbols(f"u0:{dd}"))
    F = (Wm * hv + Um * uv).applyfunc(sp.tanh)
    at0 = {q: 0 for q in list(hv) + list(uv)}
    ok = F.subs(at0) == sp.zeros(nn, 1) and F.jacobian(hv).subs(at0) == Wm and F.jacobian(uv).subs(at0) == Um
    ok &= all(sp.hessian(F[q], list(hv) + list(uv)).subs(at0).is_zero_matrix for q in range(nn))
    ok &= tanh_jacobian_at_zero(Wm) == Wm
    check(ok, f"n = {nn}, d = {dd}: F(0) = 0, dF/dh = W_hh, dF/du = W_uh, Hessians = 0 at 0")

# %% [markdown]
# ## 3. The compiled wave RNN: the linearization is Phi, with the charpoly of C4

# %%
rng = np.random.default_rng(11)
for d_, s_ in [(1, 3), (2, 2), (2, 3)]:
    task = LinearHDS(rng.integers(-2, 3, size=(s_, d_, d_)).astype(float))
    rnn = compile_rnn(task)  # identity basis: integer weights, exact in float64
    Wm = sp.Matrix(rnn.W_hh.astype(int))
    lam = sp.Symbol("lam")
    J = tanh_jacobian_at_zero(Wm)
    check(J == symbolic_Phi(task) and sp.Poly(J.charpoly(lam).as_expr(), lam) == symbolic_charpoly(task),
          f"d = {d_}, s = {s_}: Jacobian of the tanh wave RNN at 0 = Phi, charpoly = det M(lam)")

done("C11 tanh linearization", 'general (symbolic hidden size n, input size p)', general=True,
     cites=["Taylor's theorem (the O(|h|^3 + |u|^3) remainder from the vanishing second derivatives)"])
