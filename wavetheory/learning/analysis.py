"""Analysis of a trained Elman RNN's weights against the wave operator Phi (THEORY.md C7-C11).

Works on ANY Elman RNN given in torch.nn.RNN conventions (W_hh (H, H), W_uh (H, d), W_hy (d, H),
with or without biases), not only on networks trained here, and on every registered cell (``cells``). A GRU or LSTM (npz with ``cell``, weight_ih_l0,
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
from typing import Any

import numpy as np

from .._validate import one_of, positive_float, positive_int
from ..theory.gradients import propagation_norms
from ..theory.tasks import LinearHDS
from ..theory.two_phase import two_phase_batch
from ..theory.wave_operator import LinearRNN, Phi
from .._validate import rng as as_rng
from .power_basis import intertwining_residual, krylov_alignment, phi_error, power_basis, restricted_phi_error, truncated_pinv
from .spectrum_match import DiagonalMatch, SpectrumMatch, match_diagonal, match_spectrum
from .weights import load_weights

__all__ = [
    "Analysis", "analyze", "hidden_states", "check_task", "wave_decoding", "load_weights", "ROADS", "null_model",
]

ROADS = ("readout", "input")  # seeds of the power iteration: pinv(W_hy) (C8) or W_uh


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


def _road_seed(rnn: LinearRNN, road: str, rcond: float) -> np.ndarray:
    if road == "readout":
        return truncated_pinv(rnn.W_hy, rcond)[0]  # (H, d)
    if road == "input":
        return rnn.W_uh
    raise ValueError(f"road: expected one of {', '.join(ROADS)}, got {road!r}")


# --------------------------------------------------------------------------- the null model (C7-C10 controls)


def null_model(rnn: LinearRNN, rng: np.random.Generator | int | None = 0) -> LinearRNN:
    """The network with W_hh replaced by a Haar-random orthogonal matrix of the same Frobenius norm.

        W_null = (||W_hh||_F / sqrt(H)) Q,   Q Haar-orthogonal,   W_uh, W_hy unchanged

    The control of the trained claims: the same input and readout, a recurrent matrix of the same
    size with no structure (every eigenvalue on one circle of radius ||W_hh||_F / sqrt(H)). A
    measurement that reads the wave operator in a trained network must not read it here.

    >>> net = null_model(LinearRNN(np.diag([2.0, 0.0]), np.ones((2, 1)), np.ones((1, 2))), rng=0)
    >>> bool(np.isclose(np.linalg.norm(net.W_hh), 2.0)), bool(np.allclose(np.abs(np.linalg.eigvals(net.W_hh)), np.sqrt(2)))
    (True, True)
    """
    from ..theory.wave_operator import make_basis

    H = rnn.hidden
    Q = make_basis("orthogonal", H, as_rng(rng, "rng"))
    return LinearRNN(np.linalg.norm(rnn.W_hh) / np.sqrt(H) * Q, rnn.W_uh, rnn.W_hy)


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


@dataclass(frozen=True)
class Analysis:
    """All measurements on one network against the theory (C7-C10); ``to_json()`` is the CLI's summary.

    The JSON fields: ``eig_match`` (mean, max, angle and modulus parts of the spectrum match, C7),
    ``n_outside`` extra eigenvalues outside the persistence ``radius``, ``effective_rank``,
    ``phi_error`` in the chosen ``road`` (C8) and both roads under ``bases``, the ``robust``
    reading at the effective rank, ``wave_r2`` / ``decode_r2`` (C9), ``grad_before`` /
    ``grad_after`` = ||dh(1+k)/dx(1)||, k = 1..2s (C10), per-root ``clusters``, the spectral radius
    of W_hh, the sizes, and ``cell`` for a gated network. The arrays behind the figures
    (``match``, ``Phi_hat``, ``Phi``, ``waves``, ``substrate``) are not part of the JSON.
    """

    eig_match: dict[str, float]
    n_outside: int
    radius: float
    effective_rank: int
    phi_error: float
    aligned: bool
    road: str
    bases: dict[str, dict[str, Any]]
    robust: dict[str, Any]
    wave_r2: float | None
    decode_r2: float | None
    grad_before: list[float] | None
    grad_after: list[float]
    clusters: list[dict]
    spectral_radius: float
    hidden: int
    d: int
    s: int
    cell: str | None = None
    diagonal: dict | None = None
    match: SpectrumMatch | None = field(default=None, repr=False)
    diagonal_match: DiagonalMatch | None = field(default=None, repr=False)
    lenses: Any = field(default=None, repr=False)  # lenses.Lenses when analyze(..., lenses=True)
    Phi_hat: np.ndarray | None = field(default=None, repr=False)
    Phi: np.ndarray | None = field(default=None, repr=False)
    waves: np.ndarray | None = field(default=None, repr=False)
    substrate: np.ndarray | None = field(default=None, repr=False)

    _ARRAYS = ("match", "Phi_hat", "Phi", "waves", "substrate", "diagonal_match", "lenses")

    def to_json(self) -> dict[str, Any]:
        out = {k: getattr(self, k) for k in self.__dataclass_fields__ if k not in self._ARRAYS}
        for k in ("cell", "diagonal"):
            if out[k] is None:
                del out[k]
        if self.lenses is not None:
            out.update(self.lenses.to_json())
            out["readings"] = self.readings()
        return out

    def readings(self) -> list[dict[str, Any]]:
        """One record per reading: name, claim, value, the declared threshold and its direction, and PASS (``verdicts``)."""
        from .verdicts import readings

        return readings(self)

    def summary(self) -> str:
        """One line per reading: value, declared threshold (``thresholds``) and PASS / FAIL (or info: no threshold)."""
        from .verdicts import format_readings

        return format_readings(self.readings())

    def plot(self, path: Any = None, title: str = "") -> Any:
        """The spectrum through every lens against Phi's (``plots.plot_lenses``): W_hh, and with lenses the operating
        point, the fixed point nearest Phi and the DMD. Returns the figure, or the saved path given ``path``."""
        from ..plots import plot_lenses

        panels = {"W_hh (linearization at 0)": np.concatenate([self.match.learned, self.match.extra])}
        lz = self.lenses
        if lz is not None:
            op = lz.operating_point
            panels["operating point"] = None if op is None else np.concatenate([op.learned, op.extra])
            best = _best_point(lz.fixed_points)
            panels["fixed point nearest Phi" if best is not None else "no fixed point found"] = \
                None if best is None else best.eigenvalues
            panels[f"DMD (delays {lz.dmd.delays}, rank {lz.dmd.rank})"] = lz.dmd.eigenvalues
        return plot_lenses(panels, self.match.theory, title=title, path=path)


def _best_point(points: list) -> Any:
    """The fixed point whose Jacobian's spectrum is nearest Phi's (mean matched distance), or None."""
    matched = [p for p in points if p.match is not None]
    return min(matched, key=lambda p: p.match.summary()["mean"]) if matched else None


def analyze(
    rnn: LinearRNN, task: LinearHDS, init: LinearRNN | None = None, road: str = "readout",
    rcond: float = 1e-10, rank: int | str | None = None, normalize: str = "scalar", align: bool = False,
    nonlinearity: str = "tanh", radius: float | None = None, seed: int = 0, readout: Any = None,
    lenses: bool = False, delays: int | None = None, dmd_rank: int | None = None,
) -> Analysis:
    """All measurements on one network: the spectrum (C7), the power basis (C8), the waves (C9), gradients (C10).

    ``road`` picks the basis used for phi_error and the waves (both roads are always reported
    under "bases", with the inverse-free intertwining residual); ``rank`` caps the rank of the
    truncated pseudo-inverse ("auto": the effective rank, i.e. the number of eigenvalues of W_hh
    outside the persistence radius, at most sd); ``align`` uses the Krylov-aligned basis
    K U^-1 (see krylov_alignment) for the headline phi_error and the waves; gradients are ||W_hh^k W_uh||, k=1..2s.
    ``rnn`` (and ``init``) may also be a torch.nn.RNN/GRU/LSTM with its ``readout`` Linear, a state_dict or
    a weights file (``interop.as_network``); an Elman network with biases runs with them (``cells.ElmanNetwork``).
    ``lenses=True`` adds the readings where the network lives (``lenses.read_lenses``: fixed points, the
    operating point, Hankel DMD with ``delays`` (default s) and ``dmd_rank`` (default n_min), Lyapunov
    exponents, the authors' task-subspace metrics); ``summary()`` prints every reading against its threshold.
    """
    if not isinstance(rnn, LinearRNN) or readout is not None:
        from .interop import as_network

        rnn = as_network(rnn, readout)
        init = None if init is None else as_network(init, None if isinstance(init, LinearRNN) else readout, "init")
    check_task(rnn, task)
    if init is not None:
        if not isinstance(init, LinearRNN):
            raise TypeError(f"init: expected a LinearRNN or None, got {type(init).__name__}")
        if (init.hidden, init.d) != (rnn.hidden, rnn.d):
            raise ValueError(f"init: the initial network has H = {init.hidden}, d = {init.d}; "
                             f"the network has H = {rnn.hidden}, d = {rnn.d}")
    one_of(road, "road", ROADS)
    positive_float(rcond, "rcond", allow_zero=True)
    if rank is not None and rank != "auto":
        positive_int(rank, "rank")
    s, d = task.s, task.d
    match = match_spectrum(rnn.W_hh, task, radius)
    effective_rank = int(np.sum(np.abs(np.concatenate([match.learned, match.extra])) > match.radius))
    if rank == "auto":
        rank = min(effective_rank, s * d)
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
    network = getattr(rnn, "network", None)  # a gated network, read through its linearization (C14)
    lam = getattr(network, "lam", None)  # a diagonal cell (LRU, S4D): its Lambda is its spectrum (C15)
    dmatch = match_diagonal(lam, task) if lam is not None else None
    if lenses:
        from .lenses import read_lenses

        lz = read_lenses(rnn, task, nonlinearity, seed, delays, dmd_rank)
    else:
        lz = None
    return Analysis(
        eig_match=match.summary(),
        n_outside=match.n_outside,
        radius=match.radius,
        effective_rank=effective_rank,
        phi_error=bases[road]["phi_error_aligned" if align else "phi_error"],
        aligned=align,
        road=road,
        bases=bases,
        robust=robust,
        wave_r2=wave_r2,
        decode_r2=decode_r2,
        grad_before=propagation_norms(init.W_hh, init.W_uh, k_max).tolist() if init is not None else None,
        grad_after=propagation_norms(rnn.W_hh, rnn.W_uh, k_max).tolist(),
        clusters=match.clusters,
        spectral_radius=float(np.max(np.abs(np.concatenate([match.learned, match.extra])))),
        hidden=rnn.hidden,
        d=d,
        s=s,
        cell=None if network is None else network.cell,
        diagonal=None if dmatch is None else dmatch.summary(),
        diagonal_match=dmatch, lenses=lz,
        match=match, Phi_hat=Phi_hat, Phi=Phi(task), waves=waves, substrate=substrate,
    )
