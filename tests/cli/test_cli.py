"""Tests of the core CLI commands (tasks, spectrum, simulate, demo) and of the set-up contract."""

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from wavetheory.cli import main
from wavetheory.theory.tasks import fibonacci, rollout
ROOT = Path(__file__).resolve().parents[2]


def run(capsys, *argv):
    rc = main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


def run_json(capsys, *argv):
    rc, out, err = run(capsys, *argv, "--json")
    assert rc == 0, err
    return json.loads(out)


def test_tasks_lists_the_library(capsys):
    names = [t["name"] for t in run_json(capsys, "tasks")["tasks"]]
    assert {"repeat-copy", "fibonacci", "signed-selection", "random-stable", "random-unstable"} <= set(names)
    rc, out, _ = run(capsys, "tasks")
    assert rc == 0 and "repeat-copy" in out


def test_spectrum_json(capsys):
    res = run_json(capsys, "spectrum", "--task", "repeat-copy", "--d", "2", "--s", "3")
    assert res["d"] == 2 and res["s"] == 3
    assert res["charpoly"] == [1, 0, 0, -2, 0, 0, 1]  # (lam^3 - 1)^2
    ev = np.array([complex(*z) for z in res["eigenvalues"]])
    assert ev.size == 6
    np.testing.assert_allclose(ev**3, 1, atol=1e-12)  # permutation matrix: eigenvalues to ~eps


def test_spectrum_from_lags_file(capsys, tmp_path):
    p = tmp_path / "fib.json"
    p.write_text(json.dumps({"lags": [[[1]], [[1]]]}))
    res = run_json(capsys, "spectrum", "--lags", str(p))
    assert res["charpoly"] == [1, -1, -1]
    golden = (1 + 5**0.5) / 2
    assert max(z[0] for z in res["eigenvalues"]) == pytest.approx(golden, rel=1e-12)


def test_simulate_json(capsys, tmp_path):
    p = tmp_path / "h.json"
    hist = [[1, 0], [0, 1], [1, 1]]
    p.write_text(json.dumps({"history": hist}))
    res = run_json(capsys, "simulate", "--task", "fibonacci", "--d", "2", "--s", "3", "--history", str(p), "--steps", "6")
    expect = rollout(fibonacci(2, 3), np.array(hist, float), 6)
    np.testing.assert_array_equal(np.array(res["trajectory"]), expect)
    rc, out, _ = run(capsys, "simulate", "--task", "fibonacci", "--d", "2", "--s", "3", "--history", str(p), "--steps", "2")
    assert rc == 0 and out.startswith("x(3) = 2 2")


def _write(tmp_path, name, content):
    p = tmp_path / name
    p.write_text(content)
    return str(p)


BAD = [
    (["spectrum", "--lags", "/no/such/file.json"], "cannot read"),
    (["spectrum", "--lags", "RAGGED"], "rectangular"),
    (["spectrum", "--lags", "NONSQUARE"], "square"),
    (["spectrum", "--lags", "NAN"], "NaN"),
    (["spectrum", "--lags", "TEXT"], "not valid JSON"),
    (["spectrum", "--task", "repeat-copy", "--d", "2", "--s", "0"], "s: expected an integer >= 1"),
    (["spectrum", "--task", "repeat-copy", "--d", "two", "--s", "3"], "invalid int"),
    (["spectrum", "--task", "nope", "--d", "2", "--s", "3"], "unknown task"),
    (["spectrum", "--task", "repeat-copy", "--d", "2"], "needs --d D and --s S"),
    (["spectrum"], "a task is required"),
    (["spectrum", "--lags", "GOOD", "--d", "3"], "does not match"),
    (["simulate", "--lags", "GOOD", "--history", "HIST_WRONG_D", "--steps", "3"], "history must be s x d"),
    (["simulate", "--lags", "GOOD", "--history", "HIST_OK", "--steps", "-1"], "--steps must be >= 0"),
    (["simulate", "--lags", "GOOD", "--history", "HIST_NAN", "--steps", "3"], "NaN"),
    (["simulate", "--lags", "GOOD", "--history", "NOHIST", "--steps", "3"], "expected an object"),
    (["bogus-command"], "invalid choice"),
    # hostile and non-finite input: refused with one line, never a NaN result or a traceback
    (["spectrum", "--lags", "HUGE"], "overflows float64"),
    (["spectrum", "--lags", "DEEP"], "nested deeper than 32 levels"),
    (["spectrum", "--lags", "FLOAT_BINDINGS"], "component: expected an integer >= 0, got 0.7"),
    (["spectrum", "--lags", "BOOL_BINDINGS"], "component: expected an integer >= 0, got True"),
    (["spectrum", "--lags", "BOOL_SIGN"], "sign: expected +1 or -1, got True"),
    (["spectrum", "--lags", "BIG_INT"], "rectangular array of numbers"),
    (["simulate", "--task", "fibonacci", "--d", "1", "--s", "2", "--history", "HIST_ONES", "--steps", "2000"],
     "leaves float64"),
    (["reproduce", "--seed", "-1", "--out", "OUT"], "--seed: expected an integer >= 0, got -1"),
]


