"""Tests of the wave operator Phi, its spectrum, the compiled linear RNN and the Markov parameters (C3, C4, C5, C12)."""

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from wavetheory.strategies import bases, ds, histories, linear_tasks, ss
from wavetheory.theory.tasks import LinearHDS, fibonacci, repeat_copy, signed_selection
from wavetheory.theory.two_phase import two_phase_batch
from wavetheory.theory.wave_memory import run_two_phase, simulate
from wavetheory.theory.wave_operator import (
    E,
    LinearRNN,
    Phi,
    StructuredPhi,
    block_shift,
    charpoly,
    compile_rnn,
    continuation_map,
    group_eigenvalues,
    make_basis,
    markov_parameters,
    spectrum,
)


@given(ds, ss)
def test_shift_is_nilpotent_of_index_s(d, s):
    S = block_shift(d, s)
    P = np.linalg.matrix_power
    assert np.array_equal(P(S, s), np.zeros_like(S))  # exact: 0/1 integer arithmetic
    assert np.any(P(S, s - 1) != 0)


@given(ds, ss)
def test_phi_is_shift_plus_boundary_row(d, s):
    task = fibonacci(d, s)
    M = Phi(task)
    np.testing.assert_array_equal(M[: (s - 1) * d], block_shift(d, s)[: (s - 1) * d])
    for k in range(1, s + 1):  # block column i = s+1-k of the last block row holds A_k
        i = s + 1 - k
        np.testing.assert_array_equal(M[(s - 1) * d :, (i - 1) * d : i * d], task.A(k))


@given(linear_tasks(), st.data())
def test_phi_advances_the_flattened_substrate(task, data):
    """h(t+1) = Phi h(t): one step of the dense operator equals one step of the wave memory."""
    hist = data.draw(histories(task.d, task.s))
    nxt = simulate(task.boundary, hist, 1)  # x(s)
    h = hist.reshape(hist.shape[0], -1)
    expect = np.concatenate([hist[:, 1:], nxt], axis=1).reshape(h.shape)
    # one matvec with O(1) entries: 1e-12 absolute is ~1e4 eps
    np.testing.assert_allclose(h @ Phi(task).T, expect, atol=1e-12)
    np.testing.assert_allclose(StructuredPhi(task).apply(h), expect, atol=1e-12)


@given(linear_tasks(only_last_lag=True), st.data())
def test_c3_compiled_rnn_equals_wave_memory_in_every_basis(task, data):
    """C3: with only A_s non-zero, the linear RNN W_hh = Psi Phi Psi^-1 reproduces the TWM."""
    extra = data.draw(st.integers(0, 3))
    n = task.s * task.d + extra
    Psi = data.draw(bases(n))
    rnn = compile_rnn(task, Psi)
    inputs, _ = two_phase_batch(task, 3, 2 * task.s + 1, rng=data.draw(st.integers(0, 99)))
    y, _ = rnn.run(inputs)
    wave = run_two_phase(task.boundary, inputs, task.s)
    # cond(Psi) < 1e3 and ~3s steps of O(1) products: errors ~ cond * T * eps ~ 1e-11; 1e-9 is safe
    np.testing.assert_allclose(y[:, task.s :], wave, atol=1e-9)


def test_c3_fails_when_a_lag_below_s_feeds_back():
    """The C3 equivalence needs the boundary to stay silent during the input phase (see C12).

    x(t) = x(t-1) with s = 2: the linear RNN adds the boundary feedback to the written inputs.
    """
    task = LinearHDS([np.eye(1), np.zeros((1, 1))])
    inputs, _ = two_phase_batch(task, 8, 3, rng=0)
    y, _ = compile_rnn(task).run(inputs)
    wave = run_two_phase(task.boundary, inputs, task.s)
    assert np.max(np.abs(y[:, task.s :] - wave)) > 0.5  # off by x(0), a +-1 value


@given(linear_tasks(), st.data())
def test_eigenvalues_are_basis_invariant(task, data):
    n = task.s * task.d
    Psi = data.draw(bases(n, kinds=("orthogonal", "invertible")))
    W = compile_rnn(task, Psi).W_hh
    # tasks with lags below s have defective zero eigenvalues (Jordan chains up to length s) whose
    # numerical spread is ~(cond * eps)^(1/s): compare characteristic polynomials instead, whose
    # coefficients are well conditioned: ~cond(Psi) * n * eps ~ 1e-11, so 1e-8 is safe
    np.testing.assert_allclose(np.poly(W), np.poly(Phi(task)), atol=1e-8)


