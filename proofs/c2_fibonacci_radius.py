# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # C2: the generalized Fibonacci wave memory, and its growth rate for every s
#
# **Claim.** With $f$ = the sum of all columns the wave memory realizes $x(t) = \sum_{k=1}^s x(t-k)$ (a case
# of C1). Its operator $\Phi$ has, by C4, $\det(\lambda I - \Phi) = p_s(\lambda)^d$ with
# $p_s(\lambda) = \lambda^s - \lambda^{s-1} - \dots - 1$. The spectral radius of $\Phi$ is the golden ratio
# **for $s = 2$ only**; for general $s$ it is $\rho_s$, the unique positive root of $p_s$, with
# $1 < \rho_s < 2$, $\rho_s$ increasing in $s$, and $2 - \rho_s = \rho_s^{-s} \to 0$.
#
# **Proof.** (1) Under C1's invariant $h_i(t) = x(t-s+i)$ the boundary $\sum_i h_i(t)$ is $\sum_k x(t+1-k)$.
# (2) $(\lambda - 1)p_s(\lambda) = \lambda^{s+1} - 2\lambda^s + 1$ (geometric sum). (3) $p_s(1) = 1 - s < 0$ for
# $s \ge 2$ and $p_s(2) = 1 > 0$: a root in $(1, 2)$. (4) $p_s(\lambda)/\lambda^s = 1 - \sum_k \lambda^{-k}$ is
# strictly increasing on $\lambda > 0$: exactly one positive root $\rho_s$, and $p_s(x) > 0$ for $x > \rho_s$.
# (5) Every root $\lambda$ has $|\lambda|^s = |\sum_k \lambda^{s-k}| \le \sum_k |\lambda|^{s-k}$ (triangle
# inequality), i.e. $p_s(|\lambda|) \le 0$, so $|\lambda| \le \rho_s$: $\rho_s$ is the spectral radius.
# (6) $\rho_2 = (1 + \sqrt 5)/2$. (7) $p_{s+1}(\lambda) = \lambda p_s(\lambda) - 1$, so $p_{s+1}(\rho_s) = -1 < 0$
# and $\rho_{s+1} > \rho_s$. (8) At $\rho_s \ne 1$, (2) gives $2 - \rho_s = \rho_s^{-s}$, and $\rho_s \ge \rho_2$
# gives $0 < 2 - \rho_s \le \rho_2^{-s} \to 0$. Every step is checked with symbolic $s$ (the triangle
# inequality and the monotonicity-implies-uniqueness step are cited); then confirmed numerically for $s \le 12$.

# %%
import numpy as np
import sympy as sp

from _common import argument, check, done, zero

s, k, i, t = sp.symbols("s k i t", integer=True, positive=True)
lam = sp.Symbol("lam", positive=True)
x = sp.Function("x")


def p(s_, z):
    """p_s(z) = z^s - sum_(k=1..s) z^(s-k)."""
    return z**s_ - sp.Sum(z ** (s_ - k), (k, 1, s_))


# %% [markdown]
# ## Steps 1-8 with symbolic s

# %%
# a difference whose two sides SymPy already merges on construction reaches zero() as 0: such steps name
# their symbolic left side in over= (the scope check reads the symbols of the statement, not of its result)
golden = (1 + sp.sqrt(5)) / 2
# step 6 is the instance s = 2 (exact, not a step of the argument for every s)
check(zero(sp.simplify(p(2, golden).doit())) and sp.Poly(p(2, lam).doit(), lam).count_roots(0, sp.oo) == 1,
      "step 6: rho_2 = (1 + sqrt 5)/2, the golden ratio (the only positive root of lam^2 - lam - 1)")