@pytest.mark.parametrize("argv, message", BAD)
def test_bad_input_exits_2_with_one_line(capsys, tmp_path, argv, message):
    files = {
        "RAGGED": '{"lags": [[[1, 2], [3]]]}',
        "NONSQUARE": '{"lags": [[[1, 2, 3], [4, 5, 6]]]}',
        "NAN": '{"lags": [[[NaN]]]}',
        "TEXT": "this is not json",
        "GOOD": '{"lags": [[[0, 0], [0, 0]], [[1, 0], [0, 1]]]}',
        "HIST_WRONG_D": '{"history": [[1, 2, 3], [4, 5, 6]]}',
        "HIST_OK": '{"history": [[1, 2], [3, 4]]}',
        "HIST_NAN": '{"history": [[1, NaN], [3, 4]]}',
        "NOHIST": '{"hist": [[1, 2], [3, 4]]}',
        "HUGE": '{"lags": [[[1e308, 1e308], [1e308, 1e308]], [[1e308, 0], [0, 1e308]]]}',
        "DEEP": "[" * 100_000 + "]" * 100_000,
        "FLOAT_BINDINGS": '{"bindings": [{"component": 0.7, "lag": 1.9}]}',
        "BOOL_BINDINGS": '{"bindings": [{"component": true, "lag": 1}]}',
        "BOOL_SIGN": '{"bindings": [{"component": 0, "lag": 1, "sign": true}]}',
        "BIG_INT": '{"lags": [[[' + "9" * 400 + "]]]}",
        "HIST_ONES": '{"history": [[1], [1]]}',
    }
    argv = [_write(tmp_path, a + ".json", files[a]) if a in files else str(tmp_path / "out") if a == "OUT" else a
            for a in argv]
    rc, out, err = run(capsys, *argv)
    assert rc == 2
    assert out == "" and not (tmp_path / "out").exists()
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert message in lines[0] and "Traceback" not in err


def test_demo_writes_figures(capsys, tmp_path):
    res = run_json(capsys, "demo", "--out", str(tmp_path / "demo"))
    assert res["max_abs_diff_wave_vs_recursion"] == 0.0
    for f in res["figures"]:
        data = Path(f).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 1000


