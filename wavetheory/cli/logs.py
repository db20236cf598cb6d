"""Progress lines of the command line: the ``wavetheory`` logger for the length of one command (``-v``/``-q``).

Every module of the package logs through ``logging.getLogger(__name__)`` (a child of ``wavetheory``); nothing
is shown unless a command line set it up. The CLI shows, for one command:

* progress (INFO; DEBUG with ``-vv``) as plain lines, flushed one by one, so that they appear as they happen
  in a terminal, a file (``wavetheory reproduce --quick > log.txt``) or a CI log alike (tqdm's bars turn
  themselves off without a terminal; these lines do not). They go to **stdout** with the command's text
  output, and to **stderr** with ``--json`` (stdout is the JSON document only), where they appear with ``-v``;
* warnings and errors on stderr;
* ``-q``: warnings and errors only.
"""

from __future__ import annotations

import contextlib
import logging
import sys
from typing import Iterator

__all__ = ["LOGGER", "level_for", "command_logging"]

LOGGER = "wavetheory"
FORMAT, DATEFMT = "%(asctime)s %(message)s", "%H:%M:%S"


class _Stream(logging.StreamHandler):
    """A handler writing to ``sys.<name>`` as it is at each record (tests and callers may swap the streams)."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self._name = name

    @property
    def stream(self):  # type: ignore[override]
        return getattr(sys, self._name)

    @stream.setter
    def stream(self, value) -> None:  # StreamHandler.__init__ assigns it; the live stream is read instead
        pass

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 - a closed pipe ends the command like print's
        raise  # noqa: PLE0704 - re-raises the error being handled (logging's default prints a traceback)


def level_for(verbose: int, quiet: bool, json_mode: bool) -> int:
    """The ``wavetheory`` logger's level: -q WARNING; else INFO, -v DEBUG; with --json WARNING, -v INFO, -vv DEBUG."""
    if quiet:
        return logging.WARNING
    if verbose >= 2 or (verbose == 1 and not json_mode):
        return logging.DEBUG
    return logging.INFO if verbose == 1 or not json_mode else logging.WARNING


@contextlib.contextmanager
def command_logging(verbose: int = 0, quiet: bool = False, json_mode: bool = False) -> Iterator[logging.Logger]:
    """Show the ``wavetheory`` logger's records while the block runs (rules in the module docstring); undo it after."""
    log = logging.getLogger(LOGGER)
    progress, problems = _Stream("stderr" if json_mode else "stdout"), _Stream("stderr")
    progress.addFilter(lambda r: r.levelno < logging.WARNING)
    problems.setLevel(logging.WARNING)
    for h in (progress, problems):
        h.setFormatter(logging.Formatter(FORMAT, DATEFMT))
        log.addHandler(h)
    old_level, old_propagate = log.level, log.propagate
    log.setLevel(level_for(verbose, quiet, json_mode))
    log.propagate = False  # a caller's root handlers (pytest's, an application's) do not print them twice
    try:
        yield log
    finally:
        log.removeHandler(progress)
        log.removeHandler(problems)
        log.setLevel(old_level)
        log.propagate = old_propagate
