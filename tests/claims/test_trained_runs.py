"""The trained runs' plumbing: families over seeds, the workload a plan would train, reading runs (a failed seed is None)."""

from __future__ import annotations

import pytest

from fake_pool import FakePool, result
from wavetheory.claims import trained_runs
from wavetheory.claims.claim import Context, Plan
from wavetheory.claims.trained_runs import Family, outcomes, readings, seed_count, workload
from wavetheory.theory.tasks import repeat_copy

TASK = repeat_copy(2, 3)


def fam(seeds=(0, 1, 2), measure=None, **config) -> Family:
    return Family(TASK, {"steps": 50, **config}, tuple(seeds), "test family", measure)


def test_every_exported_name_exists():
    assert [n for n in trained_runs.__all__ if not hasattr(trained_runs, n)] == []


def test_workload_counts_a_run_shared_by_two_families_once_and_trains_nothing():
    a, same, other = fam(), fam(seeds=(1, 2, 3)), fam(hidden=8)
    assert workload({"a": a}, []) == {"families": 1, "jobs": 3, "steps": 150, "calls": 0}
    # seeds 1, 2 are the same runs in "a" and "same": 4 distinct jobs of one configuration
    assert workload({"a": a, "same": same}, [(print, ())]) == {"families": 1, "jobs": 4, "steps": 200, "calls": 1}
    assert workload({"a": a, "other": other}, [])["families"] == 2


def test_outcomes_read_each_seed_and_a_failed_run_is_none(tmp_path):
    f = fam(measure=repr)  # the fake pool returns the injected reading for any measure
    pool = FakePool({"f": f}, {"f": [(result(target_step=10), {"r": 0}), None, (result(target_step=30), {"r": 2})]})
    ctx = Context(out=tmp_path, pool=pool, families={"f": f})
    got = outcomes(ctx, f)
    assert [None if res is None else res.target_step for res, _ in got] == [10, None, 30]
    assert readings(ctx, "f") == (f, [{"r": 0}, None, {"r": 2}])
    assert outcomes(ctx, fam())[0] == (got[0][0], None)  # a family without a measure reads no reading


def test_a_context_without_a_pool_is_refused_by_name(tmp_path):
    with pytest.raises(ValueError, match="ctx: this context has no training pool"):
        outcomes(Context(out=tmp_path), fam())


def test_seed_counts_below_five_are_refused():
    assert seed_count(None) is None and seed_count(6) == 6
    assert len(Plan(quick=True).seeds) == 5 and len(Plan(quick=False).seeds) == 20
    assert Plan(seed=3, n_seeds=6).seeds == (3, 4, 5, 6, 7, 8)
    for bad, err in ((4, ValueError), (True, TypeError), (5.0, TypeError)):
        with pytest.raises(err, match="n_seeds"):
            seed_count(bad)