@given(ds, ss)
def test_c4_repeat_copy_spectrum_is_roots_of_unity(d, s):
    ev = spectrum(repeat_copy(d, s))
    assert ev.size == s * d
    # Phi is a permutation matrix (normal): eigenvalues accurate to ~10 eps; 1e-12 is safe
    np.testing.assert_allclose(ev**s, np.ones(s * d), atol=1e-12)
    groups = group_eigenvalues(ev, tol=1e-9)
    assert len(groups) == s and all(m == d for _, m in groups)


@given(linear_tasks(integer=True))
def test_charpoly_block_formula_matches_dense(task):
    """C4 numerically: det(lam^s I - sum lam^(s-k) A_k) == det(lam I - Phi), coefficientwise."""
    # integer task: both sides are integer polynomials; np.poly from eigenvalues of a matrix with
    # entries |a| <= 2 and n <= 24 is accurate to ~1e-6 relative, and the block formula rounds exactly
    cp = charpoly(task)
    assert np.all(cp == np.round(cp))
    np.testing.assert_allclose(cp, np.poly(Phi(task)), atol=1e-6 * max(1.0, np.abs(cp).max()))


def test_charpoly_known_cases():
    assert charpoly(fibonacci(1, 3)).tolist() == [1, -1, -1, -1]
    # (lam^2 - 1)^2 = lam^4 - 2 lam^2 + 1
    assert charpoly(repeat_copy(2, 2)).tolist() == [1, 0, -2, 0, 1]
    # x0(t) = -x0(t-2): lam^2 + 1
    assert charpoly(signed_selection("-x0(t-2)")).tolist() == [1, 0, 1]


def test_E_selects_blocks():
    e = E(2, 3, 2)
    assert e.shape == (6, 2)
    np.testing.assert_array_equal(e[2:4], np.eye(2))
    assert np.count_nonzero(e) == 2
    with pytest.raises(ValueError, match="i"):
        E(2, 3, 0)


def test_wave_basis_jacobians_travel():
    """Phi^k E_s = E_{s-k} for k < s when the boundary does not feed back (C5, used by gradients)."""
    d, s = 2, 5
    M = Phi(repeat_copy(d, s))
    for k in range(s):
        np.testing.assert_array_equal(np.linalg.matrix_power(M, k) @ E(d, s, s), E(d, s, s - k))


@pytest.mark.parametrize("kind", ["identity", "orthogonal", "invertible"])
def test_make_basis(kind):
    B = make_basis(kind, 6, rng=3)
    assert B.shape == (6, 6) and np.linalg.cond(B) < 1e3
    np.testing.assert_array_equal(B, make_basis(kind, 6, rng=3))  # seeded
    with pytest.raises(ValueError, match="kind"):
        make_basis("weird", 3)


def test_compile_validation():
    task = repeat_copy(2, 3)
    with pytest.raises(ValueError, match="at least"):
        compile_rnn(task, hidden=4)
    with pytest.raises(ValueError, match="singular"):
        compile_rnn(task, np.zeros((6, 6)))
    with pytest.raises(TypeError, match="LinearHDS"):
        compile_rnn("repeat-copy")
    with pytest.raises(ValueError, match="W_hy"):
        LinearRNN(np.eye(3), np.ones((3, 1)), np.ones((2, 3)))
    with pytest.raises(ValueError, match="nonlinearity"):
        compile_rnn(task).run(np.zeros((1, 2, 2)), nonlinearity="relu")


def test_spectrum_of_extra_dims_is_zero():
    task = fibonacci(1, 3)
    W = compile_rnn(task, make_basis("orthogonal", 7, rng=0)).W_hh
    ev = spectrum(W)
    # four extra zero-dynamics dimensions add four eigenvalues at 0 (semisimple: accurate to 1e-12)
    assert np.sum(np.abs(ev) < 1e-9) == 4
    # the rest is the spectrum of Phi (simple eigenvalues of the tribonacci companion: 1e-10 is safe)
    np.testing.assert_allclose(np.sort_complex(ev[np.abs(ev) > 1e-9]), np.sort_complex(spectrum(task)), atol=1e-10)


# --------------------------------------------------------------------------- Markov parameters (C5, C12, C16)


@given(linear_tasks(), st.integers(0, 12))
def test_markov_parameters_are_E_s_T_Phi_n_E_s(task, n_max):
    """The recursion G(n) = sum_k A_k G(n-k) against the definition E_s^T Phi^n E_s by matrix powers."""
    G = markov_parameters(task, n_max)
    P, Es = Phi(task), E(task.d, task.s, task.s)
    want = np.stack([Es.T @ np.linalg.matrix_power(P, n) @ Es for n in range(n_max + 1)])
    # lags of size O(1), n <= 12 products: both roads round at ~n eps times the entries' scale
    scale = max(1.0, float(np.max(np.abs(want))))
    np.testing.assert_allclose(G, want, rtol=0, atol=1e-12 * scale)


