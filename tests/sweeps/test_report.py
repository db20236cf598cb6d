"""Sweep statistics: convergence to the wave solution, per-group intervals, the C12 split, the report."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from wavetheory.cli import main
from wavetheory.stats import wilson_interval
from wavetheory.sweeps.report import format_summary, is_converged, summarize
from wavetheory.sweeps.results import write_table
from wavetheory.thresholds import EIG_MATCH, SOLVED_ACCURACY


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


def test_is_converged_uses_the_named_thresholds():
    assert is_converged({"accuracy": SOLVED_ACCURACY, "eig_match_mean": EIG_MATCH})  # both bounds inclusive
    assert not is_converged({"accuracy": SOLVED_ACCURACY - 1e-9, "eig_match_mean": 0.0})
    assert not is_converged({"accuracy": 1.0, "eig_match_mean": EIG_MATCH + 1e-9})
    assert not is_converged({"accuracy": 1.0})  # a missing metric never converges
    assert is_converged({"accuracy": 0.5, "x": 1.0}, acc_threshold=0.5, eig_threshold=1.0, eig_column="x")
    assert summarize(_records())["thresholds"] == {"accuracy": SOLVED_ACCURACY, "eig_match_mean": EIG_MATCH}


def test_format_summary_lines():
    text = format_summary(summarize(_records()))
    lines = text.splitlines()
    assert lines[0].startswith(f"converged = accuracy >= {SOLVED_ACCURACY} and eig_match_mean <= {EIG_MATCH}")
    row = next(line for line in lines if line.startswith("repeat-copy(d=2,s=3)"))
    assert " yes " in row and row.endswith(f"2/4 [{wilson_interval(2, 4)[0]:.2f}, {wilson_interval(2, 4)[1]:.2f}]")
    assert "failed x1: ValueError: boom" in lines


def test_summary_errors_name_the_argument():
    with pytest.raises(ValueError, match="results: the table holds no records"):
        summarize([])
    with pytest.raises(ValueError, match="eig_column: unknown column 'nope'"):
        summarize(_records(), eig_column="nope")
    fib = summarize(_records())["groups"][1]  # 2 ok runs, none converged, 1 failed (not counted)
    assert fib["converged_ci"] == list(wilson_interval(0, 2)) and fib["converged_fraction"] == 0.0
