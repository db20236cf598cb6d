"""C6: the SBC wave memory is the autoregressive loop of a one-layer attention-only transformer.

Tolerances. One evaluation of f is a chain of dot products (projections, scores, weighted sums,
W_O) of at most n = d_in + d_k + s + n_heads d_v <= 32 terms, so each side is exact up to a
forward error ~ n u times the magnitudes (gamma_n bound), and a score error moves a softmax
weight by at most about the same amount (the softmax Jacobian has norm <= 1). Per window:

    |transformer - f(H)| <= 64 u (1 + max_{n,i} ||K_n z_i|| ||Q_n z_s||) max(1, |H|) cond_LN

with u the unit roundoff (2^-53 in float64, 2^-24 in float32), z_i the attended columns and
cond_LN = max |x| / sqrt(var x + eps) the LayerNorm condition (1 without LayerNorm). Measured
(hypothesis, 1500 draws, all variants): the error is at most 12.7 u x that scale in float64 and in
float32 alike. Relative to max(1, |H|) that is <= 1.0e-14 (float64) and <= 3.2e-5 (float32).

Free running, the per-step errors are propagated by the SBC dynamics itself. For the plain and
multi-head SBC (attention output gain 0.9, a contraction) they do not grow: float64 differences
<= 1e-10 relative (bound N x per-step ~ 64 x 1e-14; measured max 8.7e-15 over 1500 draws of
<= 64 steps), float32 <= 1e-4 relative (measured 5.7e-6). With a residual, LayerNorm or a
positional drive the SBC dynamics can be chaotic: two free runs then separate at the rate a
one-ulp perturbation of the context does (measured up to 2.7e-9 for residual, 5e-5 for
LayerNorm + positions after 64 steps, in float64), whichever implementation runs it; for those
variants the identity is checked on every step of both trajectories (teacher forcing), which is
what C6 asserts, and ``test_free_running_divergence_is_the_dynamics_own_sensitivity`` shows the
separation is the dynamics' own.
"""

from __future__ import annotations

import json
from dataclasses import FrozenInstanceError

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from wavetheory.theory.attention import (
    SBCParams,
    anti_similarity_sbc,
    attention_weights,
    random_sbc,
    repeat_copy_sbc,
    sbc_boundary,
    sbc_rollout,
    softmax,
)
from wavetheory.cli import main
from wavetheory.theory.tasks import repeat_copy, rollout
from wavetheory.learning.transformer import AttentionOnlyTransformer
from wavetheory.theory.wave_memory import simulate

from sbc_cases import STEP_FACTOR, TOL32_RUN, TOL64_RUN, U64, cases
from sbc_cases import assert_steps_match as _assert_steps_match
from sbc_cases import error_scale as _error_scale
from sbc_cases import transformer_run as _transformer_run
from sbc_cases import windows as _windows

torch.set_num_threads(1)

# --------------------------------------------------------------------------- the identity (C6)


@given(cases(residual=False, layernorm=False, positional=False))
def test_generation_equals_transformer_free_running(case):
    """Free running, plain and multi-head SBC == transformer for <= 64 steps: float64 and float32."""
    p, H, steps = case
    wave = simulate(p.boundary, H, steps)
    scale = max(1.0, float(np.max(np.abs(wave))))
    assert np.max(np.abs(wave - _transformer_run(p, H, steps))) <= TOL64_RUN * scale
    assert np.max(np.abs(wave - _transformer_run(p, H, steps, dtype=torch.float32))) <= TOL32_RUN * scale


@given(cases())
def test_every_step_equals_transformer_all_variants(case):
    """Teacher forcing on both trajectories: every window of the SBC run and of the transformer's own run.

    The transformer's last output == f(H) (float64 and float32) for residual, multi-head,
    LayerNorm and window-relative positional variants: the two loops apply the same map.
    """
    p, H, steps = case
    W_wave = _windows(H, simulate(p.boundary, H, steps))
    W_gen = _windows(H, _transformer_run(p, H, steps))
    for W in (W_wave, W_gen):
        _assert_steps_match(p, W, torch.float64)
    _assert_steps_match(p, W_wave, torch.float32)


