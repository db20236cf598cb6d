"""Tests of wavetheory.learning.data: fresh two-phase batches in torch, the sign accuracy, seeded evaluations.

Second roads: the targets of a batch are the task rolled forward from its history (theory.tasks.rollout), and an
evaluation of a committed trained network (tests/trained_networks.py) is recomputed with the numpy forward pass.
"""

import numpy as np
import pytest
import torch

from trained_networks import S, TASK, network
from wavetheory.learning.data import FINAL_EVAL, TwoPhaseData, evaluate, sign_accuracy
from wavetheory.learning.models import ElmanRNN
from wavetheory.theory.nonlinear_tasks import nonlinear_copy
from wavetheory.theory.task_library import random_linear
from wavetheory.theory.tasks import fibonacci, random_signed_selection, repeat_copy, rollout
from wavetheory.theory.two_phase import two_phase_batch

LINEAR = [repeat_copy(2, 3), fibonacci(1, 4), random_signed_selection(3, 4, seed=2), random_linear(2, 3, seed=1)]


def _batch(data, B, horizon, seed=0):
    return data.batch(B, horizon, torch.Generator().manual_seed(seed), np.random.default_rng(seed))


@pytest.mark.parametrize("task", LINEAR, ids=["repeat-copy", "fibonacci", "signed-selection", "random-stable"])
def test_linear_batches_are_histories_then_zeros_and_targets_are_the_rollout(task):
    data = TwoPhaseData(task, torch.device("cpu"), torch.float64)
    u, y = _batch(data, 16, 7)
    s, d = task.s, task.d
    assert u.shape == (16, s + 7, d) and y.shape == (16, 7, d) and u.dtype == y.dtype == torch.float64
    hist = u[:, :s].numpy()
    assert set(np.unique(hist)) <= {-1.0, 1.0} and not u[:, s:].any()
    # the continuation x(s..s+6) of each history; float64 sums of <= s*d products of O(1) numbers (1e-9 absolute
    # leaves room for the random task's lags, whose continuations grow to ~1.1^7)
    np.testing.assert_allclose(y.numpy(), rollout(task, hist, 7), rtol=1e-12, atol=1e-9)


def test_impulse_responses_are_the_continuations_of_unit_histories_and_are_cached():
    task = random_signed_selection(2, 3, seed=4)
    data = TwoPhaseData(task, torch.device("cpu"), torch.float64)
    G = data.impulse_responses(5)
    assert G.shape == (task.s * task.d, 5 * task.d) and data.impulse_responses(5) is G
    for i in range(task.s):
        for j in range(task.d):
            e = np.zeros((1, task.s, task.d))
            e[0, i, j] = 1.0
            np.testing.assert_allclose(G[i * task.d + j].numpy(), rollout(task, e, 5).ravel(), atol=1e-12)


def test_general_hds_batches_come_from_the_numpy_two_phase_batch():
    task = nonlinear_copy(3, 4, kind="majority")
    data = TwoPhaseData(task, torch.device("cpu"), torch.float64)
    u, y = _batch(data, 8, 6, seed=3)
    u_np, y_np = two_phase_batch(task, 8, 6, np.random.default_rng(3))
    np.testing.assert_array_equal(u.numpy(), u_np)
    np.testing.assert_array_equal(y.numpy(), y_np)
    np.testing.assert_array_equal(y.numpy(), rollout(task, u_np[:, :4], 6))


def test_sign_accuracy_counts_right_signs_over_nonzero_targets():
    y = torch.tensor([[0.5, -0.2, 0.0, 3.0]])
    t = torch.tensor([[1.0, 1.0, -1.0, 0.0]])  # right, wrong, 0 output is never right, target 0 is skipped
    assert sign_accuracy(y, t) == pytest.approx(1 / 3)
    assert sign_accuracy(y, torch.zeros_like(t)) == 1.0  # nothing to get wrong
    assert sign_accuracy(-y, t) == pytest.approx(1 / 3)


def test_sign_accuracy_counts_a_tiny_right_signed_output_as_right():
    """The sign is what counts, not the size: the smallest float32 output (1.4e-45) against a target 2 is right."""
    y, t = torch.tensor([[1.4e-45, -1.4e-45]]), torch.tensor([[2.0, 2.0]])
    assert y[0, 0] > 0 and sign_accuracy(y, t) == 0.5


def test_sign_accuracy_of_tiny_targets():
    # y * t underflowed to 0 in float32 for |y t| < 1.4e-45: a right-signed output on a tiny target counted as wrong
    y, t = torch.tensor([[1e-23, -1e-30, 1e-23]]), torch.tensor([[1e-23, -1e-23, -1e-30]])
    assert sign_accuracy(y, t) == pytest.approx(2 / 3)


@pytest.mark.parametrize("seed", [0, 2])
def test_evaluation_of_a_trained_network_matches_the_numpy_forward_pass(seed):
    net = network(seed)[0]
    model = ElmanRNN(3, net.hidden).double()
    model.set_weights(net.W_hh, net.W_uh, net.W_hy)
    data = TwoPhaseData(TASK, torch.device("cpu"), torch.float64)
    loss, acc = evaluate(model, data, horizon=20, batch=64, seed=7, step=100)
    assert (loss, acc) == evaluate(model, data, horizon=20, batch=64, seed=7, step=100)  # a function of (seed, step)
    assert evaluate(model, data, 20, 64, seed=7, step=101) != (loss, acc)  # another step, another batch
    assert evaluate(model, data, 20, 64, seed=7, step=FINAL_EVAL) != (loss, acc)
    # the same batch through the numpy network: regenerate it from the generators evaluate derives
    from wavetheory.learning.data import _derived_generators

    u, y = data.batch(64, 20, *_derived_generators(7, 100))
    out = net.run(u.numpy(), "tanh")[0][:, S:]
    assert loss == pytest.approx(np.mean((out - y.numpy()) ** 2), rel=1e-10)  # float64 both ways
    # sign_accuracy averages in float32 (.float().mean()): 3840 signs, rounding below 1e-7
    assert acc == pytest.approx(np.mean(np.sign(out) == np.sign(y.numpy())), abs=1e-7)
    assert acc > 0.97  # the committed networks solve the task (0.986-0.992 on 512 fresh sequences)
