"""The full reproduction (``wavetheory reproduce`` without ``--quick``) end to end, every training run cut to a few steps.

Full mode trains for hours and has branches quick mode never takes: 20 seeds per family, C13 at
s = 10, 20, 40 with the wave-RNN and LRU arms, C14's two-horizon curriculum, C15's S4D and the tasks a
diagonal cell cannot realize, C16's singular-P task and capacity curves. A crash there after hours of
training is the failure this file guards against. The plan is the real full plan (every family, task,
cell, hidden size and horizon), with 2 seeds instead of 20 and every run cut to 3 optimizer steps at the
seam where the pool calls the trainer; each job and its result cross a pickle round trip, as they cross
the process boundary to a worker. The readings, checks, figures and reports then run on the networks as
they are: they did not learn, and every check must still be computed and every claim still get a status.

A pool turns an exception in training or in a reading into a failed seed (a claim reads it as None), so
"no crash" is not enough: the test also asserts that no job failed.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import pickle
import re
from pathlib import Path

import pytest

from wavetheory._validate import require_memory
from wavetheory.claims import authors_arm, claim as claim_mod, gated_measurements, reproduce as main_job, trained_runs
from wavetheory.claims.cell_runs import c15_families, c16_families
from wavetheory.claims.claim import FULL_SEEDS, Plan
from wavetheory.claims.evidence import CHECK_KINDS, EVIDENCE_ROADS, STATUSES
from wavetheory.claims.gated_study import c14_families
from wavetheory.claims.learning_speed import c13_families
from wavetheory.claims.registry import claim
from wavetheory.claims.reproduce import families_of
from wavetheory.claims.substrate_readings import substrate_families
from wavetheory.claims.trained_runs import workload
from wavetheory.learning import pool as pool_mod
from wavetheory.learning import trainer

TRAINED = ["C7", "C8", "C9", "C10", "C13", "C14", "C15", "C16"]
SEEDS = 2  # 2 seeds, not 20: every branch runs (a trained check reads "no data" below 3 seeds, which is a branch too)
STEPS = 3  # optimizer steps per run: the curriculum, evaluation and checkpoint code all run, nothing learns
PNG = b"\x89PNG\r\n\x1a\n"
BENCH = Path(__file__).resolve().parents[2] / "benchmarks"


def work(plan: Plan, ids: list[str]) -> dict[str, int]:
    """What reproduce would train for the claims ``ids`` (families built once, shared runs counted once)."""
    return workload(*families_of(plan, [claim(c) for c in ids]))


def test_the_full_plan_is_larger_than_the_quick_one_and_has_the_full_only_families():
    """Guards the end-to-end test below against running quick mode by mistake: the full plan's own families."""
    quick, full = Plan(quick=True), Plan(quick=False)
    for cid in TRAINED:  # every trained claim trains more, and over 20 seeds
        q, f = work(quick, [cid]), work(full, [cid])
        assert f["jobs"] > q["jobs"] and f["steps"] > q["steps"], cid
        assert f["jobs"] % FULL_SEEDS == 0 and q["jobs"] % len(quick.seeds) == 0, cid
    assert work(full, TRAINED)["families"] > work(quick, TRAINED)["families"]
    trains = lambda ids: {k: v for k, v in work(full, ids).items() if k != "calls"}  # noqa: E731  (C7/C8 add the arm)
    assert trains(["C7"]) == trains(["C10"]) == trains(["C7", "C8", "C9", "C10"])  # one substrate family set
    assert work(full, TRAINED)["jobs"] < sum(work(full, [c])["jobs"] for c in TRAINED)  # shared runs count once
    assert work(full, TRAINED)["calls"] == 3  # C14's linearizations and compiled networks, C7/C8's authors' arm (once)
    arms = lambda plan: {k.removeprefix("c13-").rsplit("-s", 1)[0] for k in c13_families(plan)}  # noqa: E731
    assert arms(full) >= {"wrnn", "lru"} and not arms(quick) & {"wrnn", "lru"}
    assert {int(k.rsplit("-s", 1)[1]) for k in c13_families(full)} == {10, 20, 40}
    assert {k[0] for k in c16_families(full)} == {"sharp", "singular", "capacity"}
    assert {k[2] for k in c16_families(full) if k[0] == "capacity"} == {"linear", "rnn", "gru", "lstm", "lru"}
    assert {k[2] for k in c15_families(full)} == {"lru", "s4d"} and "other" in {k[0] for k in c15_families(full)}
    assert c14_families(full)["c14-rnn"].configs()[0].horizons == (10, 20)
    assert substrate_families(full)["substrate-paper"].task.d == 8  # the authors' configuration, in both modes


