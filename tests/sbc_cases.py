"""Shared cases of the C6 tests: SBC parameters with histories, the transformer run, and the rounding bounds.

Used by tests/theory/test_attention.py (the SBC == transformer identity) and tests/learning/test_transformer.py
(the transformer's own properties); the tolerances are derived in the docstring of test_attention.py.
"""

from __future__ import annotations

import numpy as np
import torch
from hypothesis import strategies as st

from wavetheory.learning.transformer import AttentionOnlyTransformer, generate
from wavetheory.strategies import histories, sbc_params
from wavetheory.theory.attention import SBCParams, attended_columns, sbc_boundary_torch

U64, U32 = 2.0**-53, 2.0**-24  # unit roundoffs
STEP_FACTOR = 64  # ~2 n with n <= 32 terms per dot-product chain (tests/theory/test_attention.py docstring); measured <= 12.7
TOL64_RUN = 1e-10  # free running, plain/multi-head, relative: measured 8.7e-15 (tests/theory/test_attention.py docstring)
TOL32_RUN = 1e-4  # free running float32, plain/multi-head, relative: measured 5.7e-6


def transformer_run(p: SBCParams, H: np.ndarray, steps: int, dtype=torch.float64, causal: bool = True) -> np.ndarray:
    model = AttentionOnlyTransformer.from_sbc(p, dtype=dtype)
    return generate(model, torch.from_numpy(H).to(dtype), steps, causal=causal).double().numpy()


def windows(H: np.ndarray, traj: np.ndarray) -> np.ndarray:
    """All s-windows the loop sees along a trajectory: (B * steps, s, d)."""
    s, steps = H.shape[1], traj.shape[1]
    full = np.concatenate([H, traj], axis=1)
    return np.stack([full[:, t : t + s] for t in range(steps)], axis=1).reshape(-1, s, H.shape[2])


def error_scale(p: SBCParams, W: np.ndarray) -> np.ndarray:
    """(1 + max ||K_n z_i|| ||Q_n z_s||) max(1, |H|) cond_LN per window (tests/theory/test_attention.py docstring); W (B, s, d) -> (B,)."""
    Z = attended_columns(p, W)
    k_norm = np.linalg.norm(np.einsum("hkc,bic->bhik", p.K, Z), axis=-1)  # (B, nh, s)
    q_norm = np.linalg.norm(np.einsum("hkc,bc->bhk", p.Q, Z[:, -1]), axis=-1)  # (B, nh)
    scale = (1 + (k_norm * q_norm[..., None]).max(axis=(1, 2))) * np.maximum(1, np.abs(W).max(axis=(1, 2)))
    if p.layernorm:
        X = W if p.pos is None else np.concatenate([W, np.broadcast_to(p.pos, W.shape[:-1] + (p.pos.shape[1],))], -1)
        scale = scale * np.maximum(1, (np.abs(X).max(-1) / np.sqrt(X.var(-1) + p.eps)).max(-1))
    return scale


def assert_steps_match(p: SBCParams, W: np.ndarray, dtype: torch.dtype) -> None:
    """On every window: transformer last output and torch SBC == numpy f(H) within STEP_FACTOR u scale."""
    u = U64 if dtype == torch.float64 else U32
    ref = p.boundary(W)
    with torch.no_grad():
        last = AttentionOnlyTransformer.from_sbc(p, dtype=dtype)(torch.from_numpy(W).to(dtype))[:, -1].double().numpy()
    tol = STEP_FACTOR * u * error_scale(p, W)
    assert np.all(np.max(np.abs(last - ref), axis=-1) <= tol)
    torch_sbc = sbc_boundary_torch(p, torch.from_numpy(W).to(dtype)).double().numpy()
    assert np.all(np.max(np.abs(torch_sbc - ref), axis=-1) <= tol)


@st.composite
def cases(draw, **flags):
    s = draw(st.integers(1, 8))
    p = draw(sbc_params(s, **flags))
    return p, draw(histories(p.d, s)), draw(st.integers(1, 64))
