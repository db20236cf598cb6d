"""The recurrent networks the trainer fits: tanh Elman (THEORY.md section 5), bias-free GRU and LSTM (C14).

    h(t) = tanh(W_hh h(t-1) + W_uh u(t)),   y(t) = W_hy h(t),   h(-1) = 0       (Elman, torch.nn.RNN naming)

the linear Elman RNN (the same without tanh, C16), and, from their own modules, the LRU and S4D
(``state_space``, C15) and Keller et al.'s wave-RNN (``wave_rnn``, C13); and their initializations:
PyTorch's default, the pure block shift, or the wave solution (C13).
"""

from __future__ import annotations

import numpy as np
import torch

from ..theory.gated import CELLS, GatedWeights, Linearization, from_linear, linearize
from ..theory.tasks import HDS, LinearHDS
from ..theory.wave_operator import LinearRNN, compile_rnn, make_basis
from .cells import ElmanNetwork, cell, copy_parameters
from .config import INITS

__all__ = ["ElmanRNN", "GatedRNN", "LinearRecurrence", "build_model", "initialize"]


class _Recurrent(torch.nn.Module):
    """A one-layer torch recurrent module ``rnn`` (batch_first) and a linear readout without bias."""

    rnn: torch.nn.Module
    readout: torch.nn.Linear

    def forward(self, inputs: torch.Tensor, s: int) -> torch.Tensor:
        """Outputs of the output phase: inputs (B, s + horizon, d) -> y (B, horizon, d)."""
        hs, _ = self.rnn(inputs)  # (B, T, H)
        return self.readout(hs[:, s:])  # (B, horizon, d)


def _numpy(p: torch.Tensor) -> np.ndarray:
    return p.detach().cpu().double().numpy()


