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
    from wavetheory.sweeps.run import _exclusive

    with _exclusive(tmp_path):
        with pytest.raises(ValueError, match="another sweep is running"):
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
        assert main([*argv, "--json"]) == 0  # the command line joins the cluster like a remote one
        dask = json.loads(capsys.readouterr().out)
        # a second run finds everything recorded
        assert main(argv) == 0 and "4 already recorded, ran 0 ok and 0 failed" in capsys.readouterr().out
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
