"""Every registered cell as a batched float64 torch map: state update F(state, x), readout, rollouts, Jacobians (C11, C14).

The lenses (fixed points, operating point, Lyapunov spectrum) need one thing of a cell: its state
update, differentiable and batched. The state is what the update needs to continue:

    Elman (tanh or linear, with biases)  h (H)        h' = sigma(W_hh h + W_uh x + b)
    GRU                                   h (H)        gated.step
    LSTM                                  [h; c] (2H)  gated.step (h first, as gated.jacobian)
    LRU / S4D                             [Re h; Im h] the exact real form (DiagonalRecurrence.linearization)
    wave-RNN                              h (c n)      relu(W_x x + b_x + M h + b_K)

``hidden`` is the part of the state that ``network.run`` returns as hidden states (all of it but the LSTM's c).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch

from .._validate import as_float_array
from ..theory.diagonal_recurrence import DiagonalRecurrence
from ..theory.gated import GATES, GatedWeights
from ..theory.wave_operator import LinearRNN
from ..theory.wave_rnn import WaveRNN
from .cells import CELLS, ElmanNetwork, cell_of

__all__ = ["StateMap", "state_map", "elman_map", "gated_map", "diagonal_map", "wave_map"]

Tensor = torch.Tensor


def _t(a: np.ndarray) -> Tensor:
    return torch.as_tensor(np.asarray(a, dtype=np.float64))


@dataclass(frozen=True)
class StateMap:
    """A cell's one-step map on batched float64 states: F(state (B, n), x (B, d)) -> (B, n); readout -> (B, d)."""

    cell: str
    n: int
    d: int
    hidden: int  # the first ``hidden`` state entries are the hidden states of ``network.run``
    F: Callable[[Tensor, Tensor], Tensor]
    readout: Callable[[Tensor], Tensor]

    def rollout(self, inputs: np.ndarray | Tensor, state0: Tensor | None = None) -> Tensor:
        """States (B, T, n) of the map driven by inputs (B, T, d) from state0 (default 0)."""
        u = _t(inputs) if not isinstance(inputs, Tensor) else inputs.double()
        if u.ndim != 3 or u.shape[-1] != self.d:
            raise ValueError(f"inputs: expected shape (B, T, d={self.d}), got {tuple(u.shape)}")
        h = torch.zeros(u.shape[0], self.n, dtype=torch.float64) if state0 is None else state0
        out = []
        with torch.no_grad():
            for t in range(u.shape[1]):
                h = self.F(h, u[:, t])
                out.append(h)
        return torch.stack(out, dim=1)

    def jacobians(self, states: Tensor, x: Tensor) -> Tensor:
        """dF/dstate at each (state, x): (B, n, n) for states (B, n), x (B, d) or (d,)."""
        x = x.expand(states.shape[0], self.d) if x.ndim == 1 else x
        f = lambda h, u: self.F(h[None], u[None])[0]  # noqa: E731 - one sample for vmap
        return torch.func.vmap(torch.func.jacrev(f, argnums=0))(states, x)

    def jacobian(self, state: np.ndarray, x: np.ndarray | None = None) -> np.ndarray:
        """dF/dstate (n, n) at one state and input (default x = 0): the cell's linearization there (C11, C14)."""
        state = as_float_array(state, "state", ndim=1)
        if state.shape != (self.n,):
            raise ValueError(f"state: expected shape ({self.n},), got {state.shape}")
        x = np.zeros(self.d) if x is None else as_float_array(x, "x", ndim=1)
        return self.jacobians(_t(state)[None], _t(x)[None])[0].numpy()


def _sig(a: Tensor) -> Tensor:
    return torch.sigmoid(a)


