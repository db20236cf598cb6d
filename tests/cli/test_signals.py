"""`wavetheory train` and `wavetheory sweep` killed at random points (SIGKILL and SIGTERM, the driver only).

After every kill: no process of the killed process group is left (sweep workers, the resource
tracker), no temporary file, the finished work is still on disk. After the final, uninterrupted
rerun: the result equals that of a run never killed (train: bit-identical weights; sweep: the
same records, each cell exactly once, no record lost or rewritten on the way).

Scope: repeat copy d = s = 2 with the smoke preset for train (300 steps, a checkpoint every 20);
eight stand-in cells (tests/sweep_cells.py, 0.3 s each) on two worker processes for sweep; three
kills per command at times drawn (seeded) from the length of an uninterrupted run. The train
test takes ~35 s on two busy cores (five torch start-ups), hence ``slow``; the sweep test ~10 s.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

import processes
import sweep_cells
from wavetheory.io import read_npz
from wavetheory.sweeps.results import JOURNAL, NONDETERMINISTIC_FIELDS, Journal

TESTS = Path(__file__).resolve().parents[1]
KILLS = (signal.SIGKILL, signal.SIGTERM, signal.SIGKILL)

pytestmark = pytest.mark.skipif(not processes.HAVE_PROC, reason="needs Linux /proc")


def _launch(argv: list[str], env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen(argv, env={**os.environ, **(env or {})}, start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _kill_at(proc: subprocess.Popen, delay: float, sig: int) -> tuple[int, str]:
    """Send ``sig`` to the process (not its group) after ``delay`` seconds; (exit status, stderr)."""
    try:
        proc.wait(timeout=delay)
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, sig)
    try:
        _, err = proc.communicate(timeout=60)
        left = processes.wait_gone(proc.pid, timeout=15)
        assert left == [], f"left behind after {signal.Signals(sig).name}: {processes.describe(left)}"
    finally:
        processes.kill_group(proc.pid)
    err = err.decode()
    assert "Traceback" not in err, err
    if proc.returncode == 143:  # SIGTERM inside main(): cleaned up, one line
        assert err.splitlines()[-1] == "wavetheory: terminated (SIGTERM)", err
    assert proc.returncode in (0, 143, -signal.SIGTERM, -signal.SIGKILL), (proc.returncode, err)
    return proc.returncode, err


# --------------------------------------------------------------------------- train


TRAIN = ["--task", "repeat-copy", "--d", "2", "--s", "2", "--preset", "smoke", "--steps", "300", "--target", "none",
         "--checkpoint-every", "20", "--eval-every", "50", "--resume", "--json"]


@pytest.mark.slow  # ~35 s on two busy cores: five torch start-ups
def test_train_killed_at_random_points_resumes_to_the_same_weights(tmp_path):
    cmd = [sys.executable, "-m", "wavetheory", "train", *TRAIN]
    t0 = time.monotonic()
    ref = _launch([*cmd, "--out", str(tmp_path / "ref")])
    out, err = ref.communicate(timeout=300)
    duration = time.monotonic() - t0
    assert ref.returncode == 0, err.decode()
    expected = json.loads(out)
    rng = random.Random(0)
    run = tmp_path / "run"
    for sig in KILLS:  # a SIGKILL during a write may leave a .tmp file: the next run removes it (checked at the end)
        _kill_at(_launch([*cmd, "--out", str(run)]), rng.uniform(0.2, 1.0) * duration, sig)
        if run.exists():  # whatever was written is whole
            assert sorted(p.name for p in run.iterdir() if not p.name.startswith(".")) in (
                [], ["checkpoint.pt"], ["checkpoint.pt", "metrics.json", "task.json", "weights.npz"]), list(run.iterdir())
            for f in run.glob("*.json"):
                json.loads(f.read_text())
    final = _launch([*cmd, "--out", str(run)])
    out, err = final.communicate(timeout=300)
    assert final.returncode == 0, err.decode()
    got = json.loads(out)
    strip = lambda levels: [{k: v for k, v in lv.items() if "wall" not in k} for lv in levels]  # noqa: E731
    assert (got["steps"], got["accuracy"], strip(got["curriculum"])) == (expected["steps"], expected["accuracy"],
                                                                          strip(expected["curriculum"]))
    a, b = read_npz(tmp_path / "ref" / "weights.npz"), read_npz(run / "weights.npz")
    assert sorted(a) == sorted(b) and all(np.array_equal(a[k], b[k]) for k in a)  # bit-identical on CPU
    assert sorted(p.name for p in run.iterdir()) == ["checkpoint.pt", "metrics.json", "task.json", "weights.npz"]


# --------------------------------------------------------------------------- sweep


def _sweep_driver(tmp_path: Path) -> list[str]:
    script = tmp_path / "drive.py"
    script.write_text(textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(TESTS)!r})
        import sweep_cells
        import wavetheory.sweeps.run as run
        from wavetheory.cli import main
        run.run_sweep.__kwdefaults__["cell_fn"] = sweep_cells.fake_cell  # the CLI runs the stand-in cells
        if __name__ == "__main__":
            sys.exit(main(sys.argv[1:]))
    """))
    (tmp_path / "s.toml").write_text("seeds = [0, 1, 2, 3]\nhidden = 8\n[[tasks]]\nname = 'signed-selection'\n"
                                     "d = 2\ns = 3\ntask_seeds = [0, 1]\n")
    return [sys.executable, str(script), "sweep", str(tmp_path / "s.toml"), "--workers", "2", "--json"]


def _stable(records: list[dict]) -> dict[str, dict]:
    return {r["cell_id"]: {k: v for k, v in r.items() if k not in NONDETERMINISTIC_FIELDS} for r in records}


def test_sweep_killed_at_random_points_loses_nothing_duplicates_nothing_and_resumes(tmp_path):
    cmd = _sweep_driver(tmp_path)
    env = {"WT_SWEEP_TEST_DELAY": "0.3"}
    t0 = time.monotonic()
    ref = _launch([*cmd, "--out", str(tmp_path / "ref")], env)
    _, err = ref.communicate(timeout=300)
    duration = time.monotonic() - t0
    assert ref.returncode == 0, err.decode()
    expected = _stable(Journal(tmp_path / "ref" / JOURNAL).load())
    assert len(expected) == 8
    rng = random.Random(1)
    out = tmp_path / "run"
    journal = Journal(out / JOURNAL)
    before: list[dict] = []
    checkpoints = []  # (cells recorded, calls of the cell function so far) after each kill
    for sig in KILLS:
        _kill_at(_launch([*cmd, "--out", str(out)], env), rng.uniform(0.3, 1.0) * duration, sig)
        now = journal.load()
        assert now[: len(before)] == before  # nothing finished was lost or rewritten
        ids = [r["cell_id"] for r in now]
        assert len(ids) == len(set(ids))  # nothing recorded twice
        checkpoints.append((set(ids), len(sweep_cells.runs(out))))
        before = now
    final = _launch([*cmd, "--out", str(out)], env)
    res, err = final.communicate(timeout=300)
    assert final.returncode == 0, err.decode()
    assert json.loads(res)["skipped"] == len(before)
    records = journal.load()
    assert records[: len(before)] == before
    assert [r["cell_id"] for r in records].count(records[0]["cell_id"]) == 1
    assert _stable(records) == expected and len(records) == 8  # every cell once, the same numbers
    ran = sweep_cells.runs(out)
    for recorded, calls in checkpoints:  # a cell on record never runs again (a killed, unrecorded one does)
        assert not recorded & set(ran[calls:])
