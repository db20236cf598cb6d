"""Sweeps: a grid of training runs (tasks x seeds x sizes x initializations) on any executor.

The statistical claims about trained RNNs (THEORY.md C7, C8, C10, C12, C13) need many runs. A
sweep expands a config into cells; each cell trains one Elman RNN and analyzes its weights
(the same ``trainer.train`` and ``analysis`` code paths as ``wavetheory train`` / ``analyze``)
and yields one flat record. The grid is

    cells = tasks x seeds x hidden x init x steps,      id(cell) = sha256(canonical JSON)[:16]

so a cell's id depends only on what it computes. Records go to ``DIR/results.jsonl``, an
append-only journal (one JSON line per finished cell, written with a single ``write`` and
fsynced before the next cell is recorded), and the table ``DIR/results.csv`` is rebuilt from the
journal atomically (``io.atomic_write``) after every record. A kill therefore loses no finished
cell: at worst the journal ends in a torn line, which ``Journal`` cuts off on the next start (that
cell simply runs again). Restarting the same command resumes and skips finished cells; a cell
that raises is recorded with ``status = "error"``, its error type and message, and the sweep goes
on (``retry_failed`` runs such cells again). Training outputs of a cell go to
``DIR/cells/<id>/``; an interrupted cell resumes from its checkpoint there (the trainer's resume
is bit-identical on CPU).

Backends. The driver is written once against ``concurrent.futures.Executor`` (``submit`` and
futures); it keeps at most one cell per worker slot in flight, so when a worker process dies
the cells it may have been running are known (each gets two attempts before it is recorded as
failed).

* ``local`` (default): ``ProcessPoolExecutor`` with the ``spawn`` start method. Spawned workers
  start from a fresh interpreter, so no torch thread pool or lock state is inherited from the
  driver (a forked torch process can deadlock in its OpenMP pool), and it behaves the same on
  Linux, macOS and Windows. Each worker runs one cell at a time with one torch thread
  (``TrainConfig.threads = 1``, and ``OMP/MKL/OPENBLAS_NUM_THREADS = 1`` in the environment
  the workers are spawned with, so numpy's BLAS starts single-threaded too): N workers on N
  cores is then one thread per core. The defaults (one torch intra-op thread and one BLAS
  thread per core in every worker) oversubscribe the machine, and spinning BLAS threads make
  that very costly: on this project's 2 busy cores, 2 intra-op threads ran 27x slower than 1.
* ``dask``: ``distributed.Client(...).get_executor()``. ``scheduler="tcp://host:8786"`` joins
  an existing cluster, otherwise a ``LocalCluster(n_workers=workers, threads_per_worker=1)``
  starts. Dask's nannies already set ``OMP/MKL/OPENBLAS_NUM_THREADS = 1`` in their workers.
  The records come back to the driver over the network, so the table is complete even if the
  workers do not share ``DIR``; the per-cell folders live wherever ``DIR`` resolves on the
  worker (use a shared file system to keep the weights). Workers need wavetheory installed.

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
import contextlib
import csv
import hashlib
import io
import itertools
import json
import os
import sys
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping

import numpy as np

from .io import atomic_write, write_json
from .tasks import LinearHDS, TASKS, load_task, make_task
from .wave_operator import spectral_radius

__all__ = [
    "TaskSpec", "Cell", "SweepConfig", "load_config", "Journal", "run_sweep", "execute_cell",
    "train_analyze_cell", "open_executor", "read_results", "write_table",
    "NONDETERMINISTIC_FIELDS", "BACKENDS",
]

BACKENDS = ("local", "dask")
JOURNAL, TABLE, SNAPSHOT = "results.jsonl", "results.csv", "sweep.json"
SEEDED_TASKS = ("signed-selection", "random-stable", "random-unstable")  # make_task uses the seed
GRID_KEYS = ("seeds", "hidden", "init", "steps")
# record fields that depend on the machine or the clock, not on the cell (left out when comparing)
NONDETERMINISTIC_FIELDS = frozenset(
    {"wall_seconds", "host", "pid", "attempt", "train_seconds", "seconds_per_step", "target_wall"}
)
# leading columns of the table, in order; the rest follow alphabetically
_FRONT = ("cell_id", "index", "task", "task_name", "d", "s", "task_seed", "seed", "hidden", "init",
          "steps", "realizable", "active_lags", "status", "error_type", "error")


# --------------------------------------------------------------------------- config


def _ints(value: object, key: str, minimum: int) -> tuple[int, ...]:
    """An integer or a non-empty list of integers >= minimum, else ValueError naming ``key``."""
    vals = value if isinstance(value, list) else [value]
    if not vals or any(isinstance(v, bool) or not isinstance(v, int) or v < minimum for v in vals):
        raise ValueError(f"{key}: expected an integer >= {minimum} or a non-empty list of them, got {value!r}")
    if len(set(vals)) != len(vals):
        raise ValueError(f"{key}: repeated values in {value!r}")
    return tuple(vals)


def _check_keys(obj: Mapping, allowed: tuple[str, ...], where: str) -> None:
    unknown = sorted(set(obj) - set(allowed))
    if unknown:
        raise ValueError(f"{where}{unknown[0]}: unknown key; expected one of {', '.join(allowed)}")


@dataclass(frozen=True)
class TaskSpec:
    """One concrete task of the grid: a library task (name, d, s, task_seed) or explicit lags."""

    name: str
    d: int
    s: int
    task_seed: int | None = None
    lags: tuple | None = None  # nested tuples (s, d, d) for tasks read from a lag file

    @property
    def label(self) -> str:
        seed = "" if self.task_seed is None else f",seed={self.task_seed}"
        return f"{self.name}(d={self.d},s={self.s}{seed})"

    def params(self) -> dict:
        """The parameters that define the task (hashed into the cell id)."""
        if self.lags is not None:
            return {"name": self.name, "lags": self.lags}
        return {"name": self.name, "d": self.d, "s": self.s, "task_seed": self.task_seed}

    def build(self) -> LinearHDS:
        if self.lags is not None:
            return LinearHDS(np.array(self.lags, dtype=float), name=self.name)
        return make_task(self.name, self.d, self.s, seed=self.task_seed or 0)


def _task_specs(entry: object, i: int, base: Path) -> list[TaskSpec]:
    where = f"tasks[{i}]."
    if not isinstance(entry, dict):
        raise ValueError(f"tasks[{i}]: expected a table/object with name, d, s (or lags), got {entry!r}")
    if "lags" in entry:
        _check_keys(entry, ("lags", "name"), where)
        path = entry["lags"]
        if not isinstance(path, str):
            raise ValueError(f"{where}lags: expected a path to a JSON task file, got {path!r}")
        try:
            task = load_task(base / path)
        except ValueError as exc:
            raise ValueError(f"{where}lags: {exc}") from None
        name = str(entry.get("name", Path(path).stem))
        lags = tuple(tuple(tuple(row) for row in A) for A in task.lags.tolist())
        return [TaskSpec(name, task.d, task.s, None, lags)]
    _check_keys(entry, ("name", "d", "s", "task_seeds"), where)
    for key in ("name", "d", "s"):
        if key not in entry:
            raise ValueError(f"{where}{key}: missing (a task needs name, d and s, or lags = FILE)")
    name = entry["name"]
    if name not in TASKS:
        raise ValueError(f"{where}name: unknown task {name!r}; expected one of {', '.join(TASKS)}")
    ds, ss = _ints(entry["d"], where + "d", 1), _ints(entry["s"], where + "s", 1)
    if name in SEEDED_TASKS:
        seeds: tuple[int | None, ...] = _ints(entry.get("task_seeds", 0), where + "task_seeds", 0)
    elif "task_seeds" in entry:
        raise ValueError(f"{where}task_seeds: task {name!r} does not depend on a seed")
    else:
        seeds = (None,)
    return [TaskSpec(name, d, s, k) for d, s, k in itertools.product(ds, ss, seeds)]


@dataclass(frozen=True)
class Cell:
    """One training run of the grid; ``id`` hashes every parameter it depends on."""

    index: int
    task: TaskSpec
    seed: int
    hidden: int
    init: str
    steps: int
    train: tuple[tuple[str, Any], ...] = ()  # other TrainConfig fields, sorted by name

    def params(self) -> dict:
        return {"task": self.task.params(), "seed": self.seed, "hidden": self.hidden, "init": self.init,
                "steps": self.steps, "train": dict(self.train)}

    @property
    def id(self) -> str:
        blob = json.dumps(self.params(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    def describe(self) -> dict:
        """The flat columns that identify the cell in the results table."""
        from .realizability import is_realizable  # C12: A_i A_k = 0 for i <= min(s, H-1), k < s

        task = self.task.build()
        horizons = dict(self.train).get("horizons")  # None: the trainer's default, 100 >= s + 1 in practice
        return {"cell_id": self.id, "index": self.index, "task": self.task.label, "task_name": self.task.name,
                "d": self.task.d, "s": self.task.s, "task_seed": self.task.task_seed, "seed": self.seed,
                "hidden": self.hidden, "init": self.init, "steps": self.steps, "realizable": is_realizable(task, max(horizons) if horizons else None),
                "active_lags": " ".join(map(str, task.active_lags))}


@dataclass(frozen=True)
class SweepConfig:
    """A sweep grid: tasks x seeds x hidden x init x steps, plus TrainConfig fields shared by all cells.

    Validated on construction (ValueError naming the key); ``train`` is checked by building the
    TrainConfig of every (hidden, init, steps), so a bad field fails before any cell runs.
    """

    tasks: tuple[TaskSpec, ...]
    seeds: tuple[int, ...] = (0,)
    hidden: tuple[int, ...] = (128,)
    init: tuple[str, ...] = ("default",)
    steps: tuple[int, ...] = (2000,)
    train: tuple[tuple[str, Any], ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.tasks, tuple) or not self.tasks or not all(isinstance(t, TaskSpec) for t in self.tasks):
            raise ValueError(f"tasks: expected a non-empty list of tasks ([[tasks]] in TOML), got {self.tasks!r}")
        if len({json.dumps(t.params()) for t in self.tasks}) != len(self.tasks):
            raise ValueError("tasks: the same task appears twice")
        for key, minimum in (("seeds", 0), ("hidden", 1), ("steps", 1)):
            value = getattr(self, key)
            object.__setattr__(self, key, _ints(list(value) if isinstance(value, tuple) else value, key, minimum))
        from .trainer import INITS  # the trainer owns the list of initializations

        if (not isinstance(self.init, tuple) or not self.init or any(i not in INITS for i in self.init)
                or len(set(self.init)) != len(self.init)):
            raise ValueError(f"init: expected values among {', '.join(INITS)} (no repeats), got {self.init!r}")
        _check_train(self)

    def cells(self) -> list[Cell]:
        grid = itertools.product(self.tasks, self.seeds, self.hidden, self.init, self.steps)
        return [Cell(i, t, sd, h, ini, st, self.train) for i, (t, sd, h, ini, st) in enumerate(grid)]

    @classmethod
    def from_dict(cls, obj: object, base: str | Path = ".") -> "SweepConfig":
        """A config from parsed TOML/JSON; lag files are read relative to ``base``."""
        if not isinstance(obj, dict):
            raise ValueError(f"config: expected a table/object at the top level, got {type(obj).__name__}")
        _check_keys(obj, ("tasks", *GRID_KEYS, "train"), "")
        tasks = obj.get("tasks")
        if not isinstance(tasks, list) or not tasks:
            raise ValueError("tasks: expected a non-empty list of tasks ([[tasks]] in TOML)")
        train = obj.get("train", {})
        if not isinstance(train, dict):
            raise ValueError(f"train: expected a table/object of TrainConfig fields, got {train!r}")
        grid = {k: tuple(v) if isinstance(v, list) else (v,) for k in GRID_KEYS if (v := obj.get(k)) is not None}
        return cls(tuple(spec for i, entry in enumerate(tasks) for spec in _task_specs(entry, i, Path(base))),
                   **grid, train=tuple(sorted((k, list(v) if isinstance(v, tuple) else v) for k, v in train.items())))

    def to_json(self) -> dict:
        return {"tasks": [t.params() for t in self.tasks], "seeds": list(self.seeds), "hidden": list(self.hidden),
                "init": list(self.init), "steps": list(self.steps), "train": dict(self.train)}


def _check_train(cfg: SweepConfig) -> None:
    """Build one TrainConfig per grid value, so a bad [train] field fails before any cell runs."""
    from dataclasses import fields

    from .trainer import TrainConfig

    if not isinstance(cfg.train, tuple) or not all(isinstance(kv, tuple) and len(kv) == 2 for kv in cfg.train):
        raise ValueError(f"train: expected (name, value) pairs of TrainConfig fields, got {cfg.train!r}")
    allowed = tuple(f.name for f in fields(TrainConfig) if f.name not in ("hidden", "init", "steps", "seed"))
    _check_keys(dict(cfg.train), allowed, "train.")
    for h, ini, st in itertools.product(cfg.hidden, cfg.init, cfg.steps):
        try:
            TrainConfig(hidden=h, init=ini, steps=st, seed=cfg.seeds[0], **dict(cfg.train))
        except (ValueError, TypeError) as exc:
            raise ValueError(f"train.{exc}" if str(exc).split(":")[0] in allowed else str(exc)) from None


def load_config(path: str | Path) -> SweepConfig:
    """Read a sweep config from TOML (``.toml``) or JSON (``.json``); errors name the file and key."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ValueError(f"{path}: cannot read config ({exc.strerror or exc})") from None
    if path.suffix == ".toml":
        if sys.version_info >= (3, 11):
            import tomllib
        else:  # pragma: no cover - Python 3.10
            import tomli as tomllib
        try:
            obj = tomllib.loads(raw.decode())
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ValueError(f"{path}: not valid TOML ({exc})") from None
    elif path.suffix == ".json":
        try:
            obj = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ValueError(f"{path}: not valid JSON ({exc})") from None
    else:
        raise ValueError(f"{path}: expected a .toml or .json config file")
    try:
        return SweepConfig.from_dict(obj, base=path.parent)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None


