"""The self-attention boundary condition (SBC), THEORY.md section 4 (claim C6).

The start boundary of the wave memory is one attention read of the newest column over all s
columns (single head):

    f(H) = sum_i softmax_i( h_i^T K^T Q h_s ) V h_i                                   (SBC)

so that the wave memory is the autoregressive loop of a one-layer attention-only transformer
whose context window of s tokens is the substrate (see ``wavetheory.learning.transformer`` for the
transformer written independently, and ``proofs/c6_attention_boundary.py`` for the identity).

Multi-head (the natural extension, standard transformer convention): head n has its own
Q_n, K_n (d_k x d_in) and V_n (d_v x d_in); the heads are **concatenated** and mixed by an
output projection W_O (d x n_heads d_v):

    f(H) = W_O [a_1; ...; a_nh],   a_n = sum_i softmax_i( z_i^T K_n^T Q_n z_s ) V_n z_i,

which is the same as *summing* the heads through the blocks of W_O: f = sum_n W_O^(n) a_n.

Optional variants (each written on the transformer side too, same names):

* ``pos`` (s x d_p): a window-relative positional code p_i concatenated to column i,
  z_i = [h_i; p_i] (additive PE in a model of width d + d_p whose token embedding is [I; 0]
  and whose unembedding reads the first d rows). The scores then depend on the column index.
* ``layernorm``: pre-LN without affine parameters, z_i <- LN(z_i) over all d_in entries.
* ``residual``: f(H) = h_s + (the attention output above).

Without ``pos`` the boundary is symmetric in h_1 .. h_{s-1} (only h_s is singled out, as the
query), so for s >= 3 it cannot realize repeat copy f(H) = h_1; ``repeat_copy_sbc`` adds the
positional code that makes it possible.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .._validate import as_float_array, positive_float, positive_int, rng as as_rng
from .wave_memory import WaveMemory

if TYPE_CHECKING:  # torch is imported inside the functions that need it
    import torch

__all__ = [
    "SBCParams",
    "softmax",
    "attended_columns",
    "sbc_scores",
    "attention_weights",
    "sbc_boundary",
    "sbc_rollout",
    "random_sbc",
    "repeat_copy_sbc",
    "anti_similarity_sbc",
    "sbc_boundary_torch",
]


def _heads(value: object, name: str) -> np.ndarray:
    arr = as_float_array(value, name)
    if arr.ndim == 2:
        arr = arr[None]
    if arr.ndim != 3 or 0 in arr.shape:
        raise ValueError(f"{name}: expected a non-empty (d_out, d_in) or (n_heads, d_out, d_in) array, got shape {arr.shape}")
    return arr


def _frozen(arr: np.ndarray) -> np.ndarray:
    arr = np.array(arr, dtype=np.float64)
    arr.setflags(write=False)
    return arr


@dataclass(frozen=True)
class SBCParams:
    """Weights of the self-attention boundary: Q, K, V per head, W_O, and the variant flags.

    Shapes: Q, K (n_heads, d_k, d_in); V (n_heads, d_v, d_in); W_O (d, n_heads d_v);
    pos (s, d_p) or None; d_in = d + d_p. 2-d Q, K, V mean one head. ``W_O=None`` is allowed
    for one head with d_v = d and means W_O = I. Validated on construction, stored read-only.

    >>> p = SBCParams(Q=np.eye(2), K=np.eye(2), V=np.eye(2))
    >>> p.d, p.n_heads, p.d_k, p.d_v, p.s
    (2, 1, 2, 2, None)
    """

    Q: np.ndarray
    K: np.ndarray
    V: np.ndarray
    W_O: np.ndarray | None = None
    pos: np.ndarray | None = None
    residual: bool = False
    layernorm: bool = False
    eps: float = 1e-5

    def __post_init__(self) -> None:
        Q, K, V = _heads(self.Q, "Q"), _heads(self.K, "K"), _heads(self.V, "V")
        nh, d_k, d_in = Q.shape
        if K.shape != Q.shape:
            raise ValueError(f"K: expected the shape of Q {Q.shape} (n_heads, d_k, d_in), got {K.shape}")
        if V.shape[0] != nh or V.shape[2] != d_in:
            raise ValueError(f"V: expected shape (n_heads={nh}, d_v, d_in={d_in}), got {V.shape}")
        d_p = 0
        if self.pos is not None:
            pos = as_float_array(self.pos, "pos", ndim=2)
            if pos.shape[0] < 1:
                raise ValueError(f"pos: expected shape (s, d_p) with s >= 1, got {pos.shape}")
            d_p = pos.shape[1]
            object.__setattr__(self, "pos", _frozen(pos))
        d = d_in - d_p
        if d < 1:
            raise ValueError(f"pos: d_p = {d_p} leaves no token dimensions in d_in = {d_in} (Q, K, V read [h_i; p_i])")
        if self.W_O is None:
            if nh != 1 or V.shape[1] != d:
                raise ValueError(f"W_O: required unless there is one head with d_v = d = {d} (got {nh} heads, d_v = {V.shape[1]})")
            W_O = np.eye(d)
        else:
            W_O = as_float_array(self.W_O, "W_O", ndim=2)
            if W_O.shape != (d, nh * V.shape[1]):
                raise ValueError(f"W_O: expected shape (d={d}, n_heads*d_v={nh * V.shape[1]}), got {W_O.shape}")
        for flag in ("residual", "layernorm"):
            if not isinstance(getattr(self, flag), (bool, np.bool_)):
                raise TypeError(f"{flag}: expected a bool, got {getattr(self, flag)!r}")
        eps = positive_float(self.eps, "eps")
        for name, arr in (("Q", Q), ("K", K), ("V", V), ("W_O", W_O)):
            object.__setattr__(self, name, _frozen(arr))
        object.__setattr__(self, "eps", eps)

    @property
    def n_heads(self) -> int:
        return int(self.Q.shape[0])

    @property
    def d_k(self) -> int:
        return int(self.Q.shape[1])

    @property
    def d_v(self) -> int:
        return int(self.V.shape[1])

    @property
    def d_in(self) -> int:
        return int(self.Q.shape[2])

    @property
    def d(self) -> int:
        return int(self.W_O.shape[0])

    @property
    def s(self) -> int | None:
        """The window length fixed by ``pos`` (None: any s works)."""
        return None if self.pos is None else int(self.pos.shape[0])

    def boundary(self, H: np.ndarray) -> np.ndarray:
        """The start boundary f(H) for the wave memory: H (..., s, d) -> (..., d), C6."""
        return sbc_boundary(self, H)


def softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """Numerically stable softmax: exp(x - max x) / sum exp(x - max x) along ``axis``.

    >>> softmax(np.array([1000.0, 1000.0])).tolist()
    [0.5, 0.5]
    """
    z = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return z / np.sum(z, axis=axis, keepdims=True)


def attended_columns(params: SBCParams, H: np.ndarray) -> np.ndarray:
    """The vectors z_i the boundary attends over: [h_i; p_i], layer-normalized with ``layernorm``.

    Shapes: H (..., s, d) -> Z (..., s, d_in); without ``pos`` and ``layernorm`` Z is H itself.
    """
    if H.ndim < 2 or H.shape[-1] != params.d:
        raise ValueError(f"H: expected shape (..., s, d={params.d}), got {H.shape}")
    if H.shape[-2] < 1:
        raise ValueError("H: expected at least one column (s >= 1)")
    Z = H
    if params.pos is not None:
        if H.shape[-2] != params.s:
            raise ValueError(f"H: the positional code fixes s = {params.s}, got {H.shape[-2]} columns")
        Z = np.concatenate([H, np.broadcast_to(params.pos, H.shape[:-1] + (params.pos.shape[1],))], axis=-1)
    if params.layernorm:
        mu = Z.mean(axis=-1, keepdims=True)
        var = ((Z - mu) ** 2).mean(axis=-1, keepdims=True)  # biased variance, as torch layer_norm
        Z = (Z - mu) / np.sqrt(var + params.eps)
    return Z


def _attend(params: SBCParams, H: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(f(H) (..., d), attention weights (..., n_heads, s)) for one substrate batch."""
    Z = attended_columns(params, H)  # (..., s, d_in)
    q = np.einsum("hkc,...c->...hk", params.Q, Z[..., -1, :])  # (..., nh, d_k): Q_n z_s
    k = np.einsum("hkc,...ic->...hik", params.K, Z)  # (..., nh, s, d_k): K_n z_i
    v = np.einsum("hvc,...ic->...hiv", params.V, Z)  # (..., nh, s, d_v): V_n z_i
    w = softmax(np.einsum("...hik,...hk->...hi", k, q), axis=-1)  # (..., nh, s)
    heads = np.einsum("...hi,...hiv->...hv", w, v)  # (..., nh, d_v)
    out = heads.reshape(heads.shape[:-2] + (-1,)) @ params.W_O.T  # concat heads, project: (..., d)
    if params.residual:
        out = out + H[..., -1, :]
    return out, w


