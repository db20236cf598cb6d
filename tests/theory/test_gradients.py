"""Gradient propagation: three roads, the C5 bound, fitted decay slopes, the boundary gradient (C5, C10, C11)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from wavetheory.strategies import bases, linear_tasks, seeds, signed_selection_tasks

from wavetheory import Phi, compile_rnn, fibonacci, make_basis, random_linear, repeat_copy, rollout, spectral_radius
from wavetheory.cli import main
from wavetheory.theory.gradients import (
    autograd_boundary_gradient,
    autograd_input_jacobians,
    autograd_loss_input_gradient,
    boundary_gradients,
    compare_gradient_flow,
    decay_slope,
    gradient_bound,
    input_jacobians,
    jacobian_gain,
    loss_input_gradient,
    propagation_norms,
    random_rnn,
    trajectory_preactivations,
    wave_input_jacobians,
)
from wavetheory.theory.wave_operator import E

torch.set_num_threads(1)

# Three roads agree to 1e-10 relative: each road does <= k_max <= 2s + 2 <= 14 products of
# n x n matrices (n <= 24); rounding grows like k n eps cond(Psi) <= 14 * 24 * 2.2e-16 * 1e3
# ~ 1e-10 in the worst case of a cond < 1e3 basis, and measured <= 5e-12 relative.
ROADS_RTOL = 1e-10


def _close(a: np.ndarray, b: np.ndarray, rtol: float = ROADS_RTOL) -> bool:
    return float(np.max(np.abs(a - b), initial=0.0)) <= rtol * max(1.0, float(np.max(np.abs(a), initial=0.0)))


# --------------------------------------------------------------------------- three roads


@given(task=st.one_of(linear_tasks(max_d=3, max_s=5), signed_selection_tasks(max_d=3, max_s=5)), data=st.data())
def test_closed_form_product_and_autograd_agree(task, data):
    n = task.s * task.d
    Psi = data.draw(bases(n))
    rnn = compile_rnn(task, Psi)
    k_max = 2 * task.s + 2
    closed = wave_input_jacobians(task, k_max, Psi)  # (a) Psi Phi^k E_s by the impulse response
    product = input_jacobians(rnn.W_hh, rnn.W_uh, k_max)  # (b) W_hh^k W_uh
    auto = autograd_input_jacobians(rnn.W_hh, rnn.W_uh, k_max)  # (c) torch.autograd, unrolled
    assert _close(closed, product) and _close(product, auto)


@given(task=linear_tasks(max_d=3, max_s=5))
def test_closed_form_is_phi_power_times_E_s(task):
    # the defining identity, in the wave basis: block i of Phi^k E_s is g(k - s + i)
    P = Phi(task)
    J = wave_input_jacobians(task, 2 * task.s)
    for k in range(2 * task.s + 1):
        assert _close(J[k], np.linalg.matrix_power(P, k) @ E(task.d, task.s, task.s))


@given(task=linear_tasks(max_d=3, max_s=5, only_last_lag=True))
def test_no_feedback_input_sits_intact_in_column_s_minus_k(task):
    # C5: with only A_s active, Phi^k E_s = E_{s-k} exactly for k < s (pure transport, no rounding)
    J = wave_input_jacobians(task, task.s - 1)
    for k in range(task.s):
        np.testing.assert_array_equal(J[k], E(task.d, task.s, task.s - k))


@given(task=linear_tasks(max_d=3, max_s=6), seed=seeds)
def test_wave_gradient_never_decays_inside_the_substrate(task, seed):
    # for k < s block s-k of Phi^k E_s is g(0) = I whatever the boundary: ||J_k|| >= 1 in an
    # orthogonal basis (1e-12: the norm of an orthogonal image, computed to ~n eps)
    rnn = compile_rnn(task, make_basis("orthogonal", task.s * task.d, rng=seed))
    if task.s > 1:
        assert np.all(propagation_norms(rnn.W_hh, rnn.W_uh, task.s - 1) >= 1 - 1e-12)


@given(d=st.integers(1, 4), s=st.integers(1, 8), seed=seeds)
def test_repeat_copy_norms_are_constant_for_all_lags(d, s, seed):
    rnn = compile_rnn(repeat_copy(d, s), make_basis("orthogonal", s * d, rng=seed))
    norms = propagation_norms(rnn.W_hh, rnn.W_uh, 3 * s)
    np.testing.assert_allclose(norms, 1.0, atol=1e-12)  # an orthogonal image of E_{s - k mod s}


@pytest.mark.parametrize(
    "task", [random_linear(2, 3, seed=4, radius=0.9), fibonacci(1, 3), random_linear(2, 2, seed=1, radius=1.1)]
)
def test_beyond_the_substrate_the_feedback_sets_the_rate(task):
    # k >= s: the boundary's impulse response g(k) fills the substrate; ||Phi^k E_s|| ~ rho^k
    # (Gelfand). Tail slope over k in [100, 200] within 0.01 of log rho (measured < 1e-3).
    J = wave_input_jacobians(task, 200)
    norms = np.linalg.norm(J[100:], ord=2, axis=(1, 2))
    assert abs(decay_slope(norms, np.arange(100, 201)) - np.log(spectral_radius(task))) < 0.01


# --------------------------------------------------------------------------- tanh (C11)


@given(task=linear_tasks(max_d=3, max_s=4), seed=seeds, scale=st.floats(0.01, 2.0))
def test_tanh_jacobians_along_a_trajectory_product_vs_autograd(task, seed, scale):
    rng = np.random.default_rng(seed)
    rnn = compile_rnn(task, make_basis("orthogonal", task.s * task.d, rng=rng))
    k_max = 2 * task.s
    x = scale * rng.standard_normal((k_max + 1, task.d))
    a = trajectory_preactivations(rnn.W_hh, rnn.W_uh, x)
    product = input_jacobians(rnn.W_hh, rnn.W_uh, k_max, preactivations=a)
    auto = autograd_input_jacobians(rnn.W_hh, rnn.W_uh, k_max, inputs=x, nonlinearity="tanh")
    assert _close(product, auto)
    # at the fixed point 0 (zero inputs) tanh' = 1: the tanh RNN has the linear closed form
    zero = autograd_input_jacobians(rnn.W_hh, rnn.W_uh, k_max, nonlinearity="tanh")
    assert _close(zero, input_jacobians(rnn.W_hh, rnn.W_uh, k_max))


def test_tanh_trajectory_jacobians_approach_the_fixed_point_ones_quadratically():
    # D_t = 1 - tanh(a)^2 = I - O(a^2) with a = O(input scale eps): the deviation from W_hh^k W_uh
    # is O(eps^2); fitted log-log slope within 0.1 of 2 (measured 2.00)
    rnn = compile_rnn(repeat_copy(2, 4), make_basis("orthogonal", 8, rng=1))
    J0 = input_jacobians(rnn.W_hh, rnn.W_uh, 10)
    x = np.random.default_rng(2).standard_normal((11, 2))
    scales = np.logspace(-4, -2, 5)
    dev = [np.abs(input_jacobians(rnn.W_hh, rnn.W_uh, 10, trajectory_preactivations(rnn.W_hh, rnn.W_uh, e * x)) - J0).max() for e in scales]
    assert abs(np.polyfit(np.log(scales), np.log(dev), 1)[0] - 2) < 0.1


# --------------------------------------------------------------------------- loss gradients and the bound


@given(seed=seeds, n=st.integers(2, 16), d=st.integers(1, 3), mu=st.floats(0.2, 1.5), k=st.integers(0, 12), tanh=st.booleans())
def test_loss_gradient_two_roads_and_the_bound(seed, n, d, mu, k, tanh):
    rng = np.random.default_rng(seed)
    rnn = random_rnn(n, d, mu, rng, uh_norm=float(rng.uniform(0.5, 2)))
    x = rng.standard_normal((k + 1, d)) if tanh else np.zeros((k + 1, d))
    target = rng.standard_normal(d)
    nl = "tanh" if tanh else "linear"
    g_auto, dC_dh = autograd_loss_input_gradient(rnn.W_hh, rnn.W_uh, rnn.W_hy, target, k, inputs=x, nonlinearity=nl)
    a = trajectory_preactivations(rnn.W_hh, rnn.W_uh, x) if tanh else None
    g = loss_input_gradient(rnn.W_hh, rnn.W_uh, dC_dh, k, preactivations=a)
    assert _close(g, g_auto)
    gain = jacobian_gain(rnn.W_hh, a) if k > 0 else mu
    assert gain <= mu * (1 + 1e-12)  # ||D W_hh|| <= ||W_hh|| = mu since 0 < tanh' <= 1
    # the bound; 1e-12 relative slack for the rounding of the norms themselves
    assert np.linalg.norm(g) <= gradient_bound(np.linalg.norm(dC_dh), rnn.W_uh, gain, k) * (1 + 1e-12)


# --------------------------------------------------------------------------- decay slopes


@given(seed=seeds, n=st.integers(2, 32), mu=st.floats(0.1, 2.0), k_max=st.integers(2, 60))
def test_fitted_slope_never_exceeds_log_mu(seed, n, mu, k_max):
    rnn = random_rnn(n, 2, mu, seed)
    norms = propagation_norms(rnn.W_hh, rnn.W_uh, k_max)
    slope = decay_slope(norms)
    # least squares slope = convex combination of the increments, each <= log ||W_hh|| = log mu
    assert slope <= np.max(np.diff(np.log(norms))) + 1e-12
    assert slope <= np.log(mu) + 1e-12


@given(seed=seeds, n=st.integers(4, 32), mu=st.floats(0.3, 1.5))
def test_tail_slope_approaches_log_spectral_radius(seed, n, mu):
    # Gelfand: ||W^k u||^(1/k) -> rho. Slope over k in [150, 300] within 0.02 of log rho
    # (measured <= 1e-3 over 15 seeds; the error is O(log(prefactor spread) / window length))
    rnn = random_rnn(n, 2, mu, seed)
    norms = propagation_norms(rnn.W_hh, rnn.W_uh, 300)
    rho = np.max(np.abs(np.linalg.eigvals(rnn.W_hh)))
    assert abs(decay_slope(norms[149:], np.arange(150, 301)) - np.log(rho)) < 0.02
    assert np.log(rho) < np.log(mu)  # the gap: non-normal Gaussian W_hh, rho ~ mu / 2


def test_no_gap_for_a_normal_recurrence():
    # W_hh = mu * orthogonal is normal with every |lambda| = mu: ||W^k U|| = mu^k ||U|| exactly, slope = log mu
    Q = make_basis("orthogonal", 10, rng=3)
    U = np.random.default_rng(3).standard_normal((10, 2))
    slope = decay_slope(propagation_norms(0.7 * Q, U, 40))
    assert abs(slope - np.log(0.7)) < 1e-12  # rounding of 40 products of orthogonal matrices


def test_decay_slope_validation():
    with pytest.raises(ValueError, match="positive"):
        decay_slope([1.0, 0.0, 0.5])
    with pytest.raises(ValueError, match="lags"):
        decay_slope([1.0, 0.5], [1, 2, 3])
    with pytest.raises(ValueError, match="mu"):
        random_rnn(3, 1, -1.0)


def test_compare_gradient_flow_is_deterministic_and_consistent():
    a = compare_gradient_flow(repeat_copy(2, 3), 0.8, 9, rng=5)
    b = compare_gradient_flow(repeat_copy(2, 3), 0.8, 9, rng=5)
    assert a == b  # same seed, same result
    np.testing.assert_allclose(a["wave"], 1.0, atol=1e-12)
    np.testing.assert_allclose(a["bound"], 0.8 ** np.arange(1, 10), rtol=1e-12)  # ||W_uh|| = ||Psi E_s|| = 1
    assert np.all(np.array(a["random"]) <= np.array(a["bound"]) * (1 + 1e-12))
    assert a["slope_random"] <= np.log(0.8) and np.log(a["rho_random"]) < np.log(0.8)


# --------------------------------------------------------------------------- the boundary gradient (C5, last sentence)


@given(task=linear_tasks(max_d=3, max_s=4), seed=seeds, horizon=st.integers(1, 8), tf=st.booleans())
def test_boundary_gradient_adjoint_vs_autograd(task, seed, horizon, tf):
    rng = np.random.default_rng(seed)
    hist = rng.standard_normal((3, task.s, task.d))
    y = rollout(task, hist, horizon)
    A = task.lags + 0.3 * rng.standard_normal(task.lags.shape)  # away from the solution
    local, full = boundary_gradients(A, hist, y, teacher_forcing=tf)
    assert _close(full, autograd_boundary_gradient(A, hist, y, teacher_forcing=tf))
    if tf:  # the substrate holds the true past: no path through time, the local gradient is the full one
        np.testing.assert_array_equal(local, full)


@given(task=linear_tasks(max_d=3, max_s=5), seed=seeds, data=st.data())
def test_free_running_local_equals_full_while_no_prediction_is_read(task, seed, data):
    # parameters A whose smallest non-zero lag is k_min: the first k_min predictions read only the
    # given history, so for horizons <= k_min the two gradients coincide (to rounding, 1e-10)
    rng = np.random.default_rng(seed)
    k_min = data.draw(st.integers(1, task.s))
    A = rng.standard_normal(task.lags.shape)
    A[: k_min - 1] = 0
    hist = rng.standard_normal((2, task.s, task.d))
    y = rollout(task, hist, k_min)
    local, full = boundary_gradients(A, hist, y[:, : data.draw(st.integers(1, k_min))])
    assert _close(local, full)


@pytest.mark.parametrize(
    "task", [repeat_copy(2, 3), fibonacci(2, 3), random_linear(2, 3, seed=1, radius=0.9)], ids=["repeat", "fib", "stable"]
)
def test_free_running_local_gradient_is_not_the_full_one(task):
    # the honest result: once the boundary reads its own predictions (horizon > smallest active lag
    # of A) back-propagation through time adds delta(t) - e(t) = sum_j A_j^T delta(t+j). Measured
    # relative differences 0.1 .. 0.8 with A = A* + 0.1 N(0, 1); asserted > 0.05.
    rng = np.random.default_rng(0)
    hist = rng.standard_normal((8, task.s, task.d))
    y = rollout(task, hist, 3 * task.s)
    A = task.lags + 0.1 * rng.standard_normal(task.lags.shape)
    local, full = boundary_gradients(A, hist, y)
    assert np.linalg.norm(local - full) > 0.05 * np.linalg.norm(full)
    # ... but both vanish at the solution, and the substrate-only least squares finds it
    l0, f0 = boundary_gradients(task.lags, hist, y)
    assert np.abs(l0).max() < 1e-9 and np.abs(f0).max() < 1e-9  # zero residual, up to rounding of y


@given(task=linear_tasks(max_d=3, max_s=4), seed=seeds)
def test_boundary_is_learned_from_the_substrate_alone(task, seed):
    # teacher-forced local loss = linear least squares in [A_s ... A_1] on (substrate, new column)
    # pairs; with Gaussian histories it has the unique solution A* (recovered to 1e-8: lstsq on a
    # well-conditioned design, cond <= ~1e2, of data whose size grows at most like rho^horizon)
    rng = np.random.default_rng(seed)
    hist = rng.standard_normal((4 * task.s * task.d, task.s, task.d))
    y = rollout(task, hist, 1)[:, 0]  # (B, d): the new column for each substrate
    X = hist.reshape(hist.shape[0], -1)  # (B, sd): substrate, oldest column first
    row, *_ = np.linalg.lstsq(X, y, rcond=None)  # (sd, d): [A_s ... A_1]^T
    A_fit = np.stack([row[(task.s - k) * task.d : (task.s - k + 1) * task.d].T for k in range(1, task.s + 1)])
    assert np.abs(A_fit - task.lags).max() < 1e-8


# --------------------------------------------------------------------------- CLI


def _run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_gradients_json(capsys, tmp_path):
    code, out, _ = _run(capsys, "gradients", "--task", "repeat-copy", "--d", "2", "--s", "3", "--gain", "0.8", "--lags-max", "7", "--json")
    assert code == 0
    res = json.loads(out)
    assert res["lag"] == list(range(1, 8)) and res["mu"] == 0.8
    np.testing.assert_allclose(res["wave"], 1.0, atol=1e-12)
    np.testing.assert_allclose(res["bound"], 0.8 ** np.arange(1, 8), rtol=1e-12)
    assert all(r <= b * (1 + 1e-12) for r, b in zip(res["random"], res["bound"]))
    lags = tmp_path / "task.json"
    lags.write_text(json.dumps({"lags": [[[0.0]], [[1.0]]]}))
    fig = tmp_path / "g.png"
    code, out, _ = _run(capsys, "gradients", "--lags", str(lags), "--plot", str(fig))
    assert code == 0 and "wave" in out and fig.read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize(
    "argv",
    [
        ["gradients", "--task", "repeat-copy", "--d", "2", "--s", "3", "--gain", "0"],
        ["gradients", "--task", "repeat-copy", "--d", "2", "--s", "3", "--gain", "nan"],
        ["gradients", "--task", "repeat-copy", "--d", "2", "--s", "3", "--lags-max", "0"],
        ["gradients", "--task", "repeat-copy", "--d", "2"],
        ["gradients", "--task", "nope", "--d", "2", "--s", "3"],
        ["gradients", "--lags", "/nonexistent/task.json"],
        ["gradients", "--task", "repeat-copy", "--d", "2", "--s", "3", "--gain", "x"],
    ],
)
def test_cli_gradients_bad_input_exits_2_with_one_line(capsys, argv):
    code, out, err = _run(capsys, *argv)
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1


@given(task=linear_tasks(integer=True, max_d=2, max_s=3), data=st.data())
def test_closed_form_equals_the_symbolic_phi_power_exactly(task, data):
    # integer lags: the impulse response is integer and exact in float64, so the numeric closed
    # form equals SymPy's exact Phi^k E_s (the symbolic module) with ==, no tolerance
    from wavetheory.theory.symbolic import boundary_jacobian

    k = data.draw(st.integers(0, 2 * task.s + 1))
    exact = boundary_jacobian(task, k)
    assert all(v.is_Integer for v in exact)
    np.testing.assert_array_equal(np.array(exact.tolist(), dtype=np.int64), wave_input_jacobians(task, k)[k])