# --------------------------------------------------------------------------- cells


def train_analyze_cell(cell: Cell, out: str) -> dict:
    """The real cell: ``trainer.train`` into ``out`` (resuming a checkpoint there), then ``analysis.analyze``."""
    from .analysis import analyze, load_weights
    from .trainer import TrainConfig, train

    task = cell.task.build()
    config = TrainConfig(hidden=cell.hidden, init=cell.init, steps=cell.steps, seed=cell.seed,
                         **{"threads": 1, **dict(cell.train)})
    metrics = train(task, config, out, resume=True, progress=False)
    rnn, init = load_weights(Path(out) / "weights.npz")
    res = analyze(rnn, task, init=init)["summary"]
    record = {
        "accuracy": metrics["accuracy"],
        "train_steps": metrics["steps"],
        "final_horizon": config.horizons[-1],
        "final_horizon_reached": metrics["final_horizon_reached"],
        "target_step": metrics["target_step"],
        "train_seconds": metrics["wall_seconds"],
        "seconds_per_step": metrics["seconds_per_step"],
        "eig_match_mean": res["eig_match"]["mean"],
        "eig_match_max": res["eig_match"]["max"],
        "n_outside": res["n_outside"],
        "phi_error": res["phi_error"],
        "wave_r2": res["wave_r2"],
        "decode_r2": res["decode_r2"],
        "rho_W_hh": res["spectral_radius"],
        "rho_Phi": spectral_radius(task),
    }
    for road, b in res["bases"].items():  # both power-iteration roads of C8, plain and Krylov-aligned
        record[f"phi_error_{road}"] = b["phi_error"]
        record[f"phi_error_{road}_aligned"] = b["phi_error_aligned"]
        record[f"cond_{road}"] = b["cond"]
    for when in ("before", "after"):  # ||dh(1+k)/dx(1)|| at k = s: across the whole substrate (C5, C10)
        g = res[f"grad_{when}"]
        record[f"grad_{when}_s"] = None if g is None else g[task.s - 1]
    return record


