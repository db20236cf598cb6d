"""Tests of wavetheory.theory.task_library: the task registry (one contract test over every family), the named
linear tasks, and random dense tasks of a given spectral radius."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from wavetheory.strategies import seeds
from wavetheory.theory.nonlinear_tasks import nonlinear_copy
from wavetheory.theory.task_library import (FAMILIES, NONLINEAR_TASKS, SEEDED_TASKS, TASKS, family, make_task,
                                            random_linear)
from wavetheory.theory.tasks import HDS, LinearHDS, fibonacci, random_signed_selection, repeat_copy, rollout
from wavetheory.theory.two_phase import two_phase_batch
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


# --------------------------------------------------------------------------- the registry: one contract over every family


def _same_task(a, b, d, s) -> bool:
    """Two tasks are the same when their lags are (linear) or when they continue 32 random histories alike (general)."""
    if isinstance(a, LinearHDS) and isinstance(b, LinearHDS):
        return a == b
    hist = np.random.default_rng(3).choice([-1.0, 1.0], size=(32, s, d))
    return bool(np.array_equal(rollout(a, hist, 2 * s), rollout(b, hist, 2 * s)))


@pytest.mark.parametrize("fam", FAMILIES, ids=lambda f: f.name)
@pytest.mark.parametrize("d,s", [(1, 1), (2, 3), (3, 4)])
def test_every_registered_family_honours_the_contract(fam, d, s):
    """build(d, s, seed) gives a task of size (d, s) of the declared kind; the seed matters iff declared seeded;
    the same seed gives the same task; the two-phase protocol runs on it with +-1 histories; a description exists."""
    assert isinstance(fam.describe, str) and fam.describe.strip()
    task = fam.build(d, s, 0)
    assert (task.d, task.s) == (d, s)
    assert isinstance(task, LinearHDS if fam.linear else HDS) and not isinstance(task, HDS if fam.linear else LinearHDS)
    assert _same_task(task, fam.build(d, s, 0), d, s)
    differs = [not _same_task(task, fam.build(d, s, seed), d, s) for seed in range(1, 6)]
    if fam.seeded and d * s > 1:  # (1, 1): a signed selection has only 2 tasks, 5 draws may all hit the first
        assert any(differs), f"{fam.name}: declared seeded, but seeds 1..5 all build the seed-0 task"
    if not fam.seeded:
        assert not any(differs), f"{fam.name}: declared unseeded, but the seed changes the task"
    u, y = two_phase_batch(task, batch=4, horizon=2 * s, rng=0)
    assert u.shape == (4, 3 * s, d) and y.shape == (4, 2 * s, d) and np.all(np.isfinite(y))
    if fam.linear:  # the library of linear tasks is what make_task builds, with the memory check in front
        assert make_task(fam.name, d, s, seed=0) == task
    else:
        with pytest.raises(ValueError, match="^task: unknown task"):
            make_task(fam.name, d, s)


def test_registry_lists_each_family_once_and_derives_the_views():
    names = [f.name for f in FAMILIES]
    assert len(names) == len(set(names))
    assert list(TASKS) == [f.name for f in FAMILIES if f.linear]
    assert list(NONLINEAR_TASKS) == [f.name for f in FAMILIES if not f.linear]
    assert SEEDED_TASKS == ("signed-selection", "random-stable", "random-unstable")
    assert all(family(n).name == n for n in names)
    with pytest.raises(ValueError, match="^task: unknown task 'nope'"):
        family("nope")


def test_nonlinear_families_are_the_nonlinear_copies_at_lag_one():
    for name, kind in (("product-copy", "product"), ("triple-copy", "triple"), ("majority-copy", "majority")):
        assert _same_task(family(name).build(3, 4, 0), nonlinear_copy(3, 4, 1, kind), 3, 4)


def test_sweep_configs_read_the_registry():
    from wavetheory.sweeps import config

    assert config.SEEDED_TASKS is SEEDED_TASKS
