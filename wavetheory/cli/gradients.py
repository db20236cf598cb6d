"""``wavetheory gradients``: gradient propagation, wave RNN vs random RNN vs the C5 bound (numpy only)."""

from __future__ import annotations

import argparse
import math
from typing import Any

from . import CliError, add_json_flag, add_task_args, task_from_args

MAX_LAGS = 100_000  # a guard against accidental huge runs (each lag costs one small SVD)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "gradients",
        help="||dh(1+k)/dx(1)|| for the compiled wave RNN vs a random RNN of gain MU, and the bound (C5)",
    )
    add_task_args(p)
    p.add_argument("--gain", type=float, default=0.9, metavar="MU", help="operator norm ||W_hh|| of the random RNN (default 0.9)")
    p.add_argument("--lags-max", type=int, default=None, metavar="K", help="largest lag k (default 3 s)")
    p.add_argument("--plot", default=None, metavar="FILE", help="also save the log-norm vs lag figure as PNG")
    add_json_flag(p)
    p.set_defaults(func=cmd_gradients)


def cmd_gradients(args: argparse.Namespace) -> tuple[Any, str]:
    from .._validate import matrix_bytes, positive_float, require_memory
    from ..theory.gradients import compare_gradient_flow

    positive_float(args.gain, "--gain")
    task = task_from_args(args)
    k_max = 3 * task.s if args.lags_max is None else args.lags_max
    if not 1 <= k_max <= MAX_LAGS:
        raise CliError(f"--lags-max must be between 1 and {MAX_LAGS}, got {k_max}")
    n = task.s * task.d  # a random orthogonal basis, the compiled and the random RNN, their eigensolvers: ~12 n x n
    require_memory(matrix_bytes(n, n, copies=12) + matrix_bytes(k_max, n * task.d, copies=2), f"gradients: H = s*d = {n}")
    res = compare_gradient_flow(task, args.gain, k_max, rng=args.seed)
    for key in ("slope_random", "slope_wave"):  # JSON has no NaN
        if math.isnan(res[key]):
            res[key] = None
    lines = [
        f"task {task.name} (d = {task.d}, s = {task.s}); wave RNN in a random orthogonal basis (seed {args.seed})",
        f"random RNN: ||W_hh|| = mu = {res['mu']:g}, spectral radius {res['rho_random']:.4f}",
        f"{'k':>5} {'wave':>12} {'random':>12} {'bound':>12}",
    ]
    for k, w, r, b in zip(res["lag"], res["wave"], res["random"], res["bound"]):
        lines.append(f"{k:>5} {w:>12.4e} {r:>12.4e} {b:>12.4e}")
    fmt = lambda v: "n/a" if v is None else f"{v:.4f}"  # noqa: E731
    lines.append(
        f"fitted log-slopes: wave {fmt(res['slope_wave'])}, random {fmt(res['slope_random'])}; "
        f"log mu = {math.log(res['mu']):.4f}, log rho = {math.log(res['rho_random']):.4f}"
    )
    if args.plot:
        from ..plots import plot_gradient_norms

        path = plot_gradient_norms(
            res["lag"],
            {"wave RNN": res["wave"], f"random RNN (mu = {res['mu']:g})": res["random"]},
            bound=res["bound"],
            title=f"{task.name}: gradient propagation (s = {task.s})",
            path=args.plot,
        )
        res["figure"] = str(path)
        lines.append(f"figure: {path}")
    return res, "\n".join(lines)
