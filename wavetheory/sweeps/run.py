"""Sweeps: a grid of training runs (tasks x seeds x sizes x initializations) on any executor.

The statistical claims about trained RNNs (THEORY.md C7, C8, C10, C12, C13) need many runs.
``run_sweep`` expands a config (``sweep_config``: the grid, stable cell ids) into cells; each
cell trains one Elman RNN and analyzes its weights with the same functions as ``wavetheory
train`` and ``analyze`` (``trainer.train``, ``analysis.load_weights`` + ``analysis.analyze``)
and yields one flat record. Records go to the journal ``DIR/results.jsonl`` and the table
``DIR/results.csv`` (``sweep_results``: fsynced appends, atomic table rewrites), so a kill
loses no finished cell. Restarting the same command resumes and skips recorded cells; a cell
that raises is recorded with ``status = "error"``, its error type, message and place, and the
sweep goes on (``retry_failed`` runs such cells again). Training outputs of a cell go to
``DIR/cells/<id>/``; an interrupted cell resumes from its checkpoint there (the trainer's
resume is bit-identical on CPU). Statistics: ``sweep_report``.

Backends. The driver is written once against ``concurrent.futures.Executor`` (``submit`` and
futures); it keeps at most one cell per worker slot in flight, so when a worker process dies
the cells it may have been running are known (each gets two attempts before it is recorded as
failed).

Stopping. A driver stopped by an exception, Ctrl-C or SIGTERM (the CLI turns SIGTERM into an
exception) kills its pool's workers at once before it exits; the cells they were running are
not recorded and run again on the next start (each resumes from its checkpoint). A driver killed
outright (SIGKILL, a crash) cannot do that, so every local worker watches its driver: on Linux
the kernel sends it SIGKILL when the driver dies (``prctl(PR_SET_PDEATHSIG)``), elsewhere a
thread polls ``os.getppid()`` twice a second; workers ignore SIGINT (Ctrl-C reaches the whole
process group; the driver handles it). No worker outlives its driver by more than a second.

* ``local`` (default) and ``dask``: the workers of ``learning.executor`` (the same as ``reproduce``'s
  training pool): spawned processes with one torch and one BLAS thread each (N workers on N cores is one
  thread per core; on this project's 2 busy cores, 2 intra-op threads ran 27x slower than 1), or a
  dask.distributed cluster (``scheduler="tcp://host:8786"``, else a ``LocalCluster``). The records come
  back to the driver, so the table is complete even if the workers do not share ``DIR``; the per-cell
  folders live wherever ``DIR`` resolves on the worker (use a shared file system to keep the weights).

Other engines plug in through ``run_sweep(..., executor=...)``: anything whose ``submit``
returns ``concurrent.futures.Future`` objects. Slurm/PBS/Kubernetes: start a Dask cluster with
dask-jobqueue (``SLURMCluster``) or dask-kubernetes and pass its address as ``--scheduler``.
Ray has no built-in ``Executor`` (ray-project/ray#29456 is open), but an ``ObjectRef`` converts
with ``ref.future()``, so a ten-line class whose ``submit(fn, *args)`` returns
``ray.remote(fn).remote(*args).future()`` works. submitit's jobs are not futures; wrap
``job.result()`` in a ``ThreadPoolExecutor`` or use dask-jobqueue. Neither Ray nor submitit is a
dependency or tested here.
"""

from __future__ import annotations

import concurrent.futures as cf
import os
import time
import traceback
from pathlib import Path
from typing import Any, Callable

import numpy as np

from .._validate import positive_int
from ..io import locked_folder, remove_temporaries, write_json
from ..learning.executor import BACKENDS, check_backend, open_executor
from .config import Cell, SweepConfig, TaskSpec, load_config
from .results import JOURNAL, NONDETERMINISTIC_FIELDS, TABLE, Journal, latest, read_results, write_table
from ..theory.wave_operator import spectral_radius

__all__ = [
    "run_sweep", "open_executor", "execute_cell", "train_analyze_cell", "BACKENDS",
    # re-exported: the grid (sweep_config) and the results (sweep_results)
    "TaskSpec", "Cell", "SweepConfig", "load_config", "Journal", "read_results", "write_table",
    "NONDETERMINISTIC_FIELDS", "JOURNAL", "TABLE",
]

SNAPSHOT = "sweep.json"  # the config and the cell parameters of the last run, for the record


# --------------------------------------------------------------------------- cells