def test_free_running_divergence_is_the_dynamics_own_sensitivity():
    """A chaotic LayerNorm+residual SBC: steps agree to ~1e-16, free runs separate like a 1-ulp perturbation."""
    p = random_sbc(3, 2, seed=19, residual=True, layernorm=True)
    H = np.random.default_rng(19).standard_normal((8, 4, 3))
    wave = simulate(p.boundary, H, 80)
    gen = _transformer_run(p, H, 80)
    perturbed = simulate(p.boundary, H * (1 + np.finfo(float).eps), 80)
    _assert_steps_match(p, _windows(H, wave), torch.float64)
    run_err, ulp_err = np.max(np.abs(wave - gen)), np.max(np.abs(wave - perturbed))
    # both separations grow from ~1e-16 to O(1e-2 .. 1) (measured 3e-2 and 4e-2 at step 70)
    assert run_err > 1e-4 and ulp_err > 1e-4
    assert np.max(np.abs(wave[:, :10] - gen[:, :10])) <= TOL64_RUN  # early steps still agree


# --------------------------------------------------------------------------- variants


@given(cases(residual=False, layernorm=False))
def test_residual_variant_adds_the_newest_column(case):
    """Residual: f_res(H) = h_s + f(H) on the SBC side and x_s + attention on the transformer side."""
    p, H, _ = case
    pr = SBCParams(p.Q, p.K, p.V, p.W_O, pos=p.pos, residual=True)
    tol = STEP_FACTOR * U64 * _error_scale(p, H)
    assert np.all(np.max(np.abs(pr.boundary(H) - (H[:, -1] + p.boundary(H))), axis=-1) <= tol)
    with torch.no_grad():
        t_plain = AttentionOnlyTransformer.from_sbc(p)(torch.from_numpy(H))[:, -1].numpy()
        t_res = AttentionOnlyTransformer.from_sbc(pr)(torch.from_numpy(H))[:, -1].numpy()
    assert np.all(np.max(np.abs(t_res - (H[:, -1] + t_plain)), axis=-1) <= tol)


@given(cases(residual=False, layernorm=False, positional=False))
def test_multihead_is_the_sum_of_projected_heads(case):
    """W_O [a_1; ...; a_nh] == sum_n W_O^(n) a_n, each a_n a one-head SBC read."""
    p, H, _ = case
    dv = p.d_v
    total = sum(
        sbc_boundary(SBCParams(p.Q[n], p.K[n], p.V[n], W_O=p.W_O[:, n * dv : (n + 1) * dv]), H) for n in range(p.n_heads)
    )
    assert np.all(np.max(np.abs(p.boundary(H) - total), axis=-1) <= STEP_FACTOR * U64 * _error_scale(p, H))


@given(cases(positional=False), st.data())
def test_content_only_boundary_is_symmetric_in_the_old_columns(case, data):
    """Without positions f is invariant under permutations of h_1 .. h_{s-1} (so no repeat copy for s >= 3)."""
    p, H, _ = case
    s = H.shape[1]
    perm = data.draw(st.permutations(range(s - 1))) if s > 1 else []
    Hp = H[:, list(perm) + [s - 1]]
    assert np.all(np.max(np.abs(p.boundary(H) - p.boundary(Hp)), axis=-1) <= STEP_FACTOR * U64 * _error_scale(p, H))


@pytest.mark.parametrize("d,s", [(1, 1), (1, 3), (3, 2), (2, 5), (4, 8)])
def test_positional_sbc_solves_repeat_copy_on_both_sides(d, s):
    """repeat_copy_sbc: one-hot attention on column 1; wave memory and transformer both copy x(t-s)."""
    p = repeat_copy_sbc(d, s)
    H = np.random.default_rng(s).choice([-1.0, 1.0], size=(3, s, d))
    wave, w = sbc_rollout(p, H, 4 * s)
    target = rollout(repeat_copy(d, s), H, 4 * s)
    # weight error (s-1) e^-40 ~ 4e-17 per step, below float64 resolution of +-1 values
    assert np.max(np.abs(wave - target)) <= 1e-12
    assert np.max(np.abs(_transformer_run(p, H, 4 * s) - target)) <= 1e-12
    assert np.min(w[..., 0]) >= 1 - (s - 1) * np.exp(-40.0) - 1e-15