def sbc_scores(params: SBCParams, H: np.ndarray) -> np.ndarray:
    """The attention logits e_i = z_i^T K_n^T Q_n z_s of the newest column, shape (..., n_heads, s), C6."""
    Z = attended_columns(params, as_float_array(H, "H"))
    q = np.einsum("hkc,...c->...hk", params.Q, Z[..., -1, :])
    return np.einsum("hkc,...ic,...hk->...hi", params.K, Z, q)


def attention_weights(params: SBCParams, H: np.ndarray) -> np.ndarray:
    """Which columns the boundary reads: softmax_i(z_i^T K_n^T Q_n z_s), shape (..., n_heads, s), C6."""
    return _attend(params, as_float_array(H, "H"))[1]


def sbc_boundary(params: SBCParams, H: np.ndarray) -> np.ndarray:
    """The SBC start boundary on a substrate H (..., s, d), columns oldest first.

    f(H) = W_O [sum_i softmax_i(z_i^T K_n^T Q_n z_s) V_n z_i]_n (+ h_s with ``residual``), C6.
    """
    if not isinstance(params, SBCParams):
        raise TypeError(f"params: expected SBCParams, got {type(params).__name__}")
    return _attend(params, np.asarray(H, dtype=np.float64))[0]


def sbc_rollout(params: SBCParams, history: np.ndarray, steps: int) -> tuple[np.ndarray, np.ndarray]:
    """Run the SBC wave memory; return (x(s..s+steps-1) (B, steps, d), weights (B, steps, n_heads, s)).

    Column s after each step is the generated token (C1 with the SBC, C6); the weights are those
    the boundary used for that token (which columns it read).
    """
    steps = positive_int(steps, "steps", minimum=0)
    history = as_float_array(history, "history", ndim=3)
    B, s, d = history.shape
    if d != params.d:
        raise ValueError(f"history: expected d = {params.d} components, got {d}")
    if params.s is not None and s != params.s:
        raise ValueError(f"history: the positional code fixes s = {params.s} columns, got {s}")
    wm = WaveMemory(params.boundary, d=d, s=s, batch=B)
    wm.load(history)
    out = np.empty((B, steps, d))
    weights = np.empty((B, steps, params.n_heads, s))
    for t in range(steps):
        new, weights[:, t] = _attend(params, wm.substrate)
        out[:, t] = wm.write(new)  # transport + start boundary (write is the same push)
    return out, weights


