"""Tests of the training pool: one training per (task, config), resume from the run folder and the journal,
shards and their merge, the executors (local, dask), and results bit-identical to serial training (CPU)."""

import json
import math

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


# --------------------------------------------------------------------------- the journal: resume, shards, merge

from wavetheory.learning import executor as executor_module  # noqa: E402
from wavetheory.learning import pool as pool_module  # noqa: E402
from wavetheory.learning.journal import JOURNAL, Journal, decode, encode, merge_shards, shard_of  # noqa: E402


def reading(result: TrainResult) -> dict:
    """A measure with arrays, complex numbers, a tuple and a non-finite float: what the journal must keep exactly."""
    return {"W_hh": result.rnn.W_hh, "eig": np.linalg.eigvals(result.rnn.W_hh), "steps": result.steps,
            "pair": (result.accuracy, float("nan")), "config": result.config}


def same_readings(a: dict, b: dict) -> bool:
    return (np.array_equal(a["W_hh"], b["W_hh"]) and np.array_equal(a["eig"], b["eig"]) and a["steps"] == b["steps"]
            and a["pair"][0] == b["pair"][0] and math.isnan(b["pair"][1]) and a["config"] == b["config"])


def family(n: int = 3) -> list[TrainConfig]:
    return [smoke(seed, steps=25, target=None) for seed in range(n)]


def run_all(runs, configs, **kw) -> tuple[list, list]:
    with TrainingPool(runs, progress=False, **kw) as pool:
        jobs = [pool.submit(TASK, c, measure=reading) for c in configs]
        pool.start()
        return [pool.result(j) for j in jobs], [pool.measured(j, reading) for j in jobs]


def interrupt_after_one(runs, configs, **kw) -> None:
    """A sitting stopped (its workers killed) as soon as the first job has finished: the rest never finish."""
    pool = TrainingPool(runs, progress=False, **kw)
    jobs = [pool.submit(TASK, c, measure=reading) for c in configs]
    pool.start()
    pool.result(jobs[0])
    pool.close(kill=True)


def test_the_journal_keeps_values_exactly_and_runs_no_code():
    value = {"a": np.arange(6, dtype=np.float32).reshape(2, 3), 3: (1 + 2j, np.complex128(3 - 1j)), "n": [float("inf")],
             "c": TrainConfig(hidden=8, horizons=(2, 5)), "s": np.float64(0.1), "none": None, "flag": True}
    back = decode(json.loads(json.dumps(encode(value), allow_nan=False)))
    assert back.keys() == value.keys() and back["c"] == value["c"] and back["n"] == [float("inf")]
    assert back["a"].dtype == np.float32 and np.array_equal(back["a"], value["a"])
    assert back[3] == value[3] and isinstance(back[3], tuple) and type(back["s"]) is np.float64 and back["s"] == 0.1
    with pytest.raises(TypeError, match="cannot store"):
        encode({"f": lambda: 0})
    with pytest.raises(ValueError, match="not a module of the package"):
        decode({"__dataclass__": "subprocess:Popen", "fields": {"args": ["true"]}})
    with pytest.raises(ValueError, match="not a dataclass of the package"):  # reached through a package module
        decode({"__dataclass__": "wavetheory.learning.journal:subprocess.Popen", "fields": {"args": ["true"]}})


def test_a_torn_journal_line_is_ignored_and_cut_before_the_next_record(tmp_path):
    journal = Journal(tmp_path / JOURNAL)
    journal.append({"key": "a", "status": "ok"})
    with open(journal.path, "ab") as fh:
        fh.write(b'{"key": "b", "sta')  # a kill during a write
    assert list(journal.load()) == ["a"]
    journal.append({"key": "c", "status": "ok"})
    assert list(journal.load()) == ["a", "c"]


# the dask variant starts a LocalCluster and a worker that imports torch: ~15 s quiet, ~50 s on 2 busy cores
@pytest.mark.parametrize("executor", ["local", pytest.param("dask", marks=pytest.mark.slow)])
def test_a_run_interrupted_and_resumed_equals_an_uninterrupted_one(tmp_path, executor):
    """One worker (a local process, or a dask LocalCluster of one): the first sitting is killed after one job;
    the second trains only what the journal lacks and gives every weight and measured value bit for bit."""
    if executor == "dask":
        pytest.importorskip("distributed")
    configs = family()
    whole, whole_values = run_all(tmp_path / "whole", configs, workers=0)
    interrupt_after_one(tmp_path / "parts", configs, workers=1, executor=executor)
    assert len(Journal(tmp_path / "parts" / JOURNAL).load()) == 1
    resumed, values = run_all(tmp_path / "parts", configs, workers=1, executor=executor)
    records = Journal(tmp_path / "parts" / JOURNAL).load()
    assert len(records) == 3 and all(r["status"] == "ok" for r in records.values())
    for a, b, va, vb in zip(whole, resumed, whole_values, values):
        assert same_weights(a, b) and a.accuracy == b.accuracy and same_readings(va, vb)


