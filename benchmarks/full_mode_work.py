"""The work of ``wavetheory reproduce`` (full mode) against ``--quick``: training jobs and step bounds per claim.

    python benchmarks/full_mode_work.py                 # counts from the plan (nothing is trained)
    python benchmarks/full_mode_work.py --measure       # + measured seconds per step of every full-mode family
    python benchmarks/full_mode_work.py --measure --json out.json
    python benchmarks/full_mode_work.py --from RUN_DIR   # measured per-family steps and seconds of a finished run

Counts come from ``trained_runs.workload`` on the families of ``reproduce.families_of`` (what ``reproduce``
submits to its pool; a family shared by claims, as C7-C10's, is built once and counts once in the total). ``--measure`` trains each distinct full-mode family (seed 0, one torch and
one BLAS thread, as on a worker) for ``--steps`` steps at its *final* horizon with the planned sizes and reads
the seconds per step between the first and the last logged step (model build, evaluations and readings
excluded). It prints an estimate of CPU hours for the training steps: every job run to its step bound at the
final horizon's cost. That is an upper bound on the training steps (runs stop when solved, and the curriculum
spends early steps at shorter horizons) and leaves out readings, evaluations and the proofs; on a loaded
machine the measured step costs are high.

``--from RUN_DIR`` reads what a run actually did (issue 23: bounds set from measured step distributions): per
family (task, cell, init, hidden, horizons, step bound; seeds pooled) the runs' steps (median, max, against the
bound), how many reached the target, their wall seconds from ``metrics.json`` and, when the run has a journal
(``runs/journal.jsonl``), the CPU seconds of training and readings in the workers.
"""

from __future__ import annotations

import os

if __name__ == "__main__":  # one BLAS thread, as on a pool worker (pool.WORKER_ENV); set before numpy loads
    for _k in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ.setdefault(_k, "1")

import argparse  # noqa: E402
import dataclasses  # noqa: E402
import json  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

from wavetheory.claims.claim import Plan  # noqa: E402
from wavetheory.claims.registry import CLAIMS, claim  # noqa: E402
from wavetheory.claims.reproduce import families_of  # noqa: E402
from wavetheory.claims.trained_runs import submit, workload  # noqa: E402
from wavetheory.learning.pool import Job, TrainingPool  # noqa: E402

# the claims that train networks (in either mode), in ID order
TRAINED = [c.id for c in CLAIMS if c.families(Plan(quick=True)) or c.families(Plan(quick=False))]


def _work(plan: Plan, ids: list[str]) -> dict[str, int]:
    return workload(*families_of(plan, [claim(c) for c in ids]))


def counts() -> dict[str, dict]:
    """Per mode, per trained claim and in total: families, jobs, step bound, untrained computations."""
    return {mode: {**{cid: _work(Plan(quick=mode == "quick"), [cid]) for cid in TRAINED},
                   "total": _work(Plan(quick=mode == "quick"), TRAINED)} for mode in ("quick", "full")}


def table(c: dict[str, dict]) -> str:
    rows = ["claim   quick: families  jobs   step bound    full: families  jobs   step bound"]
    for cid in TRAINED + ["total"]:
        q, f = c["quick"][cid], c["full"][cid]
        rows.append(f"{cid:<6} {q['families']:>16} {q['jobs']:>5} {q['steps']:>12,} {f['families']:>16} {f['jobs']:>5} "
                    f"{f['steps']:>12,}")
    return "\n".join(rows)


def measure(steps: int) -> list[dict]:
    """Seconds per step of every distinct full-mode family at its final horizon (seed 0), with its jobs' step bound."""
    from wavetheory.learning.trainer import train

    target = TrainingPool(None, workers=0, progress=False)  # never started: submitting trains nothing
    families, _ = families_of(Plan(quick=False), [claim(c) for c in TRAINED])
    jobs = {j.key: j for j in submit(target, families, [])}.values()
    families: dict[str, dict] = {}
    for j in jobs:
        key = Job(j.task, dataclasses.replace(j.config, seed=0)).key
        fam = families.setdefault(key, {"job": j, "jobs": 0, "step_bound": 0})
        fam["jobs"] += 1
        fam["step_bound"] += j.config.steps
    out = []
    for fam in sorted(families.values(), key=lambda f: -f["step_bound"]):
        j = fam["job"]
        c = dataclasses.replace(j.config, seed=0, steps=steps, horizons=(j.config.horizons[-1],), target=None,
                                log_every=10, eval_batch=32)
        r = train(j.task, c, progress=False)
        wall, logged = r.history["wall"], r.history["step"]
        per_step = (wall[-1] - wall[0]) / (logged[-1] - logged[0])
        row = {"task": f"{getattr(j.task, 'name', 'task')} d = {j.task.d}, s = {j.task.s}", "cell": c.cell,
               "init": c.init, "hidden": c.hidden, "batch": c.batch, "horizon": c.horizons[-1], "jobs": fam["jobs"],
               "step_bound": fam["step_bound"], "seconds_per_step": round(per_step, 5),
               "cpu_hours_bound": round(fam["step_bound"] * per_step / 3600, 2)}
        print(f"{row['task']:<46} {c.cell:<6} {c.init:<10} h {c.hidden:>3} horizon {c.horizons[-1]:>3}: "
              f"{1000 * per_step:7.1f} ms/step x {fam['step_bound']:>7,} steps = {row['cpu_hours_bound']:6.2f} CPU h",
              flush=True)
        out.append(row)
    return out


