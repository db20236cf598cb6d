# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # C14: GRU and LSTM at their zero fixed point, and compiled gated wave networks
#
# PyTorch's cells (gate order GRU $r, z, n$; LSTM $i, f, g, o$), with input parts $W_{i\cdot}x + b_{i\cdot}$ and
# hidden parts $W_{h\cdot}h + b_{h\cdot}$:
#
# $$\text{GRU: } r = \sigma(\cdot),\ z = \sigma(\cdot),\ n = \tanh(W_{in}x + b_{in} + r \odot (W_{hn}h + b_{hn})),\ h' = (1-z)\odot n + z \odot h$$
# $$\text{LSTM: } i, f, o = \sigma(\cdot),\ g = \tanh(\cdot),\ c' = f \odot c + i \odot g,\ h' = o \odot \tanh(c')$$
#
# **Claims.**
# 1. (GRU) Without biases $h = 0$ is a fixed point and $\partial h'/\partial h = \tfrac12 I + \tfrac14 W_{hn}$,
#    $\partial h'/\partial x = \tfrac12 W_{in}$, for every hidden size $n$; $W_{hr}, W_{hz}, W_{ir}, W_{iz}$ do not enter.
#    With biases, 0 is a fixed point iff $b_{in} + \sigma(b_r) b_{hn} = 0$, and then
#    $\partial h'/\partial h = \mathrm{diag}(1-z_0)(\mathrm{diag}(r_0) W_{hn} + \mathrm{diag}(b_{hn} r_0(1-r_0)) W_{hr}) + \mathrm{diag}(z_0)$.
# 2. (LSTM) Without biases $(h, c) = 0$ is a fixed point and
#    $J = \partial(h', c')/\partial(h, c) = P B$ with $P = [\tfrac14 I; \tfrac12 I]$ ($2n \times n$), $B = [W_{hg}\ \ I]$ ($n \times 2n$),
#    $\partial(h', c')/\partial x = P W_{ig}$.
# 3. (LSTM spectrum) $\det(\lambda I_{2n} - J) = \lambda^n \det(\lambda I_n - M)$ with $M = BP = \tfrac12 I + \tfrac14 W_{hg}$:
#    the non-zero spectrum of the LSTM Jacobian is that of $M$, the other $n$ eigenvalues are 0; every
#    eigenvector of $M$ lifts to $(v/4, v/2)$ ($c = 2h$), and from $h = c = 0$ the linearized LSTM stays on
#    $c = 2h$, where it is the Elman linear RNN $h(t) = M h(t-1) + \tfrac14 W_{ig} x(t)$. With biases (fixed point iff
#    $b_{ig} + b_{hg} = 0$) the gate values replace the halves: $W^{\rm eff} = \mathrm{diag}(f_0) + \mathrm{diag}(o_0 i_0) W_{hg}$.
# 4. (compiled gated wave networks) With $W_{hn} = 4\Psi\Phi\Psi^{-1} - 2I$, $W_{in} = 2\Psi E_s$ (GRU), resp.
#    $W_{hg} = 4\Psi\Phi\Psi^{-1} - 2I$, $W_{ig} = 4\Psi E_s$ (LSTM), and readout $E_s^\top\Psi^{-1}$, the linearization is
#    the wave RNN of C3: $W_{hh}^{\rm eff} = \Psi\Phi\Psi^{-1}$, $W_{uh}^{\rm eff} = \Psi E_s$, so its characteristic
#    polynomial is $\det(\lambda^s I - \sum_k \lambda^{s-k} A_k)$ (C4).
# 5. (order of the small-amplitude error) With zero gate weights (as compiled) the cell map is odd,
#    $F(-h, -c, -x) = -F(h, c, x)$, so its Taylor series has no quadratic term and the network driven by
#    $\epsilon u$ outputs $\epsilon y_{\rm lin} + O(\epsilon^3)$: relative error $O(\epsilon^2)$. Non-zero gate weights add a
#    quadratic term (gate deviation $\times$ linear signal): relative error $O(\epsilon)$.

