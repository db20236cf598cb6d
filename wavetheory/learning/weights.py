"""A network's weights on disk: the ``.npz`` format that ``train`` writes and ``analyze`` reads.

Elman networks in torch.nn.RNN conventions: ``W_hh`` (H, H), ``W_uh`` (H, d), ``W_hy`` (d, H), no
biases. Gated cells add ``cell`` ("gru" or "lstm") and use torch's layout: ``weight_ih_l0``
(G H, d), ``weight_hh_l0`` (G H, H), ``W_hy``; they are read as their linearization at the zero
fixed point (``gated.linearize``, C14). Initial values carry the suffix ``_init``. Files are
read as untrusted input (``io.read_npz``): never unpickled, checked against the memory limit
before anything is allocated, and any defect is one ValueError naming the file.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..io import read_npz, save_npz
from ..theory.gated import GatedWeights, linearize
from ..theory.wave_operator import LinearRNN

__all__ = ["KEYS", "network_from_arrays", "save_weights", "load_weights"]

KEYS = ("W_hh", "W_uh", "W_hy")


def network_from_arrays(cell: str, arrays: dict[str, np.ndarray], suffix: str = "") -> LinearRNN:
    """The ``LinearRNN`` of a cell's weight arrays: Elman weights as they are, a gated cell's linearization at 0."""
    if cell == "rnn":
        return LinearRNN(*(arrays[k + suffix] for k in KEYS))
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
            raise ValueError(f"{path}: 'cell' must be a string (gru or lstm), got a {cell.dtype} array of shape {cell.shape}")
        cell = str(cell)
        try:
            rnn = network_from_arrays(cell, arrays)
            init = network_from_arrays(cell, arrays, "_init") if "weight_hh_l0_init" in arrays else None
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
