"""Where training jobs run: local worker processes or a dask.distributed cluster, one interface (C7-C10, C13-C16).

``reproduce`` (through ``pool.TrainingPool``) and ``sweep`` (``sweeps.run``) both start their workers here:

    workers = start_workers("local", workers=2)          # or start_workers("dask", scheduler="tcp://host:8786")
    future = workers.submit(fn, *args)                   # a concurrent.futures.Future
    workers.close(kill=False)

* ``local`` (default): a ``ProcessPoolExecutor`` with the ``spawn`` start method (a forked torch can deadlock
  in its OpenMP pool; spawn behaves the same on Linux, macOS and Windows). Workers start with one
  BLAS/OpenMP thread (``WORKER_ENV``, set in the environment they are spawned with, before numpy loads),
  ignore Ctrl-C and die with their driver (``watch_parent``). Spawning a worker retries ``EAGAIN``
  (``BlockingIOError``, errno 11: the process table or memory is momentarily full on a busy machine)
  with a growing pause, instead of failing the job (``SPAWN_RETRIES``).
* ``dask``: ``distributed.Client(scheduler).get_executor()``; without a scheduler address a
  ``LocalCluster(n_workers=workers, threads_per_worker=1)`` starts (dask's nannies set the thread variables
  to 1 themselves). Results come back over the network; the run folders live wherever the path resolves
  on the workers (a shared file system keeps them). Slurm, PBS, Kubernetes: start a Dask cluster with
  dask-jobqueue or dask-kubernetes and pass its address.

A driver that stops on an error, Ctrl-C or SIGTERM calls ``close(kill=True)``: local workers are killed at
once, a dask cluster's pending futures are cancelled.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import errno
import multiprocessing
import multiprocessing.context
import os
import signal
import sys
import threading
import time
from typing import Any, Callable, Iterator

__all__ = ["BACKENDS", "WORKER_ENV", "SPAWN_RETRIES", "Workers", "start_workers", "open_executor", "check_backend",
           "member_future", "worker_env", "watch_parent", "kill_workers"]

BACKENDS = ("local", "dask")
# one BLAS/OpenMP thread per worker process: N workers on N cores is one thread per core
WORKER_ENV = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
# pauses (seconds) between attempts to spawn a worker that failed with EAGAIN: ~25 s in all, long enough for a
# busy machine's other processes to exit, short enough that a machine which cannot spawn at all fails soon
SPAWN_RETRIES = (0.1, 0.2, 0.5, 1.0, 2.0, 4.0, 8.0, 8.0)


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


def _start_retrying(start: Callable[[], None], pauses: tuple[float, ...] = SPAWN_RETRIES) -> None:
    """``start()``, again after each pause while it raises EAGAIN (BlockingIOError); the last error propagates."""
    for pause in pauses:
        try:
            return start()
        except BlockingIOError as exc:
            if exc.errno != errno.EAGAIN:
                raise
            time.sleep(pause)
    return start()


class _SpawnProcess(multiprocessing.context.SpawnProcess):
    """A spawned process whose ``start`` retries EAGAIN (a failed start leaves the process unstarted)."""

    def start(self) -> None:
        _start_retrying(super().start)


class _SpawnContext(multiprocessing.context.SpawnContext):
    """The ``spawn`` context with ``_SpawnProcess``: what ProcessPoolExecutor starts its workers with."""

    Process = _SpawnProcess


def check_backend(backend: str, workers: int | None, scheduler: str | None) -> None:
    """Everything about a backend that can be checked before any file is written (ValueError naming the argument)."""
    from .._validate import positive_int

    if backend not in BACKENDS:
        raise ValueError(f"executor: expected one of {', '.join(BACKENDS)}, got {backend!r}")
    if workers is not None:
        positive_int(workers, "workers")
    if scheduler is not None and backend != "dask":
        raise ValueError("scheduler: only the dask executor connects to a scheduler")
    if backend == "dask":
        try:
            import distributed  # noqa: F401
        except ImportError:
            raise ValueError('executor: dask needs the optional extra: pip install "wavetheory[dask]"') from None


class Workers:
    """Started workers of one backend: ``submit(fn, *args)`` returns a ``concurrent.futures.Future``; ``slots``
    = jobs that run at once; ``close(kill)`` stops them (``kill``: now, without waiting for running jobs)."""

    def __init__(self, executor: cf.Executor, slots: int, backend: str, stack: contextlib.ExitStack) -> None:
        self.executor, self.slots, self.backend, self._stack = executor, slots, backend, stack

    def submit(self, fn: Callable[..., Any], *args: Any) -> cf.Future:
        if self.backend == "local":
            with worker_env():  # local workers are spawned at submit time: they start with one BLAS thread
                return self.executor.submit(fn, *args)
        return self.executor.submit(fn, *args)

    def close(self, kill: bool = False) -> None:
        if self.executor is None:
            return
        ex, self.executor = self.executor, None
        if self.backend == "local":
            if kill:
                kill_workers(ex)
            ex.shutdown(wait=True, cancel_futures=True)
        else:
            ex.shutdown(wait=not kill)  # dask's ClientExecutor cancels its futures when it does not wait
        self._stack.close()


def start_workers(backend: str = "local", workers: int | None = None, scheduler: str | None = None) -> Workers:
    """Start ``workers`` processes (default: one per core) of ``backend`` ("local" or "dask"; module docstring)."""
    check_backend(backend, workers, scheduler)
    workers = workers or os.cpu_count() or 1
    stack = contextlib.ExitStack()
    if backend == "local":
        ex = cf.ProcessPoolExecutor(workers, mp_context=_SpawnContext(), initializer=watch_parent,
                                    initargs=(os.getpid(),))
        return Workers(ex, workers, backend, stack)
    from distributed import Client, LocalCluster  # present: check_backend imported it

    try:
        if scheduler is None:
            cluster = stack.enter_context(LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                                       dashboard_address=None))
            client = stack.enter_context(Client(cluster))
        else:
            try:
                client = stack.enter_context(Client(scheduler, timeout="30s"))
            except OSError as exc:
                raise ValueError(f"scheduler: cannot connect to {scheduler} ({exc})") from None
    except BaseException:
        stack.close()
        raise
    slots = sum(client.nthreads().values()) or workers
    return Workers(client.get_executor(pure=False), slots, backend, stack)


def member_future(group: cf.Future, i: int) -> cf.Future:
    """A future of the i-th item of the list that the future ``group`` resolves to (its error, its cancellation)."""
    fut: cf.Future = cf.Future()

    def done(g: cf.Future) -> None:
        if g.cancelled():
            fut.cancel()
        elif g.exception() is not None:
            fut.set_exception(g.exception())
        else:
            fut.set_result(g.result()[i])

    group.add_done_callback(done)
    return fut


@contextlib.contextmanager
def open_executor(backend: str = "local", workers: int | None = None, scheduler: str | None = None) -> Iterator[tuple[cf.Executor, int]]:
    """``(executor, slots)`` of ``start_workers`` for a ``with`` block; an exception in the block kills the workers."""
    w = start_workers(backend, workers, scheduler)
    try:
        if backend == "local":
            with worker_env():  # the executor is used directly: keep one BLAS thread for workers spawned in the block
                yield w.executor, w.slots
        else:
            yield w.executor, w.slots
    except BaseException:  # an error, Ctrl-C or SIGTERM in the driver: stop the workers, do not wait for them
        w.close(kill=True)
        raise
    finally:
        w.close()


def job_cost(job: Any) -> float:
    """A rough cost of a job for scheduling: step bound x sequence length x hidden^2 (x3 for a gated cell)."""
    c = job.config
    gates = 1 if c.cell == "rnn" else 3
    return float(c.steps) * (job.task.s + c.horizons[-1]) * c.hidden**2 * gates
