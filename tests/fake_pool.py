"""A training pool that trains nothing: the claims' tests inject what each seed's run gave, by family name.

``FakePool`` answers what ``claims.trained_runs`` asks of ``learning.pool.TrainingPool`` (``submit``, ``result``,
``measured``, ``compute``, ``computed``, ``jobs``) from injected values, so a claim's ``measure`` runs exactly as in
``reproduce`` on readings a test chose (and broke on purpose). ``runs`` maps a family name of ``ctx.families`` to one
entry per seed: ``(result, reading)``, or ``None`` for a seed whose run failed (the pool raises ``TrainingFailed``,
as a real pool does when a worker's run raised). ``calls`` maps a computation's function name to its value.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, Callable

from wavetheory.learning.pool import Job, TrainingFailed

__all__ = ["FakePool", "result"]


def result(**fields: Any) -> SimpleNamespace:
    """A stand-in TrainResult with only the fields a claim reads (e.g. ``target_step``)."""
    return SimpleNamespace(**fields)


class FakePool:
    """Injected runs keyed like a real pool's jobs (task and configuration); unknown jobs are an error."""

    def __init__(self, families: dict, runs: dict[str, list], calls: dict[str, Any] | None = None) -> None:
        self.runs: dict[str, Any] = {}
        for name, per_seed in runs.items():
            fam = families[name]
            configs = fam.configs()
            if len(per_seed) != len(configs):
                raise ValueError(f"runs[{name!r}]: expected one entry per seed ({len(configs)}), got {len(per_seed)}")
            for config, run in zip(configs, per_seed):
                self.runs[Job(fam.task, config).key] = run
        self.calls = dict(calls or {})
        self.submitted: dict[str, Job] = {}

    def submit(self, task: Any, config: Any, measure: Callable | None = None) -> Job:
        job = Job(task, config)
        self.submitted.setdefault(job.key, job)
        return job

    def _run(self, job: Job) -> tuple[Any, Any]:
        if job.key not in self.runs:
            raise KeyError(f"no injected run for {job.folder}")
        run = self.runs[job.key]
        if run is None:
            raise TrainingFailed(f"training {job.folder} failed: injected")
        return run

    def result(self, job: Job) -> Any:
        return self._run(job)[0]

    def measured(self, job: Job, measure: Callable) -> Any:
        return self._run(job)[1]

    def compute(self, fn: Callable, *args: Any) -> str:
        return fn.__name__

    def computed(self, key: str) -> Any:
        return self.calls[key]

    @property
    def jobs(self) -> list[Job]:
        return list(self.submitted.values())
