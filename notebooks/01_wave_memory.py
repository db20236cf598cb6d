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
# # 1. The traveling wave memory and Theorem 3.1
#
# A history-dependent dynamical system (HDS) evolves from its last $s$ states,
# $x(t) = f(x(t-1), \dots, x(t-s))$, $x(t) \in \mathbb{R}^d$.
# The traveling wave memory (TWM) is a substrate of $s$ columns by $d$ rows,
# $H(t) = [h_1(t) \dots h_s(t)]$, in which every row carries a one-way wave:
#
# $$h_i(t+1) = h_{i+1}(t) \quad (1 \le i < s), \qquad h_s(t+1) = f(h_1(t), \dots, h_s(t)).$$
#
# **C1 (Theorem 3.1).** Initialise the columns with $x(0..s-1)$ and use $f$ (arguments in lag order)
# as the start boundary: column $s$ then follows the HDS trajectory for ever.
# We check it below on a linear task, on a nonlinear one, and on the generalized Fibonacci example (C2).

# %%
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

import wavetheory as wt

rng = np.random.default_rng(0)

# %% [markdown]
# ## A variable-binding task on the substrate
# Output component $j$ copies a signed component of an earlier state. Here
# $x_0(t) = -x_2(t-4)$, $x_1(t) = x_0(t-1)$, $x_2(t) = x_1(t-3)$.

# %%
task = wt.signed_selection("-x2(t-4), x0(t-1), x1(t-3)")
print(task.name, "d =", task.d, "s =", task.s, "active lags:", task.active_lags)
hist = rng.choice([-1.0, 1.0], size=(task.s, task.d))
wave = wt.simulate(task.boundary, hist, steps=24)      # road 1: the wave memory
direct = wt.rollout(task, hist, steps=24)              # road 2: the recursion itself
print("max |wave - direct| =", np.abs(wave - direct).max())
assert np.array_equal(wave, direct)  # same sums of +-1 values: exactly equal

# %% [markdown]
# The waves themselves: the substrate at each time step, one row of the figure per time step,
# the $s \cdot d$ cells ordered block by block (column $h_1$ first). Each value enters at the start
# boundary (right) and travels one column to the left per step until it leaves at the open end.

# %%
wm = wt.WaveMemory(task.boundary, task.d, task.s, batch=1)
wm.load(hist[None])
frames = [wm.substrate[0].copy()]
for _ in range(16):
    wm.step()
    frames.append(wm.substrate[0].copy())
frames = np.stack(frames)                                # (T, s, d)
fig, axes = plt.subplots(1, task.d, figsize=(9, 3.2), sharey=True)
for j, ax in enumerate(axes):
    ax.imshow(frames[:, :, j], cmap="RdBu_r", vmin=-1, vmax=1, aspect="auto")
    ax.set_title(f"row {j}")
    ax.set_xlabel("column i")
axes[0].set_ylabel("time t")
fig.suptitle("hidden traveling waves: diagonal stripes move toward column 1")
fig.savefig("waves.png", dpi=90)

# %% [markdown]
# ## A nonlinear boundary
# Theorem 3.1 does not need linearity: any $f$ works. Take $f(\text{past}) = \tanh(W\,\mathrm{vec}(\text{past}))$.

# %%
d, s = 3, 5
W = rng.standard_normal((d, s * d))
hds = wt.HDS(d=d, s=s, f=lambda past: np.tanh(past.reshape(past.shape[:-2] + (s * d,)) @ W.T))
h0 = rng.standard_normal((s, d))
err = np.abs(wt.simulate(hds.boundary, h0, 50) - wt.rollout(hds, h0, 50)).max()
print("nonlinear HDS, 50 steps: max |wave - direct| =", err)
assert err == 0.0  # identical floating-point operations on both roads

# %% [markdown]
# ## C2: generalized Fibonacci
# With $f$ = the sum of all columns the TWM computes $x(t) = \sum_{k=1}^{s} x(t-k)$.

# %%
fib = wt.fibonacci(1, 2)
seq = wt.simulate(lambda H: H.sum(axis=-2), np.array([[1.0], [1.0]]), 10)[:, 0]
print(seq)
assert seq.tolist() == [2, 3, 5, 8, 13, 21, 34, 55, 89, 144]
assert np.array_equal(seq, wt.simulate(fib.boundary, np.array([[1.0], [1.0]]), 10)[:, 0])
