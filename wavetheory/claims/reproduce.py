"""The main job: run every claim C1..C16 of ``registry.CLAIMS``, derive each status, write claims.json and the report.

``reproduce`` builds the plan's families once (a family shared by claims, as C7-C10's, is trained once), submits
every run to one ``TrainingPool`` before the first claim runs, runs the proofs and the claims (each claim judged
only through its declared checks, ``Claim.run``), and logs one line per claim as it finishes (``logging``: a
terminal or not). ``reproduce(..., Phi=...)`` replaces the wave-operator constructor in every Phi-dependent check:
a test swaps in a perturbed Phi and sees statuses change.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np

from ..theory import wave_operator
from ..theory.tasks import LinearHDS
from .claim import Claim, Context, Plan
from .evidence import ClaimResult
from .registry import _claims, annotate, claim, plan_json
from .trained_runs import seed_count, start_training, stop_training

__all__ = ["plan_of", "families_of", "reproduce", "run_main_job", "plan_json", "c14_study"]

log = logging.getLogger("wavetheory")


def plan_of(quick: bool = True, seed: int = 0, n_seeds: int | None = None) -> Plan:
    return Plan(quick=quick, seed=int(seed), n_seeds=seed_count(n_seeds))


def _selected(claims: list[str] | None) -> list[Claim]:
    return list(_claims()) if claims is None else [claim(c) for c in claims]


def families_of(plan: Plan, selected: list[Claim]) -> tuple[dict, list]:
    """The families (by name, each built once) and the untrained computations of the selected claims."""
    fams: dict = {}
    calls: list = []
    for c in selected:
        for name, fam in c.families(plan).items():
            fams.setdefault(name, fam)
        calls += [call for call in c.calls(plan) if call not in calls]
    return fams, calls


def reproduce(out: str | Path, quick: bool = True, seed: int = 0, claims: list[str] | None = None,
              Phi: Callable[[LinearHDS], np.ndarray] | None = None, proofs: bool | dict = True,
              progress: bool | None = None, workers: int | None = None,
              n_seeds: int | None = None, **where: Any) -> tuple[list[ClaimResult], dict[str, Any]]:
    """Run the requested claims (all by default); return (results in ID order, what the training did).

    ``Phi`` replaces the wave-operator constructor in every Phi-dependent check; ``proofs=False`` skips running
    proofs/*.py (their checks then read "no data"), a dict {proof name: ProofRun} uses those runs (tests); ``workers`` training processes (default: one per core; 0:
    train in this process when a claim first reads a run); ``n_seeds`` seeds per trained family (at least 5);
    ``where``: the pool's executor options (``executor`` "local" or "dask", ``scheduler``, ``ensemble``). Every
    finished run is journaled in OUT/runs, so a rerun on a partly filled folder resumes with the same numbers.
    """
    from tqdm.auto import tqdm

    from ..learning.estimates import format_duration, jobs_time_left
    from .proofs import run_proofs

    plan = plan_of(quick, seed, n_seeds)
    selected = _selected(claims)
    for c in selected:
        c.checks(plan)  # every declaration is valid before anything runs
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    fams, calls = families_of(plan, selected)
    bar = tqdm(total=len(selected) + int(proofs is True), desc="reproduce", disable=True if progress is False else None)
    pool = start_training(out, fams, calls, workers, progress=False if progress is False else None, **where)
    try:
        t0 = time.perf_counter()
        proof_runs = dict(proofs) if isinstance(proofs, dict) else run_proofs() if proofs else {}
        if proofs is True:
            log.info("proofs: %d scripts, %d passed (%.0f s)", len(proof_runs), sum(p.passed for p in proof_runs.values()),
                     time.perf_counter() - t0)
            bar.update()
        ctx = Context(quick=plan.quick, seed=plan.seed, n_seeds=plan.n_seeds, out=out, Phi=Phi or wave_operator.Phi,
                      proofs=proof_runs, pool=pool, families=fams, progress=bar)
        results = []
        for c in selected:
            bar.set_postfix_str(c.id)
            t1 = time.perf_counter()
            results.append(annotate(c.run(ctx)))
            log.info("%-4s %-10s (%.0f s; training left: about %s)", c.id, results[-1].status, time.perf_counter() - t1,
                     format_duration(jobs_time_left(*pool.job_progress(), max(pool.workers, 1)) if pool.jobs else 0.0))
            bar.update()
    except BaseException:  # an error, Ctrl-C or SIGTERM: stop the training workers now
        stop_training(pool, kill=True)
        raise
    training = stop_training(pool)
    bar.close()
    return results, training


def _cpu_seconds() -> dict[str, float]:
    """CPU seconds of this process and of its finished children (proof scripts, training workers)."""
    import resource

    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    main, children = own.ru_utime + own.ru_stime, kids.ru_utime + kids.ru_stime
    return {"total": round(main + children, 1), "main": round(main, 1), "children": round(children, 1)}


def earlier_runs(out: Path) -> dict[str, Any]:
    """Trained runs already finished in OUT/runs before this sitting (their metrics.json exists): how many, and the
    wall seconds their training took then (a later sitting reads them back instead of training them again)."""
    from ..io import read_json

    walls = []
    for path in sorted((Path(out) / "runs").glob("*/metrics.json")):
        try:
            walls.append(float(read_json(path).get("wall_seconds") or 0.0))
        except (OSError, ValueError, TypeError, AttributeError):
            continue  # an unreadable record: the run is trained (or read) again and not counted here
    return {"runs": len(walls), "training_wall_seconds": round(sum(walls), 1)}


