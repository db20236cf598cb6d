"""The wave operator Phi of a linear boundary condition (LBC), THEORY.md section 3 (C3, C4).

With a linear start boundary the wave memory is one linear map on the flattened substrate
h(t) = [h_1; ...; h_s] in R^{sd}:

    h(t+1) = Phi h(t),    Phi = S + E_s [A_s  A_{s-1} ... A_1]                (block companion)

S is the block shift (identity blocks on the block super-diagonal, S^s = 0) and E_s (sd x d)
selects the last block row. In any invertible basis Psi (hidden = Psi h) it is the linear RNN

    W_hh = Psi Phi Psi^-1,   W_uh = Psi E_s,   W_hy = E_s^T Psi^-1.            (C3)

Flattening convention: block i (1-based) of h occupies rows (i-1)d .. id-1 and holds column h_i.

What an input written at the boundary becomes (C5, C12, C16): the Markov parameters
G(n) = E_s^T Phi^n E_s and, for a whole history, the continuation map h(s-1) -> x(s..s+H-1); one
recursion computes both (``continuation_map``), the exact road is ``symbolic.markov_parameters``.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from .tasks import LinearHDS
from .._validate import as_float_array, positive_int, rng as as_rng

__all__ = [
    "block_shift",
    "E",
    "boundary_row",
    "Phi",
    "StructuredPhi",
    "LinearRNN",
    "make_basis",
    "compile_rnn",
    "spectrum",
    "spectral_radius",
    "charpoly",
    "group_eigenvalues",
    "continuation_map",
    "markov_parameters",
]


def _check_task(task: object) -> LinearHDS:
    if not isinstance(task, LinearHDS):
        raise TypeError(f"task: expected a LinearHDS, got {type(task).__name__}")
    return task


def block_shift(d: int, s: int) -> np.ndarray:
    """The block shift S (sd x sd): h_i(t+1) = h_{i+1}(t), identity blocks above the diagonal.

    Nilpotent of index s: S^s = 0 and S^(s-1) != 0 (C3, the H3 shift SSM when d = 1).

    >>> block_shift(1, 3).astype(int).tolist()
    [[0, 1, 0], [0, 0, 1], [0, 0, 0]]
    """
    return np.kron(np.eye(s, k=1), np.eye(d))


def E(d: int, s: int, i: int) -> np.ndarray:
    """Block selector E_i (sd x d): identity in block row i (1-based), zero elsewhere.

    >>> E(1, 3, 3).ravel().tolist()
    [0.0, 0.0, 1.0]
    """
    if not 1 <= i <= s:
        raise ValueError(f"i: expected 1 <= i <= s = {s}, got {i}")
    out = np.zeros((s * d, d))
    out[(i - 1) * d : i * d] = np.eye(d)
    return out


def boundary_row(task: LinearHDS) -> np.ndarray:
    """The boundary block row [A_s A_{s-1} ... A_1] (d x sd): block column i multiplies h_i."""
    task = _check_task(task)
    return np.concatenate(list(task.lags[::-1]), axis=1)


def Phi(task: LinearHDS) -> np.ndarray:
    """Dense wave operator Phi = S + E_s [A_s ... A_1] (sd x sd), C3/C4.

    >>> from wavetheory.theory.tasks import fibonacci
    >>> Phi(fibonacci(1, 2)).astype(int).tolist()
    [[0, 1], [1, 1]]
    """
    task = _check_task(task)
    d, s = task.d, task.s
    out = block_shift(d, s)
    out[(s - 1) * d :] += boundary_row(task)
    return out


@dataclass(frozen=True)
class StructuredPhi:
    """Phi stored as shift + boundary row; ``apply`` costs O(sd + |active lags| d^2) per vector.

    The two roads to the same operator: ``StructuredPhi(task).apply(h) == h @ Phi(task).T``.
    """

    task: LinearHDS

    def __post_init__(self) -> None:
        _check_task(self.task)

    def apply(self, h: np.ndarray) -> np.ndarray:
        """Phi h for h of shape (..., sd) (a batch of flattened substrates)."""
        d, s = self.task.d, self.task.s
        h = np.asarray(h, dtype=np.float64)
        if h.shape[-1] != s * d:
            raise ValueError(f"h: expected last dimension s*d = {s * d}, got {h.shape[-1]}")
        H = h.reshape(h.shape[:-1] + (s, d))
        out = np.empty_like(H)
        out[..., :-1, :] = H[..., 1:, :]
        out[..., -1, :] = self.task.boundary(H)
        return out.reshape(h.shape)

    def dense(self) -> np.ndarray:
        """The dense matrix (sd x sd)."""
        return Phi(self.task)


@dataclass(frozen=True)
class LinearRNN:
    """An Elman RNN's weights in torch.nn.RNN conventions (no bias).

    h(t) = sigma(W_hh h(t-1) + W_uh u(t)),  y(t) = W_hy h(t),  h(-1) = 0,
    with sigma the identity (linear RNN, C3) or tanh (C11).

    Shapes: W_hh (n, n), W_uh (n, d), W_hy (d, n).
    """

    W_hh: np.ndarray
    W_uh: np.ndarray
    W_hy: np.ndarray

    def __post_init__(self) -> None:
        W_hh = as_float_array(self.W_hh, "W_hh", ndim=2)
        W_uh = as_float_array(self.W_uh, "W_uh", ndim=2)
        W_hy = as_float_array(self.W_hy, "W_hy", ndim=2)
        n = W_hh.shape[0]
        if W_hh.shape != (n, n):
            raise ValueError(f"W_hh: expected a square (n, n) matrix, got {W_hh.shape}")
        if W_uh.shape[0] != n:
            raise ValueError(f"W_uh: expected shape (n={n}, d), got {W_uh.shape}")
        if W_hy.shape != (W_uh.shape[1], n):
            raise ValueError(f"W_hy: expected shape (d={W_uh.shape[1]}, n={n}), got {W_hy.shape}")
        for name, w in (("W_hh", W_hh), ("W_uh", W_uh), ("W_hy", W_hy)):
            object.__setattr__(self, name, w)

    @property
    def hidden(self) -> int:
        return int(self.W_hh.shape[0])

    @property
    def d(self) -> int:
        return int(self.W_uh.shape[1])

    def run(self, inputs: np.ndarray, nonlinearity: str = "linear") -> tuple[np.ndarray, np.ndarray]:
        """Run on inputs (B, T, d); return (outputs (B, T, d), hidden states (B, T, n))."""
        if nonlinearity not in ("linear", "tanh"):
            raise ValueError(f"nonlinearity: expected 'linear' or 'tanh', got {nonlinearity!r}")
        inputs = as_float_array(inputs, "inputs", ndim=3)
        if inputs.shape[-1] != self.d:
            raise ValueError(f"inputs: expected last dimension d = {self.d}, got {inputs.shape[-1]}")
        B, T, _ = inputs.shape
        h = np.zeros((B, self.hidden))
        hs = np.empty((B, T, self.hidden))
        drive = inputs @ self.W_uh.T  # (B, T, n)
        for t in range(T):
            h = h @ self.W_hh.T + drive[:, t]
            if nonlinearity == "tanh":
                h = np.tanh(h)
            hs[:, t] = h
        return hs @ self.W_hy.T, hs


def make_basis(kind: str, n: int, rng: np.random.Generator | int | None = None) -> np.ndarray:
    """A change of basis Psi (n x n): ``identity``, ``orthogonal`` (Haar) or ``invertible``.

    ``invertible`` is a Gaussian matrix with condition number below 1e3 (redrawn otherwise) so that
    float64 round trips through Psi^-1 stay accurate to ~1e-12.

    >>> Q = make_basis("orthogonal", 4, rng=0)
    >>> bool(np.allclose(Q @ Q.T, np.eye(4)))
    True
    """
    n = positive_int(n, "n")
    rng = as_rng(rng, "rng")
    if kind == "identity":
        return np.eye(n)
    if kind == "orthogonal":
        q, r = np.linalg.qr(rng.standard_normal((n, n)))
        return q * np.sign(np.diag(r))  # sign fix makes the distribution Haar
    if kind == "invertible":
        while True:
            m = rng.standard_normal((n, n)) / np.sqrt(n) + np.eye(n)
            if np.linalg.cond(m) < 1e3:
                return m
    raise ValueError(f"kind: expected 'identity', 'orthogonal' or 'invertible', got {kind!r}")


def compile_rnn(task: LinearHDS, Psi: np.ndarray | None = None, hidden: int | None = None) -> LinearRNN:
    """Compile a linear task into a linear RNN in the basis Psi (C3).

    W_hh = Psi diag(Phi, 0) Psi^-1,  W_uh = Psi E_s,  W_hy = E_s^T Psi^-1, where the wave
    coordinates are padded with ``hidden - sd`` unused (zero-dynamics) dimensions. Psi defaults
    to the identity; its size fixes ``hidden`` when given.
    """
    task = _check_task(task)
    sd = task.s * task.d
    hidden = None if hidden is None else positive_int(hidden, "hidden")
    if Psi is None:
        n = sd if hidden is None else hidden
        Psi = np.eye(n)
    Psi = as_float_array(Psi, "Psi", ndim=2)
    n = Psi.shape[0]
    if Psi.shape != (n, n):
        raise ValueError(f"Psi: expected a square matrix, got shape {Psi.shape}")
    if hidden is not None and hidden != n:
        raise ValueError(f"hidden: {hidden} does not match the size of Psi ({n})")
    if n < sd:
        raise ValueError(f"hidden: expected at least s*d = {sd} dimensions, got {n}")
    if np.linalg.cond(Psi) > 1e12:
        raise ValueError("Psi: expected an invertible basis, got a (numerically) singular matrix")
    Psi_inv = np.linalg.inv(Psi)
    P = np.zeros((n, n))
    P[:sd, :sd] = Phi(task)
    Es = np.zeros((n, task.d))
    Es[:sd] = E(task.d, task.s, task.s)
    return LinearRNN(W_hh=Psi @ P @ Psi_inv, W_uh=Psi @ Es, W_hy=Es.T @ Psi_inv)


def spectrum(task_or_matrix: LinearHDS | np.ndarray) -> np.ndarray:
    """The sd eigenvalues of Phi (or of a given square matrix), with multiplicity, sorted.

    Sorted by angle then modulus so that equal inputs give equal outputs (C4).
    """
    M = Phi(task_or_matrix) if isinstance(task_or_matrix, LinearHDS) else as_float_array(task_or_matrix, "matrix", ndim=2)
    if M.shape[0] != M.shape[1]:
        raise ValueError(f"matrix: expected a square matrix, got shape {M.shape}")
    ev = np.linalg.eigvals(M)
    # round the sort keys so that conjugate pairs and clusters sort stably
    order = np.lexsort((np.round(np.abs(ev), 9), np.round(np.angle(ev), 9)))
    return ev[order]


def spectral_radius(task: LinearHDS) -> float:
    """max |lambda| over the spectrum of Phi."""
    return float(np.max(np.abs(spectrum(task))))


def charpoly(task: LinearHDS) -> np.ndarray:
    """Coefficients [c_sd, ..., c_0] (highest degree first) of det(lam I - Phi), C4.

    Computed through the block formula det(lam^s I - sum_k lam^(s-k) A_k) evaluated at N = sd+1
    points on the unit circle and interpolated by an inverse DFT: N determinants of d x d
    matrices instead of an sd x sd eigenproblem. For integer tasks the coefficients are integers
    and are rounded (the interpolation error is ~1e-12 relative, far below 0.5).

    >>> from wavetheory.theory.tasks import repeat_copy
    >>> charpoly(repeat_copy(1, 3)).tolist()
    [1.0, 0.0, 0.0, -1.0]
    """
    task = _check_task(task)
    d, s = task.d, task.s
    N = s * d + 1
    lam = np.exp(2j * np.pi * np.arange(N) / N)
    powers = lam[:, None] ** (s - np.arange(1, s + 1))[None, :]  # (N, s): lam^(s-k)
    M = (lam**s)[:, None, None] * np.eye(d) - np.einsum("nk,kij->nij", powers, task.lags)
    values = np.linalg.det(M)  # p(lam_n)
    coeffs = (np.fft.fft(values) / N).real  # c_j for lam^j, j = 0..N-1 (real: the lags are real)
    if task.is_integer:
        coeffs = np.round(coeffs)
    return coeffs[::-1] + 0.0  # + 0.0 turns -0.0 into 0.0


def group_eigenvalues(eigenvalues: np.ndarray, tol: float = 1e-6) -> list[tuple[complex, int]]:
    """Cluster numerically equal eigenvalues: [(mean value, multiplicity), ...].

    Single linkage with distance ``tol``. Semisimple multiple eigenvalues (e.g. the roots of
    unity of repeat copy, Phi orthogonal) come out within ~1e-15 and group correctly; defective
    ones (Jordan block of size m) spread by ~eps^(1/m) and need a larger ``tol`` (see the
    symbolic module for exact multiplicities).

    >>> [(complex(round(z.real, 6), 0), m) for z, m in group_eigenvalues(np.array([1.0, 1.0 + 1e-12, -1.0]))]
    [((-1+0j), 1), ((1+0j), 2)]
    """
    ev = np.sort_complex(np.asarray(eigenvalues, dtype=complex).ravel())
    n = ev.size
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(n):
        for j in range(i + 1, n):
            if abs(ev[i] - ev[j]) <= tol:
                parent[find(i)] = find(j)
    groups: dict[int, list[complex]] = {}
    for i in range(n):
        groups.setdefault(find(i), []).append(ev[i])
    out = [(complex(np.mean(g)), len(g)) for g in groups.values()]
    return sorted(out, key=lambda p: (round(p[0].real, 9), round(p[0].imag, 9)))


# --------------------------------------------------------------------------- Markov parameters (C5, C12, C16)


def continuation_map(task: LinearHDS, horizon: int, exact: bool = False) -> np.ndarray:
    """The linear map from a history x(0..s-1) to its continuation x(s..s+H-1), shape (s*d, H*d).

    With the history flattened time-major as the substrate h(s-1) in R^{sd} (block tau+1 = x(tau)),
    and the continuation flattened time-major (column t*d + m = x_m(s+t)):

        continuation = h(s-1) @ K,     K = [(E_s^T Phi^1)^T  (E_s^T Phi^2)^T  ...  (E_s^T Phi^H)^T]

    so row tau*d + j of K is the continuation of the unit history x(tau) = e_j, and the block of K at
    (tau, t) is K(s+t, tau)^T with K(t, tau) = dx(t)/dx(tau) = E_s^T Phi^(t-s+1) E_(tau+1) (C12). Its
    rows of the newest slot tau = s-1 are the Markov parameters (``markov_parameters``). Computed by
    the recursion x(t) = sum_k A_k x(t-k) on the s*d unit histories at once (the wave memory's own
    arithmetic, so it equals ``simulate`` of the unit histories to the last bit); ``exact=True``
    runs it on Fractions (the exact binary values of the lags) and returns an object array.

    >>> from wavetheory.theory.tasks import signed_selection
    >>> continuation_map(signed_selection("x0(t-1)", s=2), 3).astype(int).tolist()  # x(0) is never read
    [[0, 0, 0], [1, 1, 1]]
    """
    task = _check_task(task)
    horizon = positive_int(horizon, "horizon", minimum=0)
    s, d = task.s, task.d
    if exact:
        lags = np.vectorize(Fraction, otypes=[object])(task.lags)
        zero = lambda shape: np.full(shape, Fraction(0), dtype=object)  # noqa: E731
        unit = np.where(np.eye(s * d, dtype=bool), Fraction(1), Fraction(0))
    else:
        lags, zero, unit = task.lags, np.zeros, np.eye(s * d)
    z = zero((s * d, s + horizon, d))  # (sd, s + H, d): z[b, t] = x(t) from the unit history b
    z[:, :s] = unit.reshape(s * d, s, d)
    for t in range(s, s + horizon):
        x = zero((s * d, d))
        for k in task.active_lags:  # the order and the arithmetic of LinearHDS.boundary
            x = x + z[:, t - k] @ lags[k - 1].T
        z[:, t] = x
    return z[:, s:].reshape(s * d, horizon * d)


def markov_parameters(task: LinearHDS, n_max: int) -> np.ndarray:
    """The Markov parameters (impulse response) G(0..n_max) of the wave RNN, shape (n_max + 1, d, d) (C5, C12, C16).

        G(n) = E_s^T Phi^n E_s,     G(0) = I,   G(n) = sum_{k=1..min(n, s)} A_k G(n-k):

    the states x(s-1+n) produced by the history whose only non-zero state is the newest, x(s-1) = e_j
    (column j), read from ``continuation_map``. For integer tasks every G(n) is an integer matrix,
    exact below 2^53. The exact road (SymPy, symbolic lags) is ``symbolic.markov_parameters``.

    >>> from wavetheory.theory.tasks import fibonacci
    >>> markov_parameters(fibonacci(1, 2), 6)[:, 0, 0].tolist()
    [1.0, 1.0, 2.0, 3.0, 5.0, 8.0, 13.0]
    """
    task = _check_task(task)
    n_max = positive_int(n_max, "n_max", minimum=0)
    s, d = task.s, task.d
    newest = continuation_map(task, n_max)[(s - 1) * d :].reshape(d, n_max, d)  # [j, n-1, m] = G(n)[m, j]
    G = np.empty((n_max + 1, d, d))
    G[0] = np.eye(d)
    G[1:] = newest.transpose(1, 2, 0)
    return G
