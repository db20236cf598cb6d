"""Tests of wavetheory.theory.realizability: the exact C12 condition against Toeplitz maps and LTI fits."""

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wavetheory.strategies import linear_tasks, realizable_tasks, signed_selection_tasks
from wavetheory.cli import main
from wavetheory.theory.realizability import (
    fit_lti_from_data, is_realizable, min_lti_mse, realizability_report, required_map, selection_realizable,
    shift_register_rnn, toeplitz_fit, violations,
)
from wavetheory.theory.tasks import LinearHDS, fibonacci, repeat_copy, signed_selection
from wavetheory.theory.two_phase import two_phase_batch
from wavetheory.theory.wave_operator import compile_rnn


def toeplitz_exact(K: np.ndarray) -> bool:
    """K[t-s, tau] depends on t - tau only (exact comparison; K holds Fractions or integers)."""
    return bool(np.all(K[1:, 1:] == K[:-1, :-1])) if K.shape[0] > 1 and K.shape[1] > 1 else True


@settings(max_examples=40)
@given(linear_tasks(integer=True, max_d=3, max_s=4), st.integers(1, 6))
def test_condition_is_exactly_the_toeplitz_property(task, H):
    assert is_realizable(task, H) == toeplitz_exact(required_map(task, H, exact=True))


@settings(max_examples=40)
@given(signed_selection_tasks(max_d=4, max_s=5))
def test_selection_form_of_the_condition(task):
    assert is_realizable(task) == selection_realizable(task)


@settings(max_examples=25)
@given(realizable_tasks(max_d=3, max_s=4), st.integers(0, 2**31))
def test_compiled_wave_rnn_realizes_every_realizable_task(task, seed):
    assert is_realizable(task)
    horizon = 2 * task.s + 2
    u, y = two_phase_batch(task, 16, horizon, rng=seed)
    out, _ = compile_rnn(task).run(u)  # identity basis: integer weights, inputs +-1
    # integer weights, +-1 inputs: every value is an integer; only A_s acts on the read components,
    # so |x(t)| <= (row sum 6)^(t/s) * 6 <= 6^15 < 2^53 for t <= 3s+2: float64 is exact here
    assert np.array_equal(out[:, task.s :], y)


@settings(max_examples=25)
@given(signed_selection_tasks(max_d=3, max_s=4), st.integers(0, 2**31))
def test_compiled_rnn_fails_exactly_on_unrealizable_selection_tasks(task, seed):
    horizon = task.s + 1
    u, y = two_phase_batch(task, 64, horizon, rng=seed)
    out, _ = compile_rnn(task).run(u)
    err = np.max(np.abs(out[:, task.s :] - y))  # integers in {-1, 0, 1} sums: exact in float64
    if is_realizable(task):
        assert err == 0.0
    else:
        # the error is sum_tau (G(t-tau) - K(t,tau)) x(tau) with a non-zero integer matrix: >= 1 for
        # some of 64 random +-1 histories (each misses with probability <= 1/2)
        assert err >= 1.0


@settings(max_examples=20)
@given(signed_selection_tasks(max_d=3, max_s=4), st.integers(1, 5))
def test_least_squares_lti_fit_from_data(task, H):
    G, rel = fit_lti_from_data(task, H, batch=64, rng=0)
    _, rss = toeplitz_fit(required_map(task, H))
    if is_realizable(task, H):
        # exact Toeplitz data: the residual is lstsq rounding, ~cond(Z) eps with cond(Z) < 1e2 for
        # 64 random +-1 histories; 1e-9 leaves a wide margin
        assert rss == 0.0 and rel < 1e-9
        g, _ = toeplitz_fit(required_map(task, H))
        assert np.allclose(G, g, atol=1e-9)
    else:
        # integer map: rss >= 1/2, i.e. min MSE >= 1/(2 H d) per component while targets have mean
        # square <= 1; the sample residual can only be smaller by the overfit factor
        # (1 - p/n) >= 1 - (s+H-1) d / (64 H) >= 0.8, so rel >= sqrt(0.8/(2 H d)) >= 0.16 > 1e-2
        assert rss >= 0.5 and rel > 1e-2
        assert min_lti_mse(task, H) >= 1 / (2 * H * task.d)


def test_shift_register_realizes_any_task_at_horizon_one_and_any_toeplitz_map():
    task = fibonacci(2, 3)
    assert is_realizable(task, horizon=1) and not is_realizable(task, horizon=2)
    g, rss = toeplitz_fit(required_map(task, 1))
    assert rss == 0.0
    G = np.concatenate([np.zeros((1, 2, 2)), g])  # G(0) is never scored
    u, y = two_phase_batch(task, 8, 1, rng=3)
    out, _ = shift_register_rnn(G).run(u)
    assert np.array_equal(out[:, 3:], y)  # integer arithmetic: exact


def test_the_refinement_example_and_theory_examples():
    task = signed_selection("x1(t-1), x1(t-2)")  # A_1 != 0 and still realizable
    assert np.any(task.A(1) != 0) and is_realizable(task) and violations(task) == []
    assert violations(signed_selection("x0(t-1)", s=2)) == [(1, 1)]  # x(t) = x(t-1), s = 2
    assert not is_realizable(fibonacci(1, 2)) and is_realizable(repeat_copy(3, 5))
    assert is_realizable(fibonacci(3, 1))  # s = 1: no short lags at all


