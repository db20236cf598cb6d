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
* Resume: job ``k`` lives in ``runs/<job.folder>`` and the trainer resumes a checkpoint left there,
  so a rerun in the same folder continues killed runs and re-reads finished ones.
* ``measure``: module-level functions ``fn(TrainResult) -> value`` run in the worker right after
  training (the measurements of many networks spread over the cores like the training); a measure
  asked for after ``start()`` runs here when its value is first read.
* Workers: the ``spawn`` start method (a forked torch can deadlock in its OpenMP pool) with one
  torch thread (``TrainConfig.threads``) and OMP/MKL/OpenBLAS at one thread, set in the environment
  the child starts with, before it imports numpy (``worker_env``); a worker dies with its driver
  (``watch_parent``), and a driver that stops on an error kills its workers (``close(kill=True)``). ``workers = 0`` trains in this
  process, lazily, when a result is first asked for (tests, single claims).
* Same seed, same result: a job trains with the same code, seed and one thread in a worker as in
  this process, so its weights are bit-identical to ``train(task, config)`` (CPU).

Costs are recorded per job (``cpu_seconds``: process time of training and measures in the worker)
so a caller can report the CPU seconds of its trained part summed over the workers.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import hashlib
import json
import os
import re
import signal
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

from ..theory.tasks import HDS, LinearHDS
from .config import TrainConfig

__all__ = [
    "Job", "TrainingPool", "TrainingFailed", "task_identity", "worker_env", "watch_parent", "kill_workers", "WORKER_ENV",
]

# one BLAS/OpenMP thread per worker process: N workers on N cores is one thread per core
WORKER_ENV = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}

Measure = Callable[[Any], Any]


@contextlib.contextmanager
def worker_env() -> Iterator[None]:
    """Set ``WORKER_ENV`` while worker processes are spawned; restore this process's environment after.

    A spawned child inherits the environment at spawn time, before it imports numpy, so its
    OpenBLAS starts with one thread (an initializer would run after numpy is loaded).
    """
    saved = {k: os.environ.get(k) for k in WORKER_ENV}
    os.environ.update(WORKER_ENV)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def watch_parent(parent: int) -> None:
    """Initializer of a local worker: ignore Ctrl-C (the driver handles it) and die with the driver ``parent``."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            import ctypes

            PR_SET_PDEATHSIG = 1
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL))
    if os.getppid() != parent:  # the driver died before the kernel was told
        os._exit(1)

    def poll() -> None:  # the portable road, and a second one on Linux
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=poll, name="wavetheory-watch-driver", daemon=True).start()


def kill_workers(ex: cf.ProcessPoolExecutor) -> None:
    """Kill a process pool's workers now (a stopping driver will not record what they are running)."""
    for proc in list((getattr(ex, "_processes", None) or {}).values()):
        with contextlib.suppress(Exception):
            proc.kill()


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


def _run_job(job: Job, out: str | None, measures: tuple[Measure, ...]) -> tuple[Any, dict, float]:
    """In a worker: train (resuming a run left in ``out``), apply the measures; (result, values, CPU seconds)."""
    from .trainer import train

    t0 = time.process_time()
    result = train(job.task, job.config, out, resume=True, progress=False)
    values = {_measure_name(fn): fn(result) for fn in measures}
    return result, values, time.process_time() - t0


