"""Benchmark: one wave-memory step (ring buffer + boundary) vs one dense Phi matmul (issue 2).

For d = 16, batch 64 and s in {16, 64, 256}, both roads advance the same substrate by one step:

* wave memory: ``WaveMemory.step()``: write one column twice in the mirrored ring buffer and evaluate the
  boundary on the active lags only: O(B d) + O(B |active| d^2);
* dense: ``h @ Phi.T`` on the flattened substrate: O(B (sd)^2).

Both are timed in the same run (best of several repeats, so background load inflates both
alike); the ratio dense / wave is printed. Target (issue 2): the ratio grows with s and exceeds
20x at s = 256. Run: ``python benchmarks/bench_wave_memory.py [--repeats N]``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from wavetheory.theory.tasks import fibonacci, random_signed_selection
from wavetheory.theory.wave_memory import WaveMemory
from wavetheory.theory.wave_operator import Phi


def best_time(fn, repeats: int, inner: int) -> float:
    """Best mean seconds per call over ``repeats`` batches of ``inner`` calls."""
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        best = min(best, (time.perf_counter() - t0) / inner)
    return best


def bench(task, batch: int, repeats: int) -> tuple[float, float]:
    rng = np.random.default_rng(0)
    wm = WaveMemory(task.boundary, task.d, task.s, batch=batch)
    wm.load(rng.choice([-1.0, 1.0], size=(batch, task.s, task.d)))
    P = Phi(task)
    h = rng.standard_normal((batch, task.s * task.d))
    t_wave = best_time(wm.step, repeats, inner=200)
    t_dense = best_time(lambda: h @ P.T, repeats, inner=max(2, 2000 // task.s))
    return t_wave, t_dense


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--d", type=int, default=16)
    ap.add_argument("--batch", type=int, default=64)
    args = ap.parse_args()
    print(f"d = {args.d}, batch = {args.batch}, best of {args.repeats}; seconds per step")
    print(f"{'task':>18s} {'s':>5s} {'wave step':>12s} {'dense Phi':>12s} {'ratio':>8s}")
    for make in (lambda d, s: random_signed_selection(d, s, seed=0), fibonacci):
        for s in (16, 64, 256):
            task = make(args.d, s)
            t_wave, t_dense = bench(task, args.batch, args.repeats)
            name = task.name.split(":")[0]
            print(f"{name:>18s} {s:5d} {t_wave:12.3e} {t_dense:12.3e} {t_dense / t_wave:7.1f}x")


if __name__ == "__main__":
    main()
