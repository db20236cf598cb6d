"""wavetheory.learning.substrate: nonlinear copy tasks and the measurements of a wave substrate without a
linear Phi: lag decoders, transport through W_hh, the root structure of W_hh, the averaged Jacobian (C14)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wavetheory.learning.substrate import (
    lag_decoding, mean_jacobian, nonlinear_copy, root_structure, trajectory, transport_decoding,
)
from wavetheory.strategies import linear_tasks, seeds
from wavetheory.theory.tasks import repeat_copy, rollout
from wavetheory.theory.wave_operator import LinearRNN, compile_rnn, make_basis

# --------------------------------------------------------------------------- tasks


def test_nonlinear_tasks_follow_their_definition_and_validate():
    rng = np.random.default_rng(0)
    hist = rng.choice([-1.0, 1.0], size=(5, 4, 3))
    for kind in ("product", "triple", "majority"):
        task = nonlinear_copy(3, 4, k=2, kind=kind)
        x = np.concatenate([hist, rollout(task, hist, 6)], axis=1)
        for t in range(4, 10):
            old, a, b = x[:, t - 4], np.roll(x[:, t - 2], -1, axis=-1), np.roll(x[:, t - 2], -2, axis=-1)
            want = {"product": old * a, "triple": old * a * b, "majority": np.sign(old + a + b)}[kind]
            np.testing.assert_array_equal(x[:, t], want)
    for kwargs, message in (({"k": 0}, "k"), ({"k": 5}, "k"), ({"kind": "xor"}, "kind"), ({"d": 0}, "d")):
        with pytest.raises(ValueError, match=message):
            nonlinear_copy(**{"d": 3, "s": 4, **kwargs})


@pytest.mark.parametrize("kind, parity", [("product", 1.0), ("triple", -1.0), ("majority", -1.0)])
def test_boundary_parity_under_sign_flip(kind, parity):
    """f(-past) = parity * f(past): the product is even (no bias-free tanh RNN can learn it), the others odd."""
    task = nonlinear_copy(3, 4, k=2, kind=kind)
    past = np.random.default_rng(1).choice([-1.0, 1.0], size=(16, 4, 3))
    np.testing.assert_array_equal(task.f(-past), parity * task.f(past))


def test_trajectory_starts_with_the_written_history():
    task = nonlinear_copy(2, 3)
    u, x = trajectory(task, 4, 5, rng=2)
    assert u.shape == (4, 8, 2) and x.shape == (4, 8, 2)
    np.testing.assert_array_equal(x[:, :3], u[:, :3])
    np.testing.assert_array_equal(x[:, 3:], rollout(task, u[:, :3], 5))


# --------------------------------------------------------------------------- decoders


@given(linear_tasks(only_last_lag=True, max_d=3, max_s=4), seeds)
@settings(max_examples=20)
def test_a_linear_wave_network_is_decodable_and_transported_exactly(task, seed):
    """For the compiled linear RNN, x(t-k) = E_(s-k)^T Psi^-1 h(t) exactly: R^2 = 1 and D_k W_hh = D_(k-1)."""
    rnn = compile_rnn(task, make_basis("orthogonal", task.s * task.d + 2, seed))
    u, x = trajectory(task, 16, 2 * task.s, seed)
    hs = rnn.run(u, "linear")[1]
    r2, acc, dec = lag_decoding(hs, x, task.s)
    tr2, tacc = transport_decoding(hs, x, task.s, rnn.W_hh, dec)
    # least squares on exactly linear data: residual ~ eps * cond; 1e-8 on R^2 leaves a wide margin
    assert np.all(r2 > 1 - 1e-8) and np.all(acc == 1.0)
    assert np.all(tr2 > 1 - 1e-8) and np.all(tacc == 1.0)


def test_decoders_of_random_states_are_at_chance():
    rng = np.random.default_rng(0)
    states, x = rng.standard_normal((200, 12, 5)), rng.choice([-1.0, 1.0], size=(200, 12, 2))
    r2, acc, _ = lag_decoding(states, x, 3)
    assert np.all(np.abs(r2) < 0.05) and np.all(np.abs(acc - 0.5) < 0.05)  # 2400 held-out samples: sd ~ 0.01


def test_decoders_validate_their_shapes():
    states, x = np.zeros((4, 6, 5)), np.zeros((4, 6, 2))
    with pytest.raises(ValueError, match="^x: expected shape"):
        lag_decoding(states, x[:, :5], 3)
    with pytest.raises(ValueError, match="^x: expected shape"):
        lag_decoding(states[:1], x[:1], 3)  # one sequence cannot be split into fit and test halves
    with pytest.raises(ValueError, match="^lags: "):
        lag_decoding(states, x, 3, lags=7)


# --------------------------------------------------------------------------- spectrum and Jacobian


@given(st.integers(1, 3), st.integers(1, 5), seeds)
@settings(max_examples=20)
def test_root_structure_of_a_compiled_repeat_copy_network(d, s, seed):
    rnn = compile_rnn(repeat_copy(d, s), make_basis("orthogonal", s * d + 1, seed))
    r = root_structure(rnn.W_hh, d, s)
    assert r["counts"] == [d] * s and r["angle_counts"] == [d] * s
    assert r["angle_error_mean"] < 1e-6  # eigenvalues of a permutation in a rotated basis: ~1e-15 / sqrt-of-Jordan
    assert r["angle_fraction"] == 1.0


def test_root_structure_of_random_matrices_is_at_chance():
    """Random W_hh: the leading angles are not the s-th roots (angle_ratio near 1, unlike 0 for the wave)."""
    W = np.random.default_rng(3).standard_normal((40, 40)) / np.sqrt(40)
    r = root_structure(W, 2, 4)
    assert 0.5 < r["angle_ratio"] < 1.5 and r["total"] < r["expected_repeat_copy"]
    with pytest.raises(ValueError, match="^W_hh: "):
        root_structure(np.eye(3), 2, 2)


def test_mean_jacobian_at_rest_is_W_hh():
    """Zero inputs keep the Elman state at 0, where tanh' = 1: the averaged Jacobian is W_hh."""
    rnn = LinearRNN(*(np.random.default_rng(4).standard_normal(sh) for sh in ((5, 5), (5, 2), (2, 5))))
    # the mean of 10 identical terms: a sum and one division, ~10 eps relative
    np.testing.assert_allclose(mean_jacobian(rnn, np.zeros((2, 6, 2)), start=1), rnn.W_hh, rtol=1e-14, atol=0)
    J = mean_jacobian(rnn, np.ones((2, 6, 2)), start=1)  # saturating drive: tanh' < 1 shrinks every row
    assert np.all(np.abs(J) <= np.abs(rnn.W_hh) + 1e-15) and not np.allclose(J, rnn.W_hh)
    with pytest.raises(TypeError, match="^net: "):
        mean_jacobian("nope", np.zeros((1, 2, 2)), 0)
    with pytest.raises(ValueError, match="^start: "):
        mean_jacobian(rnn, np.zeros((1, 2, 2)), 2)


