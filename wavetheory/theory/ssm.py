"""The shift SSM of H3 (Dao et al. 2022), written independently of the wave memory, C3.

H3's shift SSM is, per channel r = 1..d, a single-input single-output state space model with
state x_t in R^m (m = s here), shift matrix A (ones on the sub-diagonal), B = e_1:

    x_t = A x_{t-1} + B u_t,    y_t = C x_t + D u_t,    x_{-1} = 0            (recurrent view)
    y_t = sum_{k=0}^{m-1} K_k u_{t-k} + D u_t,    K_k = C A^k B               (convolutional view)

A moves the state toward *higher* index: x_t = [u_t, u_{t-1}, ..., u_{t-m+1}] (newest first).
The wave memory moves toward column 1 and keeps the newest input in column s. With zero
boundary (all A_k = 0) and the input written at the start boundary, after writing u_t its
substrate is h_i = u_{t-s+i}, so the two states are related by the reversal permutation

    x_t[j] = h_{s+1-j}(t),  i.e.  x = P h  with  P = J_s (x) I_d   (flattened, block j = index j)

(J_s the s x s anti-identity; P = P^T = P^-1), and the operators by

    A (x) I_d = P S P,   B (x) I_d = e_1 (x) I_d = P E_s,   C_wave = C P   (per channel: C[:, ::-1]),

with S the block shift and E_s the start-boundary selector of ``wave_operator``: the H3 shift
SSM is the LBC linear RNN of the zero task in the basis Psi = P (C3).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .tasks import LinearHDS
from .._validate import as_batch, as_float_array, positive_int
from .wave_memory import WaveMemory

__all__ = ["shift_matrix", "reversal_permutation", "ShiftSSM", "wave_memory_outputs"]


def shift_matrix(m: int) -> np.ndarray:
    """H3's shift matrix A (m x m): ones on the sub-diagonal, (A x)_{j+1} = x_j.

    >>> shift_matrix(3).astype(int).tolist()
    [[0, 0, 0], [1, 0, 0], [0, 1, 0]]
    """
    return np.eye(positive_int(m, "m"), k=-1)


def reversal_permutation(d: int, s: int) -> np.ndarray:
    """P = J_s (x) I_d (sd x sd): maps the flattened wave substrate h to the H3 state ordering.

    >>> reversal_permutation(1, 3).astype(int).tolist()
    [[0, 0, 1], [0, 1, 0], [1, 0, 0]]
    """
    d, s = positive_int(d, "d"), positive_int(s, "s")
    return np.kron(np.eye(s)[::-1], np.eye(d))


@dataclass(frozen=True)
class ShiftSSM:
    """d independent SISO shift SSMs of size m (H3): readout C (d, m), feed-through D (d,).

    >>> ssm = ShiftSSM(C=np.array([[0.0, 0.0, 1.0]]))  # y_t = u_{t-2}
    >>> ssm.run(np.array([[1.0], [2.0], [3.0], [4.0]]))[:, 0].tolist()
    [0.0, 0.0, 1.0, 2.0]
    """

    C: np.ndarray
    D: np.ndarray | None = None

    def __post_init__(self) -> None:
        C = as_float_array(self.C, "C", ndim=2)
        if 0 in C.shape:
            raise ValueError(f"C: expected a non-empty (d, m) array, got shape {C.shape}")
        D = np.zeros(C.shape[0]) if self.D is None else as_float_array(self.D, "D", ndim=1)
        if D.shape != (C.shape[0],):
            raise ValueError(f"D: expected shape (d={C.shape[0]},), got {D.shape}")
        object.__setattr__(self, "C", C)
        object.__setattr__(self, "D", D)

    @property
    def d(self) -> int:
        return int(self.C.shape[0])

    @property
    def m(self) -> int:
        return int(self.C.shape[1])

    @property
    def A(self) -> np.ndarray:
        return shift_matrix(self.m)

    @property
    def B(self) -> np.ndarray:
        """B = e_1 (m,)."""
        return np.eye(self.m)[0]

    def run(self, u: np.ndarray) -> np.ndarray:
        """Recurrent view: x_t = A x_{t-1} + B u_t, y_t = C x_t + D u_t; u (B, T, d) or (T, d) -> y alike."""
        u, single = as_batch(u, "u", "(T, d)")
        if u.shape[-1] != self.d:
            raise ValueError(f"u: expected last dimension d = {self.d}, got {u.shape[-1]}")
        A, B = self.A, self.B
        x = np.zeros(u.shape[:1] + (self.d, self.m))  # (B, d, m): one state per channel
        y = np.empty_like(u)
        for t in range(u.shape[1]):
            x = x @ A.T + u[:, t, :, None] * B  # (B, d, m)
            y[:, t] = np.einsum("dm,bdm->bd", self.C, x) + self.D * u[:, t]
        return y[0] if single else y

    def kernel(self) -> np.ndarray:
        """Convolution kernel K_k = C A^k B for k = 0..m-1, shape (d, m) (explicit matrix powers)."""
        A, v = self.A, self.B
        cols = []
        for _ in range(self.m):
            cols.append(self.C @ v)  # C A^k B, one value per channel
            v = A @ v
        return np.stack(cols, axis=1)

    def convolve(self, u: np.ndarray) -> np.ndarray:
        """Convolutional view: y_t = sum_k K_k u_{t-k} + D u_t (causal, zero initial state)."""
        u, single = as_batch(u, "u", "(T, d)")
        if u.shape[-1] != self.d:
            raise ValueError(f"u: expected last dimension d = {self.d}, got {u.shape[-1]}")
        K = self.kernel()
        T = u.shape[1]
        y = np.empty_like(u)
        for r in range(self.d):
            for b in range(u.shape[0]):
                y[b, :, r] = np.convolve(u[b, :, r], K[r])[:T]
        y = y + self.D * u
        return y[0] if single else y


def wave_memory_outputs(
    C_wave: np.ndarray, u: np.ndarray, D: np.ndarray | None = None, task: LinearHDS | None = None
) -> np.ndarray:
    """Drive the wave memory with u at the start boundary and read y_t = sum_i C_wave[:, i] h_i (+ D u_t).

    The boundary writes f(H) + u_t with f the task's linear boundary, i.e. h(t) = Phi h(t-1) + E_s u_t;
    the default task has all A_k = 0 (Phi = S): the H3 shift SSM, C3.
    C_wave (d, s): per-row readout of the columns h_1..h_s (C_wave = C[:, ::-1] for an H3 C).
    Shapes: u (B, T, d) or (T, d) -> y alike.
    """
    C_wave = as_float_array(C_wave, "C_wave", ndim=2)
    d, s = C_wave.shape
    if 0 in (d, s):
        raise ValueError(f"C_wave: expected a non-empty (d, s) array, got shape {C_wave.shape}")
    u, single = as_batch(u, "u", "(T, d)")
    if u.shape[-1] != d:
        raise ValueError(f"u: expected last dimension d = {d}, got {u.shape[-1]}")
    D = np.zeros(d) if D is None else as_float_array(D, "D", ndim=1)
    task = LinearHDS(np.zeros((s, d, d)), name="zero") if task is None else task
    if not isinstance(task, LinearHDS) or (task.s, task.d) != (s, d):
        raise ValueError(f"task: expected a LinearHDS with s = {s}, d = {d} (the shape of C_wave)")
    current = np.zeros((u.shape[0], d))  # u_t, read by the boundary below

    def boundary(H: np.ndarray) -> np.ndarray:  # start boundary with input: f(H) + u_t
        return task.boundary(H) + current

    wm = WaveMemory(boundary, d=d, s=s, batch=u.shape[0])
    y = np.empty_like(u)
    for t in range(u.shape[1]):
        current[:] = u[:, t]
        wm.step()  # transport + f(H) + u_t at the start boundary
        y[:, t] = np.einsum("ds,bsd->bd", C_wave, wm.substrate) + D * u[:, t]
    return y[0] if single else y
