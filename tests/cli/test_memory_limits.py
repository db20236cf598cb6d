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


# --------------------------------------------------------------------------- every input kind, measured
# The peak resident memory of a `wavetheory` subprocess (resource.getrusage(RUSAGE_CHILDREN).ru_maxrss, read by a
# wrapper process that runs nothing else) on a hostile file must stay within the memory limit above the peak of the
# same command on a tiny file (the interpreter, numpy, torch: the program's own memory, which no limit can bound).

import os  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402

import hostile_files  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
MIB = 1024 * 1024
SMALL = "64M"  # the limit of these runs: every hostile file asks for 4x to 1000x more
_WRAPPER = """
import json, resource, subprocess, sys
address_space = int(sys.argv[1])
def limit():
    if address_space:
        resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))
p = subprocess.run(sys.argv[2:], capture_output=True, text=True, preexec_fn=limit, timeout=60)
print(json.dumps({"rc": p.returncode, "err": p.stderr, "peak": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024}))
"""


def peak_run(argv: list, cwd: Path, limit: str = SMALL, address_space: int = 0) -> dict:
    """Run ``python -m wavetheory *argv`` under WAVETHEORY_MAX_BYTES=limit: its exit status, stderr and peak RSS (bytes)."""
    env = {**os.environ, MEMORY_ENV: limit, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    env.pop("WAVETHEORY_DEBUG", None)
    done = subprocess.run([sys.executable, "-c", _WRAPPER, str(address_space), sys.executable, "-m", "wavetheory",
                           *map(str, argv)], env=env, cwd=cwd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr  # the wrapper itself (a time-out is a failure too)
    return json.loads(done.stdout)


class Baselines(dict):
    """Peak RSS of the same commands on tiny valid files, measured on first use."""

    def __init__(self, root: Path, task: list) -> None:
        super().__init__()
        self.root, self.task = root, task

    def __missing__(self, kind: str) -> int:
        argv = ["spectrum", "--lags", self.root / "tiny.json"] if kind == "spectrum" else \
            ["analyze", self.root / f"tiny{kind}", *self.task]
        res = peak_run(argv, self.root)
        assert res["rc"] == 0, res
        self[kind] = res["peak"]
        return res["peak"]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """The hostile files (written once) and the baselines (the same commands on tiny valid files)."""
    import torch
    from checkpoint_files import authors_checkpoint

    root = tmp_path_factory.mktemp("limits")
    for name, make in hostile_files.CHECKPOINT_BOMBS.items():
        blob = make(128 << 20) if name == "deflated_storage_checkpoint" else make()  # 128 MiB: twice the limit
        for suffix in (".ckpt", ".pt"):
            (root / (name + suffix)).write_bytes(blob)
    authors_checkpoint(root / "tiny.ckpt", "rnn", d=2, s=2, H=6, task_id=(3, 0, 0))
    torch.save({"rnn.weight_hh_l0": torch.eye(6) * 0.5, "rnn.weight_ih_l0": torch.ones(6, 2),
                "readout.weight": torch.ones(2, 6)}, root / "tiny.pt")
    (root / "tiny.json").write_text('{"lags": [[[1]]]}')
    task = ["--task", "repeat-copy", "--d", "2", "--s", "2", "--no-figures"]
    return root, task, Baselines(root, task)


def _refused(res: dict, words: str = "") -> None:
    assert res["rc"] == 2 and len(res["err"].splitlines()) == 1 and words in res["err"], res["err"]


@pytest.mark.parametrize("suffix", [".ckpt", pytest.param(".pt", marks=pytest.mark.slow)])  # .pt: torch's import, 3 s
@pytest.mark.parametrize("name", sorted(hostile_files.CHECKPOINT_BOMBS))
def test_checkpoints_are_read_within_the_memory_limit(files, name, suffix):
    root, task, base = files
    res = peak_run(["analyze", root / (name + suffix), *task], root)
    _refused(res)
    assert res["peak"] <= base[suffix] + 64 * MIB, (res["peak"] / MIB, base[suffix] / MIB, res["err"])


@pytest.mark.slow  # torch's import and a baseline of its own
def test_train_resume_checks_the_checkpoint_before_torch_reads_it(files):
    root, _, base = files
    run = root / "run"
    run.mkdir()
    (run / "checkpoint.pt").write_bytes((root / "deflated_storage_checkpoint.pt").read_bytes())
    res = peak_run(["train", "--task", "repeat-copy", "--d", "1", "--s", "1", "--preset", "smoke", "--resume",
                    "--out", run], root)
    _refused(res, "checkpoint.pt: the storages: its members hold 128.0 MiB, more than the limit of 64.0 MiB")
    assert res["peak"] <= base[".pt"] + 64 * MIB, res["peak"] / MIB


def test_a_json_file_of_empty_objects_parses_within_the_limit(files):
    """8 MiB of `[{},{},...]` (the 1/32 of 256M a JSON input may have): 25x its text once parsed, within the limit."""
    root, _, base = files
    (root / "dicts.json").write_text("[" + ",".join(["{}"] * ((8 << 20) // 3)) + "]")
    res = peak_run(["spectrum", "--lags", root / "dicts.json"], root, limit="256M")
    _refused(res, "expected an object")
    assert res["peak"] <= base["spectrum"] + 256 * MIB, res["peak"] / MIB


@pytest.mark.parametrize("argv", [
    ["spectrum", "--lags", "/dev/zero"],
    ["simulate", "--task", "repeat-copy", "--d", "1", "--s", "1", "--steps", "1", "--history", "/dev/zero"],
    ["sweep", "/dev/zero.toml", "--out", "out"],
    ["sweep", "ZERO_TASK", "--out", "out"],
    ["sweep-report", "/dev/zero"],
], ids=["lags", "history", "sweep-config", "sweep-task-lags", "sweep-report"])
def test_a_device_is_refused_at_once(files, argv):
    """/dev/zero has st_size 0 and never ends: a reader trusting st_size grows until memory runs out (2.6 GB);
    the address space of these runs is capped at 4 GiB so that such a reader fails (exit 1) instead of the machine."""
    root = files[0]
    (root / "zero.toml").write_text('[[tasks]]\nlags = "/dev/zero"\n')
    (root / "devzero.toml").symlink_to("/dev/zero") if not (root / "devzero.toml").exists() else None
    argv = [str(root / "zero.toml") if a == "ZERO_TASK" else str(root / "devzero.toml") if a == "/dev/zero.toml" else a
            for a in argv]
    res = peak_run(argv, root, address_space=4 << 30)
    _refused(res, "a device, not a regular file")


def test_a_fifo_is_refused_without_waiting_for_a_writer(files):
    root, task, _ = files
    fifo = root / "pipe"
    if not fifo.exists():
        os.mkfifo(fifo)
    (root / "fifo.toml").write_text(f'[[tasks]]\nlags = "{fifo}"\n')
    for argv in (["spectrum", "--lags", fifo], ["analyze", "--weights", fifo.with_suffix(".npz"), *task],
                 ["analyze", "--weights", fifo.with_suffix(".ckpt"), *task], ["sweep", root / "fifo.toml", "--out", "o"]):
        for p in (fifo.with_suffix(".npz"), fifo.with_suffix(".ckpt")):
            if not p.exists():
                os.mkfifo(p)
        _refused(peak_run(argv, root), "FIFO")  # a reader that opens the FIFO blocks: the wrapper's time-out fails it


def test_sweep_results_and_grids_are_bounded(files):
    root = files[0]
    folder = root / "sweep"
    folder.mkdir(exist_ok=True)
    record = json.dumps({"cell_id": "a" * 16, "status": "ok", "accuracy": 1.0, "pad": "x" * 1000})
    (folder / "results.jsonl").write_text((record + "\n") * 21_000)  # 21 MB: more than 64M / 32
    _refused(peak_run(["sweep-report", folder], root), "allowed for a sweep journal")
    (folder / "results.jsonl").write_text('{"cell_id": "a", "x": ' + "[" * 40 + "]" * 40 + "}\n")
    _refused(peak_run(["sweep-report", folder], root), "nested deeper than 32 levels")
    (root / "grid.json").write_text(json.dumps({"tasks": [{"name": "repeat-copy", "d": 1, "s": 1}],
                                                 "seeds": list(range(1000)), "hidden": list(range(1, 1001)),
                                                 "steps": list(range(1, 1001))}))
    res = peak_run(["sweep", root / "grid.json", "--out", root / "grid"], root)
    _refused(res, "= 1000000000 cells, more than the 100000 a sweep may have")
    assert not (root / "grid").exists()
