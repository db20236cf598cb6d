"""The grid of a sweep: tasks x seeds x hidden sizes x initializations x steps (issue 8).

A config (TOML or JSON) lists tasks and grid values; every combination is a *cell*, one
training run of ``trainer.train`` followed by ``analysis.analyze``:

    cells = tasks x seeds x hidden x init x steps,      id(cell) = sha256(canonical JSON)[:16]

The canonical JSON holds every parameter the cell depends on (the task's name, d, s and task
seed, or the lags of a task file; seed, hidden, init, steps and the shared ``[train]`` fields),
so an id names what a cell computes, whatever file or order it came from. Lag files are read
when the config is loaded and their lags travel inside the cell, so workers on other machines
need no access to them. Example (TOML)::

    seeds = [0, 1, 2]
    hidden = 32                 # a number or a list (also seeds, init, steps)
    init = ["default", "wave"]
    steps = 1500
    [train]                     # other TrainConfig fields, shared by all cells
    horizons = [5, 10, 20]
    [[tasks]]
    name = "signed-selection"   # a library task: name, d, s (numbers or lists)
    d = 2
    s = 3
    task_seeds = [0, 1, 2]      # random tasks only: one task per seed
    [[tasks]]
    lags = "my_task.json"       # or a task file, relative to the config
    [[tasks]]
    authors_task = [255, 0, 0]  # or the authors' task ID, with d and s
    d = 8
    s = 10

Errors are ValueErrors that name the key (``tasks[1].d: ...``, ``train.lr: ...``).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from .._validate import positive_int, thread_count
from ..theory.tasks import LinearHDS, authors_task, load_task
from ..theory.task_library import SEEDED_TASKS, TASKS, make_task  # SEEDED_TASKS: the registry says which use the seed

__all__ = ["TaskSpec", "Cell", "SweepConfig", "load_config", "SEEDED_TASKS"]

GRID_KEYS = ("seeds", "hidden", "init", "steps")
MAX_CELLS = 100_000  # cells of one sweep (each is a training run); counted before any cell is built


def _check_grid(sizes: dict[str, int], where: str = "") -> None:
    """Refuse a grid of more than MAX_CELLS cells, from the lengths of its axes (nothing is built yet)."""
    n = 1
    for size in sizes.values():
        n *= size
    if n > MAX_CELLS:
        axes = " x ".join(f"{k} {v}" for k, v in sizes.items())
        raise ValueError(f"{where or 'grid'}: {axes} = {n} cells, more than the {MAX_CELLS} a sweep may have")


def _ints(value: object, key: str, minimum: int) -> tuple[int, ...]:
    """An integer or a non-empty list of integers >= minimum, else ValueError naming ``key``."""
    vals = value if isinstance(value, list) else [value]
    try:
        if not vals:
            raise ValueError(key)
        ints = tuple(positive_int(v, key, minimum) for v in vals)
    except (TypeError, ValueError):  # a config error is always a ValueError naming the key
        raise ValueError(f"{key}: expected an integer >= {minimum} or a non-empty list of them, got {value!r}") from None
    if len(set(ints)) != len(ints):
        raise ValueError(f"{key}: repeated values in {value!r}")
    return ints


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
    if "authors_task" in entry:
        _check_keys(entry, ("authors_task", "d", "s", "name"), where)
        ids = entry["authors_task"]
        if not isinstance(ids, list) or len(ids) != 3 or "d" not in entry or "s" not in entry:
            raise ValueError(f"{where}authors_task: expected [ID1, ID2, ID3] with d and s")
        try:
            task = authors_task(*ids, entry["d"], entry["s"])
        except (ValueError, TypeError) as exc:
            raise ValueError(f"{where}authors_task: {exc}") from None
        lags = tuple(tuple(tuple(row) for row in A) for A in task.lags.tolist())
        return [TaskSpec(str(entry.get("name", task.name)), task.d, task.s, None, lags)]
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
    _check_grid({"d": len(ds), "s": len(ss), "task_seeds": len(seeds)}, f"tasks[{i}]")
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

    def columns(self) -> dict:
        """The flat columns that identify the cell in the results table (no task is built: cannot fail)."""
        return {"cell_id": self.id, "index": self.index, "task": self.task.label, "task_name": self.task.name,
                "d": self.task.d, "s": self.task.s, "task_seed": self.task.task_seed, "seed": self.seed,
                "hidden": self.hidden, "init": self.init, "steps": self.steps}

    def describe(self) -> dict:
        """``columns()`` and what the task itself says: C12 realizability at the trained horizon, active lags."""
        from ..theory.realizability import is_realizable  # C12: A_i A_k = 0 for i <= min(s, H-1), k < s

        task = self.task.build()
        horizons = dict(self.train).get("horizons")  # None: the trainer's default, 100 >= s + 1 in practice
        return {**self.columns(), "realizable": is_realizable(task, max(horizons) if horizons else None),
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
        from ..learning.config import INITS  # the trainer owns the list of initializations

        if (not isinstance(self.init, tuple) or not self.init or any(i not in INITS for i in self.init)
                or len(set(self.init)) != len(self.init)):
            raise ValueError(f"init: expected values among {', '.join(INITS)} (no repeats), got {self.init!r}")
        _check_grid({k: len(getattr(self, k)) for k in ("tasks", *GRID_KEYS)})
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

    from ..learning.config import TrainConfig

    if not isinstance(cfg.train, tuple) or not all(isinstance(kv, tuple) and len(kv) == 2 for kv in cfg.train):
        raise ValueError(f"train: expected (name, value) pairs of TrainConfig fields, got {cfg.train!r}")
    allowed = tuple(f.name for f in fields(TrainConfig) if f.name not in ("hidden", "init", "steps", "seed"))
    _check_keys(dict(cfg.train), allowed, "train.")
    if "threads" in dict(cfg.train):
        try:
            thread_count(dict(cfg.train)["threads"], "train.threads")
        except TypeError as exc:
            raise ValueError(str(exc)) from None
    for h, ini, st in itertools.product(cfg.hidden, cfg.init, cfg.steps):
        try:
            TrainConfig(hidden=h, init=ini, steps=st, seed=cfg.seeds[0], **dict(cfg.train))
        except (ValueError, TypeError) as exc:
            raise ValueError(f"train.{exc}" if str(exc).split(":")[0] in allowed else str(exc)) from None


def load_config(path: str | Path) -> SweepConfig:
    """Read a sweep config from TOML (``.toml``) or JSON (``.json``); errors name the file and key.

    The file is untrusted input: bounded in size and nesting depth (``io.parse_json``,
    ``io.check_depth``), so a hostile file is one ValueError, never a RecursionError.
    """
    from ..io import JSON_FRACTION, MAX_JSON_DEPTH, check_depth, input_limit, read_bounded, read_json

    path = Path(path)
    if path.suffix == ".json":
        obj = read_json(path)
    elif path.suffix == ".toml":
        if sys.version_info >= (3, 11):
            import tomllib
        else:  # pragma: no cover - Python 3.10
            import tomli as tomllib
        raw = read_bounded(path, input_limit(JSON_FRACTION), "a config")
        try:
            obj = check_depth(tomllib.loads(raw.decode()), str(path))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ValueError(f"{path}: not valid TOML ({exc})") from None
        except RecursionError:
            raise ValueError(f"{path}: nested deeper than {MAX_JSON_DEPTH} levels") from None
    else:
        raise ValueError(f"{path}: expected a .toml or .json config file")
    try:
        return SweepConfig.from_dict(obj, base=path.parent)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None
