"""The hidden basis built by power iteration, and the operator a network shows in it (THEORY.md C8).

Psi from power iteration and the relative error ||pinv(Psi) W_hh Psi - Phi||_F / ||Phi||_F.
Ordering: in our convention block s of the substrate is the newest column (written by W_uh, read
by W_hy), and Phi E_i = E_{i-1} + E_s A_{s+1-i}, so for tasks whose only lag is A_s the power
iteration walks *down* the blocks:

    block s = P,  block s-k = W_hh^k P  (k = 0..s-1),   P = pinv(W_hy)  ("readout", C8)
                                                         P = W_uh        ("input")

THEORY.md's Psi_k = W_hh^(k-1) pinv(W_hy) is our block s+1-k. The pseudo-inverses are
SVD-truncated (singular values below rcond * max dropped) and the condition number is reported.
"""

from __future__ import annotations

import numpy as np

from ..theory.tasks import LinearHDS
from ..theory.wave_operator import E, Phi

__all__ = ["truncated_pinv", "power_basis", "krylov_alignment", "phi_error", "restricted_phi_error", "intertwining_residual"]


def truncated_pinv(M: np.ndarray, rcond: float = 1e-10, rank: int | None = None) -> tuple[np.ndarray, float, int]:
    """SVD pseudo-inverse keeping singular values > rcond * sigma_max (and at most ``rank``).

    Returns (pinv (n, m), condition number sigma_max / sigma_min of M (inf when singular), rank kept).

    >>> P, cond, r = truncated_pinv(np.diag([1.0, 1e-14]))
    >>> P.round(6).tolist(), r
    ([[1.0, 0.0], [0.0, 0.0]], 1)
    """
    U, S, Vh = np.linalg.svd(M, full_matrices=False)
    if S.size == 0 or S[0] == 0:
        return np.zeros(M.shape[::-1]), float("inf"), 0
    keep = S > rcond * S[0]
    if rank is not None:
        keep[rank:] = False
    cond = float(S[0] / S[-1]) if S[-1] > 0 else float("inf")
    return (Vh[keep].conj().T / S[keep]) @ U[:, keep].conj().T, cond, int(keep.sum())


def power_basis(
    W_hh: np.ndarray, seed: np.ndarray, s: int, normalize: str = "scalar"
) -> np.ndarray:
    """Psi (H, s*d) with block s = seed and block s-k = W_hh^k seed, k = 0..s-1 (C8, our ordering).

    ``normalize="scalar"`` divides by one number (the largest column norm of the seed), which
    leaves pinv(Psi) W_hh Psi unchanged; ``"columns"`` scales every column to unit norm (the
    authors' choice), which turns pinv(Psi) W_hh Psi into D^-1 (...) D for a diagonal D.
    """
    if normalize not in ("scalar", "columns"):
        raise ValueError(f"normalize: expected 'scalar' or 'columns', got {normalize!r}")
    blocks = [seed]
    for _ in range(s - 1):
        blocks.append(W_hh @ blocks[-1])
    Psi = np.concatenate(blocks[::-1], axis=1)  # block 1 = W_hh^(s-1) seed, ..., block s = seed
    if normalize == "scalar":
        scale = np.max(np.linalg.norm(seed, axis=0))
        return Psi / scale if scale > 0 else Psi
    norms = np.linalg.norm(Psi, axis=0)
    return Psi / np.where(norms > 0, norms, 1.0)


def krylov_alignment(task: LinearHDS) -> np.ndarray:
    """U = [Phi^(s-1) E_s, ..., Phi E_s, E_s] (sd, sd): the power basis of Phi itself, in wave coordinates.

    U is block unitriangular (Phi^k E_s = E_{s-k} + terms in blocks > s-k), hence invertible,
    and U = I exactly when A_1 = ... = A_(s-1) = 0. A power basis K of a network that implements
    Phi in a basis Psi is K = Psi U, so K U^-1 = Psi: the *aligned* basis reveals Phi for every
    linear task (C8 generalized); the check stays non-trivial because it compares the network's
    Krylov form pinv(K) W_hh K with the theory's U^-1 Phi U.

    >>> from wavetheory.theory.tasks import repeat_copy
    >>> bool(np.array_equal(krylov_alignment(repeat_copy(2, 3)), np.eye(6)))
    True
    """
    sd = task.s * task.d
    return power_basis(Phi(task), E(task.d, task.s, task.s), task.s)[:sd]


def phi_error(
    W_hh: np.ndarray, Psi: np.ndarray, task: LinearHDS, rcond: float = 1e-10, rank: int | None = None
) -> tuple[float, np.ndarray, float, int]:
    """Relative error ||pinv(Psi) W_hh Psi - Phi||_F / ||Phi||_F of the operator seen in basis Psi (C8).

    Returns (error, Phi_hat (sd, sd), cond(Psi), rank kept by the truncated pseudo-inverse).
    """
    P, cond, r = truncated_pinv(Psi, rcond, rank)
    Phi_hat = P @ W_hh @ Psi
    ref = Phi(task)
    return float(np.linalg.norm(Phi_hat - ref) / np.linalg.norm(ref)), Phi_hat, cond, r


def restricted_phi_error(
    W_hh: np.ndarray, Psi: np.ndarray, task: LinearHDS, rcond: float = 1e-10, rank: int | None = None
) -> float:
    """||Phi_hat - Pi Phi||_F / ||Pi Phi||_F with Pi = pinv_r(Psi) Psi, Phi_hat = pinv_r(Psi) W_hh Psi (C8).

    The error on the subspace of wave coordinates that the network actually holds: if W_hh Psi =
    Psi Phi, then Phi_hat = Pi Phi exactly, whatever the rank. A network that implements Phi on r
    of the sd wave dimensions and lacks the others has phi_error >= sqrt((sd - r)/sd) for a
    permutation Phi (each missing unit column costs 1) but restricted error ~0 at rank r.
    """
    P = truncated_pinv(Psi, rcond, rank)[0]
    Pi_Phi = (P @ Psi) @ Phi(task)
    return float(np.linalg.norm(P @ W_hh @ Psi - Pi_Phi) / np.linalg.norm(Pi_Phi))


def intertwining_residual(W_hh: np.ndarray, K: np.ndarray, task: LinearHDS) -> float:
    """||W_hh K - K Phi||_F / ||K Phi||_F: does K carry Phi into W_hh, without inverting K (C8)?

    Zero iff W_hh K = K Phi. For the readout power basis of a task with only A_s, every block but
    the first matches by construction and the residual is ||W_hh^s P - P A_s|| / ||P A_s||: after s
    steps the readout direction must come back to itself. Unlike phi_error it needs no pinv(K),
    so missing wave modes (a rank-deficient, ill-conditioned K) do not blow it up.
    """
    ref = K @ Phi(task)
    return float(np.linalg.norm(W_hh @ K - ref) / np.linalg.norm(ref))
