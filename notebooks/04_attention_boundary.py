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
# # 4. The self-attention boundary (SBC) and the transformer loop
#
# **C6.** With the start boundary
# $$f(H) = \sum_{i=1}^{s} \operatorname{softmax}_i\!\left(h_i^\top K^\top Q\, h_s\right) V h_i$$
# the wave memory is the autoregressive loop of a one-layer, attention-only transformer whose
# context window of $s$ tokens is the substrate: appending a token is the start boundary, dropping
# the oldest is the open end. The exact conventions (scaling folded into $Q$, query from the newest
# token, no positional encoding / residual / LayerNorm / MLP) are in `wavetheory/transformer.py`;
# the algebraic identity is proved in `proofs/c6_attention_boundary.py`.
#
# This notebook stays in NumPy (the kernel does not import torch); the torch transformer is run
# once through the command line, in its own process.

# %%
import json
import subprocess
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

import wavetheory as wt
from wavetheory.theory.attention import anti_similarity_sbc, random_sbc, repeat_copy_sbc, sbc_rollout

# %% [markdown]
# ## The two implementations agree
# `wavetheory sbc` runs the NumPy SBC wave memory and the independently written torch transformer
# (`scaled_dot_product_attention`, sliding window) from the same random weights and context.

# %%
out = subprocess.run(
    [sys.executable, "-m", "wavetheory", "sbc", "--d", "4", "--s", "6", "--steps", "50", "--seed", "3", "--json"],
    capture_output=True, text=True, check=True,
)
res = json.loads(out.stdout)
print(res)
assert res["max_abs_diff"] < 1e-10  # float64, bounded generation: differences stay at rounding level

# %% [markdown]
# ## What the SBC can remember
# A random SBC is a convex combination of the columns (scaled by $\|W_O V\| = 0.9$), so the
# generated sequence is bounded and decays:

# %%
rng = np.random.default_rng(0)
params = random_sbc(d=4, seed=1)
hist = rng.standard_normal((1, 6, 4))
traj, weights = sbc_rollout(params, hist, 30)
print("norms of generated tokens:", np.round(np.linalg.norm(traj[0], axis=1)[::5], 3))

# %% [markdown]
# **Repeat copy needs position.** Without positional information $f$ is symmetric in
# $h_1, \dots, h_{s-1}$ (only $h_s$ is singled out, as the query), so for $s \ge 3$ no content-only
# SBC can realize $f(H) = h_1$. With a window-relative one-hot code $p_i = e_i$ the score is
# $c\,[i = 1]$ and the boundary reads column 1 alone.

# %%
d, s = 3, 5
hist = rng.choice([-1.0, 1.0], size=(1, s, d))
pos_traj, pos_w = sbc_rollout(repeat_copy_sbc(d, s), hist, 20)
con_traj, con_w = sbc_rollout(anti_similarity_sbc(d), hist, 20)
target = wt.simulate(wt.repeat_copy(d, s).boundary, hist, 20)
print("positional SBC   max error vs repeat copy:", np.abs(pos_traj - target).max())
print("content-only SBC max error vs repeat copy:", np.abs(con_traj - target).max())
assert np.abs(pos_traj - target).max() < 1e-12  # weight on column 1 is 1 - O((s-1) e^-40)

fig, axes = plt.subplots(1, 2, figsize=(8, 3.2), sharey=True)
for ax, w, title in ((axes[0], pos_w, "positional SBC"), (axes[1], con_w, "content-only SBC")):
    ax.imshow(w[0, :, 0, :], cmap="viridis", vmin=0, vmax=1, aspect="auto")
    ax.set_title(title)
    ax.set_xlabel("column i (1 = oldest)")
axes[0].set_ylabel("generation step")
fig.savefig("attention.png", dpi=90)
