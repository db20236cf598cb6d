"""Sweep runs: the command line, resume after a kill, failed cells, the executors and backends.

The config grid and cell ids are tested in test_config.py, the journal and table in test_results.py,
the statistics in test_report.py.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import processes
import sweep_cells
from sweep_cells import CONFIG
from wavetheory.cli import main
from wavetheory.sweeps.run import (
    JOURNAL, NONDETERMINISTIC_FIELDS, TABLE, Journal, load_config, read_results, run_sweep,
)

TESTS = Path(__file__).resolve().parents[1]  # tests/ (sweep_cells.py lives there)


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def _stable(records: list[dict]) -> dict[str, dict]:
    """Records by cell id without the machine- and clock-dependent fields (and empty CSV cells)."""
    return {r["cell_id"]: {k: v for k, v in r.items() if k not in NONDETERMINISTIC_FIELDS and v is not None}
            for r in records}


# --------------------------------------------------------------------------- the command line


def test_cli_bad_config_one_line_exit_2(tmp_path, capsys):
    bad = _write(tmp_path / "bad.toml", '[[tasks]]\nname = "repeat-copy"\nd = 2\ns = 3\n[train]\nlr = "fast"\n')
    syntax = _write(tmp_path / "syntax.toml", "seeds = [0,\n")
    for argv in (["sweep", str(bad), "--out", str(tmp_path / "o")],
                 ["sweep", str(syntax), "--out", str(tmp_path / "o")],
                 ["sweep", str(tmp_path / "none.toml"), "--out", str(tmp_path / "o")],
                 ["sweep", str(bad), "--out", str(tmp_path / "o"), "--workers", "two"],
                 ["sweep", str(bad), "--out", str(tmp_path / "o"), "--backend", "ray"],
                 ["sweep", str(bad), "--out", str(tmp_path / "o"), "--executor", "ray"],
                 ["sweep-report", str(tmp_path / "nothing-here")]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and err.startswith("wavetheory"), err
    assert "train.lr" in _cli_error(tmp_path, capsys, ["sweep", str(bad), "--out", str(tmp_path / "o")])


def _cli_error(tmp_path, capsys, argv) -> str:
    assert main(argv) == 2
    return capsys.readouterr().err


# --------------------------------------------------------------------------- journal, resume, failures


def test_torn_journal_line_is_cut_and_its_cell_reruns(tmp_path):
    cfg = sweep_cells.grid(n_seeds=2, tasks=1)
    with ThreadPoolExecutor(2) as ex:
        run_sweep(cfg, tmp_path, executor=ex, workers=2, cell_fn=sweep_cells.fake_cell, progress=False)
    lines = (tmp_path / JOURNAL).read_bytes().splitlines(keepends=True)
    # a kill during the write of the last record leaves half a line
    (tmp_path / JOURNAL).write_bytes(lines[0] + lines[1][: len(lines[1]) // 2])
    assert len(Journal(tmp_path / JOURNAL).load()) == 1
    with ThreadPoolExecutor(2) as ex:
        res = run_sweep(cfg, tmp_path, executor=ex, workers=2, cell_fn=sweep_cells.fake_cell, progress=False)
    assert (res["skipped"], res["ok"]) == (1, 1)
    records = Journal(tmp_path / JOURNAL).load()
    assert len(records) == 2 and sorted(r["cell_id"] for r in records) == sorted(c.id for c in cfg.cells())
    assert [r["cell_id"] for r in read_results(tmp_path / TABLE)] == [c.id for c in cfg.cells()]


def test_crash_after_k_records_loses_nothing(tmp_path):
    cfg = sweep_cells.grid(n_seeds=4)
    k = 3

    def crash(record: dict) -> None:  # the driver dies right after the k-th record is on disk
        if len(Journal(tmp_path / JOURNAL).load()) == k:
            raise RuntimeError("simulated crash of the driver")

    with pytest.raises(RuntimeError, match="simulated crash"), ThreadPoolExecutor(1) as ex:
        run_sweep(cfg, tmp_path, executor=ex, workers=1, cell_fn=sweep_cells.fake_cell, progress=False, on_record=crash)
    before = Journal(tmp_path / JOURNAL).load()
    assert len(before) == k and len(read_results(tmp_path / TABLE)) == k
    with ThreadPoolExecutor(2) as ex:
        res = run_sweep(cfg, tmp_path, executor=ex, workers=2, cell_fn=sweep_cells.fake_cell, progress=False)
    assert (res["skipped"], res["ok"], res["error"]) == (k, 8 - k, 0)
    ran = sweep_cells.runs(tmp_path)
    assert sorted(ran) == sorted(c.id for c in cfg.cells())  # every cell ran exactly once
    assert Journal(tmp_path / JOURNAL).load()[:k] == before


def test_resume_after_sigkill_of_a_running_sweep(tmp_path):
    """Kill a real sweep process (driver and local workers) mid-way; the finished cells survive."""
    script = _write(tmp_path / "drive.py", textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(TESTS)!r})
        import sweep_cells
        from wavetheory.sweeps.run import run_sweep
        if __name__ == "__main__":
            run_sweep(sweep_cells.grid(n_seeds=4), {str(tmp_path / "out")!r}, workers=2,
                      cell_fn=sweep_cells.fake_cell, progress=False)
    """))
    env = {**os.environ, "WT_SWEEP_TEST_DELAY": "0.3"}
    proc = subprocess.Popen([sys.executable, str(script)], env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    journal = Journal(tmp_path / "out" / JOURNAL)
    deadline = time.monotonic() + 60
    while len(journal.load()) < 3 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)  # the group holds only the driver and its workers
    proc.wait()
    before = journal.load()
    assert 3 <= len(before) < 8, proc.stderr.read().decode()[-2000:]
    with ThreadPoolExecutor(2) as ex:
        res = run_sweep(sweep_cells.grid(n_seeds=4), tmp_path / "out", executor=ex, workers=2,
                        cell_fn=sweep_cells.fake_cell, progress=False)
    assert res["skipped"] == len(before) and res["ok"] == 8 - len(before)
    after = Journal(tmp_path / "out" / JOURNAL).load()
    assert after[: len(before)] == before  # nothing finished was lost or rewritten
    ran = sweep_cells.runs(tmp_path / "out")
    assert all(ran.count(r["cell_id"]) == 1 for r in before)  # finished cells never ran again
    assert sorted({r["cell_id"] for r in after}) == sorted(c.id for c in sweep_cells.grid(n_seeds=4).cells())


