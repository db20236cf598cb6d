"""C7-C10 over seeds: each claim measures per-seed ``SubstrateReading`` objects, so each test injects readings through a
pool that trains nothing (tests/fake_pool.py), breaks one measurement on purpose and sees the row's status change
(no training: fast). A test on a compiled network checks what ``network_reading`` reads; a slow test trains tiny
networks through ``reproduce`` end to end."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from fake_pool import FakePool, result
from wavetheory.claims import authors_arm, substrate_flow, trained_checks
from wavetheory.claims.authors_arm import ArmReadings, AuthorsReading
from wavetheory.claims.claim import Context, Plan
from wavetheory.claims.evidence import Scope
from wavetheory.claims.proofs import ProofRun
from wavetheory.claims.substrate_flow import C9, C10
from wavetheory.claims.substrate_readings import (CONFIGS, LensReading, NetworkReading, OperatorReading,
                                                  SubstrateReading, network_reading, substrate_families)
from wavetheory.claims.trained_checks import C7, C8
from wavetheory.learning.spectrum_match import persistence_radius
from wavetheory.thresholds import EIG_MATCH, PHI_ERROR, SOLVED_ACCURACY, WAVE_R2

PLAN = Plan()  # quick: seeds 0-4
FAMILIES = substrate_families(PLAN)
PROOFS = {"c8_power_basis": ProofRun("c8_power_basis", 0, 0.1, "injected: all 4 checks passed", 4, Scope("injected"))}


def op(match: float, extra: float, free: float) -> OperatorReading:
    return OperatorReading(np.array([1.0 + 0j, 0.1j]), match, 0.002, 1.0, extra, 2, free, free)


def net(match: float, extra: float, free: float, r2: float, g0: float, rate: float, s: int) -> NetworkReading:
    grad = g0 * rate ** np.arange(2 * s)  # ||dh(1+k)/dx(1)||, k = 1..2s
    lens = LensReading(op(match, extra, free), 3, 1, 1e-15, 2.0, match, 2 * match, 12)  # the lenses read what W_hh reads
    return NetworkReading(op(match, extra, free), op(match, extra, free), r2, grad, grad.copy(), lens)


def good(s: int) -> SubstrateReading:
    """A seed on which every stated check and every control of C7-C10 passes (configuration with memory s).

    Trained: matches Phi, extra moduli 0.1 (below 0.01^(1/s) >= 0.316), free column 0.05, waves, gradients that grow
    with the lag. Initialization and null model: far from Phi, extra moduli 0.9 and 0.95, decaying gradients, the
    null's decaying faster (its g(s)/g(1) below the initialization's).
    """
    return SubstrateReading(0.996, 300, 300, 100, trained=net(0.02, 0.1, 0.05, 0.9, 0.9, 1.05, s),
                            init=net(0.5, 0.9, 1.0, 0.02, 0.4, 0.7, s), null=net(0.55, 0.95, 1.0, 0.03, 0.35, 0.65, s))


def arm(path: tuple[str, ...] = (), value=None, seeds: int = 1) -> ArmReadings:
    """The authors' arm (d = 8, s = 10): five seeds that reached their stop, each as ``good``; ``path`` = ``value`` on
    the first ``seeds`` seeds."""
    R = [AuthorsReading(k, 0.991, 9000, True, g.trained, g.init) for k, g in enumerate(good(authors_arm.S) for _ in range(5))]
    R[:seeds] = [setpath(r, path, value) for r in R[:seeds]] if path else R[:seeds]
    return ArmReadings(tuple(range(5)), tuple(R), "", "injected")


def setpath(obj, path: tuple[str, ...], value):
    """A copy of the frozen reading ``obj`` with the field at ``path`` set to ``value``."""
    if len(path) == 1:
        return replace(obj, **{path[0]: value})
    return replace(obj, **{path[0]: setpath(getattr(obj, path[0]), path[1:], value)})


def readings(cfg: str = "small", path: tuple[str, ...] = (), value=None, seeds: int = 1) -> dict[str, list]:
    """Good readings for both configurations; in ``cfg`` the first ``seeds`` seeds get ``path`` = ``value``."""
    out = {}
    for name, (d, s, _) in CONFIGS.items():
        R = [good(s) for _ in PLAN.seeds]
        if name == cfg and path:
            R[:seeds] = [setpath(r, path, value) for r in R[:seeds]]
        out[f"substrate-{name}"] = [(result(), r) for r in R]
    return out


@pytest.fixture
def run(tmp_path, monkeypatch):
    """run(claim, runs) -> {row: status}, with the claim's result as ``run.last``; figures off (one test draws them)."""
    for mod, fn in ((trained_checks, "_spectrum_figures"), (trained_checks, "_analysis_figures"),
                    (substrate_flow, "_gradient_figure")):
        monkeypatch.setattr(mod, fn, lambda *a, **k: [])

    def go(claim, runs=None, proofs=PROOFS, authors=None):
        ctx = Context(quick=True, out=tmp_path, pool=FakePool(FAMILIES, runs or readings(),
                                                              {"arm_readings": authors or arm()}),
                      families=FAMILIES, proofs=proofs)
        go.last = claim.run(ctx)
        return {r.id: r.status for r in go.last.rows}

    return go


