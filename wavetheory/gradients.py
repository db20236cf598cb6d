"""Gradient propagation through an RNN: Jacobian products dh(1+k)/dx(1) (THEORY.md C5, C10, C11).

For h(t) = sigma(W_hh h(t-1) + W_uh x(t)), an input written at time 1 reaches the hidden state at
time 1+k through

    dh(1+k)/dx(1) = D_{1+k} W_hh D_k W_hh ... D_2 W_hh D_1 W_uh,       D_t = diag(sigma'(a(t)))

with D_t = I for a linear RNN, so dh(1+k)/dx(1) = W_hh^k W_uh. For the compiled wave RNN in the
wave basis this is Phi^k E_s = E_{s-k} for k < s when the boundary does not feed back (C5).
"""

from __future__ import annotations

import numpy as np

from .tasks import as_float_array

__all__ = ["input_jacobians", "propagation_norms"]


def input_jacobians(
    W_hh: np.ndarray, W_uh: np.ndarray, k_max: int, preactivations: np.ndarray | None = None
) -> np.ndarray:
    """The Jacobians J_k = dh(1+k)/dx(1) for k = 0..k_max, shape (k_max + 1, n, d).

    Without ``preactivations`` the RNN is linear (or a tanh RNN linearized at its fixed point 0,
    where tanh' = 1, C11): J_k = W_hh^k W_uh. With ``preactivations`` a(1..1+k_max) of shape
    (k_max + 1, n) along a trajectory of a tanh RNN, J_k = D_{1+k} W_hh J_{k-1}, D = diag(1 - tanh(a)^2).
    """
    W_hh = as_float_array(W_hh, "W_hh", ndim=2)
    W_uh = as_float_array(W_uh, "W_uh", ndim=2)
    n = W_hh.shape[0]
    if W_hh.shape != (n, n) or W_uh.shape[0] != n:
        raise ValueError(f"W_hh, W_uh: expected shapes (n, n) and (n, d), got {W_hh.shape} and {W_uh.shape}")
    if isinstance(k_max, bool) or not isinstance(k_max, (int, np.integer)) or k_max < 0:
        raise ValueError(f"k_max: expected an integer >= 0, got {k_max!r}")
    if preactivations is not None:
        a = as_float_array(preactivations, "preactivations", ndim=2)
        if a.shape != (k_max + 1, n):
            raise ValueError(f"preactivations: expected shape {(k_max + 1, n)}, got {a.shape}")
        deriv = 1.0 - np.tanh(a) ** 2  # (k_max + 1, n)
    out = np.empty((k_max + 1, n, W_uh.shape[1]))
    J = W_uh if preactivations is None else deriv[0][:, None] * W_uh
    out[0] = J
    for k in range(1, k_max + 1):
        J = W_hh @ J
        if preactivations is not None:
            J = deriv[k][:, None] * J
        out[k] = J
    return out


def propagation_norms(W_hh: np.ndarray, W_uh: np.ndarray, k_max: int, preactivations: np.ndarray | None = None) -> np.ndarray:
    """Spectral norms ||dh(1+k)/dx(1)||_2 for k = 1..k_max, shape (k_max,) (C5, C10).

    >>> from wavetheory import compile_rnn, repeat_copy
    >>> rnn = compile_rnn(repeat_copy(2, 3))
    >>> propagation_norms(rnn.W_hh, rnn.W_uh, 4).round(12).tolist()
    [1.0, 1.0, 1.0, 1.0]
    """
    J = input_jacobians(W_hh, W_uh, k_max, preactivations)
    return np.linalg.norm(J[1:], ord=2, axis=(1, 2))