def random_sbc(
    d: int,
    n_heads: int = 1,
    d_k: int | None = None,
    d_v: int | None = None,
    seed: int | np.random.Generator | None = 0,
    residual: bool = False,
    layernorm: bool = False,
) -> SBCParams:
    """Seeded random SBC weights with bounded generation.

    Q_n, K_n entries ~ N(0, 1/d) (scores O(1) for O(1) columns); V_n and W_O are rescaled so
    that sum_n ||W_O^(n) V_n||_2 = 0.9, hence ||f(H)|| <= 0.9 max_i ||h_i|| without residual
    (a convex combination), and generated sequences stay bounded; with ``residual`` the scale
    is 0.3 so that ||h_s + attention|| grows at most by 1.3x per step.
    """
    d, n_heads = positive_int(d, "d"), positive_int(n_heads, "n_heads")
    d_k = d if d_k is None else positive_int(d_k, "d_k")
    d_v = d if d_v is None else positive_int(d_v, "d_v")
    rng = as_rng(seed, "seed")
    Q = rng.standard_normal((n_heads, d_k, d)) / np.sqrt(d)
    K = rng.standard_normal((n_heads, d_k, d)) / np.sqrt(d)
    V = rng.standard_normal((n_heads, d_v, d)) / np.sqrt(d)
    W_O = rng.standard_normal((d, n_heads * d_v)) / np.sqrt(n_heads * d_v)
    gain = sum(np.linalg.norm(W_O[:, n * d_v : (n + 1) * d_v] @ V[n], 2) for n in range(n_heads))
    V = V * ((0.3 if residual else 0.9) / gain)
    return SBCParams(Q=Q, K=K, V=V, W_O=W_O, residual=residual, layernorm=layernorm)


