"""Wave substrates without a linear Phi: decoding past inputs from the hidden states (THEORY.md C14).

A nonlinear start boundary keeps the transport of the traveling wave memory (h_i(t+1) = h_{i+1}(t))
but has no lag operators A_k, so there is no Phi to compare with. What can still be measured on a
trained network:

* decodability: for every lag k = 0..s-1 the best linear map D_k: h(t) -> x(t-k), fitted on half the
  sequences, and its R^2 on the other half (a wave substrate stores every column linearly);
* transport: whether the *linear* part of the dynamics moves the columns, i.e. whether
  D_k W_hh h(t) predicts x(t+1-k) (the decoder of lag k one step later, pulled back through the
  linearization W_hh, equals the decoder of lag k-1 now: D_k W_hh ~ D_(k-1) on the visited states);
* spectrum: how many eigenvalues of W_hh sit near the s-th roots of unity, and whether the
  angles of the leading eigenvalues are multiples of 2 pi / s even when their moduli are not 1;
  the same for the Jacobian averaged over the visited states (``mean_jacobian``): the operating
  point's linearization instead of the one at 0.

The task family is ``nonlinear_copy`` on +-1 values: products (XOR of two stored bits, parity of
three) and majorities of past components. The best linear predictor of a product of independent
+-1 inputs is 0 (it is uncorrelated with each of them), so no linear HDS approximates it.

Symmetry (why the bias-free tanh RNN cannot learn the two-bit product): h(t) = tanh(W_hh h(t-1) +
W_uh u(t)) with h(-1) = 0 is odd in the input sequence (u -> -u gives h -> -h, y -> -y), while
x_a(t-s) x_b(t-k) is even; on the symmetric +-1 input distribution every output component at the
first output step is then right for exactly one of u, -u: sign accuracy 1/2 at best there.
Odd boundaries (three-bit parity, majority) are representable.
"""

from __future__ import annotations

import numpy as np

from ..theory.nonlinear_tasks import NONLINEAR_KINDS as KINDS, nonlinear_copy  # noqa: F401  (re-exported)
from ..theory.tasks import repeat_copy
from ..theory.two_phase import two_phase_batch
from ..thresholds import CLUSTER_RADIUS
from .._validate import positive_int, as_float_array
from ..theory.wave_operator import group_eigenvalues

__all__ = ["KINDS", "nonlinear_copy", "mean_jacobian", "operating_point", "trajectory", "lag_decoding", "transport_decoding", "root_structure"]


