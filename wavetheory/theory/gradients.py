"""Gradient propagation through an RNN: Jacobian products dh(1+k)/dx(1) (THEORY.md C5, C10, C11).

For h(t) = sigma(W_hh h(t-1) + W_uh x(t)), an input written at time 1 reaches the hidden state at
time 1+k through

    dh(1+k)/dx(1) = D_{1+k} W_hh D_k W_hh ... D_2 W_hh D_1 W_uh,       D_t = diag(sigma'(a(t)))

with D_t = I for a linear RNN, so dh(1+k)/dx(1) = W_hh^k W_uh. For the compiled wave RNN in the
wave basis this is Phi^k E_s = E_{s-k} for k < s when the boundary does not feed back (C5).

Three roads to the same Jacobian (tested to 1e-10 in float64): the closed form
Psi Phi^k E_s = Psi [G(k-s+1); ...; G(k)] through the task's impulse response, the Markov
parameters G(n) = E_s^T Phi^n E_s of ``wave_operator.markov_parameters`` (``wave_input_jacobians``), the explicit product (``input_jacobians``) and torch.autograd on the
unrolled network (``autograd_input_jacobians``). A loss C at time 1+k back-propagates to
dC/dx(1) = J_k^T dC/dh(1+k), bounded by ||dC/dh|| ||W_uh|| mu^k (``gradient_bound``).

The boundary gradient (C5, last sentence) is in ``boundary_gradients``: the local gradient of
the boundary parameters A_k computed from the current substrate alone equals the full
back-propagated gradient under teacher forcing (the substrate holds the true past), and under
free running only while the boundary never reads its own predictions (horizon <= smallest
non-zero lag of A); otherwise they differ.
"""

from __future__ import annotations

import numpy as np

from .tasks import LinearHDS
from .._validate import as_float_array, positive_float, positive_int, rng as as_rng
from ..stats import log_slope
from .wave_operator import LinearRNN, compile_rnn, make_basis, markov_parameters

__all__ = [
    "input_jacobians",
    "propagation_norms",
    "wave_input_jacobians",
    "trajectory_preactivations",
    "autograd_input_jacobians",
    "loss_input_gradient",
    "autograd_loss_input_gradient",
    "jacobian_gain",
    "gradient_bound",
    "random_rnn",
    "decay_slope",
    "compare_gradient_flow",
    "boundary_gradients",
    "autograd_boundary_gradient",
]


def input_jacobians(
    W_hh: np.ndarray, W_uh: np.ndarray, k_max: int, preactivations: np.ndarray | None = None
) -> np.ndarray:
    """The Jacobians J_k = dh(1+k)/dx(1) for k = 0..k_max, shape (k_max + 1, n, d).

    Without ``preactivations`` the RNN is linear (or a tanh RNN linearized at its fixed point 0,
    where tanh' = 1, C11): J_k = W_hh^k W_uh. With ``preactivations`` a(1..1+k_max) of shape
    (k_max + 1, n) along a trajectory of a tanh RNN, J_k = D_{1+k} W_hh J_{k-1}, D = diag(1 - tanh(a)^2).
    """
    W_hh = as_float_array(W_hh, "W_hh", ndim=2)
    W_uh = as_float_array(W_uh, "W_uh", ndim=2)
    n = W_hh.shape[0]
    if W_hh.shape != (n, n) or W_uh.shape[0] != n:
        raise ValueError(f"W_hh, W_uh: expected shapes (n, n) and (n, d), got {W_hh.shape} and {W_uh.shape}")
    k_max = positive_int(k_max, "k_max", minimum=0)
    if preactivations is not None:
        a = as_float_array(preactivations, "preactivations", ndim=2)
        if a.shape != (k_max + 1, n):
            raise ValueError(f"preactivations: expected shape {(k_max + 1, n)}, got {a.shape}")
        deriv = 1.0 - np.tanh(a) ** 2  # (k_max + 1, n)
    out = np.empty((k_max + 1, n, W_uh.shape[1]))
    J = W_uh if preactivations is None else deriv[0][:, None] * W_uh
    out[0] = J
    for k in range(1, k_max + 1):
        J = W_hh @ J
        if preactivations is not None:
            J = deriv[k][:, None] * J
        out[k] = J
    return out