def test_failing_and_dying_cells_are_recorded_and_the_sweep_goes_on(tmp_path):
    """Local process pool: a cell that raises, and one that kills its worker process."""
    cfg = sweep_cells.grid(n_seeds=1, hidden=(8, sweep_cells.UNLUCKY, sweep_cells.KILLER, 9, sweep_cells.NESTED), tasks=1)
    res = run_sweep(cfg, tmp_path, workers=2, cell_fn=sweep_cells.fake_cell, progress=False)
    assert (res["ok"], res["error"]) == (2, 3)
    rows = {r["hidden"]: r for r in read_results(tmp_path / TABLE)}
    assert rows[sweep_cells.UNLUCKY]["error_type"] == "ValueError"
    assert rows[sweep_cells.UNLUCKY]["error"] == "hidden 13 is unlucky"
    assert rows[sweep_cells.UNLUCKY]["error_where"].startswith("sweep_cells.py:")
    killer = rows[sweep_cells.KILLER]
    assert killer["error_type"] == "BrokenProcessPool" and killer["attempt"] == 2
    assert rows[8]["status"] == rows[9]["status"] == "ok"
    assert rows[sweep_cells.NESTED]["error"] == "cell function: record['curve'] must be a scalar (a flat record), got list"
    assert sweep_cells.runs(tmp_path).count(killer["cell_id"]) == 2  # once in the pool, once alone
    # finished cells are skipped, failed ones run again only on request
    res = run_sweep(cfg, tmp_path, executor=ThreadPoolExecutor(1), workers=1, cell_fn=sweep_cells.fake_cell,
                    progress=False)
    assert (res["skipped"], res["ok"], res["error"]) == (5, 0, 0)