def test_journaled_jobs_are_read_back_not_run_again(tmp_path, monkeypatch):
    configs = family(2)
    first, first_values = run_all(tmp_path, configs, workers=0)

    def refuse(*args):
        raise AssertionError("a journaled job ran again")

    monkeypatch.setattr(pool_module, "_run_job", refuse)
    again, values = run_all(tmp_path, configs, workers=0)
    assert all(same_weights(a, b) and same_readings(va, vb) for a, b, va, vb in zip(first, again, first_values, values))


def test_two_shards_merged_equal_the_whole_and_other_plans_are_refused(tmp_path, monkeypatch):
    configs = family(4)
    whole, whole_values = run_all(tmp_path / "whole", configs, workers=0)
    for k in (1, 2):
        with TrainingPool(tmp_path / f"shard{k}", workers=0, progress=False, shard=f"{k}/2") as pool:
            jobs = [pool.submit(TASK, c, measure=reading) for c in configs]
            assert pool.start().wait() == {"jobs": 2, "ok": 2, "failed": 0}
            other = next(j for j in jobs if not (tmp_path / f"shard{k}" / j.folder).exists())
            with pytest.raises(ValueError, match="another shard"):
                pool.result(other)
    merged = merge_shards([tmp_path / "shard1", tmp_path / "shard2"], tmp_path / "merged")
    assert (merged["shards"], merged["missing"], merged["jobs"]) == ([1, 2], [], 4)
    monkeypatch.setattr(pool_module, "_run_job", lambda *a: (_ for _ in ()).throw(AssertionError("trained again")))
    results, values = run_all(tmp_path / "merged", configs, workers=0)
    for a, b, va, vb in zip(whole, results, whole_values, values):
        assert same_weights(a, b) and same_readings(va, vb)
    with pytest.raises(ValueError, match="given twice"):
        merge_shards([tmp_path / "shard1", tmp_path / "shard1"], tmp_path / "m2")
    with pytest.raises(ValueError, match="not the runs folder of a sharded run"):
        merge_shards([tmp_path / "shard1", tmp_path / "nothing"], tmp_path / "m3")
    with TrainingPool(tmp_path / "other", workers=0, progress=False, shard="2/2") as pool:  # a plan of 3 jobs
        for c in configs[:3]:
            pool.submit(TASK, c)
        pool.start().wait()
    with pytest.raises(ValueError, match="another plan"):
        merge_shards([tmp_path / "shard1", tmp_path / "other"], tmp_path / "m4")


def test_shards_split_the_ranked_jobs_into_disjoint_deterministic_shares():
    ranked = [f"k{i}" for i in range(7)]
    shares = [shard_of(ranked, (k, 3)) for k in (1, 2, 3)]
    assert set().union(*shares) == set(ranked) and sum(map(len, shares)) == 7
    assert shares[0] == {"k0", "k3", "k6"}
    for bad in ("0/2", "3/2", "1-2", "a/b"):
        with pytest.raises(ValueError, match="shard"):
            TrainingPool("runs", shard=bad)
    with pytest.raises(ValueError, match="runs folder"):
        TrainingPool(None, shard="1/2")


def test_spawning_a_worker_retries_eagain(monkeypatch):
    """The first spawn fails with EAGAIN (a busy machine's full process table); the worker is spawned again.

    The pool's local workers are started by this context (``start_workers``); a bare process (target ``int``,
    no torch to import) keeps the test short.
    """
    import errno
    import multiprocessing.context

    real, calls = multiprocessing.context.SpawnProcess._Popen, []

    def busy(process):
        calls.append(1)
        if len(calls) == 1:
            raise BlockingIOError(errno.EAGAIN, "Resource temporarily unavailable")
        return real(process)

    monkeypatch.setattr(multiprocessing.context.SpawnProcess, "_Popen", staticmethod(busy))
    monkeypatch.setattr(executor_module, "SPAWN_RETRIES", (0.01,))
    proc = executor_module._SpawnContext().Process(target=int)
    proc.start()
    proc.join(60)
    assert len(calls) == 2 and proc.exitcode == 0
    workers = executor_module.start_workers("local", workers=1)
    try:
        assert isinstance(workers.executor._mp_context, executor_module._SpawnContext)  # the pool spawns with it
    finally:
        workers.close()

    def always_busy() -> None:  # a machine that cannot spawn at all: the error comes through after the pauses
        raise BlockingIOError(errno.EAGAIN, "Resource temporarily unavailable")

    with pytest.raises(BlockingIOError):
        executor_module._start_retrying(always_busy, pauses=(0.0, 0.0))


def test_bad_executor_arguments_are_refused_naming_them(tmp_path):
    with pytest.raises(ValueError, match="executor"):
        TrainingPool(tmp_path, workers=1, executor="ray")
    with pytest.raises(ValueError, match="scheduler"):
        TrainingPool(tmp_path, workers=1, scheduler="tcp://localhost:1")
    with pytest.raises(ValueError, match="ensemble"):
        TrainingPool(tmp_path, ensemble="yes")