with argument("s"):
    boundary = sp.Sum(x(t - s + i), (i, 1, s))  # sum of the columns under C1's invariant
    check(zero(boundary.change_index(i, s + 1 - i, k) - sp.Sum(x(t + 1 - k), (k, 1, s))),
          "step 1: sum of the columns h_i(t) = x(t-s+i) is sum_k x(t+1-k), the Fibonacci recursion's x(t+1)", over=boundary)
    geom = sp.piecewise_fold(sp.Sum(lam ** (s - k), (k, 1, s)).doit())  # Piecewise: s at lam = 1, the closed form elsewhere
    generic = geom.args[-1][0] if isinstance(geom, sp.Piecewise) else geom
    check(zero((lam - 1) * (lam**s - generic) - (lam ** (s + 1) - 2 * lam**s + 1)) and zero((1 - 1) * (1 - s) - (1 - 2 + 1)),
          "step 2: (lam - 1) p_s(lam) = lam^(s+1) - 2 lam^s + 1 (geometric sum; at lam = 1 both sides are 0)")
    check(zero(p(s, 1).doit() - (1 - s)) and (1 - s).subs(s, 2 + sp.Symbol("r", integer=True, nonnegative=True)).is_negative,
          "step 3: p_s(1) = 1 - s < 0 for s >= 2", over=p(s, 1))
    check(zero(sp.simplify(p(s, 2).doit()) - 1), "step 3: p_s(2) = 2^s - (2^s - 1) = 1 > 0, so p_s has a root in (1, 2)", over=p(s, 2))
    # SymPy merges lam^(s-k) / lam^s to lam^-k on construction: the statement's s is in its left side
    check(zero(lam ** (s - k) / lam**s - lam ** (-k)) and sp.diff(-(lam ** (-k)), lam).is_positive is True,
          "step 4: p_s(lam)/lam^s = 1 - sum_k lam^-k, each -lam^-k strictly increasing on lam > 0: one positive root rho_s "
          "(step 5, cited: |lam|^s <= sum_k |lam|^(s-k) for a root, so 1 - sum_k |lam|^-k <= 0 and |lam| <= rho_s)",
          over=p(s, lam))
    pc = lambda s_: lam**s_ - generic.subs(s, s_)  # noqa: E731  p_s in closed form (lam != 1; p_s(1) < p_s(rho) = 0 anyway)
    check(zero(pc(s + 1) - (lam * pc(s) - 1)),
          "step 7: p_(s+1)(lam) = lam p_s(lam) - 1, so p_(s+1)(rho_s) = -1 < 0 and rho_(s+1) > rho_s")
    rho = sp.Symbol("rho", positive=True)
    check(zero((rho ** (s + 1) - 2 * rho**s + 1) / rho**s - (rho - 2 + rho ** (-s))),
          "step 8: lam^(s+1) - 2 lam^s + 1 = 0 at rho_s != 1 is 2 - rho_s = rho_s^-s")
    check(sp.limit(golden ** (-s), s, sp.oo) == 0 and (golden > 1) is sp.true,
          "step 8: 0 < 2 - rho_s = rho_s^-s <= rho_2^-s -> 0, so rho_s -> 2", over=golden ** (-s))

# %% [markdown]
# ## Numerical confirmation, s <= 12

# %%
radii = []
for s_ in range(2, 13):
    roots = np.roots([1.0] + [-1.0] * s_)
    rho_s = float(max(abs(roots)))
    real_pos = [r.real for r in roots if abs(r.imag) < 1e-9 and r.real > 0]
    radii.append(rho_s)
    # a simple root of an integer polynomial: numpy's companion eigenvalues are accurate to ~1e-14
    check(len(real_pos) == 1 and abs(real_pos[0] - rho_s) < 1e-12 and 1 < rho_s < 2 and abs(2 - rho_s - rho_s ** (-s_)) < 1e-12,
          f"s = {s_}: one positive root rho_s = {rho_s:.12f} = the spectral radius, 2 - rho_s = rho_s^-s")
check(all(a < b for a, b in zip(radii, radii[1:])), "rho_s increases with s: " + ", ".join(f"{r:.4f}" for r in radii[:5]) + ", ...")

done("C2 Fibonacci radius", 'general (symbolic s)', general=True,
     cites=["intermediate value theorem (step 3)", "a strictly increasing function has at most one root (step 4)",
            "triangle inequality |sum z_k| <= sum |z_k| (step 5)"])