# %%
import numpy as np
import sympy as sp

from _common import check, done, mat_zero, zero
from wavetheory.theory.gated import GatedWeights, compile_gated, jacobian, linearize
from wavetheory.theory.symbolic import symbolic_charpoly, symbolic_Phi
from wavetheory.theory.tasks import LinearHDS, repeat_copy
sig = lambda a: 1 / (1 + sp.exp(-a))  # noqa: E731
half, quarter = sp.Rational(1, 2), sp.Rational(1, 4)

# %% [markdown]
# ## 1. Symbolic hidden size n: each entry is a scalar function of linear forms
#
# Entry $i$ of the GRU update is $G(a_r, a_z, a_x, a_h, h_i) = (1-\sigma(a_z))\tanh(a_x + \sigma(a_r) a_h) + \sigma(a_z) h_i$
# with the linear forms $a_r = \sum_l W^r_{il} h_l + \sum_m U^r_{im} x_m$, etc. (C11's proof shows
# $\partial a_i / \partial h_j = W_{ij}$ for symbolic $n$; repeated here for the four forms). By the chain rule
# $\partial h'_i/\partial h_j = \sum_a \partial_a G\, W^a_{ij} + \partial_{h_i} G\, \delta_{ij}$, so the scalar partials of $G$ at the
# fixed point give the Jacobian for every $n$.

# %%
i, j, l, mm, n, p = sp.symbols("i j l m n p", integer=True, positive=True)
r_ = sp.Symbol("r", integer=True, nonnegative=True)
h, x = sp.IndexedBase("h"), sp.IndexedBase("x")
for name in ("r", "z", "n"):
    Wg, Ug = sp.IndexedBase(f"W{name}"), sp.IndexedBase(f"U{name}")
    form = sp.Sum(Wg[i, l] * h[l], (l, 1, n)) + sp.Sum(Ug[i, mm] * x[mm], (mm, 1, p))
    dh = sp.diff(form, h[j]).doit().subs(n, j + r_)  # j <= n written as n = j + r
    check(zero(dh - Wg[i, j]), f"GRU gate {name}: d a_i / d h_j = W{name}_ij for every 1 <= j <= n")

ar, az, ax, ah, hi = sp.symbols("a_r a_z a_x a_h h_i")
G = (1 - sig(az)) * sp.tanh(ax + sig(ar) * ah) + sig(az) * hi
at0 = {ar: 0, az: 0, ax: 0, ah: 0, hi: 0}
check(G.subs(at0) == 0, "GRU: F(0, 0) = 0 without biases (tanh(0) = 0)")
partials = {v: sp.simplify(sp.diff(G, v).subs(at0)) for v in (ar, az, ax, ah, hi)}
check(partials == {ar: 0, az: 0, ax: half, ah: quarter, hi: half},
      "GRU at 0: dG/da_r = dG/da_z = 0, dG/da_x = 1/2, dG/da_h = 1/4, dG/dh_i = 1/2 => dh'/dh = I/2 + W_hn/4, dh'/dx = W_in/2")

# with biases: gate pre-activations at h = x = 0 are b_r, b_z, b_in (x part), b_hn (h part)
br, bz, bin_, bhn = sp.symbols("b_r b_z b_in b_hn")
atb = {ar: br, az: bz, ax: bin_, ah: bhn, hi: 0}
r0, z0 = sig(br), sig(bz)
fixed = {bin_: -r0 * bhn}  # the fixed-point condition b_in + sigma(b_r) b_hn = 0
check(zero(G.subs(atb).subs(fixed)), "GRU with biases: F(0) = 0 when b_in + sigma(b_r) b_hn = 0")
check(zero(G.subs(atb) - (1 - z0) * sp.tanh(bin_ + r0 * bhn)), "... and only then (F(0) = (1 - z0) tanh(b_in + r0 b_hn), 1 - z0 > 0)")
want = {ar: (1 - z0) * bhn * r0 * (1 - r0), az: 0, ax: 1 - z0, ah: (1 - z0) * r0, hi: z0}
check(all(zero(sp.diff(G, v).subs(atb).subs(fixed) - w) for v, w in want.items()),
      "GRU with biases at its zero fixed point: dh'/dh = diag(1-z0)(diag(r0) W_hn + diag(b_hn r0 (1-r0)) W_hr) + diag(z0)")

