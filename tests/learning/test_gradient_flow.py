"""learning.gradient_flow: ||dh(1+k)/dx(1)||_2 by autograd along two-phase trajectories (C10), checked by two roads.

Road 1, a linear network: the Jacobian is W_hh^k W_uh on every trajectory (closed form).
Road 2, a tanh network: the numpy product diag(1 - h(1+k)^2) W_hh ... diag(1 - h(1)^2) W_uh along the
same trajectory, computed here from a plain loop (no library code).
Tolerance 1e-10 relative in both: float64 products of at most 2s = 16 matrices of size <= 24 accumulate
~1e-13 of rounding; a wrong lag, a transposed W_hh or a Jacobian at the wrong time changes the values at O(1)
(the mutation tests below measure by how much).
"""

import numpy as np
import pytest
import torch

from wavetheory.learning.gradient_flow import gradient_flow
from wavetheory.theory.tasks import repeat_copy, signed_selection
from wavetheory.theory.two_phase import two_phase_batch
from wavetheory.theory.wave_operator import LinearRNN, compile_rnn

torch.set_num_threads(1)
RTOL = 1e-10  # see the module docstring


def _non_normal_net(n: int, d: int, seed: int, gain: float = 1.0) -> LinearRNN:
    """A random W_hh plus a strong superdiagonal: far from normal (W W^T != W^T W at O(1))."""
    rng = np.random.default_rng(seed)
    W = gain * (rng.normal(size=(n, n)) / np.sqrt(n) + 1.2 * np.eye(n, k=1))
    return LinearRNN(W, rng.normal(size=(n, d)), rng.normal(size=(d, n)))


def _numpy_road(net: LinearRNN, inputs: np.ndarray, max_lag: int) -> np.ndarray:
    """||dh(1+k)/dx(1)||_2 per sequence by the explicit product along a plain numpy tanh trajectory."""
    B = inputs.shape[0]
    out = np.empty((B, max_lag))
    for b in range(B):
        h = np.tanh(net.W_uh @ inputs[b, 0])  # h(1), from h(0) = 0
        J = (1.0 - h**2)[:, None] * net.W_uh  # dh(1)/dx(1)
        for k in range(1, max_lag + 1):
            h = np.tanh(net.W_hh @ h + net.W_uh @ inputs[b, k])  # h(1+k)
            J = (1.0 - h**2)[:, None] * (net.W_hh @ J)
            out[b, k - 1] = np.linalg.norm(J, ord=2)
    return out


def _closed_form(net: LinearRNN, max_lag: int) -> np.ndarray:
    return np.array([np.linalg.norm(np.linalg.matrix_power(net.W_hh, k) @ net.W_uh, ord=2) for k in range(1, max_lag + 1)])


def test_the_test_network_is_far_from_normal():
    # ||W W^T - W^T W||_F / ||W||_F^2 is 0 for a normal W; the test networks sit near 0.3
    for seed in (1, 2, 4, 5, 6):
        W = _non_normal_net(12, 2, seed=seed).W_hh
        assert np.linalg.norm(W @ W.T - W.T @ W) / np.linalg.norm(W) ** 2 > 0.1


@pytest.mark.parametrize("task", [repeat_copy(2, 4), signed_selection("x1(t-3), -x0(t-1)")], ids=["repeat", "selection"])
def test_linear_network_equals_the_closed_form_on_every_sequence(task):
    net = _non_normal_net(12, task.d, seed=1, gain=0.9)
    inputs = two_phase_batch(task, 16, task.s + 1, rng=3)[0]
    per_seq = gradient_flow(net, task, inputs, nonlinearity="linear", reduce="none")
    want = _closed_form(net, 2 * task.s)
    assert per_seq.shape == (16, 2 * task.s)
    np.testing.assert_allclose(per_seq, np.broadcast_to(want, per_seq.shape), rtol=RTOL)


def test_tanh_network_equals_the_numpy_jacobian_product_along_the_same_trajectory():
    task = repeat_copy(3, 4)
    net = _non_normal_net(24, 3, seed=2, gain=1.3)  # gain > 1: saturating trajectories, D_t far from I
    inputs = two_phase_batch(task, 12, task.s + 2, rng=5)[0]
    per_seq = gradient_flow(net, task, inputs, reduce="none")
    want = _numpy_road(net, inputs, 2 * task.s)
    np.testing.assert_allclose(per_seq, want, rtol=RTOL)
    # the trajectory matters: the tanh reading is not the linearization at 0, and differs between sequences
    assert np.max(np.abs(per_seq / _closed_form(net, 2 * task.s) - 1)) > 0.1
    assert np.ptp(per_seq[:, -1]) > 0