def propagation_norms(W_hh: np.ndarray, W_uh: np.ndarray, k_max: int, preactivations: np.ndarray | None = None) -> np.ndarray:
    """Spectral norms ||dh(1+k)/dx(1)||_2 for k = 1..k_max, shape (k_max,) (C5, C10).

    >>> from wavetheory import compile_rnn, repeat_copy
    >>> rnn = compile_rnn(repeat_copy(2, 3))
    >>> propagation_norms(rnn.W_hh, rnn.W_uh, 4).round(12).tolist()
    [1.0, 1.0, 1.0, 1.0]
    """
    J = input_jacobians(W_hh, W_uh, k_max, preactivations)
    return np.linalg.norm(J[1:], ord=2, axis=(1, 2))


# --------------------------------------------------------------------------- road (a): closed form


def wave_input_jacobians(task: LinearHDS, k_max: int, Psi: np.ndarray | None = None) -> np.ndarray:
    """Closed form dh(1+k)/dx(1) = Psi Phi^k E_s for the compiled wave RNN, shape (k_max + 1, n, d).

    Block i of Phi^k E_s is G(k - s + i) (zero for negative times; ``wave_operator.markov_parameters``):
    the impulse written at the start boundary has travelled k columns, and what the boundary wrote
    since is the impulse response. For k < s block s-k is G(0) = I, so ||Phi^k E_s||_2 >= 1 for every task: within the
    substrate the input never decays (C5). Rows past s*d (padding of ``compile_rnn``) are zero.
    """
    k_max = positive_int(k_max, "k_max", minimum=0)
    G = markov_parameters(task, k_max)  # (k_max + 1, d, d)
    d, s = task.d, task.s
    n = s * d if Psi is None else np.asarray(Psi).shape[0]
    out = np.zeros((k_max + 1, n, d))
    for k in range(k_max + 1):
        for i in range(1, s + 1):  # block i holds G(k - s + i)
            t = k - s + i
            if t >= 0:
                out[k, (i - 1) * d : i * d] = G[t]
    if Psi is not None:
        Psi = as_float_array(Psi, "Psi", ndim=2)
        if Psi.shape != (n, n) or n < s * d:
            raise ValueError(f"Psi: expected a square matrix of size >= s*d = {s * d}, got {Psi.shape}")
        out = Psi @ out
    return out


# --------------------------------------------------------------------------- road (c): autograd, trajectories


def trajectory_preactivations(W_hh: np.ndarray, W_uh: np.ndarray, inputs: np.ndarray, h0: np.ndarray | None = None) -> np.ndarray:
    """Pre-activations a(1..T) of the tanh RNN h(t) = tanh(a(t)), a(t) = W_hh h(t-1) + W_uh x(t) (C11).

    Shapes: inputs (T, d) = x(1..T), h0 (n,) = h(0) (zeros by default) -> (T, n).
    """
    W_hh = as_float_array(W_hh, "W_hh", ndim=2)
    W_uh = as_float_array(W_uh, "W_uh", ndim=2)
    x = as_float_array(inputs, "inputs", ndim=2)
    if x.shape[1] != W_uh.shape[1]:
        raise ValueError(f"inputs: expected last dimension d = {W_uh.shape[1]}, got {x.shape[1]}")
    h = np.zeros(W_hh.shape[0]) if h0 is None else as_float_array(h0, "h0", ndim=1)
    out = np.empty((x.shape[0], W_hh.shape[0]))
    for t in range(x.shape[0]):
        out[t] = W_hh @ h + W_uh @ x[t]
        h = np.tanh(out[t])
    return out


def _torch_unroll(W_hh, W_uh, x1, rest, h0, nonlinearity):  # -> (T, n) hidden states h(1..T)
    import torch

    act = torch.tanh if nonlinearity == "tanh" else (lambda a: a)
    h = act(W_hh @ h0 + W_uh @ x1)
    hs = [h]
    for x in rest:
        h = act(W_hh @ h + W_uh @ x)
        hs.append(h)
    return torch.stack(hs)