def test_mean_jacobian_of_an_elman_network_is_the_average_of_its_step_jacobians():
    """Two roads: the vectorized Elman average == diag(1 - h(t)^2) W_hh summed step by step (float64 rounding)."""
    rng = np.random.default_rng(5)
    net = LinearRNN(rng.standard_normal((6, 6)), rng.standard_normal((6, 2)), rng.standard_normal((2, 6)))
    u = rng.standard_normal((3, 7, 2))
    total = np.zeros((6, 6))
    for b in range(3):
        h = np.zeros(6)
        for t in range(7):
            h = np.tanh(net.W_hh @ h + net.W_uh @ u[b, t])
            total += (1 - h**2)[:, None] * net.W_hh if t >= 2 else 0.0
    np.testing.assert_allclose(mean_jacobian(net, u, start=2), total / 15, rtol=0, atol=1e-13)


def test_k_is_checked_like_every_integer_argument():
    with pytest.raises(TypeError, match="^k: expected an integer >= 1, got True"):
        nonlinear_copy(3, 4, k=True)
    with pytest.raises(TypeError, match="^k: expected an integer >= 1, got 1.5"):
        nonlinear_copy(3, 4, k=1.5)
    with pytest.raises(ValueError, match=r"^k: expected an integer 1 <= k <= s = 4, got 5"):
        nonlinear_copy(3, 4, k=5)


