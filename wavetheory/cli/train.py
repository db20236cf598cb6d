"""Training and weight-analysis commands: ``train`` and ``analyze`` (C7-C11, C13; torch only in ``train``)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from . import CliError, add_json_flag, add_task_args, task_from_args, task_given


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("train", help="train a tanh Elman RNN (or GRU/LSTM, linear, LRU, S4D, wave-RNN) on a two-phase task "
                                     "with a horizon curriculum")
    add_task_args(p)
    p.add_argument("--out", required=True, metavar="DIR", help="output folder: weights.npz, metrics.json, checkpoint.pt")
    p.add_argument("--preset", default="default", metavar="NAME", help="configuration preset: " + ", ".join(_presets()))
    _add_config_flags(p)
    p.add_argument("--resume", action="store_true", help="continue the run in DIR from its checkpoint")
    p.add_argument("--ensemble", type=int, metavar="K", help="train seeds SEED..SEED+K-1 as one batched ensemble "
                   "(stacked weights; tanh or linear Elman cells) into DIR/seed<k>/ (on a GPU: --device cuda)")
    add_json_flag(p)
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("analyze", help="compare a trained RNN's weights with the wave operator Phi (C7-C10)")
    p.add_argument("dir", nargs="?", metavar="DIR|FILE", help="a training folder (weights.npz, metrics.json, task.json) "
                   "or a weights file like --weights")
    p.add_argument("--weights", metavar="FILE", help="an .npz with W_hh (H x H), W_uh (H x d), W_hy (d x H), "
                   "or a GRU/LSTM's (cell, weight_ih_l0, weight_hh_l0, W_hy: read at its linearization); "
                   "a torch state_dict (.pt, .pth); a PyTorch Lightning checkpoint (.ckpt, read without running "
                   "it; its hyper_parameters give the task)")
    add_task_args(p, required=False)
    p.add_argument("--road", choices=["readout", "input"], default="readout",
                   help="seed of the power-iteration basis: pinv(W_hy) (C8, default) or W_uh")
    p.add_argument("--align", action="store_true", help="Krylov-aligned basis K U^-1 (exact for tasks with lags < s)")
    p.add_argument("--rank", metavar="R", help="effective rank: truncate pinv(Psi) to R singular values, or 'auto'")
    p.add_argument("--rcond", type=float, default=1e-10, metavar="X", help="relative SVD cut-off of the pseudo-inverses")
    p.add_argument("--normalize", choices=["scalar", "columns"], default="scalar",
                   help="basis normalization: one scalar (default) or unit columns (the authors')")
    p.add_argument("--nonlinearity", choices=["tanh", "linear"], default="tanh",
                   help="activation for the waves (default tanh; GRU/LSTM files use their own cell)")
    p.add_argument("--lenses", action="store_true", help="also read fixed points, the operating point, Hankel DMD, Lyapunov "
                   "exponents and the authors' task-subspace metrics (torch; a few seconds)")
    p.add_argument("--delays", type=int, metavar="K", help="DMD delays (default s; with --lenses)")
    p.add_argument("--dmd-rank", type=int, metavar="R", help="DMD rank (default n_min of C16; with --lenses)")
    p.add_argument("--out", metavar="DIR", help="figure folder (default DIR/analysis or FILE's folder)")
    p.add_argument("--no-figures", action="store_true", help="do not draw figures")
    add_json_flag(p)
    p.set_defaults(func=cmd_analyze)


def _presets() -> list[str]:
    from ..learning.config import PRESETS

    return list(PRESETS)


def _config_fields() -> list:
    """The TrainConfig fields that become flags (``seed`` comes from the task arguments' --seed)."""
    import dataclasses

    from ..learning.config import TrainConfig

    return [f for f in dataclasses.fields(TrainConfig) if f.name != "seed"]


def _optional_float(text: str) -> float | None:
    return None if text.lower() == "none" else float(text)


def _add_config_flags(p: argparse.ArgumentParser) -> None:
    """One flag per TrainConfig field: type, choices and default read from the dataclass (torch-free)."""
    from ..learning.config import CELL_TYPES, INITS

    choices = {"init": INITS, "cell": CELL_TYPES, "device": ("auto", "cpu", "cuda")}
    g = p.add_argument_group("training configuration (TrainConfig; unset flags keep the preset's value)")
    for f in _config_fields():
        flag, kw = "--" + f.name.replace("_", "-"), {"default": argparse.SUPPRESS, "dest": f.name}  # unset: absent
        shown = " ".join(map(str, f.default)) if isinstance(f.default, tuple) else f.default
        help_ = f"{f.metadata.get('help', f.name)} (default {shown})"
        if isinstance(f.default, tuple):
            g.add_argument(flag, type=int, nargs="+", metavar="T", help=help_, **kw)
        elif f.name == "target":
            g.add_argument(flag, type=_optional_float, metavar="A|none", help=help_, **kw)
        elif f.name in choices:
            g.add_argument(flag, choices=choices[f.name], help=help_, **kw)
        else:
            g.add_argument(flag, type=type(f.default), metavar="N" if isinstance(f.default, int) else "X", help=help_, **kw)


def cmd_train(args: argparse.Namespace) -> tuple[Any, str]:
    from ..learning.config import TrainConfig
    from ..learning.trainer import train

    from .._validate import thread_count

    task = task_from_args(args)
    overrides = {f.name: getattr(args, f.name) for f in _config_fields() if hasattr(args, f.name)}
    if "threads" in overrides:
        thread_count(overrides["threads"], "--threads")
    if args.resume and (Path(args.out) / "checkpoint.pt").is_file():  # within the memory limit before torch reads it
        from ..checkpoint_reader import check_torch_file

        check_torch_file(Path(args.out) / "checkpoint.pt")
    if "horizons" in overrides:
        overrides["horizons"] = tuple(overrides["horizons"])
    config = TrainConfig.preset(args.preset, seed=args.seed, **overrides)
    if args.ensemble is not None:
        return _train_ensemble(task, config, args)
    m = train(task, config, args.out, resume=args.resume, callback=TrainProgress(config.steps)).to_json()
    result = {k: v for k, v in m.items() if k not in ("history", "eig_history")}
    result["eig_match_final"] = {"mean": m["eig_history"]["mean"][-1], "max": m["eig_history"]["max"][-1]} if m["eig_history"]["step"] else None
    lines = [f"trained {task.name} (d = {task.d}, s = {task.s}) for {m['steps']} steps in {m['wall_seconds']:.1f} s "
             f"({m['seconds_per_step'] * 1e3:.1f} ms/step, {m['device']})",
             f"accuracy on fresh sequences at horizon {config.horizons[-1]}: {m['accuracy']:.4f}"]
    for lv in m["curriculum"]:
        cleared = f"cleared at step {lv['step_cleared']} ({lv['wall_cleared']:.1f} s)" if "step_cleared" in lv else "not cleared"
        lines.append(f"  horizon {lv['horizon']:4d}: reached at step {lv['step_reached']}, {cleared}")
    if result["eig_match_final"] is not None:
        lines.append(f"eigenvalue match to Phi: mean {result['eig_match_final']['mean']:.4f}, max {result['eig_match_final']['max']:.4f}")
    lines.append(f"wrote {Path(args.out) / 'weights.npz'}, {Path(args.out) / 'metrics.json'}")
    return result, "\n".join(lines)


class TrainProgress:
    """``train``'s callback: a progress line every tenth of the step bound, and at least every ``every_seconds``.

    The time left is the step bound's remaining steps at the cost per step measured so far
    (``learning.estimates``): an upper bound, since a run stops when it reaches its target accuracy.
    """

    def __init__(self, steps: int, every_seconds: float = 30.0, clock=None) -> None:
        import time

        self.steps, self.every, self.every_seconds = steps, max(1, steps // 10), every_seconds
        self.clock = clock or time.monotonic
        self.first: tuple[int, float] | None = None  # (step, time) of the first step seen (a resumed run starts late)
        self.last = 0.0

    def __call__(self, step: int, metrics: dict) -> None:
        import logging

        from ..learning.estimates import Finished, Work, format_duration, remaining_seconds

        now = self.clock()
        if self.first is None:
            self.first, self.last = (step, now), now
            return
        if step % self.every and now - self.last < self.every_seconds and step < self.steps:
            return
        self.last = now
        done, elapsed = step - self.first[0], now - self.first[1]
        left = remaining_seconds([Work("run", self.steps - step)], [Finished(Work("run", max(done, 1)), done, elapsed)]) \
            if step < self.steps and done > 0 else 0.0
        logging.getLogger(__name__).info(
            "train: step %d of at most %d, horizon %s, loss %.4g, batch accuracy %.3f; %s, at most %s left",
            step, self.steps, metrics.get("horizon"), metrics.get("loss", float("nan")),
            metrics.get("accuracy", float("nan")), format_duration(elapsed), format_duration(left))


def _train_ensemble(task: Any, config: Any, args: argparse.Namespace) -> tuple[Any, str]:
    """``train --ensemble K``: seeds SEED..SEED+K-1 of one configuration as one batched ensemble."""
    import dataclasses

    from .._validate import positive_int
    from ..learning.ensemble import train_ensemble

    positive_int(args.ensemble, "--ensemble")
    if args.resume:
        raise CliError("--ensemble: an ensemble has no intermediate checkpoints to resume (finished seeds are read back)")
    configs = [dataclasses.replace(config, seed=config.seed + k) for k in range(args.ensemble)]
    outs = [Path(args.out) / f"seed{c.seed}" for c in configs]
    runs = [r.to_json() for r in train_ensemble(task, configs, outs)]
    result = {"ensemble": [{k: v for k, v in m.items() if k not in ("history", "eig_history")} for m in runs]}
    lines = [f"trained {task.name} (d = {task.d}, s = {task.s}) as an ensemble of {len(runs)} seeds ({runs[0]['device']})"]
    lines += [f"  seed {c.seed}: {m['steps']} steps, accuracy {m['accuracy']:.4f} on {m['eval_size']} fresh sequences"
              + (f", target reached at step {m['target_step']}" if m["target_step"] is not None else "") + f" -> {o}"
              for c, m, o in zip(configs, runs, outs)]
    return result, "\n".join(lines)


def analysis_bytes(H: int, d: int, s: int) -> int:
    """Memory of ``analyze``: eigensolvers and power bases of W_hh (~8 H x H), Phi and its alignment (~6 sd x sd),
    and the hidden states of 256 fresh sequences of 3 s steps with their waves (~4 copies)."""
    from .._validate import matrix_bytes

    return matrix_bytes(H, H, copies=8) + matrix_bytes(s * d, s * d, copies=6) + matrix_bytes(256 * 3 * s, H + s * d, copies=4)


def cmd_analyze(args: argparse.Namespace) -> tuple[Any, str]:
    from .._validate import require_memory
    from ..io import locked_folder, read_json
    from ..learning.analysis import analyze
    from ..learning.interop import load_network
    from ..plots import analysis_figures
    from ..theory.tasks import load_task

    if (args.dir is None) == (args.weights is None):
        raise CliError("give either a training folder DIR or a weights file (FILE or --weights FILE), one of them")
    if args.dir is not None and (Path(args.dir).is_file() or Path(args.dir).suffix in (".npz", ".pt", ".pth", ".ckpt")):
        # `analyze FILE`: the same as --weights FILE
        args.weights, args.dir = args.dir, None
    weights = Path(args.weights) if args.weights else Path(args.dir) / "weights.npz"
    imported = load_network(weights)
    if task_given(args):
        task = task_from_args(args)
        _check_against_file(task, imported.task, weights)
    elif imported.task is not None:
        task = imported.task  # a checkpoint's hyper_parameters name it
    elif args.dir is not None and (Path(args.dir) / "task.json").exists():
        task = load_task(Path(args.dir) / "task.json")
    else:
        raise CliError("a task is required: --task NAME --d D --s S, --lags FILE, or --authors-task ID1,ID2,ID3 --d D --s S")
    rank = args.rank
    if rank is not None and rank != "auto":
        if not rank.isdigit() or int(rank) < 1:
            raise CliError(f"--rank must be an integer >= 1 or 'auto', got {rank}")
        rank = int(rank)
    rnn, init = imported.network, imported.init
    require_memory(analysis_bytes(rnn.hidden, task.d, task.s), f"analyze: H = {rnn.hidden}, s*d = {task.s * task.d}")
    import numpy as np

    for flag, v in (("--delays", args.delays), ("--dmd-rank", args.dmd_rank)):
        if v is not None and (v < 1 or not args.lenses):
            raise CliError(f"{flag} must be an integer >= 1 and needs --lenses, got {v}")
    with np.errstate(invalid="ignore", divide="ignore"):  # degenerate weights (all zero): readings are NaN, printed as null
        res = analyze(rnn, task, init, road=args.road, rcond=args.rcond, rank=rank, normalize=args.normalize,
                      align=args.align, nonlinearity=args.nonlinearity, seed=args.seed, lenses=args.lenses,
                      delays=args.delays, dmd_rank=args.dmd_rank)
    summary = res.to_json()
    summary["network"] = imported.to_json()
    if not args.no_figures:
        out = Path(args.out) if args.out else (Path(args.dir) / "analysis" if args.dir else weights.parent / f"{weights.stem}-analysis")
        metrics_path = Path(args.dir) / "metrics.json" if args.dir else None
        metrics = read_json(metrics_path) if metrics_path is not None and metrics_path.exists() else None
        with locked_folder(out, "--out"):
            summary["figures"] = analysis_figures(res, out, title=task.name, history=metrics)
            if args.lenses:
                summary["figures"].append(str(res.plot(out / "lenses.png", title=task.name)))
    summary.setdefault("readings", res.readings())
    em = summary["eig_match"]
    lines = [
        f"{weights}: H = {summary['hidden']}, task {task.name} (d = {task.d}, s = {task.s})"
        + (f", {summary['cell']} read at its linearization at 0 (C14)" if summary.get("cell") in ("gru", "lstm")
           else ", an Elman network with biases (W_hh is its linearization nowhere: read the lenses, --lenses)"
           if summary.get("cell") == "rnn" else f", {summary['cell']} read through its linear part" if "cell" in summary else "")
        + ("" if imported.source == "npz" else f"; read by {imported.source}"
           + (f", {len(imported.placeholders)} globals of the file not run" if imported.placeholders else "")),
        f"eigenvalues of W_hh (C7): angle error max {em['angle_max']:.4f} rad; matched |lambda| mean "
        f"{em['modulus_mean']:.4f}; {summary['n_outside']} further outside radius {summary['radius']:.3f}; clusters "
        + " ".join(f"{c['learned']}/{c['multiplicity']}" for c in summary["clusters"]),
        "readings (value, declared threshold, verdict):",
        res.summary(),
        "gradients ||dh(1+k)/dx(1)|| (C10), k = 1..2s:",
        "  before: " + (" ".join(f"{g:.3g}" for g in summary["grad_before"]) if summary["grad_before"] else "(no initial weights)"),
        "  after:  " + " ".join(f"{g:.3g}" for g in summary["grad_after"]),
    ]
    if "diagonal" in summary:  # LRU / S4D: Lambda against the folded target spectrum (C15)
        dg = summary["diagonal"]
        lines.append(f"diagonal Lambda (C15): {dg['n_target']} target states of {dg['n_learned']}; angle error mean "
                     f"{dg['angle_mean']:.4f}, max {dg['angle_max']:.4f} rad; matched |lambda| mean {dg['modulus_mean']:.4f}, "
                     f"min {dg['modulus_min']:.4f}; largest leftover |lambda| {dg['extra_modulus_max']:.4f}")
    if "figures" in summary:
        lines.append("figures: " + ", ".join(summary["figures"]))
    return summary, "\n".join(lines)


def _check_against_file(task, named, weights: Path) -> None:
    """CliError when the task flags contradict the task a checkpoint names (its d, s or lags): never silently one of them."""
    import numpy as np

    if named is None:
        return
    for key, flag in (("d", "--d"), ("s", "--s")):
        if getattr(task, key) != getattr(named, key):
            raise CliError(f"{flag} {getattr(task, key)} does not match {weights.name}, whose hyper_parameters name "
                           f"{named.name} with {key} = {getattr(named, key)}; drop the task flags to use the file's task")
    if not np.array_equal(task.lags, named.lags):
        raise CliError(f"the task flags ({task.name}) do not match {weights.name}, whose hyper_parameters name {named.name} "
                       f"(d = {named.d}, s = {named.s}); drop the task flags to use the file's task")
