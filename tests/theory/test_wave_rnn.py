"""Tests of wavetheory.theory.wave_rnn: Keller et al.'s wave-RNN unrolled, its spectrum, its shift initialization (C13)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wavetheory.theory.tasks import repeat_copy
from wavetheory.theory.two_phase import two_phase_batch
from wavetheory.theory.wave_operator import Phi
from wavetheory.theory.wave_rnn import (
    WaveRNN, conv_matrix, conv_spectrum, forward_kernel, position_major, ring_shift, split_sign_encoder,
)


@settings(max_examples=30)
@given(st.integers(1, 4), st.integers(1, 8))
def test_forward_kernel_unrolls_to_the_repeat_copy_wave_operator(c, n):
    M = conv_matrix(forward_kernel(c), n)
    Pi = position_major(c, n)
    assert np.array_equal(Pi @ Pi.T, np.eye(c * n))
    assert np.array_equal(M, Pi @ Phi(repeat_copy(c, n)) @ Pi.T)  # exact: both are 0/1 permutation matrices


@settings(max_examples=30)
@given(st.integers(1, 3), st.integers(1, 7), st.sampled_from([1, 3, 5]), st.integers(0, 2**31))
def test_block_circulant_spectrum_equals_the_dense_one(c, n, k, seed):
    K = np.random.default_rng(seed).standard_normal((c, c, k))
    dense, fourier = np.linalg.eigvals(conv_matrix(K, n)), conv_spectrum(K, n)
    # match each Fourier eigenvalue to a distinct dense one: eigenvalues of a random real matrix are
    # simple, so the two float roads agree to ~1e-12 (1e-8 allows for nearly defective draws)
    used = np.zeros(len(dense), bool)
    for z in fourier:
        j = np.argmin(np.where(used, np.inf, np.abs(dense - z)))
        assert abs(dense[j] - z) <= 1e-8 * max(1.0, abs(z))
        used[j] = True


def test_conv_matrix_is_the_circular_convolution():
    rng = np.random.default_rng(1)
    K, h = rng.standard_normal((2, 2, 3)), rng.standard_normal((2, 5))
    direct = np.array([[sum(K[i, j, m] * h[j, (p + m - 1) % 5] for j in range(2) for m in range(3)) for p in range(5)]
                       for i in range(2)])
    assert np.allclose(conv_matrix(K, 5) @ h.ravel(), direct.ravel(), atol=1e-12)
    assert np.array_equal(ring_shift(4) @ np.arange(4.0), np.array([1.0, 2.0, 3.0, 0.0]))


@pytest.mark.parametrize("d, s", [(1, 3), (2, 4), (3, 5)])
def test_sign_split_encoding_with_the_shift_solves_repeat_copy_when_n_equals_s(d, s):
    """The adaptation at its initialization plus a readout of position 0 (u_j = h[2j, 0] - h[2j+1, 0]) is exact."""
    c, n = 2 * d, s
    W_y = np.zeros((d, c * n))
    W_y[np.arange(d), 2 * np.arange(d) * n] = 1.0
    W_y[np.arange(d), (2 * np.arange(d) + 1) * n] = -1.0
    net = WaveRNN(forward_kernel(c), np.zeros(c), split_sign_encoder(d, n), np.zeros(c * n), W_y, np.zeros(d))
    u, y = two_phase_batch(repeat_copy(d, s), 16, 4 * s, 0)
    out, hs = net.run(u)
    assert np.array_equal(out[:, s:], y) and np.all(hs >= 0)
    lin = net.linearization()
    assert lin.network is net and np.array_equal(lin.W_hh, net.recurrence()) and lin.hidden == c * n


def test_bad_shapes_name_the_argument():
    with pytest.raises(ValueError, match="K"):
        conv_matrix(np.zeros((2, 3, 3)), 4)
    with pytest.raises(ValueError, match="k"):
        forward_kernel(2, 4)
    with pytest.raises(ValueError, match="W_x"):
        WaveRNN(np.zeros((2, 2, 3)), np.zeros(2), np.zeros((5, 1)), np.zeros(5), np.zeros((1, 5)), np.zeros(1))
    with pytest.raises(ValueError, match="b_y"):
        WaveRNN(np.zeros((2, 2, 3)), np.zeros(2), np.zeros((4, 1)), np.zeros(4), np.zeros((1, 4)), np.zeros(2))
