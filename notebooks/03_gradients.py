# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 3. Gradients: waves carry an input intact across the substrate (C5, C11)
#
# For an Elman RNN $h(t) = \sigma(W_{hh} h(t-1) + W_{uh} x(t))$ an input written at time 1 reaches
# time $1+k$ through
# $$\frac{\partial h(1+k)}{\partial x(1)} = D_{1+k} W_{hh} \cdots D_2 W_{hh} D_1 W_{uh},
# \qquad \Big\|\frac{\partial C}{\partial x(1)}\Big\| \le \Big\|\frac{\partial C}{\partial h(1+k)}\Big\|\,\|W_{uh}\|\,\mu^k,$$
# with $\mu \ge \|D_t W_{hh}\|$. Without waves the influence decays geometrically.
# With waves, in the wave basis $\partial h(1+k)/\partial x(1) = \Phi^k E_s$, whose block $s-k$ is
# the identity for $k < s$: the input sits intact in the substrate until it leaves it.

# %%
import matplotlib

matplotlib.use("Agg")
import numpy as np

import wavetheory as wt
from wavetheory.theory.gradients import (
    compare_gradient_flow,
    decay_slope,
    input_jacobians,
    random_rnn,
    wave_input_jacobians,
)
from wavetheory.plots import plot_gradient_norms

# %% [markdown]
# ## Two roads to the Jacobian of the wave RNN
# Closed form (block $i$ of $\Phi^k E_s$ is the impulse response $g(k-s+i)$) against the explicit
# product of Jacobians $W_{hh}^k W_{uh}$ in a random orthogonal basis.

# %%
task = wt.random_signed_selection(3, 6, seed=4)
n = task.s * task.d
Psi = wt.make_basis("orthogonal", n, rng=0)
rnn = wt.compile_rnn(task, Psi)
closed = wave_input_jacobians(task, 20, Psi)
product = input_jacobians(rnn.W_hh, rnn.W_uh, 20)
print(task.name, "max |closed - product| =", np.abs(closed - product).max())
assert np.abs(closed - product).max() < 1e-10  # 20 products of orthogonal-basis matrices: ~1e-14

# %% [markdown]
# ## Wave RNN vs random RNNs
# Repeat copy ($s = 8$) compiled in a random orthogonal basis, against random linear RNNs with
# operator norm $\mu$ and the same $\|W_{uh}\|$. The dashed line is the bound $\|W_{uh}\|\mu^k$.

# %%
rc = wt.repeat_copy(2, 8)
res = {mu: compare_gradient_flow(rc, mu=mu, k_max=24, rng=1) for mu in (0.7, 0.9, 1.0)}
for mu, r in res.items():
    print(f"mu = {mu}: wave slope {r['slope_wave']:+.2e}, random slope {r['slope_random']:+.3f}, "
          f"log mu {np.log(mu):+.3f}, log rho {np.log(r['rho_random']):+.3f}")
    assert max(r["wave"]) - min(r["wave"]) < 1e-12       # orthogonal Phi: norms exactly 1
    assert r["slope_random"] <= np.log(mu) + 1e-12         # a fitted slope never beats the bound
    assert np.all(np.array(r["random"]) <= np.array(r["bound"]) * (1 + 1e-12))
r = res[0.9]
plot_gradient_norms(r["lag"], {"wave RNN (repeat copy)": r["wave"], "random RNN, mu = 0.9": r["random"]},
                    bound=r["bound"], title="||dh(1+k)/dx(1)||", path="gradients.png")

# %% [markdown]
# The fitted slope of the random RNN lies between $\log\mu$ (the bound) and, for large $k$,
# $\log\rho(W_{hh})$ (Gelfand: $\|W^k\|^{1/k} \to \rho$). For Gaussian matrices $\rho \approx \mu/2$:
# the gap $\log 2$ is non-normality, not slack in the bound.

# %%
big = random_rnn(64, 2, mu=0.9, rng=3)
norms = np.linalg.norm(input_jacobians(big.W_hh, big.W_uh, 200)[1:], ord=2, axis=(1, 2))
rho = np.abs(np.linalg.eigvals(big.W_hh)).max()
tail = decay_slope(norms[100:], np.arange(101, 201))
print(f"tail slope {tail:.4f}, log rho {np.log(rho):.4f}, log mu {np.log(0.9):.4f}")
assert abs(tail - np.log(rho)) < 0.02  # Gelfand convergence at k ~ 100-200 for n = 64

# %% [markdown]
# ## C11: the tanh RNN at its fixed point
# Without bias, $h = 0$ is a fixed point of $h \mapsto \tanh(W_{hh} h)$ and $\tanh'(0) = 1$, so the
# Jacobian there is $W_{hh}$: along a trajectory of small inputs the Jacobian products approach the
# linear ones as $O(\varepsilon^2)$.

# %%
from wavetheory.theory.gradients import trajectory_preactivations

for eps in (1e-1, 1e-2, 1e-3):
    x = np.zeros((11, task.d)); x[0] = eps * np.ones(task.d)
    a = trajectory_preactivations(rnn.W_hh, rnn.W_uh, x)
    diff = np.abs(input_jacobians(rnn.W_hh, rnn.W_uh, 10, a) - product[:11]).max()
    print(f"input size {eps:g}: max |J_tanh - J_linear| = {diff:.2e}")