def check(res, text: str, cfg: str = "small"):
    """The one check of ``res`` in configuration ``cfg`` whose name contains ``text``."""
    (c,) = [c for c in res.checks if c.name.startswith(trained_checks.label(cfg)) and text in c.name]
    return c


def test_the_good_readings_reproduce_every_row(run):
    assert run(C7) == {"C7.1": "reproduced", "C7.2": "reproduced"}
    assert run(C8) == {"C8.1": "reproduced"}
    assert run(C9) == {"C9.1": "reproduced"}
    assert run(C10) == {"C10.1": "reproduced"}
    trained = [c for c in run.last.checks if c.road == "trained"]
    assert trained and all(c.scope.seeds == PLAN.seeds and len(c.values) == 5 for c in trained)


# --------------------------------------------------------------------------- C7


def test_c7_1_fails_when_one_operator_misses_phi_on_one_seed_of_five(run):
    # n = 5: the median's interval is [min, max], so one seed outside the threshold fails the check
    assert run(C7, readings("small", ("trained", "W", "match_mean"), 2 * EIG_MATCH))["C7.1"] == "refuted"
    assert not check(run.last, "leading eigenvalues of W_hh").passed
    assert check(run.last, "leading eigenvalues of the operating-point Jacobian").passed
    assert run(C7, readings("paper", ("trained", "J", "match_mean"), 2 * EIG_MATCH))["C7.1"] == "refuted"


def test_c7_1_is_voided_when_the_untrained_networks_match_phi_as_well(run):
    # the null model matching Phi: the measurement does not tell a trained spectrum from a structureless one
    assert run(C7, readings("small", ("null", "W", "match_mean"), EIG_MATCH / 2)) == {"C7.1": "refuted", "C7.2": "reproduced"}
    assert check(run.last, "leading eigenvalues of W_hh").passed  # the stated value itself passed: voided by its control


def test_c7_2_refuted_when_the_trained_extra_modulus_exceeds_the_persistence_radius(run):
    s = CONFIGS["small"][1]
    r = persistence_radius(s)  # 0.01^(1/s)
    assert run(C7, readings("small", ("trained", "W", "extra_max"), 0.99 * r))["C7.2"] == "reproduced"
    assert run(C7, readings("small", ("trained", "W", "extra_max"), 1.01 * r)) == {"C7.1": "reproduced", "C7.2": "refuted"}
    c = check(run.last, "extra eigenvalues of W_hh lie near 0")
    assert c.threshold == pytest.approx(r) and c.interval[1] == pytest.approx(1.01 * r)


