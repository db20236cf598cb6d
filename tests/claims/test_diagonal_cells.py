"""C15 from injected readings of trained diagonal cells (tests/fake_pool.py: a pool that trains nothing): each trained
check breaks on purpose and the row's status changes; the readings themselves come from a real (tiny) run."""

from __future__ import annotations

import math

import numpy as np
import pytest

from fake_pool import FakePool, result
from wavetheory.claims import cell_runs, diagonal_cells
from wavetheory.claims.cell_runs import c15_families, diagonal_reading, family_name
from wavetheory.claims.claim import Context, Plan
from wavetheory.claims.diagonal_cells import C15, angle_tolerance
from wavetheory.claims.evidence import Scope
from wavetheory.claims.proofs import ProofRun
from wavetheory.theory.diagonal_recurrence import diagonal_profile, target_states
from wavetheory.theory.tasks import repeat_copy

QUICK, FULL = Plan(), Plan(quick=False)
PROOFS = {"c15_diagonal_recurrences": ProofRun("c15_diagonal_recurrences", 0, 0.1, "injected", 3, Scope("injected"))}
_PROFILES: dict = {}


def diag_reading(acc=0.996, angle=0.02, modulus=0.97, init_angle=0.8, extra=((0.0, 0.1),)) -> dict:
    """A reading of a trained diagonal cell (the fields C15 reads): solved, Lambda at the targets (angle error 0.02 rad,
    below every tolerance here), moduli above 0.01^(1/100) = 0.955, one extra state near 0; its initialization far off."""
    return {"accuracy": acc, "nmse": 0.01, "trained": {"angle_max": angle, "modulus_mean": modulus, "lam": [[0.9, 0.1]],
                                                       "extra": [list(z) for z in extra]},
            "init": {"angle_max": init_angle}}


def per_seed(plan: Plan, **fields) -> list:
    """One reading per seed; a field given as a list sets the first seeds, the rest keep the good value."""
    out = []
    for i in range(len(plan.seeds)):
        kw = {f: v[i] for f, v in fields.items() if isinstance(v, list) and i < len(v)}
        kw.update({f: v for f, v in fields.items() if not isinstance(v, list)})
        out.append(diag_reading(**kw))
    return out


@pytest.fixture
def c15(tmp_path, monkeypatch):
    """c15(plan, {family name part: readings}) -> {row: status}; the exact profile is cached across runs (4 s each) and
    the figure drawn only when asked (``draw``)."""
    real = diagonal_cells.diagonal_profile

    def cached(task):
        key = (task.name, task.d, task.s)
        if key not in _PROFILES:
            _PROFILES[key] = real(task)
        return _PROFILES[key]

    monkeypatch.setattr(diagonal_cells, "diagonal_profile", cached)
    from wavetheory import plots

    real_plot = plots.plot_diagonal_spectra

    def go(plan=QUICK, readings=None, runs=None, draw=False):
        monkeypatch.setattr(plots, "plot_diagonal_spectra", real_plot if draw else lambda *a, path=None, **k: path)
        fams = {family_name(k): f for k, f in c15_families(plan).items()}
        R = {name: [(result(), r) for r in per_seed(plan)] for name in fams}
        for part, rs in (readings or {}).items():
            (name,) = [n for n in fams if part in n]
            R[name] = [(result(), r) for r in rs]
        R.update(runs or {})
        go.last = C15.run(Context(quick=plan.quick, out=tmp_path, pool=FakePool(fams, R), families=fams, proofs=go.proofs))
        return {r.id: r.status for r in go.last.rows}

    go.proofs = PROOFS
    return go


def named(res, *parts: str):
    (c,) = [c for c in res.checks if all(p in c.name for p in parts)]
    return c


LRU = "d = 2, s = 4|lru"


def test_c15_trained_rows_hold_on_good_readings(c15):
    assert c15(draw=True) == {"C15.1": "verified", "C15.2": "reproduced", "C15.3": "reproduced"}
    assert c15.last.figures and c15.last.figures[0][1].read_bytes().startswith(b"\x89PNG")


@pytest.mark.parametrize("fields", [
    {"angle": [0.5]},  # Lambda off the roots on one seed of five: the median's interval [min, max] leaves the tolerance
    {"modulus": [0.5]},  # a modulus far from 1
    {"init_angle": [0.01]},  # the control: already at the roots at initialization, so training showed nothing
    {"acc": [0.7]},  # one seed does not solve
])
def test_c15_each_trained_check_breaks_its_row_alone(c15, fields):
    assert c15(readings={LRU: per_seed(QUICK, **fields)}) == {"C15.1": "verified", "C15.2": "refuted", "C15.3": "reproduced"}