# LSTM entry: c' = sigma(a_f) c_i + sigma(a_i) tanh(a_g), h' = sigma(a_o) tanh(c')
ai, af, ag, ao, ci = sp.symbols("a_i a_f a_g a_o c_i")
C = sig(af) * ci + sig(ai) * sp.tanh(ag)
Hn = sig(ao) * sp.tanh(C)
at0 = {ai: 0, af: 0, ag: 0, ao: 0, ci: 0}
check(C.subs(at0) == 0 and Hn.subs(at0) == 0, "LSTM: (h', c') = 0 at (h, c, x) = 0 without biases")
dC = {v: sp.simplify(sp.diff(C, v).subs(at0)) for v in (ai, af, ag, ao, ci)}
dH = {v: sp.simplify(sp.diff(Hn, v).subs(at0)) for v in (ai, af, ag, ao, ci)}
check(dC == {ai: 0, af: 0, ag: half, ao: 0, ci: half} and dH == {ai: 0, af: 0, ag: quarter, ao: 0, ci: quarter},
      "LSTM at 0: dc'/dh = W_hg/2, dc'/dc = I/2, dh'/dh = W_hg/4, dh'/dc = I/4 (only the g gate enters)")

# with biases b_i, b_f, b_o and b_g = 0 (the zero fixed point): gate values i0, f0, o0 replace the halves
bi_, bf_, bo_ = sp.symbols("b_i b_f b_o")
atb = {ai: bi_, af: bf_, ag: 0, ao: bo_, ci: 0}
i0, f0, o0 = sig(bi_), sig(bf_), sig(bo_)
bg_ = sp.Symbol("b_g")
check(C.subs(atb) == 0 and Hn.subs(atb) == 0 and zero(C.subs({**atb, ag: bg_}) - i0 * sp.tanh(bg_)),
      "LSTM with biases: c'(0) = sig(b_i) tanh(b_g), so (h', c') = 0 at 0 iff the candidate's bias b_g = b_ig + b_hg vanishes")
wantC = {ai: 0, af: 0, ag: i0, ao: 0, ci: f0}
wantH = {ai: 0, af: 0, ag: o0 * i0, ao: 0, ci: o0 * f0}
check(all(zero(sp.diff(C, v).subs(atb) - w) for v, w in wantC.items()) and all(zero(sp.diff(Hn, v).subs(atb) - w) for v, w in wantH.items()),
      "LSTM with biases: J = [diag(o0); I] [diag(i0) W_hg, diag(f0)] -> on h = diag(o0) c: W_eff = diag(f0) + diag(o0 i0) W_hg")

# %% [markdown]
# ## 2. Full symbolic matrices (n <= 3, d <= 2), and the library's closed form against them

# %%


