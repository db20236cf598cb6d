"""C16 from injected accuracies of trained linear RNNs (tests/fake_pool.py: a pool that trains nothing) and the exact
symbolic checks on small task sets: each check breaks on purpose and the row's status changes."""

from __future__ import annotations

import pytest

from fake_pool import FakePool, result
from wavetheory.claims import minimal_memory
from wavetheory.claims.cell_runs import c16_families, family_name
from wavetheory.claims.claim import Context, Plan
from wavetheory.claims.evidence import Scope
from wavetheory.claims.minimal_memory import C16
from wavetheory.claims.proofs import ProofRun

QUICK, FULL = Plan(), Plan(quick=False)
PROOFS = {"c16_minimal_memory": ProofRun("c16_minimal_memory", 0, 0.1, "injected", 3, Scope("injected"))}
SHARP = "sharp|repeat-copy d = 1, s = 3|linear|"  # n_min = 3: trained at 2, 3 and 4 states
# d = 3, s = 1 holds every signed selection that leaves a component unread and still needs s*d states (exhaustive over
# the quick sets); (1, 1) and (2, 2) hold none
NO_COUNTEREXAMPLE, COUNTEREXAMPLES = [(1, 1), (2, 2)], [(3, 1)]
BELOW, AT, ABOVE = [0.75, 0.8, 0.7, 0.9, 0.5], [1.0] * 5, [1.0] * 5


@pytest.fixture
def c16(tmp_path, monkeypatch):
    """c16(plan, accuracies by family name (a list per seed, None: the run died), sets) -> {row: status}."""
    from wavetheory import plots

    monkeypatch.setattr(plots, "plot_capacity", lambda *a, path=None, **k: path)

    def go(plan=QUICK, acc=None, sets=NO_COUNTEREXAMPLE, proofs=PROOFS):
        monkeypatch.setattr(minimal_memory, "selection_sets", lambda quick: sets)
        fams = {family_name(k): f for k, f in c16_families(plan).items()}
        n = len(plan.seeds)
        default = {f"{SHARP}2": BELOW, f"{SHARP}3": AT, f"{SHARP}4": ABOVE}
        runs = {}
        for name, fam in fams.items():
            values = (acc or {}).get(name, default.get(name, [1.0 if fam.sizes["hidden"] >= fam.sizes["n_min"] else 0.8]))
            values = (list(values) * n)[:n]
            runs[name] = [None if a is None else (result(), {"accuracy": a, "nmse": 1 - a}) for a in values]
        go.last = C16.run(Context(quick=plan.quick, out=tmp_path, pool=FakePool(fams, runs), families=fams, proofs=proofs))
        return {r.id: r.status for r in go.last.rows}

    return go


def named(res, text: str):
    (c,) = [c for c in res.checks if text in c.name]
    return c


def test_c16_holds_on_good_runs(c16):
    assert c16() == {"C16.1": "verified", "C16.2": "verified", "C16.3": "reproduced"}
    assert named(c16.last, "no linear RNN with n_min - 1 = 2 states").universal


def test_c16_3_below_n_min_is_a_universal_negative(c16):
    # one network with n_min - 1 states that solves refutes the bound (and fails the control of the row's other check)
    assert c16(acc={f"{SHARP}2": [1.0, 0.8, 0.7, 0.9, 0.5]})["C16.3"] == "refuted"
    assert named(c16.last, "no linear RNN with n_min - 1").value == 1  # one counterexample


def test_c16_3_gradient_descent_missing_the_exact_size_is_refined_by_the_exact_minimal_rnn(c16):
    # found at n_min on 3 of 5 seeds: "linear RNNs with n_min states reach the target" fails; the exact minimal RNN
    # solves the task (n_min suffices) and n_min + 1 is reliable: refined
    assert c16(acc={f"{SHARP}3": [1.0, 1.0, 0.83, 1.0, 0.9]})["C16.3"] == "refined"
    assert named(c16.last, "refined: n_min = 3 states suffice").value < 1e-9
    # ... unless n_min + 1 is unreliable too: its control voids the negative below n_min
    assert c16(acc={f"{SHARP}3": [1.0, 1.0, 0.83, 1.0, 0.9], f"{SHARP}4": [1.0, 0.8, 0.8, 1.0, 1.0]})["C16.3"] == "refuted"


