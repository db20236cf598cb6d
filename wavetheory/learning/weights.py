"""A network's weights on disk: the ``.npz`` format that ``train`` writes and ``analyze`` reads.

Elman networks in torch.nn.RNN conventions: ``W_hh`` (H, H), ``W_uh`` (H, d), ``W_hy`` (d, H), no
and optionally torch's ``bias_ih_l0``, ``bias_hh_l0`` (H,) (a biased Elman network, read with its
biases by every lens). Other cells add ``cell``: "linear" (the same three keys, no tanh, C16); "gru" / "lstm" in
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

from pathlib import Path

import numpy as np

from ..io import read_npz, save_npz
from ..theory.wave_operator import LinearRNN
from .cells import CELLS, ELMAN_KEYS, ElmanNetwork, network_from_arrays

__all__ = ["KEYS", "CELL_KEYS", "LinearCell", "network_from_arrays", "save_weights", "load_weights"]

KEYS = ELMAN_KEYS
CELL_KEYS = {name: c.keys for name, c in CELLS.items() if name not in ("rnn", "gru", "lstm")}  # read by their own keys


def LinearCell(rnn: LinearRNN) -> ElmanNetwork:  # noqa: N802 - the former class name, kept for callers
    """A linear Elman network as the ``network`` of its Linearization: hidden states without tanh (C16)."""
    return ElmanNetwork(rnn, None, "linear")


def save_weights(path: str | Path, cell: str, weights: dict[str, np.ndarray], init: dict[str, np.ndarray]) -> Path:
    """Write a network and its initial values atomically (Elman files keep their three keys and any biases)."""
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
