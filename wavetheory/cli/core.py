"""Core commands: ``tasks``, ``spectrum``, ``simulate`` and ``demo`` (numpy only, no torch)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from . import CliError, add_json_flag, add_task_args, task_from_args, task_given


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("tasks", help="list the built-in tasks")
    add_json_flag(p)
    p.set_defaults(func=cmd_tasks)

    p = sub.add_parser("spectrum", help="characteristic polynomial and eigenvalues of Phi (C4)")
    add_task_args(p)
    add_json_flag(p)
    p.set_defaults(func=cmd_spectrum)

    p = sub.add_parser("simulate", help="run the wave memory from an initial history (C1)")
    add_task_args(p)
    p.add_argument("--history", required=True, metavar="FILE", help='JSON {"history": [x(0), ..., x(s-1)]}')
    p.add_argument("--steps", required=True, type=int, metavar="N", help="number of steps to run (>= 0)")
    add_json_flag(p)
    p.set_defaults(func=cmd_simulate)

    p = sub.add_parser("demo", help="build a task, simulate it on the wave memory, print its spectrum, save a figure")
    add_task_args(p, required=False)
    p.add_argument("--out", default="wavetheory-demo", metavar="DIR", help="output folder (default wavetheory-demo)")
    add_json_flag(p)
    p.set_defaults(func=cmd_demo)


def cmd_tasks(args: argparse.Namespace) -> tuple[Any, str]:
    from ..theory.task_library import TASKS

    text = "\n".join(f"{name:18s} {desc}" for name, desc in TASKS.items())
    return {"tasks": [{"name": n, "description": d} for n, d in TASKS.items()]}, text


def _format_complex(z: complex) -> str:
    return f"{z.real:+.6f}{z.imag:+.6f}i"


def cmd_spectrum(args: argparse.Namespace) -> tuple[Any, str]:
    from ..theory.wave_operator import charpoly, group_eigenvalues, spectrum

    task = task_from_args(args)
    ev = spectrum(task)
    cp = charpoly(task)
    result = {
        "d": task.d,
        "s": task.s,
        "charpoly": cp.tolist(),
        "eigenvalues": [[float(z.real), float(z.imag)] for z in ev],
    }
    lines = [f"task {task.name}: d = {task.d}, s = {task.s}, Phi is {task.s * task.d} x {task.s * task.d}"]
    lines.append("charpoly (highest degree first): " + " ".join(f"{c:g}" for c in cp))
    lines.append("eigenvalues (value x multiplicity, clustered within 1e-6):")
    for z, m in group_eigenvalues(ev):
        lines.append(f"  {_format_complex(z)}  |lam| = {abs(z):.6f}  x{m}")
    return result, "\n".join(lines)


def _load_history(path: str, task) -> "Any":
    from ..io import read_json
    from .._validate import as_float_array

    obj = read_json(path)
    if not isinstance(obj, dict) or "history" not in obj:
        raise CliError(f'{path}: expected an object {{"history": [x(0), ..., x(s-1)]}}')
    hist = as_float_array(obj["history"], f"{path}: history", ndim=2)
    if hist.shape != (task.s, task.d):
        raise CliError(f"{path}: history must be s x d = {task.s} x {task.d}, got {hist.shape[0]} x {hist.shape[1]}")
    return hist


def cmd_simulate(args: argparse.Namespace) -> tuple[Any, str]:
    from ..theory.wave_memory import simulate

    if args.steps < 0:
        raise CliError(f"--steps must be >= 0, got {args.steps}")
    task = task_from_args(args)
    hist = _load_history(args.history, task)
    traj = simulate(task.boundary, hist, args.steps)
    text = "\n".join(f"x({task.s + t}) = " + " ".join(f"{v:g}" for v in row) for t, row in enumerate(traj))
    return {"trajectory": traj.tolist()}, text or "(no steps)"


def cmd_demo(args: argparse.Namespace) -> tuple[Any, str]:
    import numpy as np

    from ..plots import plot_spectrum, plot_trajectory
    from ..theory.tasks import repeat_copy, rollout
    from ..theory.wave_memory import simulate
    from ..theory.wave_operator import charpoly, group_eigenvalues, spectrum

    task = task_from_args(args) if task_given(args) else repeat_copy(3, 4)
    out = Path(args.out)
    rng = np.random.default_rng(args.seed)
    hist = rng.choice([-1.0, 1.0], size=(task.s, task.d))
    steps = 3 * task.s
    wave = simulate(task.boundary, hist, steps)
    direct = rollout(task, hist, steps)
    err = float(np.max(np.abs(wave - direct)))
    ev = spectrum(task)
    f1 = plot_spectrum({"eig(Phi)": ev}, title=f"{task.name}: spectrum of Phi", path=out / "spectrum.png")
    f2 = plot_trajectory(np.concatenate([hist, wave]), task.s, title=f"{task.name}: wave memory trajectory", path=out / "trajectory.png")
    result = {
        "task": task.name,
        "d": task.d,
        "s": task.s,
        "max_abs_diff_wave_vs_recursion": err,
        "charpoly": charpoly(task).tolist(),
        "eigenvalues": [[float(z.real), float(z.imag)] for z in ev],
        "figures": [str(f1), str(f2)],
    }
    lines = [
        f"task {task.name} (d = {task.d}, s = {task.s}); {steps} steps on the wave memory",
        f"wave memory vs direct recursion (C1): max |diff| = {err:.3g}",
        "spectrum of Phi (C4):",
    ]
    lines += [f"  {_format_complex(z)}  x{m}" for z, m in group_eigenvalues(ev)]
    lines.append(f"figures: {f1}, {f2}")
    return result, "\n".join(lines)
