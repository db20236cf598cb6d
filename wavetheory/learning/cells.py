"""One registry of the recurrent cells: each cell's torch module, numpy network, weight keys, state update and readout.

Every place that names a cell reads ``CELLS`` (the trainer's ``TrainConfig.cell``, ``models.build_model``,
the weights files, the analysis lenses): a new cell touches three files -- its torch module with
``weights()`` / ``set_weights()`` / ``linearization()`` (learning/), its numpy network with ``run`` and a
``cell`` name (theory/), and one ``Cell`` line here naming both, its weight keys and its ``step``
(a function network -> ``dynamics.StateMap``, which may live in the torch module's file).
``tests/learning/test_cells.py`` runs the contract over every registered cell. Importable without torch or SymPy (``config`` reads the names, and the CLI starts without either): the torch
module and the torch state update are named by import path and loaded on first use.

Each network object (what ``analysis.analyze`` reads) is a ``LinearRNN`` -- the cell's linear part or
its linearization at 0 (C11, C14, C15, C16) -- with the numpy network attached as ``network`` (which
``run``s the cell: outputs and hidden states); a bias-free tanh Elman network is its own ``LinearRNN``.
The state update F(state, x) and its Jacobian at any state and input come from ``dynamics.state_map``.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from .._validate import as_float_array
from ..theory.gated import GatedWeights, Linearization, linearize
from ..theory.wave_operator import LinearRNN

__all__ = ["Cell", "CELLS", "CELL_NAMES", "ELMAN_KEYS", "BIAS_KEYS", "ElmanNetwork", "cell", "cell_of", "network_from_arrays"]

ELMAN_KEYS = ("W_hh", "W_uh", "W_hy")
BIAS_KEYS = ("bias_ih_l0", "bias_hh_l0")  # optional for the Elman cells, torch.nn.RNN's names


@dataclass(frozen=True)
class ElmanNetwork:
    """An Elman network with biases: h(t) = sigma(W_hh h(t-1) + W_uh u(t) + b), y(t) = W_hy h(t), h(-1) = 0 (C11).

    ``bias`` (H,) is torch's b_ih + b_hh (None: no bias); sigma is tanh (cell "rnn") or the identity ("linear").
    """

    rnn: LinearRNN
    bias: np.ndarray | None = None
    cell: str = "rnn"

    def __post_init__(self) -> None:
        if self.cell not in ("rnn", "linear"):
            raise ValueError(f"cell: expected 'rnn' or 'linear', got {self.cell!r}")
        if self.bias is not None:
            b = as_float_array(self.bias, "bias", ndim=1)
            if b.shape != (self.rnn.hidden,):
                raise ValueError(f"bias: expected shape ({self.rnn.hidden},), got {b.shape}")
            object.__setattr__(self, "bias", b)

    @property
    def nonlinearity(self) -> str:
        return "tanh" if self.cell == "rnn" else "linear"

    def run(self, inputs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(outputs (B, T, d), hidden states (B, T, H)) from h(-1) = 0."""
        if self.bias is None:
            return self.rnn.run(inputs, self.nonlinearity)
        inputs = as_float_array(inputs, "inputs", ndim=3)
        if inputs.shape[-1] != self.rnn.d:
            raise ValueError(f"inputs: expected last dimension d = {self.rnn.d}, got {inputs.shape[-1]}")
        B, T, _ = inputs.shape
        h, hs = np.zeros((B, self.rnn.hidden)), np.empty((B, T, self.rnn.hidden))
        drive = inputs @ self.rnn.W_uh.T + self.bias
        for t in range(T):
            h = h @ self.rnn.W_hh.T + drive[:, t]
            h = np.tanh(h) if self.cell == "rnn" else h
            hs[:, t] = h
        return hs @ self.rnn.W_hy.T, hs


def _elman(name: str) -> Callable[[dict], LinearRNN]:
    def read(a: dict) -> LinearRNN:
        rnn = LinearRNN(a["W_hh"], a["W_uh"], a["W_hy"])
        biases = [as_float_array(a[k], k, ndim=1) for k in BIAS_KEYS if k in a]
        bias = sum(biases) if biases else None
        if name == "rnn" and (bias is None or not np.any(bias)):
            return rnn  # the bias-free tanh network is its own LinearRNN (C11)
        return Linearization(rnn.W_hh, rnn.W_uh, rnn.W_hy, network=ElmanNetwork(rnn, bias, name))
    return read


def _gated(name: str) -> Callable[[dict], LinearRNN]:
    def read(a: dict) -> LinearRNN:
        w = GatedWeights.from_arrays(name, a)
        try:
            return linearize(w)  # at the zero fixed point (C14)
        except ValueError:  # biases move the fixed point off 0: W_hh reads the Jacobian at 0 (linearize's formulas,
            from ..theory.gated import _pre, jacobian, sigmoid  # LSTM in h-coordinates), the network runs itself

            J, J_x = jacobian(w)
            H = w.hidden
            if name == "gru":
                return Linearization(J, J_x, w.W_hy, network=w)
            o0 = sigmoid(sum(_pre(w, "o", np.zeros(H), np.zeros(w.d))))
            return Linearization(J[:H, :H] + J[:H, H:] / o0[None, :], J_x[:H], w.W_hy, network=w)
    return read


