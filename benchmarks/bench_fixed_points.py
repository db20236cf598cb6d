"""How long the lenses take on a hidden-128 network: the fixed-point finder, and beside it the other lenses (issue 22).

    python benchmarks/bench_fixed_points.py [--hidden 128] [--d 8] [--s 10] [--repeats 3] [--threads 1] [--json OUT]

A tanh Elman network with biases whose fixed point h* (not 0) carries Phi exactly (W_hh = diag(1 - h*^2)^-1
Psi Phi Psi^-1 on the anti-copy task x(t) = -x(t-s), Psi orthogonal, b = atanh(h*) - W_hh h*): the finder
runs from 64 states of the network's trajectories (its defaults: 200 Adam steps, 20 Newton steps). Reports
the median wall and CPU seconds over ``repeats`` runs (after one warm-up), whether h* was found and the match of
the Jacobian there to Phi; then the operating point, the DMD and the Lyapunov spectrum on the same network.
No timed assertion anywhere: this is the measurement. BLAS runs on one thread unless OPENBLAS_NUM_THREADS /
OMP_NUM_THREADS say otherwise (set before numpy loads: on a shared machine threaded BLAS was measured 10x slower).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402

from wavetheory.learning.cells import network_from_arrays  # noqa: E402
from wavetheory.learning.fixed_points import find_fixed_points, trajectory_states
from wavetheory.learning.dynamics import state_map
from wavetheory.learning.lenses import network_dmd
from wavetheory.learning.lyapunov import lyapunov_spectrum
from wavetheory.learning.substrate import operating_point
from wavetheory.theory.tasks import LinearHDS
from wavetheory.theory.two_phase import two_phase_batch
from wavetheory.theory.wave_operator import compile_rnn, make_basis


def network(hidden: int, d: int, s: int, seed: int = 0):
    lags = np.zeros((s, d, d))
    lags[-1] = -np.eye(d)
    task = LinearHDS(lags)
    rng = np.random.default_rng(seed)
    lin = compile_rnn(task, make_basis("orthogonal", hidden, rng))
    h_star = rng.uniform(-0.6, 0.6, hidden)
    W = lin.W_hh / (1 - h_star**2)[:, None]
    net = network_from_arrays("rnn", {"W_hh": W, "W_uh": lin.W_uh, "W_hy": lin.W_hy,
                                      "bias_ih_l0": np.arctanh(h_star) - W @ h_star})
    return net, task, h_star


def _timed(f, repeats: int) -> tuple[dict, object]:
    """Median wall and CPU seconds (the CPU time is what a shared machine's load does not inflate)."""
    f()  # warm-up: torch.func's first trace
    wall, cpu, out = [], [], None
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        out = f()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return {"wall": float(np.median(wall)), "cpu": float(np.median(cpu))}, out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--hidden", type=int, default=128)
    p.add_argument("--d", type=int, default=8)
    p.add_argument("--s", type=int, default=10)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--json", metavar="OUT")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    net, task, h_star = network(a.hidden, a.d, a.s)
    states = trajectory_states(state_map(net), task)
    t_fp, points = _timed(lambda: find_fixed_points(net, task, states=states), a.repeats)
    best = min(points, key=lambda q: np.linalg.norm(q.state - h_star))
    u, _ = two_phase_batch(task, 64, task.s * task.d + 2 * task.s, 0)
    t_op, _ = _timed(lambda: operating_point(net, u, task.s), a.repeats)
    t_dmd, _ = _timed(lambda: network_dmd(state_map(net).rollout(u).numpy(), task), a.repeats)
    t_ly, _ = _timed(lambda: lyapunov_spectrum(net, u[:16], k=task.s * task.d), a.repeats)
    out = {"hidden": a.hidden, "d": a.d, "s": a.s, "threads": a.threads, "repeats": a.repeats,
           "fixed_points_seconds": t_fp, "points": len(points), "h_star_error": float(np.linalg.norm(best.state - h_star)),
           "h_star_eig_match_max": best.match.summary()["max"], "operating_point_seconds": t_op, "dmd_seconds": t_dmd,
           "lyapunov_seconds": t_ly, "torch": torch.__version__, "machine": platform.machine()}
    print(json.dumps(out, indent=1))
    if a.json:
        with open(a.json, "w") as fh:
            json.dump(out, fh, indent=1)


if __name__ == "__main__":
    main()
