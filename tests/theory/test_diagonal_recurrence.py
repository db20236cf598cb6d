"""Tests of wavetheory.theory.diagonal_recurrence: which tasks a diagonal recurrence solves, with how many states (C15)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wavetheory.strategies import realizable_tasks, signed_selection_tasks
from wavetheory.theory.diagonal_recurrence import (
    DiagonalRecurrence, complex_state_count, diagonal_profile, diagonal_realization, target_states,
)
from wavetheory.theory.minimal import exact_spectrum, is_diagonalizable, minimal_realization, task_structure
from wavetheory.theory.realizability import is_realizable
from wavetheory.theory.tasks import LinearHDS, fibonacci, repeat_copy, signed_selection
from wavetheory.theory.two_phase import two_phase_batch


def repeat_copy_states(d: int, s: int) -> int:
    return -(-d // 2) * (1 + (s % 2 == 0)) + d * ((s - 1) // 2)


@settings(max_examples=40)
@given(signed_selection_tasks(max_d=3, max_s=3))
def test_diagonal_realizable_iff_minimal_W_diagonalizable_iff_P_invertible_and_diagonalizable(task):
    prof = diagonal_profile(task)
    assert prof.realizable == is_realizable(task)
    if not prof.realizable:
        assert not prof.diagonalizable and prof.min_state_dim is None and prof.n_complex_states is None
        return
    W, st_ = minimal_realization(task).W, task_structure(task)
    assert prof.diagonalizable == is_diagonalizable(W) == (st_.P_invertible and st_.P_diagonalizable)
    if prof.diagonalizable:
        assert prof.min_state_dim == prof.rank_H1 and 0 not in [e.value for e in prof.eigenvalues]


@settings(max_examples=30)
@given(signed_selection_tasks(max_d=3, max_s=3), st.integers(0, 2**31))
def test_the_constructed_diagonal_recurrence_solves_the_task_with_n_complex_states(task, seed):
    prof = diagonal_profile(task)
    if not prof.diagonalizable:
        with pytest.raises(ValueError, match="diagonal recurrence"):
            diagonal_realization(task)
        return
    dr = diagonal_realization(task)
    assert dr.lam.shape == (prof.n_complex_states,) and np.allclose(np.sort_complex(dr.lam), np.sort_complex(target_states(prof)))
    u, y = two_phase_batch(task, 8, 2 * task.s * task.d + 2, seed)
    out, _ = dr.run(u)
    # float eigendecomposition of a signed permutation (cond(V) ~ 1): errors ~1e-15 per step
    assert np.abs(out[:, task.s:] - y).max() <= 1e-9


@settings(max_examples=20)
@given(realizable_tasks(max_d=3, max_s=3))
def test_profile_on_general_realizable_tasks_is_consistent(task):
    prof = diagonal_profile(task)
    st_ = task_structure(task)
    assert prof.diagonalizable == (st_.P_invertible and st_.P_diagonalizable)
    if prof.diagonalizable:
        assert prof.n_complex_states == complex_state_count(exact_spectrum(minimal_realization(task).W))
        assert prof.n_complex_states <= prof.min_state_dim


@pytest.mark.parametrize("d, s", [(1, 1), (1, 2), (2, 3), (3, 3), (4, 2), (3, 8), (2, 5)])
def test_repeat_copy_state_count_and_targets(d, s):
    prof = diagonal_profile(repeat_copy(d, s))
    assert prof.n_complex_states == repeat_copy_states(d, s)
    z = target_states(prof)
    assert np.allclose(np.abs(z), 1.0) and np.allclose(z**s, 1.0) and np.all(z.imag >= -1e-12)


def test_non_diagonal_realizable_examples_say_why():
    assert "not LTI-realizable" in diagonal_profile(fibonacci(1, 2)).reason
    assert "P singular" in diagonal_profile(signed_selection("x1(t-2), x2(t-2), x2(t-2)")).reason
    jordan = diagonal_profile(LinearHDS([[[0, 0], [0, 0]], [[1, 1], [0, 1]]]))
    assert jordan.realizable and not jordan.diagonalizable and "not diagonalizable" in jordan.reason
    with pytest.raises(ValueError, match="profile"):
        target_states(jordan)
    with pytest.raises(TypeError, match="task"):
        diagonal_profile([[1.0]])


def test_one_state_fewer_than_n_complex_cannot_match_the_residues():
    """The counting lower bound on an instance: x(t) = x(t-1), d = 3 needs ceil(3/2) = 2 states at z = 1.

    One state at 1 gives Markov parameters Re(c b^T), of rank <= 2 < 3 = rank G_k: no choice of c, b works.
    """
    task = repeat_copy(3, 1)
    assert diagonal_profile(task).n_complex_states == 2
    rng = np.random.default_rng(0)
    for _ in range(20):
        c, b = rng.standard_normal((2, 3)) + 1j * rng.standard_normal((2, 3))
        dr = DiagonalRecurrence(np.array([1.0 + 0j]), b[None, :], c[:, None])
        assert np.linalg.matrix_rank(dr.run(np.eye(3)[:, None, :].repeat(2, axis=1))[0][:, 1]) <= 2
