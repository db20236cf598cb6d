"""Time left in a run of training jobs, from their step bounds and measured costs per step of each family.

A *family* is a set of jobs that cost the same per step: one task, sizes, cell and configuration, the seed
aside (``Job(task, replace(config, seed=0)).key`` for the pool's jobs). Each job has a *step bound* (its
``TrainConfig.steps``); a run stops earlier when solved. The estimate

    T_left = max( sum_j b_j u c_f(j) / workers,  max_j b_j u c_f(j) )

adds, over the pending jobs j, the step bound b_j times the fraction u of their bounds that finished jobs
actually used (1 before any finished: an upper bound) times the family's cost per step c_f (measured on
this run's finished jobs, else a prior such as ``benchmarks/full_mode_work.py --measure``'s or
docs/bench_train.json's seconds per step, else the median measured cost of the other families), spread over
the workers, and never below the longest single job. Costs measured as wall time in the workers include the
machine's load, so the estimate follows a busy machine, unlike a rate of finished claims (issue 25: "19:26"
shown for a run of 2:14).
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

from .._validate import positive_int

__all__ = ["Work", "Finished", "seconds_per_step", "used_fraction", "remaining_seconds", "jobs_time_left",
           "format_duration"]


@dataclass(frozen=True)
class Work:
    """A training job as the estimate sees it: its family and its step bound."""

    family: str
    step_bound: int

    def __post_init__(self) -> None:
        positive_int(self.step_bound, "step_bound")


@dataclass(frozen=True)
class Finished:
    """A finished job: its work, the steps it took (<= its bound) and the seconds it ran."""

    work: Work
    steps: int
    seconds: float

    def __post_init__(self) -> None:
        if isinstance(self.steps, bool) or not isinstance(self.steps, int) or not 0 <= self.steps:
            raise ValueError(f"steps: expected an integer >= 0, got {self.steps!r}")
        if not (isinstance(self.seconds, (int, float)) and math.isfinite(self.seconds) and self.seconds >= 0):
            raise ValueError(f"seconds: expected a finite number >= 0, got {self.seconds!r}")


def seconds_per_step(finished: Iterable[Finished]) -> dict[str, float]:
    """Measured cost per step of each family: c_f = sum of seconds / sum of steps over its finished jobs."""
    steps: dict[str, int] = {}
    secs: dict[str, float] = {}
    for f in finished:
        steps[f.work.family] = steps.get(f.work.family, 0) + f.steps
        secs[f.work.family] = secs.get(f.work.family, 0.0) + f.seconds
    return {fam: secs[fam] / n for fam, n in steps.items() if n > 0}


def used_fraction(finished: Sequence[Finished]) -> float:
    """u = sum of steps taken / sum of step bounds over the finished jobs (1.0 when none finished)."""
    bound = sum(f.work.step_bound for f in finished)
    return min(1.0, sum(f.steps for f in finished) / bound) if bound else 1.0


def remaining_seconds(pending: Sequence[Work], finished: Sequence[Finished] = (), workers: int = 1,
                      prior: Mapping[str, float] | None = None) -> float | None:
    """Seconds left for the pending jobs (formula in the module docstring); None when no cost per step is known."""
    positive_int(workers, "workers")
    if not pending:
        return 0.0
    measured = seconds_per_step(finished)
    known = {**dict(prior or {}), **measured}
    fallback = statistics.median(measured.values()) if measured else (statistics.median(known.values()) if known else None)
    u = used_fraction(finished)
    costs = []
    for w in pending:
        c = known.get(w.family, fallback)
        if c is None:
            return None
        costs.append(w.step_bound * u * c)
    return max(sum(costs) / workers, max(costs))


def jobs_time_left(pending: Iterable[Any], finished: Iterable[tuple[Any, Any, float]], workers: int,
                   prior: Mapping[str, float] | None = None) -> float | None:
    """``remaining_seconds`` over a training pool's jobs (``learning.pool.Job``): family = the job's key at seed 0.

    ``finished`` holds (job, its TrainResult, seconds): the cost is the result's ``wall_seconds`` (training as
    timed in its worker, so a loaded machine's slowness is in it), else the seconds given (e.g. the pool's CPU
    seconds). A job that raised (an exception in place of its result), or one finished in an earlier sitting whose
    run is not read back yet (None in place of its result), took unknown steps here and is left out.
    """
    from dataclasses import replace

    from .pool import Job

    def work(job: Any) -> Work:
        return Work(Job(job.task, replace(job.config, seed=0)).key, job.config.steps)

    done = [Finished(work(j), int(r.steps), float(getattr(r, "wall_seconds", None) or sec))
            for j, r, sec in finished if r is not None and not isinstance(r, BaseException)]
    return remaining_seconds([work(j) for j in pending], done, workers, prior)


def format_duration(seconds: float | None) -> str:
    """``"45 s"``, ``"3 min 05 s"``, ``"2 h 07 min"``; ``"unknown"`` for None or a non-finite number."""
    if seconds is None or not math.isfinite(seconds):
        return "unknown"
    s = max(0, round(seconds))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min {s % 60:02d} s"
    return f"{s // 3600} h {s % 3600 // 60:02d} min"
