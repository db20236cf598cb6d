"""The Lyapunov spectrum of a network along its trajectories: the nonlinear form of C7's spectrum and C10's gradients.

The k largest exponents by the QR method (Benettin et al.; Engelken, Wolf & Abbott for RNNs): along a
trajectory with step Jacobians J_t = dF/dstate (state(t-1), u(t)),

    Q_0 = I[:, :k],   J_t Q_(t-1) = Q_t R_t,   lambda_i = (1 / T') sum_t log |R_t[i, i]|,

averaged over the sequences (natural log per step; T' the number of steps read). A linear network has
J_t = W_hh: its exponents are log |eigenvalues| of W_hh in the limit, so a compiled repeat-copy network
(eigenvalues the s-th roots of unity, C4) has s*d exponents at 0; the gradient norms of C10 grow or
decay at these rates. Exponents of exactly singular directions are floored at log(1e-300) per step.
"""

from __future__ import annotations

import numpy as np
import torch

from .._validate import as_float_array, positive_int
from .dynamics import state_map

__all__ = ["lyapunov_spectrum"]

_FLOOR = 1e-300  # |R_ii| floor: a direction the map annihilates gets log(1e-300) ~ -691 per step, not -inf


def lyapunov_spectrum(net: object, inputs: np.ndarray, k: int | None = None, start: int = 0,
                      nonlinearity: str = "tanh") -> np.ndarray:
    """The k largest Lyapunov exponents (per step, natural log) along the trajectories driven by inputs (B, T, d).

    Steps t >= ``start`` are read (the state before them is reached from 0); ``k`` defaults to the state
    size n. ``net``: any network of a registered cell (``dynamics.state_map``). Sorted, largest first.
    """
    inputs = as_float_array(inputs, "inputs", ndim=3)
    sm = state_map(net, nonlinearity)
    B, T, _ = inputs.shape
    k = sm.n if k is None else positive_int(k, "k")
    if k > sm.n:
        raise ValueError(f"k: expected at most the state size {sm.n}, got {k}")
    if not 0 <= start < T:
        raise ValueError(f"start: expected 0 <= start < T = {T}, got {start}")
    u = torch.as_tensor(inputs)
    states = sm.rollout(u)
    prev = torch.cat([torch.zeros(B, 1, sm.n, dtype=torch.float64), states[:, :-1]], dim=1)
    Q = torch.eye(sm.n, k, dtype=torch.float64).expand(B, sm.n, k)
    logs = torch.zeros(B, k, dtype=torch.float64)
    for t in range(start, T):
        J = sm.jacobians(prev[:, t], u[:, t]).detach()
        Q, R = torch.linalg.qr(J @ Q)
        logs += torch.log(torch.clamp(torch.diagonal(R, dim1=1, dim2=2).abs(), min=_FLOOR))
    exps = (logs / (T - start)).mean(dim=0).numpy()
    return np.sort(exps)[::-1]
