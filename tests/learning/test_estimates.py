"""Tests of the time-left estimate (wavetheory.learning.estimates)."""

import math

import pytest

from wavetheory.learning.estimates import (Finished, Work, format_duration, remaining_seconds, seconds_per_step,
                                           used_fraction)

A, B = "rnn h128", "lstm h64"


def test_measured_cost_per_family_and_used_fraction():
    done = [Finished(Work(A, 1000), 200, 2.0), Finished(Work(A, 1000), 300, 4.0), Finished(Work(B, 500), 500, 10.0)]
    assert seconds_per_step(done) == {A: 6.0 / 500, B: 10.0 / 500}
    assert used_fraction(done) == pytest.approx(1000 / 2500)
    assert used_fraction([]) == 1.0  # nothing finished: the step bounds themselves


def test_remaining_time_spreads_pending_work_over_workers():
    done = [Finished(Work(A, 1000), 500, 5.0)]  # 10 ms/step, half the bound used
    pending = [Work(A, 1000)] * 4
    # each pending job: 1000 steps x 0.5 x 0.01 s = 5 s; four of them on two workers: 10 s
    assert remaining_seconds(pending, done, workers=2) == pytest.approx(10.0)
    assert remaining_seconds(pending, done, workers=1) == pytest.approx(20.0)
    # more workers than jobs: never below the longest single job
    assert remaining_seconds(pending, done, workers=16) == pytest.approx(5.0)
    assert remaining_seconds([], done, workers=2) == 0.0


def test_a_family_without_measurements_uses_the_prior_then_the_median():
    done = [Finished(Work(A, 100), 100, 1.0)]  # 10 ms/step, bound fully used
    assert remaining_seconds([Work(B, 100)], done, prior={B: 0.05}) == pytest.approx(5.0)  # the prior's 50 ms
    assert remaining_seconds([Work(B, 100)], done) == pytest.approx(1.0)  # A's measured cost stands in
    assert remaining_seconds([Work(B, 100)], [], prior={A: 0.02}) == pytest.approx(2.0)  # only a prior of another family
    assert remaining_seconds([Work(B, 100)], []) is None  # nothing known: no guess
    # a measurement replaces the prior of its family (the machine's load is in it)
    assert remaining_seconds([Work(A, 100)], done, prior={A: 1.0}) == pytest.approx(1.0)


@pytest.mark.parametrize("make, err, name", [
    (lambda: Work(A, 0), ValueError, "step_bound"),
    (lambda: Work(A, 2.5), TypeError, "step_bound"),
    (lambda: Finished(Work(A, 10), -1, 1.0), ValueError, "steps"),
    (lambda: Finished(Work(A, 10), 5, math.nan), ValueError, "seconds"),
    (lambda: remaining_seconds([Work(A, 10)], workers=0), ValueError, "workers"),
])
def test_bad_input_names_the_argument(make, err, name):
    with pytest.raises(err, match=name):
        make()


@pytest.mark.parametrize("seconds, text", [(0.4, "0 s"), (45, "45 s"), (134, "2 min 14 s"), (3600 * 2 + 7 * 60, "2 h 07 min"),
                                           (None, "unknown"), (math.inf, "unknown")])
def test_format_duration(seconds, text):
    assert format_duration(seconds) == text


def test_jobs_time_left_groups_a_pools_jobs_by_family_across_seeds():
    from types import SimpleNamespace

    from wavetheory.learning.config import TrainConfig
    from wavetheory.learning.estimates import jobs_time_left
    from wavetheory.learning.pool import Job
    from wavetheory.theory.tasks import repeat_copy

    task = repeat_copy(2, 3)
    small = [Job(task, TrainConfig(seed=k, steps=1000, hidden=16)) for k in range(3)]
    large = [Job(task, TrainConfig(seed=k, steps=1000, hidden=64)) for k in range(2)]
    finished = [(small[0], SimpleNamespace(steps=500), 1.0),  # 2 ms/step, half the bound used
                (large[0], SimpleNamespace(steps=500), 4.0),  # 8 ms/step
                (small[1], RuntimeError("failed"), 9.0),      # unknown steps: not a cost
                (Job(task, TrainConfig(seed=4, steps=1000, hidden=64)), None, 7.0)]  # finished in an earlier sitting, not read back yet: not a cost either
    # pending: small seed 2 (1000 x 0.5 x 2 ms = 1 s) and large seed 1 (1000 x 0.5 x 8 ms = 4 s); u = 1000 / 2000
    assert jobs_time_left([small[2], large[1]], finished, workers=1) == pytest.approx(5.0)
    assert jobs_time_left([small[2], large[1]], finished, workers=2) == pytest.approx(4.0)  # the longest job
    # a TrainResult's own wall time is the cost when it has one (here twice the seconds given: 2 s + 8 s)
    timed = [(small[0], SimpleNamespace(steps=500, wall_seconds=2.0), 1.0),
             (large[0], SimpleNamespace(steps=500, wall_seconds=8.0), 4.0)]
    assert jobs_time_left([small[2], large[1]], timed, workers=1) == pytest.approx(10.0)
