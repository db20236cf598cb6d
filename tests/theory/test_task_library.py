"""Tests of wavetheory.theory.task_library: the named tasks and random dense tasks of a given spectral radius."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from wavetheory.strategies import seeds
from wavetheory.theory.task_library import TASKS, make_task, random_linear
from wavetheory.theory.tasks import fibonacci, random_signed_selection, repeat_copy
from wavetheory.theory.wave_operator import spectral_radius


@pytest.mark.parametrize("radius", [0.5, 0.9, 1.1, 2.0])
@pytest.mark.parametrize("d,s", [(1, 1), (2, 3), (3, 5)])
def test_random_linear_has_requested_spectral_radius(radius, d, s):
    task = random_linear(d, s, seed=7, radius=radius)
    # eigenvalues of a dense random matrix are well conditioned: 1e-9 relative is ample
    assert spectral_radius(task) == pytest.approx(radius, rel=1e-9)


@given(st.integers(1, 4), st.integers(1, 5), seeds)
def test_random_linear_is_seeded_dense_and_named_by_stability(d, s, seed):
    a, b = random_linear(d, s, seed), random_linear(d, s, seed)
    assert a == b and a.name == "random-stable"  # same seed, same task; radius 0.9 < 1
    assert random_linear(d, s, seed, radius=1.5).name == "random-unstable"
    assert np.count_nonzero(a.lags) == a.lags.size  # Gaussian draws: dense almost surely
    # scaling A_k by c^k scales the spectrum by c: the two radii's tasks are one task rescaled
    c = 1.5 / 0.9
    np.testing.assert_allclose(random_linear(d, s, seed, radius=1.5).lags,
                               a.lags * (c ** np.arange(1, s + 1))[:, None, None], rtol=1e-12)


@pytest.mark.parametrize("radius, exc", [(0.0, ValueError), (-1.0, ValueError), (float("inf"), ValueError),
                                         (True, TypeError), ("big", TypeError)])
def test_random_linear_validates_the_radius(radius, exc):
    with pytest.raises(exc, match="^radius: "):
        random_linear(2, 3, radius=radius)


def test_make_task_names():
    for name in ("repeat-copy", "fibonacci", "signed-selection", "random-stable", "random-unstable"):
        task = make_task(name, 2, 3, seed=1)
        assert (task.d, task.s) == (2, 3)
    with pytest.raises(ValueError, match="unknown task"):
        make_task("nope", 2, 3)


def test_make_task_builds_the_task_it_names():
    assert make_task("repeat-copy", 2, 3) == repeat_copy(2, 3)
    assert make_task("fibonacci", 2, 3) == fibonacci(2, 3)
    assert make_task("signed-selection", 2, 3, seed=5) == random_signed_selection(2, 3, 5)
    assert make_task("random-stable", 2, 3, seed=5) == random_linear(2, 3, 5, radius=0.9)
    assert make_task("random-unstable", 2, 3, seed=5) == random_linear(2, 3, 5, radius=1.1)
    assert list(TASKS) == ["repeat-copy", "fibonacci", "signed-selection", "random-stable", "random-unstable"]
