"""Sweeps: config validation, cell ids, the journal, resume after a kill, failed cells, backends, report."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

import sweep_cells
from wavetheory.cli import main
from wavetheory.sweeps.run import (
    JOURNAL, NONDETERMINISTIC_FIELDS, TABLE, Journal, SweepConfig, load_config, read_results, run_sweep,
)
from wavetheory.stats import t_interval, wilson_interval
from wavetheory.sweeps.report import summarize

TESTS = Path(__file__).resolve().parents[1]  # tests/ (sweep_cells.py lives there)

CONFIG = """\
seeds = [0]
hidden = [4, 16]
init = ["default", "wave"]
steps = 30

[train]
batch = 8
horizons = [4, 8]
eval_every = 10
eval_batch = 32

[[tasks]]
name = "signed-selection"
d = 2
s = 3
task_seeds = [0]
"""


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def _stable(records: list[dict]) -> dict[str, dict]:
    """Records by cell id without the machine- and clock-dependent fields (and empty CSV cells)."""
    return {r["cell_id"]: {k: v for k, v in r.items() if k not in NONDETERMINISTIC_FIELDS and v is not None}
            for r in records}


# --------------------------------------------------------------------------- config and ids


def test_grid_and_ids(tmp_path):
    cfg = load_config(_write(tmp_path / "s.toml", CONFIG))
    cells = cfg.cells()
    assert len(cells) == 1 * 1 * 2 * 2  # tasks x seeds x hidden x init
    assert len({c.id for c in cells}) == len(cells)
    # the same grid written as JSON gives the same ids (the id hashes parameters, not the file)
    as_json = {"seeds": [0], "hidden": [4, 16], "init": ["default", "wave"], "steps": 30,
               "train": {"batch": 8, "horizons": [4, 8], "eval_every": 10, "eval_batch": 32},
               "tasks": [{"name": "signed-selection", "d": 2, "s": 3, "task_seeds": [0]}]}
    again = load_config(_write(tmp_path / "s.json", json.dumps(as_json)))
    assert [c.id for c in again.cells()] == [c.id for c in cells]
    # pinned: a change of the hashing scheme would orphan every finished cell of existing sweeps
    blob = ('{"hidden":4,"init":"default","seed":0,"steps":30,"task":{"d":2,"name":"signed-selection","s":3,'
            '"task_seed":0},"train":{"batch":8,"eval_batch":32,"eval_every":10,"horizons":[4,8]}}')
    assert cells[0].id == hashlib.sha256(blob.encode()).hexdigest()[:16] == "d01a2932005f6ddd"
    as_json["train"]["batch"] = 9
    assert not {c.id for c in SweepConfig.from_dict(as_json).cells()} & {c.id for c in cells}


def test_lag_file_tasks_are_embedded(tmp_path):
    (tmp_path / "tasks").mkdir()
    _write(tmp_path / "tasks" / "mine.json", json.dumps({"bindings": "-x1(t-2), x0(t-2)"}))
    cfg = load_config(_write(tmp_path / "s.toml", '[[tasks]]\nlags = "tasks/mine.json"\n'))
    (cell,) = cfg.cells()
    assert cell.task.label == "mine(d=2,s=2)"
    assert cell.task.build().lags.tolist() == [[[0, 0], [0, 0]], [[0, -1], [1, 0]]]
    assert cell.describe()["realizable"] is True  # only A_s is non-zero (C12)


def test_readme_example_config_is_valid(tmp_path):
    text = (TESTS.parent / "README.md").read_text()
    block = text.split("```toml\n# sweep.toml", 1)[1].split("```", 1)[0]
    cfg = load_config(_write(tmp_path / "sweep.toml", "# sweep.toml" + block))
    assert len(cfg.cells()) == 24  # as the README says: 4 tasks x 3 seeds x 2 initializations


@pytest.mark.parametrize(
    "config, key",
    [
        ({"tasks": []}, "tasks:"),
        ({"tasks": [{"name": "repeat-copy", "d": 2, "s": 3}], "seed": [0]}, "seed: unknown key"),
        ({"tasks": [{"name": "repeat-copy", "d": 0, "s": 3}]}, "tasks[0].d:"),
        ({"tasks": [{"name": "repeat-copy", "d": 2}]}, "tasks[0].s: missing"),
        ({"tasks": [{"name": "nope", "d": 2, "s": 3}]}, "tasks[0].name:"),
        ({"tasks": [{"name": "repeat-copy", "d": 2, "s": 3, "task_seeds": [1]}]}, "tasks[0].task_seeds:"),
        ({"tasks": [{"name": "signed-selection", "d": 2, "s": 3, "task_seeds": [1, 1]}]}, "tasks[0].task_seeds:"),
        ({"tasks": [{"lags": "missing.json"}]}, "tasks[0].lags:"),
        ({"tasks": [{"name": "repeat-copy", "d": 2, "s": 3}, {"name": "repeat-copy", "d": 2, "s": 3}]}, "tasks:"),
        ({"tasks": [{"name": "repeat-copy", "d": 2, "s": 3}], "seeds": [-1]}, "seeds:"),
        ({"tasks": [{"name": "repeat-copy", "d": 2, "s": 3}], "hidden": "big"}, "hidden:"),
        ({"tasks": [{"name": "repeat-copy", "d": 2, "s": 3}], "init": ["waves"]}, "init:"),
        ({"tasks": [{"name": "repeat-copy", "d": 2, "s": 3}], "train": {"lr": -1.0}}, "train.lr:"),
        ({"tasks": [{"name": "repeat-copy", "d": 2, "s": 3}], "train": {"hidden": 3}}, "train.hidden: unknown key"),
        ({"tasks": [{"name": "repeat-copy", "d": 2, "s": 3}], "train": {"horizons": [8, 4]}}, "train.horizons:"),
    ],
)
def test_config_errors_name_the_key(tmp_path, config, key):
    with pytest.raises(ValueError) as info:
        SweepConfig.from_dict(config, base=tmp_path)
    assert str(info.value).startswith(key), str(info.value)


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


# --------------------------------------------------------------------------- statistics and report


@pytest.mark.parametrize("k, n", [(0, 10), (3, 10), (10, 10), (1, 1), (37, 200)])
def test_wilson_endpoints_solve_the_score_equation(k, n):
    """The endpoints are the two roots p of (k/n - p)^2 = z^2 p (1 - p) / n, the score equation."""
    z = 1.959963984540054
    lo, hi = wilson_interval(k, n, z)
    assert 0 <= lo <= k / n <= hi <= 1
    for p in (lo, hi):
        # both sides are O(1) polynomials in p: float64 rounding leaves ~1e-16, 1e-12 is ample
        assert (k / n - p) ** 2 == pytest.approx(z * z * p * (1 - p) / n, abs=1e-12)
    assert (lo == 0) == (k == 0) and (hi == 1) == (k == n)  # it never collapses to a point


def test_t_interval_matches_simulated_coverage():
    """The 95% t interval covers the true mean of normal samples (n = 5) about 95% of the time."""
    rng = np.random.default_rng(0)
    hits = sum(lo <= 0.3 <= hi for _, lo, hi in (t_interval(rng.normal(0.3, 1.0, 5)) for _ in range(4000)))
    # binomial sd of the coverage over 4000 draws is 0.0034; 0.94..0.96 is about +-3 sd
    assert 0.94 <= hits / 4000 <= 0.96


def _records() -> list[dict]:
    base = {"status": "ok", "seed": 0, "hidden": 16, "init": "default", "steps": 10, "error_type": None, "error": None}
    rows = []
    for i, (acc, eig) in enumerate([(1.0, 0.01), (0.995, 0.04), (0.999, 0.2), (0.9, 0.01)]):
        rows.append({**base, "cell_id": f"a{i}", "index": i, "task": "repeat-copy(d=2,s=3)", "realizable": True,
                     "accuracy": acc, "eig_match_mean": eig, "phi_error": 0.1 * (i + 1), "rho_W_hh": 1.0, "rho_Phi": 1.0})
    for i, acc in enumerate([0.8, 0.85]):
        rows.append({**base, "cell_id": f"b{i}", "index": 4 + i, "task": "fibonacci(d=1,s=3)", "realizable": False,
                     "accuracy": acc, "eig_match_mean": 0.3, "phi_error": 0.9, "rho_W_hh": 0.9, "rho_Phi": 1.84})
    rows.append({**base, "cell_id": "c0", "index": 6, "task": "fibonacci(d=1,s=3)", "realizable": False,
                 "status": "error", "error_type": "ValueError", "error": "boom"})
    return rows


def test_summary_counts_and_intervals():
    s = summarize(_records())
    rc, fib = s["groups"]
    assert (rc["n"], rc["n_ok"], rc["converged"]) == (4, 4, 2)  # acc >= 0.99 and eig <= 0.05: rows 0, 1
    assert rc["converged_ci"] == list(wilson_interval(2, 4))
    assert rc["accuracy"]["mean"] == pytest.approx(np.mean([1.0, 0.995, 0.999, 0.9]), abs=1e-15)
    assert rc["accuracy"]["ci"][1] == 1.0  # the t interval is cut at the largest possible accuracy
    assert (fib["n"], fib["n_error"], fib["converged"], fib["realizable"]) == (3, 1, 0, False)
    assert s["c12"]["not_realizable"]["tasks"] == ["fibonacci(d=1,s=3)"]
    assert s["errors"] == {"ValueError: boom": 1}
    assert summarize(_records(), acc_threshold=0.9, eig_threshold=0.3)["groups"][0]["converged"] == 4
    with pytest.raises(ValueError, match="by: unknown column 'colour'"):
        summarize(_records(), by=["colour"])


def test_sweep_report_cli_on_a_small_table(tmp_path, capsys):
    from wavetheory.sweeps.run import write_table

    write_table(tmp_path / "results.csv", _records())
    assert main(["sweep-report", str(tmp_path / "results.csv"), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [g["task"] for g in out["groups"]] == ["repeat-copy(d=2,s=3)", "fibonacci(d=1,s=3)"]
    assert out["groups"][0]["converged"] == 2
    for f in out["figures"]:
        assert Path(f).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert main(["sweep-report", str(tmp_path / "results.csv"), "--by", "task,init"]) == 0
    text = capsys.readouterr().out
    assert "NOT realizable by a linear RNN (C12): 1 tasks, 2 runs" in text
    assert "repeat-copy(d=2,s=3) default" in text and "2/4" in text
