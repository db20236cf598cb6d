"""A one-layer, attention-only transformer run autoregressively with a sliding window (torch), C6.

Written independently of the wave memory: tokens are vectors x in R^d, the model sees a window
of the last s tokens, and its output at the **last position** is the next token, fed back as is
(continuous autoregression, no vocabulary):

    window(t)   = [x(t-s), ..., x(t-1)]                                   (s tokens, oldest first)
    x(t)        = Transformer(window(t))[-1]                              (newest position's output)
    window(t+1) = [x(t-s+1), ..., x(t-1), x(t)]                           (append new, drop oldest)

One layer, per head n (standard nn.MultiheadAttention layout, bias-free linear maps):

    q_j = W_q^(n) z_j,  k_j = W_k^(n) z_j,  v_j = W_v^(n) z_j,
    a_j = sum_{i<=j} softmax_i( q_j . k_i / sqrt(d_k) ) v_i       (F.scaled_dot_product_attention)
    y_j = W_o [a_j^(1); ...; a_j^(nh)]                            (heads concatenated, projected)

Conventions that make the generated sequence *exactly* the SBC wave memory's
(``wavetheory.theory.attention``, claim C6), and what each addition changes:

| convention here                         | why it is needed / what changes if it is added                     |
|-----------------------------------------|---------------------------------------------------------------------|
| scaling 1/sqrt(d_k) folded: Q = W_q/sqrt(d_k), K = W_k | same score h_i^T K^T Q h_s on both sides (``from_sbc``) |
| query from the newest token only        | the boundary is one attention read by h_s; other rows are unused    |
| causal mask: irrelevant                 | row s of the causal mask allows every i <= s: the last row is unmasked|
| no positional encoding                  | PE added: z_i = [h_i; p_i], scores depend on the column index i;    |
|                                         | window-relative p_i (``pos``) is still a time-invariant boundary;   |
|                                         | absolute p_t (global index) makes the boundary time-dependent f_t   |
| no residual                             | residual: f(H) = h_s + attention (``residual``)                     |
| no LayerNorm                            | pre-LN: f reads LN(z_i) instead of z_i (``layernorm``)              |
| no MLP, one layer                       | an MLP after the residual is f' = g(f(H)): still a boundary; with   |
|                                         | L layers and no KV cache still a function of the window (the causal |
|                                         | mask then matters); with a KV cache across slides it is not         |
| output token = next input token         | a vocabulary (argmax + embedding) is f' = Embed(argmax(U f(H)))     |

The window tensor is rebuilt by concatenation each step (no ring buffer), and the attention is
computed for all s positions with the causal mask, exactly as a decoder without a KV cache does.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from ..theory.attention import SBCParams

import torch
import torch.nn.functional as F
from torch import nn

from .._validate import positive_int

__all__ = ["AttentionOnlyTransformer", "generate"]


class AttentionOnlyTransformer(nn.Module):
    """One attention layer: (B, T, d) tokens -> (B, T, d) outputs; options ``pos``, ``residual``, ``layernorm``.

    ``pos`` (s, d_p): window-relative positional code concatenated to the token at window slot j
    (j = 0 oldest), so the layer reads z_j = [x_j; p_j] (d_in = d + d_p).
    """

    def __init__(
        self,
        d: int,
        n_heads: int = 1,
        d_k: int | None = None,
        d_v: int | None = None,
        pos: torch.Tensor | None = None,
        residual: bool = False,
        layernorm: bool = False,
        eps: float = 1e-5,
        dtype: torch.dtype = torch.float64,
    ) -> None:
        super().__init__()
        self.d, self.n_heads = d, n_heads
        self.d_k = d if d_k is None else d_k
        self.d_v = d if d_v is None else d_v
        self.residual, self.layernorm, self.eps = residual, layernorm, eps
        self.register_buffer("pos", None if pos is None else torch.as_tensor(pos, dtype=dtype))
        d_in = d + (0 if pos is None else self.pos.shape[1])
        self.W_q = nn.Linear(d_in, n_heads * self.d_k, bias=False, dtype=dtype)
        self.W_k = nn.Linear(d_in, n_heads * self.d_k, bias=False, dtype=dtype)
        self.W_v = nn.Linear(d_in, n_heads * self.d_v, bias=False, dtype=dtype)
        self.W_o = nn.Linear(n_heads * self.d_v, d, bias=False, dtype=dtype)

    @classmethod
    def from_sbc(cls, params: "SBCParams", dtype: torch.dtype = torch.float64) -> "AttentionOnlyTransformer":
        """The transformer with the same score as the SBC: W_q = sqrt(d_k) Q (scaling folded), C6."""
        model = cls(
            params.d, params.n_heads, params.d_k, params.d_v,
            pos=None if params.pos is None else torch.tensor(np.array(params.pos)),
            residual=params.residual, layernorm=params.layernorm, eps=params.eps, dtype=dtype,
        )
        # per-head blocks stacked along the output rows: head n = rows n d_k .. (n+1) d_k - 1
        flat = {
            "W_q": math.sqrt(params.d_k) * params.Q.reshape(-1, params.d_in),
            "W_k": params.K.reshape(-1, params.d_in),
            "W_v": params.V.reshape(-1, params.d_in),
            "W_o": params.W_O,
        }
        with torch.no_grad():
            for name, w in flat.items():
                getattr(model, name).weight.copy_(torch.tensor(np.array(w), dtype=dtype))
        return model

    def forward(self, x: torch.Tensor, causal: bool = True) -> torch.Tensor:
        """Outputs y_j for every window position j; x (B, T, d) -> (B, T, d)."""
        B, T, _ = x.shape
        z = x
        if self.pos is not None:
            if T > self.pos.shape[0]:
                raise ValueError(f"x: window of {T} tokens is longer than the positional code ({self.pos.shape[0]})")
            z = torch.cat([x, self.pos[:T].expand(B, T, -1)], dim=-1)  # (B, T, d_in)
        if self.layernorm:
            z = F.layer_norm(z, (z.shape[-1],), eps=self.eps)
        q = self.W_q(z).view(B, T, self.n_heads, self.d_k).transpose(1, 2)  # (B, nh, T, d_k)
        k = self.W_k(z).view(B, T, self.n_heads, self.d_k).transpose(1, 2)  # (B, nh, T, d_k)
        v = self.W_v(z).view(B, T, self.n_heads, self.d_v).transpose(1, 2)  # (B, nh, T, d_v)
        a = F.scaled_dot_product_attention(q, k, v, is_causal=causal)  # (B, nh, T, d_v), scale 1/sqrt(d_k)
        y = self.W_o(a.transpose(1, 2).reshape(B, T, self.n_heads * self.d_v))  # (B, T, d)
        return x + y if self.residual else y


@torch.no_grad()
def generate(model: AttentionOnlyTransformer, context: torch.Tensor, steps: int, causal: bool = True) -> torch.Tensor:
    """Autoregressive generation with a sliding window of s = context.shape[1] tokens.

    Each step: y = model(window)[:, -1] (the newest position), window <- [window[:, 1:], y].
    Shapes: context (B, s, d) -> generated tokens (B, steps, d).
    """
    steps = positive_int(steps, "steps", minimum=0)
    if context.ndim != 3 or context.shape[-1] != model.d or context.shape[1] < 1:
        raise ValueError(f"context: expected shape (B, s >= 1, d={model.d}), got {tuple(context.shape)}")
    window = context
    out = []
    for _ in range(steps):
        y = model(window, causal=causal)[:, -1]  # (B, d): output at the newest position
        out.append(y)
        window = torch.cat([window[:, 1:], y[:, None]], dim=1)  # append the new token, drop the oldest
    if not out:
        return context.new_zeros((context.shape[0], 0, model.d))
    return torch.stack(out, dim=1)