def test_c7_2_voided_when_the_initial_bulk_is_already_near_zero(run):
    r = persistence_radius(CONFIGS["paper"][1])
    assert run(C7, readings("paper", ("init", "W", "extra_max"), r / 2))["C7.2"] == "refuted"
    assert check(run.last, "extra eigenvalues of W_hh lie near 0", "paper").passed
    assert check(run.last, "control: at initialization the extra eigenvalues", "paper").passed is False


def test_c7_reads_open_when_fewer_than_three_seeds_solved(run):
    unsolved = SOLVED_ACCURACY - 0.01
    assert run(C7, readings("small", ("accuracy",), unsolved, seeds=2)) == {"C7.1": "reproduced", "C7.2": "reproduced"}
    statuses = run(C7, readings("small", ("accuracy",), unsolved, seeds=3))
    assert statuses == {"C7.1": "open", "C7.2": "open"}
    c = check(run.last, "leading eigenvalues of W_hh")
    assert c.passed is None and c.values[:3] == (None,) * 3 and "only 2 of 5 seeds" in c.reason
    assert "2/5 seeds solved" in c.detail


def test_a_failed_run_is_no_data_not_a_failure(run):
    runs = readings()
    runs["substrate-small"][:3] = [None] * 3  # three runs died on their workers
    assert run(C7, runs) == {"C7.1": "open", "C7.2": "open"}
    assert run(C9, runs) == {"C9.1": "open"}


def test_the_lenses_are_limits_reported_with_their_init_values_that_never_decide(run):
    # the fixed-point Jacobian and DMD far from Phi on every seed: the limits fail, the rows keep their status
    runs = readings("small", ("trained", "lens", "dmd_match"), 3 * EIG_MATCH, seeds=5)
    assert run(C7, runs) == {"C7.1": "reproduced", "C7.2": "reproduced"}
    c = check(run.last, "limit: the DMD eigenvalues")
    assert c.kind == "limit" and c.passed is False and c.numbers["dmd_match_init"] == [0.5] * 5
    assert check(run.last, "limit: the s*d leading eigenvalues of the Jacobian at the network's stable fixed point").passed
    # no stable fixed point on 3 seeds: no value there (the rule reads no other point), the limit reads open
    assert run(C7, readings("small", ("trained", "lens", "fixed_point"), None, seeds=3))["C7.1"] == "reproduced"
    c = check(run.last, "stable fixed point (input 0)")
    assert c.passed is None and "only 2 of 5" in c.reason
    assert run(C8, readings("small", ("trained", "lens", "fixed_point", "free_column"), 3 * PHI_ERROR)) == {"C8.1": "reproduced"}
    assert check(run.last, "limit: the readout power basis on the Jacobian").passed is False


# --------------------------------------------------------------------------- the authors' networks (authors_arm)


def arm_check(res, text: str):
    (c,) = [c for c in res.checks if c.name.startswith(authors_arm.LABEL) and text in c.name]
    return c


def test_the_authors_arm_is_judged_like_the_paper_configuration_against_its_initialization(run):
    assert run(C7, authors=arm()) == {"C7.1": "reproduced", "C7.2": "reproduced"}
    c = arm_check(run.last, "leading eigenvalues of W_hh")
    assert c.passed and c.scope.seeds == (0, 1, 2, 3, 4) and "5 seeds" in c.scope.text and c.numbers["accuracy"]
    assert run(C7, authors=arm(("trained", "W", "match_mean"), 2 * EIG_MATCH)) == {"C7.1": "refuted", "C7.2": "reproduced"}
    # the initialization matching Phi voids the reading (the arm's only control)
    assert run(C7, authors=arm(("init", "J", "match_mean"), EIG_MATCH / 2))["C7.1"] == "refuted"
    assert arm_check(run.last, "leading eigenvalues of the operating-point Jacobian").passed
    # runs that did not reach their stop give no value: three of five -> open
    assert run(C7, authors=arm(("stopped",), False, seeds=3)) == {"C7.1": "open", "C7.2": "open"}
    # C8: W_hh's free column failing is rescued by the Jacobian's, with its own passing control
    assert run(C8, authors=arm(("trained", "W", "free_column"), 3 * PHI_ERROR)) == {"C8.1": "refined"}
    assert run(C8, authors=arm(("init", "J", "free_column"), PHI_ERROR / 2)) == {"C8.1": "reproduced"}


