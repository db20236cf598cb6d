"""The authors' task-subspace reading of W_hh, implemented from its definition (their newer evaluation, C7, C8).

Karuvally et al.'s later code (emt_variable_binding, branch batch-training, em_discrete ``evaluate.py``)
compares a trained W_hh with Phi inside W_hh's dominant subspace:

    W_hh = U S V^T,   U_k = the top-k left singular vectors (k = s d),   W_sub = U_k^T W_hh U_k   (k x k)

* spectral error (degrees): the eigenvalues of W_sub and of Phi with modulus above ``threshold`` (theirs:
  0.9), paired so that the sum of argument differences |arg(a / b)| is smallest (their stated argmin; their
  implementation pairs greedily in eigensolver order), the mean difference in degrees;
* relative Frobenius error ||W_sub - Phi||_F / ||Phi||_F.

Both read W_sub in the singular-vector basis, which a change of hidden basis rotates: the spectral
error is basis-free, the Frobenius error is not (a compiled network in any basis other than the identity
has W_sub similar to Phi but not equal; ``analysis``'s phi_error reads Phi in the power basis instead).
Beside their code on the same weights (``benchmarks/bench_task_subspace.py``): the same numbers wherever theirs is
defined (their arccos returns NaN when a rounded dot product of unit vectors exceeds 1; ours does not).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._validate import as_float_array, positive_int
from ..theory.tasks import LinearHDS
from ..theory.wave_operator import Phi

__all__ = ["task_subspace", "AUTHORS_THRESHOLD"]

AUTHORS_THRESHOLD = 0.9  # their spectral_comparison default: eigenvalues of modulus <= 0.9 are left out


def task_subspace(W_hh: np.ndarray, task: LinearHDS, k: int | None = None, threshold: float = AUTHORS_THRESHOLD) -> dict[str, Any]:
    """The authors' task-subspace metrics of W_hh against Phi: spectral error (degrees) and relative Frobenius error (C7, C8).

        W_sub = U_k^T W_hh U_k,   spectral error = mean |arg(lambda_W / lambda_Phi)| over the min-cost pairs (degrees),
        frobenius = ||W_sub - Phi||_F / ||Phi||_F,   k = s d by default

    >>> from wavetheory.theory.tasks import repeat_copy
    >>> r = task_subspace(Phi(repeat_copy(1, 3)), repeat_copy(1, 3))
    >>> round(r["spectral_error_deg"], 9), r["n_W"], r["n_Phi"]
    (0.0, 3, 3)
    """
    from scipy.optimize import linear_sum_assignment

    W = as_float_array(W_hh, "W_hh", ndim=2)
    sd = task.s * task.d
    k = sd if k is None else positive_int(k, "k")
    if W.shape[0] != W.shape[1] or W.shape[0] < k:
        raise ValueError(f"W_hh: expected a square matrix with at least k = {k} rows, got {W.shape}")
    U, S, _ = np.linalg.svd(W)
    W_sub = U[:, :k].T @ W @ U[:, :k]
    P = Phi(task)
    a, b = np.linalg.eigvals(W_sub), np.linalg.eigvals(P)
    a, b = a[np.abs(a) > threshold], b[np.abs(b) > threshold]
    if a.size and b.size:
        cost = np.abs(np.angle(a[:, None] / b[None, :]))
        rows, cols = linear_sum_assignment(cost)
        spectral = float(np.degrees(cost[rows, cols].mean()))
    else:
        spectral = None
    frob = float(np.linalg.norm(W_sub - P) / np.linalg.norm(P)) if W_sub.shape == P.shape else None
    return {"k": k, "threshold": threshold, "spectral_error_deg": spectral, "frobenius": frob,
            "n_W": int(a.size), "n_Phi": int(b.size), "energy_top_k": float(np.sum(S[:k] ** 2) / np.sum(S**2))}
