"""Two-phase realizability of linear tasks by linear time-invariant RNNs (THEORY.md C12).

A linear RNN h(t) = W h(t-1) + B u(t), y(t) = C h(t), h(-1) = 0, reads x(0..s-1) and then zeros,
so for t >= s its output is

    y(t) = sum_{tau=0..s-1} G_rnn(t - tau) x(tau),       G_rnn(n) = C W^n B    (Markov parameters)

and depends on t - tau only. The task requires x(t) = sum_tau K(t, tau) x(tau) with
K(t, tau) = E_s^T Phi^(t-s+1) E_{tau+1}. Hence (proofs/c12_realizability.py):

    realizable for the outputs t = s .. s+H-1
      <=> K(t+1, tau+1) = K(t, tau) in that window                  (Toeplitz)
      <=> G(m) A_k = 0 for 1 <= m <= H-1, 1 <= k <= s-1,  G(m) = E_s^T Phi^m E_s
      <=> A_i A_k = 0 for 1 <= i <= min(s, H-1), 1 <= k <= s-1.

For H >= s+1 (and for every horizon) the condition is A_i A_k = 0 for all i <= s, k < s: whatever a
short lag k < s writes is never read by any lag. Then the compiled wave RNN (W = Phi, B = E_s,
C = E_s^T) realizes the task. "Only A_s non-zero" is sufficient but not necessary.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from .._validate import positive_int
from .tasks import LinearHDS
from .two_phase import two_phase_batch
from .wave_operator import LinearRNN, continuation_map

__all__ = [
    "violations",
    "is_realizable",
    "selection_realizable",
    "required_map",
    "toeplitz_fit",
    "min_lti_mse",
    "fit_lti_from_data",
    "shift_register_rnn",
    "realizability_report",
]


def _check(task: object, horizon: int | None) -> LinearHDS:
    if not isinstance(task, LinearHDS):
        raise TypeError(f"task: expected a LinearHDS, got {type(task).__name__}")
    if horizon is not None:
        try:
            positive_int(horizon, "horizon")
        except (TypeError, ValueError):  # C12 answers every bad horizon with a ValueError (pinned by the tests)
            raise ValueError(f"horizon: expected an integer >= 1 or None (unbounded), got {horizon!r}") from None
    return task


def _exact_lags(task: LinearHDS) -> np.ndarray:
    """Lags as an object array of Fractions (exact binary values of the floats), shape (s, d, d)."""
    return np.vectorize(Fraction, otypes=[object])(task.lags)


def violations(task: LinearHDS, horizon: int | None = None) -> list[tuple[int, int]]:
    """Pairs (i, k), 1 <= i <= min(s, H-1), 1 <= k <= s-1, with A_i A_k != 0 (exact arithmetic), C12.

    The task is two-phase realizable by an LTI RNN iff this list is empty.

    >>> from wavetheory.theory.tasks import signed_selection
    >>> violations(signed_selection("x0(t-1)", s=2))
    [(1, 1)]
    """
    task = _check(task, horizon)
    A = _exact_lags(task)
    s = task.s
    i_max = s if horizon is None else min(s, horizon - 1)
    return [(i, k) for i in range(1, i_max + 1) for k in range(1, s) if np.any(A[i - 1] @ A[k - 1] != 0)]


def is_realizable(task: LinearHDS, horizon: int | None = None) -> bool:
    """True iff some linear time-invariant RNN outputs x(s..s+H-1) exactly from x(0..s-1) (C12).

    >>> from wavetheory.theory.tasks import repeat_copy, signed_selection
    >>> is_realizable(repeat_copy(2, 3)), is_realizable(signed_selection("x1(t-1), x1(t-2)"))
    (True, True)
    """
    return not violations(task, horizon)


def selection_realizable(task: LinearHDS) -> bool:
    """Combinatorial form of C12 for signed-selection tasks: no component with lag < s is ever read.

    Component j copies sign_j x_{c_j}(t - l_j); realizable iff l_j < s implies c_r != j for all r.
    """
    task = _check(task, None)
    nz = np.argwhere(task.lags != 0)  # rows (k-1, j, c)
    if len(nz) != task.d or sorted(nz[:, 1].tolist()) != list(range(task.d)) or np.any(np.abs(task.lags[task.lags != 0]) != 1):
        raise ValueError("task: expected a signed-selection task (one +-1 entry per output component)")
    read = set(nz[:, 2].tolist())
    return all(not (k + 1 < task.s and j in read) for k, j, _ in nz)


def required_map(task: LinearHDS, horizon: int, exact: bool = False) -> np.ndarray:
    """K(t, tau) = dx(t)/dx(tau) = E_s^T Phi^(t-s+1) E_(tau+1) for t = s..s+H-1, tau = 0..s-1 (C12).

    Shape (H, s, d, d), K[t-s, tau]: the blocks of ``wave_operator.continuation_map`` (the
    continuation of the unit histories), rearranged; ``exact=True`` uses Fractions (object array).
    """
    task = _check(task, horizon)
    if horizon is None:
        raise ValueError("horizon: required_map needs a finite horizon >= 1")
    s, d = task.s, task.d
    K = continuation_map(task, horizon, exact)  # (sd, H d): [tau d + j, (t-s) d + m] = K(t, tau)[m, j]
    return np.ascontiguousarray(K.reshape(s, d, horizon, d).transpose(2, 0, 3, 1))


def toeplitz_fit(K: np.ndarray) -> tuple[np.ndarray, float]:
    """Least-squares Markov parameters g(n), n = 1..s+H-1, for K(t, tau) ~ g(t - tau); (g, RSS).

    The minimizer is the mean of K over each diagonal t - tau = n; RSS = 0 iff K is Toeplitz.
    Shapes: K (H, s, d, d) -> g (s+H-1, d, d) with g[n-1] = g(n).
    """
    K = np.asarray(K, dtype=np.float64)
    H, s, d, _ = K.shape
    n = (np.arange(H)[:, None] + s) - np.arange(s)[None, :]  # t - tau, shape (H, s)
    g = np.zeros((s + H - 1, d, d))
    counts = np.bincount(n.ravel() - 1, minlength=s + H - 1)
    np.add.at(g, n.ravel() - 1, K.reshape(H * s, d, d))
    g /= counts[:, None, None]
    rss = float(np.sum((K - g[n - 1]) ** 2))
    return g, rss


def min_lti_mse(task: LinearHDS, horizon: int) -> float:
    """The smallest mean squared error (per output step and component) of any LTI RNN, iid unit-variance inputs.

    E||y(t) - x(t)||^2 = sum_tau ||G(t-tau) - K(t,tau)||_F^2, minimized by the Toeplitz fit: RSS / (H d).
    """
    _, rss = toeplitz_fit(required_map(task, horizon))
    return rss / (horizon * task.d)


def fit_lti_from_data(
    task: LinearHDS, horizon: int, batch: int = 256, rng: np.random.Generator | int | None = 0
) -> tuple[np.ndarray, float]:
    """Fit y(t) = sum_tau G(t - tau) u(tau) to two-phase data by least squares; (G, relative residual).

    The most general LTI model for the window (any hidden size): unknowns G(1..s+H-1), (d x d) each.
    Returns G with G[n-1] = G(n) and ||Z theta - Y||_F / ||Y||_F.
    """
    task = _check(task, horizon)
    s, d, N = task.s, task.d, task.s + horizon - 1
    u, y = two_phase_batch(task, batch, horizon, rng)  # (B, s+H, d), (B, H, d)
    Z = np.zeros((batch, horizon, N, d))  # regressor: Z[b, t-s, n-1] = u_b(t - n)
    for t in range(s, s + horizon):
        for n in range(t - s + 1, t + 1):  # t - n in 0..s-1
            Z[:, t - s, n - 1] = u[:, t - n]
    Z = Z.reshape(batch * horizon, N * d)
    Y = y.reshape(batch * horizon, d)
    theta, *_ = np.linalg.lstsq(Z, Y, rcond=None)  # (N d, d): block n holds G(n)^T
    G = theta.reshape(N, d, d).transpose(0, 2, 1)
    rel = float(np.linalg.norm(Z @ theta - Y) / np.linalg.norm(Y))
    return G, rel


def shift_register_rnn(G: np.ndarray) -> LinearRNN:
    """An LTI RNN with Markov parameters G(0..N-1): hidden = the last N inputs, W_hy = [G(0) ... G(N-1)].

    h(t) = [u(t); ...; u(t-N+1)] (N d), so y(t) = sum_n G(n) u(t-n). Shapes: G (N, d, d).
    """
    G = np.asarray(G, dtype=np.float64)
    N, d, _ = G.shape
    W_hh = np.kron(np.eye(N, k=-1), np.eye(d))
    W_uh = np.zeros((N * d, d))
    W_uh[:d] = np.eye(d)
    return LinearRNN(W_hh=W_hh, W_uh=W_uh, W_hy=np.concatenate(list(G), axis=1))


def realizability_report(task: LinearHDS, horizon: int | None = None) -> dict:
    """The C12 verdict with its evidence: exact violations, Toeplitz residual, best LTI error."""
    task = _check(task, horizon)
    H = task.s + 1 if horizon is None else horizon  # H >= s+1 is equivalent to unbounded
    bad = violations(task, horizon)
    _, rss = toeplitz_fit(required_map(task, H))
    return {
        "d": task.d,
        "s": task.s,
        "horizon": "unbounded" if horizon is None else horizon,
        "realizable": not bad,
        "i_max": task.s if horizon is None else min(task.s, horizon - 1),
        "violations": bad,
        "toeplitz_residual": rss,
        "min_lti_mse": rss / (H * task.d),
    }
