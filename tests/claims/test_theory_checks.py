"""The theory claims C1-C6, C11, C12: every computed check is recorded, and breaking one check changes the status.

Each break test damages one piece the claim's checks rely on (a library function, the autograd road,
the realizability criterion) and asserts that the status moves from its honest value to ``refuted``
and that the failing check is the one that was targeted. Runs skip proofs/ (tests/test_proofs.py runs
them); the honest records are computed once per module.
"""

import numpy as np
import pytest

import wavetheory.claims.theory_checks as tc
from wavetheory.claims.evidence import Check
from wavetheory.claims.reproduce import reproduce

THEORY = ["C1", "C2", "C3", "C4", "C5", "C6", "C11", "C12"]


@pytest.fixture(scope="module")
def honest(tmp_path_factory):
    """Honest records of every theory claim, and every Check each claim function constructed."""
    made: list[Check] = []
    real = tc.Check

    def recording(*args, **kw):
        c = real(*args, **kw)
        made.append(c)
        return c

    out = {}
    mp = pytest.MonkeyPatch()
    mp.setattr(tc, "Check", recording)
    try:
        for cid in THEORY:
            made.clear()
            (res,), _ = reproduce(tmp_path_factory.mktemp(cid), claims=[cid], proofs=False, progress=False)
            out[cid] = (res, list(made))
    finally:
        mp.undo()
    return out


@pytest.mark.parametrize("cid", THEORY)
def test_every_computed_check_is_in_the_record(honest, cid):
    # no computed-and-ignored checks: each Check a claim function builds ends up in its result
    res, made = honest[cid]
    assert made, f"{cid} built no check"
    recorded = {id(c) for c in res.checks}
    missing = [c.name for c in made if id(c) not in recorded]
    assert not missing, f"{cid} computed checks it does not report: {missing}"
    assert all(c.detail and c.scope.text for c in res.checks if c.road != "symbolic" or c.value is not None), cid


@pytest.mark.parametrize("cid", THEORY)
def test_honest_statuses(honest, cid):
    res, _ = honest[cid]
    # without proofs/ (not run here) nothing is general: the numeric and bounded symbolic checks verify,
    # and C12's quick analysis fails as stated and is replaced by the theorem's checks
    assert res.status == ("refined" if cid == "C12" else "verified"), res.evidence
    if cid == "C12":
        failed = [c for c in res.checks if not c.passed]
        assert [c.kind for c in failed] == ["stated"]
        assert {c.replaces for c in res.checks if c.kind == "refined"} == {failed[0].name}


def _broken(tmp_path, monkeypatch, cid, target, fn):
    monkeypatch.setattr(*target, fn)
    (res,), _ = reproduce(tmp_path, claims=[cid], proofs=False, progress=False)
    return res


def _failed(res):
    return [c.name for c in res.checks if not c.passed]


def test_break_c1_lag_order(tmp_path, monkeypatch):
    orig = tc.simulate
    res = _broken(tmp_path, monkeypatch, "C1", (tc, "simulate"), lambda b, h, n: orig(b, np.asarray(h)[..., ::-1, :], n))
    assert res.status == "refuted" and any("direct recursion" in n for n in _failed(res))


def test_break_c5_lag_alignment_of_the_boundary_gradient(tmp_path, monkeypatch):
    # issue 12: shifting dC/dA_k to A_(k+1) left the old check (local vs full, one code path) passing at 0.0;
    # against the autograd road the teacher-forcing check now fails
    import wavetheory.theory.gradients as g

    orig = g.boundary_gradients
    shifted = lambda *a, **k: tuple(np.roll(x, 1, axis=0) for x in orig(*a, **k))  # noqa: E731
    res = _broken(tmp_path, monkeypatch, "C5", (g, "boundary_gradients"), shifted)
    assert res.status == "refuted"
    assert any(n.startswith("teacher forcing") for n in _failed(res))
    local, full = shifted(np.ones((2, 1, 1)), np.ones((1, 2, 1)), np.zeros((1, 3, 1)), teacher_forcing=True)
    assert np.array_equal(local, full)  # the old comparison could not see it


def test_break_c6_transformer(tmp_path, monkeypatch):
    import wavetheory.learning.transformer as tr

    orig = tr.generate
    res = _broken(tmp_path, monkeypatch, "C6", (tr, "generate"), lambda m, h, n: orig(m, h, n) * (1 + 1e-8))
    assert res.status == "refuted" and len(_failed(res)) == 2


def test_break_c11_tanh(tmp_path, monkeypatch):
    import torch

    orig = torch.tanh
    res = _broken(tmp_path, monkeypatch, "C11", (torch, "tanh"), lambda x: orig(x * (1 + 1e-6)))
    assert res.status == "refuted" and _failed(res)


def test_break_c12_horizon_condition(tmp_path, monkeypatch):
    # a criterion without its horizon condition (i <= min(s, H-1)) disagrees with the least-squares fit at
    # short horizons: the theorem's refined check fails and nothing replaces the quick analysis
    import wavetheory.theory.realizability as rz

    orig = rz.is_realizable
    res = _broken(tmp_path, monkeypatch, "C12", (rz, "is_realizable"), lambda task, horizon=None: orig(task, None))
    assert res.status == "refuted"
    assert any(n.startswith("refined (C12 theorem): realizable at horizon H") for n in _failed(res))


def test_break_c12_sufficiency(tmp_path, monkeypatch):
    # a criterion that calls the repeat-copy-like tasks unrealizable fails the stated sufficiency check
    import wavetheory.theory.realizability as rz

    orig = rz.is_realizable
    res = _broken(tmp_path, monkeypatch, "C12", (rz, "is_realizable"),
                  lambda task, horizon=None: orig(task, horizon) and not set(task.active_lags) <= {task.s})
    assert res.status == "refuted" and any(n.startswith("'only A_s != 0'") for n in _failed(res))