def test_console_entry_points_start_without_torch():
    code = (
        "import sys; from wavetheory.cli import main; "
        "rc = main(['spectrum', '--task', 'fibonacci', '--d', '1', '--s', '2']); "
        "assert rc == 0; assert 'torch' not in sys.modules, 'torch imported'; "
        "assert 'sympy' not in sys.modules, 'sympy imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
    out = subprocess.run([sys.executable, "-m", "wavetheory", "tasks", "--json"], check=True, capture_output=True, text=True)
    assert "repeat-copy" in out.stdout


def test_ci_runs_the_readme_test_command():
    """The README's test command appears verbatim in .ci/run (the guide's contract)."""
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```(?:bash|sh)\n(.*?)```", readme, flags=re.S)
    commands = [line.strip() for b in blocks for line in b.splitlines() if line.strip() and not line.startswith("#")]
    test_cmds = [c for c in commands if "pytest" in c]
    assert len(test_cmds) == 1, test_cmds
    assert test_cmds[0] in (ROOT / ".ci" / "run").read_text()
    assert "torch==2.13.0" in (ROOT / "constraints.txt").read_text()


# --------------------------------------------------------------------------- issue 25: small things


def test_version_matches_the_package(capsys):
    import wavetheory

    rc, out, err = run(capsys, "--version")
    assert rc == 0 and out == f"wavetheory {wavetheory.__version__}\n" and err == ""


@pytest.mark.parametrize("argv, expected", [
    (["spectrum", "repeat-copy", "--d", "3", "--s", "4"],
     "wavetheory spectrum: error: unrecognized arguments: repeat-copy (name a task with --task, e.g. --task repeat-copy;"),
    (["spectrum", "--task", "repeat-copy", "--d", "2", "--s", "2", "--bogus"],
     "wavetheory spectrum: error: unrecognized arguments: --bogus"),
    (["bogus-command"], "wavetheory: error: argument COMMAND: invalid choice: 'bogus-command'"),
    (["spectrum", "--task", "repeat-copy", "--d", "x"], "wavetheory spectrum: error: argument --d: invalid int value"),
])
def test_usage_errors_name_the_command_once_with_a_hint(capsys, argv, expected):
    rc, out, err = run(capsys, *argv)
    assert rc == 2 and out == "" and err.count("\n") == 1
    assert err.startswith(expected) and err.count("wavetheory") == 1 + ("`wavetheory tasks`" in err), err


def test_realizable_json_horizon_is_a_number_or_null(capsys):
    res = run_json(capsys, "realizable", "--task", "repeat-copy", "--d", "2", "--s", "2")
    assert res["horizon"] is None and res["horizon_unbounded"] is True
    res = run_json(capsys, "realizable", "--task", "repeat-copy", "--d", "2", "--s", "2", "--horizon", "5")
    assert res["horizon"] == 5 and res["horizon_unbounded"] is False
    rc, out, _ = run(capsys, "realizable", "--task", "repeat-copy", "--d", "2", "--s", "2")
    assert rc == 0 and "horizon unbounded" in out


@pytest.mark.parametrize("flags, message", [
    (["--authors-task", "7,0,0", "--d", "3", "--s", "5"], "--s 5 does not match"),
    (["--task", "repeat-copy", "--d", "2", "--s", "4"], "--d 2 does not match"),
    (["--task", "fibonacci", "--d", "3", "--s", "4"], "the task flags (fibonacci"),
])
def test_analyze_refuses_task_flags_that_contradict_the_checkpoint(capsys, tmp_path, flags, message):
    from checkpoint_files import authors_checkpoint

    ckpt = tmp_path / "epoch=0-step=6.ckpt"
    authors_checkpoint(ckpt, "rnn", d=3, s=4, H=12, task_id=(7, 0, 0))
    rc, out, err = run(capsys, "analyze", str(ckpt), "--no-figures", *flags)
    assert rc == 2 and out == "" and err.count("\n") == 1 and message in err and "drop the task flags" in err
    # the flags that agree with the file are accepted
    assert run(capsys, "analyze", str(ckpt), "--no-figures", "--authors-task", "7,0,0", "--d", "3", "--s", "4")[0] == 0


# --------------------------------------------------------------------------- issue 25: progress lines


def test_progress_lines_go_to_stdout_in_text_mode_to_stderr_with_json_and_quiet_silences_them(capsys):
    import logging

    from wavetheory.cli.logs import command_logging

    log = logging.getLogger("wavetheory.some.module")
    for (verbose, quiet, json_mode), (out_lines, err_lines) in {
        (0, False, False): (["info"], ["warning"]),      # text: progress with the output
        (1, False, False): (["debug", "info"], ["warning"]),
        (0, True, False): ([], ["warning"]),             # -q
        (0, False, True): ([], ["warning"]),             # --json: stdout is the JSON only; progress needs -v
        (1, False, True): ([], ["info", "warning"]),
        (2, False, True): ([], ["debug", "info", "warning"]),
    }.items():
        with command_logging(verbose, quiet, json_mode):
            log.debug("debug")
            log.info("info")
            log.warning("warning")
        out, err = capsys.readouterr()
        assert [line.split()[-1] for line in out.splitlines()] == out_lines, (verbose, quiet, json_mode)
        assert [line.split()[-1] for line in err.splitlines()] == err_lines, (verbose, quiet, json_mode)
    log.info("after the command")  # the set-up is undone: nothing shown outside a command
    assert capsys.readouterr() == ("", "")


def test_train_logs_progress_lines_without_a_terminal(capsys, tmp_path):
    argv = ["train", "--task", "repeat-copy", "--d", "2", "--s", "2", "--preset", "smoke", "--out"]
    rc, out, err = run(capsys, *argv, str(tmp_path / "a"))
    lines = [line for line in out.splitlines() if " train: step " in line]
    assert rc == 0 and err == "" and not sys.stdout.isatty()
    assert len(lines) == 10 and lines[-1].split(" train: ")[1].startswith("step 20 of at most 20")  # every tenth
    assert out.index(" train: step ") < out.index("trained repeat-copy")  # as it goes, before the result
    rc, out, err = run(capsys, "-q", *argv, str(tmp_path / "b"))
    assert rc == 0 and " train: " not in out and out.startswith("trained repeat-copy")
    rc, out, err = run(capsys, *argv, str(tmp_path / "c"), "--json")
    assert rc == 0 and err == "" and json.loads(out)["steps"] == 20


def test_train_progress_estimates_the_time_left_from_the_measured_cost():
    import logging

    from wavetheory.cli.logs import command_logging
    from wavetheory.cli.train import TrainProgress

    t = [100.0]
    progress = TrainProgress(1000, every_seconds=1e9, clock=lambda: t[0])
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    logging.getLogger("wavetheory").addHandler(handler)
    try:
        with command_logging():
            for step in range(1, 301):
                t[0] += 0.01  # 10 ms a step
                progress(step, {"loss": 0.5, "accuracy": 0.9, "horizon": 10})
    finally:
        logging.getLogger("wavetheory").removeHandler(handler)
    msgs = [r.getMessage() for r in records]
    assert [m.split(",")[0] for m in msgs] == ["train: step 100 of at most 1000", "train: step 200 of at most 1000",
                                              "train: step 300 of at most 1000"]
    assert msgs[-1].endswith("3 s, at most 7 s left")  # 700 steps left at 10 ms


def test_sweep_logs_one_line_per_recorded_cell(capsys, tmp_path, monkeypatch):
    import functools
    from concurrent.futures import ThreadPoolExecutor

    import sweep_cells
    import wavetheory.sweeps.run as sweep_run

    monkeypatch.setattr(sweep_run, "run_sweep", functools.partial(sweep_run.run_sweep, cell_fn=sweep_cells.fake_cell,
                                                                  executor=ThreadPoolExecutor(1)))
    cfg = tmp_path / "s.toml"
    cfg.write_text("hidden = [8, 9, 10]\n[[tasks]]\nname = 'repeat-copy'\nd = 2\ns = 3\n")
    rc, out, err = run(capsys, "sweep", str(cfg), "--out", str(tmp_path / "o"), "--workers", "1")
    lines = [line for line in out.splitlines() if " sweep: cell " in line]
    assert rc == 0 and err == "" and len(lines) == 3
    assert [line.split("(")[1].split(",")[0] for line in lines] == [f"{k} recorded in this run" for k in (1, 2, 3)]
    assert all(" ok (" in line and "of 3 cells" in line for line in lines)


def test_a_closed_pipe_stops_the_command_instead_of_printing_a_logging_traceback(monkeypatch):
    import io
    import logging

    from wavetheory.cli.logs import command_logging

    class Closed(io.StringIO):
        def write(self, text):
            raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(sys, "stdout", Closed())
    with pytest.raises(BrokenPipeError), command_logging():  # main() turns it into one line, exit 2, like print's
        logging.getLogger("wavetheory.some.module").info("progress")
