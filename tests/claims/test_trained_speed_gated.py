"""C13 and C14 over seeds from injected runs (tests/fake_pool.py: a pool that trains nothing): break one measurement on
purpose, see the row's status change; every check the C14 study computes is judged; a limit reads no value on networks
that did not learn."""

from __future__ import annotations

import copy
from dataclasses import replace

import pytest

from fake_pool import FakePool, result
from wavetheory.claims import learning_speed
from wavetheory.claims.claim import Context, Plan
from wavetheory.claims.evidence import Scope
from wavetheory.claims.gated_study import C14, c14_families, specs
from wavetheory.claims.learning_speed import C13, Arm, available_arms, c13_families
from wavetheory.claims.proofs import ProofRun
from wavetheory.thresholds import SOLVED_ACCURACY

QUICK = Plan()
BOUND = learning_speed.BOUND[True]


def statuses(res) -> dict[str, str]:
    return {r.id: r.status for r in res.rows}


def named(res, text: str):
    (c,) = [c for c in res.checks if text in c.name]
    return c


# --------------------------------------------------------------------------- C13

STEPS = {"shift": (40, 50, 45, 60, 55), "default": (400, 380, 420, 500, 390), "orthogonal": (80, 90, 100, 70, 85),
         "identity": (None,) * 5, "wave": (3,) * 5}


def _c13_runs(plan: Plan, steps: dict | None = None, shift_tanh=0.5, wave_tanh=1.0, wave_linear=1.0) -> dict[str, list]:
    """Injected C13 runs: steps to the target (None: never reached) and the shift and wave arms' accuracy before
    training (tanh and linear part); every arm and s of the plan, the same per s (five values repeat over 20 seeds)."""
    steps = {**STEPS, **(steps or {})}
    n = len(plan.seeds)
    per_seed = lambda v: (list(v) * n)[:n] if isinstance(v, (list, tuple)) else [v] * n  # noqa: E731
    init = {"shift": {"tanh": per_seed(shift_tanh), "linear": per_seed(shift_tanh)},
            "wave": {"tanh": per_seed(wave_tanh), "linear": per_seed(wave_linear)}}
    runs = {}
    for name in c13_families(plan):
        arm = name.removeprefix("c13-").rsplit("-s", 1)[0]
        st = per_seed(steps.get(arm, (100,) * n))
        acc = [{"tanh": init[arm]["tanh"][i], "linear": init[arm]["linear"][i]} if arm in init else None for i in range(n)]
        runs[name] = [(result(target_step=st[i]), acc[i]) for i in range(n)]
    return runs


def c13(tmp_path, plan: Plan = QUICK, runs: dict | None = None, **kw):
    """C13 run on ``runs`` (default: ``_c13_runs(plan, **kw)``)."""
    fams = c13_families(plan)
    runs = _c13_runs(plan, **kw) if runs is None else runs
    return C13.run(Context(quick=plan.quick, out=tmp_path, pool=FakePool(fams, runs), families=fams))


@pytest.fixture
def no_plot(monkeypatch, tmp_path):
    """C13's figure stubbed (one test draws it): the checks do not depend on it."""
    from wavetheory import plots

    monkeypatch.setattr(plots, "plot_steps_to_solve", lambda *a, path=None, **k: path)


def test_c13_arms_are_data_and_a_missing_cell_is_listed_not_run(monkeypatch):
    names = [a.name for a in learning_speed.ARMS]
    assert {"default", "orthogonal", "identity", "shift", "wave"} <= set(names)
    monkeypatch.setattr(learning_speed, "ARMS", learning_speed.ARMS + (Arm("new-cell", {"cell": "no-such-cell"}, "reference"),))
    ok, missing = available_arms()
    assert "new-cell" in [a.name for a in missing] and "shift" in [a.name for a in ok]
    quick_ok, quick_missing = available_arms(quick=True)  # the costly reference cells run in full mode only
    assert {a.name for a in quick_missing} >= {a.name for a in learning_speed.ARMS if not a.quick}
    assert {"default", "orthogonal", "identity", "shift", "wave"} <= {a.name for a in quick_ok}
    assert "c13-new-cell-s10" not in c13_families(QUICK)


