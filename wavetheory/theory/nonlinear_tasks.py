"""Nonlinear copy tasks on +-1 values: an HDS with no lag operators A_k, hence no Phi (THEORY.md C1, C14).

The boundary keeps the repeat copy's x_j(t-s) and combines it with the neighbouring components of a
recent step, a = x_(j+1 mod d)(t-k), b = x_(j+2 mod d)(t-k): a product (XOR of two bits), a parity of
three bits, or a majority of three. The best linear predictor of a product of independent +-1
inputs is 0 (it is uncorrelated with each of them), so no linear HDS approximates it; the wave
memory of C1 still represents it, with the same transport and a nonlinear start boundary.

Parity under x -> -x: the product is even, the parity of three and the majority are odd. A bias-free
tanh RNN from h(-1) = 0 is odd in its inputs, so it cannot emit an even boundary (see
``learning.substrate``, which measures trained networks on these tasks).
"""

from __future__ import annotations

from functools import partial

import numpy as np

from .._validate import positive_int
from .tasks import HDS

__all__ = ["NONLINEAR_KINDS", "nonlinear_copy"]

NONLINEAR_KINDS = ("product", "triple", "majority")


def _boundary(past: np.ndarray, s: int, k: int, kind: str) -> np.ndarray:
    """f(past) with past (..., s, d) in lag order, for the three kinds of ``nonlinear_copy``."""
    old, a, b = past[..., s - 1, :], np.roll(past[..., k - 1, :], -1, axis=-1), np.roll(past[..., k - 1, :], -2, axis=-1)
    if kind == "product":
        return old * a
    if kind == "triple":
        return old * a * b
    return np.sign(old + a + b)  # majority of three +-1 values: never 0


def nonlinear_copy(d: int, s: int, k: int = 1, kind: str = "product") -> HDS:
    """A nonlinear HDS on +-1 values; with a = x_(j+1 mod d)(t-k), b = x_(j+2 mod d)(t-k) (C14):

    product:  x_j(t) = x_j(t-s) * a        (XOR of two bits; even under x -> -x)
    triple:   x_j(t) = x_j(t-s) * a * b    (parity of three bits; odd)
    majority: x_j(t) = sign(x_j(t-s) + a + b)  (odd; correlation 1/2 with each argument)

    >>> task = nonlinear_copy(2, 3, k=1)
    >>> past = np.array([[[1.0, -1.0], [1.0, 1.0], [-1.0, 1.0]]])  # x(t-1), x(t-2), x(t-3)
    >>> task.f(past).tolist()  # x_0 = x_0(t-3) * x_1(t-1), x_1 = x_1(t-3) * x_0(t-1)
    [[1.0, 1.0]]
    """
    d, s = positive_int(d, "d"), positive_int(s, "s")
    if positive_int(k, "k") > s:
        raise ValueError(f"k: expected an integer 1 <= k <= s = {s}, got {k!r}")
    if kind not in NONLINEAR_KINDS:
        raise ValueError(f"kind: expected one of {', '.join(NONLINEAR_KINDS)}, got {kind!r}")
    return HDS(d, s, partial(_boundary, s=s, k=int(k), kind=kind), name=f"{kind}-copy-k{k}")