def test_min_lti_mse_value():
    # x(t) = x(t-1), s = 2, horizon 2: K(2, .) = [0, 1], K(3, .) = [0, 1]; diagonals t - tau:
    # n = 1: {K(2,1) = 1}, n = 2: {K(2,0) = 0, K(3,1) = 1}, n = 3: {K(3,0) = 0} -> RSS = 1/2
    task = signed_selection("x0(t-1)", s=2)
    assert toeplitz_fit(required_map(task, 2))[1] == 0.5
    assert min_lti_mse(task, 2) == 0.25


def test_required_map_exact_matches_float_and_rollout():
    task = LinearHDS([[[1.0, -1.0], [0.0, 2.0]], [[0.5, 0.0], [1.0, 0.0]]])
    K, Kx = required_map(task, 4), required_map(task, 4, exact=True)
    assert np.array_equal(K, Kx.astype(float))
    u, y = two_phase_batch(task, 5, 4, rng=1)
    assert np.allclose(np.einsum("htij,btj->bhi", K, u[:, :2]), y, rtol=0, atol=1e-12)  # values ~1e1: float sums


def test_fit_is_deterministic_for_a_seed():
    a = fit_lti_from_data(fibonacci(2, 2), 3, batch=32, rng=7)
    b = fit_lti_from_data(fibonacci(2, 2), 3, batch=32, rng=7)
    assert np.array_equal(a[0], b[0]) and a[1] == b[1]


@pytest.mark.parametrize(
    "call, exc, word",
    [
        (lambda: violations("task"), TypeError, "task"),
        (lambda: violations(fibonacci(1, 2), horizon=0), ValueError, "horizon"),
        (lambda: is_realizable(fibonacci(1, 2), horizon=True), ValueError, "horizon"),
        (lambda: required_map(fibonacci(1, 2), None), ValueError, "horizon"),
        (lambda: selection_realizable(fibonacci(1, 2)), ValueError, "signed-selection"),
    ],
)
def test_bad_input_names_the_argument(call, exc, word):
    with pytest.raises(exc, match=word):
        call()


def test_report_and_cli(capsys):
    rep = realizability_report(fibonacci(1, 3))
    assert not rep["realizable"] and rep["violations"][0] == (1, 1) and rep["min_lti_mse"] > 0
    rc = main(["realizable", "--task", "repeat-copy", "--d", "2", "--s", "3", "--json"])
    out, err = capsys.readouterr()
    res = json.loads(out)
    assert rc == 0 and res["realizable"] is True and res["violations"] == [] and res["toeplitz_residual"] == 0.0
    rc = main(["realizable", "--task", "fibonacci", "--d", "1", "--s", "2", "--horizon", "1"])
    out, _ = capsys.readouterr()
    assert rc == 0 and "realizable by a linear time-invariant RNN: yes" in out
    rc = main(["realizable", "--task", "fibonacci", "--d", "1", "--s", "2", "--horizon", "0"])
    out, err = capsys.readouterr()
    assert rc == 2 and out == "" and len(err.strip().splitlines()) == 1 and "--horizon" in err


# --------------------------------------------------------------------------- exact values (found by mutation testing)


def test_fit_residual_is_relative_and_the_horizon_is_validated():
    _, rel = fit_lti_from_data(signed_selection("x0(t-1)", s=2), 2, batch=64, rng=0)
    assert 0.1 < rel < 1.0  # a relative residual: the fit explains part of the targets
    with pytest.raises(ValueError, match="horizon"):
        fit_lti_from_data(fibonacci(1, 2), 0)


@pytest.mark.parametrize("lags, why", [
    ([[[1.0, 0.0], [0.0, 0.0]], [[0.0, 0.0], [1.0, 0.0]], [[0.0, 0.0], [0.0, 0.0]]], "ok"),
    ([[[1.0, 1.0], [0.0, 0.0]], [[0.0, 0.0], [0.0, 0.0]]], "component 0 copies twice, component 1 nothing"),
    ([[[2.0, 0.0], [0.0, 0.0]], [[0.0, 0.0], [0.0, -1.0]]], "a weight 2 is not a selection"),
])
def test_selection_realizable_accepts_only_signed_selections(lags, why):
    task = LinearHDS(lags)
    if why == "ok":
        assert selection_realizable(task) == is_realizable(task)
    else:
        with pytest.raises(ValueError, match="signed-selection"):
            selection_realizable(task)


def test_report_values_and_the_horizon():
    task = fibonacci(2, 3)
    rep = realizability_report(task)
    assert (rep["d"], rep["s"], rep["horizon"], rep["i_max"]) == (2, 3, "unbounded", 3)
    assert rep["min_lti_mse"] == min_lti_mse(task, 4)  # an unbounded horizon is measured at H = s + 1
    short = realizability_report(task, horizon=2)
    assert (short["horizon"], short["i_max"], short["realizable"]) == (2, 1, False)
    _, rss = toeplitz_fit(required_map(task, 2))
    assert short["toeplitz_residual"] == rss and short["min_lti_mse"] == rss / (2 * 2)
    assert realizability_report(task, horizon=1)["i_max"] == 0 and realizability_report(task, horizon=1)["realizable"]
    assert realizability_report(task, horizon=9)["i_max"] == 3
    with pytest.raises(ValueError, match="horizon"):
        realizability_report(task, horizon=0)


def test_required_map_dtypes_and_messages():
    task = fibonacci(2, 2)
    assert required_map(task, 2).dtype == np.float64 and required_map(task, 2, exact=True).dtype == object
    with pytest.raises(ValueError, match="horizon: expected an integer >= 1"):
        required_map(task, 0)
    with pytest.raises(TypeError, match="task: expected a LinearHDS, got str"):
        violations("task")