def _sitting_cpu(journal: Path) -> dict[str, float]:
    """Run folder -> the largest CPU seconds of its journal records. The journal keeps every sitting's record; a
    later sitting that read a finished run back (and recomputed its readings) spent less than the one that trained
    it, so the largest is the training sitting's."""
    from wavetheory.learning.journal import Journal

    cpu: dict[str, float] = {}
    for rec in Journal(journal).records():
        if rec.get("folder") and rec.get("cpu_seconds") is not None:
            cpu[rec["folder"]] = max(cpu.get(rec["folder"], 0.0), float(rec["cpu_seconds"]))
    return cpu


def distributions(run_dir: Path) -> list[dict]:
    """Per family of a finished run: steps (median, max, bound), solved runs, wall and CPU seconds (module docstring)."""
    import statistics

    from wavetheory.io import read_json
    from wavetheory.learning.journal import JOURNAL

    runs = run_dir / "runs"
    cpu = _sitting_cpu(runs / JOURNAL)
    families: dict[tuple, list[dict]] = {}
    for path in sorted(runs.glob("*/metrics.json")):
        m = read_json(path)
        c = m["config"]
        key = (f"{m['task']['name']} d = {m['task']['d']}, s = {m['task']['s']}", c.get("cell", "rnn"), c["init"],
               c["hidden"], tuple(c["horizons"]), c["steps"])
        families.setdefault(key, []).append({**m, "cpu": cpu.get(path.parent.name)})
    rows = []
    for (task, cell, init, hidden, horizons, bound), ms in families.items():
        steps = [m["steps"] for m in ms]
        cpus = [m["cpu"] for m in ms if m["cpu"] is not None]
        rows.append({"task": task, "cell": cell, "init": init, "hidden": hidden, "horizon": horizons[-1], "bound": bound,
                     "jobs": len(ms), "solved": sum(m["target_step"] is not None for m in ms),
                     "steps_median": statistics.median(steps), "steps_max": max(steps),
                     "wall_seconds": round(sum(m["wall_seconds"] for m in ms), 1),
                     "cpu_seconds": round(sum(cpus), 1) if len(cpus) == len(ms) else None})
    rows.sort(key=lambda r: -r["wall_seconds"])
    for r in rows:
        cpu_text = "" if r["cpu_seconds"] is None else f", {r['cpu_seconds']:7.1f} CPU s"
        print(f"{r['task']:<40} {r['cell']:<6} {r['init']:<8} h {r['hidden']:>3} horizon {r['horizon']:>3}: {r['jobs']:>2} runs, "
              f"{r['solved']:>2} solved, steps median {r['steps_median']:>7.0f} max {r['steps_max']:>6} of {r['bound']:>6}; "
              f"{r['wall_seconds']:7.1f} s wall{cpu_text}", flush=True)
    total = sum(r["wall_seconds"] for r in rows)
    cpu_total = sum(r["cpu_seconds"] or 0.0 for r in rows)
    print(f"{sum(r['jobs'] for r in rows)} runs in {len(rows)} families: {total:.0f} s of training wall time in all, "
          f"{cpu_total / 3600:.2f} CPU hours in the workers (training and readings; families without a journal record "
          "for every run count 0)")
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--measure", action="store_true", help="train every full-mode family briefly; estimate CPU hours")
    ap.add_argument("--steps", type=int, default=30, help="steps per measurement (default 30; >= 20)")
    ap.add_argument("--from", dest="run_dir", type=Path, metavar="RUN_DIR",
                    help="per-family steps and seconds of a finished reproduce run (its runs/ folder)")
    ap.add_argument("--json", type=Path, help="write the counts (and measurements) here")
    args = ap.parse_args()
    if args.run_dir is not None:
        rows = distributions(args.run_dir)
        if args.json:
            args.json.write_text(json.dumps({"run": str(args.run_dir), "families": rows}, indent=1))
        return
    c = counts()
    print(table(c), flush=True)
    record: dict = {"counts": c}
    if args.measure:
        t0 = time.perf_counter()
        rows = measure(args.steps)
        total = sum(r["cpu_hours_bound"] for r in rows)
        print(f"estimate (upper bound, training steps only, every job to its step bound at the final horizon's "
              f"cost): {total:.1f} CPU hours over {sum(r['jobs'] for r in rows)} jobs; measured in "
              f"{time.perf_counter() - t0:.0f} s, load average {os.getloadavg()[0]:.2f}")
        record.update(families=rows, cpu_hours_bound=round(total, 1), load_average=os.getloadavg()[0])
    if args.json:
        args.json.write_text(json.dumps(record, indent=1))


if __name__ == "__main__":
    main()