def test_a_second_driver_on_the_same_folder_is_refused(tmp_path):
    from wavetheory.io import locked_folder

    with locked_folder(tmp_path):  # what a running driver (or a train run) holds
        with pytest.raises(ValueError, match="another run is writing to"):
            run_sweep(sweep_cells.grid(1), tmp_path, executor=ThreadPoolExecutor(1), cell_fn=sweep_cells.fake_cell)


# --------------------------------------------------------------------------- the real cell on both backends


@pytest.mark.slow  # ~15 s on 2 idle cores: two pools of 2 workers, each importing torch
def test_local_and_dask_backends_give_the_same_records(tmp_path, capsys):
    """Real train + analyze cells (30 steps): a spawn process pool vs a running Dask cluster (--scheduler)."""
    distributed = pytest.importorskip("distributed")  # in the test extra; skipped only on a bare install
    cfg = load_config(_write(tmp_path / "s.toml", CONFIG))
    local = run_sweep(cfg, tmp_path / "local", backend="local", workers=2, progress=False)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        argv = ["sweep", str(tmp_path / "s.toml"), "--out", str(tmp_path / "dask"), "--backend", "dask",
                "--scheduler", cluster.scheduler_address]
        assert main([*argv, "--json"]) == 1  # the command line joins the cluster like a remote one; 2 cells fail
        dask = json.loads(capsys.readouterr().out)
        # a second run finds everything recorded (and still reports the two failed cells)
        assert main(argv) == 1
        out, err = capsys.readouterr()
        assert "4 already recorded, ran 0 ok and 0 failed" in out and "2 of 4 cells failed" in err
    # hidden 4 < s*d = 6: the trainer refuses (the wave init cannot fit, and the spectrum match it
    # tracks during training needs s*d eigenvalues); the sweep records the errors and goes on
    assert (local["ok"], local["error"]) == (dask["ok"], dask["error"]) == (2, 2)
    a, b = read_results(tmp_path / "local"), read_results(tmp_path / "dask")
    assert _stable(a) == _stable(b)  # same seeds, same numbers, to the last bit
    failed = [r for r in a if r["status"] == "error"]
    assert {(r["hidden"], r["error_type"]) for r in failed} == {(4, "ValueError")}
    assert all("s*d = 6" in r["error"] for r in failed)
    ok = [r for r in a if r["status"] == "ok"]
    assert all(0 <= r["accuracy"] <= 1 and r["eig_match_mean"] >= 0 for r in ok)
    assert all((tmp_path / "local" / "cells" / r["cell_id"] / "weights.npz").exists() for r in ok)
    # CSV round trip: the table reads back to the journal's records
    assert _stable(read_results(tmp_path / "local" / TABLE)) == _stable(a)
    assert main(["sweep-report", str(tmp_path / "dask")]) == 0  # the report on a real table
    text = capsys.readouterr().out
    assert "signed-selection(d=2,s=3,seed=0)" in text and "failed x1: ValueError: hidden: init 'wave'" in text


def test_dask_backend_starts_its_own_local_cluster(tmp_path, monkeypatch):
    """Without --scheduler the dask backend starts (and stops) a LocalCluster of ``workers`` processes."""
    pytest.importorskip("distributed")
    monkeypatch.setenv("WT_SWEEP_TEST_DELAY", "0.2")  # cells overlap, so both single-thread workers get one
    cfg = sweep_cells.grid(n_seeds=2, hidden=(8, sweep_cells.UNLUCKY), tasks=1)
    res = run_sweep(cfg, tmp_path, backend="dask", workers=2, cell_fn=sweep_cells.fake_cell, progress=False)
    assert (res["ok"], res["error"]) == (2, 2)
    rows = read_results(tmp_path)
    assert len({r["pid"] for r in rows}) == 2  # two worker processes, none of them this one
    assert os.getpid() not in {r["pid"] for r in rows}
    assert {r["error"] for r in rows if r["status"] == "error"} == {"hidden 13 is unlucky"}


