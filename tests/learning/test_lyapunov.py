"""The Lyapunov spectrum along trajectories on networks whose exponents are known (C7, C10)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from wavetheory.learning.lyapunov import lyapunov_spectrum
from wavetheory.theory.tasks import LinearHDS, repeat_copy
from wavetheory.theory.two_phase import two_phase_batch
from wavetheory.theory.wave_operator import Phi, compile_rnn, make_basis

torch.set_num_threads(1)  # the project's rule: one torch thread in tests
D, S = 2, 3
LAGS = np.zeros((S, D, D))
LAGS[-1] = -np.eye(D)
ANTI = LinearHDS(LAGS)  # x(t) = -x(t-s): Phi is a signed permutation, orthogonal


def test_lyapunov_exponents_of_compiled_repeat_copy_are_zero():
    task = repeat_copy(2, 3)
    u, _ = two_phase_batch(task, 2, 30, 0)
    # orthogonal basis, no padding: W_hh is orthogonal, every R_ii = 1 up to rounding
    exps = lyapunov_spectrum(compile_rnn(task, make_basis("orthogonal", 6, 0)), u, nonlinearity="linear")
    assert exps.shape == (6,) and np.abs(exps).max() <= 1e-12
    # invertible basis with 2 padding units: the s*d leading exponents tend to 0 as log(cond(Psi))/T
    u, _ = two_phase_batch(task, 2, 400, 0)
    Psi = make_basis("invertible", 8, 1)
    exps = lyapunov_spectrum(compile_rnn(task, Psi), u, k=6, nonlinearity="linear")
    assert np.abs(exps).max() <= 2 * np.log(np.linalg.cond(Psi)) / u.shape[1]


def test_lyapunov_of_a_contraction_is_its_log_rate():
    net = compile_rnn(ANTI, 0.5 * np.eye(S * D))  # W_hh = Phi (basis scaled away), Phi orthogonal here
    u, _ = two_phase_batch(ANTI, 1, 10, 0)
    half = type(net)(0.5 * net.W_hh, net.W_uh, net.W_hy)
    exps = lyapunov_spectrum(half, u, nonlinearity="linear")
    assert np.allclose(exps, np.log(0.5), rtol=0, atol=1e-12) and np.allclose(Phi(ANTI) @ Phi(ANTI).T, np.eye(S * D))


def test_lyapunov_refuses_bad_arguments():
    net = compile_rnn(ANTI)
    u = np.zeros((1, 4, D))
    with pytest.raises(ValueError, match="k"):
        lyapunov_spectrum(net, u, k=S * D + 1)
    with pytest.raises(ValueError, match="start"):
        lyapunov_spectrum(net, u, start=4)