def _gated(w: GatedWeights) -> tuple[Callable, int]:
    H = w.hidden
    blocks = {g: tuple(_t(a) for a in w.block(g)) for g in GATES[w.cell]}

    def pre(g: str, h: Tensor, x: Tensor) -> tuple[Tensor, Tensor]:
        Wi, Wh, bi, bh = blocks[g]
        return x @ Wi.T + bi, h @ Wh.T + bh

    if w.cell == "gru":
        def F(h: Tensor, x: Tensor) -> Tensor:
            r, z = _sig(sum(pre("r", h, x))), _sig(sum(pre("z", h, x)))
            xn, hn = pre("n", h, x)
            return (1 - z) * torch.tanh(xn + r * hn) + z * h
        return F, H

    def F_lstm(state: Tensor, x: Tensor) -> Tensor:
        h, c = state[:, :H], state[:, H:]
        i, f, o = (_sig(sum(pre(g, h, x))) for g in ("i", "f", "o"))
        c_new = f * c + i * torch.tanh(sum(pre("g", h, x)))
        return torch.cat([o * torch.tanh(c_new), c_new], dim=1)
    return F_lstm, 2 * H


def elman_map(inner: ElmanNetwork) -> StateMap:
    """Elman (tanh or linear, biases): F(h, x) = sigma(W_hh h + W_uh x + b), readout W_hy h (C11, C16)."""
    W, U, V = _t(inner.rnn.W_hh), _t(inner.rnn.W_uh), _t(inner.rnn.W_hy)
    b = torch.zeros(inner.rnn.hidden, dtype=torch.float64) if inner.bias is None else _t(inner.bias)
    act = torch.tanh if inner.cell == "rnn" else (lambda a: a)
    H = inner.rnn.hidden
    return StateMap(inner.cell, H, inner.rnn.d, H, lambda h, x: act(h @ W.T + x @ U.T + b), lambda h: h @ V.T)


def gated_map(inner: GatedWeights) -> StateMap:
    """GRU on h, LSTM on [h; c] (gated.step's equations), readout W_hy h (C14)."""
    F, n = _gated(inner)
    V = _t(inner.W_hy)
    return StateMap(inner.cell, n, inner.d, inner.hidden, F, lambda s: s[:, : inner.hidden] @ V.T)


def diagonal_map(inner: DiagonalRecurrence) -> StateMap:
    """LRU / S4D in their exact real form [Re h; Im h]: F(h, x) = W h + U x, readout Re(C h) (C15)."""
    lin = inner.linearization()
    W, U, V = _t(lin.W_hh), _t(lin.W_uh), _t(lin.W_hy)
    return StateMap(cell_of(inner), lin.hidden, lin.d, lin.hidden, lambda h, x: h @ W.T + x @ U.T, lambda h: h @ V.T)


def wave_map(inner: WaveRNN) -> StateMap:
    """The wave-RNN: F(h, x) = relu(W_x x + b_x + M h + b_K), readout W_y h + b_y (C13)."""
    M, Wx, Wy = _t(inner.recurrence()), _t(inner.W_x), _t(inner.W_y)
    b, by = _t(inner.b_x + np.repeat(inner.b_K, inner.positions)), _t(inner.b_y)
    n = M.shape[0]
    return StateMap("wrnn", n, Wx.shape[1], n, lambda h, x: torch.relu(x @ Wx.T + h @ M.T + b), lambda h: h @ Wy.T + by)


def state_map(net: object, nonlinearity: str = "tanh") -> StateMap:
    """The StateMap of any network object the analysis reads: its registered cell's ``step`` builder (``cells.Cell``).

    A plain ``LinearRNN`` is a bias-free Elman network with ``nonlinearity`` ("tanh" or "linear");
    any other network runs as its cell (a linear Elman network, biases, gates, ...).
    """
    inner = getattr(net, "network", None) or net
    if isinstance(inner, LinearRNN):
        if nonlinearity not in ("tanh", "linear"):
            raise ValueError(f"nonlinearity: expected 'tanh' or 'linear', got {nonlinearity!r}")
        return elman_map(ElmanNetwork(inner, None, "rnn" if nonlinearity == "tanh" else "linear"))
    name = cell_of(net)
    if name not in CELLS or not hasattr(inner, "run"):
        raise TypeError(f"net: expected a network of a registered cell (LinearRNN, GatedWeights, DiagonalRecurrence, "
                        f"WaveRNN or their Linearization), got {type(inner).__name__}")
    path, attr = CELLS[name].step.split(":")
    return getattr(importlib.import_module(path, __package__), attr)(inner)
