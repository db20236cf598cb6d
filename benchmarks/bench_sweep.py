"""Benchmark: a 16-cell sweep on the local backend with 2 workers vs 1 worker (issue 8).

Sixteen real cells (``trainer.train`` + ``analysis.analyze``): 2 tasks (repeat copy and a random
signed selection, d = 3, s = 4) x 4 seeds x 2 initializations (default, wave), hidden 32,
``--steps`` training steps each. The same sweep runs into two fresh folders, once with 1 worker
process and once with 2, in alternating order over ``--rounds`` rounds; the wall times include
starting the spawn pool (each worker imports torch once) and are printed with the ratio
t(1 worker) / t(2 workers), the CPU seconds the workers used (equal CPU in both runs means no
time lost to oversubscription; then the wall ratio is bounded by the free cores), and the load
average before and after. The machine may be shared, so each round first measures a control:
the same 1-vs-2 process ratio for pure-Python busy loops (2.0 on two free cores); the sweep's
ratio divided by the control's is the part of the available parallelism the sweep turns into
speed. Both runs must produce the same
records (checked). Run: ``python benchmarks/bench_sweep.py [--steps N] [--rounds R]``.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import tempfile
import time
from pathlib import Path

from wavetheory.sweeps.run import NONDETERMINISTIC_FIELDS, SweepConfig, read_results, run_sweep


def config(steps: int) -> SweepConfig:
    return SweepConfig.from_dict({
        "tasks": [{"name": "repeat-copy", "d": 3, "s": 4}, {"name": "signed-selection", "d": 3, "s": 4, "task_seeds": [0]}],
        "seeds": [0, 1, 2, 3], "hidden": 32, "init": ["default", "wave"], "steps": steps,
        # target None: no early stop, so every cell does exactly ``steps`` steps of work
        "train": {"batch": 32, "horizons": [4, 8, 16], "eval_every": 50, "eval_batch": 128, "target": None},
    })


def _children_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)  # worker processes, once joined
    return ru.ru_utime + ru.ru_stime


def timed(cfg: SweepConfig, out: Path, workers: int) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the worker processes) of the whole sweep, pool start included."""
    shutil.rmtree(out, ignore_errors=True)
    cpu0, t0 = _children_cpu(), time.perf_counter()
    res = run_sweep(cfg, out, backend="local", workers=workers, progress=False)
    wall, cpu = time.perf_counter() - t0, _children_cpu() - cpu0
    if res["ok"] != 16:
        raise SystemExit(f"expected 16 finished cells, got {res}")
    return wall, cpu


def _spin(n: int) -> int:
    total = 0
    for i in range(n):
        total += i
    return total


def control(n: int = 20_000_000) -> float:
    """Parallelism the machine offers now: wall(4 busy loops, 1 process) / wall(same, 2 processes)."""
    import multiprocessing

    walls = {}
    for k in (1, 2):
        with multiprocessing.get_context("spawn").Pool(k) as pool:
            pool.map(_spin, [1000])  # start the processes before timing
            t0 = time.perf_counter()
            pool.map(_spin, [n] * 4, chunksize=1)
            walls[k] = time.perf_counter() - t0
    return walls[1] / walls[2]


def stable(out: Path) -> dict:
    return {r["cell_id"]: {k: v for k, v in r.items() if k not in NONDETERMINISTIC_FIELDS} for r in read_results(out)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=300, help="training steps per cell (default 300)")
    ap.add_argument("--rounds", type=int, default=1, help="repetitions of the 1-vs-2 pair (default 1)")
    args = ap.parse_args()
    cfg = config(args.steps)
    cpus = os.cpu_count()
    print(f"16 cells (train {args.steps} steps + analyze), local spawn pool; {cpus} CPUs")
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        for r in range(args.rounds):
            load0 = os.getloadavg()
            ctrl = control()
            order = (1, 2) if r % 2 == 0 else (2, 1)
            res = {w: timed(cfg, base / f"w{w}", w) for w in order}
            load1 = os.getloadavg()
            same = stable(base / "w1") == stable(base / "w2")
            (w1, c1), (w2, c2) = res[1], res[2]
            # median wall time of one cell inside its worker (the first cell of a worker also imports torch)
            m1, m2 = (sorted(x["wall_seconds"] for x in read_results(base / f"w{w}"))[8] for w in (1, 2))
            print(f"round {r + 1}: 1 worker {w1:6.1f} s (CPU {c1:5.1f} s, cell {m1:.2f} s)   "
                  f"2 workers {w2:6.1f} s (CPU {c2:5.1f} s, cell {m2:.2f} s)   ratio {w1 / w2:.2f}   "
                  f"records identical: {same}; load avg 1 min {load0[0]:.1f} -> {load1[0]:.1f}")
            print(f"         control (pure-Python busy loops, 1 vs 2 processes): ratio {ctrl:.2f}; "
                  f"sweep ratio / control ratio = {w1 / w2 / ctrl:.2f}")


if __name__ == "__main__":
    main()