def test_the_work_script_prints_the_plan_counts():
    """benchmarks/full_mode_work.py prints workload's numbers, per claim and in total (nothing trained)."""
    spec = importlib.util.spec_from_file_location("full_mode_work", BENCH / "full_mode_work.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    counts = module.counts()
    assert module.TRAINED == TRAINED  # every claim with trained families, in ID order
    assert counts["full"]["total"] == work(Plan(quick=False), TRAINED)
    assert counts["quick"]["C13"] == work(Plan(quick=True), ["C13"])
    lines = module.table(counts).splitlines()
    assert [line.split()[0] for line in lines[1:]] == TRAINED + ["total"]
    assert lines[-1].split()[-1] == f"{counts['full']['total']['steps']:,}"


def test_the_work_script_takes_each_run_s_cpu_from_its_training_sitting(tmp_path):
    """A run read back in a later sitting has a second, cheaper journal record: the larger one is its training's."""
    spec = importlib.util.spec_from_file_location("full_mode_work", BENCH / "full_mode_work.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    journal = tmp_path / "journal.jsonl"
    records = [{"key": "a", "folder": "run_a", "cpu_seconds": 120.0}, {"key": "b", "folder": "run_b", "cpu_seconds": 3.0},
               {"key": "a", "folder": "run_a", "cpu_seconds": 2.5}]  # run_a read back: readings only
    journal.write_text("".join(json.dumps(r) + "\n" for r in records) + '{"key": "b", "folder": "run_b", "cpu_se')
    assert module._sitting_cpu(journal) == {"run_a": 120.0, "run_b": 3.0}  # the torn last line is ignored
    assert module._sitting_cpu(tmp_path / "none.jsonl") == {}


@pytest.fixture(params=["none-solved", "seed0-solved-seed1-failed"])
def tiny_full_mode(request, monkeypatch):
    """Full mode with SEEDS seeds and every run cut to STEPS steps; (the (job, TrainResult) trained, the seeds that fail,
    a dict that receives the run's pool and results).

    Networks of STEPS steps solve nothing, so the branches that read solved networks only (C14's and C15's
    limit checks, C16's singular task, C13's uncensored steps) would never run: in the second case the
    results of seed 0 *report* a solved run (accuracy 1, target reached at the last step) while their
    networks stay as trained, and every run of seed 1 raises in training, as a run killed on a worker does.
    Those verdicts mean nothing; the test is that every branch runs.
    """
    solved, failing = ((), ()) if request.param == "none-solved" else ((0,), (1,))
    monkeypatch.setattr(claim_mod, "FULL_SEEDS", SEEDS)  # Plan.seeds reads it when a plan is built
    real_train, real_run_job, trained = trainer.train, pool_mod._run_job, []

    def short_train(task, config, *args, **kwargs):
        # the real run's memory check, on the planned sizes (batch 64, eval_batch 512, full horizons)
        require_memory(trainer.train_bytes(task, config), f"planned run {config.cell} hidden {config.hidden}")
        if config.seed in failing:
            raise RuntimeError("injected: this seed's run died")
        # the planned config keeps its task, cell, hidden size and horizons (the readings run at full size);
        # only the step bound and the batches shrink
        result = real_train(task, dataclasses.replace(config, steps=min(config.steps, STEPS), batch=8, eval_batch=32),
                            *args, **kwargs)
        result = dataclasses.replace(result, config=config)  # readings see the planned configuration
        if config.seed in solved:
            result = dataclasses.replace(result, accuracy=1.0, target_step=result.target_step or result.steps)
        return result

    def via_pickle(job, out, measures):  # what a worker receives and returns crosses a pickle round trip
        job, out, measures = pickle.loads(pickle.dumps((job, out, measures)))
        value = real_run_job(job, out, measures)
        trained.append((job, value[0]))
        return pickle.loads(pickle.dumps(value))

    monkeypatch.setattr(trainer, "train", short_train)
    monkeypatch.setattr(pool_mod, "_run_job", via_pickle)
    # C14's compiled networks are the same in quick and full mode and cost ~10 s at horizon 100: run them at 20
    monkeypatch.setattr(gated_measurements, "HORIZON", 20)
    captured = {}
    real_reproduce, real_start = main_job.reproduce, main_job.start_training

    def reproduce_without_proofs(*args, **kwargs):  # the proofs are the same in both modes and take minutes
        results, training = real_reproduce(*args, **{**kwargs, "proofs": False})
        captured["results"] = results
        return results, training

    def start_and_keep(*args, **kwargs):
        captured["pool"] = real_start(*args, **kwargs)
        return captured["pool"]

    monkeypatch.setattr(main_job, "reproduce", reproduce_without_proofs)
    monkeypatch.setattr(main_job, "start_training", start_and_keep)
    return trained, failing, captured


@pytest.mark.slow
def test_full_mode_runs_end_to_end_on_networks_that_did_not_learn(tmp_path, tiny_full_mode):
    trained, failing, captured = tiny_full_mode
    out = tmp_path / "full"
    summary = main_job.run_main_job(out, quick=False, claims=TRAINED, progress=False, workers=0)
    assert summary["claims"].keys() == set(TRAINED)

    # every planned job ran once; none failed but the injected ones (a failure would hide as a missing seed)
    plan = Plan(quick=False)
    assert plan.seeds == tuple(range(SEEDS))
    planned = work(plan, TRAINED)["jobs"]  # the full plan at SEEDS seeds
    pool = captured["pool"]
    failed = {k: repr(v[0]) for k, v in pool._done.items() if isinstance(v[0], BaseException)}
    assert all("injected" in e for e in failed.values()), failed
    assert len(pool.jobs) == planned and len(failed) == planned * len(failing) // SEEDS
    assert len(trained) == planned - len(failed)
    assert {j.config.cell for j, _ in trained} == {"rnn", "gru", "lstm", "linear", "lru", "s4d", "wrnn"}
    assert all(r.steps <= STEPS for _, r in trained)

    data = json.loads((out / "claims.json").read_text())
    assert data["meta"]["mode"] == "full" and [c["id"] for c in data["claims"]] == TRAINED
    for res in captured["results"]:
        assert res.status in STATUSES and res.checks, res.id
        for c in res.checks:
            assert c.kind in CHECK_KINDS and c.road in EVIDENCE_ROADS, (res.id, c.name)
            if c.road == "trained" and c.name.startswith(authors_arm.LABEL):  # the authors' files: their own seeds
                arm = {int(k.removeprefix("seed")) for k in authors_arm.load_manifest()["networks"]}
                assert set(c.scope.seeds) == arm and len(c.values) == len(arm), (res.id, c.name)
            elif c.road == "trained":  # over the run's seeds
                assert set(c.scope.seeds) <= set(range(SEEDS)) and len(c.values) >= SEEDS, (res.id, c.name)
    assert all(c["status"] in STATUSES for c in data["claims"])
    names = " | ".join(c.name for r in captured["results"] for c in r.checks)
    assert "P singular" in names and "capacity: no linear RNN below n_min" in names  # C16's full-only checks
    assert "not LTI-realizable" in names and "not diagonal-realizable" in names  # C15's full-only tasks
    assert "than wrnn" in names and "s = 40" in names  # C13's full-only arm and horizon
    for f in summary["figures"]:
        blob = Path(f).read_bytes()
        assert blob.startswith(PNG) and len(blob) > 2000, f  # a PNG with axes and text; a stub or empty file is smaller
    figures = {Path(f).name for f in summary["figures"]}
    assert {"steps_to_solve.png", "capacity.png", "diagonal_spectra.png", "seeds_paper.png", "seeds_small.png",
            "c14_amplitude.png"} <= figures
    md = (out / "report.md").read_text()
    assert all(re.search(rf"\b{cid}\b", md) for cid in TRAINED) and "data:image/png;base64," in (out / "report.html").read_text()
    for f in summary["figures"]:  # every figure is linked from the markdown report
        assert str(Path(f).relative_to(out)) in md