def test_the_arms_checks_read_open_with_the_reason_when_the_files_are_absent(run, tmp_path):
    absent = ArmReadings((), (), f"folder: {tmp_path / 'absent'} not found")
    for claim, row in ((C7, "C7.1"), (C8, "C8.1")):
        run(claim, authors=absent)
        arm_checks = [c for c in run.last.checks if c.name.startswith(authors_arm.LABEL)]
        assert arm_checks and all(c.passed is None and "absent" in c.reason for c in arm_checks)
        status, reason = next(r for r in run.last.rows if r.id == row).decision
        assert status == "open" and "absent" in reason


# --------------------------------------------------------------------------- C8


def test_c8_free_column_of_w_hh_refined_by_the_jacobian(run):
    broken = readings("small", ("trained", "W", "free_column"), 3 * PHI_ERROR)
    assert run(C8, broken) == {"C8.1": "refined"}
    refined = check(run.last, "refined: with the operating-point Jacobian")
    assert refined.passed and refined.replaces == check(run.last, "readout power basis reveals Phi").name
    both = readings("small", ("trained", "W", "free_column"), 3 * PHI_ERROR)
    both["substrate-small"] = [(res, setpath(r, ("trained", "J", "free_column"), 3 * PHI_ERROR))
                               for res, r in both["substrate-small"]]
    assert run(C8, both) == {"C8.1": "refuted"}


def test_c8_a_null_model_revealing_phi_voids_the_w_reading_and_the_jacobian_rescues_it_with_its_own_control(run):
    assert run(C8, readings("small", ("null", "W", "free_column"), PHI_ERROR / 2)) == {"C8.1": "refined"}
    # the Jacobian's control failing alone: the stated W_hh reading holds, its refinement is not needed
    assert run(C8, readings("small", ("null", "J", "free_column"), PHI_ERROR / 2)) == {"C8.1": "reproduced"}
    # both controls failing: nothing rescues the voided check
    runs = readings("small", ("null", "W", "free_column"), PHI_ERROR / 2)
    runs["substrate-small"] = [(res, setpath(r, ("init", "J", "free_column"), PHI_ERROR / 2)) for res, r in runs["substrate-small"]]
    assert run(C8, runs) == {"C8.1": "refuted"}


def test_c8_the_compiled_control_and_the_proof_void_the_reading(run, monkeypatch):
    good_compiled = trained_checks.compiled_c8(0)
    bad = {**good_compiled, "orthogonal": {**good_compiled["orthogonal"], "input": 1e-3}}
    monkeypatch.setattr(trained_checks, "compiled_c8", lambda seed: bad)
    assert run(C8) == {"C8.1": "refuted"}  # a measurement that cannot read compiled networks exactly is broken
    monkeypatch.setattr(trained_checks, "compiled_c8", lambda seed: good_compiled)
    failed = {"c8_power_basis": replace(PROOFS["c8_power_basis"], returncode=1)}
    assert run(C8, proofs=failed) == {"C8.1": "refuted"}  # the power basis itself is wrong: neither operator rescues
    assert run(C8, proofs={}) == {"C8.1": "open"}  # proofs not run: no data


# --------------------------------------------------------------------------- C9


def test_c9_waves_and_their_control(run):
    assert run(C9, readings("paper", ("trained", "wave_r2"), WAVE_R2 / 2)) == {"C9.1": "refuted"}
    assert run(C9, readings("small", ("init", "wave_r2"), 0.9)) == {"C9.1": "refuted"}  # the control decodes: void
    # the null model gives no value: the control reads the initialization's alone
    assert run(C9, readings("small", ("null", "wave_r2"), None, seeds=5)) == {"C9.1": "reproduced"}
    runs = readings("small", ("null", "wave_r2"), None, seeds=5)
    runs["substrate-small"] = [(res, setpath(r, ("init", "wave_r2"), None)) for res, r in runs["substrate-small"]]
    assert run(C9, runs) == {"C9.1": "open"}  # no control value at all: no data, never a pass


