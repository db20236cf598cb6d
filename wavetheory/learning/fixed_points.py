"""Fixed and slow points of any registered cell, and the network's linearization at each of them (C7, C11, C14).

The finder of Golub & Sussillo (FixedPointFinder), batched in torch for every cell of ``cells``:

    q(h) = 1/2 ||F(h, x*) - h||^2,   minimized over h from states sampled on the network's trajectories,

with the input held at x* (default 0, the recall-phase input of the two-phase tasks). Adam brings each
candidate near a minimum; Newton steps h <- h - (J - I)^+ (F(h) - h), kept only where they lower q,
then polish true fixed points to float64 rounding. Candidates with q above ``q_max`` are dropped,
the rest merged (a point within ``merge`` of a better one is the same point), and each kept point gets
its residual ||F(h) - h||, its Jacobian J = dF/dh there, J's spectrum, stability (spectral radius < 1)
and, given a task, the spectrum matched to Phi's (``spectrum_match.match_spectrum``, C7's matching).

A tanh network whose fixed point h* is not 0 (biases) has J = diag(1 - h*^2) W_hh there: the wave
operator shows up in J, not in W_hh (tests: W_hh = diag(1 - h*^2)^-1 Psi Phi Psi^-1 gives J similar to Phi).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from .._validate import as_float_array, positive_float, positive_int
from ..theory.tasks import LinearHDS
from ..theory.two_phase import two_phase_batch
from .dynamics import StateMap, state_map
from .spectrum_match import SpectrumMatch, match_spectrum

__all__ = ["FixedPoint", "find_fixed_points", "trajectory_states"]

FIXED = 1e-8  # a point with ||F(h) - h|| below this is a fixed point (float64 Newton reaches ~1e-15); above: a slow point


@dataclass(frozen=True)
class FixedPoint:
    """One fixed (or slow) point: the state, ||F(h) - h||, the Jacobian there, its eigenvalues, stability, the match to Phi."""

    state: np.ndarray
    residual: float
    jacobian: np.ndarray = field(repr=False)
    eigenvalues: np.ndarray = field(repr=False)
    match: SpectrumMatch | None = field(default=None, repr=False)

    @property
    def spectral_radius(self) -> float:
        return float(np.abs(self.eigenvalues).max())

    @property
    def stable(self) -> bool:
        """Every eigenvalue of J strictly inside the unit circle (a discrete-time attractor)."""
        return self.spectral_radius < 1.0

    @property
    def kind(self) -> str:
        return "fixed" if self.residual <= FIXED else "slow"

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "residual": self.residual, "stable": self.stable, "spectral_radius": self.spectral_radius,
                "norm": float(np.linalg.norm(self.state)), "eig_match": None if self.match is None else self.match.summary()}


def trajectory_states(sm: StateMap, task: LinearHDS, batch: int = 32, horizon: int | None = None,
                      seed: int = 0) -> np.ndarray:
    """The states (batch, s + horizon, n) the network visits on two-phase sequences of ``task`` (default horizon 2s)."""
    horizon = 2 * task.s if horizon is None else positive_int(horizon, "horizon")
    u, _ = two_phase_batch(task, batch, horizon, seed)
    return sm.rollout(u).numpy()


def _q(sm: StateMap, h: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    return 0.5 * ((sm.F(h, x) - h) ** 2).sum(dim=1)


def _newton(sm: StateMap, h: torch.Tensor, x: torch.Tensor, steps: int) -> torch.Tensor:
    """Newton steps on F(h) - h = 0, each kept per point only where it lowers q (least squares where J - I is singular)."""
    eye = torch.eye(sm.n, dtype=torch.float64)
    with torch.no_grad():
        q = _q(sm, h, x)
    for _ in range(steps):
        J = sm.jacobians(h, x).detach()
        with torch.no_grad():
            r = sm.F(h, x) - h
            A = J - eye
            dh, info = torch.linalg.solve_ex(A, -r)
            bad = (info != 0) | ~torch.isfinite(dh).all(dim=1)
            if bad.any():  # singular J - I (a line of fixed points, a marginal direction): least squares there
                dh[bad] = torch.linalg.lstsq(A[bad], -r[bad][..., None], driver="gelsd").solution[..., 0]
            h_new = h + dh
            q_new = _q(sm, h_new, x)
            better = torch.isfinite(q_new) & (q_new < q)
            if not better.any():
                break
            h = torch.where(better[:, None], h_new, h)
            q = torch.where(better, q_new, q)
    return h


def find_fixed_points(
    net: object, task: LinearHDS | None = None, states: np.ndarray | None = None, x: np.ndarray | None = None,
    n_init: int = 64, noise: float = 0.05, steps: int = 200, lr: float = 1e-2, newton: int = 20,
    q_max: float = 1e-6, merge: float = 1e-3, nonlinearity: str = "tanh", seed: int = 0,
) -> list[FixedPoint]:
    """Fixed and slow points of ``net`` with the input held at ``x`` (default 0), best residual first (C11, C14).

        q(h) = 1/2 ||F(h, x) - h||^2 minimized from ``n_init`` states sampled on trajectories

    ``states`` (N, n) or (B, T, n) gives the candidates' pool (default: the states the network visits on
    two-phase sequences of ``task``); each sampled state gets Gaussian noise of ``noise`` times the pool's
    standard deviation. Adam (``steps``, ``lr``), then ``newton`` Newton steps; points with q > ``q_max``
    are dropped, points within ``merge`` (Euclidean) of a better one merged. ``net``: any network object of
    a registered cell (``dynamics.state_map``; a plain LinearRNN runs with ``nonlinearity``).
    """
    sm = state_map(net, nonlinearity)
    n_init, steps, newton = positive_int(n_init, "n_init"), int(steps), int(newton)
    positive_float(noise, "noise", allow_zero=True)
    positive_float(q_max, "q_max")
    positive_float(merge, "merge", allow_zero=True)
    if steps < 0 or newton < 0:
        raise ValueError(f"steps, newton: expected integers >= 0, got {steps}, {newton}")
    if states is None:
        if task is None:
            raise ValueError("states: give the candidates' states or a task whose trajectories sample them")
        states = trajectory_states(sm, task, seed=seed)
    pool = as_float_array(states, "states")
    pool = pool.reshape(-1, pool.shape[-1]) if pool.ndim in (2, 3) else pool
    if pool.ndim != 2 or pool.shape[1] != sm.n or pool.shape[0] == 0:
        raise ValueError(f"states: expected shape (N, n={sm.n}) or (B, T, n={sm.n}), got {np.shape(states)}")
    x = np.zeros(sm.d) if x is None else as_float_array(x, "x", ndim=1)
    if x.shape != (sm.d,):
        raise ValueError(f"x: expected shape ({sm.d},), got {x.shape}")
    rng = np.random.default_rng(seed)
    start = pool[rng.integers(0, pool.shape[0], n_init)]
    start = start + noise * pool.std(axis=0, keepdims=True).mean() * rng.standard_normal(start.shape)
    h = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    xt = torch.as_tensor(x, dtype=torch.float64).expand(n_init, sm.d)
    opt = torch.optim.Adam([h], lr=lr)
    for _ in range(steps):
        opt.zero_grad()
        _q(sm, h, xt).sum().backward()
        opt.step()
    h = _newton(sm, h.detach(), xt, newton)
    with torch.no_grad():
        q = _q(sm, h, xt).numpy()
    cand = h.numpy()
    order = [i for i in np.argsort(q, kind="stable") if np.isfinite(q[i]) and q[i] <= q_max]
    kept: list[int] = []
    for i in order:
        if all(np.linalg.norm(cand[i] - cand[j]) > merge for j in kept):
            kept.append(i)
    points = []
    for i in kept:
        J = sm.jacobian(cand[i], x)
        eig = np.linalg.eigvals(J)
        eig = eig[np.argsort(-np.abs(eig), kind="stable")]
        m = match_spectrum(J, task) if task is not None and sm.n >= task.s * task.d else None
        points.append(FixedPoint(cand[i], float(np.sqrt(2 * q[i])), J, eig, m))
    return points
