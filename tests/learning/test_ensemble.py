"""Tests of the batched ensemble: K seeds trained as one (stacked weights, batched matmuls) against K runs of
``train``, per-seed protocol kept (initialization, data, curriculum, stop rule), files readable by ``train``."""

import dataclasses

import numpy as np
import pytest
import torch

from wavetheory.cli import main
from wavetheory.learning.config import TrainConfig
from wavetheory.learning.ensemble import train_ensemble
from wavetheory.learning.pool import TrainingPool
from wavetheory.learning.trainer import TrainResult, train
from wavetheory.theory.tasks import repeat_copy

torch.set_num_threads(1)
TASK = repeat_copy(2, 3)
KEYS = ("W_hh", "W_uh", "W_hy")


def configs(n: int = 3, **kw) -> list[TrainConfig]:
    return [TrainConfig.preset("smoke", seed=seed, **{"steps": 40, "target": None, **kw}) for seed in range(n)]


def levels(r) -> list:
    """The curriculum's steps (walls aside): horizon, step reached, step cleared."""
    return [(lv["horizon"], lv["step_reached"], lv.get("step_cleared")) for lv in r.curriculum]


def gap(a, b) -> float:
    return max(float(np.max(np.abs(getattr(a.rnn, k) - getattr(b.rnn, k)))) for k in KEYS)


def test_an_ensemble_of_k_equals_k_ensembles_of_one_bit_for_bit():
    """Each member's slice of a batched matmul is computed alone: the members do not mix."""
    together = train_ensemble(TASK, configs(), progress=False)
    for c, r in zip(configs(), together):
        (alone,) = train_ensemble(TASK, [c], progress=False)
        assert gap(r, alone) == 0.0 and r.accuracy == alone.accuracy and levels(r) == levels(alone)


@pytest.mark.parametrize("cell", ["rnn", "linear"])
def test_an_ensemble_gives_the_weights_of_separate_runs_to_float32_rounding(cell):
    """Not bit-identical (torch.nn.RNN's fused step vs a batched matmul: the same products summed in another
    order, ~1 ulp apart per step). Weights of size ~0.3-1 in float32 (ulp 6e-8 at 1) after 40 Adam steps
    of lr 1e-3: Adam's update is ~lr per step whatever the gradient's size, so a rounding difference in a
    gradient moves a weight by at most ~lr x its relative size; measured gap ~5e-8. Bound: 1e-5, 100x the
    measured gap and 100x below one step's update (1e-3), so a wrong gradient (a mixed member, a missing
    clip) fails it."""
    cs = configs(cell=cell, horizons=(2, 4, 8), threshold=0.7)  # curricula that move at different steps
    for r, c in zip(train_ensemble(TASK, cs, progress=False), cs):
        alone = train(TASK, c)
        assert all(np.array_equal(getattr(r.init, k), getattr(alone.init, k)) for k in KEYS)  # the same start
        assert gap(r, alone) < 1e-5
        # a sign flips only for an output within ~1e-7 of 0: the curricula and accuracies agree exactly
        assert levels(r) == levels(alone) and r.steps == alone.steps
        assert r.accuracy == pytest.approx(alone.accuracy, abs=2 / 4096)  # at most a sign or two of 4096 x d


def test_members_stop_on_their_own_evaluation_and_keep_their_stopping_weights(tmp_path):
    cs = configs(steps=300, target=0.8, horizons=(4,))
    outs = [tmp_path / f"seed{c.seed}" for c in cs]
    results = train_ensemble(TASK, cs, outs, progress=False)
    stops = [r.target_step for r in results]
    assert all(s is not None for s in stops) and len(set(stops)) > 1  # each stopped, not all at once
    for c, r, out in zip(cs, results, outs):
        alone = train(TASK, c)
        assert r.target_step == alone.target_step and r.steps == r.target_step and gap(r, alone) < 1e-5
        back = train(TASK, c, out, resume=True)  # the files are train()'s: read back without training
        assert gap(back, r) == 0.0 and back.accuracy == r.accuracy and back.steps == r.steps


def pool_ensemble(tmp_path, cs, workers):
    """The configs trained by a pool asked for ensembles; each job's stored measure agrees with its result."""
    with TrainingPool(tmp_path, workers=workers, progress=False, ensemble=True) as pool:
        jobs = [pool.submit(TASK, c, measure=TrainResult.to_json) for c in cs]
        pool.start()
        results = [pool.result(j) for j in jobs]
        assert [pool.measured(j, TrainResult.to_json)["steps"] for j in jobs] == [r.steps for r in results]
    return results


def test_the_pool_trains_a_family_as_one_ensemble_when_asked(tmp_path, monkeypatch):
    import wavetheory.learning.pool as pool_module

    monkeypatch.setattr(pool_module, "_run_job", lambda *a: (_ for _ in ()).throw(AssertionError("trained alone")))
    cs = configs(2)
    results = pool_ensemble(tmp_path, cs, workers=0)
    assert all(gap(r, train(TASK, c)) < 1e-5 for r, c in zip(results, cs))


def test_bad_ensembles_are_refused_naming_the_argument(tmp_path, capsys):
    with pytest.raises(ValueError, match="equal but for the seed"):
        train_ensemble(TASK, [configs()[0], dataclasses.replace(configs()[1], lr=0.1)])
    with pytest.raises(ValueError, match="distinct"):
        train_ensemble(TASK, [configs()[0]] * 2)
    with pytest.raises(ValueError, match="no ensemble path"):
        train_ensemble(TASK, configs(2, cell="gru"))
    with pytest.raises(TypeError, match="configs"):
        train_ensemble(TASK, [])
    assert main(["train", "--task", "repeat-copy", "--d", "2", "--s", "3", "--ensemble", "0",
                 "--out", str(tmp_path)]) == 2
    assert "--ensemble" in capsys.readouterr().err


def test_cli_trains_an_ensemble_on_cpu(tmp_path, capsys):
    argv = ["train", "--task", "repeat-copy", "--d", "2", "--s", "3", "--preset", "smoke", "--device", "cpu",
            "--ensemble", "2", "--seed", "5", "--out", str(tmp_path)]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "ensemble of 2 seeds (cpu)" in out and "seed 6:" in out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["seed5", "seed6"]


def test_a_familys_future_hands_each_member_its_outcome_or_the_failure():
    import concurrent.futures as cf

    from wavetheory.learning.executor import member_future

    group = cf.Future()
    members = [member_future(group, i) for i in range(2)]
    group.set_result(["first", "second"])
    assert [m.result() for m in members] == ["first", "second"]
    failed = cf.Future()
    lost = member_future(failed, 0)
    failed.set_exception(ConnectionError("worker lost"))
    with pytest.raises(ConnectionError):
        lost.result()
    cancelled = cf.Future()
    gone = member_future(cancelled, 1)
    cancelled.cancel()
    assert gone.cancelled()


@pytest.mark.slow  # spawns a worker that imports torch (~15 s quiet)
def test_a_worker_trains_a_family_as_one_ensemble(tmp_path):
    cs = configs(2)
    results = pool_ensemble(tmp_path, cs, workers=1)
    for r, c in zip(results, cs):
        (alone,) = train_ensemble(TASK, [c], progress=False)
        assert gap(r, alone) == 0.0  # the ensemble's arithmetic (an ensemble of k = k ensembles of one)