# --------------------------------------------------------------------------- failures around the cell function


def test_a_cell_whose_task_cannot_be_built_is_an_error_record_and_the_sweep_goes_on(tmp_path, monkeypatch):
    """The issue's repro: repeat copy with d = 100000 (an 80 GB task). Building it in describe() used to
    escape the worker's try, crash the driver with chained tracebacks and leave partial output."""
    from wavetheory.sweeps.config import Cell, SweepConfig, TaskSpec

    monkeypatch.setenv("WAVETHEORY_MAX_BYTES", "1G")  # refused by the guard whatever the machine
    cfg = SweepConfig((TaskSpec("repeat-copy", 100_000, 1), TaskSpec("repeat-copy", 2, 3)), hidden=(8,))
    real = Cell.describe

    def describe(cell):  # a second cell runs out of memory for real (what ulimit -v gave in the issue)
        if cell.task.d == 2 and cell.seed == 0:
            raise MemoryError()
        return real(cell)

    monkeypatch.setattr(Cell, "describe", describe)
    with ThreadPoolExecutor(2) as ex:
        res = run_sweep(cfg, tmp_path, executor=ex, workers=2, cell_fn=sweep_cells.fake_cell, progress=False)
    assert (res["ok"], res["error"], res["failed"]) == (0, 2, 2)
    rows = {r["d"]: r for r in read_results(tmp_path / TABLE)}
    assert rows[100_000]["error_type"] == "ValueError" and "WAVETHEORY_MAX_BYTES" in rows[100_000]["error"]
    assert rows[100_000]["task"] == "repeat-copy(d=100000,s=1)"
    assert rows[2]["error_type"] == "MemoryError"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.csv", "results.jsonl", "sweep.json"]


def test_a_worker_that_fails_outside_the_cell_is_recorded_without_rebuilding_the_task(tmp_path, monkeypatch):
    """The driver's record of a failed future must not call describe() again (it is what failed)."""
    from wavetheory.sweeps.config import Cell

    def broken(cell):
        raise MemoryError()

    class FailingExecutor(ThreadPoolExecutor):  # the future itself fails, as a lost dask worker's does
        def submit(self, fn, *args, **kwargs):
            return super().submit(lambda: (_ for _ in ()).throw(ConnectionError("worker lost")))

    monkeypatch.setattr(Cell, "describe", broken)
    with FailingExecutor(1) as ex:
        res = run_sweep(sweep_cells.grid(1, tasks=1), tmp_path, executor=ex, workers=1,
                        cell_fn=sweep_cells.fake_cell, progress=False)
    assert res["error"] == 1
    (row,) = read_results(tmp_path)
    assert row["error_type"] == "ConnectionError" and row["task"] == "signed-selection(d=2,s=3,seed=0)"


def _fake_cells_cli(monkeypatch) -> None:
    """Make ``wavetheory sweep`` run the stand-in cells on a thread pool (same process, no torch)."""
    import functools

    import wavetheory.sweeps.run as run

    monkeypatch.setattr(run, "run_sweep", functools.partial(run_sweep, cell_fn=sweep_cells.fake_cell,
                                                            executor=ThreadPoolExecutor(1)))


def test_cli_sweep_with_failed_cells_exits_1_and_says_how_many(tmp_path, capsys, monkeypatch):
    _fake_cells_cli(monkeypatch)
    cfg = _write(tmp_path / "s.toml", f"hidden = [8, {sweep_cells.UNLUCKY}, 9]\n[[tasks]]\nname = 'repeat-copy'\nd = 2\ns = 3\n")
    argv = ["sweep", str(cfg), "--out", str(tmp_path / "o"), "--workers", "1"]
    assert main(argv) == 1
    out, err = capsys.readouterr()
    assert "ran 2 ok and 1 failed" in out
    assert err == f"wavetheory: error: 1 of 3 cells failed (see {tmp_path / 'o' / TABLE}; --retry-failed runs them again)\n"
    assert main(argv) == 1  # still failed when skipped on a rerun
    assert "1 of 3 cells failed" in capsys.readouterr().err


