"""The operator from activity alone: delay-embedding (Hankel) DMD of recorded states, matched to Phi (C7, C16).

Dynamic mode decomposition on a delay embedding (Hankel DMD; the DSA of Ostrow et al. compares these
across networks) reads a linear operator from a recording, without weights:

    z(t) = [a(t); a(t-1); ...; a(t-k+1)]          (k delays of the recorded activity a(t) in R^m)
    Z = [z(t)], Z' = [z(t+1)] over every sequence,  Z = U S V^T truncated to rank r,
    A_r = U_r^T Z' V_r S_r^-1  (r x r),           its eigenvalues = the DMD eigenvalues.

What the theory says to choose (the recurring question of DSA's users): k = s delays (the substrate
length: s past values determine the wave state) and r = n_min (C16: the smallest state that carries
the task; s*d where the task is not LTI-realizable). Exactness (tests): the states of a compiled linear
network in the recall phase, once the nilpotent part of Phi has died out (s*d steps at most), span Phi's
invariant subspace of nonzero eigenvalues (every such mode is reached from E_s and read by E_s^T, so
its dimension is at most n_min), Z' = W Z on it, and the DMD eigenvalues are exactly Phi's nonzero
ones in any basis. ``rank`` is capped at the numerical rank of Z (singular values above rcond * S_max):
directions of rounding noise would otherwise add meaningless eigenvalues.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._validate import as_float_array, positive_float, positive_int
from .eigenstructure import match_eigenvalues
from .tasks import LinearHDS
from .wave_operator import Phi

__all__ = ["DMD", "hankel", "dmd", "default_rank", "nonzero_spectrum", "DMDMatch", "match_dmd"]


def hankel(states: np.ndarray, delays: int) -> np.ndarray:
    """The delay embedding z(t) = [a(t); ...; a(t-k+1)]: (B, T, m) -> (B, T-k+1, k m) (a (T, m) array is one sequence).

    >>> hankel(np.arange(3.0)[:, None], 2)[0].tolist()
    [[1.0, 0.0], [2.0, 1.0]]
    """
    a = as_float_array(states, "states")
    a = a[None] if a.ndim == 2 else a
    if a.ndim != 3:
        raise ValueError(f"states: expected shape (T, m) or (B, T, m), got {np.shape(states)}")
    k = positive_int(delays, "delays")
    B, T, m = a.shape
    if T < k + 1:
        raise ValueError(f"delays: expected at most T - 1 = {T - 1} delays (a pair of embedded states), got {k}")
    return np.concatenate([a[:, k - 1 - j : T - j] for j in range(k)], axis=2)


@dataclass(frozen=True)
class DMD:
    """A DMD fit: ``eigenvalues`` (r,) largest modulus first, ``delays``, the ``rank`` r used (capped at the data's
    numerical rank), the ``rank_requested``, the ``singular_values`` of Z and the reduced operator ``A`` (r, r)."""

    eigenvalues: np.ndarray
    delays: int
    rank: int
    rank_requested: int
    singular_values: np.ndarray = field(repr=False)
    A: np.ndarray = field(repr=False)


def dmd(states: np.ndarray, delays: int = 1, rank: int | None = None, rcond: float = 1e-10) -> DMD:
    """Exact DMD of the delay-embedded states (B, T, m) or (T, m): the eigenvalues of A_r = U_r^T Z' V_r S_r^-1 (C7, C16).

    >>> W = np.array([[0.0, -1.0], [1.0, 0.0]])                # a rotation by pi/2
    >>> a = np.stack([np.linalg.matrix_power(W, t) @ [1.0, 0.0] for t in range(6)])
    >>> np.round(np.sort_complex(dmd(a, delays=1, rank=2).eigenvalues), 12).tolist()
    [-1j, 1j]
    """
    Zall = hankel(states, delays)  # (B, T', km)
    X = Zall[:, :-1].reshape(-1, Zall.shape[2]).T  # (km, N): z(t)
    Y = Zall[:, 1:].reshape(-1, Zall.shape[2]).T  # z(t+1)
    if X.shape[1] == 0:
        raise ValueError("states: no pair (z(t), z(t+1)) after the delay embedding; record more steps")
    positive_float(rcond, "rcond", allow_zero=True)
    U, S, Vt = np.linalg.svd(X, full_matrices=False)
    numerical = int(np.sum(S > rcond * S[0])) if S.size and S[0] > 0 else 0
    requested = min(X.shape) if rank is None else positive_int(rank, "rank")
    r = min(requested, numerical)
    if r == 0:
        return DMD(np.zeros(0, complex), int(delays), 0, requested, S, np.zeros((0, 0)))
    A = U[:, :r].T @ Y @ Vt[:r].T / S[:r]
    ev = np.linalg.eigvals(A).astype(complex)
    return DMD(ev[np.argsort(-np.abs(ev), kind="stable")], int(delays), r, requested, S, A)


def default_rank(task: LinearHDS) -> int:
    """The theory's DMD rank: n_min of C16 (the smallest state that carries the task), s*d if it is not LTI-realizable."""
    from .minimal import min_state_dim

    n = min_state_dim(task)
    return task.s * task.d if n is None else int(n)