@settings(max_examples=25)
@given(linear_tasks(max_d=3, max_s=4), st.integers(0, 8))
def test_numeric_and_exact_markov_parameters_are_one_definition(task, n_max):
    """wave_operator.markov_parameters (float) == symbolic.markov_parameters (SymPy, exact)."""
    from wavetheory.theory.symbolic import markov_parameters as exact_markov

    G = markov_parameters(task, n_max)
    Gx = exact_markov(task, n_max)  # the exact rationals of the float lags
    assert len(Gx) == n_max + 1
    if task.is_integer:  # integer sums below 2^53: the float road is exact too
        assert all(np.array_equal(G[n], np.array(Gx[n], dtype=float)) for n in range(n_max + 1))
    else:  # <= 8 rounded products of O(1) lags against the exact value
        want = np.stack([np.array(g, dtype=float) for g in Gx])
        np.testing.assert_allclose(G, want, rtol=0, atol=1e-12 * max(1.0, float(np.max(np.abs(want)))))


def test_markov_parameters_known_cases_and_validation():
    g = markov_parameters(repeat_copy(2, 3), 7)  # an impulse comes back every s = 3 steps
    assert [int(g[t, 0, 0]) for t in range(8)] == [1, 0, 0, 1, 0, 0, 1, 0]
    assert markov_parameters(fibonacci(2, 3), 0).tolist() == [np.eye(2).tolist()]
    with pytest.raises(ValueError, match="n_max"):
        markov_parameters(repeat_copy(1, 2), -1)
    with pytest.raises(TypeError, match="n_max"):
        markov_parameters(repeat_copy(1, 2), 2.0)
    with pytest.raises(TypeError, match="task"):
        markov_parameters(np.eye(2), 3)
    with pytest.raises(ValueError, match="horizon"):
        continuation_map(repeat_copy(1, 2), -1)


@given(linear_tasks(), st.integers(0, 10))
def test_continuation_map_is_the_wave_memory_on_unit_histories(task, horizon):
    """Row tau*d + j is simulate() of the unit history x(tau) = e_j, to the last bit (the trainer relies on it)."""
    sd = task.s * task.d
    K = continuation_map(task, horizon)
    assert K.shape == (sd, horizon * task.d)
    unit = np.eye(sd).reshape(sd, task.s, task.d)
    assert np.array_equal(K, simulate(task.boundary, unit, horizon).reshape(sd, horizon * task.d))


@given(linear_tasks(), st.integers(1, 8), st.data())
def test_continuation_is_the_history_times_the_map(task, horizon, data):
    """x(s..s+H-1) = h(s-1) @ K for any history (linearity), against the wave memory."""
    hist = data.draw(histories(task.d, task.s, batch=3))
    got = hist.reshape(3, -1) @ continuation_map(task, horizon)
    want = simulate(task.boundary, hist, horizon).reshape(3, -1)
    # sums of s*d products of the same O(1) numbers in another order: 1e-10 of the scale is ample
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-10 * max(1.0, float(np.max(np.abs(want)))))


@given(linear_tasks(integer=True, max_s=5), st.integers(1, 10))
def test_continuation_map_through_the_markov_parameters(task, horizon):
    """K(t, tau) = G(t - tau) - sum_{k=1..s-1-tau} G(t - tau - k) A_k: the history is an input sequence
    x(0..s-1) whose innovations e(tau) = e_j and e(tau + k) = -A_k e_j feed the impulse response (exact: integers)."""
    s, d = task.s, task.d
    K = continuation_map(task, horizon).reshape(s, d, horizon, d)  # [tau, j, t - s, m]
    G = markov_parameters(task, s + horizon)
    for tau in range(s):
        for t in range(s, s + horizon):
            want = G[t - tau] - sum((G[t - tau - k] @ task.A(k) for k in range(1, s - tau)), np.zeros((d, d)))
            assert np.array_equal(K[tau, :, t - s, :].T, want)


@given(linear_tasks(max_d=2, max_s=3), st.integers(0, 5))
def test_exact_continuation_map_is_the_float_one_rounded(task, horizon):
    Kx = continuation_map(task, horizon, exact=True)
    assert Kx.dtype == object and all(isinstance(v, Fraction) for v in Kx.ravel())
    K = continuation_map(task, horizon)
    # the exact value rounded once vs <= 5 steps of float recursion on O(1) lags
    np.testing.assert_allclose(K, Kx.astype(float), rtol=0, atol=1e-12 * max(1.0, float(np.max(np.abs(K), initial=0))))
    if task.is_integer:
        assert np.array_equal(K, Kx.astype(float))