def test_c13_shift_vs_each_standard_initialization_paired_by_seed(tmp_path, no_plot):
    res = c13(tmp_path)
    # the wave-RNN arm runs in full mode only: C13.2 has no data in quick mode, and says why
    assert statuses(res) == {"C13.1": "reproduced", "C13.2": "open", "C13.3": "reproduced"}
    assert "full mode only" in res.rows[1].decision[1]
    assert [c.name.split(" than ")[1].split(" (")[0] for c in res.rows[0].checks if c.kind == "stated"] == [
        "default", "orthogonal", "identity"]
    # shift slower than orthogonal on one seed of five: the median's interval reaches above 1
    assert statuses(c13(tmp_path, steps={"orthogonal": (30, 90, 100, 70, 85)}))["C13.1"] == "refuted"
    assert named(c13(tmp_path, steps={"orthogonal": (30, 90, 100, 70, 85)}), "than orthogonal").interval[1] > 1


def test_c13_censored_runs_count_at_the_bound(tmp_path, no_plot):
    # identity never solves and shift always does: shift is faster on every seed
    identity = named(c13(tmp_path), "than identity")
    assert identity.passed and identity.values[0] == pytest.approx(40 / BOUND)
    # both censored: ratio 1, not faster
    both = named(c13(tmp_path, steps={"shift": (None,) * 5}), "than identity")
    assert not both.passed and set(both.values) == {1.0}
    assert f"> {BOUND}" in both.detail  # the censored median reads "beyond the bound"


def test_c13_a_failed_run_is_no_data_not_a_run_censored_at_the_bound(tmp_path, no_plot):
    runs = _c13_runs(QUICK)
    runs["c13-default-s10"][0] = None  # the default arm's run of seed 0 died on its worker
    faster = named(c13(tmp_path, runs=runs), "than default")
    # the seed is left out of the paired comparison (not counted as a default run censored at the bound)
    assert faster.values[0] is None and faster.k_of_n == (4, 5) and faster.passed
    assert "1 seed(s) with a failed run left out" in faster.detail
    # three dead runs leave too few pairs: no data, never a pass
    runs["c13-default-s10"][1:3] = [None, None]
    assert named(c13(tmp_path, runs=runs), "than default").passed is None


def test_c13_a_shift_arm_that_starts_solved_voids_the_race(tmp_path, no_plot):
    res = c13(tmp_path, shift_tanh=(0.5, 0.5, 0.995, 0.5, 0.5))
    assert statuses(res)["C13.1"] == "refuted" and named(res, "than default").passed  # voided by its control
    assert named(res, "does not solve before training (s = 10; fresh accuracy < 0.99) [C13.1]").passed is False


def test_c13_3_the_twm_solution_as_initialization_and_its_control(tmp_path, no_plot):
    # tanh squashing the compiled solution before training (measured at s = 40: 0.87): the stated check fails
    assert statuses(c13(tmp_path, wave_tanh=0.87)) == {"C13.1": "reproduced", "C13.2": "open", "C13.3": "refuted"}
    # an arm that is not the solution (its linear part fails): the control voids the row
    res = c13(tmp_path, wave_linear=(1.0, 1.0, 1.0, 0.6, 0.5))
    assert statuses(res)["C13.3"] == "refuted" and named(res, "solves before training (s = 10; fresh accuracy >=").passed