def _torch_setup(W_hh, W_uh, k_max, inputs, h0, nonlinearity):
    import torch

    if nonlinearity not in ("linear", "tanh"):
        raise ValueError(f"nonlinearity: expected 'linear' or 'tanh', got {nonlinearity!r}")
    W_hh = as_float_array(W_hh, "W_hh", ndim=2)
    W_uh = as_float_array(W_uh, "W_uh", ndim=2)
    n, d = W_uh.shape
    x = np.zeros((k_max + 1, d)) if inputs is None else as_float_array(inputs, "inputs", ndim=2)
    if x.shape != (k_max + 1, d):
        raise ValueError(f"inputs: expected shape {(k_max + 1, d)}, got {x.shape}")
    h = np.zeros(n) if h0 is None else as_float_array(h0, "h0", ndim=1)
    T = lambda a: torch.tensor(a, dtype=torch.float64)  # noqa: E731
    return T(W_hh), T(W_uh), T(x), T(h)


def autograd_input_jacobians(
    W_hh: np.ndarray,
    W_uh: np.ndarray,
    k_max: int,
    inputs: np.ndarray | None = None,
    h0: np.ndarray | None = None,
    nonlinearity: str = "linear",
) -> np.ndarray:
    """dh(1+k)/dx(1) for k = 0..k_max by torch.autograd on the unrolled RNN, shape (k_max + 1, n, d).

    inputs (k_max + 1, d) = x(1..1+k_max) (zeros by default), h0 = h(0) (zeros). float64. (C5, C11)
    """
    import torch

    k_max = positive_int(k_max, "k_max", minimum=0)
    Wh, Wu, x, h = _torch_setup(W_hh, W_uh, k_max, inputs, h0, nonlinearity)
    jac = torch.autograd.functional.jacobian(lambda x1: _torch_unroll(Wh, Wu, x1, x[1:], h, nonlinearity), x[0])
    return jac.numpy()  # (k_max + 1, n, d)


# --------------------------------------------------------------------------- loss gradients and the bound


def loss_input_gradient(
    W_hh: np.ndarray, W_uh: np.ndarray, dC_dh: np.ndarray, k: int, preactivations: np.ndarray | None = None
) -> np.ndarray:
    """dC/dx(1) = (dh(1+k)/dx(1))^T dC/dh(1+k) for a loss C at time 1+k, shape (d,) (C5).

    ``preactivations`` (k + 1, n) along a tanh trajectory, as in ``input_jacobians``.
    """
    J = input_jacobians(W_hh, W_uh, positive_int(k, "k", minimum=0), preactivations)[-1]  # (n, d)
    g = as_float_array(dC_dh, "dC_dh", ndim=1)
    if g.shape != (J.shape[0],):
        raise ValueError(f"dC_dh: expected shape ({J.shape[0]},), got {g.shape}")
    return J.T @ g


def autograd_loss_input_gradient(
    W_hh: np.ndarray,
    W_uh: np.ndarray,
    W_hy: np.ndarray,
    target: np.ndarray,
    k: int,
    inputs: np.ndarray | None = None,
    h0: np.ndarray | None = None,
    nonlinearity: str = "linear",
) -> tuple[np.ndarray, np.ndarray]:
    """(dC/dx(1), dC/dh(1+k)) by autograd for C = 1/2 ||W_hy h(1+k) - target||^2, shapes (d,), (n,)."""
    import torch

    k = positive_int(k, "k", minimum=0)
    Wh, Wu, x, h = _torch_setup(W_hh, W_uh, k, inputs, h0, nonlinearity)
    Wy = torch.tensor(as_float_array(W_hy, "W_hy", ndim=2), dtype=torch.float64)
    y = torch.tensor(as_float_array(target, "target", ndim=1), dtype=torch.float64)
    x1 = x[0].clone().requires_grad_(True)
    hs = _torch_unroll(Wh, Wu, x1, x[1:], h, nonlinearity)
    h_last = hs[-1]
    h_last.retain_grad()
    C = 0.5 * torch.sum((Wy @ h_last - y) ** 2)
    C.backward()
    return x1.grad.numpy(), h_last.grad.numpy()


