"""Analysis of a trained Elman RNN's weights against the wave operator Phi (THEORY.md C7-C11).

Works on ANY Elman RNN given in torch.nn.RNN conventions (W_hh (H, H), W_uh (H, d), W_hy (d, H),
no biases), not only on networks trained here. A GRU or LSTM (npz with ``cell``, weight_ih_l0,
weight_hh_l0, W_hy) is read as its linearization at the zero fixed point (gated.linearize, C14):
the same measurements apply to that effective W_hh, W_uh, and the waves are decoded from the
gated network's own hidden states. Four measurements:

* spectrum (C7): the sd largest-modulus eigenvalues of W_hh matched to the eigenvalues of Phi
  (minimum-cost assignment), per-root cluster counts, and how many further eigenvalues keep
  more than 1% of their amplitude over the substrate length s;
* hidden basis (C8): Psi from power iteration and the relative error
  ||pinv(Psi) W_hh Psi - Phi||_F / ||Phi||_F. Ordering: in our convention block s of the
  substrate is the newest column (written by W_uh, read by W_hy), and Phi E_i = E_{i-1} +
  E_s A_{s+1-i}, so for tasks whose only lag is A_s the power iteration walks *down* the blocks:

      block s = P,  block s-k = W_hh^k P  (k = 0..s-1),   P = pinv(W_hy)  ("readout", C8)
                                                           P = W_uh        ("input")

  THEORY.md's Psi_k = W_hh^(k-1) pinv(W_hy) is our block s+1-k. In a compiled network
  W_hh = Psi diag(Phi, 0) Psi^-1, W_uh = Psi E_s exactly, so the input road recovers Phi in
  *every* basis; pinv(W_hy) equals Psi E_s only when Psi is orthogonal (for a general basis it
  also has components along the other blocks and the padding), so the readout road is exact
  in orthogonal bases only. With lags A_k, k < s, both roads give U^-1 Phi U with U block
  unitriangular (the Krylov vectors Phi^k E_s carry the generated continuation): similar to
  Phi, not equal. The pseudo-inverses are SVD-truncated (singular values below rcond * max
  dropped) and the condition number is reported;
* robust reading (C8 on partly trained networks): a trained network may hold only r < sd
  long-lived wave modes (measured: 62-69 of 80 for the authors' repeat-copy configuration).
  Its power basis is then nearly rank-deficient, pinv amplifies, and phi_error is O(1) even
  where the held part is exact. Always reported besides: the effective rank r (eigenvalues
  outside the persistence radius), phi_error with pinv truncated to r (floor sqrt((sd-r)/sd)
  for a permutation Phi), the restricted error on the held subspace, and the inverse-free
  intertwining residual ||W_hh K - K Phi|| / ||K Phi||;
* waves (C9): hidden states of fresh sequences projected on the dual basis pinv(Psi), and the
  R^2 with which each wave coordinate (block i, component j) decodes x_j(t - s + i);
* gradient propagation (C10): ||dh(1+k)/dx(1)|| = ||W_hh^k W_uh|| (the linearization at the
  fixed point 0, C11) before and after training.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..theory.eigenstructure import match_eigenvalues
from ..theory.gradients import propagation_norms
from ..theory.tasks import LinearHDS
from ..theory.two_phase import two_phase_batch
from .._validate import as_float_array
from ..theory.wave_operator import E, LinearRNN, Phi, group_eigenvalues, spectrum

__all__ = [
    "load_weights",
    "hidden_states",
    "check_task",
    "SpectrumMatch",
    "match_spectrum",
    "spectrum_match_distance",
    "persistence_radius",
    "truncated_pinv",
    "power_basis",
    "krylov_alignment",
    "phi_error",
    "restricted_phi_error",
    "intertwining_residual",
    "wave_decoding",
    "analyze",
    "save_figures",
]

KEYS = ("W_hh", "W_uh", "W_hy")
ROADS = ("readout", "input")  # seeds of the power iteration: pinv(W_hy) (C8) or W_uh


# --------------------------------------------------------------------------- input


def load_weights(path: str | Path) -> tuple[LinearRNN, LinearRNN | None]:
    """Read W_hh (H, H), W_uh (H, d), W_hy (d, H) and, if present, their ``_init`` values.

    A file with a ``cell`` key ("gru" or "lstm", torch layout weight_ih_l0, weight_hh_l0, W_hy) gives
    the linearizations at 0 instead (gated.Linearization: a LinearRNN that also holds the network).
    Raises ValueError naming the file and the missing key or the wrong shape.
    """
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path}: cannot read weights ({exc})") from None
    if "cell" in arrays:
        return _load_gated(path, arrays)
    missing = [k for k in KEYS if k not in arrays]
    if missing:
        raise ValueError(
            f"{path}: missing key {missing[0]!r}; expected W_hh (H x H), W_uh (H x d), W_hy (d x H) "
            f"(torch.nn.RNN conventions), found {sorted(arrays)}"
        )
    try:
        rnn = LinearRNN(*(arrays[k] for k in KEYS))
        init = LinearRNN(*(arrays[k + "_init"] for k in KEYS)) if all(k + "_init" in arrays for k in KEYS) else None
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{path}: {exc}") from None
    if init is not None and init.W_hh.shape != rnn.W_hh.shape:
        raise ValueError(f"{path}: W_hh_init has shape {init.W_hh.shape}, W_hh has {rnn.W_hh.shape}")
    return rnn, init


def _load_gated(path: Path, arrays: dict) -> tuple[LinearRNN, LinearRNN | None]:
    from ..theory.gated import GatedWeights, linearize

    cell = str(arrays.pop("cell"))
    try:
        nets = [linearize(GatedWeights.from_arrays(cell, arrays, suffix)) for suffix in ("", "_init")
                if suffix == "" or "weight_hh_l0_init" in arrays]
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{path}: {exc}") from None
    return nets[0], nets[1] if len(nets) > 1 else None


def hidden_states(rnn: LinearRNN, inputs: np.ndarray, nonlinearity: str = "tanh") -> np.ndarray:
    """Hidden states (B, T, H): the gated cell's own for a gated linearization, else rnn.run(inputs, nonlinearity)."""
    network = getattr(rnn, "network", None)
    return network.run(inputs)[1] if network is not None else rnn.run(inputs, nonlinearity)[1]