# --------------------------------------------------------------------------- C10


def _grad(r: SubstrateReading, who: str, g: np.ndarray) -> SubstrateReading:
    return replace(r, **{who: replace(r.of(who), grad=np.asarray(g, dtype=float))})


def _with_grad(who: str, fn) -> dict[str, list]:
    runs = readings()
    s = CONFIGS["small"][1]
    runs["substrate-small"] = [(res, _grad(r, who, fn(s))) for res, r in runs["substrate-small"]]
    return runs


def test_c10_a_lag_losing_gradient_fails_the_statement_and_the_flow_across_the_substrate_decides(run):
    # after <= before at lag 1 (0.3 < the initialization's 0.4), yet g(s)/g(1) = 1/0.3 beats the controls': refined
    assert run(C10, _with_grad("trained", lambda s: np.r_[0.3, np.ones(2 * s - 1)])) == {"C10.1": "refined"}
    assert not check(run.last, "along trajectories, ||dh(1+k)/dx(1)|| after training").passed
    # below the initialization at every lag and decaying faster: nothing of the claim holds
    assert run(C10, _with_grad("trained", lambda s: 0.3 * 0.65 ** np.arange(2 * s))) == {"C10.1": "refuted"}


def test_c10_null_model_beating_the_initialization_at_every_lag_is_rescued_by_the_refined_flow(run):
    # null = 2 x init at every lag (the control fails: raw norms do not discriminate), same decay g(s)/g(1)
    assert run(C10, _with_grad("null", lambda s: 0.8 * 0.7 ** np.arange(2 * s))) == {"C10.1": "refined"}
    assert check(run.last, "control: the null model's ||dh(1+k)/dx(1)||").passed is False
    assert check(run.last, "refined: across the substrate").passed
    # the refined statement's own control: a null model whose g(s)/g(1) beats the initialization's voids it
    assert run(C10, _with_grad("null", lambda s: 0.8 * 0.9 ** np.arange(2 * s))) == {"C10.1": "refuted"}
    assert check(run.last, "control: the null model's g(s) / g(1)").passed is False


def test_c10_a_failing_refinement_of_a_passing_statement_reads_open(run):
    # trained grows at every lag but decays across the substrate faster than the init: g(s)/g(1) ratio < 1
    assert run(C10, _with_grad("trained", lambda s: 5 * 0.6 ** np.arange(2 * s))) == {"C10.1": "open"}
    assert check(run.last, "along trajectories, ||dh(1+k)/dx(1)|| after training").passed and not check(run.last, "refined: across").passed


def test_c10_the_linearization_at_zero_is_a_limit_that_never_decides(run):
    runs = readings()
    runs["substrate-small"] = [(res, replace(r, trained=replace(r.trained, grad_linear=r.init.grad_linear / 2)))
                               for res, r in runs["substrate-small"]]
    assert run(C10, runs) == {"C10.1": "reproduced"}
    assert check(run.last, "limit: at the linearization at 0").passed is False


# --------------------------------------------------------------------------- figures and the readings themselves


def test_the_figures_are_drawn_from_the_readings(tmp_path, monkeypatch):
    monkeypatch.setattr(trained_checks, "_analysis_figures", lambda *a, **k: [])  # needs trained networks
    runs = readings()
    runs["substrate-small"][0] = None  # a failed seed: the figures skip it
    ctx = Context(quick=True, out=tmp_path, pool=FakePool(FAMILIES, runs, {"arm_readings": arm()}), families=FAMILIES,
                  proofs=PROOFS)
    figures = [p for claim in (C7, C10) for _, p in claim.run(ctx).figures]
    assert {p.name for p in figures} == {"seeds_small.png", "seeds_paper.png", "spectrum_trained_small.png",
                                         "spectrum_trained_paper.png", "gradients_trained_small.png",
                                         "gradients_trained_paper.png"}
    assert all(p.read_bytes().startswith(b"\x89PNG") for p in figures)


