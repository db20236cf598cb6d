"""wavetheory.learning.transformer: the one-layer attention-only transformer and its sliding-window loop (C6).

The identity with the SBC wave memory is tested in tests/theory/test_attention.py; here the transformer's
own conventions: the causal mask, the folded 1/sqrt(d_k) scaling of ``from_sbc``, the residual and
positional options, and ``generate``'s window and validation.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from sbc_cases import STEP_FACTOR, TOL64_RUN, U64, cases, error_scale, transformer_run
from wavetheory.learning.transformer import AttentionOnlyTransformer, generate
from wavetheory.theory.attention import SBCParams, attended_columns, attention_weights, random_sbc, sbc_boundary, sbc_scores, softmax

torch.set_num_threads(1)


def _model(d=3, s=4, seed=0, **kw) -> AttentionOnlyTransformer:
    torch.manual_seed(seed)
    return AttentionOnlyTransformer(d, dtype=torch.float64, **kw)


# --------------------------------------------------------------------------- the model


def test_causal_outputs_read_only_the_past():
    """With the mask, output j depends on tokens 0..j only; without it, every output reads every token."""
    model = _model(n_heads=2)
    x = torch.randn(2, 5, 3, dtype=torch.float64)
    x2 = x.clone()
    x2[:, 3] += 1.0  # change token 3
    with torch.no_grad():
        a, b = model(x), model(x2)
        assert torch.equal(a[:, :3], b[:, :3]) and not torch.allclose(a[:, 3:], b[:, 3:])
        a, b = model(x, causal=False), model(x2, causal=False)
        assert not torch.allclose(a[:, :3], b[:, :3])


def test_residual_adds_the_input_and_the_positional_code_bounds_the_window():
    torch.manual_seed(1)
    plain = AttentionOnlyTransformer(2, pos=torch.eye(3), dtype=torch.float64)
    res = AttentionOnlyTransformer(2, pos=torch.eye(3), residual=True, dtype=torch.float64)
    res.load_state_dict(plain.state_dict())
    x = torch.randn(4, 3, 2, dtype=torch.float64)
    with torch.no_grad():
        assert torch.equal(res(x), x + plain(x))  # the same sum, in the same order
        with pytest.raises(ValueError, match="x: window of 4 tokens is longer than the positional code"):
            plain(torch.zeros(1, 4, 2, dtype=torch.float64))


def test_from_sbc_copies_the_heads_and_folds_the_scaling():
    p = random_sbc(3, n_heads=2, d_k=4, d_v=2, seed=5)
    m = AttentionOnlyTransformer.from_sbc(p)
    W_q = m.W_q.weight.detach().numpy().reshape(2, 4, 3)  # head n = rows n d_k .. (n+1) d_k - 1
    np.testing.assert_allclose(W_q, 2.0 * p.Q, rtol=1e-15)  # sqrt(d_k) = 2: exact up to one rounding
    assert np.array_equal(m.W_k.weight.detach().numpy().reshape(2, 4, 3), p.K)
    assert np.array_equal(m.W_v.weight.detach().numpy().reshape(2, 2, 3), p.V)
    assert np.array_equal(m.W_o.weight.detach().numpy(), p.W_O)


@given(cases(positional=False), st.booleans())
def test_causal_mask_is_irrelevant(case, multi):
    """The last query sees an unmasked row: generating with and without the causal mask agree."""
    p, H, steps = case
    a = transformer_run(p, H, steps, causal=True)
    b = transformer_run(p, H, steps, causal=False)
    assert np.max(np.abs(a - b)) <= TOL64_RUN * max(1.0, float(np.max(np.abs(a))))  # measured exactly 0
    model = AttentionOnlyTransformer.from_sbc(p)
    if H.shape[1] >= 2:  # the mask does change the other positions (e.g. position 1 reads x_1 only)
        with torch.no_grad():
            first = model(torch.from_numpy(H))[:, 0].numpy()
        W1 = H[:, :1]
        expect = sbc_boundary(SBCParams(p.Q, p.K, p.V, p.W_O, residual=p.residual, layernorm=p.layernorm, eps=p.eps), W1)
        assert np.all(np.max(np.abs(first - expect), axis=-1) <= STEP_FACTOR * U64 * error_scale(p, W1))


@given(cases())
def test_scores_are_the_transformers_scaled_scores(case):
    """Folded scaling: z_i^T K^T Q z_s == (W_q z_s) . (W_k z_i) / sqrt(d_k) with W_q = sqrt(d_k) Q."""
    p, H, _ = case
    model = AttentionOnlyTransformer.from_sbc(p)
    Z = torch.from_numpy(attended_columns(p, H))
    B, s, _ = Z.shape
    q = model.W_q(Z[:, -1]).view(B, p.n_heads, p.d_k).detach().numpy()  # (B, nh, d_k)
    k = model.W_k(Z).view(B, s, p.n_heads, p.d_k).detach().numpy()  # (B, s, nh, d_k)
    scores = np.einsum("bhk,bihk->bhi", q, k) / np.sqrt(p.d_k)
    tol = STEP_FACTOR * U64 * error_scale(p, H)[:, None, None]
    assert np.all(np.abs(scores - sbc_scores(p, H)) <= tol)
    assert np.all(np.abs(softmax(sbc_scores(p, H)) - attention_weights(p, H)) <= tol)  # |dw| <= |d score|


# --------------------------------------------------------------------------- generate


def test_generate_slides_the_window():
    """Each step appends the newest output and drops the oldest token (no KV cache)."""
    model = _model(d=2, n_heads=1)
    ctx = torch.randn(3, 4, 2, dtype=torch.float64)
    got = generate(model, ctx, 5)
    window, want = ctx, []
    with torch.no_grad():
        for _ in range(5):
            y = model(window)[:, -1]
            want.append(y)
            window = torch.cat([window[:, 1:], y[:, None]], dim=1)
    assert got.shape == (3, 5, 2) and torch.equal(got, torch.stack(want, 1))
    assert not got.requires_grad  # generation runs without autograd


def test_generate_validates_its_arguments():
    model = AttentionOnlyTransformer.from_sbc(random_sbc(2))
    with pytest.raises(ValueError, match="steps: expected an integer"):
        generate(model, torch.zeros(1, 3, 2, dtype=torch.float64), -2)
    with pytest.raises((TypeError, ValueError), match="steps: expected an integer"):  # a bool is not a count
        generate(model, torch.zeros(1, 3, 2, dtype=torch.float64), True)
    with pytest.raises(ValueError, match="context: expected shape"):
        generate(model, torch.zeros(1, 3, 5, dtype=torch.float64), 2)
    with pytest.raises(ValueError, match="context: expected shape"):
        generate(model, torch.zeros(1, 0, 2, dtype=torch.float64), 2)
    assert generate(model, torch.zeros(2, 3, 2, dtype=torch.float64), 0).shape == (2, 0, 2)


@given(cases(residual=False, layernorm=False, positional=False), st.integers(1, 3))
def test_batches_are_independent(case, B):
    """Generating a batch == generating each sequence alone (no cross-talk between rows)."""
    p, H, steps = case
    H = H[:B]
    whole = transformer_run(p, H, min(steps, 8))
    for b in range(H.shape[0]):
        np.testing.assert_allclose(whole[b], transformer_run(p, H[b : b + 1], min(steps, 8))[0], rtol=0,
                                   atol=TOL64_RUN * max(1.0, float(np.abs(whole).max())))