def test_c15_the_spectrum_is_read_on_the_solved_seeds_only(c15):
    # seed 1 did not solve and its Lambda is anywhere: the spectrum checks read the 4 solved seeds
    c15(readings={LRU: per_seed(QUICK, acc=[0.996, 0.7], angle=[0.02, 3.0])})
    angles = named(c15.last, "lru on", "learned Lambda")
    assert angles.passed and angles.values[1] is None and angles.k_of_n == (4, 5)
    # three unsolved seeds leave too few: the spectrum reads no data (open), the unsolved seeds refute "solves"
    assert c15(readings={LRU: per_seed(QUICK, acc=[0.7, 0.7, 0.7])})["C15.2"] == "refuted"
    assert named(c15.last, "lru on", "learned Lambda").passed is None
    assert "only 2 of 5 seeds" in named(c15.last, "lru on", "matched moduli").reason


def test_c15_runs_that_died_read_open_never_refuted(c15):
    name = family_name(next(k for k in c15_families(QUICK) if k[2] == "lru"))
    statuses = c15(runs={name: [None, None, None] + [(result(), r) for r in per_seed(QUICK)[3:]]})
    assert statuses["C15.2"] == "open" and "only 2 of 5 seeds" in c15.last.rows[1].decision[1]


def test_c15_extra_states_are_a_limit_that_reports_and_never_decides(c15):
    # a persistent state (|lambda| = 0.95 > 0.01^(1/s)) at angle pi/4, between the targets (4th roots of unity)
    assert c15(readings={LRU: per_seed(QUICK, extra=((0.67, 0.67),))})["C15.2"] == "reproduced"
    limit = named(c15.last, "lru on", "limit: the states beyond")
    assert limit.passed is False and set(limit.values) == {1}
    # the same modulus at a target (angle pi/2) is a matched state, not an extra one: the limit holds
    c15(readings={LRU: per_seed(QUICK, extra=((0.0, 0.95),))})
    assert named(c15.last, "lru on", "limit: the states beyond").passed


def test_c15_tasks_a_diagonal_cell_cannot_realize(c15):
    n = len(FULL.seeds)
    unsolved = [dict(diag_reading(acc=0.7), nmse=0.4) for _ in range(n)]
    statuses = c15(FULL, readings={"x0(t-1),+x1(t-1)": unsolved, "x2(t-2),+x2(t-2)": unsolved})
    assert statuses == {"C15.1": "verified", "C15.2": "reproduced", "C15.3": "reproduced"}
    assert named(c15.last, "not LTI-realizable").passed and named(c15.last, "not diagonal-realizable").passed is False
    # one seed solving the non-realizable task refutes the theorem's prediction (a universal negative)
    one = [diag_reading(acc=0.999)] + unsolved[1:]
    assert c15(FULL, readings={"x0(t-1),+x1(t-1)": one, "x2(t-2),+x2(t-2)": unsolved})["C15.2"] == "refuted"
    # the singular-P task solved anyway: a limit, reported only
    assert c15(FULL, readings={"x0(t-1),+x1(t-1)": unsolved})["C15.2"] == "reproduced"
    assert named(c15.last, "not diagonal-realizable").passed


def test_c15_1_the_state_count_check_fails_on_one_wrong_count(c15, monkeypatch):
    cached = diagonal_cells.diagonal_profile  # the fixture's cached exact profile

    class Off:  # the profile of one (d, s) with its state count off by one
        def __init__(self, p):
            self.p = p

        def __getattr__(self, name):
            return getattr(self.p, name)

        @property
        def n_complex_states(self):
            return self.p.n_complex_states + 1

    monkeypatch.setattr(diagonal_cells, "diagonal_profile", lambda t: Off(cached(t)) if (t.d, t.s) == (3, 5) else cached(t))
    assert c15()["C15.1"] == "refuted" and named(c15.last, "diagonal-realizable with").value == 1
    failed = {"c15_diagonal_recurrences": ProofRun("c15_diagonal_recurrences", 1, 0.1, "step 2 failed", None, Scope("x"))}
    monkeypatch.setattr(diagonal_cells, "diagonal_profile", cached)
    c15.proofs = failed
    assert c15()["C15.1"] == "refuted"


def test_angle_tolerance_is_a_quarter_of_half_the_gap():
    target = target_states(diagonal_profile(repeat_copy(3, 8)))
    assert angle_tolerance(target) == pytest.approx(0.25 * math.pi / 8)


def test_readings_of_a_real_run():
    from wavetheory.learning.config import TrainConfig
    from wavetheory.learning.trainer import train

    res = train(repeat_copy(2, 2), TrainConfig(cell="lru", hidden=4, batch=8, steps=3, horizons=(2, 4), eval_every=3,
                                               eval_batch=16), progress=False)
    r = diagonal_reading(res)
    assert 0 <= r["accuracy"] <= 1 and np.isfinite(r["nmse"]) and len(r["trained"]["lam"]) == 4
    assert r["trained"]["n_target"] == diagonal_profile(repeat_copy(2, 2)).n_complex_states
    assert len(r["trained"]["extra"]) == 4 - r["trained"]["n_target"]
    assert {"angle_max", "modulus_mean"} <= set(r["trained"]) and "angle_max" in r["init"]
    assert r["trained"]["gain"] and cell_runs.solved(r) == (r["accuracy"] >= 0.99)