def test_c13_full_mode_decides_the_wave_rnn_row_at_every_s(tmp_path):
    full = Plan(quick=False)
    n, bound = len(full.seeds), learning_speed.BOUND[False]
    res = c13(tmp_path, full, steps={"wrnn": (200,) * n})
    assert statuses(res) == {"C13.1": "reproduced", "C13.2": "reproduced", "C13.3": "reproduced"}
    assert {c.name for c in res.rows[1].checks if c.kind == "stated"} == {
        f"the shift initialization solves repeat copy (d = 3, s = {s}) in fewer steps than wrnn (paired by seed)"
        for s in (10, 20, 40)}
    # the wave-RNN faster at every s: C13.2 refuted, C13.1 untouched
    assert statuses(c13(tmp_path, full, steps={"wrnn": (20,) * n})) == {
        "C13.1": "reproduced", "C13.2": "refuted", "C13.3": "reproduced"}
    assert "lru" in res.summary and f"> {bound}" not in named(res, "s = 40) in fewer steps than wrnn").detail
    (_, figure), = res.figures
    assert figure.name == "steps_to_solve.png" and figure.read_bytes().startswith(b"\x89PNG")


def test_c13_init_accuracy_reads_the_network_with_and_without_tanh():
    from wavetheory.learning.config import TrainConfig
    from wavetheory.learning.trainer import train
    from wavetheory.theory.tasks import repeat_copy

    res = train(repeat_copy(2, 3), TrainConfig(init="wave", hidden=12, steps=1, horizons=(6,), eval_every=1, eval_batch=16,
                                               batch=8), progress=False)
    acc = learning_speed.init_accuracy(res)
    assert set(acc) == {"tanh", "linear"} and acc["linear"] == 1.0  # the wave init's linear part is the exact solution


# --------------------------------------------------------------------------- C14

LIN = {"gru": {"max_error": 1e-16}, "lstm": {"max_error": 1e-16}, "lstm_spectrum_error": 1e-15}
COMP = {"hidden": 128, "nets": {
    **{n: {"basis_error": 1e-15, "slope": 2.0, "unit_accuracy": 1.0 if n == "elman" else 0.8} for n in ("elman", "gru", "lstm")},
    **{f"{n}_gates": {"basis_error": 1e-15, "slope": 1.05, "unit_accuracy": 0.7} for n in ("gru", "lstm")}},
    "gate_bias_unit_accuracy": {n: {"4.0": 1.0} for n in ("gru", "lstm")}}
C14_PROOF = {"c14_gated_linearization": ProofRun("c14_gated_linearization", 0, 0.1, "injected", 3, Scope("injected"))}


def reading(wave: bool, accuracy: float = 0.996) -> dict:
    """A solved network; ``wave``: the Elman picture (angles, waves, transport, root split), else a gated one's."""
    return {"accuracy": accuracy, "eig_match": {"angle_max": 0.001 if wave else 3.0}, "wave_r2": 0.8 if wave else 0.1,
            "lag_sign_accuracy": [0.999] * 4, "transport_sign_accuracy": [0.99 if wave else 0.7] * 3,
            "operating_point": {"angle_counts": [3] * 4 if wave else [6, 0, 6, 0]},
            "roots": {"angle_error_mean": 0.05, "total": 12},
            "init": {"roots": {"angle_error_mean": 0.4}, "lag_sign_accuracy": [0.9, 0.6, 0.55, 0.5]},
            "odd_residual": 0.0, "odd_network_accuracy_bound": 0.775}


def c14_readings() -> dict[str, list[dict]]:
    return copy.deepcopy({"rnn": [reading(True)] * 5, "gru": [reading(False)] * 5, "lstm": [reading(False)] * 5,
                          "majority": [reading(True)] * 5, "product": [dict(reading(True), accuracy=0.5)] * 5})


@pytest.fixture
def c14(tmp_path, monkeypatch):
    """c14(readings, lin, comp) -> the claim's result (figures off: they need the real study's numbers)."""
    from wavetheory import plots

    monkeypatch.setattr(plots, "gated_figures", lambda *a, **k: [])
    fams = c14_families(QUICK)

    def go(R=None, lin=LIN, comp=COMP, proofs=C14_PROOF):
        R = c14_readings() if R is None else R
        runs = {f"c14-{k}": [(result(), r) for r in v] for k, v in R.items()}
        pool = FakePool(fams, runs, {"linearization_part": lin, "compiled_part": comp})
        return C14.run(Context(quick=True, out=tmp_path, pool=pool, families=fams, proofs=proofs))

    return go


