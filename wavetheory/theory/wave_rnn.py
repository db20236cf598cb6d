"""The wave-RNN of Keller et al. (ICLR 2024) as arrays: a circular convolution on a ring of positions (C13).

The hidden state is c channels x n positions, flattened channel-major (index i n + p). One step is

    h(t) = relu(W_x u(t) + b_x + K * h(t-1) + b_K),   (K * h)[i, p] = sum_j sum_m K[i, j, m] h[j, (p + m - r) mod n],

r = k // 2 (a circular Conv1d of kernel size k, padding r), and the readout y(t) = W_y h(t) + b_y. Unrolled,
the recurrent operator is the (c n) x (c n) matrix

    M = sum_m K[:, :, m] (x) P^(m - r),      P[p, (p + 1) mod n] = 1      (block circulant),

whose spectrum is the union over q = 0..n-1 of eig(sum_m K[:, :, m] w^(q (m - r))), w = exp(2 pi i / n). Their
"fwd" initialization is the Dirac kernel rolled by one tap, K[i, i, r + 1] = 1, i.e. h(t)[i, p] = h(t-1)[i, p + 1]:
a wave that travels one position per step around the ring, M = I_c (x) P. With c = d and n = s that is the
repeat-copy wave operator in another order of the units: M = Pi Phi Pi^T (``position_major``), the
s-th roots of unity d times each.

Our adaptation to the +-1 inputs of the two-phase tasks (their copy task feeds one-hot symbols): the ReLU
would erase negative inputs, so each input component j gets two channels, 2j carrying +u_j and 2j + 1
carrying -u_j (c = 2d); their "solo" input initialization writes position 0 of every channel, here
W_x[(2j) n, j] = 1, W_x[(2j + 1) n, j] = -1 and b_x = 0. A reading of position p is then
u_j = h[2j, p] - h[2j + 1, p], which the linear readout (with bias, as theirs) can learn.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validate import as_batch, as_float_array, positive_int
from .gated import Linearization

__all__ = ["ring_shift", "conv_matrix", "conv_spectrum", "forward_kernel", "split_sign_encoder", "position_major", "WaveRNN"]


def ring_shift(n: int) -> np.ndarray:
    """P (n x n) with P[p, (p + 1) mod n] = 1, so (P v)[p] = v[p + 1].

    >>> ring_shift(3).astype(int).tolist()
    [[0, 1, 0], [0, 0, 1], [1, 0, 0]]
    """
    n = positive_int(n, "n")
    return np.roll(np.eye(n), 1, axis=1)


def _kernel(K: object) -> np.ndarray:
    K = as_float_array(K, "K", ndim=3)
    if K.shape[0] != K.shape[1] or K.shape[2] % 2 == 0:
        raise ValueError(f"K: expected shape (c, c, k) with k odd, got {K.shape}")
    return K


def conv_matrix(K: np.ndarray, n: int) -> np.ndarray:
    """The unrolled recurrence M = sum_m K[:, :, m] (x) P^(m - k//2), shape (c n, c n), channel-major (C13)."""
    K, n = _kernel(K), positive_int(n, "n")
    r = K.shape[2] // 2
    P = ring_shift(n)
    return sum(np.kron(K[:, :, m], np.linalg.matrix_power(P, (m - r) % n)) for m in range(K.shape[2]))


def conv_spectrum(K: np.ndarray, n: int) -> np.ndarray:
    """Eigenvalues of ``conv_matrix(K, n)`` from its n Fourier blocks sum_m K[:, :, m] w^(q (m - k//2)), w = e^(2 pi i / n)."""
    K, n = _kernel(K), positive_int(n, "n")
    r = K.shape[2] // 2
    w = np.exp(2j * np.pi / n)
    return np.concatenate([np.linalg.eigvals(sum(K[:, :, m] * w ** (q * (m - r)) for m in range(K.shape[2]))) for q in range(n)])


def forward_kernel(c: int, k: int = 3) -> np.ndarray:
    """Keller et al.'s "fwd" kernel: the Dirac kernel rolled by one tap, K[i, i, k//2 + 1] = 1 (c, c, k).

    >>> forward_kernel(1, 3).tolist()
    [[[0.0, 0.0, 1.0]]]
    """
    c, k = positive_int(c, "c"), positive_int(k, "k", minimum=3)
    if k % 2 == 0:
        raise ValueError(f"k: expected an odd kernel size >= 3, got {k}")
    K = np.zeros((c, c, k))
    K[np.arange(c), np.arange(c), k // 2 + 1] = 1.0
    return K


def split_sign_encoder(d: int, n: int) -> np.ndarray:
    """The input weights of our adaptation (c = 2d channels): W_x[(2j) n, j] = 1, W_x[(2j+1) n, j] = -1, shape (2 d n, d)."""
    d, n = positive_int(d, "d"), positive_int(n, "n")
    W = np.zeros((2 * d * n, d))
    W[2 * np.arange(d) * n, np.arange(d)] = 1.0
    W[(2 * np.arange(d) + 1) * n, np.arange(d)] = -1.0
    return W


def position_major(c: int, n: int) -> np.ndarray:
    """Pi (c n x c n) with Pi[i n + p, p c + i] = 1: channel-major units from position-major ones (Pi^T = Pi^-1)."""
    c, n = positive_int(c, "c"), positive_int(n, "n")
    Pi = np.zeros((c * n, c * n))
    i, p = np.meshgrid(np.arange(c), np.arange(n), indexing="ij")
    Pi[(i * n + p).ravel(), (p * c + i).ravel()] = 1.0
    return Pi


@dataclass(frozen=True)
class WaveRNN:
    """A wave-RNN's arrays: K (c, c, k), b_K (c,), W_x (c n, d), b_x (c n,), W_y (d, c n), b_y (d,) (C13).

    ``linearization()`` is the linear part read by ``analysis.analyze``: W_hh = the unrolled convolution
    M, W_uh = W_x, W_hy = W_y, with this network attached for the hidden states (ReLU, biases).
    """

    K: np.ndarray
    b_K: np.ndarray
    W_x: np.ndarray
    b_x: np.ndarray
    W_y: np.ndarray
    b_y: np.ndarray
    cell: str = "wrnn"

    def __post_init__(self) -> None:
        K = _kernel(self.K)
        c = K.shape[0]
        W_x = as_float_array(self.W_x, "W_x", ndim=2)
        if W_x.shape[0] % c:
            raise ValueError(f"W_x: expected c n rows with c = {c} channels, got {W_x.shape[0]}")
        n, d = W_x.shape[0] // c, W_x.shape[1]
        shapes = {"b_K": (c,), "b_x": (c * n,), "W_y": (d, c * n), "b_y": (d,)}
        for name, shape in shapes.items():
            v = as_float_array(getattr(self, name), name)
            if v.shape != shape:
                raise ValueError(f"{name}: expected shape {shape}, got {v.shape}")
            object.__setattr__(self, name, v)
        object.__setattr__(self, "K", K)
        object.__setattr__(self, "W_x", W_x)

    @property
    def channels(self) -> int:
        return int(self.K.shape[0])

    @property
    def positions(self) -> int:
        return int(self.W_x.shape[0] // self.channels)

    def recurrence(self) -> np.ndarray:
        """M = the unrolled circular convolution, (c n, c n)."""
        return conv_matrix(self.K, self.positions)

    def run(self, inputs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Outputs (B, T, d) and hidden states (B, T, c n) for inputs (B, T, d) (or unbatched), h(-1) = 0."""
        u, single = as_batch(inputs, "inputs", "(T, d)")
        if u.shape[-1] != self.W_x.shape[1]:
            raise ValueError(f"inputs: expected last dimension d = {self.W_x.shape[1]}, got {u.shape[-1]}")
        M, bias = self.recurrence(), self.b_x + np.repeat(self.b_K, self.positions)
        h = np.zeros((u.shape[0], M.shape[0]))
        hs = np.empty(u.shape[:2] + (M.shape[0],))
        for t in range(u.shape[1]):
            h = np.maximum(u[:, t] @ self.W_x.T + h @ M.T + bias, 0.0)
            hs[:, t] = h
        y = hs @ self.W_y.T + self.b_y
        return (y[0], hs[0]) if single else (y, hs)

    def linearization(self) -> Linearization:
        """W_hh = M, W_uh = W_x, W_hy = W_y (the linear part; the network gives the ReLU states)."""
        return Linearization(self.recurrence(), self.W_x, self.W_y, network=self)

    def arrays(self, prefix: str = "") -> dict[str, np.ndarray]:
        return {f"{prefix}{k}": getattr(self, k) for k in ("K", "b_K", "W_x", "b_x", "W_y", "b_y")}