def sym_gated(cell: str, nn: int, dd: int, biases: bool = False, numeric: GatedWeights | None = None):
    """Symbolic (or given integer) weights of every gate, state and input vectors, and one step of the cell."""
    gates = ("r", "z", "n") if cell == "gru" else ("i", "f", "g", "o")
    W = {q: sp.Matrix(nn, nn, lambda a, b, q=q: sp.Symbol(f"W{q}{a}{b}")) for q in gates}
    U = {q: sp.Matrix(nn, dd, lambda a, b, q=q: sp.Symbol(f"U{q}{a}{b}")) for q in gates}
    if numeric is not None:  # exact integers from a float64 network (asserted integer by the caller)
        W = {q: sp.Matrix(numeric.block(q)[1].astype(int)) for q in gates}
        U = {q: sp.Matrix(numeric.block(q)[0].astype(int)) for q in gates}
    bi = {q: sp.Matrix(nn, 1, lambda a, b, q=q: sp.Symbol(f"bi{q}{a}") if biases else 0) for q in gates}
    bh = {q: sp.Matrix(nn, 1, lambda a, b, q=q: sp.Symbol(f"bh{q}{a}") if biases else 0) for q in gates}
    hv, cv, xv = sp.Matrix(sp.symbols(f"h0:{nn}")), sp.Matrix(sp.symbols(f"c0:{nn}")), sp.Matrix(sp.symbols(f"x0:{dd}"))
    pre = {q: (U[q] * xv + bi[q], W[q] * hv + bh[q]) for q in gates}
    S = lambda v: v.applyfunc(sig)  # noqa: E731
    if cell == "gru":
        r, z = S(sum(pre["r"], sp.zeros(nn, 1))), S(sum(pre["z"], sp.zeros(nn, 1)))
        nv = (pre["n"][0] + r.multiply_elementwise(pre["n"][1])).applyfunc(sp.tanh)
        F = (sp.ones(nn, 1) - z).multiply_elementwise(nv) + z.multiply_elementwise(hv)
        state = hv
    else:
        ig, fg, og = (S(sum(pre[q], sp.zeros(nn, 1))) for q in ("i", "f", "o"))
        c1 = fg.multiply_elementwise(cv) + ig.multiply_elementwise(sum(pre["g"], sp.zeros(nn, 1)).applyfunc(sp.tanh))
        F = sp.Matrix.vstack(og.multiply_elementwise(c1.applyfunc(sp.tanh)), c1)
        state = sp.Matrix.vstack(hv, cv)
    return W, U, bi, bh, F, state, xv, gates


for nn, dd in [(1, 1), (2, 1), (2, 2), (3, 1)]:
    for cell in ("gru", "lstm"):
        W, U, _, _, F, state, xv, _ = sym_gated(cell, nn, dd)
        at0 = {q: 0 for q in list(state) + list(xv)}
        J, Jx = F.jacobian(state).xreplace(at0), F.jacobian(xv).xreplace(at0)
        I = sp.eye(nn)
        if cell == "gru":
            ok = F.subs(at0) == sp.zeros(nn, 1) and mat_zero(J - (half * I + quarter * W["n"])) and mat_zero(Jx - half * U["n"])
            check(ok, f"GRU n = {nn}, d = {dd}: F(0) = 0, dF/dh = I/2 + W_hn/4, dF/dx = W_in/2 (all six gate matrices symbolic)")
        else:
            P, B = sp.Matrix.vstack(quarter * I, half * I), sp.Matrix.hstack(W["g"], I)
            ok = F.subs(at0) == sp.zeros(2 * nn, 1) and mat_zero(J - P * B) and mat_zero(Jx - P * U["g"])
            check(ok, f"LSTM n = {nn}, d = {dd}: F(0) = 0, d(h',c')/d(h,c) = P [W_hg I], d(h',c')/dx = P W_ig, P = [I/4; I/2]")