def test_content_only_repeat_copy_works_for_s2_pm1_and_fails_for_s3():
    """Anti-similarity attention copies h_1 for s = 2 on +-1 tokens, and cannot for s = 3 (symmetry)."""
    p = anti_similarity_sbc(3)
    H2 = np.array(np.meshgrid(*[[-1.0, 1.0]] * 6)).reshape(6, -1).T.reshape(-1, 2, 3)  # all 64 pairs
    assert np.max(np.abs(simulate(p.boundary, H2, 6) - rollout(repeat_copy(3, 2), H2, 6))) <= 1e-12
    H3 = np.array([[[1.0, 1.0, 1.0], [-1.0, -1.0, -1.0], [1.0, -1.0, 1.0]]])
    H3_swapped = H3[:, [1, 0, 2]]
    f, g = p.boundary(H3), p.boundary(H3_swapped)
    assert np.allclose(f, g, atol=1e-15, rtol=0)  # same output for two contexts ...
    assert not np.allclose(H3[:, 0], H3_swapped[:, 0])  # ... whose repeat-copy targets differ


@given(cases(layernorm=False))
def test_rollout_weights_and_outputs(case):
    """sbc_rollout == simulate (same arithmetic); weights are distributions that reproduce f."""
    p, H, steps = case
    out, w = sbc_rollout(p, H, steps)
    np.testing.assert_array_equal(out, simulate(p.boundary, H, steps))
    assert w.shape == (H.shape[0], steps, p.n_heads, H.shape[1])
    assert np.all(w >= 0) and np.max(np.abs(w.sum(-1) - 1)) <= 1e-14  # s <= 8 terms, u = 1.1e-16
    np.testing.assert_array_equal(attention_weights(p, H), sbc_rollout(p, H, 1)[1][:, 0])


def test_softmax_is_stable():
    x = np.array([[1000.0, 1000.0, -1000.0], [-1e308, 0.0, 1.0]])
    w = softmax(x)
    assert np.all(np.isfinite(w)) and np.allclose(w.sum(-1), 1.0, rtol=0, atol=1e-15)
    assert w[0, 0] == w[0, 1] == 0.5


# --------------------------------------------------------------------------- determinism, validation


def test_same_seed_same_result():
    a, b, c = random_sbc(3, 2, seed=7), random_sbc(3, 2, seed=7), random_sbc(3, 2, seed=8)
    for name in ("Q", "K", "V", "W_O"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    assert not np.array_equal(a.Q, c.Q)
    H = np.random.default_rng(0).standard_normal((2, 5, 3))
    np.testing.assert_array_equal(_transformer_run(a, H, 20), _transformer_run(b, H, 20))
    np.testing.assert_array_equal(simulate(a.boundary, H, 20), simulate(b.boundary, H, 20))


def test_params_are_frozen_and_read_only():
    p = random_sbc(2)
    with pytest.raises(FrozenInstanceError):
        p.residual = True  # type: ignore[misc]
    with pytest.raises(ValueError):
        p.Q[0, 0, 0] = 1.0


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"Q": np.eye(2), "K": np.eye(3), "V": np.eye(2)}, "K: expected the shape of Q"),
        ({"Q": np.eye(2), "K": np.eye(2), "V": np.ones((2, 3))}, "V: expected shape"),
        ({"Q": np.ones((2, 2, 2)), "K": np.ones((2, 2, 2)), "V": np.ones((2, 2, 2))}, "W_O: required"),
        ({"Q": np.eye(2), "K": np.eye(2), "V": np.eye(2), "W_O": np.eye(3)}, "W_O: expected shape"),
        ({"Q": np.eye(2), "K": np.eye(2), "V": np.eye(2), "pos": np.eye(2)}, "pos: d_p = 2 leaves no token"),
        ({"Q": np.eye(2), "K": np.eye(2), "V": np.eye(2), "eps": 0.0}, "eps: expected a finite number > 0"),
        ({"Q": [[np.nan]], "K": [[1.0]], "V": [[1.0]]}, "Q: contains NaN"),
        ({"Q": np.ones((1, 0)), "K": np.ones((1, 0)), "V": np.ones((1, 0))}, "Q: expected a non-empty"),
        ({"Q": np.ones(3), "K": np.ones(3), "V": np.ones(3)}, "Q: expected a non-empty"),
    ],
)
def test_bad_params_raise_naming_the_argument(kwargs, match):
    with pytest.raises(ValueError, match=match):
        SBCParams(**kwargs)