def test_network_reading_of_a_compiled_wave_network_reads_phi():
    """On W_hh = Psi Phi Psi^T (orthogonal Psi, linear regime) every measurement sees Phi exactly."""
    from wavetheory.theory.tasks import repeat_copy
    from wavetheory.theory.two_phase import two_phase_batch
    from wavetheory.theory.wave_operator import compile_rnn, make_basis

    task = repeat_copy(3, 4)
    rnn = compile_rnn(task, make_basis("orthogonal", 16, rng=0))
    u = 1e-6 * two_phase_batch(task, 8, 6, rng=0)[0]  # tiny inputs: tanh is linear, the Jacobian is W_hh
    r = network_reading(rnn, task, u, seed=0)
    # float64 eigenvalues of a 16 x 16 orthogonal similarity of Phi: rounding ~1e-15 x cond, far below 1e-8
    assert r.W.match_mean < 1e-8 and r.W.free_column < 1e-8 and r.W.boundary_row < 1e-8
    assert r.W.extra_max < 1e-8 and r.W.n_extra == 16 - 12  # the unused dimensions sit at 0
    # the Jacobian at inputs of 1e-6 differs from W_hh by O(h^2) ~ 1e-12 relative: 1e-6 leaves room
    assert r.J.match_mean < 1e-6 and r.J.free_column < 1e-6
    # an intact shift carries a unit input across the substrate: ||Phi^k E|| = 1 for k < s, by autograd and in closed form
    assert r.grad[:3] == pytest.approx([1.0] * 3, rel=1e-6) and r.grad_linear[:3] == pytest.approx([1.0] * 3)


@pytest.mark.slow
def test_c7_to_c10_read_one_family_trained_once_per_seed_end_to_end(tmp_path, monkeypatch):
    """reproduce with tiny networks: four claims, one tiny configuration, five seeds, five trainings."""
    from wavetheory.claims import reproduce as main_job, substrate_readings

    monkeypatch.setattr(substrate_readings, "CONFIGS", {"small": (3, 4, {"hidden": 16, "batch": 8, "horizons": (4, 8),
                                                                         "steps": 30, "eval_batch": 32})})
    for mod in (trained_checks, substrate_flow):
        monkeypatch.setattr(mod, "CONFIGS", substrate_readings.CONFIGS)
    monkeypatch.setattr(authors_arm, "FOLDER", tmp_path / "no-authors-networks")  # the arm: no files, open with why
    results, training = main_job.reproduce(tmp_path, claims=["C7", "C8", "C9", "C10"], proofs=False, progress=False,
                                           workers=0)
    assert training["jobs"] == 5  # submitted up front, shared by the four claims
    assert len([p for p in (tmp_path / "runs").iterdir() if p.is_dir()]) == 5  # plus the journal and plan files
    for res in results:
        arm_checks = [c for c in res.checks if c.name.startswith(authors_arm.LABEL)]
        assert all(c.passed is None and "no-authors-networks" in c.reason for c in arm_checks)
        assert len(arm_checks) == {"C7": 6, "C8": 4}.get(res.id, 0)
        trained = [c for c in res.checks if c.road == "trained" and not c.name.startswith(authors_arm.LABEL)]
        assert trained and all(len(c.values) == 5 and c.scope.seeds == (0, 1, 2, 3, 4) for c in trained)
        assert all(r.status in ("reproduced", "refined", "refuted", "open") for r in res.rows) and res.to_json()["rows"]
    assert (tmp_path / "seeds_small.png").exists() and (tmp_path / "spectrum_trained_small.png").exists()
