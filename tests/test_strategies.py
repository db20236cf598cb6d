"""The public hypothesis strategies: they draw what they promise, and failures shrink to the smallest sizes."""

from __future__ import annotations

import numpy as np
from hypothesis import find, given
from hypothesis import strategies as st

from wavetheory.strategies import (authors_ids, authors_tasks, compiled_networks, linear_tasks, perturbed_networks,
                                   realizable_tasks, signed_selection_tasks)
from wavetheory.theory.task_ids import decode, encode
from wavetheory.theory.wave_operator import Phi


@given(authors_ids())
def test_authors_ids_are_valid(case):
    ids, d, s = case
    assert decode(*ids, d, s).shape == (s, d, d)  # raises on an invalid triple


@given(authors_tasks())
def test_authors_tasks_are_in_the_family(task):
    assert encode(task) is not None


@given(st.data())
def test_compiled_networks_are_similar_to_phi(data):
    task = data.draw(linear_tasks(max_d=2, max_s=3))
    rnn = data.draw(compiled_networks(task))
    sd = task.s * task.d
    # W_hh = Psi diag(Phi, 0) Psi^-1: the trace and the Frobenius norm of powers are similarity invariants;
    # cond(Psi) < 1e3 (make_basis) keeps the float64 round trip within 1e-9 of the entries' scale
    for k in (1, 2, 3):
        Wk, Pk = np.linalg.matrix_power(rnn.W_hh, k), np.linalg.matrix_power(Phi(task), k)
        assert abs(np.trace(Wk) - np.trace(Pk)) <= 1e-9 * (1 + np.abs(Pk).sum())
    assert rnn.hidden >= sd


@given(st.data())
def test_perturbed_networks_stay_within_their_scale(data):
    task = data.draw(signed_selection_tasks(max_d=2, max_s=3))
    rnn = data.draw(compiled_networks(task, kinds=("orthogonal",)))
    noisy = data.draw(perturbed_networks(rnn, max_scale=1e-2))
    for k in ("W_hh", "W_uh", "W_hy"):
        W, V = getattr(rnn, k), getattr(noisy, k)
        # noise eps ||W|| / sqrt(size) N(0, 1) per entry: its norm is eps ||W|| chi_size / sqrt(size) < 6 eps ||W||
        assert np.linalg.norm(V - W) <= 6e-2 * np.linalg.norm(W) + 1e-300


def test_failures_shrink_to_the_smallest_sizes():
    # any claim that fails everywhere is reported at d = s = 1, the smallest example
    assert find(linear_tasks(), lambda t: True).lags.shape == (1, 1, 1)
    assert find(signed_selection_tasks(), lambda t: True).lags.shape == (1, 1, 1)
    assert find(realizable_tasks(), lambda t: True).lags.shape == (1, 1, 1)
    ids, d, s = find(authors_ids(), lambda c: True)
    assert (ids, d, s) == ((1, 0, 0), 1, 1)
    # a claim failing only from d = 3 on is reported at d = 3 exactly
    assert find(authors_tasks(), lambda t: t.d >= 3).d == 3


def test_a_falsifying_example_prints_large_arrays_in_short():
    import pytest
    from hypothesis import settings

    from wavetheory.strategies import lag_stacks

    @settings(database=None, derandomize=True, max_examples=5)
    @given(lag_stacks(d=4, s=6), lag_stacks(d=2, s=1))
    def prop(big, small):
        assert big.size < 0

    with pytest.raises(AssertionError) as err:
        prop()
    report = "\n".join(getattr(err.value, "__notes__", []))
    assert "Falsifying example" in report
    assert "shape (6, 4, 4), float64" in report and "..." in report  # 96 entries > SHORT_ARRAY_ENTRIES (36): corners
    assert report.count("\n") < 40  # whole, the 96 entries alone take 24 lines
    assert "shape (1, 2, 2)" not in report and "array([[[" in report  # the 4-entry array prints whole