def jacobian_gain(W_hh: np.ndarray, preactivations: np.ndarray | None = None) -> float:
    """mu = max_t ||D_t W_hh||_2 (= ||W_hh||_2 for a linear RNN): the per-step gain of C5's bound."""
    W_hh = as_float_array(W_hh, "W_hh", ndim=2)
    if preactivations is None:
        return float(np.linalg.norm(W_hh, 2))
    D = 1.0 - np.tanh(as_float_array(preactivations, "preactivations", ndim=2)) ** 2  # (T, n)
    return float(max(np.linalg.norm(D[t][:, None] * W_hh, 2) for t in range(1, D.shape[0])))


def gradient_bound(dC_dh_norm: float, W_uh: np.ndarray, mu: float, k: int | np.ndarray) -> np.ndarray | float:
    """The C5 bound ||dC/dx(1)|| <= ||dC/dh(1+k)|| ||W_uh||_2 mu^k (mu >= every ||D_t W_hh||_2).

    >>> float(gradient_bound(2.0, np.eye(2), 0.5, 3))
    0.25
    """
    return dC_dh_norm * float(np.linalg.norm(as_float_array(W_uh, "W_uh", ndim=2), 2)) * float(mu) ** np.asarray(k)


def random_rnn(n: int, d: int, mu: float, rng: np.random.Generator | int | None = None, uh_norm: float = 1.0) -> LinearRNN:
    """A random Elman RNN with ||W_hh||_2 = mu exactly and ||W_uh||_2 = uh_norm (Gaussian draws rescaled).

    Its spectral radius is about mu / 2 for large n (circular law radius sqrt(n) sigma against the
    operator norm 2 sqrt(n) sigma), the non-normal gap of Gelfand's formula (C5).
    """
    n, d = positive_int(n, "n"), positive_int(d, "d")
    mu, uh_norm = positive_float(mu, "mu"), positive_float(uh_norm, "uh_norm")
    rng = as_rng(rng, "rng")
    G = rng.standard_normal((n, n))
    U = rng.standard_normal((n, d))
    Y = rng.standard_normal((d, n)) / np.sqrt(n)
    return LinearRNN(mu * G / np.linalg.norm(G, 2), uh_norm * U / np.linalg.norm(U, 2), Y)


def decay_slope(norms: np.ndarray, lags: np.ndarray | None = None) -> float:
    """Fitted decay rate of the gradient norms: the slope of log ||J_k|| against the lag k (C5, C10).

    ``stats.log_slope`` with the lags 1..len(norms) by default. The slope is a convex combination
    of the increments log n_{k+1} - log n_k (equally spaced lags), so it never exceeds the largest
    one: with n_{k+1} <= mu n_k it is <= log(mu).

    >>> round(decay_slope(0.5 ** np.arange(1, 6)), 6)  # log(1/2)
    -0.693147
    """
    if lags is None:
        lags = np.arange(1, np.size(norms) + 1, dtype=float)
    return log_slope(lags, norms, names=("lags", "norms"))


def compare_gradient_flow(task: LinearHDS, mu: float, k_max: int, rng: np.random.Generator | int | None = None) -> dict:
    """||dh(1+k)/dx(1)|| for k = 1..k_max: compiled wave RNN (random orthogonal basis) vs a random
    linear RNN with ||W_hh|| = mu and the same ||W_uh||, and the bound ||W_uh|| mu^k (C5).

    Returns {"lag", "wave", "random", "bound", "mu", "rho_random", "slope_random", "slope_wave"}.
    """
    k_max = positive_int(k_max, "k_max")
    rng = as_rng(rng, "rng")
    n = task.s * task.d
    wave = compile_rnn(task, make_basis("orthogonal", n, rng))
    uh = float(np.linalg.norm(wave.W_uh, 2))
    rand = random_rnn(n, task.d, mu, rng, uh_norm=uh)
    w = propagation_norms(wave.W_hh, wave.W_uh, k_max)
    r = propagation_norms(rand.W_hh, rand.W_uh, k_max)
    lags = np.arange(1, k_max + 1)
    slope = lambda v: decay_slope(v) if k_max >= 2 and np.all(v > 0) else float("nan")  # noqa: E731
    return {
        "lag": lags.tolist(),
        "wave": w.tolist(),
        "random": r.tolist(),
        "bound": (uh * float(mu) ** lags).tolist(),
        "mu": float(mu),
        "rho_random": float(np.max(np.abs(np.linalg.eigvals(rand.W_hh)))),
        "slope_random": slope(r),
        "slope_wave": slope(w),
    }


