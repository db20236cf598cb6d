"""Stand-in cell functions for the sweep machinery tests (importable by spawned worker processes).

The executor code does not care what a cell computes; these cells make its behaviour
observable: every call appends the cell id to ``DIR/runs.log`` (so a test can count how often a
cell ran), ``hidden = 13`` raises, ``hidden = 666`` kills its worker process, ``hidden = 7`` returns a
list (not a flat record), and
``WT_SWEEP_TEST_DELAY`` seconds of sleep make a sweep slow enough to be killed mid-way. ``CONFIG`` is
a small real grid shared by the config and backend tests.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np

from wavetheory.sweeps.config import Cell, SweepConfig, TaskSpec

UNLUCKY, KILLER, NESTED = 13, 666, 7

# a small real grid (TOML): 1 task x 1 seed x 2 hidden x 2 inits = 4 cells of 30 training steps
CONFIG = """\
seeds = [0]
hidden = [4, 16]
init = ["default", "wave"]
steps = 30

[train]
batch = 8
horizons = [4, 8]
eval_every = 10
eval_batch = 32

[[tasks]]
name = "signed-selection"
d = 2
s = 3
task_seeds = [0]
"""


def fake_cell(cell: Cell, out: str) -> dict:
    """Deterministic pseudo-metrics drawn from the cell's parameters (no training)."""
    sweep_dir = Path(out).parent.parent  # out = DIR/cells/<id>
    fd = os.open(sweep_dir / "runs.log", os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    os.write(fd, f"{cell.id}\n".encode())
    os.close(fd)
    time.sleep(float(os.environ.get("WT_SWEEP_TEST_DELAY", "0")))
    if cell.hidden == UNLUCKY:
        raise ValueError(f"hidden {UNLUCKY} is unlucky")
    if cell.hidden == KILLER:
        os._exit(3)  # the worker process dies without a word
    if cell.hidden == NESTED:
        return {"curve": [0.1, 0.2]}  # not a flat record
    rng = np.random.default_rng([cell.seed, cell.hidden, cell.task.d, cell.task.s, cell.task.task_seed or 0])
    Path(out).mkdir(parents=True, exist_ok=True)
    (Path(out) / "done.txt").write_text(cell.id)
    return {"accuracy": float(rng.uniform(0.9, 1.0)), "eig_match_mean": float(rng.uniform(0.0, 0.1)),
            "phi_error": float(rng.uniform(0.0, 1.0))}


def runs(sweep_dir: str | Path) -> list[str]:
    """Cell ids in the order their cell function was called (one line per call)."""
    path = Path(sweep_dir) / "runs.log"
    return path.read_text().split() if path.exists() else []


def grid(n_seeds: int = 4, hidden: tuple[int, ...] = (8,), tasks: int = 2) -> SweepConfig:
    """A SweepConfig of fake cells: ``tasks`` signed-selection tasks x seeds x hidden."""
    specs = tuple(TaskSpec("signed-selection", 2, 3, k) for k in range(tasks))
    return SweepConfig(specs, seeds=tuple(range(n_seeds)), hidden=hidden)