# --------------------------------------------------------------------------- the operating point on real networks


def test_operating_point_of_a_trained_network_by_a_second_road():
    """operating_point (autograd through the cell's torch step) == the explicit average of diag(1 - h(t)^2) W_hh over
    the committed trained network's own trajectories; "linear" gives W_hh at every state; start is checked."""
    from trained_networks import S, TASK, network

    from wavetheory.learning.substrate import operating_point
    from wavetheory.theory.two_phase import two_phase_batch

    net = network(1)[0]
    u, _ = two_phase_batch(TASK, 6, 2 * S, rng=1)
    B, T, _ = u.shape
    want = np.zeros_like(net.W_hh)
    for b in range(B):
        h = np.zeros(net.hidden)
        for t in range(T):
            h = np.tanh(net.W_hh @ h + net.W_uh @ u[b, t])
            want += (1 - h**2)[:, None] * net.W_hh if t >= S else 0.0
    want /= B * (T - S)
    J = operating_point(net, u, S)
    np.testing.assert_allclose(J, want, rtol=0, atol=1e-12)  # float64 both ways, sums in another order: ~1e-16
    assert np.linalg.norm(J - net.W_hh) > 0.05 * np.linalg.norm(net.W_hh)  # guard: the network runs saturated
    np.testing.assert_allclose(operating_point(net, u, S, "linear"), net.W_hh, rtol=0, atol=1e-14)
    for start in (-1, T):
        with pytest.raises(ValueError, match=f"^start: expected 0 <= start < T = {T}, got {start}"):
            operating_point(net, u, start)
    with pytest.raises(ValueError, match="^inputs: "):
        operating_point(net, u[0], S)


@pytest.mark.parametrize("cell", ["gru", "lstm"])
def test_mean_jacobian_of_a_gated_network_equals_the_autograd_operating_point(cell):
    """Two roads for a GRU / LSTM: mean_jacobian averages the closed-form Jacobians (gated.jacobian) step by step
    in numpy, operating_point differentiates the torch cell by autograd; LSTM on the state (h, c), size 2H."""
    from wavetheory.learning.substrate import operating_point
    from wavetheory.theory.gated import GATES, GatedWeights

    rng = np.random.default_rng(7)
    G, H, d = len(GATES[cell]), 5, 2
    net = GatedWeights(cell, rng.standard_normal((G * H, d)), 1.5 * rng.standard_normal((G * H, H)) / np.sqrt(H),
                       rng.standard_normal((d, H)))
    u = rng.choice([-1.0, 1.0], size=(3, 7, d))
    J = mean_jacobian(net, u, start=2)
    assert J.shape == ((2 * H, 2 * H) if cell == "lstm" else (H, H))
    # closed forms vs autograd in float64: ~1e-15 per entry
    np.testing.assert_allclose(J, operating_point(net, u, 2), rtol=0, atol=1e-12)
    assert np.linalg.norm(J - mean_jacobian(net, u, start=0)) > 1e-3 * np.linalg.norm(J)  # guard: start matters
    for start in (-1, 7):
        with pytest.raises(ValueError, match=f"^start: expected 0 <= start < T = 7, got {start}"):
            mean_jacobian(net, u, start)