def train_analyze_cell(cell: Cell, out: str) -> dict:
    """The real cell: ``trainer.train`` into ``out`` (resuming a checkpoint there), then ``analysis.analyze``."""
    from ..learning.analysis import analyze
    from ..learning.config import TrainConfig
    from ..learning.trainer import train

    task = cell.task.build()
    config = TrainConfig(hidden=cell.hidden, init=cell.init, steps=cell.steps, seed=cell.seed,
                         **{"threads": 1, **dict(cell.train)})
    run = train(task, config, out, resume=True, progress=False)
    res = analyze(run.rnn, task, init=run.init).to_json()
    record = {
        "accuracy": run.accuracy,
        "train_steps": run.steps,
        "final_horizon": config.horizons[-1],
        "final_horizon_reached": run.final_horizon_reached,
        "target_step": run.target_step,
        "train_seconds": round(run.wall_seconds, 3),
        "seconds_per_step": run.seconds_per_step,
        "n_outside": res["n_outside"],
        "effective_rank": res.get("effective_rank"),
        "phi_error": res["phi_error"],  # the analyze command's default basis (readout road, not aligned)
        "wave_r2": res["wave_r2"],
        "decode_r2": res["decode_r2"],
        "rho_W_hh": res["spectral_radius"],
        "rho_Phi": spectral_radius(task),
    }
    # every number of the spectrum match (C7: mean, max, angle and modulus parts) and of both
    # power-iteration roads of C8 (readout, input; plain and Krylov-aligned), flattened
    record.update({f"eig_match_{k}": v for k, v in res["eig_match"].items()})
    for road, numbers in res["bases"].items():
        record.update({f"{road}_{k}": v for k, v in numbers.items() if v is None or isinstance(v, (int, float))})
    for when in ("before", "after"):  # ||dh(1+k)/dx(1)|| at k = s: across the whole substrate (C5, C10)
        g = res[f"grad_{when}"]
        record[f"grad_{when}_s"] = None if g is None else g[task.s - 1]
    return record


def execute_cell(cell_fn: Callable[[Cell, str], dict], cell: Cell, out: str, attempt: int = 1) -> dict:
    """Run one cell in a worker and return its flat record; an exception becomes an error record."""
    t0 = time.perf_counter()
    record = cell.columns()  # cannot fail; describe() builds the task, which can (too large, bad lags)
    try:
        record.update(cell.describe())
        result = cell_fn(cell, out)
        if not isinstance(result, dict):
            raise TypeError(f"cell function: expected a dict record, got {type(result).__name__}")
        clash = set(result) & set(record)
        if clash:
            raise ValueError(f"cell function: record keys {sorted(clash)} clash with the cell's columns")
        record.update(status="ok", error_type=None, error=None, **{k: _scalar(k, v) for k, v in result.items()})
    except Exception as exc:  # a failing cell is data, not a crash of the sweep
        record.update(status="error", **_error_columns(exc))
    import socket

    record.update(wall_seconds=round(time.perf_counter() - t0, 3), host=socket.gethostname(), pid=os.getpid(),
                  attempt=attempt)
    return record


def _scalar(key: str, value: Any) -> Any:
    """A record value as a plain scalar (one CSV cell), else TypeError naming the key."""
    if isinstance(value, (np.generic, np.ndarray)) and np.ndim(value) == 0:
        value = value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(f"cell function: record[{key!r}] must be a scalar (a flat record), got {type(value).__name__}")


def _error_columns(exc: BaseException) -> dict:
    tb = traceback.extract_tb(exc.__traceback__)
    where = f"{Path(tb[-1].filename).name}:{tb[-1].lineno} in {tb[-1].name}" if tb else ""
    message = " ".join(str(exc).split())[:500]
    return {"error_type": type(exc).__name__, "error": message, "error_where": where}


# --------------------------------------------------------------------------- the driver


