"""The ``wavetheory`` command line (argparse; heavy imports happen inside each command).

Each command lives in a module of this package that defines ``register(subparsers)``; the
module is listed in ``COMMAND_MODULES``. A command's function returns ``(result, text)``:
``result`` is printed as strict JSON with ``--json`` (non-finite numbers as null), ``text``
otherwise; a third element, a message, marks a run that did its work but failed in part (a
sweep with failed cells): the result is printed, the message goes to stderr, exit status 1.

Whatever escapes a command ends as ONE line on stderr, never a traceback (``WAVETHEORY_DEBUG=1``
re-raises it): bad input (ValueError, TypeError, OSError, an argparse error, a size over the
memory limit) exits 2; running out of memory (MemoryError, a torch allocation error) exits 1,
as does an unexpected error ("internal error", a bug to report); SIGINT exits 130 and SIGTERM
143, after the command has cleaned up (sweep workers stopped, locks released); a closed stdout
(``| head``) exits 141 (128 + SIGPIPE) without a message. Control characters of a message or a
text result (an ANSI escape in a task name) are printed escaped. A command line argparse
refuses is one line naming the command (``wavetheory spectrum: error: ...``), with a hint where one helps.

Global flags, before or after the command: ``--version``; ``-v``/``-q`` set how much progress the long
commands (reproduce, train, sweep) log as they go (``wavetheory.cli.logs``).
"""

from __future__ import annotations

import argparse
import importlib
import os
import re
import signal
import sys
import tempfile
import threading
import warnings
from typing import Any, Callable, Sequence

__all__ = ["main", "build_parser", "add_task_args", "task_given", "task_from_args", "CliError"]

# one module per group of commands; each registers its sub-commands
COMMAND_MODULES = ["core", "attention", "gradients", "symbolic", "sweep", "train", "reproduce"]


class CliError(Exception):
    """A usage error found after parsing (reported as one line, exit status 2)."""


class Terminated(BaseException):
    """SIGTERM (what ``kill``, Slurm's time-out and ``scancel`` send), raised in the main thread so that
    ``finally`` blocks and context managers clean up; a BaseException so that no ``except Exception`` eats it."""


class UsageError(CliError):
    """A command line argparse refuses; its message already reads ``wavetheory [COMMAND]: error: ...``."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, no usage dump
        raise UsageError(f"{self.prog}: error: {message}")

    def parse_args(self, args=None, namespace=None):  # type: ignore[override]
        ns, extra = self.parse_known_args(args, namespace)
        if extra:  # argparse would blame the top-level parser; name the command and say what to do
            command = getattr(ns, "command", None)
            prog = f"{self.prog} {command}" if command else self.prog
            raise UsageError(f"{prog}: error: unrecognized arguments: {' '.join(extra)}{_hint(ns, extra)}")
        return ns


def _hint(ns: argparse.Namespace, extra: list[str]) -> str:
    """A hint for stray arguments: a bare word where a command takes a task is the task's name."""
    word = next((e for e in extra if not e.startswith("-")), None)
    if word is not None and hasattr(ns, "task") and getattr(ns, "task", None) is None:
        return f" (name a task with --task, e.g. --task {word}; `wavetheory tasks` lists them)"
    return ""


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
        if len(ids) != 3 or not all(re.fullmatch(r"[0-9]+", i.strip()) for i in ids):  # isdigit() takes "²"
            raise CliError(f"--authors-task expects three non-negative integers ID1,ID2,ID3, got {authors!r}")
        from ..theory.tasks import authors_task

        try:
            numbers = [int(i) for i in ids]
        except ValueError as exc:  # more than 4300 digits (sys.set_int_max_str_digits)
            raise CliError(f"--authors-task: {exc}") from None
        return authors_task(*numbers, args.d, args.s)
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
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    _add_verbosity(parser, argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMAND_MODULES:
        importlib.import_module(f"{__name__}.{name}").register(sub)
    for command in sub.choices.values():  # the same flags after the command; unset there, they keep the global value
        _add_verbosity(command, argparse.SUPPRESS)
    return parser


def _add_verbosity(p: argparse.ArgumentParser, default: Any) -> None:
    g = p.add_mutually_exclusive_group()
    g.add_argument("-v", "--verbose", action="count", default=default,
                   help="more progress lines (-vv: debugging detail); with --json they go to stderr")
    g.add_argument("-q", "--quiet", action="store_true", default=default, help="no progress lines, only warnings and errors")


def version() -> str:
    """The installed distribution's version ("unknown" when run from a source tree that was never installed)."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as dist_version

    try:
        return dist_version("wavetheory")
    except PackageNotFoundError:
        return "unknown"


def _print_result(args: argparse.Namespace, result: Any, text: str) -> None:
    if getattr(args, "json", False):
        from ..io import json_text

        print(json_text(result))  # ASCII: json escapes every control character
    else:
        print(_CONTROL.sub(_escape, text))


# control characters other than newline and tab (ANSI escapes, C1 controls): shown escaped, never sent raw to a terminal
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _escape(m: re.Match) -> str:
    return repr(m.group())[1:-1]


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__  # one line, whatever the message holds
    return _CONTROL.sub(_escape, text)


def _is_out_of_memory(exc: BaseException) -> bool:
    text = str(exc).lower()  # torch: "DefaultCPUAllocator: can't allocate memory", "CUDA out of memory"
    return isinstance(exc, MemoryError) or (isinstance(exc, RuntimeError) and ("allocate" in text or "out of memory" in text))


def _on_sigterm(signum: int, frame: Any) -> None:
    raise Terminated()


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``wavetheory`` console script; returns the exit status (0, 1, 2, 130 or 143)."""
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _on_sigterm) if in_main_thread else None
    try:
        with warnings.catch_warnings():  # a title with a character the font lacks is drawn as a box: no need to say so
            warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from font", category=UserWarning)
            return _run(argv)
    finally:
        if in_main_thread:
            signal.signal(signal.SIGTERM, previous)


