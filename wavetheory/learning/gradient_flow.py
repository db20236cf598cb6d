"""The actual gradient flow of a trained Elman network along its own two-phase trajectories (THEORY.md C10).

C10 reads how far the influence of an input reaches: the Jacobian of the hidden state k steps after an
input was written with respect to that input,

    J_k = dh(1+k)/dx(1) = D_{1+k} W_hh D_k W_hh ... D_2 W_hh D_1 W_uh,    D_t = diag(1 - h(t)^2)   (tanh)

along the trajectory the network actually runs on the two-phase task (C5's dh(1+k)/dx(1): x(1) is the
first input of the input phase, the oldest entry of the history; the other history inputs and then the
zero inputs of the output phase follow). With D_t = I (a linear network, or the linearization at the
fixed point 0, C11) this is W_hh^k W_uh, the reading C10 used before; that stays as a second reading
(``theory.gradients.propagation_norms``).

**Norm: spectral**, ||J_k||_2 = the largest gain from a perturbation of x(1) to h(1+k). It is the norm of
C5's bound (||J_k||_2 <= ||W_uh||_2 mu^k by submultiplicativity), of ``propagation_norms`` (so the two
readings compare directly), and it does not grow with d the way the Frobenius norm does (an intact copy
E_(s-k) of the input has ||.||_2 = 1 for every d, ||.||_F = sqrt(d)).

**Computation**: forward-mode automatic differentiation in torch (``torch.func.jvp``) on the unrolled
network in float64, one tangent per input component of x(1), all sequences and components in one
pass of max_lag steps (the batch repeated d times). The numpy product above and the closed form W_hh^k W_uh are the test roads
(tests/learning/test_gradient_flow.py).

**Averaging**: per sequence one value per lag; ``reduce`` gives the median (default: a few saturated
sequences with near-zero Jacobians do not move it) or the mean over the sequences, or every value.
"""

from __future__ import annotations

import numpy as np
import torch

from .._validate import as_float_array, one_of, positive_int
from ..theory.tasks import HDS, LinearHDS
from ..theory.two_phase import two_phase_batch
from ..theory.wave_operator import LinearRNN

__all__ = ["gradient_flow", "REDUCE"]

REDUCE = ("median", "mean", "none")


def _as_elman(net) -> LinearRNN:
    if getattr(net, "network", None) is not None:
        raise TypeError("net: a gated cell's linearization has no Elman trajectory; pass an Elman network (LinearRNN)")
    try:
        return LinearRNN(net.W_hh, net.W_uh, net.W_hy)
    except AttributeError:
        raise TypeError(f"net: expected a LinearRNN-like object with W_hh, W_uh, W_hy, got {type(net).__name__}") from None


def _states(W_hh: torch.Tensor, W_uh: torch.Tensor, u: torch.Tensor, x1: torch.Tensor, max_lag: int, act) -> torch.Tensor:
    """h(2..1+max_lag) (B, max_lag, n) of h(t) = act(W_hh h(t-1) + W_uh u(t)), h(0) = 0, u(1) replaced by ``x1``."""
    h = act(x1 @ W_uh.T)
    out = []
    for t in range(1, max_lag + 1):
        h = act(h @ W_hh.T + u[:, t] @ W_uh.T)
        out.append(h)
    return torch.stack(out, dim=1)


def gradient_flow(
    net: LinearRNN,
    task: LinearHDS | HDS,
    inputs: np.ndarray | None = None,
    max_lag: int | None = None,
    *,
    nonlinearity: str = "tanh",
    reduce: str = "median",
    batch: int = 64,
    rng: np.random.Generator | int | None = 0,
) -> np.ndarray:
    """||dh(1+k)/dx(1)||_2, k = 1..max_lag, along the network's two-phase trajectories, by autograd (C10).

        dh(1+k)/dx(1) = D_{1+k} W_hh ... D_2 W_hh D_1 W_uh,   D_t = diag(1 - h(t)^2) (tanh; I when linear)

    ``inputs`` (B, T, d) with T >= max_lag + 1, x(1) = inputs[:, 0]; by default ``batch`` fresh two-phase
    sequences of ``task`` (from ``rng``) long enough for ``max_lag`` (default 2 s). Returns the median or
    mean over the sequences, shape (max_lag,), or with ``reduce="none"`` every value, shape (B, max_lag).

    >>> from wavetheory.theory.tasks import repeat_copy
    >>> from wavetheory.theory.wave_operator import compile_rnn
    >>> gradient_flow(compile_rnn(repeat_copy(2, 3)), repeat_copy(2, 3), nonlinearity="linear").round(12).tolist()
    [1.0, 1.0, 1.0, 1.0, 1.0, 1.0]
    """
    rnn = _as_elman(net)
    one_of(nonlinearity, "nonlinearity", ("tanh", "linear"))
    one_of(reduce, "reduce", REDUCE)
    s, d = getattr(task, "s", None), getattr(task, "d", None)
    if not isinstance(s, int) or not isinstance(d, int):
        raise TypeError(f"task: expected a task with integer s and d (LinearHDS, HDS), got {type(task).__name__}")
    if d != rnn.d:
        raise ValueError(f"task: the task has d = {d}, the network's W_uh has d = {rnn.d} inputs")
    max_lag = 2 * s if max_lag is None else positive_int(max_lag, "max_lag")
    if inputs is None:
        inputs = two_phase_batch(task, positive_int(batch, "batch"), max(max_lag + 1 - s, 0), rng)[0]
    inputs = as_float_array(inputs, "inputs", ndim=3)
    if inputs.shape[2] != d or inputs.shape[1] < max_lag + 1:
        raise ValueError(f"inputs: expected shape (B, T >= max_lag + 1 = {max_lag + 1}, d = {d}), got {inputs.shape}")
    W_hh, W_uh = torch.from_numpy(rnn.W_hh), torch.from_numpy(rnn.W_uh)
    u = torch.from_numpy(inputs)
    act = torch.tanh if nonlinearity == "tanh" else (lambda a: a)
    B = u.shape[0]
    # one forward-mode pass for all d columns: the batch repeated d times, copy j perturbed along x_j(1)
    u_rep = u.repeat(d, 1, 1)  # (d B, T, d), copy j = rows j B .. (j + 1) B - 1
    tangent = torch.eye(d, dtype=u.dtype).repeat_interleave(B, dim=0)  # (d B, d): e_j on copy j
    _, dh = torch.func.jvp(lambda x: _states(W_hh, W_uh, u_rep, x, max_lag, act), (u_rep[:, 0],), (tangent,))
    J = dh.reshape(d, B, max_lag, -1).permute(1, 2, 3, 0)  # (B, max_lag, n, d): column j of every J_k
    # ||J||_2 = sqrt(largest eigenvalue of the d x d Gram matrix J^T J): the same number as the SVD's, cheaper for n >> d
    norms = torch.linalg.eigvalsh(J.transpose(-1, -2) @ J)[..., -1].clamp_min(0.0).sqrt().numpy()  # (B, max_lag)
    if reduce == "none":
        return norms
    return np.median(norms, axis=0) if reduce == "median" else norms.mean(axis=0)