def check_task(rnn: LinearRNN, task: LinearHDS) -> None:
    """Raise ValueError when the network's d does not match the task's."""
    if not isinstance(task, LinearHDS):
        raise TypeError(f"task: expected a LinearHDS, got {type(task).__name__}")
    if rnn.d != task.d:
        raise ValueError(f"W_uh: the network has d = {rnn.d} inputs (W_uh is {rnn.W_uh.shape}), the task has d = {task.d}")


# --------------------------------------------------------------------------- spectrum (C7)


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


# A learned eigenvalue "sits at" a theoretical one when closer than CLUSTER_RADIUS (or half the gap
# to the next distinct theoretical value, so disks never overlap). 0.15 exceeds the radial shift
# that tanh compensation produces in our trained networks (|lambda| - 1 <= 0.1, measured) and is
# far below the distance from the unit circle to the bulk left by PyTorch's initialization
# (circular law: radius 1/sqrt(3) = 0.58 for U(-1/sqrt(H), 1/sqrt(H)) entries).
CLUSTER_RADIUS = 0.15


def _clusters(theory: np.ndarray, eigs: np.ndarray, cap: float = CLUSTER_RADIUS) -> list[dict]:
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
    return SpectrumMatch(theory, learned, dist, extra, r, _clusters(theory, eigs))


def spectrum_match_distance(W_hh: np.ndarray, task: LinearHDS) -> tuple[float, float]:
    """(mean, max) eigenvalue-match distance of W_hh to Phi, the C7 curve tracked during training."""
    s = match_spectrum(W_hh, task).summary()
    return s["mean"], s["max"]


# --------------------------------------------------------------------------- hidden basis (C8)


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


def _road_seed(rnn: LinearRNN, road: str, rcond: float) -> np.ndarray:
    if road == "readout":
        return truncated_pinv(rnn.W_hy, rcond)[0]  # (H, d)
    if road == "input":
        return rnn.W_uh
    raise ValueError(f"road: expected one of {', '.join(ROADS)}, got {road!r}")


# --------------------------------------------------------------------------- waves (C9)


