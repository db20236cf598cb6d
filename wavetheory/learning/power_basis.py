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

__all__ = [
    "truncated_pinv", "power_basis", "krylov_alignment", "phi_error", "restricted_phi_error", "intertwining_residual",
    "boundary_row_error", "operator_in_power_basis", "krylov_form", "free_column_error",
]


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


def operator_in_power_basis(W: np.ndarray, seed: np.ndarray, task: LinearHDS, rcond: float = 1e-10) -> np.ndarray:
    """Phi_hat = pinv(Psi) W Psi (sd, sd) in the Krylov-aligned power basis Psi = K U^-1 of ``seed`` (C8).

    K = power_basis(W, seed, s) and U = krylov_alignment(task): for a compiled network Phi_hat = Phi
    exactly, for every linear task (U = I for repeat copy). ``W`` may be any operator on the hidden
    states: W_hh, or a Jacobian averaged along trajectories (substrate.mean_jacobian).
    """
    Psi = power_basis(W, seed, task.s) @ np.linalg.inv(krylov_alignment(task))
    return truncated_pinv(Psi, rcond)[0] @ W @ Psi


def boundary_row_error(Phi_hat: np.ndarray, task: LinearHDS) -> float:
    """||R_hat - [A_s ... A_1]||_F / ||[A_s ... A_1]||_F on the boundary block row R (the last d rows) (C8).

    Why the boundary row: in a power (Krylov) basis the shift blocks of pinv(Psi) W Psi equal Phi's
    *by construction*, for any W (column block i of W K is block i-1 of K, i >= 2), so the whole
    operator's error ||Phi_hat - Phi|| / ||Phi|| is diluted by sd - d rows that carry no evidence.
    The boundary row is where the network's own dynamics meet the theory's [A_s ... A_1].

    >>> from wavetheory.theory.tasks import repeat_copy
    >>> from wavetheory.theory.wave_operator import Phi
    >>> boundary_row_error(Phi(repeat_copy(2, 3)), repeat_copy(2, 3))
    0.0
    """
    d = task.d
    ref = Phi(task)[-d:]
    return float(np.linalg.norm(np.asarray(Phi_hat)[-d:] - ref) / np.linalg.norm(ref))


def krylov_form(W: np.ndarray, seed: np.ndarray, s: int, rcond: float = 1e-10) -> np.ndarray:
    """C = pinv(K) W K (sd, sd) with K = power_basis(W, seed, s): a block companion matrix (C8).

    Column block i >= 2 of W K is block i-1 of K, so column block i of C is E_(i-1) *for any W*
    (exact while K has full rank); only column block 1, the coordinates of W^s seed in the basis,
    is free. For Phi itself (seed E_s, K = U = krylov_alignment) C_Phi = U^-1 Phi U.
    """
    K = power_basis(W, seed, s)
    return truncated_pinv(K, rcond)[0] @ W @ K


def free_column_error(W: np.ndarray, seed: np.ndarray, task: LinearHDS, rcond: float = 1e-10) -> float:
    """||C_1 - (C_Phi)_1||_F / ||(C_Phi)_1||_F on the free column block of the Krylov form (C8).

    The part of pinv(Psi) W Psi that is *not* fixed by the construction of the power basis (see
    ``krylov_form``): a random W gets the shift blocks right too, so only this block is evidence
    that W carries Phi. For repeat copy (U = I) (C_Phi)_1 = E_s A_s, and the error is the whole
    operator's ||Phi_hat - Phi||_F / ||Phi||_F times sqrt(s); its last block row is the boundary
    row's only entry not fixed by construction (``boundary_row_error``).

    >>> from wavetheory.theory.tasks import repeat_copy
    >>> from wavetheory.theory.wave_operator import compile_rnn, make_basis
    >>> rnn = compile_rnn(repeat_copy(2, 3), make_basis("orthogonal", 8, rng=0))
    >>> bool(free_column_error(rnn.W_hh, rnn.W_uh, repeat_copy(2, 3)) < 1e-12)
    True
    """
    d, s = task.d, task.s
    C = krylov_form(W, seed, s, rcond)
    C_Phi = krylov_form(Phi(task), E(d, s, s), s)
    return float(np.linalg.norm(C[:, :d] - C_Phi[:, :d]) / np.linalg.norm(C_Phi[:, :d]))
