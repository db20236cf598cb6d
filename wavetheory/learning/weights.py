"""A network's weights on disk: the ``.npz`` format that ``train`` writes and ``analyze`` reads.

Elman networks in torch.nn.RNN conventions: ``W_hh`` (H, H), ``W_uh`` (H, d), ``W_hy`` (d, H), no
biases. Other cells add ``cell``: "linear" (the same three keys, no tanh, C16); "gru" / "lstm" in
torch's layout ``weight_ih_l0`` (G H, d), ``weight_hh_l0`` (G H, H), ``W_hy``, read as their
linearization at the zero fixed point (``gated.linearize``, C14); "lru" (``nu_log``, ``theta_log``,
``gamma_log`` (N,), ``B_re``, ``B_im`` (N, d), ``C_re``, ``C_im`` (d, N)) and "s4d" (``A_re_log``,
``A_im``, ``log_dt`` (N,), B and C alike), read as their exact real form of size 2N
(``DiagonalRecurrence``, C15); "wrnn" (``K`` (c, c, k), ``b_K`` (c,), ``W_x`` (c n, d), ``b_x``,
``W_y`` (d, c n), ``b_y``), read with W_hh = the unrolled convolution (``WaveRNN``, C13).
Initial values carry the suffix ``_init``. Files are read as untrusted input (``io.read_npz``):
never unpickled, checked against the memory limit before anything is allocated, and any defect is
one ValueError naming the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..io import read_npz, save_npz
from ..theory.diagonal_recurrence import DiagonalRecurrence
from ..theory.gated import GatedWeights, Linearization, linearize
from ..theory.wave_operator import LinearRNN
from ..theory.wave_rnn import WaveRNN

__all__ = ["KEYS", "CELL_KEYS", "LinearCell", "network_from_arrays", "save_weights", "load_weights"]

KEYS = ("W_hh", "W_uh", "W_hy")
CELL_KEYS = {  # the arrays of each cell that is not read through gated.GatedWeights
    "linear": KEYS,
    "lru": ("nu_log", "theta_log", "gamma_log", "B_re", "B_im", "C_re", "C_im"),
    "s4d": ("A_re_log", "A_im", "log_dt", "B_re", "B_im", "C_re", "C_im"),
    "wrnn": ("K", "b_K", "W_x", "b_x", "W_y", "b_y"),
}


@dataclass(frozen=True)
class LinearCell:
    """A linear Elman network as the ``network`` of its Linearization: hidden states without tanh (C16)."""

    rnn: LinearRNN
    cell: str = "linear"

    def run(self, inputs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return self.rnn.run(inputs, "linear")


def network_from_arrays(cell: str, arrays: dict[str, np.ndarray], suffix: str = "") -> LinearRNN:
    """The ``LinearRNN`` of a cell's weight arrays: Elman weights as they are, a gated cell's linearization at 0,
    a linear, diagonal or wave-RNN cell's linear part with the network attached (``gated.Linearization``)."""
    if cell == "rnn":
        return LinearRNN(*(arrays[k + suffix] for k in KEYS))
    if cell in CELL_KEYS:
        missing = [k + suffix for k in CELL_KEYS[cell] if k + suffix not in arrays]
        if missing:
            raise KeyError(f"missing key {missing[0]!r} of a {cell!r} network; expected {', '.join(CELL_KEYS[cell])}")
        a = {k: arrays[k + suffix] for k in CELL_KEYS[cell]}
        if cell == "linear":
            rnn = LinearRNN(a["W_hh"], a["W_uh"], a["W_hy"])
            return Linearization(rnn.W_hh, rnn.W_uh, rnn.W_hy, network=LinearCell(rnn))
        if cell == "wrnn":
            return WaveRNN(**a).linearization()
        return (DiagonalRecurrence.from_lru if cell == "lru" else DiagonalRecurrence.from_s4d)(**a).linearization()
    return linearize(GatedWeights.from_arrays(cell, arrays, suffix))


def save_weights(path: str | Path, cell: str, weights: dict[str, np.ndarray], init: dict[str, np.ndarray]) -> Path:
    """Write a network and its initial values atomically (Elman files keep the three keys only)."""
    extra = {"cell": np.array(cell)} if cell != "rnn" else {}
    return save_npz(path, **weights, **{f"{k}_init": v for k, v in init.items()}, **extra)


def load_weights(path: str | Path) -> tuple[LinearRNN, LinearRNN | None]:
    """Read W_hh (H, H), W_uh (H, d), W_hy (d, H) and, if present, their ``_init`` values.

    A file with a ``cell`` key ("gru" or "lstm", torch layout weight_ih_l0, weight_hh_l0, W_hy) gives
    the linearizations at 0 instead (gated.Linearization: a LinearRNN that also holds the network).
    Raises ValueError naming the file: unreadable or corrupt (empty, truncated, bad CRC, a pickle, a
    header that lies about its size), a missing key, a wrong shape, complex or non-finite values.
    """
    path = Path(path)
    arrays = read_npz(path)
    if "cell" in arrays:
        cell = arrays.pop("cell")
        if cell.dtype.kind != "U" or cell.ndim != 0:
            raise ValueError(f"{path}: 'cell' must be a string naming the cell, got a {cell.dtype} array of shape {cell.shape}")
        cell = str(cell)
        try:
            rnn = network_from_arrays(cell, arrays)
            init = network_from_arrays(cell, arrays, "_init") if any(k.endswith("_init") for k in arrays) else None
        except (ValueError, TypeError, KeyError) as exc:
            raise ValueError(f"{path}: {exc}") from None
        return rnn, init
    missing = [k for k in KEYS if k not in arrays]
    if missing:
        raise ValueError(
            f"{path}: missing key {missing[0]!r}; expected W_hh (H x H), W_uh (H x d), W_hy (d x H) "
            f"(torch.nn.RNN conventions), found {sorted(arrays)}"
        )
    try:
        rnn = network_from_arrays("rnn", arrays)
        init = network_from_arrays("rnn", arrays, "_init") if all(k + "_init" in arrays for k in KEYS) else None
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{path}: {exc}") from None
    if init is not None and init.W_hh.shape != rnn.W_hh.shape:
        raise ValueError(f"{path}: W_hh_init has shape {init.W_hh.shape}, W_hh has {rnn.W_hh.shape}")
    return rnn, init