def _lru(a: dict) -> LinearRNN:
    from ..theory.diagonal_recurrence import DiagonalRecurrence  # SymPy behind it: loaded on first use, not by config

    return DiagonalRecurrence.from_lru(**a).linearization()


def _s4d(a: dict) -> LinearRNN:
    from ..theory.diagonal_recurrence import DiagonalRecurrence

    return DiagonalRecurrence.from_s4d(**a).linearization()


def _wave(a: dict) -> LinearRNN:
    from ..theory.wave_rnn import WaveRNN

    return WaveRNN(**a).linearization()


@dataclass(frozen=True)
class Cell:
    """One registered cell: ``name``, its torch ``module`` ("module:Class", built as Class(*args, d, hidden, **kwargs)),
    the weight ``keys`` of its files (``optional`` ones may be absent), ``gates`` (weight rows per hidden unit,
    for memory estimates), ``read`` (arrays -> the network object) and its claim."""

    name: str
    module: str
    keys: tuple[str, ...]
    read: Callable[[dict], LinearRNN]
    gates: int = 1  # W_hh is (gates H, H); the diagonal and wave cells count 2 (an upper bound of their weights)
    optional: tuple[str, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)
    claim: str = ""
    args: tuple = ()
    step: str = ".dynamics:elman_map"  # "module:function": network -> dynamics.StateMap (the torch state update)

    def build(self, d: int, hidden: int) -> Any:
        """A fresh torch module of this cell (PyTorch's or the cell's own initialization)."""
        path, attr = self.module.split(":")
        return getattr(importlib.import_module(path, __package__), attr)(*self.args, d, hidden, **self.kwargs)

    def network(self, arrays: dict[str, np.ndarray], suffix: str = "") -> LinearRNN:
        """The network object of a weights dict (keys with ``suffix``): a LinearRNN with the numpy network attached."""
        missing = [k + suffix for k in self.keys if k + suffix not in arrays]
        if missing:
            raise ValueError(f"missing key {missing[0]!r} of a {self.name!r} network; expected {', '.join(self.keys)}, "
                             f"found {sorted(arrays)}")
        a = {k: arrays[k + suffix] for k in self.keys + self.optional if k + suffix in arrays}
        return self.read(a)


_GATED_KEYS = ("weight_ih_l0", "weight_hh_l0", "W_hy")
CELLS: dict[str, Cell] = {c.name: c for c in (
    Cell("rnn", ".models:ElmanRNN", ELMAN_KEYS, _elman("rnn"), 1, BIAS_KEYS, claim="C7-C11"),
    Cell("gru", ".models:GatedRNN", _GATED_KEYS, _gated("gru"), 3, BIAS_KEYS, claim="C14", args=("gru",),
         step=".dynamics:gated_map"),
    Cell("lstm", ".models:GatedRNN", _GATED_KEYS, _gated("lstm"), 4, BIAS_KEYS, claim="C14", args=("lstm",),
         step=".dynamics:gated_map"),
    Cell("linear", ".models:ElmanRNN", ELMAN_KEYS, _elman("linear"), 1, BIAS_KEYS, {"linear": True}, "C16"),
    Cell("lru", ".state_space:LRU", ("nu_log", "theta_log", "gamma_log", "B_re", "B_im", "C_re", "C_im"),
         _lru, 2, claim="C15", step=".dynamics:diagonal_map"),
    Cell("s4d", ".state_space:S4D", ("A_re_log", "A_im", "log_dt", "B_re", "B_im", "C_re", "C_im"),
         _s4d, 2, claim="C15", step=".dynamics:diagonal_map"),
    Cell("wrnn", ".wave_rnn:WaveRNNCell", ("K", "b_K", "W_x", "b_x", "W_y", "b_y"),
         _wave, 2, claim="C13", step=".dynamics:wave_map"),
)}
CELL_NAMES = tuple(CELLS)


def cell(name: str) -> Cell:
    """The registered cell ``name`` (ValueError naming the registered ones otherwise)."""
    if name not in CELLS:
        raise ValueError(f"cell: expected one of {', '.join(CELLS)}, got {name!r}")
    return CELLS[name]


def cell_of(net: object) -> str:
    """The registered name of a network object: its ``network.cell`` ("diagonal" reads as "lru"), else "rnn"."""
    inner = getattr(net, "network", None) or net
    name = getattr(inner, "cell", "rnn")
    return "lru" if name == "diagonal" else name


def network_from_arrays(cell_name: str, arrays: dict[str, np.ndarray], suffix: str = "") -> LinearRNN:
    """The network object of a cell's weight arrays (``Cell.network``; ValueError naming a missing key)."""
    return cell(cell_name).network(arrays, suffix)


def copy_parameters(pairs: list[tuple[Any, np.ndarray]] | tuple, names: tuple[str, ...] | None = None) -> None:
    """Copy numpy arrays into torch parameters in place (ValueError naming the first shape that differs).

    The one weight-copy loop of every cell's ``set_weights``; ``names`` label the pairs in the error (default "weights").
    """
    import torch

    with torch.no_grad():
        for i, (p, w) in enumerate(pairs):
            w = np.asarray(w)
            if tuple(p.shape) != w.shape:
                label = names[i] if names else "weights"
                raise ValueError(f"{label}: expected shape {tuple(p.shape)}, got {w.shape}")
            p.copy_(torch.as_tensor(w, dtype=p.dtype))
