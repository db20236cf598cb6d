"""Train many (task, TrainConfig) jobs on worker processes, each at most once per run (C7-C10, C13, C14).

A trained claim is a statistic over seeds, and several claims read the same networks (C7-C10 share
theirs). ``TrainingPool`` takes every job up front, keys it by (task JSON, config JSON), trains each
key once on N spawned worker processes and hands back ``TrainResult`` objects:

    pool = TrainingPool(runs="out/runs", workers=2)
    jobs = [pool.submit(repeat_copy(3, 4), TrainConfig(seed=k), measure=reading) for k in range(5)]
    pool.start()                          # nothing trains before start(): measures of one key merge
    results = [pool.result(j) for j in jobs]
    numbers = [pool.measured(j, reading) for j in jobs]

* Dedup: submitting the same (task, config) again returns the same ``Job``; it trains once.
* Journal and resume: job ``k`` lives in ``runs/<job.folder>``; each finished job (its status, CPU
  seconds and measured values) is appended to ``runs/journal.jsonl`` the moment it finishes
  (``journal.Journal``: fsynced, a torn last line ignored). A later sitting on the same folder takes
  the jobs the journal holds (written by the same code, with every requested measure) without running
  them, reads their results back from their folders (the trainer returns a finished run unchanged)
  and trains the rest, a killed run resuming from its checkpoint: the numbers equal an uninterrupted run's.
* Shards: ``shard="K/N"`` trains only the K-th share of the plan (jobs ranked by estimated cost, dealt
  round robin), no computation; ``wait()`` blocks until the share is done; ``journal.merge_shards``
  gathers shard folders (refusing other plans or code) and a pool on the merged folder trains nothing.
* ``measure``: module-level functions ``fn(TrainResult) -> value`` run in the worker right after
  training (the measurements of many networks spread over the cores like the training); a measure
  asked for after ``start()`` runs here when its value is first read.
* Workers (``executor.start_workers``): local spawned processes (one torch and one BLAS thread each,
  dying with their driver, EAGAIN retried when spawning) or a dask.distributed cluster
  (``executor="dask"``, ``scheduler``); a driver that stops on an error kills its workers
  (``close(kill=True)``). ``workers = 0`` trains in this process, lazily, when a result is first asked
  for (tests, single claims). A job's own error is returned by its worker and journaled; a worker that
  dies (killed, lost) fails its future, which is not journaled, so the job runs again next sitting.
* Ensembles: ``ensemble=True`` (default: when CUDA is available) trains the seeds of each family as one
  batched ensemble (``ensemble.train_ensemble``), per-seed results and files as ``train`` writes them.
* Same seed, same result: a job trains with the same code, seed and one thread in a worker as in
  this process, so its weights are bit-identical to ``train(task, config)`` (CPU; an ensemble's
  agree to float32 rounding, ``ensemble``).

Costs are recorded per job (``cpu_seconds``: process time of training and measures in the worker)
so a caller can report the CPU seconds of its trained part summed over the workers.
"""

from __future__ import annotations

import concurrent.futures as cf
import hashlib
import json
import re
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable

from ..theory.tasks import HDS, LinearHDS
from .config import TrainConfig
from .executor import (WORKER_ENV, Workers, check_backend, job_cost, kill_workers, member_future, start_workers,
                       watch_parent, worker_env)
from .journal import JOURNAL, PLAN, Journal, code_version, decode, encode, journal_key, parse_shard, plan_id, shard_of

__all__ = [
    "Job", "TrainingPool", "TrainingFailed", "task_identity", "worker_env", "watch_parent", "kill_workers", "WORKER_ENV",
]

Measure = Callable[[Any], Any]


def task_identity(task: LinearHDS | HDS) -> dict:
    """The JSON that identifies a task in a job key: a linear task's lags; a general HDS's name and sizes.

    A general HDS holds a Python function, so it is known by its name (``nonlinear_copy`` names
    encode kind and lag) and (d, s): give distinct general tasks distinct names.
    """
    if isinstance(task, LinearHDS):
        return task.to_json()
    if isinstance(task, HDS):
        return {"hds": task.name, "d": task.d, "s": task.s}
    raise TypeError(f"task: expected a LinearHDS or HDS, got {type(task).__name__}")