def train_shard(out: Path, quick: bool, seed: int, claims: list[str] | None, workers: int | None,
                n_seeds: int | None, shard: Any, **where: Any) -> dict[str, Any]:
    """``reproduce --shard K/N``: train only the K-th share of the plan's runs into OUT/runs (no claim is judged)."""
    t0 = time.perf_counter()
    plan = plan_of(quick, seed, n_seeds)
    fams, calls = families_of(plan, _selected(claims))
    out.mkdir(parents=True, exist_ok=True)
    pool = start_training(out, fams, calls, workers, progress=None, shard=shard, **where)
    try:
        counts = pool.wait()
    finally:
        stop_training(pool)
    return {**counts, "out": str(out), "wall_seconds": time.perf_counter() - t0}


def run_main_job(out: str | Path, quick: bool = True, seed: int = 0, claims: list[str] | None = None,
                 progress: bool | None = None, command: str = "", workers: int | None = None,
                 n_seeds: int | None = None, shard: Any = None, **where: Any) -> dict[str, Any]:
    """``wavetheory reproduce``: run every claim's checks, write claims.json, report.md/.html and the figures.

    ``shard`` ("K/N"): only train that share of the runs (``train_shard``); ``where``: the pool's executor options.
    """
    from ..learning.platform_id import fingerprint
    from .report import machine, numerics, write_claims, write_reports

    t0 = time.perf_counter()
    out = Path(out)
    if shard is not None:
        return train_shard(out, quick, seed, claims, workers, n_seeds, shard, **where)
    earlier = earlier_runs(out)
    results, training = reproduce(out, quick=quick, seed=seed, claims=claims, progress=progress, workers=workers,
                                  n_seeds=n_seeds, **where)
    figures = [f for r in results for f in r.figures]
    latex = {k: v for r in results for k, v in r.artifacts.get("latex", {}).items()}
    plan = plan_of(quick, seed, n_seeds)
    meta = {
        "command": command or f"wavetheory reproduce {'--quick ' if quick else ''}--out {out}",
        "mode": "quick" if quick else "full",
        "seed": seed,
        "seeds_per_family": len(plan.seeds),
        "wall_seconds": time.perf_counter() - t0,
        "cpu": _cpu_seconds(),
        "training": training,
        "earlier_sittings": earlier,
        "machine": machine(),
        "numerics": numerics(),
        "fingerprint": fingerprint(),
        "date": time.strftime("%Y-%m-%d", time.gmtime()),
        "figures": len(figures),
    }
    write_claims(out, results, meta)
    write_reports(out, results, meta, latex, figures)
    return {"claims": {r.id: r.status for r in results}, "out": str(out), "figures": [str(p) for _, p in figures],
            "wall_seconds": meta["wall_seconds"]}


def c14_study(quick: bool = True, seed: int = 0, out: str | Path | None = None, workers: int = 0) -> dict[str, Any]:
    """The C14 study on its own: the claim's record (as JSON) with its rows and checks, and the figure paths.

    Trains its networks over the seeds of a quick (5) or full (20) run on ``workers`` processes (0: here);
    ``out`` None: a temporary folder (no figures kept).
    """
    import tempfile

    from .._validate import seed as check_seed

    check_seed(seed)
    with tempfile.TemporaryDirectory() as tmp:
        (result,), _ = reproduce(Path(tmp if out is None else out), quick=quick, seed=seed, claims=["C14"], proofs=False,
                                 progress=False, workers=workers)
        return {**result.to_json(), "figures": [str(p) for _, p in result.figures] if out is not None else []}