class TrainingPool:
    """Jobs keyed by (task, config), trained once each on ``workers`` spawned processes (module docstring).

    ``runs``: folder of the run folders (None: nothing on disk, no resume); ``progress``: a bar over
    jobs (tqdm; None = tqdm's automatic choice, False = none).
    """

    def __init__(self, runs: str | Path | None = None, workers: int = 0, progress: bool | None = None) -> None:
        if isinstance(workers, bool) or not isinstance(workers, int) or workers < 0:
            raise ValueError(f"workers: expected an integer >= 0, got {workers!r}")
        self.runs = None if runs is None else Path(runs)
        self.workers = workers
        self.progress = progress
        self._jobs: dict[str, Job] = {}
        self._measures: dict[str, dict[str, Measure]] = {}  # key -> name -> fn (requested before start)
        self._calls: dict[str, tuple[Callable[..., Any], tuple]] = {}  # key -> (fn, args): computations, not training
        self._futures: dict[str, cf.Future] = {}
        self._done: dict[str, tuple[Any, dict, float]] = {}  # key -> (result, measure values, CPU seconds)
        self._executor: cf.ProcessPoolExecutor | None = None
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
        if self.started and key not in self._futures and key not in self._done:
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
            if self.started:
                self._launch([key])
        return key

    def computed(self, key: str) -> Any:
        """The value of a computation registered with ``compute`` (waits for it; re-raises its error)."""
        if key not in self._calls:
            raise ValueError(f"key: {key!r} was never registered with compute()")
        if key not in self._done:
            if key in self._futures:
                self._done[key] = self._futures.pop(key).result()
            else:
                self._done[key] = _run_call(*self._calls[key])
        return self._done[key][0]

    def start(self) -> "TrainingPool":
        """Start every registered computation, then every job, the most expensive first (they finish together)."""
        if not self.started:
            self.started = True
            from tqdm.auto import tqdm

            self._bar = tqdm(total=0, desc="training", unit="run", leave=False,
                             disable=None if self.progress is None else not self.progress)
            self._launch(list(self._calls) + sorted(self._jobs, key=lambda k: -_cost(self._jobs[k])))
        return self

    def _out(self, job: Job) -> str | None:
        return None if self.runs is None else str(self.runs / job.folder)

    def _launch(self, keys: list[str]) -> None:
        if self._bar is not None:
            self._bar.total += sum(k in self._jobs for k in keys)  # the bar counts training runs
            self._bar.refresh()
        if self.workers == 0 or not keys:
            return  # trained lazily in this process by _outcome
        if self._executor is None:
            import multiprocessing

            self._executor = cf.ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"),
                                                    initializer=watch_parent, initargs=(os.getpid(),))
        with worker_env():  # workers are spawned at submit time: they start with one BLAS thread
            for key in keys:
                if key in self._calls:
                    fut = self._executor.submit(_run_call, *self._calls[key])
                else:
                    job = self._jobs[key]
                    fut = self._executor.submit(_run_job, job, self._out(job), tuple(self._measures.get(key, {}).values()))
                if key in self._jobs:
                    fut.add_done_callback(lambda _f: self._bar.update(1) if self._bar is not None else None)
                self._futures[key] = fut

    # ----------------------------------------------------------------------- results

    def _outcome(self, job: Job) -> tuple[Any, dict, float]:
        key = job.key
        if key not in self._jobs:
            raise ValueError(f"job: {job.folder} was never submitted to this pool")
        if key not in self._done:
            try:
                if key in self._futures:
                    self._done[key] = self._futures.pop(key).result()
                else:
                    self._done[key] = _run_job(job, self._out(job), tuple(self._measures.get(key, {}).values()))
                    if self._bar is not None:
                        self._bar.update(1)
            except Exception as exc:  # a failed run is data for the caller (a seed that did not train)
                self._done[key] = (exc, {}, 0.0)
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
        """Process time of the finished jobs (training and measures) and computations, summed over the workers."""
        return float(sum(c for _, _, c in self._done.values()))

    @property
    def jobs(self) -> list[Job]:
        return list(self._jobs.values())

    def close(self, kill: bool = False) -> None:
        """Cancel pending jobs and stop the workers (``kill``: now, without waiting for the running jobs)."""
        if self._executor is not None:
            if kill:
                kill_workers(self._executor)
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self) -> "TrainingPool":
        return self

    def __exit__(self, kind: object, *exc: object) -> None:
        self.close(kill=kind is not None)  # an error, Ctrl-C or SIGTERM in the driver: do not wait for the workers


def _cost(job: Job) -> float:
    """A rough cost of a job for scheduling: step bound x sequence length x hidden^2 (x3 for a gated cell)."""
    c = job.config
    gates = 1 if c.cell == "rnn" else 3
    return float(c.steps) * (job.task.s + c.horizons[-1]) * c.hidden**2 * gates
