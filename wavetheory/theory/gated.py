"""GRU and LSTM cells at their zero fixed point: linearizations and compiled gated wave networks (THEORY.md C14).

PyTorch conventions (one layer, ``torch.nn.GRU`` / ``torch.nn.LSTM``), gate blocks of H rows stacked
in ``weight_ih_l0`` (G H, d) and ``weight_hh_l0`` (G H, H): GRU r, z, n (G = 3), LSTM i, f, g, o (G = 4).

    GRU:  r = sig(W_ir x + W_hr h + b_r),  z = sig(W_iz x + W_hz h + b_z),
          n = tanh(W_in x + b_in + r * (W_hn h + b_hn)),  h' = (1 - z) * n + z * h
    LSTM: i, f, o = sig(W_i* x + W_h* h + b_*),  g = tanh(W_ig x + W_hg h + b_g),
          c' = f * c + i * g,  h' = o * tanh(c')

Without biases the zero state is a fixed point (r = z = i = f = o = 1/2, n = g = 0) and

    GRU:  dh'/dh = (1/2) I + (1/4) W_hn,                      dh'/dx = (1/2) W_in
    LSTM: d(h', c')/d(h, c) = [(1/4) I; (1/2) I] [W_hg  I],   d(h', c')/dx = [(1/4) I; (1/2) I] W_ig

The LSTM Jacobian is a product (2H x H)(H x 2H): rank <= H, and its non-zero spectrum is that of
the swapped product [W_hg I][(1/4) I; (1/2) I] = (1/2) I + (1/4) W_hg, with H further zeros. On the
invariant subspace c = 2 h (reached after one step from h = c = 0) the LSTM linearization is the
Elman linear RNN h(t) = ((1/2) I + (1/4) W_hg) h(t-1) + (1/4) W_ig x(t). With biases the zero state
is a fixed point iff the candidate vanishes there (GRU: b_in + r0 * b_hn = 0; LSTM: b_ig + b_hg = 0)
and the gate values r0, z0, i0, f0, o0 replace the halves (``linearize``). Proof:
proofs/c14_gated_linearization.py; closed forms are tested against torch.autograd.

Compiling (``from_linear``, ``compile_gated``): a gated network whose linearization is a given
linear RNN (W_hh, W_uh, W_hy) -- in particular the wave RNN Psi Phi Psi^-1 (C3) -- has
GRU W_hn = 4 W_hh - 2 I, W_in = 2 W_uh; LSTM W_hg = 4 W_hh - 2 I, W_ig = 4 W_uh; the other gate
weights do not enter the linearization (zero by default, random with ``gate_scale``); gate biases
(``gate_bias``) move the gate values and the formulas with them.

Where the linearization holds (``amplitude_errors``): driven at input amplitude eps, a compiled network
outputs eps y_lin + O(eps^3) when its cell map is odd (zero gate weights: gates are constants), so
y/eps has relative error O(eps^2); gate weights add a quadratic term (gate deviation x signal): O(eps).
At eps = 1 the bias-free compiled cells lose signs: with the leak z = f = 1/2 the old slot content
z * h (f * c) is cancelled by the candidate's -2 I only in the linear regime. Biases that close the
leak (z0, f0 -> 0) keep the same linearization and restore the wave at +-1 inputs (claims.gated_measurements).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .tasks import LinearHDS
from .._validate import as_float_array, finite_float, positive_float, rng as as_rng
from ..stats import log_slope
from .wave_operator import LinearRNN, compile_rnn

__all__ = [
    "CELLS", "GATES", "GatedWeights", "Linearization", "sigmoid", "step", "jacobian", "zero_residual",
    "linearize", "from_linear", "compile_gated", "torch_module", "autograd_jacobian", "network_run",
    "amplitude_errors",
]

CELLS = ("gru", "lstm")
GATES = {"gru": ("r", "z", "n"), "lstm": ("i", "f", "g", "o")}
FIXED_POINT_TOL = 1e-12  # |F(0)| above this (float64 rounding of a few products) means 0 is no fixed point


def sigmoid(a: np.ndarray) -> np.ndarray:
    """The logistic function 1 / (1 + exp(-a)), stable for large |a|.

    >>> float(sigmoid(np.array(0.0)))
    0.5
    """
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(a, dtype=np.float64)))


@dataclass(frozen=True)
class GatedWeights:
    """One GRU or LSTM layer in torch's layout plus a linear readout y = W_hy h (C14).

    Shapes: weight_ih (G H, d), weight_hh (G H, H), W_hy (d, H), biases (G H,) or None,
    with G = 3 (GRU: r, z, n) or 4 (LSTM: i, f, g, o).
    """

    cell: str
    weight_ih: np.ndarray
    weight_hh: np.ndarray
    W_hy: np.ndarray
    bias_ih: np.ndarray | None = None
    bias_hh: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.cell not in CELLS:
            raise ValueError(f"cell: expected one of {', '.join(CELLS)}, got {self.cell!r}")
        G = len(GATES[self.cell])
        W_hh = as_float_array(self.weight_hh, "weight_hh", ndim=2)
        H = W_hh.shape[1]
        if W_hh.shape != (G * H, H):
            raise ValueError(f"weight_hh: expected shape ({G}H, H) for a {self.cell} (gates {', '.join(GATES[self.cell])}), got {W_hh.shape}")
        W_ih = as_float_array(self.weight_ih, "weight_ih", ndim=2)
        if W_ih.shape[0] != G * H:
            raise ValueError(f"weight_ih: expected shape ({G * H}, d), got {W_ih.shape}")
        W_hy = as_float_array(self.W_hy, "W_hy", ndim=2)
        if W_hy.shape != (W_ih.shape[1], H):
            raise ValueError(f"W_hy: expected shape (d={W_ih.shape[1]}, H={H}), got {W_hy.shape}")
        for name, v in (("weight_ih", W_ih), ("weight_hh", W_hh), ("W_hy", W_hy)):
            object.__setattr__(self, name, v)
        for name in ("bias_ih", "bias_hh"):
            b = getattr(self, name)
            if b is not None:
                b = as_float_array(b, name, ndim=1)
                if b.shape != (G * H,):
                    raise ValueError(f"{name}: expected shape ({G * H},), got {b.shape}")
                object.__setattr__(self, name, b)

    @property
    def hidden(self) -> int:
        return int(self.weight_hh.shape[1])

    @property
    def d(self) -> int:
        return int(self.weight_ih.shape[1])

    def block(self, gate: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(W_i<gate> (H, d), W_h<gate> (H, H), b_i<gate> (H,), b_h<gate> (H,)) of one gate (zero biases when None)."""
        g = GATES[self.cell].index(gate)
        rows = slice(g * self.hidden, (g + 1) * self.hidden)
        zero = np.zeros(self.hidden)
        return (self.weight_ih[rows], self.weight_hh[rows],
                zero if self.bias_ih is None else self.bias_ih[rows], zero if self.bias_hh is None else self.bias_hh[rows])

    def arrays(self, prefix: str = "") -> dict[str, np.ndarray]:
        """The npz layout: weight_ih_l0, weight_hh_l0, W_hy (and bias_*_l0), with an optional key suffix."""
        out = {"weight_ih_l0": self.weight_ih, "weight_hh_l0": self.weight_hh, "W_hy": self.W_hy}
        if self.bias_ih is not None:
            out["bias_ih_l0"] = self.bias_ih
        if self.bias_hh is not None:
            out["bias_hh_l0"] = self.bias_hh
        return {k + prefix: v for k, v in out.items()}

    @classmethod
    def from_arrays(cls, cell: str, arrays: dict, suffix: str = "") -> "GatedWeights":
        """Inverse of ``arrays`` (ValueError naming a missing key)."""
        for k in ("weight_ih_l0", "weight_hh_l0", "W_hy"):
            if k + suffix not in arrays:
                raise ValueError(f"missing key {k + suffix!r} for a {cell} network, found {sorted(arrays)}")
        return cls(cell, arrays["weight_ih_l0" + suffix], arrays["weight_hh_l0" + suffix], arrays["W_hy" + suffix],
                   arrays.get("bias_ih_l0" + suffix), arrays.get("bias_hh_l0" + suffix))

    def run(self, inputs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Run from h = c = 0 on inputs (B, T, d): (outputs (B, T, d), hidden states h (B, T, H))."""
        inputs = as_float_array(inputs, "inputs", ndim=3)
        if inputs.shape[-1] != self.d:
            raise ValueError(f"inputs: expected last dimension d = {self.d}, got {inputs.shape[-1]}")
        B, T, _ = inputs.shape
        h = np.zeros((B, self.hidden))
        c = np.zeros((B, self.hidden)) if self.cell == "lstm" else None
        hs = np.empty((B, T, self.hidden))
        for t in range(T):
            h, c = step(self, h, inputs[:, t], c)
            hs[:, t] = h
        return hs @ self.W_hy.T, hs


def _pre(w: GatedWeights, gate: str, h: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(input part W_i x + b_i, hidden part W_h h + b_h) of one gate's pre-activation, shape (..., H) each."""
    Wi, Wh, bi, bh = w.block(gate)
    return x @ Wi.T + bi, h @ Wh.T + bh


def step(w: GatedWeights, h: np.ndarray, x: np.ndarray, c: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray | None]:
    """One step of the cell (equations in the module docstring): (h', c') with c' = None for a GRU.

    Shapes: h (..., H), x (..., d), c (..., H) -> h' (..., H), c' (..., H).
    """
    if w.cell == "gru":
        r = sigmoid(sum(_pre(w, "r", h, x)))
        z = sigmoid(sum(_pre(w, "z", h, x)))
        xn, hn = _pre(w, "n", h, x)
        n = np.tanh(xn + r * hn)
        return (1.0 - z) * n + z * h, None
    c = np.zeros_like(h) if c is None else c
    i, f, o = (sigmoid(sum(_pre(w, q, h, x))) for q in ("i", "f", "o"))
    c_new = f * c + i * np.tanh(sum(_pre(w, "g", h, x)))
    return o * np.tanh(c_new), c_new


def jacobian(
    w: GatedWeights, h: np.ndarray | None = None, x: np.ndarray | None = None, c: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Closed-form Jacobians of one step at (h, c, x) (default all zero): (dF/dstate, dF/dx).

    GRU (state h): dh'/dh = diag((1-z) n') [diag(r) W_hn + diag(m r') W_hr] + diag(z) + diag((h-n) z') W_hz,
    m = W_hn h + b_hn, n' = 1 - n^2, r' = r (1 - r), z' = z (1 - z); shapes (H, H), (H, d).
    LSTM (state (h, c), h first): dc'/dh = diag(c f') W_hf + diag(g i') W_hi + diag(i g') W_hg, dc'/dc = diag(f),
    dh'/d. = diag(tau o') W_.o + diag(o (1 - tau^2)) dc'/d., tau = tanh(c'); shapes (2H, 2H), (2H, d).  (C14)
    """
    H, d = w.hidden, w.d
    h = np.zeros(H) if h is None else as_float_array(h, "h", ndim=1)
    x = np.zeros(d) if x is None else as_float_array(x, "x", ndim=1)
    if h.shape != (H,) or x.shape != (d,):
        raise ValueError(f"h, x: expected shapes ({H},) and ({d},), got {h.shape} and {x.shape}")
    D = np.diag
    if w.cell == "gru":
        (Wir, Whr, *_), (Wiz, Whz, *_), (Win, Whn, *_) = (w.block(q) for q in GATES["gru"])
        r = sigmoid(sum(_pre(w, "r", h, x)))
        z = sigmoid(sum(_pre(w, "z", h, x)))
        xn, m = _pre(w, "n", h, x)
        n = np.tanh(xn + r * m)
        a, dz = (1 - z) * (1 - n**2), (h - n) * z * (1 - z)
        J_h = D(a) @ (D(r) @ Whn + D(m * r * (1 - r)) @ Whr) + D(z) + D(dz) @ Whz
        J_x = D(a) @ (Win + D(m * r * (1 - r)) @ Wir) + D(dz) @ Wiz
        return J_h, J_x
    c = np.zeros(H) if c is None else as_float_array(c, "c", ndim=1)
    if c.shape != (H,):
        raise ValueError(f"c: expected shape ({H},), got {c.shape}")
    (Wii, Whi, *_), (Wif, Whf, *_), (Wig, Whg, *_), (Wio, Who, *_) = (w.block(q) for q in GATES["lstm"])
    i, f, o = (sigmoid(sum(_pre(w, q, h, x))) for q in ("i", "f", "o"))
    g = np.tanh(sum(_pre(w, "g", h, x)))
    tau = np.tanh(f * c + i * g)
    dc_dh = D(c * f * (1 - f)) @ Whf + D(g * i * (1 - i)) @ Whi + D(i * (1 - g**2)) @ Whg
    dc_dx = D(c * f * (1 - f)) @ Wif + D(g * i * (1 - i)) @ Wii + D(i * (1 - g**2)) @ Wig
    out_o, out_c = D(tau * o * (1 - o)), D(o * (1 - tau**2))
    J = np.block([[out_o @ Who + out_c @ dc_dh, out_c @ D(f)], [dc_dh, D(f)]])
    J_x = np.concatenate([out_o @ Wio + out_c @ dc_dx, dc_dx])
    return J, J_x


def zero_residual(w: GatedWeights) -> float:
    """max |F(0, 0)| over the state: 0 iff the zero state is a fixed point of the input-free cell."""
    h, c = step(w, np.zeros(w.hidden), np.zeros(w.d), np.zeros(w.hidden) if w.cell == "lstm" else None)
    return float(max(np.abs(h).max(), 0.0 if c is None else np.abs(c).max()))


@dataclass(frozen=True)
class Linearization(LinearRNN):
    """The Elman linear RNN (W_hh, W_uh, W_hy) equal to a gated network's linearization at 0, plus the network.

    Analysis code reads W_hh, W_uh, W_hy like any Elman network's (spectrum, basis, gradients) and
    takes hidden states from ``network.run`` (the gated cell itself) for the wave measurements.
    """

    network: GatedWeights | None = None


def linearize(w: GatedWeights) -> Linearization:
    """The Elman linear RNN of a gated network at its zero fixed point (ValueError when 0 is no fixed point).

    GRU: W_hh = J_h, W_uh = J_x at 0 (no bias: (1/2) I + (1/4) W_hn, (1/2) W_in).
    LSTM, in h-coordinates (h = diag(o0) c on the linearization's reachable subspace):
    W_hh = diag(f0) + diag(o0 i0) W_hg, W_uh = diag(o0 i0) W_ig (no bias: (1/2) I + (1/4) W_hg, (1/4) W_ig).  (C14)
    """
    res = zero_residual(w)
    if res > FIXED_POINT_TOL:
        raise ValueError(f"bias_ih, bias_hh: the zero state is not a fixed point (|F(0)| = {res:.3g}); "
                         "GRU needs b_in + sig(b_r) * b_hn = 0, LSTM b_ig + b_hg = 0")
    J, J_x = jacobian(w)
    H = w.hidden
    if w.cell == "gru":
        return Linearization(J, J_x, w.W_hy, network=w)
    o0 = sigmoid(sum(_pre(w, "o", np.zeros(H), np.zeros(w.d))))  # > 0, so h = diag(o0) c is invertible
    W_hh = J[:H, :H] + J[:H, H:] / o0[None, :]  # J_hh + J_hc diag(o0)^-1
    return Linearization(W_hh, J_x[:H], w.W_hy, network=w)


def from_linear(
    rnn: LinearRNN, cell: str, gate_scale: float = 0.0, rng: np.random.Generator | int | None = None, gate_bias: float = 0.0,
) -> GatedWeights:
    """A gated network whose linearization at 0 is ``rnn`` (C14).

    Bias-free (gate_bias = 0): GRU W_hn = 4 W_hh - 2 I, W_in = 2 W_uh; LSTM W_hg = 4 W_hh - 2 I, W_ig = 4 W_uh.
    With gate_bias b the gates sit at g0 = sig(b) (GRU r, LSTM i and o) and sig(-b) (GRU z, LSTM f):
    GRU W_hn = (W_hh - z0 I) / ((1 - z0) r0), W_in = W_uh / (1 - z0); LSTM W_hg = (W_hh - f0 I) / (o0 i0),
    W_ig = W_uh / (o0 i0). Large b closes the leak (z, f -> 0) and opens the candidate: the GRU tends to the
    tanh Elman cell h' = tanh(W_hh h + W_uh x). Readout W_hy. The other gates' weights get
    N(0, gate_scale^2 / H) entries (they do not enter the linearization).
    """
    if cell not in CELLS:
        raise ValueError(f"cell: expected one of {', '.join(CELLS)}, got {cell!r}")
    gate_scale = positive_float(gate_scale, "gate_scale", allow_zero=True)
    gate_bias = finite_float(gate_bias, "gate_bias")
    H, d = rnn.hidden, rnn.d
    rng = as_rng(rng, "rng")
    gates = GATES[cell]
    W_hh = rng.standard_normal((len(gates) * H, H)) * gate_scale / np.sqrt(H)
    W_ih = rng.standard_normal((len(gates) * H, d)) * gate_scale / np.sqrt(H)
    on, off = float(sigmoid(np.array(gate_bias))), float(sigmoid(np.array(-gate_bias)))  # sig(b), sig(-b) = 1 - sig(b)
    leak, gain = off, (1 - off) * on if cell == "gru" else on * on  # W_eff = leak I + gain W_cand
    k = gates.index("n" if cell == "gru" else "g")
    W_hh[k * H : (k + 1) * H] = (rnn.W_hh - leak * np.eye(H)) / gain
    W_ih[k * H : (k + 1) * H] = rnn.W_uh / (1 - off if cell == "gru" else gain)
    if gate_bias == 0:
        return GatedWeights(cell, W_ih, W_hh, rnn.W_hy)
    bias = np.zeros(len(gates) * H)
    for q, b in (("r", gate_bias), ("z", -gate_bias)) if cell == "gru" else (("i", gate_bias), ("f", -gate_bias), ("o", gate_bias)):
        bias[gates.index(q) * H : (gates.index(q) + 1) * H] = b
    return GatedWeights(cell, W_ih, W_hh, rnn.W_hy, bias_ih=bias, bias_hh=np.zeros_like(bias))


def compile_gated(
    task: LinearHDS, cell: str, Psi: np.ndarray | None = None, hidden: int | None = None,
    gate_scale: float = 0.0, rng: np.random.Generator | int | None = None, gate_bias: float = 0.0,
) -> GatedWeights:
    """The compiled gated wave network: linearization at 0 = (Psi Phi Psi^-1, Psi E_s, E_s^T Psi^-1) (C3, C14)."""
    return from_linear(compile_rnn(task, Psi, hidden), cell, gate_scale, rng, gate_bias)


def network_run(net: LinearRNN | GatedWeights, inputs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(outputs, hidden states) of a gated network, or of an Elman network with tanh (C11)."""
    if isinstance(net, Linearization) and net.network is not None:
        net = net.network
    if isinstance(net, GatedWeights):
        return net.run(inputs)
    if isinstance(net, LinearRNN):
        return net.run(inputs, "tanh")
    raise TypeError(f"net: expected a GatedWeights or LinearRNN, got {type(net).__name__}")


# --------------------------------------------------------------------------- torch (autograd road)


def torch_module(w: GatedWeights):
    """A float64 ``torch.nn.GRU`` / ``torch.nn.LSTM`` (batch_first) holding the weights (torch imported here)."""
    import torch

    cls = torch.nn.GRU if w.cell == "gru" else torch.nn.LSTM
    biased = w.bias_ih is not None or w.bias_hh is not None
    m = cls(w.d, w.hidden, bias=biased, batch_first=True).double()
    zero = np.zeros(w.weight_hh.shape[0])
    with torch.no_grad():
        m.weight_ih_l0.copy_(torch.from_numpy(w.weight_ih))
        m.weight_hh_l0.copy_(torch.from_numpy(w.weight_hh))
        if biased:
            m.bias_ih_l0.copy_(torch.from_numpy(zero if w.bias_ih is None else w.bias_ih))
            m.bias_hh_l0.copy_(torch.from_numpy(zero if w.bias_hh is None else w.bias_hh))
    return m


def autograd_jacobian(
    w: GatedWeights, h: np.ndarray | None = None, x: np.ndarray | None = None, c: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """``jacobian`` by torch.autograd through torch's own cell (float64): the second road (C14)."""
    import torch

    m = torch_module(w)
    H, d = w.hidden, w.d
    h = torch.zeros(H, dtype=torch.float64) if h is None else torch.as_tensor(h, dtype=torch.float64)
    x = torch.zeros(d, dtype=torch.float64) if x is None else torch.as_tensor(x, dtype=torch.float64)
    if w.cell == "gru":
        J_h, J_x = torch.autograd.functional.jacobian(lambda hh, xx: m(xx[None, None], hh[None, None])[1][0, 0], (h, x))
        return J_h.numpy(), J_x.numpy()
    c = torch.zeros(H, dtype=torch.float64) if c is None else torch.as_tensor(c, dtype=torch.float64)

    def f(state, xx):
        _, (h1, c1) = m(xx[None, None], (state[None, None, :H], state[None, None, H:]))
        return torch.cat([h1[0, 0], c1[0, 0]])

    J, J_x = torch.autograd.functional.jacobian(f, (torch.cat([h, c]), x))
    return J.numpy(), J_x.numpy()


# --------------------------------------------------------------------------- where the linearization holds


def amplitude_errors(
    net: LinearRNN | GatedWeights, task: LinearHDS, eps: np.ndarray, horizon: int,
    batch: int = 64, rng: np.random.Generator | int | None = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Relative output error and sign accuracy of a compiled network driven at input amplitude eps (C14).

    Inputs eps * u (u the two-phase +-1 inputs), outputs read as y / eps against the targets:
    err(eps) = ||y / eps - x||_F / ||x||_F over the output phase. Returns (err (m,), accuracy (m,)).
    Elman networks (LinearRNN) run with tanh (C11), gated ones with their cell. The error vanishes as
    eps -> 0 only when the linearization realizes the task's two-phase map (C12: e.g. only A_s != 0).
    """
    from .two_phase import two_phase_batch

    eps = as_float_array(eps, "eps", ndim=1)
    if np.any(eps <= 0):
        raise ValueError(f"eps: expected positive amplitudes, got {eps}")
    u, x = two_phase_batch(task, batch, horizon, rng)  # (B, s + horizon, d), (B, horizon, d)
    err, acc = np.empty(len(eps)), np.empty(len(eps))
    for k, e in enumerate(eps):
        y = network_run(net, e * u)[0][:, task.s :] / e
        err[k] = np.linalg.norm(y - x) / np.linalg.norm(x)
        nz = x != 0
        acc[k] = np.mean((y * x)[nz] > 0) if nz.any() else 1.0
    return err, acc
