"""The trained networks of the claims (C7-C10, C13-C16): families over seeds, the training pool, and reading runs.

Trained claims are statistics over seeds (issue 12): ``Plan.seeds`` gives 5 in quick mode and 20 in full mode.
Each claim names its networks as ``Family`` objects (``Claim.families(plan)``); ``reproduce`` builds them once,
submits every run to one ``TrainingPool`` before the first claim runs (``start_training``), trains each
(task, config) once on the worker processes while the theory claims run, and the claims read them through
``outcomes`` / ``readings``. ``workload`` counts what a plan would train without training it.

Configurations are data: the trainer's defaults (``TrainConfig``, the authors' hyper-parameters and the
project's protocol) plus only what a claim must fix: the task, sizes, step bound and ``TRAIN_TARGET``.
A protocol default changed in ``learning.config`` flows through every claim. A family's ``measure`` (e.g.
``substrate_readings.substrate_reading``) runs in the worker right after training.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from typing import Any, Callable

from .._validate import positive_int
from ..learning.config import TrainConfig
from ..learning.pool import Job, TrainingFailed, TrainingPool
from ..thresholds import SOLVED_ACCURACY
from .claim import FULL_SEEDS, QUICK_SEEDS, Context

__all__ = [
    "QUICK_SEEDS", "FULL_SEEDS", "TRAIN_TARGET", "seed_count", "Family", "describe", "pool", "submit", "workload",
    "start_training", "stop_training", "outcomes", "readings", "computed",
]

# The trainer stops at the first fresh evaluation that reaches its target; the verdict's "solved" is a
# second, independent fresh evaluation against SOLVED_ACCURACY. A run stopped exactly at the bar passes
# it about half the time (measured: final accuracies 0.98999 and 0.99010 for seeds 2 and 4 of repeat copy
# d = 3, s = 4), which would test the stopping rule, not the network. The claims' runs therefore stop at
# half the error rate the bar allows; measured cost +20 to +60 steps (Elman), +40 to +90 (LSTM).
TRAIN_TARGET = 1 - (1 - SOLVED_ACCURACY) / 2


def seed_count(n: int | None) -> int | None:
    """Validate a requested number of seeds per trained family: None (the mode's) or an int >= QUICK_SEEDS.

    Fewer seeds would make a trained verdict an anecdote: 4/5 is the smallest count the 0.8 rule reads.
    """
    return None if n is None else positive_int(n, "n_seeds", minimum=QUICK_SEEDS)


@dataclass(frozen=True)
class Family:
    """One task trained over seeds with one configuration (the seed varies): a claim's networks."""

    task: Any
    config: dict[str, Any]
    seeds: tuple[int, ...]
    scope: str  # task, sizes, protocol, seeds: the Scope text of every check on these networks
    measure: Callable[[Any], Any] | None = None
    sizes: dict[str, Any] = field(default_factory=dict)

    def configs(self) -> list[TrainConfig]:
        return [TrainConfig(seed=k, **self.config) for k in self.seeds]


def _seed_text(ks: tuple[int, ...] | list[int]) -> str:
    return f"seeds {ks[0]}-{ks[-1]} (n = {len(ks)})"


def describe(task: Any, config: TrainConfig, ks: tuple[int, ...] | list[int]) -> str:
    """A scope text formatted from the task and the configuration actually trained."""
    c = config
    stop = f"stop at fresh accuracy {c.target:g}" if c.target is not None else "no early stop"
    return (f"{getattr(task, 'name', 'task')} d = {task.d}, s = {task.s}; {c.cell} hidden {c.hidden}, init {c.init}, "
            f"batch {c.batch}, lr {c.lr:g}, curriculum {list(c.horizons)}, <= {c.steps} steps, {stop}; {_seed_text(ks)}")


# --------------------------------------------------------------------------- the pool of a run


def pool(ctx: Context) -> TrainingPool:
    """The run's pool (``start_training``)."""
    if ctx.pool is None:
        raise ValueError("ctx: this context has no training pool (build it with claims.reproduce.context)")
    return ctx.pool


def submit(target: TrainingPool, families: dict[str, Family], calls: list[tuple[Callable[..., Any], tuple]]) -> list[Job]:
    """Submit every run of ``families`` (with its reading) and every computation of ``calls`` to ``target``; the jobs."""
    for fn, args in calls:
        target.compute(fn, *args)
    return [target.submit(fam.task, c, measure=fam.measure) for fam in families.values() for c in fam.configs()]


def workload(families: dict[str, Family], calls: list) -> dict[str, int]:
    """What ``submit`` would train, counted (a run shared by claims counts once): families, jobs, the step bound (the
    sum of every job's maximum steps) and the untrained computations. Nothing is trained."""
    target = TrainingPool(None, workers=0, progress=False)  # never started: submitting trains nothing
    jobs = submit(target, families, [])
    unique = {j.key: j for j in jobs}.values()
    return {"families": len({Job(j.task, replace(j.config, seed=0)).key for j in unique}), "jobs": len(unique),
            "steps": sum(j.config.steps for j in unique), "calls": len(calls)}


def computed(ctx: Context, fn: Callable[..., Any], *args: Any) -> Any:
    """fn(*args) from the run's pool (computed on a worker when planned, else here)."""
    p = pool(ctx)
    return p.computed(p.compute(fn, *args))


def start_training(out: Any, families: dict[str, Family], calls: list, workers: int | None = None,
                   progress: bool | None = None, **where: Any) -> TrainingPool:
    """Create a pool on ``workers`` processes (default: every core), submit every run and computation, start it.

    ``where``: the pool's executor options (``executor``, ``scheduler``, ``shard``, ``ensemble``; learning.pool).
    """
    n = (os.cpu_count() or 1) if workers is None else workers
    p = TrainingPool(out / "runs", workers=n, progress=progress, **where)
    submit(p, families, calls)
    return p.start()


def stop_training(p: TrainingPool | None, kill: bool = False) -> dict[str, Any]:
    """Close a pool (``kill``: without waiting for running jobs); what it did (jobs, CPU seconds of the workers)."""
    if p is None:
        return {}
    p.close(kill=kill)
    return {"jobs": len(p.jobs), "cpu_seconds": round(p.cpu_seconds, 1), "workers": p.workers}


def outcomes(ctx: Context, fam: Family) -> list[tuple[Any, Any]]:
    """(TrainResult, reading) per seed of a family; (None, None) for a seed whose run failed."""
    p, out = pool(ctx), []
    for config in fam.configs():
        job = p.submit(fam.task, config, measure=fam.measure)
        try:
            out.append((p.result(job), p.measured(job, fam.measure) if fam.measure is not None else None))
        except TrainingFailed:
            out.append((None, None))
    return out


def readings(ctx: Context, name: str) -> tuple[Family, list[Any]]:
    """The family ``name`` of the run and its per-seed readings (None where a seed's run failed)."""
    fam = ctx.families[name]
    return fam, [r for _, r in outcomes(ctx, fam)]
