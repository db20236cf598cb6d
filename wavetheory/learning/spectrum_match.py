"""The spectrum of a network's W_hh against that of Phi (THEORY.md C7).

The sd largest-modulus eigenvalues of W_hh are matched to the eigenvalues of Phi (minimum-cost
assignment, ``eigenstructure.match_eigenvalues``); per distinct root of Phi we count the learned
eigenvalues that sit at it, and how many further eigenvalues keep more than 1% of their
amplitude over the substrate length s (the persistence radius).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .._validate import as_float_array
from ..theory.diagonal_recurrence import diagonal_profile, fold_spectrum
from ..theory.eigenstructure import match_eigenvalues
from ..theory.tasks import LinearHDS
from ..theory.wave_operator import group_eigenvalues, spectrum
from ..thresholds import CLUSTER_RADIUS

__all__ = ["persistence_radius", "SpectrumMatch", "CLUSTER_RADIUS", "clusters", "match_spectrum", "spectrum_match_distance",
           "DiagonalMatch", "match_diagonal"]


def persistence_radius(s: int, keep: float = 0.01) -> float:
    """Modulus below which a mode keeps less than ``keep`` of its amplitude over s steps: keep^(1/s).

    Eigenvalues of W_hh outside this radius (beyond the sd that carry the waves) are modes that
    still hold more than 1% of their content after one pass across the substrate.

    >>> round(persistence_radius(4), 4)
    0.3162
    """
    return float(keep ** (1.0 / s))


@dataclass(frozen=True)
class SpectrumMatch:
    """Theory vs learned spectrum: matched pairs, distances, extra eigenvalues, per-root clusters (C7)."""

    theory: np.ndarray  # (sd,) eigenvalues of Phi
    learned: np.ndarray  # (sd,) the matched learned eigenvalue of each theory eigenvalue
    distance: np.ndarray  # (sd,) |theory - learned|
    extra: np.ndarray  # (H - sd,) the remaining learned eigenvalues
    radius: float
    clusters: list[dict] = field(default_factory=list)

    @property
    def n_outside(self) -> int:
        return int(np.sum(np.abs(self.extra) > self.radius))

    def summary(self) -> dict:
        """Distances, split into angle error (non-zero theory eigenvalues) and matched moduli."""
        nz = np.abs(self.theory) > 1e-8
        ang = np.abs(np.angle(self.learned[nz] / self.theory[nz])) if nz.any() else np.zeros(1)
        return {
            "mean": float(self.distance.mean()),
            "max": float(self.distance.max()),
            "angle_mean": float(ang.mean()),
            "angle_max": float(ang.max()),
            "modulus_mean": float(np.abs(self.learned).mean()),
            "modulus_excess_max": float(np.max(np.abs(self.learned) - np.abs(self.theory))),
        }




def clusters(theory: np.ndarray, eigs: np.ndarray, cap: float = CLUSTER_RADIUS) -> list[dict]:
    """For each distinct theoretical eigenvalue: its multiplicity and how many learned ones lie near it.

    A learned eigenvalue counts for the nearest distinct theoretical value z when it lies within
    min(cap, half the distance from z to the nearest other distinct value). Theory values are
    grouped with tolerance 1e-3, enough to merge the eps^(1/m) spread of Jordan blocks of size
    m <= 5 at 0 (nilpotent parts of selection tasks).
    """
    groups = group_eigenvalues(theory, tol=1e-3)
    values = np.array([z for z, _ in groups])
    gaps = np.abs(values[:, None] - values[None, :]) + np.diag(np.full(len(values), np.inf))
    radii = np.minimum(0.5 * gaps.min(axis=1), cap)
    nearest = np.argmin(np.abs(eigs[:, None] - values[None, :]), axis=1)
    dist = np.abs(eigs - values[nearest])
    out = []
    for g, (z, m) in enumerate(groups):
        mine = (nearest == g) & (dist <= radii[g])
        out.append({
            "value": [round(z.real, 12), round(z.imag, 12)],
            "multiplicity": m,
            "learned": int(mine.sum()),
            "radius": float(radii[g]),
            "spread": float(dist[mine].max()) if mine.any() else None,
            "mean_modulus": float(np.abs(eigs[mine]).mean()) if mine.any() else None,
        })
    return out


def match_spectrum(W_hh: np.ndarray, task: LinearHDS, radius: float | None = None) -> SpectrumMatch:
    """Match the sd largest-modulus eigenvalues of W_hh to those of Phi (C7).

    Uses eigenstructure.match_eigenvalues (minimum total distance, multiplicities respected).
    ``radius`` defaults to persistence_radius(s).
    """
    W_hh = as_float_array(W_hh, "W_hh", ndim=2)
    sd = task.s * task.d
    if W_hh.shape[0] != W_hh.shape[1] or W_hh.shape[0] < sd:
        raise ValueError(f"W_hh: expected a square matrix with at least s*d = {sd} rows, got {W_hh.shape}")
    eigs = np.linalg.eigvals(W_hh)
    order = np.argsort(-np.abs(eigs), kind="stable")
    top, extra = eigs[order[:sd]], eigs[order[sd:]]
    theory = spectrum(task)
    m = match_eigenvalues(theory, top)
    learned = np.empty(sd, dtype=complex)
    learned[m.index_a] = top[m.index_b]
    dist = np.abs(theory - learned)
    r = persistence_radius(task.s) if radius is None else float(radius)
    return SpectrumMatch(theory, learned, dist, extra, r, clusters(theory, eigs))


def spectrum_match_distance(W_hh: np.ndarray, task: LinearHDS) -> tuple[float, float]:
    """(mean, max) eigenvalue-match distance of W_hh to Phi, the C7 curve tracked during training."""
    s = match_spectrum(W_hh, task).summary()
    return s["mean"], s["max"]


# --------------------------------------------------------------------------- diagonal cells (C15)


@dataclass(frozen=True)
class DiagonalMatch:
    """A diagonal cell's Lambda against the target spectrum, both folded to Im >= 0, one entry per complex state (C15).

    ``target``: the nonzero spectrum of the minimal realization of C16 (a non-realizable task: of Phi),
    folded (``fold_spectrum``: real z ceil(m/2) times, a pair m times); ``learned``: the learned folded
    eigenvalue matched to each target (minimum total distance); ``extra``: the learned states left over.
    """

    target: np.ndarray
    learned: np.ndarray
    extra: np.ndarray
    diagonal_realizable: bool
    reason: str

    def summary(self) -> dict:
        """Angle error |arg(learned / target)| and moduli of the matched states, the largest leftover modulus."""
        ang = np.abs(np.angle(self.learned / self.target)) if self.target.size else np.zeros(1)
        mod = np.abs(self.learned) if self.target.size else np.zeros(1)
        return {
            "diagonal_realizable": self.diagonal_realizable, "reason": self.reason, "n_target": int(self.target.size),
            "n_learned": int(self.learned.size + self.extra.size),
            "angle_mean": float(ang.mean()), "angle_max": float(ang.max()),
            "modulus_mean": float(mod.mean()), "modulus_min": float(mod.min()),
            "modulus_gap_max": float(np.max(np.abs(self.target) - mod)) if self.target.size else 0.0,
            "extra_modulus_max": float(np.abs(self.extra).max()) if self.extra.size else 0.0,
            "pairs": [[float(np.angle(z)), float(np.angle(w)), float(abs(w))] for z, w in zip(self.target, self.learned)],
        }


def match_diagonal(lam: np.ndarray, task: LinearHDS) -> DiagonalMatch:
    """Match a diagonal cell's eigenvalues (folded: conj(lambda) when Im < 0) to the task's target spectrum (C15).

    With fewer learned states than targets, only that many targets are matched (the rest stay unmatched).
    """
    lam = np.asarray(lam, dtype=complex).ravel()
    folded = np.where(lam.imag < 0, lam.conj(), lam)
    prof = diagonal_profile(task)
    if prof.realizable:
        nz = [e for e in prof.eigenvalues if e.value != 0]
        target = fold_spectrum(np.array([complex(e.value.evalf(30)) for e in nz]), np.array([e.algebraic for e in nz]))
    else:
        groups = group_eigenvalues(spectrum(task), tol=1e-6)
        target = fold_spectrum(np.array([z for z, _ in groups]), np.array([m for _, m in groups]))
        target = target[np.abs(target) > 1e-8]
    m = match_eigenvalues(target, folded, partial=True)  # unequal sizes by design (see the docstring)
    learned = np.full(target.size, np.nan + 0j)
    learned[m.index_a] = folded[m.index_b]
    keep = ~np.isnan(learned)
    return DiagonalMatch(target[keep], learned[keep], folded[m.unmatched_b], prof.diagonalizable, prof.reason)