def test_transposing_W_hh_changes_the_result_on_a_non_normal_W():
    # the mutation C10's audit injected (W_hh transposed): both roads above would see it
    task = repeat_copy(2, 4)
    net = _non_normal_net(12, 2, seed=4, gain=1.1)
    flipped = LinearRNN(net.W_hh.T, net.W_uh, net.W_hy)
    inputs = two_phase_batch(task, 16, task.s + 1, rng=6)[0]
    for nonlinearity in ("linear", "tanh"):
        a = gradient_flow(net, task, inputs, nonlinearity=nonlinearity, reduce="none")
        b = gradient_flow(flipped, task, inputs, nonlinearity=nonlinearity, reduce="none")
        assert np.max(np.abs(b / a - 1)) > 0.1, nonlinearity  # far beyond RTOL: the roads' tests would fail
    assert np.max(np.abs(_numpy_road(flipped, inputs, 8) / gradient_flow(net, task, inputs, reduce="none") - 1)) > 0.1
    # control: for a symmetric (normal) W_hh the transposition is invisible, so the test needs the non-normal W
    sym = LinearRNN((net.W_hh + net.W_hh.T) / 2, net.W_uh, net.W_hy)
    sym_t = LinearRNN(sym.W_hh.T, net.W_uh, net.W_hy)
    np.testing.assert_array_equal(gradient_flow(sym, task, inputs, reduce="none"), gradient_flow(sym_t, task, inputs, reduce="none"))


def test_reductions_are_the_median_and_mean_over_sequences():
    task = repeat_copy(2, 3)
    net = _non_normal_net(10, 2, seed=5, gain=1.2)
    inputs = two_phase_batch(task, 9, task.s + 1, rng=1)[0]
    per_seq = gradient_flow(net, task, inputs, reduce="none")
    assert np.array_equal(gradient_flow(net, task, inputs), np.median(per_seq, axis=0))
    assert np.array_equal(gradient_flow(net, task, inputs, reduce="mean"), per_seq.mean(axis=0))


def test_default_inputs_are_seeded_two_phase_sequences_long_enough_for_2s():
    task = repeat_copy(2, 3)
    net = _non_normal_net(10, 2, seed=6, gain=1.2)
    a = gradient_flow(net, task, reduce="none")
    assert a.shape == (64, 6) and np.array_equal(a, gradient_flow(net, task, reduce="none", rng=0))
    assert not np.array_equal(a, gradient_flow(net, task, reduce="none", rng=1))
    np.testing.assert_allclose(a, _numpy_road(net, two_phase_batch(task, 64, task.s + 1, rng=0)[0], 6), rtol=RTOL)


def test_compiled_repeat_copy_keeps_the_input_intact():
    # C5: in the compiled (permutation) wave RNN the input written at time 1 travels intact: norm 1 at every lag
    task = repeat_copy(2, 3)
    np.testing.assert_allclose(gradient_flow(compile_rnn(task), task, nonlinearity="linear", max_lag=9), np.ones(9), rtol=RTOL)


class _Gated:
    network = object()
    W_hh, W_uh, W_hy = np.eye(2), np.ones((2, 1)), np.ones((1, 2))


@pytest.mark.parametrize("kwargs, exc, name", [
    ({"net": object()}, TypeError, "net"),
    ({"net": _Gated()}, TypeError, "net"),
    ({"task": repeat_copy(3, 2)}, ValueError, "task"),
    ({"task": "repeat"}, TypeError, "task"),
    ({"inputs": np.zeros((4, 4, 2))}, ValueError, "inputs"),  # T = 4 < max_lag + 1 = 5
    ({"inputs": np.zeros((4, 6, 3))}, ValueError, "inputs"),
    ({"max_lag": 0}, ValueError, "max_lag"),
    ({"reduce": "max"}, ValueError, "reduce"),
    ({"nonlinearity": "relu"}, ValueError, "nonlinearity"),
])
def test_bad_arguments_raise_naming_them(kwargs, exc, name):
    args = {"net": _non_normal_net(4, 2, seed=0), "task": repeat_copy(2, 2), **kwargs}
    with pytest.raises(exc, match=name):
        gradient_flow(**args)
