"""The fixed-point finder and the operating point on networks whose answers are known (C7, C11, C14)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from wavetheory.learning.cells import network_from_arrays
from wavetheory.learning.fixed_points import find_fixed_points
from wavetheory.learning.substrate import mean_jacobian, operating_point
from wavetheory.theory.gated import compile_gated
from wavetheory.theory.tasks import LinearHDS, repeat_copy
from wavetheory.theory.two_phase import two_phase_batch
from wavetheory.theory.wave_operator import compile_rnn, make_basis
from wavetheory.thresholds import BASIS_EXACT

torch.set_num_threads(1)  # the project's rule: one torch thread in tests

# a task without eigenvalue 1 (x(t) = -x(t-s): z^s = -1), so J - I is invertible at the fixed point and Newton
# converges quadratically; repeat copy's eigenvalue 1 makes the fixed point degenerate (a line at first order)
D, S = 2, 3
LAGS = np.zeros((S, D, D))
LAGS[-1] = -np.eye(D)
ANTI = LinearHDS(LAGS)


def _biased_tanh(kind: str, seed: int):
    """W_hh = diag(1 - h*^2)^-1 Psi Phi Psi^-1 and b = atanh(h*) - W_hh h*: h* is a fixed point with J(h*) = Psi Phi Psi^-1."""
    n = S * D + 2
    rng = np.random.default_rng(seed)
    Psi = make_basis(kind, n, rng)
    lin = compile_rnn(ANTI, Psi)
    h_star = rng.uniform(-0.6, 0.6, n)
    W = lin.W_hh / (1 - h_star**2)[:, None]
    b = np.arctanh(h_star) - W @ h_star
    return network_from_arrays("rnn", {"W_hh": W, "W_uh": lin.W_uh, "W_hy": lin.W_hy, "bias_ih_l0": b}), h_star


@pytest.mark.parametrize("kind, seed", [("orthogonal", 0), ("invertible", 1)])
def test_the_finder_finds_a_biased_networks_nonzero_fixed_point_and_phi_there(kind, seed):
    net, h_star = _biased_tanh(kind, seed)
    assert np.linalg.norm(h_star) > 0.5  # not the zero state
    points = find_fixed_points(net, ANTI, n_init=16)
    dist = [np.linalg.norm(p.state - h_star) for p in points]
    best = points[int(np.argmin(dist))]
    # Newton polishes to float64 rounding; cond(Psi) < 1e3 keeps the eigenvalues within BASIS_EXACT (thresholds.py)
    assert min(dist) <= BASIS_EXACT and best.residual <= BASIS_EXACT and best.kind == "fixed"
    assert best.match.summary()["max"] <= BASIS_EXACT
    assert not best.stable  # |eigenvalues| = 1: marginal, not an attractor
    # and W_hh alone (the linearization at 0, where nothing is fixed) does not show Phi
    assert np.abs(np.sort(np.abs(np.linalg.eigvals(net.W_hh)))[-1] - 1) > 0.1


@pytest.mark.parametrize("cell", ["gru", "lstm"])
@pytest.mark.parametrize("gate_bias", [0.0, 2.0])
def test_gated_networks_fixed_point_carries_phi_where_c14_applies(cell, gate_bias):
    w = compile_gated(ANTI, cell, make_basis("orthogonal", S * D + 2, 3), gate_scale=0.5, rng=0, gate_bias=gate_bias)
    net = network_from_arrays(cell, w.arrays())
    points = find_fixed_points(net, ANTI, n_init=8, steps=50)
    zero = min(points, key=lambda p: np.linalg.norm(p.state))
    assert np.linalg.norm(zero.state) <= BASIS_EXACT and zero.residual <= BASIS_EXACT
    # the full Jacobian (LSTM: on (h, c), 2H) has Phi's spectrum among its largest eigenvalues (C14)
    assert zero.match.summary()["max"] <= BASIS_EXACT


def test_input_held_elsewhere_moves_the_fixed_point():
    net = compile_rnn(ANTI, make_basis("orthogonal", S * D, 0))
    x = np.array([0.3, -0.2])
    (p,) = find_fixed_points(net, ANTI, x=x, nonlinearity="linear", merge=1e-6)[:1]
    # linear map: h* = (I - W)^-1 W_uh x, unique since 1 is no eigenvalue of Phi
    expected = np.linalg.solve(np.eye(S * D) - net.W_hh, net.W_uh @ x)
    assert np.linalg.norm(p.state - expected) <= BASIS_EXACT


def test_finder_refuses_bad_arguments():
    net = compile_rnn(ANTI)
    with pytest.raises(ValueError, match="states"):
        find_fixed_points(net)
    with pytest.raises(ValueError, match="states"):
        find_fixed_points(net, states=np.zeros((3, 5)))
    with pytest.raises(ValueError, match="x"):
        find_fixed_points(net, ANTI, x=np.zeros(3))
    with pytest.raises(TypeError, match="net"):
        find_fixed_points("nope", ANTI)


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
def test_operating_point_equals_mean_jacobian(cell):
    torch.manual_seed(2)
    from wavetheory.learning.cells import cell as spec

    model = spec(cell).build(2, 5).double()
    net = network_from_arrays(cell, model.weights())
    u, _ = two_phase_batch(repeat_copy(2, 3), 4, 5, 0)
    ref = mean_jacobian(getattr(net, "network", None) or net, u, 3)
    # autograd vs closed form, averaged: float64 rounding ~1e-16 per entry
    assert np.abs(operating_point(net, u, 3) - ref).max() <= 1e-12


def test_operating_point_of_a_biased_elman_network_is_the_mean_tanh_slope_times_W_hh():
    net, _ = _biased_tanh("orthogonal", 4)
    u, _ = two_phase_batch(ANTI, 3, 6, 0)
    h = net.network.run(u)[1]  # (B, T, H) with the biases
    expected = (1 - h[:, S:] ** 2).mean(axis=(0, 1))[:, None] * net.W_hh  # J(t) = diag(1 - h(t)^2) W_hh, t >= s
    # autograd per step vs the closed form, averaged: float64 rounding ~1e-16 per entry of |W_hh| <~ 10
    assert np.abs(operating_point(net, u, S) - expected).max() <= 1e-12
    assert np.abs(mean_jacobian(net, u, S) - expected).max() <= 1e-12  # the old name reads it too