def wave_decoding(
    rnn: LinearRNN, Psi: np.ndarray, task: LinearHDS, nonlinearity: str = "tanh",
    batch: int = 256, horizon: int | None = None, rng: np.random.Generator | int | None = 0,
    rcond: float = 1e-10, rank: int | None = None,
) -> tuple[float, float, np.ndarray, np.ndarray]:
    """R^2 of the stored inputs decoded from the waves w(t) = pinv(Psi) h(t) (C9).

    Block i, component j of w(t) should carry x_j(t - s + i). Each wave coordinate gets one
    least-squares gain g (no intercept, the inputs are zero-mean); R^2 = 1 - sum ||x - g w||^2 /
    sum ||x - mean x||^2 over all coordinates and times t >= s - 1. Also returns the basis-free
    R^2 of the best linear map h -> substrate (fitted on half the sequences, scored on the other
    half), and the waves and substrate of the first sequence ((T, sd) each) for the figure.
    A gated linearization's waves come from the gated network's states (``nonlinearity`` unused).
    """
    s, d = task.s, task.d
    horizon = 2 * s if horizon is None else horizon
    inputs, targets = two_phase_batch(task, batch, horizon, rng)
    h = hidden_states(rnn, inputs, nonlinearity)  # (B, T, H)
    x = np.concatenate([inputs[:, :s], targets], axis=1)  # (B, T, d): the full trajectory
    T = s + horizon
    sub = np.stack([x[:, t - s + 1 : t + 1].reshape(batch, s * d) for t in range(s - 1, T)], axis=1)  # (B, T-s+1, sd)
    H_t = h[:, s - 1 :]  # (B, T-s+1, H)
    w = H_t @ truncated_pinv(Psi, rcond, rank)[0].T  # (B, T-s+1, sd)
    W, X = w.reshape(-1, s * d), sub.reshape(-1, s * d)
    gain = np.sum(W * X, axis=0) / np.maximum(np.sum(W * W, axis=0), 1e-300)
    ss_tot = np.sum((X - X.mean(axis=0)) ** 2)
    r2 = 1.0 - np.sum((X - gain * W) ** 2) / ss_tot
    half = batch // 2
    A, B_ = H_t[:half].reshape(-1, H_t.shape[-1]), H_t[half:].reshape(-1, H_t.shape[-1])
    coef = np.linalg.lstsq(A, sub[:half].reshape(-1, s * d), rcond=None)[0]
    Xt = sub[half:].reshape(-1, s * d)
    r2_free = 1.0 - np.sum((Xt - B_ @ coef) ** 2) / np.sum((Xt - Xt.mean(axis=0)) ** 2)
    return float(r2), float(r2_free), gain * w[0], sub[0]


# --------------------------------------------------------------------------- everything