def test_every_check_the_c14_study_computes_is_judged(c14):
    res = c14()
    horizon = c14_families(QUICK)["c14-rnn"].configs()[0].horizons[-1]
    names = [s.name for s in specs(horizon)]
    assert sorted(c.name for c in res.checks if not c.name.startswith("proofs/")) == sorted(names)
    assert len(set(names)) == len(names)
    assert {"lstm_solved", "majority_solved", "gru_substrate", "compiled_gru_gates_slope"} <= {
        s.key for s in specs(10)}  # the checks the audit found computed and ignored
    assert statuses(res) == {"C14.1": "verified", "C14.2": "verified", "C14.3": "reproduced", "C14.4": "reproduced",
                             "C14.5": "reproduced", "C14.6": "reproduced"}
    gated = [c for c in res.checks if c.kind == "limit" and ("trained gru" in c.name or "trained lstm" in c.name)]
    # the injected gated readings break the linear picture: every limit fails, and the rows stay reproduced
    assert len(gated) == 8 and all(c.passed is False for c in gated)


@pytest.mark.parametrize("family,key,value,row", [
    ("lstm", "accuracy", 0.981, "C14.5"),  # the LSTM does not solve: a stated check
    ("majority", "accuracy", 0.9889, "C14.6"),  # nor the nonlinear task
    ("gru", "lag_sign_accuracy", [0.999, 0.999, 0.9, 0.5], "C14.4"),  # a solved GRU that does not store the past
    ("rnn", "transport_sign_accuracy", [0.7] * 3, "C14.3"),
    ("rnn", "operating_point", {"angle_counts": [6, 0, 6, 0]}, "C14.3"),
    ("gru", "init", {"lag_sign_accuracy": [0.99] * 4}, "C14.4"),  # a control that holds every lag untrained: void
])
def test_c14_breaking_a_trained_check_on_one_seed_refutes_its_row(c14, family, key, value, row):
    R = c14_readings()
    R[family][0][key] = value
    got = statuses(c14(R))
    assert got[row] == "refuted" and all(s != "refuted" for r, s in got.items() if r != row)


def test_c14_breaking_a_numeric_check_refutes_its_row(c14):
    comp = copy.deepcopy(COMP)
    comp["nets"]["lstm_gates"]["slope"] = 1.5
    assert statuses(c14(comp=comp))["C14.2"] == "refuted"
    lin = {**LIN, "gru": {"max_error": 1e-6}}
    assert statuses(c14(lin=lin))["C14.1"] == "refuted"
    failed = {"c14_gated_linearization": replace(C14_PROOF["c14_gated_linearization"], returncode=1)}
    assert statuses(c14(proofs=failed))["C14.1"] == "refuted"


def test_a_limit_never_passes_because_a_network_failed_to_train(c14):
    R = c14_readings()
    R["gru"] = [reading(False, accuracy=0.6) for _ in range(5)]  # angles off *because* nothing was learned
    res = c14(R)
    gru_limits = [c for c in res.checks if c.kind == "limit" and "trained gru" in c.name]
    assert len(gru_limits) == 4 and all(c.passed is None for c in gru_limits)  # no data, never a pass or a fail
    assert all(v is None for c in gru_limits for v in c.values)
    assert statuses(res)["C14.4"] == "refuted"  # and the unsolved GRU is a failed stated check


def test_the_odd_network_bound_needs_the_odd_symmetry(c14):
    assert named(c14(), "two-bit product").passed is False  # the injected product runs sit at chance
    R = c14_readings()
    for r in R["product"]:
        r["odd_residual"] = 1e-3  # the network is not odd: the bound says nothing about it
    bound = named(c14(R), "two-bit product")
    assert bound.passed is None and bound.kind == "limit"
