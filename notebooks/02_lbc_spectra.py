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
# # 2. Linear boundary conditions: the wave operator, its spectrum, its factorization
#
# With a linear start boundary $f(H) = \sum_k A_k h_{s+1-k}$ the wave memory is one linear map
# $$h(t+1) = \Phi\, h(t), \qquad \Phi = S + E_s\,[A_s\ A_{s-1} \cdots A_1],$$
# a block companion matrix: a nilpotent shift ($S^s = 0$) plus a boundary of rank $\le d$ (C3).
# **C4.** Its characteristic polynomial needs only a $d \times d$ determinant:
# $$\det(\lambda I - \Phi) = \det\!\Big(\lambda^s I_d - \sum_{k=1}^s \lambda^{s-k} A_k\Big).$$
# We derive it exactly with SymPy (`wavetheory.theory.symbolic`), then compare with NumPy.

# %%
import matplotlib

matplotlib.use("Agg")
import numpy as np
import sympy as sp

import wavetheory as wt
from wavetheory.plots import plot_matrix, plot_spectrum
from wavetheory.theory.symbolic import LAM, derive, generic_charpoly, symbolic_charpoly, symbolic_lags, symbolic_Phi

# %% [markdown]
# ## The block formula with symbolic lags
# For $d = 2$, $s = 2$ with every entry of $A_1, A_2$ a symbol, the $4 \times 4$ determinant and the
# $2 \times 2$ block formula are the same polynomial.

# %%
A = symbolic_lags(2, 2)
Phi = symbolic_Phi(A)
display_phi = Phi  # noqa: F841  (rendered by Jupyter when the cell is run interactively)
block = symbolic_charpoly(A).as_expr()
generic = (LAM * sp.eye(4) - Phi).det()
assert sp.expand(block - generic) == 0
print(sp.latex(sp.factor(block))[:200], "...")

# %% [markdown]
# ## Repeat copy, Fibonacci and a variable-binding task
# Repeat copy ($A_s = I$) gives $(\lambda^s - 1)^d$: the $s$-th roots of unity, each $d$ times, all
# semisimple ($\Phi$ is a permutation matrix). Fibonacci gives $(\lambda^s - \lambda^{s-1} - \dots - 1)^d$.
# A signed-selection task factors into powers of $\lambda$ and cyclotomic-type factors.

# %%
for task in (wt.repeat_copy(2, 6), wt.fibonacci(2, 4), wt.signed_selection("x1(t-2), -x2(t-3), x0(t-4), -x3(t-5)")):
    D = derive(task)
    print(task.name)
    print("   det(lam I - Phi) =", sp.factor(D.charpoly.as_expr()))
    for e in D.eigenvalues[:4]:
        print(f"   {e.value}: algebraic {e.algebraic}, geometric {e.geometric}, Jordan blocks {list(e.jordan)}")

rc = derive(wt.repeat_copy(2, 6))
assert sp.expand(rc.charpoly.as_expr() - (LAM**6 - 1) ** 2) == 0
assert all(e.algebraic == e.geometric == 2 for e in rc.eigenvalues)  # semisimple, multiplicity d

# %% [markdown]
# The variable-binding task has a dead-end chain: component 3 copies itself with lag 5 (a cycle,
# $\lambda^5 = -1$), components $0 \to 1 \to 2 \to 0$ form a cycle of total lag $2+3+4 = 9$ with one sign flip
# ($\lambda^9 = -1$), and the unused lags give a nilpotent part at $0$ with Jordan blocks.
# Exact vs numeric eigenvalues on the unit circle:

# %%
task = wt.signed_selection("x1(t-2), -x2(t-3), x0(t-4), -x3(t-5)")
D = derive(task)
exact = np.array([complex(e.value.evalf()) for e in D.eigenvalues for _ in range(e.algebraic)])
numeric = wt.spectrum(task)
plot_spectrum({"exact (SymPy)": exact, "numeric eig(Phi)": numeric}, title=task.name, path="spectrum.png")
plot_matrix([("Phi", wt.Phi(task))], title="Phi = S + E_s [A_s ... A_1]", path="phi.png")
cp_numeric = wt.charpoly(task)
cp_exact = [int(c) for c in sp.Poly(D.charpoly.as_expr(), LAM).all_coeffs()]
assert cp_numeric.tolist() == cp_exact  # integer task: the DFT block formula rounds exactly

# %% [markdown]
# ## Numerically: the unit-circle eigenvalues are accurate, the defective zero ones are not
# A Jordan block of size $m$ at $0$ spreads under rounding to a circle of radius $\sim \varepsilon^{1/m}$:

# %%
Psi = wt.make_basis("orthogonal", task.s * task.d, rng=0)
W = wt.compile_rnn(task, Psi).W_hh
ev = np.linalg.eigvals(W)
print("largest |eig| among the 6 zero eigenvalues:", np.sort(np.abs(ev))[:6].max(), " eps^(1/3) =", np.finfo(float).eps ** (1 / 3))
on_circle = ev[np.abs(ev) > 0.5]
assert np.abs(np.abs(on_circle) - 1).max() < 1e-12  # semisimple unit-circle eigenvalues: ~10 eps

# %% [markdown]
# ## C12 in one line
# An LTI RNN reads $x(0..s-1)$ and must emit $x(s), x(s+1), \dots$: possible iff $A_i A_k = 0$ for all
# $i \le s$, $k < s$ (whatever a short lag writes is never read). Proof: `proofs/c12_realizability.py`.

# %%
from wavetheory.theory.realizability import is_realizable

for spec in ("x0(t-2)", "x0(t-1), x0(t-2)", "x1(t-1), x1(t-2)"):
    t = wt.signed_selection(spec, s=2)
    print(f"{spec:22s} realizable by an LTI RNN: {is_realizable(t)}")
