"""benchmarks/bench_train.py: the protocols it compares, and the authors' side by side on a stand-in of their code.

The stand-in is a fake ``pytorch_lightning`` (a Trainer that calls the callbacks' hooks step by step) and a
fake script at the authors' path whose module clears a level at a scripted batch accuracy, by their rule
(accuracy > curriculum_threshold raises ``current_curriculum``). The real run needs their venv and
checkout (``--authors-src``); this checks what the driver records and what the benchmark makes of it.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from readme import render_bench  # scripts/readme.py
from wavetheory.io import read_json
from wavetheory.learning.config import TrainConfig
from wavetheory.thresholds import CURRICULUM_MASTERY, CURRICULUM_THRESHOLD, SOLVED_ACCURACY

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


FAKE_LIGHTNING = '''
__version__ = "fake"
class Callback:
    pass
class Trainer:
    def __init__(self, max_steps=-1, callbacks=(), **kwargs):
        self.max_steps, self.callbacks, self.global_step, self.should_stop = max_steps, list(callbacks), 0, False
    def fit(self, module):
        for c in self.callbacks:
            c.on_train_start(self, module)
        while self.global_step < self.max_steps and not self.should_stop:
            out = module.training_step(None, self.global_step)
            self.global_step += 1
            for c in self.callbacks:
                c.on_train_batch_end(self, module, out, None, 0)
'''

# batch accuracies: levels 10, 20, 40, 60 cleared at steps 2, 4, 5, 6 (0.96 exactly does not clear), 100 at step 9
ACCURACIES = [0.5, 0.97, 0.96, 0.99, 0.97, 0.97, 0.5, 0.9, 0.98, 0.99, 0.99]

FAKE_SCRIPT = f'''
import sys
from pytorch_lightning import Trainer
assert "--seed" in sys.argv, sys.argv  # the script's own arguments reach it
ACC = {ACCURACIES!r}
class Module:
    curriculum_horizons = [10, 20, 40, 60, 100]
    curriculum_threshold = 0.96
    current_curriculum = 0
    def training_step(self, batch, nb):
        acc = ACC[nb]
        if acc > self.curriculum_threshold and self.current_curriculum < len(self.curriculum_horizons) - 1:
            self.current_curriculum += 1
        return {{"loss": 0.0, "accuracy": acc}}
Trainer(max_epochs=300000).fit(Module())
'''


@pytest.fixture
def authors_src(tmp_path):
    src = tmp_path / "authors"
    (src / "pytorch_lightning").mkdir(parents=True)
    (src / "pytorch_lightning" / "__init__.py").write_text(FAKE_LIGHTNING)
    script = src / "experiments_public" / "2_all_linearVB" / "1_0_binary_linearVB.py"
    script.parent.mkdir(parents=True)
    script.write_text(FAKE_SCRIPT)
    return src


@pytest.mark.parametrize("max_steps, cleared, steps", [(20, [(10, 2), (20, 4), (40, 5), (60, 6), (100, 9)], 9),
                                                       (3, [(10, 2)], 3)])
def test_driver_records_each_level_at_the_first_batch_above_threshold_and_stops_after_the_last(
        authors_src, tmp_path, max_steps, cleared, steps):
    out = tmp_path / "theirs.json"
    proc = subprocess.run([sys.executable, str(BENCH / "authors_driver.py"), str(authors_src), str(out), str(max_steps),
                           "--seed", "3"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    rec = json.loads(out.read_text())
    assert [(lv["horizon"], lv["step_cleared"]) for lv in rec["levels"]] == cleared
    assert rec["steps"] == steps and rec["threshold"] == 0.96 and rec["lightning"] == "fake"
    walls = [lv["wall_cleared"] for lv in rec["levels"]]
    assert walls == sorted(walls) and rec["wall_seconds"] >= walls[-1]


def test_driver_refuses_a_folder_without_the_authors_script(tmp_path):
    proc = subprocess.run([sys.executable, str(BENCH / "authors_driver.py"), str(tmp_path), str(tmp_path / "x.json"), "5"],
                          capture_output=True, text=True)
    assert proc.returncode != 0 and "authors-src" in proc.stderr


def test_authors_part_runs_both_sides_and_the_readme_block_shows_them(authors_src, tmp_path):
    bench = _load("bench_train")
    part: dict = {"meta": bench.meta("test")}
    bench.authors_side_by_side(part, authors_src, sys.executable, [0], 12, tmp_path)
    (run,) = part["runs"]
    assert [lv["step_cleared"] for lv in run["authors"]["levels"]] == [2, 4, 5, 6, 9]
    assert run["ours"]["steps"] == 12 and run["ours"]["levels"][0]["horizon"] == 10  # ours ran under the same bound
    assert run["ours"]["eval_size"] == TrainConfig().final_eval_batch  # the reported accuracy's fresh sequences
    block = render_bench({"anchor": bench.ANCHOR, "authors": part})
    assert "Side by side" in block and "| 0 | 100 | 9," in block


def test_old_protocol_is_the_authors_preset_stopped_at_the_target_and_new_is_the_default():
    bench = _load("bench_train")
    old, new = bench.protocol_config("old", 3, 500), bench.protocol_config("new", 3, 500)
    assert old == TrainConfig.preset("authors", seed=3, steps=500, target=SOLVED_ACCURACY, checkpoint_every=1000)
    assert new == TrainConfig(seed=3, steps=500, checkpoint_every=1000)
    assert old.threshold == CURRICULUM_THRESHOLD and new.threshold > SOLVED_ACCURACY
    assert {k for k, v in old.to_json().items() if new.to_json()[k] != v} == {"threshold"}  # one change, nothing else


def _strip(run: dict) -> dict:
    """A protocol run without what the clock and the machine decide (wall times, load)."""
    out = {k: v for k, v in run.items() if k not in ("wall", "target_wall", "seconds_per_step", "load")}
    out["levels"] = [{k: v for k, v in lv.items() if k != "wall_cleared"} for lv in run["levels"]]
    return out


def test_protocol_records_every_run_as_it_ends_and_a_rerun_skips_or_extends_it(tmp_path, monkeypatch):
    """Tiny runs (repeat copy d = 1, s = 2, a few steps): the loop's bookkeeping, not the protocols' speed."""
    bench = _load("bench_train")
    monkeypatch.setitem(bench.NETWORKS, "authors", (bench.repeat_copy(1, 2), 4))
    path, out = tmp_path / "bench.json", tmp_path / "runs"
    record = bench.Record(path)
    saved = []
    save = record.save
    monkeypatch.setattr(record, "save", lambda: (save(), saved.append(len(read_json(path)["protocol"]["runs"]))))
    bench.protocol(record, record.part("protocol", "cmd"), ["authors"], [0, 1], None, out)
    assert saved == [1, 2, 3, 4]  # written after every run, so a stopped benchmark keeps what it measured
    runs = read_json(path)["protocol"]["runs"]
    assert [(r["protocol"], r["seed"], r["threshold"]) for r in runs] == [
        ("old", 0, CURRICULUM_THRESHOLD), ("new", 0, CURRICULUM_MASTERY), ("old", 1, CURRICULUM_THRESHOLD),
        ("new", 1, CURRICULUM_MASTERY)]  # seed by seed, old and new in alternation
    assert all(r["bound"] == r["steps"] == 4 and r["target_step"] is None for r in runs)  # censored at the bound
    assert all(r["levels"] == [{"horizon": 10, "step_cleared": None, "wall_cleared": None}] for r in runs)  # levels reached
    assert all(set(r["c7"]) == {"eig_mean", "eig_max", "angle_max", "modulus_mean", "n_outside", "horizon"} for r in runs)
    assert "| 0.96 | 0/2 | >4 | not reached |" in render_bench(read_json(path))  # all censored: no range

    # a rerun with the same bound trains nothing: every run is recorded
    monkeypatch.setattr(bench, "train", lambda *a, **k: pytest.fail("trained a recorded run again"))
    again = bench.Record(path)
    bench.protocol(again, again.part("protocol", "cmd"), ["authors"], [0, 1], None, out)
    assert again.data["protocol"]["runs"] == runs
    monkeypatch.undo()

    # a larger bound resumes each run from where it stopped and equals a straight run to that bound
    monkeypatch.setitem(bench.NETWORKS, "authors", (bench.repeat_copy(1, 2), 4))
    longer = bench.Record(path)
    bench.protocol(longer, longer.part("protocol", "cmd"), ["authors"], [0], 6, out)
    straight = bench.Record(tmp_path / "straight.json")
    bench.protocol(straight, straight.part("protocol", "cmd"), ["authors"], [0], 6, tmp_path / "straight")
    extended = [r for r in longer.data["protocol"]["runs"] if r["seed"] == 0]
    assert [r["bound"] for r in extended] == [6, 6] and len(longer.data["protocol"]["runs"]) == 4  # replaced, not added
    assert [_strip(r) for r in extended] == [_strip(r) for r in straight.data["protocol"]["runs"]]  # same seed, same result


@pytest.mark.parametrize("returncode", [0, 1, 2])
def test_reproduce_part_runs_the_cli_in_a_fresh_folder_and_records_its_statuses(monkeypatch, returncode):
    """A stand-in for ``wavetheory reproduce --quick`` (the real one takes minutes): what the part keeps of it."""
    bench = _load("bench_train")
    calls = []

    def fake_run(cmd, **kwargs):
        calls.append(cmd)
        out = Path(cmd[cmd.index("--out") + 1])
        assert not any(out.iterdir())  # a fresh folder: nothing reused from an earlier run
        (out / "claims.json").write_text(json.dumps({"meta": {"mode": "quick", "seed": 0},
                                                     "claims": [{"id": "C1", "status": "proved"}, {"id": "C7", "status": "refuted"}]}))
        return subprocess.CompletedProcess(cmd, returncode, "", "boom")

    part: dict = {"meta": bench.meta("test")}
    monkeypatch.setattr(bench.subprocess, "run", fake_run)
    if returncode == 2:  # a crash, not a refuted claim (exit 1): no time is recorded
        with pytest.raises(RuntimeError, match="boom"):
            bench.reproduce_quick(part)
        assert "wall_seconds" not in part
        return
    bench.reproduce_quick(part)
    assert calls[0][1:5] == ["-m", "wavetheory", "reproduce", "--quick"]
    assert part["statuses"] == {"C1": "proved", "C7": "refuted"} and (part["mode"], part["seed"]) == ("quick", 0)
    block = render_bench({"anchor": bench.ANCHOR, "reproduce": part})
    assert "`wavetheory reproduce --quick` in a fresh folder (quick mode, seed 0; every claim):" in block
