"""Tests of the traveling wave memory (C1 representation theorem, C2 Fibonacci)."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from wavetheory.strategies import ds, histories, linear_tasks, ss, tanh_boundaries
from wavetheory.theory.tasks import HDS, fibonacci, repeat_copy, rollout
from wavetheory.theory.wave_memory import WaveMemory, run_two_phase, simulate


@given(linear_tasks(), st.data(), st.integers(0, 20))
def test_c1_linear_tasks(task, data, steps):
    """C1: column s of the wave memory equals the direct HDS recursion, linear boundaries."""
    hist = data.draw(histories(task.d, task.s))
    wave = simulate(task.boundary, hist, steps)
    direct = rollout(task, hist, steps)
    # both roads add the same s products in a different order; growth over 20 steps of a task with
    # ||A_k|| <= 1/sqrt(ds) stays O(1), so 1e-9 leaves ample room for reassociation error
    np.testing.assert_allclose(wave, direct, rtol=1e-9, atol=1e-9)


@given(ds, ss, st.data())
def test_c1_nonlinear_boundaries(d, s, data):
    """C1 for a general HDS: a random tanh map as f, arguments in lag order."""
    f = data.draw(tanh_boundaries(d, s))
    hds = HDS(d=d, s=s, f=f)
    hist = data.draw(histories(d, s))
    wave = simulate(hds.boundary, hist, 15)
    direct = rollout(hds, hist, 15)
    # identical operations on identical inputs (the boundary sees the same lag-ordered array):
    # the roads must agree to rounding, 1e-12 for O(1) tanh values
    np.testing.assert_allclose(wave, direct, atol=1e-12)


def test_c1_boundary_sees_lag_order():
    # a boundary that is not symmetric in its arguments: x(t) = x(t-1) - 2 x(t-3)
    hds = HDS(d=1, s=3, f=lambda past: past[..., 0, :] - 2 * past[..., 2, :])
    hist = np.array([[1.0], [2.0], [3.0]])
    assert simulate(hds.boundary, hist, 2)[:, 0].tolist() == [3 - 2 * 1, (3 - 2 * 1) - 2 * 2]


def test_c2_generalized_fibonacci():
    """C2: f = sum of all columns realizes x(t) = sum_k x(t-k) (tribonacci for s = 3)."""
    f_sum = lambda H: H.sum(axis=-2)  # noqa: E731  the boundary of C2, read off the substrate
    hist = np.array([[0.0], [0.0], [1.0]])
    traj = simulate(f_sum, hist, 8)[:, 0]
    assert traj.tolist() == [1, 2, 4, 7, 13, 24, 44, 81]
    np.testing.assert_array_equal(simulate(fibonacci(1, 3).boundary, hist, 8)[:, 0], traj)


@given(ds, ss, st.data())
def test_repeat_copy_is_periodic(d, s, data):
    hist = data.draw(histories(d, s))
    traj = simulate(repeat_copy(d, s).boundary, hist, 3 * s)
    for r in range(3):
        np.testing.assert_array_equal(traj[:, r * s : (r + 1) * s], hist)


@given(st.data())
def test_substrate_holds_last_s_states(data):
    """h_i(t) = x(t - s + i): after n steps the substrate is the last s states in time order."""
    task = data.draw(linear_tasks())
    hist = data.draw(histories(task.d, task.s, batch=2))
    wm = WaveMemory(task.boundary, task.d, task.s, batch=2)
    wm.load(hist)
    xs = [hist[:, i] for i in range(task.s)]
    for _ in range(2 * task.s + 1):
        xs.append(wm.step())
        np.testing.assert_array_equal(wm.substrate, np.stack(xs[-task.s :], axis=1))


def test_input_phase_writes_at_the_boundary():
    task = fibonacci(2, 3)
    rng = np.random.default_rng(0)
    inputs = np.concatenate([rng.standard_normal((4, 3, 2)), np.zeros((4, 5, 2))], axis=1)
    out = run_two_phase(task.boundary, inputs, s=3)
    np.testing.assert_allclose(out, simulate(task.boundary, inputs[:, :3], 5), atol=1e-12)


def test_substrate_view_is_read_only():
    wm = WaveMemory(repeat_copy(1, 2).boundary, 1, 2)
    with pytest.raises(ValueError):
        wm.substrate[0, 0, 0] = 1.0


def test_validation():
    with pytest.raises(TypeError, match="boundary"):
        WaveMemory(None, 1, 2)
    with pytest.raises(ValueError, match="s"):
        WaveMemory(lambda H: H[:, 0], 1, 0)
    wm = WaveMemory(lambda H: H[:, 0, :1], 2, 2)
    with pytest.raises(ValueError, match="boundary: returned shape"):
        wm.step()
    with pytest.raises(ValueError, match="u: expected shape"):
        wm.write(np.zeros(3))
    with pytest.raises(ValueError, match="history"):
        wm.load(np.zeros((1, 3, 2)))
    with pytest.raises(ValueError, match="steps"):
        simulate(lambda H: H[:, 0], np.zeros((2, 1)), -2)
    with pytest.raises(ValueError, match="NaN"):
        simulate(lambda H: H[:, 0], np.full((2, 1), np.nan), 2)


def test_simulate_checks_the_history_against_the_task_of_its_boundary():
    """A task's boundary knows s and d: an (s+1)-row history used to give another trajectory silently
    (rollout raised), a d mismatch surfaced numpy's raw matmul message."""
    task = repeat_copy(2, 3)
    with pytest.raises(ValueError, match=r"^history: expected s = 3 rows \(the task's s\), got 4"):
        simulate(task.boundary, np.ones((4, 2)), 3)
    with pytest.raises(ValueError, match=r"^history: expected d = 2 components \(the task's d\), got 3"):
        simulate(task.boundary, np.ones((2, 3, 3)), 3)
    with pytest.raises(ValueError, match="history: expected shape"):  # rollout agrees
        rollout(task, np.ones((4, 2)), 3)
    np.testing.assert_array_equal(simulate(task.boundary, np.ones((3, 2)), 4), rollout(task, np.ones((3, 2)), 4))
