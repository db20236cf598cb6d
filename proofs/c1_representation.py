# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # C1: every HDS is represented by a traveling wave memory (Theorem 3.1)
#
# **Claim.** Let $x(t) = f(x(t-1), \dots, x(t-s))$ be an HDS of width $d$ and history $s$.
# Initialize the substrate columns with the history, $h_i(s-1) = x(i-1)$ for $i = 1..s$, and run
#
# $$ h_i(t+1) = h_{i+1}(t) \ (i < s), \qquad h_s(t+1) = f(h_s(t), h_{s-1}(t), \dots, h_1(t)). $$
#
# Then $h_s(t) = x(t)$ for every $t \ge s-1$.
#
# **Proof (induction on t) of the stronger invariant** $P(t)$: $h_i(t) = x(t-s+i)$ for all $i = 1..s$.
# Base $t = s-1$: $h_i(s-1) = x(i-1) = x((s-1) - s + i)$. Step: transport gives
# $h_i(t+1) = h_{i+1}(t) = x(t-s+i+1)$, which is $P(t+1)$ for $i < s$; the boundary receives as its
# $k$-th argument (lag order) the column $h_{s+1-k}(t) = x(t+1-k)$, the $k$-th lag of $x(t+1)$, so
# $h_s(t+1) = f(x(t), \dots, x(t+1-s)) = x(t+1)$, which is $P(t+1)$ for $i = s$. $P(t)$ at $i = s$ is
# the claim. Base and both cases of the step are checked below with symbolic $i, k, s, t$ (the columns are
# vectors of any width $d$, the boundary an undefined function): a general proof. Then the whole
# statement is checked structurally for an *arbitrary* (undefined, nonlinear) $f$ for all
# $d \le 2$, $s \le 4$ over $2s$ steps, and finally the library's ring buffer and its lag-order
# convention are checked against a plain recursion in exact integer arithmetic.

# %%
import itertools

import numpy as np
import sympy as sp

from _common import argument, check, done, same, zero

i, k, s, t = sp.symbols("i k s t", integer=True, positive=True)

# %% [markdown]
# ## 1. The inductive argument with symbolic indices

# %%
x = sp.Function("x")
P = sp.Lambda((i, t), x(t - s + i))  # the invariant P(t): h_i(t) = x(t - s + i), for all columns i
F = sp.Function("F")
# a column is one value x(t) of any set (a vector of any width d): no step reads its width
with argument("s", opaque={"d": "a column is one opaque value x(t); no step reads its width"}):
    # P carries s (it cancels in x's argument once P is applied at t = s-1)
    check(same(P(i, s - 1), x(i - 1)), "base case t = s-1: the initialization h_i(s-1) = x(i-1) is P(s-1)", over=P)
    # transport, i < s: h_i(t+1) = h_{i+1}(t), which P(t) says is x(t-s+i+1); P(t+1) says x((t+1)-s+i)
    check(same(P(i + 1, t), P(i, t + 1)), "transport step: h_(i+1)(t) = x(t-s+(i+1)) = x((t+1)-s+i), i.e. P(t+1) for i < s")
    # boundary: f receives its arguments in lag order, argument k = column s+1-k; with an undefined F
    # applied to the argument map k -> (k-th argument), the two sides are one expression tree
    twm = F(sp.Lambda(k, P(s + 1 - k, t)))  # what the start boundary computes from P(t)
    hds = F(sp.Lambda(k, x(t + 1 - k)))  # x(t+1) = f(x(t), ..., x(t+1-s)): argument k is x(t+1-k)
    # P and the column index s+1-k carry s (it cancels inside x's argument once P is applied)
    check(same(twm, hds), "boundary step: argument k = h_(s+1-k)(t) = x(t+1-k) for every k, so h_s(t+1) = f(...) = x(t+1)",
          over=(P, s + 1 - k))
    check(same(P(s, t + 1), x(t + 1)), "that is P(t+1) for i = s (column s holds x((t+1)-s+s))", over=P)
    check(same(P(s, t), x(t)), "P(t) at i = s is the claim: the newest column h_s(t) = x(t)", over=P)
    # the boundary argument indices s+1-k, k = 1..s, are exactly the columns s, s-1, ..., 1
    check(zero((s + 1 - (s + 1 - k)) - k), "k -> s+1-k is an involution of 1..s: the boundary reads every column once",
          over=s + 1 - k)

# %% [markdown]
# ## 2. Exhaustive structural check for an arbitrary nonlinear f (d <= 2, s <= 4)
# $f$ is a tuple of undefined SymPy functions $f_j$ of $sd$ scalar arguments; both roads build
# expression trees, compared with `==` (structural equality: same function applied to the same
# arguments in the same order).

# %%
def twm_vs_recursion(d: int, s_: int, steps: int) -> bool:
    X = [[sp.Symbol(f"x{tau}_{j}") for j in range(d)] for tau in range(s_)]
    f = [sp.Function(f"f{j}") for j in range(d)]

    def F(past):  # past in lag order: past[0] = x(t-1)
        args = [v for col in past for v in col]
        return [fj(*args) for fj in f]

    # direct recursion
    xs = [list(c) for c in X]
    for _ in range(steps):
        xs.append(F(xs[::-1][:s_]))
    # wave memory: columns h_1..h_s (oldest first), boundary reads them in lag order
    H = [list(c) for c in X]
    newest = []
    for _ in range(steps):
        new = F([H[s_ - kk] for kk in range(1, s_ + 1)])  # argument k = h_{s+1-k}
        H = H[1:] + [new]  # transport (open end drops h_1) + start boundary
        newest.append(new)
    return newest == xs[s_:]


for d_, s_ in itertools.product((1, 2), (1, 2, 3, 4)):
    check(twm_vs_recursion(d_, s_, 2 * s_), f"arbitrary f, d = {d_}, s = {s_}: h_s(t) = x(t) for t = s..3s-1")

# %% [markdown]
# ## 3. The library: ring buffer and lag-order convention, exact integer arithmetic
# A nonlinear boundary with +-1 values, $f_j = x_{\pi(j)}(t-1)\, x_j(t-s) + [s>1]\, x_j(t-2)$ (products
# and small sums of integers are exact in float64), against a plain Python recursion.

# %%
from wavetheory.theory.tasks import HDS, rollout
from wavetheory.theory.wave_memory import simulate  # noqa: E402

rng = np.random.default_rng(0)
for d_, s_ in itertools.product((1, 2, 3), (1, 2, 3, 5)):
    perm = rng.permutation(d_)

    def f_np(past, perm=perm, s_=s_):  # past (..., s, d) in lag order
        out = past[..., 0, perm] * past[..., s_ - 1, :]
        return out + (past[..., 1, :] if s_ > 1 else 0)

    hist = rng.choice([-1, 1], size=(s_, d_))
    xs = [list(map(int, row)) for row in hist]
    for _ in range(3 * s_):
        p1, ps = xs[-1], xs[-s_]
        p2 = xs[-2] if s_ > 1 else [0] * d_
        xs.append([p1[perm[j]] * ps[j] + p2[j] for j in range(d_)])
    wave = simulate(HDS(d_, s_, f_np).boundary, hist.astype(float), 3 * s_)
    check(bool(np.array_equal(wave, np.array(xs[s_:], dtype=float))), f"library simulate == recursion exactly, d = {d_}, s = {s_}")
    check(bool(np.array_equal(rollout(HDS(d_, s_, f_np), hist.astype(float), 3 * s_), wave)), f"library rollout == simulate, d = {d_}, s = {s_}")

done("C1 representation", 'general (induction on t, symbolic i, k, s, t; any d, any f)', general=True)
