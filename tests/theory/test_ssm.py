"""C3, the zero-boundary case: the wave memory is the H3 shift SSM (recurrent and kernel views).

Tolerance 1e-12 (float64): each output is a sum of at most s + 1 <= 9 products of O(1) numbers
(Gaussian C, D and inputs), so the three roads differ by <= ~9 u |C| |u| max ~ 1e-14 (u = 1.1e-16,
|C| |u| <= ~25 for Gaussians). The transport itself copies values exactly; operator identities
between 0/1 matrices are checked with exact equality.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from wavetheory.strategies import ds, linear_tasks, seeds, ss

from wavetheory.theory.ssm import ShiftSSM, reversal_permutation, shift_matrix, wave_memory_outputs
from wavetheory.theory.tasks import LinearHDS
from wavetheory.theory.wave_operator import LinearRNN, Phi, block_shift, compile_rnn

TOL = 1e-12  # sums of <= s + 1 products of O(1) terms: ~1e-14 (module docstring)


@st.composite
def ssm_cases(draw):
    d, s, seed = draw(ds), draw(ss), draw(seeds)
    rng = np.random.default_rng(seed)
    T = draw(st.integers(1, 3 * s + 4))
    C, D = rng.standard_normal((d, s)), rng.standard_normal(d) * draw(st.sampled_from([0.0, 1.0]))
    return ShiftSSM(C, D), rng.standard_normal((draw(st.integers(1, 3)), T, d))


@given(ssm_cases())
def test_recurrent_view_equals_kernel_view(case):
    """y_t = C x_t + D u_t (recurrence) == sum_k K_k u_{t-k} + D u_t with K_k = C A^k B."""
    ssm, u = case
    assert np.max(np.abs(ssm.run(u) - ssm.convolve(u))) <= TOL


@given(ssm_cases())
def test_zero_boundary_wave_memory_equals_shift_ssm(case):
    """The wave memory with all A_k = 0, input at column s, readout C P = C[:, ::-1], is the shift SSM."""
    ssm, u = case
    assert np.max(np.abs(wave_memory_outputs(ssm.C[:, ::-1], u, ssm.D) - ssm.run(u))) <= TOL


@given(ds, ss)
def test_operators_are_related_by_the_reversal(d, s):
    """A (x) I_d = P S P, B (x) I_d = P E_s, P = P^T = P^-1 with P = J_s (x) I_d (exact)."""
    P = reversal_permutation(d, s)
    S = block_shift(d, s)
    np.testing.assert_array_equal(P @ P, np.eye(s * d))
    np.testing.assert_array_equal(P, P.T)
    np.testing.assert_array_equal(np.kron(shift_matrix(s), np.eye(d)), P @ S @ P)
    E_s = np.zeros((s * d, d))
    E_s[-d:] = np.eye(d)
    np.testing.assert_array_equal(np.kron(np.eye(s)[:, :1], np.eye(d)), P @ E_s)
    np.testing.assert_array_equal(Phi(LinearHDS(np.zeros((s, d, d)))), S)  # zero boundary: Phi = S


@given(ssm_cases())
def test_shift_ssm_is_the_compiled_zero_task_in_basis_P(case):
    """compile_rnn(zero task, Psi = P) has W_hh = A (x) I, W_uh = e_1 (x) I: the H3 SSM as a linear RNN (C3)."""
    ssm, u = case
    d, s = ssm.d, ssm.m
    P = reversal_permutation(d, s)
    rnn = compile_rnn(LinearHDS(np.zeros((s, d, d))), Psi=P)
    np.testing.assert_array_equal(rnn.W_hh, np.kron(shift_matrix(s), np.eye(d)))
    np.testing.assert_array_equal(rnn.W_uh, np.kron(np.eye(s)[:, :1], np.eye(d)))
    # the H3 per-channel readout as a (d, sd) matrix on the state ordered block j = index j
    W_hy = np.zeros((d, s * d))
    for j in range(s):
        W_hy[:, j * d : (j + 1) * d] = np.diag(ssm.C[:, j])
    y_rnn, _ = LinearRNN(rnn.W_hh, rnn.W_uh, W_hy).run(u)
    assert np.max(np.abs(y_rnn + ssm.D * u - ssm.run(u))) <= TOL


@given(ssm_cases())
def test_kernel_is_the_readout_and_the_memory_is_finite(case):
    """K_k = C A^k B = C[:, k] (k < s) and A^s = 0: an input is forgotten after s steps (open end)."""
    ssm, u = case
    np.testing.assert_array_equal(ssm.kernel(), ssm.C)
    np.testing.assert_array_equal(np.linalg.matrix_power(ssm.A, ssm.m), np.zeros((ssm.m, ssm.m)))
    pulse = np.zeros((1, 2 * ssm.m + 1, ssm.d))
    pulse[0, 0] = 1.0
    y = ShiftSSM(ssm.C).run(pulse)[0]  # without feed-through: exact 0/1 arithmetic on C
    np.testing.assert_array_equal(y[: ssm.m].T, ssm.C)  # impulse response = kernel
    assert np.all(y[ssm.m :] == 0)


@given(linear_tasks(), seeds)
def test_driven_wave_memory_with_a_boundary_is_the_compiled_rnn(task, seed):
    """Beyond the zero boundary: h(t) = Phi h(t-1) + E_s u_t read at column s == compile_rnn (C3)."""
    rng = np.random.default_rng(seed)
    u = rng.standard_normal((2, 2 * task.s + 3, task.d))
    C_wave = np.zeros((task.d, task.s))
    C_wave[:, -1] = 1.0  # read the newest column: W_hy = E_s^T
    y_rnn, _ = compile_rnn(task).run(u)
    y_wave = wave_memory_outputs(C_wave, u, task=task)
    assert np.max(np.abs(y_wave - y_rnn)) <= 1e-10 * max(1.0, float(np.max(np.abs(y_rnn))))  # same sums, reordered


def test_same_inputs_same_outputs():
    ssm = ShiftSSM(np.random.default_rng(3).standard_normal((2, 4)))
    u = np.random.default_rng(4).standard_normal((6, 2))
    np.testing.assert_array_equal(ssm.run(u), ssm.run(u))
    assert ssm.run(u).shape == (6, 2) and ssm.convolve(u).shape == (6, 2)


def test_bad_input_raises():
    with pytest.raises(ValueError, match="m: expected an integer"):
        shift_matrix(0)
    with pytest.raises(ValueError, match="s: expected an integer"):
        reversal_permutation(2, 0)
    with pytest.raises(ValueError, match="C: expected a 2-d array"):
        ShiftSSM(np.ones(3))
    with pytest.raises(ValueError, match="C: expected a non-empty"):
        ShiftSSM(np.ones((2, 0)))
    with pytest.raises(ValueError, match="D: expected shape"):
        ShiftSSM(np.ones((2, 3)), D=np.ones(3))
    ssm = ShiftSSM(np.ones((2, 3)))
    with pytest.raises(ValueError, match="u: expected last dimension d = 2"):
        ssm.run(np.ones((4, 3)))
    with pytest.raises(ValueError, match="u: expected shape"):
        ssm.convolve(np.ones(4))
    with pytest.raises(ValueError, match="task: expected a LinearHDS with s = 3"):
        wave_memory_outputs(np.ones((2, 3)), np.ones((4, 2)), task=LinearHDS(np.zeros((2, 2, 2))))
    with pytest.raises(ValueError, match="C_wave: expected a 2-d"):
        wave_memory_outputs(np.ones(3), np.ones((4, 3)))
