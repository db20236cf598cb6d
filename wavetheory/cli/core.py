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


def spectrum_bytes(d: int, s: int) -> int:
    """Memory of ``spectrum``: Phi (sd x sd) and two eigensolver copies, and sd + 1 complex d x d determinants."""
    from .._validate import matrix_bytes

    return matrix_bytes(s * d, s * d, copies=3) + matrix_bytes(s * d + 1, d * d, itemsize=16)


def _finite_spectrum(task) -> tuple:
    """(eigenvalues, charpoly) of Phi, or a ValueError when float64 cannot hold them (lags near 1e308)."""
    import numpy as np

    from .._validate import require_memory
    from ..theory.wave_operator import charpoly, spectrum

    require_memory(spectrum_bytes(task.d, task.s), f"spectrum of Phi ({task.s * task.d} x {task.s * task.d})")
    with np.errstate(all="ignore"):  # overflow is reported below, as one error
        ev, cp = spectrum(task), charpoly(task)
    if not (np.all(np.isfinite(ev)) and np.all(np.isfinite(cp))):
        raise ValueError(f"lags: the spectrum of Phi overflows float64 (largest |entry| {np.max(np.abs(task.lags)):.3g}); "
                         "rescale the lags")
    return ev, cp


def cmd_spectrum(args: argparse.Namespace) -> tuple[Any, str]:
    from ..theory.wave_operator import group_eigenvalues

    task = task_from_args(args)
    ev, cp = _finite_spectrum(task)
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
    import numpy as np

    from .._validate import require_memory
    from ..theory.wave_memory import simulate

    if args.steps < 0:
        raise CliError(f"--steps must be >= 0, got {args.steps}")
    task = task_from_args(args)
    # the trajectory (8 bytes a number), its Python list (32) and its text (~24)
    require_memory(64 * args.steps * task.d, f"simulate: {args.steps} steps of d = {task.d}")
    hist = _load_history(args.history, task)
    with np.errstate(over="ignore", invalid="ignore"):  # an unstable task may leave float64: checked below
        traj = simulate(task.boundary, hist, args.steps)
    if not np.all(np.isfinite(traj)):
        t = int(np.argmax(~np.all(np.isfinite(traj), axis=1)))
        raise ValueError(f"simulate: the trajectory leaves float64 at x({task.s + t}); use fewer --steps or smaller values")
    text = "\n".join(f"x({task.s + t}) = " + " ".join(f"{v:g}" for v in row) for t, row in enumerate(traj))
    return {"trajectory": traj.tolist()}, text or "(no steps)"


def cmd_demo(args: argparse.Namespace) -> tuple[Any, str]:
    import numpy as np

    from .._validate import rng as as_rng
    from ..io import locked_folder
    from ..plots import plot_spectrum, plot_trajectory
    from ..theory.tasks import repeat_copy, rollout
    from ..theory.wave_memory import simulate
    from ..theory.wave_operator import group_eigenvalues

    task = task_from_args(args) if task_given(args) else repeat_copy(3, 4)
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise CliError(f"--out: {out} is a file, expected a folder")
    ev, cp = _finite_spectrum(task)  # refuses what does not fit before any figure is drawn
    rng = as_rng(args.seed, "--seed")
    hist = rng.choice([-1.0, 1.0], size=(task.s, task.d))
    steps = 3 * task.s
    with np.errstate(over="ignore", invalid="ignore"):
        wave = simulate(task.boundary, hist, steps)
        direct = rollout(task, hist, steps)
        err = float(np.max(np.abs(wave - direct)))
    with locked_folder(out, "--out"):  # one writer; a failure (a full disk) leaves no folder it created
        f1 = plot_spectrum({"eig(Phi)": ev}, title=f"{task.name}: spectrum of Phi", path=out / "spectrum.png")
        f2 = plot_trajectory(np.concatenate([hist, wave]), task.s, title=f"{task.name}: wave memory trajectory",
                             path=out / "trajectory.png")
    result = {
        "task": task.name,
        "d": task.d,
        "s": task.s,
        "max_abs_diff_wave_vs_recursion": err,
        "charpoly": cp.tolist(),
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