def repeat_copy_sbc(d: int, s: int, logit: float = 40.0) -> SBCParams:
    """An SBC that solves repeat copy x(t) = x(t-s) by attending to column 1 (one head).

    Positional code p_i = e_i (one-hot, d_p = s); Q reads p_s and K reads p_i so that the score
    is ``logit`` * [i == 1], independent of the content; V reads the token part. The weight on
    column 1 is e^c / (e^c + s - 1), so |f(H) - h_1| <= 2 (s-1) e^(-c) max_i ||h_i||_inf.

    >>> p = repeat_copy_sbc(1, 3)
    >>> float(p.boundary(np.array([[[1.0], [2.0], [3.0]]]))[0, 0])
    1.0
    """
    d, s = positive_int(d, "d"), positive_int(s, "s")
    d_in = d + s
    Q = np.zeros((s, d_in))
    Q[0, d + s - 1] = logit  # Q z_s = logit * e_1 (reads p_s = e_s)
    K = np.zeros((s, d_in))
    K[:, d:] = np.eye(s)  # K z_i = p_i = e_i
    V = np.zeros((d, d_in))
    V[:, :d] = np.eye(d)  # V z_i = h_i
    return SBCParams(Q=Q, K=K, V=V, pos=np.eye(s))


def anti_similarity_sbc(d: int, logit: float = 40.0) -> SBCParams:
    """The content-only attempt at repeat copy (no positional code): K^T Q = -logit I, V = I.

    The score -logit h_i . h_s favours the column least similar to the newest one. For +-1 tokens
    and s = 2 this picks h_1 whenever h_1 != h_2 (gap >= 2 logit), so it solves repeat copy; for
    s >= 3 no content-only SBC can (f is symmetric in h_1 .. h_{s-1}, see ``proofs/c6_attention_boundary.py``).

    >>> p = anti_similarity_sbc(2)
    >>> p.boundary(np.array([[[1.0, -1.0], [1.0, 1.0]]])).tolist()
    [[1.0, -1.0]]
    """
    d = positive_int(d, "d")
    return SBCParams(Q=-logit * np.eye(d), K=np.eye(d), V=np.eye(d))


def sbc_boundary_torch(params: SBCParams, H: "torch.Tensor") -> "torch.Tensor":
    """The same boundary in torch (in H's dtype): H (..., s, d) -> f(H) (..., d), C6.

    Written with explicit einsums and ``torch.softmax`` (no scaled_dot_product_attention), for
    the float32/float64 comparisons and autograd.
    """
    import torch

    dt = H.dtype
    Q, K, V, W_O = (torch.tensor(np.array(a), dtype=dt) for a in (params.Q, params.K, params.V, params.W_O))
    Z = H
    if params.pos is not None:
        pos = torch.tensor(np.array(params.pos), dtype=dt)
        Z = torch.cat([H, pos.expand(H.shape[:-1] + (pos.shape[1],))], dim=-1)
    if params.layernorm:
        Z = torch.nn.functional.layer_norm(Z, (Z.shape[-1],), eps=params.eps)
    q = torch.einsum("hkc,...c->...hk", Q, Z[..., -1, :])
    k = torch.einsum("hkc,...ic->...hik", K, Z)
    v = torch.einsum("hvc,...ic->...hiv", V, Z)
    w = torch.softmax(torch.einsum("...hik,...hk->...hi", k, q), dim=-1)
    heads = torch.einsum("...hi,...hiv->...hv", w, v)
    out = heads.reshape(heads.shape[:-2] + (-1,)) @ W_O.T
    return out + H[..., -1, :] if params.residual else out