# the library's numpy closed form (any point, with biases) equals the symbolic Jacobian evaluated there
rng = np.random.default_rng(14)
for cell in ("gru", "lstm"):
    nn, dd = 2, 2
    W, U, bi, bh, F, state, xv, gates = sym_gated(cell, nn, dd, biases=True)
    vals = {}
    for q in gates:
        for M in (W[q], U[q], bi[q], bh[q]):
            vals.update({s_: float(rng.standard_normal()) for s_ in M.free_symbols})
    point = {s_: float(rng.standard_normal()) for s_ in list(state) + list(xv)}
    num = lambda M: np.array(M.xreplace(point).evalf(30), dtype=float)  # noqa: E731
    F = F.xreplace(vals)  # numeric weights first: small expressions
    W, U, bi, bh = ({q: M[q].xreplace(vals) for q in gates} for M in (W, U, bi, bh))
    w = GatedWeights(cell, np.vstack([num(U[q]) for q in gates]), np.vstack([num(W[q]) for q in gates]), np.zeros((dd, nn)),
                     np.concatenate([num(bi[q]).ravel() for q in gates]), np.concatenate([num(bh[q]).ravel() for q in gates]))
    st_vals = np.array([point[s_] for s_ in state])
    J_lib, Jx_lib = jacobian(w, st_vals[:nn], np.array([point[s_] for s_ in xv]), st_vals[nn:] if cell == "lstm" else None)
    err = max(np.abs(J_lib - num(F.jacobian(state))).max(), np.abs(Jx_lib - num(F.jacobian(xv))).max())
    # 1e-12: the numpy closed form is a few float64 products of O(1) numbers (rounding ~1e-15)
    check(bool(err < 1e-12), f"{cell}: gated.jacobian (numpy, with biases, random point) = SymPy Jacobian, max error {err:.1e}")

# %% [markdown]
# ## 3. The LSTM spectrum for every n: Sylvester's identity from two block factorizations
#
# With $P$ ($2n \times n$) and $B$ ($n \times 2n$), for $\lambda \ne 0$:
# $\begin{pmatrix} I_n & B \\ P & \lambda I_{2n}\end{pmatrix} = \begin{pmatrix} I_n & 0 \\ P & I_{2n}\end{pmatrix}\begin{pmatrix} I_n & B \\ 0 & \lambda I_{2n} - PB\end{pmatrix}
# = \begin{pmatrix} I_n - BP/\lambda & B \\ 0 & \lambda I_{2n}\end{pmatrix}\begin{pmatrix} I_n & 0 \\ P/\lambda & I_{2n}\end{pmatrix}$,
# so $\det(\lambda I_{2n} - PB) = \lambda^{2n}\det(I_n - BP/\lambda) = \lambda^n \det(\lambda I_n - BP)$ (both sides are polynomials,
# so the identity extends to $\lambda = 0$). The factorizations are checked with matrix symbols of symbolic size $n$.

# %%
nsym = sp.Symbol("n", integer=True, positive=True)
Pm, Bm = sp.MatrixSymbol("P", 2 * nsym, nsym), sp.MatrixSymbol("B", nsym, 2 * nsym)
lam = sp.Symbol("lambda", nonzero=True)
In, I2n = sp.Identity(nsym), sp.Identity(2 * nsym)
Zn2, Z2n = sp.ZeroMatrix(nsym, 2 * nsym), sp.ZeroMatrix(2 * nsym, nsym)
lhs = sp.BlockMatrix([[In, Bm], [Pm, lam * I2n]])
f1 = sp.BlockMatrix([[In, Zn2], [Pm, I2n]]) * sp.BlockMatrix([[In, Bm], [Z2n, lam * I2n - Pm * Bm]])
f2 = sp.BlockMatrix([[In - Bm * Pm / lam, Bm], [Z2n, lam * I2n]]) * sp.BlockMatrix([[In, Zn2], [Pm / lam, I2n]])


def blocks_equal(A, Bk) -> bool:
    A, Bk = sp.block_collapse(A), sp.block_collapse(Bk)
    return all(sp.simplify(sp.expand(A.blocks[a, b] - Bk.blocks[a, b])) == sp.ZeroMatrix(*A.blocks[a, b].shape)
               or sp.expand(A.blocks[a, b] - Bk.blocks[a, b]) == 0 for a in range(2) for b in range(2))


check(blocks_equal(lhs, f1) and blocks_equal(lhs, f2),
      "block factorizations hold for symbolic n => det(lam I_2n - PB) = lam^n det(lam I_n - BP) (Sylvester)")