def run_sweep(
    config: SweepConfig,
    out: str | Path,
    *,
    backend: str = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    executor: cf.Executor | None = None,
    cell_fn: Callable[[Cell, str], dict] = train_analyze_cell,
    retry_failed: bool = False,
    progress: bool | None = None,
    on_record: Callable[[dict], None] | None = None,
) -> dict:
    """Run every unfinished cell of ``config`` and record it; returns counts and the table path.

    ``executor`` (with ``workers`` = its number of slots) overrides ``backend``. ``cell_fn(cell,
    out_dir) -> dict`` must be picklable (a module-level function). ``on_record(record)`` runs
    in the driver after each record is on disk (tests raise there to simulate a kill).
    """
    if not isinstance(config, SweepConfig):
        raise TypeError(f"config: expected a SweepConfig, got {type(config).__name__}")
    if executor is None:
        check_backend(backend, workers, scheduler)
    elif workers is not None:
        positive_int(workers, "workers")
    cells = config.cells()
    with locked_folder(out, "out") as out:  # checked, created and locked before any work: one driver per folder
        remove_temporaries(out)  # what a killed driver's atomic writes left behind
        journal = Journal(out / JOURNAL)
        done = latest(journal.load(repair=True))
        write_json(out / SNAPSHOT, {"config": config.to_json(), "cells": {c.id: c.params() for c in cells}})
        todo = [c for c in cells if c.id not in done or (retry_failed and done[c.id]["status"] == "error")]
        write_table(out / TABLE, list(done.values()))
        counts = {"cells": len(cells), "skipped": len(cells) - len(todo), "ok": 0, "error": 0}
        from tqdm.auto import tqdm

        bar = tqdm(total=len(todo), disable=None if progress is None else not progress, desc="sweep", unit="cell")
        driver = _Driver(cell_fn, out, journal, done, counts, bar, on_record)
        try:
            while todo:  # a second round only when a worker process died (a broken pool)
                if executor is not None:
                    todo = driver.drive(executor, workers or 1, todo)
                    if todo:
                        raise RuntimeError(f"executor: broken with {len(todo)} cells not run; run the sweep again to resume")
                else:
                    with open_executor(backend, workers, scheduler) as (ex, slots):
                        todo = driver.drive(ex, slots, todo)
        finally:
            bar.close()
    failed = sum(r["status"] == "error" for r in done.values())  # recorded now or before: the sweep is incomplete
    return {**counts, "failed": failed, "table": str(out / TABLE), "journal": str(out / JOURNAL)}


class _Driver:
    """Submits cells (one per worker slot in flight) and records each result as it arrives.

    When a worker process dies the pool breaks and every cell in flight fails with
    ``BrokenExecutor``; those cells become suspects, run again one at a time in a fresh pool,
    and a suspect that breaks the pool a second time is recorded as failed.
    """

    def __init__(self, cell_fn, out: Path, journal: Journal, done: dict, counts: dict, bar, on_record) -> None:
        self.cell_fn, self.out, self.journal, self.done, self.counts = cell_fn, out, journal, done, counts
        self.bar, self.on_record = bar, on_record
        self.attempts: dict[str, int] = {}
        self.suspects: set[str] = set()

    def record(self, record: dict) -> None:
        self.journal.append(record)  # on disk (fsynced) before anything else happens
        self.done[record["cell_id"]] = record
        write_table(self.out / TABLE, list(self.done.values()))
        self.counts[record["status"]] += 1
        self.bar.update(1)
        if self.on_record is not None:
            self.on_record(record)

    def failed(self, cell: Cell, exc: BaseException) -> dict:
        """The record of a cell whose worker failed (as opposed to the cell itself raising)."""
        return {**cell.columns(), "status": "error", **_error_columns(exc), "attempt": self.attempts[cell.id]}

    def drive(self, ex: cf.Executor, slots: int, todo: list[Cell]) -> list[Cell]:
        """Run ``todo`` on ``ex``; return the cells still to run if the pool broke."""
        queue = sorted(todo, key=lambda c: c.id not in self.suspects)[::-1]  # pop() takes suspects first
        running: dict[cf.Future, Cell] = {}
        broken = False
        while running or (queue and not broken):
            while queue and not broken and len(running) < slots:
                cell = queue[-1]
                alone = cell.id in self.suspects or any(c.id in self.suspects for c in running.values())
                if alone and running:
                    break  # a suspect runs alone, so that a second break identifies it
                queue.pop()
                attempt = self.attempts[cell.id] = self.attempts.get(cell.id, 0) + 1
                try:
                    fut = ex.submit(execute_cell, self.cell_fn, cell, str(self.out / "cells" / cell.id), attempt)
                except cf.BrokenExecutor:
                    self.attempts[cell.id] -= 1  # it never ran
                    queue.append(cell)
                    broken = True
                    break
                running[fut] = cell
            if not running:
                break
            finished, _ = cf.wait(running, return_when=cf.FIRST_COMPLETED)
            for fut in finished:
                cell = running.pop(fut)
                try:
                    record = fut.result()  # execute_cell turns the cell's own exceptions into records
                except cf.BrokenExecutor as exc:  # a worker process died, maybe running this cell
                    broken = True
                    if cell.id not in self.suspects:
                        self.suspects.add(cell.id)
                        queue.append(cell)
                        continue
                    record = self.failed(cell, exc)
                except Exception as exc:  # dask KilledWorker, a lost connection, ...
                    record = self.failed(cell, exc)
                self.record(record)
        return sorted(queue, key=lambda c: c.index)