def analyze(
    rnn: LinearRNN, task: LinearHDS, init: LinearRNN | None = None, road: str = "readout",
    rcond: float = 1e-10, rank: int | str | None = None, normalize: str = "scalar", align: bool = False,
    nonlinearity: str = "tanh", radius: float | None = None, seed: int = 0,
) -> dict[str, Any]:
    """All measurements on one network: the CLI's JSON summary plus arrays for the figures.

    ``road`` picks the basis used for phi_error and the waves (both roads are always reported
    under "bases", with the inverse-free intertwining residual); ``rank`` caps the rank of the
    truncated pseudo-inverse ("auto": the effective rank, i.e. the number of eigenvalues of W_hh
    outside the persistence radius, at most sd); ``align`` uses the Krylov-aligned basis
    K U^-1 (see krylov_alignment) for the headline phi_error and the waves; gradients are ||W_hh^k W_uh||, k=1..2s.
    """
    check_task(rnn, task)
    if road not in ROADS:
        raise ValueError(f"road: expected one of {', '.join(ROADS)}, got {road!r}")
    s, d = task.s, task.d
    match = match_spectrum(rnn.W_hh, task, radius)
    effective_rank = int(np.sum(np.abs(np.concatenate([match.learned, match.extra])) > match.radius))
    if rank == "auto":
        rank = min(effective_rank, s * d)
    elif rank is not None and (isinstance(rank, bool) or not isinstance(rank, (int, np.integer)) or rank < 1):
        raise ValueError(f"rank: expected an integer >= 1, 'auto' or None, got {rank!r}")
    bases, mats = {}, {}
    U_inv = np.linalg.inv(krylov_alignment(task))
    for r in ROADS:
        K = power_basis(rnn.W_hh, _road_seed(rnn, r, rcond), s, normalize)
        err, Phi_hat, cond, kept = phi_error(rnn.W_hh, K, task, rcond, rank)
        err_al, Phi_hat_al, cond_al, _ = phi_error(rnn.W_hh, K @ U_inv, task, rcond, rank)
        bases[r] = {"phi_error": err, "phi_error_aligned": err_al, "cond": cond, "cond_aligned": cond_al, "rank": kept,
                    "phi_error_restricted": restricted_phi_error(rnn.W_hh, K @ U_inv if align else K, task, rcond, rank),
                    "intertwining": intertwining_residual(rnn.W_hh, K, task),
                    "intertwining_aligned": intertwining_residual(rnn.W_hh, K @ U_inv, task)}
        mats[r] = (K @ U_inv, Phi_hat_al) if align else (K, Phi_hat)
    Psi, Phi_hat = mats[road]

    def waves_at(r: int | None) -> tuple:
        try:
            out = wave_decoding(rnn, Psi, task, nonlinearity, rng=seed, rcond=rcond, rank=r)
            return out if np.isfinite(out[0]) else (None, None, None, None)
        except np.linalg.LinAlgError:
            return None, None, None, None

    wave_r2, decode_r2, waves, substrate = waves_at(rank)
    # the robust reading (always reported): truncate to the effective rank, compare on the held subspace
    r_eff = min(effective_rank, s * d) if effective_rank > 0 else None
    robust = {
        "rank": r_eff,
        "phi_error": phi_error(rnn.W_hh, Psi, task, rcond, r_eff)[0],
        "phi_error_restricted": restricted_phi_error(rnn.W_hh, Psi, task, rcond, r_eff),
        "wave_r2": waves_at(r_eff)[0],
    }
    k_max = 2 * s
    summary = {
        "eig_match": match.summary(),
        "n_outside": match.n_outside,
        "radius": match.radius,
        "effective_rank": effective_rank,
        "phi_error": bases[road]["phi_error_aligned" if align else "phi_error"],
        "aligned": align,
        "road": road,
        "bases": bases,
        "robust": robust,
        "wave_r2": wave_r2,
        "decode_r2": decode_r2,
        "grad_before": propagation_norms(init.W_hh, init.W_uh, k_max).tolist() if init is not None else None,
        "grad_after": propagation_norms(rnn.W_hh, rnn.W_uh, k_max).tolist(),
        "clusters": match.clusters,
        "spectral_radius": float(np.max(np.abs(np.concatenate([match.learned, match.extra])))),
        "hidden": rnn.hidden,
        "d": d,
        "s": s,
    }
    if getattr(rnn, "network", None) is not None:  # a gated network, read through its linearization (C14)
        summary["cell"] = rnn.network.cell
    arrays = {"match": match, "Phi_hat": Phi_hat, "Phi": Phi(task), "waves": waves, "substrate": substrate}
    return {"summary": summary, "arrays": arrays}


def save_figures(result: dict, out: str | Path, title: str = "", metrics: dict | None = None) -> list[str]:
    """Spectrum on the unit circle, |pinv(Psi) W_hh Psi| next to Phi, waves, training curves."""
    from ..plots import plot_matrix, plot_spectrum, plot_training, plot_waves

    out = Path(out)
    a, s = result["arrays"], result["summary"]
    m: SpectrumMatch = a["match"]
    paths = [
        plot_spectrum({"eig(Phi)": m.theory, "learned (matched)": m.learned, "learned (extra)": m.extra},
                      title=f"{title} eigenvalues of W_hh", path=out / "spectrum.png"),
        plot_matrix([(f"|pinv(Psi) W_hh Psi| ({s['road']})", a["Phi_hat"]), ("|Phi|", a["Phi"])], absolute=True,
                    title=f"{title} phi_error = {s['phi_error']:.3g}", path=out / "phi.png"),
    ]
    if a["waves"] is not None:
        paths.append(plot_waves(a["waves"], a["substrate"], s["s"], s["d"], title=f"{title} waves, R^2 = {s['wave_r2']:.3f}",
                                path=out / "waves.png"))
    if metrics is not None and metrics.get("history", {}).get("step"):
        paths.append(plot_training(metrics, title=title, path=out / "training.png"))
    return [str(p) for p in paths]