def test_dask_without_dask_is_refused_before_the_output_folder_exists(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed -> ImportError
    cfg = _write(tmp_path / "s.toml", CONFIG)
    for flag in ("--executor", "--backend"):  # the flag reproduce shares, and its former name
        assert main(["sweep", str(cfg), "--out", str(tmp_path / "o"), flag, "dask"]) == 2
        assert "wavetheory[dask]" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


# --------------------------------------------------------------------------- no orphan workers


def _driver_script(tmp_path: Path, cli: bool) -> Path:
    """A sweep driver in its own process: run_sweep directly, or the CLI with the stand-in cells."""
    body = (f"sys.exit(main(['sweep', {str(tmp_path / 's.toml')!r}, '--out', {str(tmp_path / 'out')!r}, '--workers', '2']))"
            if cli else
            f"run_sweep(sweep_cells.grid(n_seeds=2), {str(tmp_path / 'out')!r}, workers=2, cell_fn=sweep_cells.fake_cell, progress=False)")
    _write(tmp_path / "s.toml", "seeds = [0, 1]\nhidden = 8\n[[tasks]]\nname = 'signed-selection'\nd = 2\ns = 3\ntask_seeds = [0, 1]\n")
    return _write(tmp_path / "drive.py", textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(TESTS)!r})
        import sweep_cells
        import wavetheory.sweeps.run as run
        from wavetheory.sweeps.run import run_sweep
        from wavetheory.cli import main
        run.run_sweep.__kwdefaults__["cell_fn"] = sweep_cells.fake_cell  # the CLI runs the stand-in cells
        if __name__ == "__main__":
            {body}
    """))


@pytest.mark.skipif(not processes.HAVE_PROC, reason="needs Linux /proc")
@pytest.mark.parametrize("sig, cli", [(signal.SIGKILL, False), (signal.SIGTERM, True)], ids=["SIGKILL", "SIGTERM-cli"])
def test_workers_die_with_their_driver_and_a_rerun_resumes(tmp_path, sig, cli):
    """Kill only the driver (what Slurm's time-out or scancel does) while both workers are inside a cell:
    the workers and the resource tracker must go too, and a rerun must finish every cell exactly once."""
    script = _driver_script(tmp_path, cli)
    env = {**os.environ, "WT_SWEEP_TEST_DELAY": "60"}  # cells that would outlive any test
    proc = subprocess.Popen([sys.executable, str(script)], env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while len(sweep_cells.runs(tmp_path / "out")) < 2 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(sweep_cells.runs(tmp_path / "out")) == 2, proc.stderr.read().decode()[-2000:]
        os.kill(proc.pid, sig)  # the driver only, not its group
        rc = proc.wait(timeout=30)
        left = processes.wait_gone(proc.pid, timeout=15)  # the driver led its own group: its workers are in it
        assert left == [], "left behind: " + processes.describe(left)
    finally:
        processes.kill_group(proc.pid)
    err = proc.stderr.read().decode()
    if sig == signal.SIGTERM:
        assert rc == 143 and err.strip().splitlines()[-1] == "wavetheory: terminated (SIGTERM)", err
        assert "Traceback" not in err, err
    assert Journal(tmp_path / "out" / JOURNAL).load() == []  # no cell finished
    with ThreadPoolExecutor(2) as ex:
        res = run_sweep(sweep_cells.grid(n_seeds=2), tmp_path / "out", executor=ex, workers=2,
                        cell_fn=sweep_cells.fake_cell, progress=False)
    assert (res["ok"], res["error"]) == (4, 0)
    ids = [r["cell_id"] for r in Journal(tmp_path / "out" / JOURNAL).load()]
    assert sorted(ids) == sorted(c.id for c in sweep_cells.grid(n_seeds=2).cells())  # each exactly once