def _run(argv: Sequence[str] | None) -> int:
    try:
        _writable_matplotlib_folder()
        parser = build_parser()
        args = parser.parse_args(argv)
        if getattr(args, "version", False):
            print(f"wavetheory {version()}")
            return 0
        if args.command is None:
            parser.print_help()
            return 2
        func: Callable[[argparse.Namespace], tuple] = args.func
        from .logs import command_logging

        with command_logging(getattr(args, "verbose", 0) or 0, bool(getattr(args, "quiet", False)),
                             bool(getattr(args, "json", False))):
            result, text, *failure = func(args)
        _print_result(args, result, text)
        if failure and failure[0]:
            print(f"wavetheory: error: {_one_line(failure[0])}", file=sys.stderr)
            return 1
        return 0
    except KeyboardInterrupt:
        print("wavetheory: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader of stdout went away (`wavetheory tasks | head -1`): nothing left to say
        _silence_stdout()
        return 141
    except Terminated:
        print("wavetheory: terminated (SIGTERM)", file=sys.stderr)
        return 143
    except BaseException as exc:  # noqa: BLE001 - the one place where everything becomes one line
        if isinstance(exc, SystemExit) or os.environ.get("WAVETHEORY_DEBUG"):
            raise
        status, msg = _classify(exc)
        # argparse errors already name the command ("wavetheory spectrum: ..."); the rest get a prefix
        print(msg if msg.startswith("wavetheory") else f"wavetheory: {msg}", file=sys.stderr)
        return status


def _writable_matplotlib_folder() -> None:
    """Point MPLCONFIGDIR at a private folder when the home folder is not writable (HOME unset, read-only):
    matplotlib would otherwise warn on stderr on every run that draws."""
    if os.environ.get("MPLCONFIGDIR") or not hasattr(os, "getuid"):
        return
    default = os.path.join(os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config"),
                           "matplotlib")
    try:
        os.makedirs(default, exist_ok=True)  # what matplotlib itself does first
        if os.access(default, os.W_OK):
            return
    except OSError:
        pass
    folder = os.path.join(tempfile.gettempdir(), f"wavetheory-matplotlib-{os.getuid()}")
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        if os.stat(folder).st_uid == os.getuid():  # never a folder another user made
            os.environ["MPLCONFIGDIR"] = folder
    except OSError:
        pass


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so that the interpreter's final flush does not fail again on the closed pipe."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # stdout is not a file (captured by a test)
        pass


def _classify(exc: BaseException) -> tuple[int, str]:
    """(exit status, message) of an exception that escaped a command."""
    if isinstance(exc, UsageError):
        return 2, str(exc)  # already "wavetheory [COMMAND]: error: ..."
    if isinstance(exc, (CliError, ValueError, TypeError, OSError)):
        return 2, f"error: {_one_line(exc)}"
    if _is_out_of_memory(exc):
        return 1, (f"error: out of memory ({_one_line(exc)[:300]}); use smaller sizes, "
                   "or see the memory limit WAVETHEORY_MAX_BYTES in README (Guarantees)")
    return 1, (f"internal error: {type(exc).__name__}: {_one_line(exc)[:300]} "
               "(a bug; WAVETHEORY_DEBUG=1 shows the traceback)")
