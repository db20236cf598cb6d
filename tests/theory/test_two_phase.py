"""Tests of wavetheory.theory.two_phase: the two-phase batches (s +-1 inputs, then a free run)."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from wavetheory.strategies import linear_tasks, seeds
from wavetheory.theory.tasks import HDS, repeat_copy, rollout
from wavetheory.theory.two_phase import two_phase_batch
from wavetheory.theory.wave_operator import continuation_map


@given(linear_tasks(), seeds, st.integers(0, 7))
def test_two_phase_batch_shapes_and_seeding(task, seed, horizon):
    u1, y1 = two_phase_batch(task, 3, horizon, rng=seed)
    u2, y2 = two_phase_batch(task, 3, horizon, rng=seed)
    assert np.array_equal(u1, u2) and np.array_equal(y1, y2)  # same seed, same batch
    assert u1.shape == (3, task.s + horizon, task.d) and y1.shape == (3, horizon, task.d)
    assert set(np.unique(u1[:, : task.s])) <= {-1.0, 1.0}
    assert np.all(u1[:, task.s :] == 0)
    # targets are the HDS continuation of the input history (direct recursion road)
    np.testing.assert_allclose(y1, rollout(task, u1[:, : task.s], horizon), atol=1e-12)



@given(linear_tasks(), seeds, st.integers(1, 6))
def test_targets_are_the_history_times_the_continuation_map(task, seed, horizon):
    """Two roads to the targets: the wave memory (two_phase_batch) and h(s-1) @ K (wave_operator)."""
    u, y = two_phase_batch(task, 4, horizon, rng=seed)
    want = u[:, : task.s].reshape(4, -1) @ continuation_map(task, horizon)
    # +-1 histories, sums of s*d products in another order: 1e-10 of the scale is ample
    np.testing.assert_allclose(y.reshape(4, -1), want, rtol=0, atol=1e-10 * max(1.0, float(np.abs(want).max(initial=0))))


def test_a_generator_continues_its_stream_and_nonlinear_tasks_work():
    g = np.random.default_rng(3)
    first, second = two_phase_batch(repeat_copy(1, 2), 2, 1, rng=g)[0], two_phase_batch(repeat_copy(1, 2), 2, 1, rng=g)[0]
    assert not np.array_equal(first, second)  # the same generator moves on
    sign = HDS(1, 2, lambda p: -p[..., 1, :])  # x(t) = -x(t-2)
    u, y = two_phase_batch(sign, 3, 4, rng=0)
    np.testing.assert_array_equal(y[:, :2], -u[:, :2])


@pytest.mark.parametrize("kwargs, exc, match", [
    ({"batch": 0}, ValueError, "^batch: "), ({"batch": 2.0}, TypeError, "^batch: "),
    ({"horizon": -1}, ValueError, "^horizon: "), ({"rng": -1}, ValueError, "^rng: "), ({"rng": "x"}, TypeError, "^rng: "),
])
def test_bad_arguments_are_named(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        two_phase_batch(repeat_copy(1, 2), **{"batch": 2, "horizon": 3, **kwargs})
