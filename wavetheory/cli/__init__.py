"""The ``wavetheory`` command line (argparse; heavy imports happen inside each command).

Each command lives in a module of this package that defines ``register(subparsers)``; the
module is listed in ``COMMAND_MODULES``. A command's function returns ``(result, text)``:
``result`` is printed as JSON with ``--json``, ``text`` otherwise.

Bad input (ValueError, TypeError, OSError raised by the library, or an argparse error) prints
one line ``wavetheory: error: ...`` on stderr and exits with status 2.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from typing import Any, Callable, Sequence

__all__ = ["main", "build_parser", "add_task_args", "task_given", "task_from_args", "CliError"]

# one module per group of commands; each registers its sub-commands
COMMAND_MODULES = ["core", "attention", "gradients", "symbolic", "sweep", "train", "reproduce"]


class CliError(Exception):
    """A usage error found after parsing (reported as one line, exit status 2)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, no usage dump
        raise CliError(f"{self.prog}: {message}")


def add_task_args(p: argparse.ArgumentParser, required: bool = True) -> None:
    """``(--task NAME --d D --s S [--seed K] | --lags FILE | --authors-task ID1,ID2,ID3 --d D --s S)`` for every task command."""
    g = p.add_argument_group("task (a library task, or a JSON file of lags)")
    g.add_argument("--task", metavar="NAME", help="a task of the library (see `wavetheory tasks`)")
    g.add_argument("--d", type=int, metavar="D", help="state width d")
    g.add_argument("--s", type=int, metavar="S", help="history length s")
    g.add_argument("--seed", type=int, default=0, metavar="K", help="seed for random tasks and data (default 0)")
    g.add_argument("--lags", metavar="FILE", help='JSON file {"lags": [A_1, ..., A_s]} or {"bindings": "..."}')
    g.add_argument("--authors-task", metavar="ID1,ID2,ID3", help="the authors' task ID (binary linear VB) with --d D --s S")
    p.set_defaults(_task_required=required)


def task_given(args: argparse.Namespace) -> bool:
    """True when the command line names a task (--task, --lags or --authors-task)."""
    return any(getattr(args, k, None) is not None for k in ("task", "lags", "authors_task"))


def task_from_args(args: argparse.Namespace):
    """Build the LinearHDS named by the task arguments, or raise CliError."""
    from ..theory.tasks import load_task
    from ..theory.task_library import make_task

    authors = getattr(args, "authors_task", None)
    if authors is not None:
        if args.task is not None or args.lags is not None:
            raise CliError("give one of --task, --lags or --authors-task")
        if args.d is None or args.s is None:
            raise CliError("--authors-task needs --d D and --s S")
        ids = authors.split(",")
        if len(ids) != 3 or not all(i.strip().isdigit() for i in ids):
            raise CliError(f"--authors-task expects three non-negative integers ID1,ID2,ID3, got {authors!r}")
        from ..theory.tasks import authors_task

        return authors_task(*(int(i) for i in ids), args.d, args.s)
    if args.lags is not None:
        if args.task is not None:
            raise CliError("give either --task or --lags, not both")
        task = load_task(args.lags)
        if args.d is not None and args.d != task.d:
            raise CliError(f"--d {args.d} does not match the task file (d = {task.d})")
        if args.s is not None and args.s != task.s:
            raise CliError(f"--s {args.s} does not match the task file (s = {task.s})")
        return task
    if args.task is None:
        raise CliError("a task is required: --task NAME --d D --s S, --lags FILE, or --authors-task ID1,ID2,ID3 --d D --s S")
    if args.d is None or args.s is None:
        raise CliError(f"--task {args.task} needs --d D and --s S")
    return make_task(args.task, args.d, args.s, seed=args.seed)


def add_json_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print machine-readable JSON")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="wavetheory",
        description="Traveling-wave theory of working memory in RNNs (Karuvally, Sejnowski, Siegelmann, ICML 2024).",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMAND_MODULES:
        importlib.import_module(f"{__name__}.{name}").register(sub)
    return parser


def _print_result(args: argparse.Namespace, result: Any, text: str) -> None:
    if getattr(args, "json", False):
        from ..io import _jsonable

        print(json.dumps(result, default=_jsonable))
    else:
        print(text)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``wavetheory`` console script; returns the exit status."""
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help()
            return 2
        func: Callable[[argparse.Namespace], tuple[Any, str]] = args.func
        result, text = func(args)
        _print_result(args, result, text)
        return 0
    except (CliError, ValueError, TypeError, OSError) as exc:
        msg = " ".join(str(exc).split())  # one line, whatever the message holds
        # argparse errors already name the command ("wavetheory spectrum: ..."); the rest get a prefix
        print(msg if msg.startswith("wavetheory") else f"wavetheory: error: {msg}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("wavetheory: interrupted", file=sys.stderr)
        return 130
