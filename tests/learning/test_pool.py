"""Tests of the training pool: one training per (task, config), resume from the run folder, and results
bit-identical to serial training (CPU)."""

import numpy as np
import pytest

from wavetheory.learning.config import TrainConfig
from wavetheory.learning.pool import Job, TrainingFailed, TrainingPool, task_identity
from wavetheory.learning.substrate import nonlinear_copy
from wavetheory.learning.trainer import TrainResult, train
from wavetheory.theory.tasks import repeat_copy

TASK = repeat_copy(2, 3)


def smoke(seed: int, **kw) -> TrainConfig:
    return TrainConfig.preset("smoke", seed=seed, **kw)


def same_weights(a: TrainResult, b: TrainResult) -> bool:
    return all(np.array_equal(getattr(a.rnn, k), getattr(b.rnn, k)) for k in ("W_hh", "W_uh", "W_hy")) and all(
        np.array_equal(getattr(a.init, k), getattr(b.init, k)) for k in ("W_hh", "W_uh", "W_hy"))


def run_folders(runs) -> list:
    return [p for p in runs.iterdir() if p.is_dir()]  # beside them: the journal and the plan


def test_the_same_task_and_config_is_one_job_and_trains_once(tmp_path):
    pool = TrainingPool(tmp_path, workers=0, progress=False)
    a = pool.submit(TASK, smoke(0))
    b = pool.submit(repeat_copy(2, 3), smoke(0), measure=TrainResult.to_json)
    c = pool.submit(TASK, smoke(1))
    assert a is b and a.key == b.key != c.key
    assert len(pool.jobs) == 2
    pool.start()
    first = pool.result(a)
    assert pool.result(b) is first  # trained once, kept
    assert pool.measured(a, TrainResult.to_json)["steps"] == first.steps
    assert len(run_folders(tmp_path)) == 1  # workers = 0 trains lazily: c not yet
    assert pool.result(c).config.seed == 1
    assert len(run_folders(tmp_path)) == 2  # one run folder per job


def test_keys_see_every_field_of_task_and_config():
    base = Job(TASK, smoke(0))
    assert Job(TASK, smoke(0, lr=2e-3)).key != base.key
    assert Job(repeat_copy(2, 4), smoke(0)).key != base.key
    majority, product = nonlinear_copy(2, 3, kind="majority"), nonlinear_copy(2, 3, kind="product")
    assert Job(majority, smoke(0)).key != Job(product, smoke(0)).key
    assert task_identity(majority) == {"hds": majority.name, "d": 2, "s": 3}
    with pytest.raises(TypeError, match="task"):
        task_identity("repeat copy")


def test_a_rerun_resumes_from_the_run_folder_bit_for_bit(tmp_path):
    config = smoke(3, steps=30, target=None)
    job = Job(TASK, config)
    # a run killed after 12 of 30 steps leaves its checkpoint in the job's folder
    train(TASK, TrainConfig(**{**config.to_json(), "steps": 12}), tmp_path / job.folder)
    with TrainingPool(tmp_path, workers=0, progress=False) as pool:
        resumed = pool.result(pool.submit(TASK, config))
    assert resumed.steps == 30
    assert same_weights(resumed, train(TASK, config))


def test_a_failed_job_is_reported_and_the_others_finish(tmp_path):
    pool = TrainingPool(None, workers=0, progress=False)
    bad = pool.submit(TASK, smoke(0, init="shift", hidden=4))  # hidden < s*d: the shift init raises
    good = pool.submit(TASK, smoke(0)).key
    pool.start()
    with pytest.raises(TrainingFailed, match="hidden"):
        pool.result(bad)
    assert pool.result(pool.jobs[1]).steps > 0 and pool.jobs[1].key == good


def test_two_workers_give_the_serial_results_bit_for_bit(tmp_path):
    configs = [smoke(seed) for seed in (0, 1, 2)]
    with TrainingPool(tmp_path, workers=2, progress=False) as pool:
        jobs = [pool.submit(TASK, c, measure=TrainResult.to_json) for c in configs]
        key = pool.compute(np.linalg.matrix_power, np.eye(2) * 2, 3)  # a computation on a worker, not a training
        pool.start()
        assert pool.computed(key).tolist() == [[8.0, 0.0], [0.0, 8.0]]
        results = [pool.result(j) for j in jobs]
        assert pool.measured(jobs[0], TrainResult.to_json)["steps"] == results[0].steps  # measured in the worker
        assert pool.cpu_seconds > 0
    for config, result in zip(configs, results):
        assert same_weights(result, train(TASK, config))


def test_computations_are_keyed_by_function_and_arguments():
    pool = TrainingPool(None, workers=0, progress=False).start()
    a, b = pool.compute(np.linalg.matrix_power, np.eye(2), 2), pool.compute(np.linalg.matrix_power, np.eye(2), 2)
    assert a == b and a != pool.compute(np.linalg.matrix_power, np.eye(2), 3)
    assert pool.computed(a).tolist() == [[1.0, 0.0], [0.0, 1.0]]
    with pytest.raises(ValueError, match="compute"):
        pool.computed("call:unknown")