def nonzero_spectrum(task: LinearHDS, rcond: float = 1e-9) -> np.ndarray:
    """Phi's nonzero eigenvalues with multiplicity: the spectrum of Phi on range(Phi^(sd)) (no eps^(1/m) spread of Jordan
    blocks at 0, which eigvals of Phi itself would give), largest modulus first.

    >>> from wavetheory.theory.tasks import signed_selection
    >>> np.round(nonzero_spectrum(signed_selection("x0(t-2)")), 12).tolist()  # x0(t) = x0(t-2): roots of z^2 = 1
    [(1+0j), (-1+0j)]
    """
    P = Phi(task)
    n = P.shape[0]
    M = np.linalg.matrix_power(P, n)
    U, S, _ = np.linalg.svd(M)
    r = int(np.sum(S > rcond * max(S[0], 1e-300))) if S.size and S[0] > 0 else 0
    ev = np.linalg.eigvals(U[:, :r].T @ P @ U[:, :r]).astype(complex) if r else np.zeros(0, complex)
    return ev[np.argsort(-np.abs(ev), kind="stable")]


@dataclass(frozen=True)
class DMDMatch:
    """DMD eigenvalues against Phi's nonzero spectrum: the matched pairs and what is left on either side (C7)."""

    target: np.ndarray
    learned: np.ndarray
    unmatched_target: np.ndarray
    extra: np.ndarray

    def summary(self) -> dict[str, Any]:
        """mean / max |target - learned| over the matched pairs; the counts; the largest unmatched modulus on each side."""
        dist = np.abs(self.target - self.learned)
        return {"mean": float(dist.mean()) if dist.size else None, "max": float(dist.max()) if dist.size else None,
                "n_target": int(self.target.size + self.unmatched_target.size), "n_matched": int(self.target.size),
                "n_extra": int(self.extra.size),
                "extra_modulus_max": float(np.abs(self.extra).max()) if self.extra.size else 0.0,
                "unmatched_modulus_max": float(np.abs(self.unmatched_target).max()) if self.unmatched_target.size else 0.0}


def match_dmd(eigenvalues: np.ndarray, task: LinearHDS) -> DMDMatch:
    """Match DMD eigenvalues to Phi's nonzero spectrum (minimum total distance, sizes may differ; C7's matching)."""
    ev = np.asarray(eigenvalues, dtype=complex).ravel()
    target = nonzero_spectrum(task)
    if not target.size or not ev.size:
        return DMDMatch(np.zeros(0, complex), np.zeros(0, complex), target, ev)
    m = match_eigenvalues(target, ev, partial=True)
    left_a = np.setdiff1d(np.arange(target.size), m.index_a)
    return DMDMatch(target[m.index_a], ev[m.index_b], target[left_a], ev[m.unmatched_b])