# --------------------------------------------------------------------------- the boundary gradient (C5)


def _boundary_rollout(lags, history, targets, teacher_forcing):
    lags = as_float_array(lags, "lags", ndim=3)
    s, d, _ = lags.shape
    hist = as_float_array(history, "history", ndim=3)
    y = as_float_array(targets, "targets", ndim=3)
    if hist.shape[1:] != (s, d) or y.shape[0] != hist.shape[0] or y.shape[2] != d:
        raise ValueError(f"history, targets: expected shapes (B, s={s}, d={d}) and (B, H, d), got {hist.shape} and {y.shape}")
    B, H, _ = y.shape
    z = np.concatenate([hist, np.zeros((B, H, d))], axis=1)  # (B, s + H, d): the written states
    pred = np.empty((B, H, d))
    for t in range(H):  # time s + t reads z[s + t - k] for lag k
        pred[:, t] = sum(z[:, s + t - k] @ lags[k - 1].T for k in range(1, s + 1))
        z[:, s + t] = y[:, t] if teacher_forcing else pred[:, t]
    return lags, z, pred, pred - y


def boundary_gradients(
    lags: np.ndarray, history: np.ndarray, targets: np.ndarray, teacher_forcing: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """(local, full) gradients of C = 1/2 sum_t ||x^(t) - x(t)||^2 w.r.t. A_1..A_s, each (s, d, d) (C5).

    The wave memory starts from ``history`` (B, s, d) = x(0..s-1) and predicts x^(s+t) =
    sum_k A_k z(s+t-k) for t < H = targets.shape[1]; z is what the boundary wrote: the
    predictions (free running) or the targets (``teacher_forcing``).

        local:  dC/dA_k = sum_t e(t) z(t-k)^T             (the substrate z taken as given, no BPTT)
        full:   dC/dA_k = sum_t delta(t) z(t-k)^T,   delta(t) = e(t) + sum_j A_j^T delta(t+j)

    with the adjoint delta summing only over later steps that read the prediction x^(t) (free
    running). Hence local == full exactly when no step reads a prediction: under teacher
    forcing, or when H <= k_min, the smallest k with A_k != 0 in ``lags``. Otherwise they differ
    for generic A and data (proofs/c5_numeric_slope_boundary.py, Lemma C).
    """
    lags, z, _, e = _boundary_rollout(lags, history, targets, teacher_forcing)
    s = lags.shape[0]
    B, H, d = e.shape
    delta = e.copy()
    if not teacher_forcing:
        for t in range(H - 1, -1, -1):
            for j in range(1, s + 1):
                if t + j < H:
                    delta[:, t] += delta[:, t + j] @ lags[j - 1]
    local = np.zeros_like(lags)
    full = np.zeros_like(lags)
    for k in range(1, s + 1):
        past = z[:, s - k : s - k + H]  # (B, H, d): z(s + t - k)
        local[k - 1] = np.einsum("bti,btj->ij", e, past)
        full[k - 1] = np.einsum("bti,btj->ij", delta, past)
    return local, full


def autograd_boundary_gradient(
    lags: np.ndarray, history: np.ndarray, targets: np.ndarray, teacher_forcing: bool = False
) -> np.ndarray:
    """The full gradient dC/dA of ``boundary_gradients`` by torch.autograd through the unrolled memory."""
    import torch

    lags = as_float_array(lags, "lags", ndim=3)
    s = lags.shape[0]
    hist = torch.tensor(as_float_array(history, "history", ndim=3), dtype=torch.float64)
    y = torch.tensor(as_float_array(targets, "targets", ndim=3), dtype=torch.float64)
    A = torch.tensor(lags, dtype=torch.float64, requires_grad=True)
    cols = list(hist.unbind(1))  # written states, time order
    C = torch.zeros((), dtype=torch.float64)
    for t in range(y.shape[1]):
        pred = sum(cols[s + t - k] @ A[k - 1].T for k in range(1, s + 1))
        C = C + 0.5 * torch.sum((pred - y[:, t]) ** 2)
        cols.append(y[:, t] if teacher_forcing else pred)
    C.backward()
    return A.grad.numpy()