for nn in (1, 2, 3):
    Wg = sp.Matrix(nn, nn, lambda a, b: sp.Symbol(f"w{a}{b}"))
    I = sp.eye(nn)
    P, B = sp.Matrix.vstack(quarter * I, half * I), sp.Matrix.hstack(Wg, I)
    M = B * P
    lm = sp.Symbol("lam")
    check(mat_zero(M - (half * I + quarter * Wg)) and sp.expand((P * B).charpoly(lm).as_expr() - lm**nn * M.charpoly(lm).as_expr()) == 0,
          f"n = {nn}: BP = I/2 + W_hg/4 and charpoly(J) = lam^n charpoly(I/2 + W_hg/4) (symbolic W_hg)")
    v = sp.Matrix(sp.symbols(f"v0:{nn}"))
    check(mat_zero(P * B * (P * v) - P * (M * v)) and mat_zero((P * v)[nn:, :] - 2 * (P * v)[:nn, :]),
          f"n = {nn}: J (P v) = P (M v), so eigenvectors lift to (v/4, v/2): c = 2h on the active subspace")
    h0, c0 = sp.Matrix(sp.symbols(f"p0:{nn}")), sp.Matrix(sp.symbols(f"q0:{nn}"))
    U = sp.Matrix(nn, 1, lambda a, b: sp.Symbol(f"u{a}"))
    xs = sp.Symbol("x_t")
    nxt = P * B * sp.Matrix.vstack(h0, 2 * h0) + P * U * xs  # one linearized step from a state with c = 2h
    check(mat_zero(nxt[nn:, :] - 2 * nxt[:nn, :]) and mat_zero(nxt[:nn, :] - (M * h0 + quarter * U * xs)),
          f"n = {nn}: from c = 2h the linearized LSTM stays on c = 2h and h' = (I/2 + W_hg/4) h + W_ig x/4")

# %% [markdown]
# ## 4. Compiled gated wave networks: the linearization is Psi Phi Psi^-1
#
# For any square $M$: $\tfrac12 I + \tfrac14(4M - 2I) = M$, $\tfrac12(2V) = V$, $\tfrac14(4V) = V$. Then exactly, for integer tasks in an
# integer unimodular basis (so $\Psi^{-1}$ is integer and every product is exact), through the SymPy cell.

# %%
Msym, Vsym = sp.MatrixSymbol("M", nsym, nsym), sp.MatrixSymbol("V", nsym, 1)
check(sp.simplify(half * In + quarter * (4 * Msym - 2 * In) - Msym) == sp.ZeroMatrix(nsym, nsym)
      and sp.simplify(half * (2 * Vsym) - Vsym) == sp.ZeroMatrix(nsym, 1),
      "W_hn = 4M - 2I, W_in = 2V  =>  linearization (M, V) for symbolic n (GRU; LSTM: W_hg = 4M - 2I, W_ig = 4V, same algebra)")