def test_bad_inputs_raise():
    p = random_sbc(2)
    with pytest.raises(TypeError, match="residual: expected a bool"):
        SBCParams(np.eye(2), np.eye(2), np.eye(2), residual=1)
    with pytest.raises(TypeError, match="params: expected SBCParams"):
        sbc_boundary("not params", np.zeros((1, 2, 2)))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="H: expected shape"):
        p.boundary(np.zeros((1, 3, 5)))
    with pytest.raises(ValueError, match="positional code fixes s = 3"):
        repeat_copy_sbc(2, 3).boundary(np.zeros((1, 4, 2)))
    with pytest.raises(ValueError, match="steps: expected an integer"):
        sbc_rollout(p, np.zeros((1, 3, 2)), -1)
    with pytest.raises(ValueError, match="history: the positional code fixes s = 3"):
        sbc_rollout(repeat_copy_sbc(2, 3), np.zeros((1, 4, 2)), 2)
    with pytest.raises(ValueError, match="history: expected d = 2"):
        sbc_rollout(p, np.zeros((1, 3, 4)), 2)
    with pytest.raises(ValueError, match="d: expected an integer"):
        repeat_copy_sbc(0, 3)
    with pytest.raises(ValueError, match="n_heads: expected an integer >= 1"):
        random_sbc(2, n_heads=0)
    with pytest.raises(TypeError, match="d_k: expected an integer"):
        random_sbc(2, d_k=1.5)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- CLI and figure


def test_cli_sbc_json(capsys):
    assert main(["sbc", "--d", "3", "--s", "5", "--steps", "40", "--seed", "2", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"max_abs_diff", "steps"} and out["steps"] == 40
    assert 0 <= out["max_abs_diff"] <= TOL64_RUN
    assert main(["sbc", "--d", "3", "--s", "5", "--steps", "40", "--seed", "2", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == out  # same seed, same result
    assert main(["sbc", "--d", "2", "--s", "3", "--steps", "30", "--heads", "2", "--residual"]) == 0
    assert "max |diff|" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv",
    [
        ["sbc", "--d", "0", "--s", "3", "--steps", "5"],
        ["sbc", "--d", "2", "--s", "-1", "--steps", "5"],
        ["sbc", "--d", "2", "--s", "3", "--steps", "-5"],
        ["sbc", "--d", "2", "--s", "3"],
        ["sbc", "--d", "two", "--s", "3", "--steps", "5"],
        ["sbc", "--d", "2", "--s", "3", "--steps", "5", "--heads", "0"],
        ["sbc-copy", "--d", "2", "--s", "3", "--steps", "5", "--seed", "-1"],
    ],
)
def test_cli_bad_input_one_line_exit_2(argv, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("wavetheory") and "Traceback" not in err


def test_cli_sbc_copy_figure(tmp_path, capsys):
    path = tmp_path / "attention.png"
    assert main(["sbc-copy", "--d", "2", "--s", "4", "--steps", "12", "--out", str(path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["max_abs_error_vs_repeat_copy"] <= 1e-12 and out["max_abs_diff_wave_vs_transformer"] <= 1e-12
    assert out["content_only_max_abs_error_vs_repeat_copy"] > 0.5  # s = 4: content-only attention fails
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_plot_attention_validates(tmp_path):
    from wavetheory.plots import plot_attention

    w = np.full((5, 2, 3), 1 / 3)
    assert plot_attention({"a": w, "b": w[:, 0]}, path=tmp_path / "w.png").exists()
    with pytest.raises(ValueError, match="weights: expected shape"):
        plot_attention(np.ones(4))


def test_import_wavetheory_stays_torch_free():
    """The numpy SBC and SSM load without torch; only the transformer module needs it."""
    import subprocess
    import sys

    code = "import sys, wavetheory; wavetheory.SBCParams; wavetheory.ShiftSSM; import wavetheory.cli.attention; assert 'torch' not in sys.modules"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True).returncode == 0
