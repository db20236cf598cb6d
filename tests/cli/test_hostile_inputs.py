"""Hostile input that used to end as "internal error", a traceback, a hang or noise on stderr (issue 24).

Each test names the defect it pins down; each fails on the code before the fix (an IndexError, an
OverflowError, a raw escape sequence, a second writer in a locked folder, a warning on stderr...).
The contract is the CLI's: bad input is one line on stderr and exit status 2; a success prints
nothing on stderr.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import hostile_files
from wavetheory.cli import main
from wavetheory.io import locked_folder

ROOT = Path(__file__).resolve().parents[2]


def run(capsys, *argv):
    rc = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return rc, out, err


def refused(capsys, *argv, words: str = "") -> str:
    rc, out, err = run(capsys, *argv)
    assert rc == 2 and out == "" and err.count("\n") == 1 and err.startswith("wavetheory"), err
    assert "internal error" not in err and words in err, err
    return err


def subprocess_env(**extra: str) -> dict:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]), **extra}
    env.pop("WAVETHEORY_DEBUG", None)
    return env


# --------------------------------------------------------------------------- task IDs (items 4, 5, 16)


@pytest.mark.parametrize("ids, d, s, words", [
    ("3,8,0", 2, 1, "id2: 8 has more than d = 2 base-2 digits"),  # was IndexError in task_ids.rows_and_signs
    ("²,0,0", 2, 1, "three non-negative integers"),  # "²".isdigit() is True, int("²") is not: was "invalid literal"
    ("9" * 5000 + ",0,0", 2, 1, "--authors-task: Exceeds the limit (4300 digits)"),
], ids=["id2-digits", "superscript", "5000-digits"])
def test_hostile_authors_task_ids_are_one_line(capsys, ids, d, s, words):
    refused(capsys, "spectrum", "--authors-task", ids, "--d", d, "--s", s, words=words)


def test_a_huge_task_id_is_refused_from_its_bit_length():
    """A 2^23-bit ID1 (2 kB in a checkpoint) kept the quadratic bit loop busy past 60 s; its size says enough."""
    import wavetheory as wt

    with pytest.raises(ValueError, match=r"id1: <an integer of 8388609 bits> sets bit 8388608, but F has only s\*d = 4"):
        wt.authors_task(1 << (1 << 23), 0, 0, 2, 2)
    with pytest.raises(ValueError, match="id3: <an integer of 8388609 bits>"):
        wt.authors_task(3, 0, 1 << (1 << 23), 2, 2)


def test_hostile_task_ids_in_a_checkpoint_and_a_sweep_are_one_line(capsys, tmp_path):
    from checkpoint_files import authors_checkpoint

    authors_checkpoint(tmp_path / "a.ckpt", "rnn", d=2, s=1, H=6, task_id=(3, 8, 0))
    refused(capsys, "analyze", tmp_path / "a.ckpt", "--no-figures", words="a.ckpt: id2: 8 has more than d = 2")
    (tmp_path / "sweep.json").write_text(json.dumps({"tasks": [{"authors_task": [3, 8, 0], "d": 2, "s": 1}]}))
    refused(capsys, "sweep", tmp_path / "sweep.json", "--out", tmp_path / "out", words="tasks[0].authors_task: id2")
    assert not (tmp_path / "out").exists()


def test_a_hyper_parameter_that_is_a_tensor_is_named_with_the_file(capsys, tmp_path):
    import torch
    from checkpoint_files import authors_checkpoint

    authors_checkpoint(tmp_path / "a.ckpt", "rnn", d=2, s=2, H=6, task_id=(3, 0, 0), extra_hp={"hidden_dim": torch.tensor(6)})
    err = refused(capsys, "analyze", tmp_path / "a.ckpt", "--no-figures", words="a.ckpt: hyper_parameters.hidden_dim =")
    assert "truth value" not in err


# --------------------------------------------------------------------------- files (items 4, 15, 16)


@pytest.mark.parametrize("damage", ["encrypted", "method_99"])
def test_an_encrypted_or_unknown_method_member_of_a_checkpoint_is_one_line(capsys, tmp_path, damage):
    from checkpoint_files import authors_checkpoint

    authors_checkpoint(tmp_path / "a.ckpt", "rnn", d=2, s=2, H=6, task_id=(3, 0, 0))
    (tmp_path / "a.ckpt").write_bytes(hostile_files.NPZ[damage]((tmp_path / "a.ckpt").read_bytes()))
    refused(capsys, "analyze", tmp_path / "a.ckpt", "--no-figures",
            words="is encrypted" if damage == "encrypted" else "compression method 99")


def test_a_zero_size_dtype_of_ten_billion_elements_is_refused(capsys, tmp_path):
    (tmp_path / "w.npz").write_bytes(hostile_files.zero_size_dtype(b""))
    refused(capsys, "analyze", "--weights", tmp_path / "w.npz", "--task", "repeat-copy", "--d", "1", "--s", "1",
            "--no-figures", words="10000000000 elements of the zero-size type <U0")  # was "out of memory (74.5 GiB)", exit 1


def test_a_json_integer_of_4301_digits_is_named_with_the_file(capsys, tmp_path):
    (tmp_path / "t.json").write_text('{"lags": [[[' + "1" * 4301 + "]]]}")
    refused(capsys, "spectrum", "--lags", tmp_path / "t.json", words="t.json: not valid JSON (Exceeds the limit")


def test_a_csv_field_over_the_csv_limit_is_one_line(capsys, tmp_path):
    (tmp_path / "results.csv").write_text("cell_id,task,status\na,t," + "x" * 200_000 + "\n")
    refused(capsys, "sweep-report", tmp_path, words="results.csv: not a readable results table (field larger")
    assert not (tmp_path / "report").exists()


def test_threads_are_bounded_by_the_cores(capsys, tmp_path):
    refused(capsys, "train", "--task", "repeat-copy", "--d", "1", "--s", "1", "--threads", 100_000, "--out",
            tmp_path / "run", words=f"--threads: expected at most the {os.cpu_count()} CPU cores")
    (tmp_path / "s.json").write_text(json.dumps({"tasks": [{"name": "repeat-copy", "d": 1, "s": 1}],
                                                 "train": {"threads": 1_000_000}}))
    refused(capsys, "sweep", tmp_path / "s.json", "--out", tmp_path / "out", words="train.threads: expected at most")
    assert not (tmp_path / "run").exists() and not (tmp_path / "out").exists()


# --------------------------------------------------------------------------- what reaches the terminal (items 12, 16)


def test_control_characters_are_escaped_in_results_and_messages(capsys, monkeypatch, tmp_path):
    import wavetheory.cli.core as core

    monkeypatch.setattr(core, "cmd_tasks", lambda args: ({}, "task \x1b[31mred\x07\ttab\nline"))
    rc, out, err = run(capsys, "tasks")
    assert rc == 0 and out == "task \\x1b[31mred\\x07\ttab\nline\n"
    monkeypatch.setattr(core, "cmd_tasks", lambda args: (_ for _ in ()).throw(ValueError("name \x1b]0;pwned\x07 \x9b2J")))
    err = refused(capsys, "tasks")
    assert "\x1b" not in err and "\x07" not in err and "\x9b" not in err and "\\x1b]0;pwned\\x07 \\x9b2J" in err


def test_a_task_name_the_font_lacks_draws_without_a_warning(capsys, tmp_path):
    path = tmp_path / "bell\x07\x1b[31m.json"
    path.write_text('{"lags": [[[1]]]}')
    rc, out, err = run(capsys, "demo", "--lags", path, "--out", tmp_path / "demo")
    assert rc == 0 and err == "", err  # was "UserWarning: Glyph 7 (\x07) missing from font(s) DejaVu Sans."
    assert "bell\\x07\\x1b[31m" in out


def test_degenerate_weights_are_analyzed_without_numpy_warnings(capsys, tmp_path):
    np.savez(tmp_path / "zero.npz", W_hh=np.zeros((4, 4)), W_uh=np.zeros((4, 2)), W_hy=np.zeros((2, 4)))
    rc, out, err = run(capsys, "analyze", "--weights", tmp_path / "zero.npz", "--task", "repeat-copy", "--d", "2",
                       "--s", "2", "--no-figures", "--json")
    assert rc == 0 and err == "", err  # was "RuntimeWarning: invalid value encountered in scalar divide"
    assert json.loads(out)["hidden"] == 4


def test_no_matplotlib_warning_when_the_home_folder_is_not_writable(tmp_path):
    env = subprocess_env(HOME="/proc/nonexistent", XDG_CONFIG_HOME="", XDG_CACHE_HOME="")
    env.pop("MPLCONFIGDIR", None)
    done = subprocess.run([sys.executable, "-m", "wavetheory", "demo", "--out", tmp_path / "demo"], env=env,
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stderr == "", done.stderr  # was "Matplotlib created a temporary cache directory"


def test_a_closed_stdout_exits_141_without_a_message(tmp_path):
    p = subprocess.Popen([sys.executable, "-m", "wavetheory", "spectrum", "--task", "repeat-copy", "--d", "40",
                          "--s", "40", "--json"], env=subprocess_env(), cwd=tmp_path, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    assert p.stdout.read(10) == b'{"d": 40, '
    p.stdout.close()  # the reader goes away, as `| head -c 10` does
    err = p.stderr.read().decode()
    assert p.wait(timeout=120) == 141 and err == "", err  # was "wavetheory: error: [Errno 32] Broken pipe", exit 2


# --------------------------------------------------------------------------- launch and interrupts (item 9, issue 25)


def test_import_loads_no_numpy_and_lists_every_public_name():
    code = ("import sys, wavetheory, wavetheory.cli; assert 'numpy' not in sys.modules, 'numpy'; "
            "assert 'analyze' in dir(wavetheory) and set(wavetheory.__all__) <= set(dir(wavetheory)); "
            "from wavetheory import Phi, analyze; print(Phi.__module__, analyze.__module__)")
    done = subprocess.run([sys.executable, "-c", code], env=subprocess_env(), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.split() == ["wavetheory.theory.wave_operator",
                                                           "wavetheory.learning.analysis"], done.stderr


# --------------------------------------------------------------------------- output folders (items 3, 13)


@pytest.fixture
def fake_job(monkeypatch):
    """``run_main_job`` replaced by a recorder (the claims themselves are tested in tests/claims)."""
    import wavetheory.claims.reproduce as reproduce

    calls = []

    def job(out, **kw):
        calls.append((Path(out), (Path(out) / ".lock").exists()))
        (Path(out) / "claims.json").write_text("{}")
        return {"claims": {"C1": "PASS"}, "out": str(out), "figures": [], "wall_seconds": 0.0}

    monkeypatch.setattr(reproduce, "run_main_job", job)
    return calls


def test_reproduce_holds_the_folder_lock_and_refuses_a_second_run(capsys, tmp_path, fake_job):
    out = tmp_path / "out"
    rc, _, err = run(capsys, "reproduce", "--quick", "--claims", "C1", "--out", out)
    assert rc == 0 and fake_job == [(out, True)], err  # the job ran inside the lock
    with locked_folder(out):  # another reproduce (or train, sweep) is writing there
        refused(capsys, "reproduce", "--quick", "--claims", "C2", "--out", out, words="another run is writing")
    assert len(fake_job) == 1 and not (out / ".lock").exists()


def test_an_interrupted_reproduce_leaves_no_empty_folder(capsys, tmp_path, monkeypatch):
    import wavetheory.claims.reproduce as reproduce

    def interrupted(out, **kw):
        (Path(out) / ".claims.json.123.tmp").write_text("half")  # an atomic write cut short
        raise KeyboardInterrupt

    monkeypatch.setattr(reproduce, "run_main_job", interrupted)
    rc, _, err = run(capsys, "reproduce", "--quick", "--claims", "C1", "--out", tmp_path / "out")
    assert rc == 130 and err == "wavetheory: interrupted\n" and not (tmp_path / "out").exists()


@pytest.mark.parametrize("argv", [
    ["demo", "--out", "OUT"],
    ["analyze", "--weights", "W", "--task", "repeat-copy", "--d", "1", "--s", "1", "--out", "OUT"],
    ["sweep-report", "SWEEP", "--figures", "OUT"],
], ids=["demo", "analyze", "sweep-report"])
def test_every_command_that_writes_a_folder_locks_it(capsys, tmp_path, argv):
    np.savez(tmp_path / "w.npz", W_hh=np.eye(2) * 0.5, W_uh=np.ones((2, 1)), W_hy=np.ones((1, 2)))
    (tmp_path / "sweep").mkdir()
    (tmp_path / "sweep" / "results.csv").write_text("cell_id,task,status,accuracy,eig_match_mean\na,t,ok,1.0,0.01\n")
    out = tmp_path / "out"
    argv = [{"OUT": out, "W": tmp_path / "w.npz", "SWEEP": tmp_path / "sweep"}.get(a, a) for a in argv]
    with locked_folder(out):
        refused(capsys, *argv, words="another run is writing")
        assert sorted(p.name for p in out.iterdir()) == [".lock"]  # nothing written beside the other run's lock
    rc, _, err = run(capsys, *argv)
    assert rc == 0 and err == "" and not (out / ".lock").exists(), err


def test_demo_on_a_full_disk_leaves_no_folder_and_no_temporary(tmp_path):
    import resource

    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))  # the first figure fits, the second does not

    done = subprocess.run([sys.executable, "-m", "wavetheory", "demo", "--out", tmp_path / "demo"], env=subprocess_env(),
                          cwd=tmp_path, capture_output=True, text=True, timeout=120, preexec_fn=small_files)
    assert done.returncode == 2 and "File too large" in done.stderr, done.stderr
    assert not (tmp_path / "demo").exists()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_die_with_parent_ends_a_child_when_its_parent_is_killed(tmp_path):
    """The helper for the proof subprocesses of reproduce (item 14): SIGKILL the parent, the child follows."""
    code = ("import subprocess, sys, time; from wavetheory.io import die_with_parent; "
            "c = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'], preexec_fn=die_with_parent); "
            "print(c.pid, flush=True); time.sleep(60)")
    parent = subprocess.Popen([sys.executable, "-c", code], env=subprocess_env(), stdout=subprocess.PIPE, text=True)
    child = int(parent.stdout.readline())
    try:
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait(timeout=30)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and _alive(child):
            time.sleep(0.05)
        assert not _alive(child)
    finally:
        if _alive(child):
            os.kill(child, signal.SIGKILL)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


# --------------------------------------------------------------------------- fixes in theory/tasks and learning/config


def test_a_binding_with_a_huge_lag_is_refused_before_allocating(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("WAVETHEORY_MAX_BYTES", "64M")
    (tmp_path / "b.json").write_text('{"bindings": "x0(t-99999999999)"}')  # 745 GiB of lags: now a MemoryError, exit 1
    refused(capsys, "spectrum", "--lags", tmp_path / "b.json", words="needs about 745.1 GiB")


def test_train_config_bounds_its_threads():
    from wavetheory.learning.config import TrainConfig

    with pytest.raises(ValueError, match="threads: expected at most"):
        TrainConfig(threads=100_000)