class LinearRecurrence(torch.nn.Module):
    """torch.nn.RNN's interface without the nonlinearity: h(t) = W_hh h(t-1) + W_uh u(t) (C16's linear RNN).

    Same parameter names (weight_ih_l0, weight_hh_l0), ``hidden_size`` and initialization U(-1/sqrt(H), 1/sqrt(H)).
    """

    def __init__(self, d: int, hidden: int) -> None:
        super().__init__()
        self.hidden_size = hidden
        bound = 1.0 / hidden**0.5
        self.weight_ih_l0 = torch.nn.Parameter(torch.empty(hidden, d).uniform_(-bound, bound))
        self.weight_hh_l0 = torch.nn.Parameter(torch.empty(hidden, hidden).uniform_(-bound, bound))

    def forward(self, inputs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """States (B, T, H) and the last state (1, B, H) for inputs (B, T, d), like torch.nn.RNN(batch_first=True)."""
        drive = inputs @ self.weight_ih_l0.T  # (B, T, H)
        h = torch.zeros(inputs.shape[0], self.hidden_size, dtype=inputs.dtype, device=inputs.device)
        hs = []
        for t in range(inputs.shape[1]):
            h = h @ self.weight_hh_l0.T + drive[:, t]
            hs.append(h)
        out = torch.stack(hs, dim=1)
        return out, h[None]


class ElmanRNN(_Recurrent):
    """tanh Elman RNN (or, with ``linear=True``, the linear RNN) without biases and a linear readout without bias."""

    def __init__(self, d: int, hidden: int, linear: bool = False) -> None:
        super().__init__()
        self.linear = linear
        self.rnn = LinearRecurrence(d, hidden) if linear else torch.nn.RNN(d, hidden, nonlinearity="tanh", bias=False, batch_first=True)
        self.readout = torch.nn.Linear(hidden, d, bias=False)

    def weights(self) -> dict[str, np.ndarray]:
        """W_hh (H, H), W_uh (H, d), W_hy (d, H) as float64 arrays (torch.nn.RNN conventions)."""
        return {"W_hh": _numpy(self.rnn.weight_hh_l0), "W_uh": _numpy(self.rnn.weight_ih_l0), "W_hy": _numpy(self.readout.weight)}

    def set_weights(self, W_hh: np.ndarray, W_uh: np.ndarray, W_hy: np.ndarray) -> None:
        copy_parameters(((self.rnn.weight_hh_l0, W_hh), (self.rnn.weight_ih_l0, W_uh), (self.readout.weight, W_hy)))

    def linearization(self) -> LinearRNN:
        """The network's linearization at the fixed point 0: its own weights (C11); a linear RNN is its own network."""
        rnn = LinearRNN(**self.weights())
        return Linearization(rnn.W_hh, rnn.W_uh, rnn.W_hy, network=ElmanNetwork(rnn, None, "linear")) if self.linear else rnn


class GatedRNN(_Recurrent):
    """A bias-free torch.nn.GRU or torch.nn.LSTM and a linear readout without bias (C14)."""

    def __init__(self, cell: str, d: int, hidden: int) -> None:
        super().__init__()
        if cell not in CELLS:
            raise ValueError(f"cell: expected one of {', '.join(CELLS)}, got {cell!r}")
        self.cell = cell
        module = torch.nn.GRU if cell == "gru" else torch.nn.LSTM
        self.rnn = module(d, hidden, bias=False, batch_first=True)
        self.readout = torch.nn.Linear(hidden, d, bias=False)

    def weights(self) -> dict[str, np.ndarray]:
        """weight_ih_l0 (G H, d), weight_hh_l0 (G H, H) in torch's gate order, W_hy (d, H), float64."""
        return {"weight_ih_l0": _numpy(self.rnn.weight_ih_l0), "weight_hh_l0": _numpy(self.rnn.weight_hh_l0),
                "W_hy": _numpy(self.readout.weight)}

    def set_weights(self, weight_ih_l0: np.ndarray, weight_hh_l0: np.ndarray, W_hy: np.ndarray) -> None:
        copy_parameters(((self.rnn.weight_ih_l0, weight_ih_l0), (self.rnn.weight_hh_l0, weight_hh_l0), (self.readout.weight, W_hy)))

    def linearization(self) -> LinearRNN:
        """The Elman linear RNN equal to the cell's linearization at the zero fixed point (gated.linearize)."""
        return linearize(GatedWeights.from_arrays(self.cell, self.weights()))


def build_model(name: str, d: int, hidden: int) -> torch.nn.Module:
    """The model of ``TrainConfig.cell``, built by the cell registry (``cells.CELLS[name].build``)."""
    return cell(name).build(d, hidden)


def initialize(model: ElmanRNN | GatedRNN, task: LinearHDS | HDS, init: str, rng: np.random.Generator) -> None:
    """Set the initial weights: PyTorch's default, orthogonal, identity, the pure block shift, or the wave solution (C13).

    ``orthogonal``: W_hh Haar-random orthogonal (Saxe et al. 2014), W_uh and W_hy PyTorch's default;
    ``identity``: W_hh = I (the IRNN of Le et al. 2015), W_uh and W_hy PyTorch's default (Elman only:
    these two are initializations of one recurrent matrix, which a gated cell does not have);
    ``shift``: W_hh = Q diag(S, 0) Q^T, W_uh = Q E_s, W_hy = E_s^T Q^T with S the block shift and
    Q a Haar-random orthogonal H x H basis (the TWM with its boundary switched off);
    ``wave``: the same with Phi = S + E_s [A_s ... A_1] (compile_rnn, C3) -- the linear solution.
    A gated model gets the gated network whose linearization at 0 is that RNN (gated.from_linear, C14).
    """
    if init == "default":
        return  # torch.nn.RNN / Linear initialization, drawn under torch.manual_seed(seed)
    if init not in INITS:
        raise ValueError(f"init: expected one of {', '.join(INITS)}, got {init!r}")
    if not isinstance(model, (ElmanRNN, GatedRNN)):  # LRU, S4D, wave-RNN: their own initializations only
        raise ValueError(f"init: the {model.cell} cell has its own initialization; expected 'default', got {init!r}")
    if init in ("orthogonal", "identity"):
        _recurrent_only(model, init, rng)
        return
    if not isinstance(task, LinearHDS):
        raise ValueError(f"init: {init!r} needs a linear task (LinearHDS), got {type(task).__name__}")
    H = model.rnn.hidden_size
    if H < task.s * task.d:
        raise ValueError(f"hidden: init {init!r} needs hidden >= s*d = {task.s * task.d}, got {H}")
    target = LinearHDS(np.zeros_like(task.lags)) if init == "shift" else task
    rnn = compile_rnn(target, Psi=make_basis("orthogonal", H, rng))
    if isinstance(model, GatedRNN):
        model.set_weights(**from_linear(rnn, model.cell).arrays())
    else:
        model.set_weights(rnn.W_hh, rnn.W_uh, rnn.W_hy)


def _recurrent_only(model: ElmanRNN | GatedRNN, init: str, rng: np.random.Generator) -> None:
    """W_hh orthogonal (Haar, from ``rng``) or the identity; W_uh and W_hy keep PyTorch's default draw."""
    if not isinstance(model, ElmanRNN):
        raise ValueError(f"init: {init!r} sets one recurrent matrix W_hh and needs cell 'rnn', got cell {model.cell!r}")
    W = model.weights()
    model.set_weights(make_basis(init, model.rnn.hidden_size, rng), W["W_uh"], W["W_hy"])