lm = sp.Symbol("lam")
for lags, label in [(repeat_copy(1, 2).lags, "repeat copy d=1 s=2"), (np.array([[[1.0]], [[-1.0]], [[1.0]]]), "x(t) = x(t-1) - x(t-2) + x(t-3)"),
                    (np.array([[[0.0, 1.0], [0.0, 0.0]], [[1.0, 0.0], [0.0, -1.0]]]), "d=2 s=2 signed selection")]:
    task = LinearHDS(lags)
    sd = task.s * task.d
    n_hidden = sd + 1  # one padding dimension with zero dynamics
    Psi = np.eye(n_hidden) + np.triu(rng.integers(-1, 2, size=(n_hidden, n_hidden)), 1)  # unimodular: det = 1
    for cell in ("gru", "lstm"):
        g = compile_gated(task, cell, Psi=Psi)
        W_int = np.round(g.weight_hh).astype(int)
        U_int = np.round(g.weight_ih).astype(int)
        assert np.array_equal(W_int, g.weight_hh) and np.array_equal(U_int, g.weight_ih)  # integer weights
        *_, F, state, xv, gates = sym_gated(cell, n_hidden, task.d, numeric=g)
        at0 = {q: 0 for q in list(state) + list(xv)}
        J = F.jacobian(state).xreplace(at0)
        Jx = F.jacobian(xv).xreplace(at0)
        if cell == "lstm":  # h-coordinates on c = 2h: W_eff = J_hh + J_hc / o0, o0 = 1/2
            J, Jx = J[:n_hidden, :n_hidden] + 2 * J[:n_hidden, n_hidden:], Jx[:n_hidden, :]
        Psi_s = sp.Matrix(Psi.astype(int))
        in_basis = Psi_s.inv() * J * Psi_s
        Phi_pad = sp.diag(symbolic_Phi(task), sp.zeros(n_hidden - sd, n_hidden - sd))
        Es = sp.zeros(n_hidden, task.d)
        Es[(task.s - 1) * task.d : sd, :] = sp.eye(task.d)
        ok = in_basis == Phi_pad and Psi_s.inv() * Jx == Es
        ok &= sp.Poly(in_basis[:sd, :sd].charpoly(lm).as_expr(), lm) == symbolic_charpoly(task)
        lin = linearize(g)  # the library's linearization (float64) agrees with the exact one
        ok &= bool(np.abs(lin.W_hh - np.array(J, dtype=float)).max() < 1e-12)  # integer entries, rounding-free up to 4 ops
        check(ok, f"{label}, {cell}: Psi^-1 J Psi = diag(Phi, 0), Psi^-1 J_x = E_s, charpoly = det(lam^s I - sum lam^(s-k) A_k)")

# %% [markdown]
# ## 5. Odd cell maps: no quadratic term, hence an O(eps^2) relative error at small amplitude
#
# Let $h(t;\epsilon)$ be the state driven by $\epsilon u$. Expand $h = \epsilon h_1 + \epsilon^2 h_2 + \epsilon^3 h_3 + \dots$ Then
# $h_1(t) = J h_1(t-1) + J_x u(t)$ (the linearization) and $h_2(t) = J h_2(t-1) + \tfrac12 Q(h_1(t-1), u(t))$ with $Q$ the
# second derivative of the cell map at 0. If $F$ is odd, $Q = 0$, $h_2 \equiv 0$ and $y/\epsilon = y_1 + O(\epsilon^2)$. Checked on one
# step of the cell along a ray $(\epsilon h, \epsilon c, \epsilon x)$ with symbolic $h, c, x$ and weights: the $\epsilon^2$ coefficient vanishes
# when the gate weights are zero and not otherwise.

# %%
eps = sp.Symbol("epsilon")
for cell in ("gru", "lstm"):
    W, U, _, _, F, state, xv, gates = sym_gated(cell, 2, 1)
    cand = "n" if cell == "gru" else "g"
    no_gates = {s_: 0 for q in gates if q != cand for s_ in list(W[q]) + list(U[q])}
    ray = {q: eps * q for q in list(state) + list(xv)}
    F0 = F.subs(no_gates)
    odd = mat_zero(F0.subs({q: -q for q in list(state) + list(xv)}, simultaneous=True) + F0)
    quad0 = [sp.diff(e.subs(ray, simultaneous=True), eps, 2).subs(eps, 0) for e in F0]
    quad = [sp.diff(e.subs(ray, simultaneous=True), eps, 2).subs(eps, 0) for e in F]
    check(odd and all(zero(qq) for qq in quad0) and not all(zero(qq) for qq in quad),
          f"{cell}: zero gate weights => F odd and d^2 F(eps v)/d eps^2 = 0 at 0; random gate weights => quadratic term != 0")

done("C14 gated linearization", 'n <= 3, d <= 2 (one-entry derivatives: symbolic n)')