def _measure_name(fn: Measure) -> str:
    return f"{fn.__module__}.{fn.__qualname__}"


@dataclass(frozen=True)
class Job:
    """One training run: a task and its configuration; ``key`` hashes both (the dedup key)."""

    task: LinearHDS | HDS
    config: TrainConfig

    @property
    def key(self) -> str:
        blob = json.dumps({"task": task_identity(self.task), "config": self.config.to_json()}, sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    @property
    def folder(self) -> str:
        """A readable, unique folder name: task, sizes, cell, init, seed and the key."""
        c = self.config
        name = re.sub(r"[^A-Za-z0-9.+-]+", "_", getattr(self.task, "name", "task"))[:40]
        return f"{name}_d{self.task.d}_s{self.task.s}_{c.cell}_{c.init}_h{c.hidden}_seed{c.seed}_{self.key[:10]}"


class TrainingFailed(RuntimeError):
    """A job's training or measure raised in its worker; the message names the job and the error."""


def _run_call(fn: Callable[..., Any], args: tuple) -> tuple[Any, dict, float]:
    """In a worker: fn(*args) and its CPU seconds (the same triple as a job, with no measures)."""
    t0 = time.process_time()
    value = fn(*args)
    return value, {}, time.process_time() - t0


def _caught(fn: Callable[..., Any], *args: Any) -> Any:
    """In a worker: fn(*args), the job's own error returned as its outcome (a future that raises: the workers failed)."""
    try:
        return fn(*args)
    except Exception as exc:
        return exc, {}, 0.0


def _run_job(job: Job, out: str | None, measures: tuple[Measure, ...]) -> tuple[Any, dict, float]:
    """In a worker: train (resuming a run left in ``out``), apply the measures; (result, values, CPU seconds)."""
    from .trainer import train

    t0 = time.process_time()
    result = train(job.task, job.config, out, resume=True, progress=False)
    values = {_measure_name(fn): fn(result) for fn in measures}
    return result, values, time.process_time() - t0


class TrainingPool:
    """Jobs keyed by (task, config), trained once each on ``workers`` processes (module docstring).

    ``runs``: folder of the run folders and the journal (None: nothing on disk, no resume); ``progress``: a
    bar over jobs (tqdm; None = tqdm's automatic choice, False = none); ``executor``: "local" processes or
    "dask" (``scheduler``: a dask scheduler address; none starts a LocalCluster of ``workers``);
    ``shard``: "K/N" or (K, N), train only that share of the plan (``wait`` for it; ``journal.merge_shards``
    gathers the shards); ``ensemble``: train the seeds of each family (jobs equal but for the seed) as one
    batched ensemble (``ensemble.train_ensemble``; None: when CUDA is available).
    """

    def __init__(self, runs: str | Path | None = None, workers: int = 0, progress: bool | None = None, *,
                 executor: str = "local", scheduler: str | None = None, shard: str | tuple[int, int] | None = None,
                 ensemble: bool | None = None) -> None:
        if isinstance(workers, bool) or not isinstance(workers, int) or workers < 0:
            raise ValueError(f"workers: expected an integer >= 0, got {workers!r}")
        check_backend(executor, workers or None, scheduler)
        if executor == "dask" and workers == 0 and scheduler is None:
            raise ValueError("workers: the dask executor needs workers >= 1 (the LocalCluster's size) or a scheduler")
        self.shard = parse_shard(shard)
        if self.shard is not None and runs is None:
            raise ValueError("shard: a sharded run needs a runs folder (its journal is what the merge gathers)")
        if ensemble is not None and not isinstance(ensemble, bool):
            raise ValueError(f"ensemble: expected True, False or None, got {ensemble!r}")
        self.runs = None if runs is None else Path(runs)
        self.workers, self.executor, self.scheduler, self.progress = workers, executor, scheduler, progress
        self.ensemble = ensemble
        self._jobs: dict[str, Job] = {}
        self._measures: dict[str, dict[str, Measure]] = {}  # key -> name -> fn (requested before start)
        self._calls: dict[str, tuple[Callable[..., Any], tuple]] = {}  # key -> (fn, args): computations, not training
        self._futures: dict[str, cf.Future] = {}
        self._done: dict[str, tuple[Any, dict, float]] = {}  # key -> (result, measure values, CPU seconds)
        self._stored: set[str] = set()  # finished in an earlier sitting: the result is read from its run folder
        self._mine: set[str] | None = None  # a shard's jobs
        self._journal = None if runs is None else Journal(self.runs / JOURNAL)
        self._lock = threading.Lock()
        self._code: dict | None = None
        self._workers: Workers | None = None
        self._bar = None
        self.started = False

    # ----------------------------------------------------------------------- submitting

    def submit(self, task: LinearHDS | HDS, config: TrainConfig, measure: Measure | None = None) -> Job:
        """Register a job (the same (task, config) twice is one job) and a measure to run on its result."""
        if not isinstance(config, TrainConfig):
            raise TypeError(f"config: expected a TrainConfig, got {type(config).__name__}")
        job = Job(task, config)
        key = job.key
        self._jobs.setdefault(key, job)
        if measure is not None:
            self._measures.setdefault(key, {}).setdefault(_measure_name(measure), measure)
        if self.started and self._mine is None and key not in self._futures and key not in self._done:
            self._launch([key])
        return self._jobs[key]

    def compute(self, fn: Callable[..., Any], *args: Any) -> str:
        """Register a computation fn(*args) for a worker (module-level fn, picklable args); its key for ``computed``.

        For the heavy untrained parts of a study, so that they too run on the workers' single BLAS thread
        while this process does other work; the same (fn, args) twice is one computation.
        """
        key = f"call:{_measure_name(fn)}{args!r}"
        if key not in self._calls:
            self._calls[key] = (fn, args)
            if self.started and self._mine is None:
                self._launch([key])
        return key

    def computed(self, key: str) -> Any:
        """The value of a computation registered with ``compute`` (waits for it; re-raises its error)."""
        if key not in self._calls:
            raise ValueError(f"key: {key!r} was never registered with compute()")
        if key not in self._done:
            if key in self._futures:
                self._done[key] = self._futures.pop(key).result()  # journaled by its done callback
            else:
                try:
                    outcome = _run_call(*self._calls[key])
                except Exception as exc:
                    outcome = (exc, {}, 0.0)
                self._record(key, outcome)
        value = self._done[key][0]
        if isinstance(value, BaseException):
            raise value
        return value

    def start(self) -> "TrainingPool":
        """Start every registered computation, then every job, the most expensive first (they finish together).

        Jobs (and computations) the journal holds from an earlier sitting, with every requested measure, are
        not run again; a shard starts only its share of the jobs and no computation.
        """
        if not self.started:
            self.started = True
            from tqdm.auto import tqdm

            self._bar = tqdm(total=0, desc="training", unit="run", leave=False,
                             disable=None if self.progress is None else not self.progress)
            ranked = sorted(self._jobs, key=lambda k: (-job_cost(self._jobs[k]), k))
            if self.runs is not None:
                self._resume()
                n = self.shard[1] if self.shard else None
                self._write_plan(ranked, n)
            if self.shard is not None:
                self._mine = shard_of(ranked, self.shard)
                ranked, calls = [k for k in ranked if k in self._mine], []
            else:
                calls = list(self._calls)
            self._launch([k for k in calls + ranked if k not in self._done])
        return self

    def job_progress(self) -> tuple[list[Job], list[tuple[Job, Any, float]]]:
        """(jobs not finished, finished jobs as (job, TrainResult or its exception, CPU seconds)); waits for nothing.

        A run finished in an earlier sitting and not read back yet has None in place of its TrainResult."""
        pending, finished = [], []
        for key, job in self._jobs.items():
            fut = self._futures.get(key)
            done = self._done.get(key) or (fut.result() if fut is not None and fut.done() and not fut.cancelled()
                                           and fut.exception() is None else None)
            (pending.append(job) if done is None else finished.append((job, done[0], done[2])))
        return pending, finished

    def wait(self) -> dict[str, int]:
        """Wait for every started job (a shard: its share); counts of jobs, finished and failed ones."""
        keys = [k for k in self._jobs if self._mine is None or k in self._mine]
        for key in keys:
            self._outcome(self._jobs[key])
        failed = sum(isinstance(self._done[k][0], BaseException) for k in keys)
        return {"jobs": len(keys), "ok": len(keys) - failed, "failed": failed}

    def _out(self, job: Job) -> str | None:  # absolute: a dask worker's working folder may be another
        return None if self.runs is None else str((self.runs / job.folder).absolute())

    def _fns(self, key: str) -> tuple[Measure, ...]:
        return tuple(self._measures.get(key, {}).values())

    def _launch(self, keys: list[str]) -> None:
        if self._bar is not None:
            self._bar.total += sum(k in self._jobs for k in keys)  # the bar counts training runs
            self._bar.refresh()
        if self.workers == 0 and self.scheduler is None or not keys:
            return  # trained lazily in this process by _outcome
        if self._workers is None:
            self._workers = start_workers(self.executor, self.workers or None, self.scheduler)
        for key in [k for k in keys if k in self._calls]:
            self._watch(key, self._workers.submit(_caught, _run_call, *self._calls[key]))
        from .ensemble import run_family

        jobs = [k for k in keys if k in self._jobs]
        for family in _families([self._jobs[k] for k in jobs], self._ensembled()):
            if len(family) == 1:
                job = family[0]
                self._watch(job.key, self._workers.submit(_caught, _run_job, job, self._out(job), self._fns(job.key)))
                continue
            group = self._workers.submit(run_family, tuple(family), tuple(self._out(j) for j in family),
                                         tuple(dict(self._measures.get(j.key, {})) for j in family))
            for i, job in enumerate(family):
                self._watch(job.key, member_future(group, i))

    def _ensembled(self) -> bool:
        if self.ensemble is None:
            import torch

            self.ensemble = torch.cuda.is_available()
        return self.ensemble

    def _watch(self, key: str, fut: cf.Future) -> None:
        """Keep the future; journal its outcome the moment it finishes (in whichever thread completes it)."""
        self._futures[key] = fut

        def done(f: cf.Future) -> None:
            if f.cancelled() or f.exception() is not None:
                return  # the workers failed (killed, lost), not the job: it runs again in the next sitting
            self._record(key, f.result(), keep=False)
            if key in self._jobs and self._bar is not None:
                self._bar.update(1)

        fut.add_done_callback(done)

    # ----------------------------------------------------------------------- the journal

    def _record(self, key: str, outcome: tuple[Any, dict, float], keep: bool = True) -> None:
        """Journal a finished job or computation (atomic append, fsynced); ``keep``: also hold its outcome here."""
        if keep:
            self._done[key] = outcome
        if self._journal is None:
            return
        value, values, cpu = outcome
        failed = isinstance(value, BaseException)
        record = {"key": journal_key(key), "status": "error" if failed else "ok", "cpu_seconds": round(cpu, 3),
                  "code": self._version()["source"], "error": f"{type(value).__name__}: {value}"[:500] if failed else None,
                  "folder": self._jobs[key].folder if key in self._jobs else None}
        try:
            record["values"] = encode(values if key in self._jobs else {"value": value}) if not failed else None
        except TypeError:
            record["values"] = None  # not storable: measured again when resumed
        with self._lock:
            self._journal.append(record)

    def _version(self) -> dict:
        if self._code is None:
            self._code = code_version()
        return self._code

    def _resume(self) -> None:
        """Take the usable records of an earlier sitting: same code, every requested measure stored."""
        source = self._version()["source"]
        records = self._journal.load()
        for key in list(self._jobs) + list(self._calls):
            rec = records.get(journal_key(key))
            if rec is None or rec.get("status") != "ok" or rec.get("code") != source or rec.get("values") is None:
                continue
            values = decode(rec["values"])
            if key in self._calls:
                self._done[key] = (values["value"], {}, rec.get("cpu_seconds", 0.0))
            elif set(self._measures.get(key, {})) <= set(values):
                self._done[key] = (None, values, rec.get("cpu_seconds", 0.0))
                self._stored.add(key)

    def _write_plan(self, ranked: list[str], shards: int | None) -> None:
        from ..io import write_json

        write_json(self.runs / PLAN, {"plan": plan_id(ranked), "jobs": len(ranked), "code": self._version(),
                                      "shard": self.shard[0] if self.shard else None, "shards": shards})

    # ----------------------------------------------------------------------- results

    def _outcome(self, job: Job) -> tuple[Any, dict, float]:
        key = job.key
        if key not in self._jobs:
            raise ValueError(f"job: {job.folder} was never submitted to this pool")
        if self._mine is not None and key not in self._mine:
            raise ValueError(f"job: {job.folder} belongs to another shard than {self.shard[0]}/{self.shard[1]}")
        if key in self._stored:  # finished in an earlier sitting: read the run back (the trainer returns it unchanged)
            from .trainer import train

            self._stored.discard(key)
            _, values, cpu = self._done[key]
            self._done[key] = (train(job.task, job.config, self._out(job), resume=True, progress=False), values, cpu)
        if key not in self._done:
            if key in self._futures:
                try:  # the job's own error comes back as its outcome; a dead or lost worker raises here
                    self._done[key] = self._futures.pop(key).result()
                except Exception as exc:  # a failed run is data for the caller (a seed that did not train)
                    self._done[key] = (exc, {}, 0.0)
            else:  # in this process: the job, or its whole family as one ensemble
                from .ensemble import run_family

                waiting = [j for k, j in self._jobs.items()
                           if k not in self._done and k not in self._futures and (self._mine is None or k in self._mine)]
                family = next(f for f in _families(waiting, self._ensembled()) if job in f)
                if len(family) > 1:
                    outcomes = run_family(tuple(family), tuple(map(self._out, family)),
                                          tuple(dict(self._measures.get(j.key, {})) for j in family))
                else:
                    try:
                        outcomes = [_run_job(job, self._out(job), self._fns(key))]
                    except Exception as exc:
                        outcomes = [(exc, {}, 0.0)]
                for j, outcome in zip(family, outcomes):
                    self._record(j.key, outcome)
                    if self._bar is not None:
                        self._bar.update(1)
        return self._done[key]

    def result(self, job: Job) -> Any:
        """The job's ``TrainResult`` (waits for it); ``TrainingFailed`` when its worker raised."""
        result = self._outcome(job)[0]
        if isinstance(result, BaseException):
            raise TrainingFailed(f"training {job.folder} failed: {type(result).__name__}: {result}") from result
        return result

    def measured(self, job: Job, measure: Measure) -> Any:
        """The value of ``measure`` on the job's result (computed in the worker when submitted before start)."""
        result, values, _ = self._outcome(job)
        name = _measure_name(measure)
        if name not in values:
            values[name] = measure(self.result(job))
        return values[name]

    @property
    def cpu_seconds(self) -> float:
        """Process time of the finished jobs (training and measures) and computations, summed over the workers
        (jobs read back from an earlier sitting count what they cost then)."""
        return float(sum(c for _, _, c in self._done.values()))

    @property
    def jobs(self) -> list[Job]:
        return list(self._jobs.values())

    def close(self, kill: bool = False) -> None:
        """Cancel pending jobs and stop the workers (``kill``: now, without waiting for the running jobs)."""
        if self._workers is not None:
            self._workers.close(kill=kill)
            self._workers = None
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self) -> "TrainingPool":
        return self

    def __exit__(self, kind: object, *exc: object) -> None:
        self.close(kill=kind is not None)  # an error, Ctrl-C or SIGTERM in the driver: do not wait for the workers


def _families(jobs: list[Job], ensemble: bool) -> list[list[Job]]:
    """Jobs grouped by family (equal but for the seed; a cell with an ensemble path) when ``ensemble``, else alone."""
    from .ensemble import ENSEMBLE_CELLS

    groups: dict[str, list[Job]] = {}
    for j in jobs:
        together = ensemble and j.config.cell in ENSEMBLE_CELLS
        groups.setdefault(Job(j.task, replace(j.config, seed=0)).key if together else j.key, []).append(j)
    return list(groups.values())