# one BLAS/OpenMP thread per worker process (see the module docstring); dask's nannies set the same
_WORKER_ENV = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}


@contextlib.contextmanager
def _worker_env() -> Iterator[None]:
    """Set ``_WORKER_ENV`` while the pool spawns its workers; restore the driver's environment after.

    A spawned child inherits the environment at spawn time, before it imports numpy, so its
    OpenBLAS starts with one thread (an initializer would run after numpy is loaded).
    """
    saved = {k: os.environ.get(k) for k in _WORKER_ENV}
    os.environ.update(_WORKER_ENV)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def execute_cell(cell_fn: Callable[[Cell, str], dict], cell: Cell, out: str, attempt: int = 1) -> dict:
    """Run one cell in a worker and return its flat record; an exception becomes an error record."""
    t0 = time.perf_counter()
    record = cell.describe()
    try:
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


# --------------------------------------------------------------------------- journal and table


class Journal:
    """Append-only JSON-lines file of records; each append is one ``write`` followed by ``fsync``."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def load(self, repair: bool = False) -> list[dict]:
        """All complete records; a torn last line (a kill during a write) is ignored, or cut with ``repair``."""
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return []
        end = data.rfind(b"\n") + 1  # everything after the last newline is a torn write
        records = []
        for n, line in enumerate(data[:end].splitlines(), 1):
            if line.strip():
                try:
                    records.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise ValueError(f"{self.path}: line {n} is not a JSON record ({exc.msg})") from None
        if repair and end < len(data):
            os.truncate(self.path, end)
        return records

    def append(self, record: dict) -> None:
        line = (json.dumps(record, sort_keys=True, default=_json_default) + "\n").encode()
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line)
            os.fsync(fd)
        finally:
            os.close(fd)


def _json_default(obj: Any) -> Any:
    if isinstance(obj, (np.floating, np.integer, np.bool_)):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    raise TypeError(f"record: value of type {type(obj).__name__} is not JSON serializable")


def latest(records: list[dict]) -> dict[str, dict]:
    """The last record of each cell id (a retried cell replaces its earlier record)."""
    return {r["cell_id"]: r for r in records}


def write_table(path: str | Path, records: list[dict]) -> Path:
    """Write records as CSV atomically: identifying columns first, then the rest by name."""
    keys = {k for r in records for k in r}
    columns = [k for k in _FRONT if k in keys] + sorted(keys - set(_FRONT))
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for r in sorted(records, key=lambda r: (r.get("index") is None, r.get("index") or 0, r["cell_id"])):
        writer.writerow({k: ("" if r.get(k) is None else r[k]) for k in columns})
    return atomic_write(path, lambda fh: fh.write(buf.getvalue()), binary=False)


def _parse_cell(text: str) -> Any:
    if text == "":
        return None
    if text in ("True", "False"):
        return text == "True"
    for conv in (int, float):
        try:
            return conv(text)
        except ValueError:
            pass
    return text


def read_results(path: str | Path) -> list[dict]:
    """Records of a sweep folder (its journal, else its CSV table) or of a CSV table file."""
    path = Path(path)
    if path.is_dir():
        if (path / JOURNAL).exists():
            return list(latest(Journal(path / JOURNAL).load()).values())
        path = path / TABLE
    try:
        text = path.read_text()
    except OSError as exc:
        raise ValueError(f"{path}: cannot read results ({exc.strerror or exc})") from None
    rows = list(csv.DictReader(io.StringIO(text)))
    if rows and "cell_id" not in rows[0]:
        raise ValueError(f"{path}: not a sweep results table (no cell_id column)")
    records = [{k: (v if k in ("cell_id", "active_lags") else _parse_cell(v)) for k, v in row.items()} for row in rows]
    for r in records:  # identifiers stay text even when they look like numbers
        r["error"] = None if r.get("error") is None else str(r["error"])
    return records


# --------------------------------------------------------------------------- executors


def _check_backend(backend: str, workers: int | None, scheduler: str | None) -> None:
    if backend not in BACKENDS:
        raise ValueError(f"backend: expected one of {', '.join(BACKENDS)}, got {backend!r}")
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise ValueError(f"workers: expected an integer >= 1, got {workers!r}")
    if scheduler is not None and backend != "dask":
        raise ValueError("scheduler: only the dask backend connects to a scheduler")


@contextlib.contextmanager
def open_executor(backend: str = "local", workers: int | None = None, scheduler: str | None = None) -> Iterator[tuple[cf.Executor, int]]:
    """``(executor, slots)`` for a backend; ``slots`` = cells that run at once."""
    _check_backend(backend, workers, scheduler)
    workers = workers or os.cpu_count() or 1
    if backend == "local":
        import multiprocessing

        with _worker_env():
            ex = cf.ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))
            try:
                yield ex, workers
            finally:
                ex.shutdown(wait=True, cancel_futures=True)
        return
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ValueError('backend: dask needs the optional extra: pip install "wavetheory[dask]"') from None
    with contextlib.ExitStack() as stack:
        if scheduler is None:
            cluster = stack.enter_context(LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                                       dashboard_address=None))
            client = stack.enter_context(Client(cluster))
        else:
            try:
                client = stack.enter_context(Client(scheduler, timeout="30s"))
            except OSError as exc:
                raise ValueError(f"scheduler: cannot connect to {scheduler} ({exc})") from None
        slots = sum(client.nthreads().values()) or workers
        yield client.get_executor(pure=False), slots


# --------------------------------------------------------------------------- the driver


@contextlib.contextmanager
def _exclusive(out: Path) -> Iterator[None]:
    """One driver per sweep folder (two would append the same cells twice)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: no advisory locks
        yield
        return
    with open(out / ".sweep.lock", "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise ValueError(f"out: another sweep is running in {out}") from None
        yield


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
        _check_backend(backend, workers, scheduler)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    cells = config.cells()
    with _exclusive(out):
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
    return {**counts, "table": str(out / TABLE), "journal": str(out / JOURNAL)}


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
                    self.record(fut.result())
                    continue
                except cf.BrokenExecutor as exc:  # a worker process died, maybe running this cell
                    broken = True
                    if cell.id not in self.suspects:
                        self.suspects.add(cell.id)
                        queue.append(cell)
                        continue
                    error: BaseException = exc
                except Exception as exc:  # dask KilledWorker, a lost connection, ...
                    error = exc
                self.record({**cell.describe(), "status": "error", **_error_columns(error),
                             "attempt": self.attempts[cell.id]})
        return sorted(queue, key=lambda c: c.index)