def trajectory(task, batch: int, horizon: int, rng: np.random.Generator | int | None = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two-phase inputs (B, s + horizon, d) and the full trajectory x(0..s+horizon-1) (B, s + horizon, d)."""
    u, y = two_phase_batch(task, batch, horizon, rng)
    return u, np.concatenate([u[:, : task.s], y], axis=1)


def _r2(pred: np.ndarray, target: np.ndarray) -> float:
    return float(1.0 - np.sum((target - pred) ** 2) / np.sum((target - target.mean(axis=0)) ** 2))


def lag_decoding(
    states: np.ndarray, x: np.ndarray, s: int, lags: int | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Held-out R^2 and sign accuracy of the linear decoders D_k: h(t) -> x(t-k), k = 0..lags-1 (C14).

    Samples are the times t >= s - 1 of every sequence; D_k (d, H) is the least-squares fit on the
    first half of the sequences, scored on the second half (default lags = s). Shapes: states
    (B, T, H), x (B, T, d). Returns (r2 (lags,), sign accuracy (lags,), decoders (lags, d, H)).
    """
    states, x = as_float_array(states, "states", ndim=3), as_float_array(x, "x", ndim=3)
    B, T, H = states.shape
    if x.shape[:2] != (B, T) or B < 2:
        raise ValueError(f"x: expected shape ({B}, {T}, d) matching states (B >= 2), got {x.shape}")
    lags = s if lags is None else positive_int(lags, "lags")
    t0 = max(s - 1, lags - 1)  # first time at which every lag is defined
    if t0 >= T:
        raise ValueError(f"lags: expected max(s, lags) <= T = {T}, got s = {s}, lags = {lags}")
    half = B // 2
    r2, acc, dec = np.empty(lags), np.empty(lags), np.empty((lags, x.shape[2], H))
    for k in range(lags):
        h_fit, h_test = states[:half, t0:].reshape(-1, H), states[half:, t0:].reshape(-1, H)
        x_fit = x[:half, t0 - k : T - k].reshape(-1, x.shape[2])
        x_test = x[half:, t0 - k : T - k].reshape(-1, x.shape[2])
        D = np.linalg.lstsq(h_fit, x_fit, rcond=None)[0].T  # (d, H)
        pred = h_test @ D.T
        dec[k], r2[k], acc[k] = D, _r2(pred, x_test), np.mean(np.sign(pred) == np.sign(x_test))
    return r2, acc, dec


def transport_decoding(
    states: np.ndarray, x: np.ndarray, s: int, W_hh: np.ndarray, decoders: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """R^2 and sign accuracy of x(t+1-k) predicted by D_k W_hh h(t), k = 1..len(decoders)-1 (C14).

    Near 1: the linear part of the dynamics carries column k-1 into column k (a linear wave);
    low while ``lag_decoding`` is high: the substrate is held but moved by the nonlinearity.
    Uses the second half of the sequences (the decoders' test half), output-phase times s-1 <= t <= T-2
    (zero input, so W_hh h(t) is the whole linearized step); at most s decoders, since x(t+1-k) must exist at
    t = s-1. Returns (r2 (k,), sign accuracy (k,)).
    """
    states, x = as_float_array(states, "states", ndim=3), as_float_array(x, "x", ndim=3)
    W_hh = as_float_array(W_hh, "W_hh", ndim=2)
    B, T, H = states.shape
    if len(decoders) > s:  # x(t+1-k) at t = s-1 needs k <= s (lag_decoding's lags > s have no transported target)
        raise ValueError(f"decoders: expected at most s = {s} decoders (lags 0..s-1), got {len(decoders)}")
    half = B // 2
    moved = states[half:, s - 1 : T - 1] @ W_hh.T  # (B/2, T-s, H): W_hh h(t)
    r2, acc = np.empty(len(decoders) - 1), np.empty(len(decoders) - 1)
    for k in range(1, len(decoders)):
        target = x[half:, s - k : T - k].reshape(-1, x.shape[2])  # x(t+1-k) for t = s-1..T-2
        pred = moved.reshape(-1, H) @ decoders[k].T
        r2[k - 1], acc[k - 1] = _r2(pred, target), np.mean(np.sign(pred) == np.sign(target))
    return r2, acc


def _matched_angles(angles: np.ndarray, s: int, d: int) -> np.ndarray:
    """|angle difference| of each angle to its root after the minimum-cost assignment to the s roots (d each)."""
    from scipy.optimize import linear_sum_assignment

    roots = np.repeat(2 * np.pi * np.arange(s) / s, d)
    diff = np.abs(np.angle(np.exp(1j * (angles[:, None] - roots[None, :]))))  # wrapped to [0, pi]
    rows, cols = linear_sum_assignment(diff)
    return diff[rows, cols]


def root_structure(W_hh: np.ndarray, d: int, s: int, radius: float = CLUSTER_RADIUS, null_draws: int = 256) -> dict:
    """How much of the repeat-copy spectrum (d eigenvalues at each s-th root of unity, C4) W_hh shows.

    ``counts``: eigenvalues within ``radius`` of each root (root k at angle 2 pi k / s; the radius is
    capped at half the root spacing, as in analysis.match_spectrum's clusters). Angles only, for
    networks that run saturated (moduli far from 1): the s*d largest-modulus eigenvalues are assigned
    to the roots (d each, minimum total angle difference); ``angle_error_mean`` is their mean angle
    difference and ``angle_ratio`` divides it by the same number for s*d uniformly random angles
    (mean over ``null_draws`` fixed draws): 0 = the roots' angles and multiplicities exactly, ~1 =
    no structure. ``angle_fraction``: the fraction whose angle difference is below pi / (2 s), half
    the way to the midpoint between roots (``angle_fraction_null`` for random angles); ``angle_counts``:
    how many lie nearest to each root (multiplicities not enforced).

    >>> r = root_structure(np.diag([1.0, -1.0, 0.0]), d=1, s=2)
    >>> r["counts"], r["angle_counts"], r["angle_ratio"], r["angle_fraction"]
    ([1, 1], [1, 1], 0.0, 1.0)
    """
    from .spectrum_match import clusters, persistence_radius
    from ..theory.wave_operator import spectrum

    W_hh = as_float_array(W_hh, "W_hh", ndim=2)
    if W_hh.shape[0] != W_hh.shape[1] or W_hh.shape[0] < s * d:
        raise ValueError(f"W_hh: expected a square matrix with at least s*d = {s * d} rows, got {W_hh.shape}")
    eigs = np.linalg.eigvals(W_hh)
    theory = spectrum(repeat_copy(d, s))
    clusters = clusters(theory, eigs, cap=radius)
    roots = [z for z, _ in group_eigenvalues(theory, tol=1e-3)]
    order = np.argsort([np.angle(z) % (2 * np.pi) for z in roots])
    counts = [clusters[i]["learned"] for i in order]
    top = eigs[np.argsort(-np.abs(eigs), kind="stable")[: s * d]]
    band = np.pi / (2 * s)
    err = _matched_angles(np.angle(top), s, d)
    null_rng = np.random.default_rng(0)  # fixed draws: the null is a constant of (s, d)
    null = np.array([_matched_angles(null_rng.uniform(-np.pi, np.pi, s * d), s, d) for _ in range(null_draws)])
    nearest = np.round(np.angle(top) / (2 * np.pi / s)) % s
    return {"counts": counts, "total": int(sum(counts)), "expected_repeat_copy": d * s,
            "angle_counts": [int(np.sum(nearest == k)) for k in range(s)],
            "angle_error_mean": float(err.mean()), "angle_error_null": float(null.mean()),
            "angle_ratio": float(err.mean() / null.mean()),
            "angle_fraction": float(np.mean(err < band)), "angle_fraction_null": float(np.mean(null < band)),
            "top_modulus_mean": float(np.abs(top).mean()), "top_modulus_min": float(np.abs(top).min()),
            "n_outside": int(np.sum(np.abs(eigs) > persistence_radius(s))),
            "spectral_radius": float(np.abs(eigs).max())}


def mean_jacobian(net, inputs: np.ndarray, start: int) -> np.ndarray:
    """The one-step Jacobian dF/dstate averaged over the states visited at steps t >= start (C11, C14).

    Elman (LinearRNN, tanh): diag(1 - h(t)^2) W_hh; GRU: gated.jacobian at (h(t-1), u(t)); LSTM: on the state
    (h, c), size 2H. inputs (B, T, d) from h(-1) = c(-1) = 0. In the linear regime this is the linearization
    at 0; where the network runs saturated it is the linearization at its operating point. Any other network
    of a registered cell (an Elman network with biases, LRU, S4D, wave-RNN) goes to ``operating_point``.
    """
    from ..theory.gated import GatedWeights, jacobian, step
    from ..theory.wave_operator import LinearRNN

    inputs = as_float_array(inputs, "inputs", ndim=3)
    net = getattr(net, "network", None) or net
    if not isinstance(net, (LinearRNN, GatedWeights)):  # any other registered cell (biases, SSMs, ...): autograd's road
        return operating_point(net, inputs, start)  # which checks start the same way
    B, T, _ = inputs.shape
    if not 0 <= start < T:
        raise ValueError(f"start: expected 0 <= start < T = {T}, got {start}")
    if isinstance(net, LinearRNN):  # diag(v) W_hh is linear in v: average the slopes 1 - h(t)^2, then multiply
        slopes = 1.0 - net.run(inputs, "tanh")[1][:, start:] ** 2  # (B, T - start, H)
        return slopes.mean(axis=(0, 1))[:, None] * net.W_hh
    H, lstm = net.hidden, net.cell == "lstm"  # a gated network from here (the Elman network returned above)
    total = np.zeros((2 * H, 2 * H) if lstm else (H, H))
    for b in range(B):
        h, c = np.zeros(H), np.zeros(H) if lstm else None
        for t in range(T):
            x = inputs[b, t]
            if t >= start:
                total += jacobian(net, h, x, c)[0]
            h, c = step(net, h, x, c)
    return total / (B * (T - start))


def operating_point(net, inputs: np.ndarray, start: int, nonlinearity: str = "tanh") -> np.ndarray:
    """The operating point's linearization: the one-step Jacobian averaged over the states visited at t >= start (C11, C14).

        J_op = mean over sequences b and steps t >= start of dF/dstate (state_b(t-1), u_b(t))

    For every registered cell (``dynamics.state_map``: Elman with or without biases, GRU, LSTM on (h, c),
    the diagonal cells' real form, the wave-RNN), with inputs (B, T, d) from the zero state; equal to
    ``mean_jacobian`` on the networks that one reads. A plain LinearRNN runs with ``nonlinearity``.
    """
    import torch

    from .dynamics import state_map

    inputs = as_float_array(inputs, "inputs", ndim=3)
    B, T, _ = inputs.shape
    if not 0 <= start < T:
        raise ValueError(f"start: expected 0 <= start < T = {T}, got {start}")
    sm = state_map(net, nonlinearity)
    u = torch.as_tensor(inputs)
    states = sm.rollout(u)  # (B, T, n)
    prev = torch.cat([torch.zeros(B, 1, sm.n, dtype=torch.float64), states[:, :-1]], dim=1)
    total = torch.zeros(sm.n, sm.n, dtype=torch.float64)
    for t in range(start, T):  # one time step at a time: B Jacobians of n x n in memory
        total += sm.jacobians(prev[:, t], u[:, t]).sum(dim=0)
    return (total / (B * (T - start))).detach().numpy()
