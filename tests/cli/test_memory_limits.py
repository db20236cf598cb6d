"""The CLI refuses, before allocating, what would not fit the memory limit, and turns whatever still
escapes (MemoryError, a torch allocation error, an unexpected exception) into one line on stderr.

Every command of the issue that used to end in a MemoryError traceback, sometimes after minutes of
CPU, is run here with the machine's default limit (half its physical memory: each of these needs
tens of GiB to TiB, refused on any machine) and must return at once with one line.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from wavetheory._validate import MEMORY_ENV
from wavetheory.cli import main


def run(capsys, *argv):
    rc = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return rc, out, err


HUGE = [
    ["spectrum", "--task", "repeat-copy", "--s", "100000", "--d", "1000"],
    ["spectrum", "--task", "random-stable", "--s", "300", "--d", "300"],
    ["realizable", "--task", "repeat-copy", "--d", "2", "--s", "3", "--horizon", "1000000000"],
    ["sbc", "--d", "1000", "--s", "100000", "--steps", "1"],
    ["sbc-copy", "--d", "1000", "--s", "100000", "--steps", "1"],
    ["simulate", "--task", "repeat-copy", "--d", "1", "--s", "1", "--history", "HIST", "--steps", "100000000000"],
    ["gradients", "--task", "repeat-copy", "--d", "300", "--s", "300"],
    ["demo", "--task", "repeat-copy", "--d", "300", "--s", "300", "--out", "OUT"],
    ["train", "--task", "repeat-copy", "--d", "2", "--s", "2", "--hidden", "1000000", "--steps", "5", "--out", "OUT"],
    ["train", "--task", "repeat-copy", "--d", "2", "--s", "2", "--batch", "1000000000", "--steps", "5", "--out", "OUT"],
]


@pytest.mark.parametrize("argv", HUGE, ids=lambda a: " ".join(a[:6]))
def test_huge_requests_are_refused_before_any_work(capsys, tmp_path, monkeypatch, argv):
    monkeypatch.delenv(MEMORY_ENV, raising=False)  # the documented default: half the physical memory
    (tmp_path / "h.json").write_text('{"history": [[1]]}')
    argv = [str(tmp_path / "h.json") if a == "HIST" else str(tmp_path / "out") if a == "OUT" else a for a in argv]
    rc, out, err = run(capsys, *argv)
    assert rc == 2 and out == "", err
    assert len(err.strip().splitlines()) == 1 and "needs about" in err and MEMORY_ENV in err, err
    assert not (tmp_path / "out").exists()  # refused before the output folder was made


def test_the_limit_is_overridable(capsys, monkeypatch):
    argv = ["spectrum", "--task", "repeat-copy", "--d", "4", "--s", "8", "--json"]
    monkeypatch.setenv(MEMORY_ENV, "8K")  # Phi is 32 x 32: 8 kB, and the eigensolver needs copies
    rc, _, err = run(capsys, *argv)
    assert rc == 2 and "needs about" in err and "8.0 KiB" in err
    monkeypatch.setenv(MEMORY_ENV, "1M")
    rc, out, err = run(capsys, *argv)
    assert rc == 0 and len(json.loads(out)["eigenvalues"]) == 32, err
    monkeypatch.setenv(MEMORY_ENV, "lots")
    rc, _, err = run(capsys, *argv)
    assert rc == 2 and err.startswith(f"wavetheory: error: {MEMORY_ENV}: expected a size")


# --------------------------------------------------------------------------- what still escapes: one line


def _raising(exc: BaseException):
    def command(args):
        raise exc
    return command


@pytest.mark.parametrize("exc, status, words", [
    (MemoryError(), 1, "out of memory"),
    (RuntimeError("[enforce fail at alloc_cpu.cpp:127] DefaultCPUAllocator: can't allocate memory: you tried to "
                  "allocate 4000000000000 bytes.\nError code 12"), 1, "out of memory"),
    (RecursionError("maximum recursion depth exceeded"), 1, "internal error: RecursionError"),
    (KeyError("cell_id"), 1, "internal error: KeyError"),
    (ValueError("lags: bad\nsecond line"), 2, "error: lags: bad second line"),
    (OSError(28, "No space left on device"), 2, "No space left on device"),
    (KeyboardInterrupt(), 130, "interrupted"),
])
def test_anything_that_escapes_a_command_is_one_line(capsys, monkeypatch, exc, status, words):
    import wavetheory.cli.core as core

    monkeypatch.setattr(core, "cmd_tasks", _raising(exc))
    monkeypatch.delenv("WAVETHEORY_DEBUG", raising=False)
    rc, out, err = run(capsys, "tasks")
    assert rc == status and out == ""
    assert len(err.splitlines()) == 1 and err.startswith("wavetheory: ") and words in err and "Traceback" not in err


def test_debug_mode_shows_the_traceback(capsys, monkeypatch):
    import wavetheory.cli.core as core

    monkeypatch.setattr(core, "cmd_tasks", _raising(KeyError("x")))
    monkeypatch.setenv("WAVETHEORY_DEBUG", "1")
    with pytest.raises(KeyError):
        main(["tasks"])


def test_sigterm_during_a_command_cleans_up_and_exits_143(capsys, monkeypatch):
    import os
    import signal

    import wavetheory.cli.core as core

    cleaned = []

    def command(args):
        try:
            os.kill(os.getpid(), signal.SIGTERM)
            raise AssertionError("SIGTERM did not interrupt the command")
        finally:
            cleaned.append(True)

    before = signal.getsignal(signal.SIGTERM)
    monkeypatch.setattr(core, "cmd_tasks", command)
    rc, out, err = run(capsys, "tasks")
    assert rc == 143 and cleaned == [True] and err == "wavetheory: terminated (SIGTERM)\n"
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    assert "Ctrl-C exits 130,\n  SIGTERM 143" in readme  # the Guarantees section quotes these statuses
    assert signal.getsignal(signal.SIGTERM) is before  # main() restores the handler it replaced


def test_a_partial_failure_prints_the_result_then_one_line_and_exits_1(capsys, monkeypatch):
    import wavetheory.cli.core as core

    monkeypatch.setattr(core, "cmd_tasks", lambda args: ({"ok": 3, "error": 1}, "text", "1 of 4 cells failed"))
    rc, out, err = run(capsys, "tasks", "--json")
    assert rc == 1 and json.loads(out) == {"ok": 3, "error": 1} and err == "wavetheory: error: 1 of 4 cells failed\n"


def test_json_output_is_strict(capsys, monkeypatch):
    import wavetheory.cli.core as core

    monkeypatch.setattr(core, "cmd_tasks", lambda args: ({"x": float("nan"), "y": [float("inf")]}, "text"))
    rc, out, _ = run(capsys, "tasks", "--json")
    strict = json.loads(out, parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c)))
    assert rc == 0 and strict == {"x": None, "y": [None]}