def test_c16_3_runs_that_died_read_open(c16):
    assert c16(acc={f"{SHARP}2": [None, None] + BELOW[2:]})["C16.3"] == "open"  # a universal check needs every seed
    assert "every seed" in c16.last.rows[2].decision[1]


def test_c16_2_the_wording_is_refuted_where_a_never_read_component_still_needs_sd_states(c16, monkeypatch):
    assert c16(sets=COUNTEREXAMPLES)["C16.2"] == "refuted"  # the one stated check failed: nothing of the wording held
    never = named(c16.last, "whenever a stored component is never read")
    assert never.value > 0 and "x0(t-1)" in never.detail
    exact = named(c16.last, "refined: n_min = s (d - dim K)")
    assert exact.passed and exact.value == 0  # the corrected statement, reported beside the refutation
    # break the exact statement: pretend P were invertible on every task
    real = minimal_memory.task_structure
    monkeypatch.setattr(minimal_memory, "task_structure", lambda task: real(task).__class__(
        **{**real(task).__dict__, "P_invertible": True}))
    c16(sets=COUNTEREXAMPLES)
    assert named(c16.last, "refined: n_min = s (d - dim K)").passed is False


def test_c16_1_repeat_copy_needs_sd_states_and_the_proof(c16, monkeypatch):
    real = minimal_memory.minimal_realization

    class Off:  # the minimal realization of repeat copy d = 2, s = 5 with one state too many
        def __init__(self, m):
            self.m = m

        def __getattr__(self, name):
            return getattr(self.m, name)

        @property
        def n(self):
            return self.m.n + 1

    monkeypatch.setattr(minimal_memory, "minimal_realization",
                        lambda task: Off(real(task)) if (task.d, task.s) == (2, 5) else real(task))
    assert c16()["C16.1"] == "refuted" and named(c16.last, "repeat copy needs s*d states").value == 1
    monkeypatch.setattr(minimal_memory, "minimal_realization", real)
    failed = {"c16_minimal_memory": ProofRun("c16_minimal_memory", 1, 0.1, "step 3 failed", None, Scope("x"))}
    assert c16(proofs=failed)["C16.1"] == "refuted"
    assert c16(proofs={})["C16.1"] == "open"  # proofs not run: no data


def test_c16_full_mode_capacity_curves_and_the_singular_task(c16):
    statuses = c16(FULL)
    assert statuses == {"C16.1": "verified", "C16.2": "verified", "C16.3": "reproduced"}
    capacity = named(c16.last, "capacity: no linear RNN below n_min solves")
    n = len(FULL.seeds)
    assert capacity.passed and capacity.kind == "limit" and len(capacity.values) == 3 * n  # hidden 3, 4, 5 below n_min 6
    assert named(c16.last, "P singular").passed
    rows = capacity.numbers["capacity"]
    assert [r[0] for r in rows["lru"]] == [4, 6, 8]  # LRU at 2 x its complex states (n_complex = 3 for d = 2, s = 3)
    assert [r[1] for r in rows["linear"]] == [0.0, 0.0, 0.0, 1.0, 1.0] and rows["linear"][3][2] > 0.5  # Wilson low end
    # one linear RNN below n_min that solves: the limit fails; a limit never changes the status
    below = family_name(next(k for k in c16_families(FULL) if k[0] == "capacity" and k[2] == "linear" and k[3] == 4))
    assert c16(FULL, acc={below: [1.0] + [0.8] * (n - 1)})["C16.3"] == "reproduced"
    assert named(c16.last, "capacity: no linear RNN below n_min solves").passed is False
