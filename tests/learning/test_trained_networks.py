"""The measurements of C7-C11 on real trained networks (tests/trained_networks.py), each against a second road.

Compiled networks are normal in the right basis and their readout mirrors their input map, so a transposed
W_hh, a power basis seeded from W_uh instead of pinv(W_hy), or a Jacobian taken at 0 instead of along the
trajectory make little or no difference there. On these trained networks they do: each test below also
checks that the network tells the right formula from the wrong one.
"""

import numpy as np
import pytest

from trained_networks import D, S, SEEDS, TASK, gradient_norms, metrics, network, outside_count
from wavetheory.learning.analysis import analyze
from wavetheory.learning.substrate import mean_jacobian
from wavetheory.theory.gradients import propagation_norms
from wavetheory.theory.two_phase import two_phase_batch
from wavetheory.theory.wave_operator import Phi

K_MAX = 2 * S  # analyze reports ||dh(1+k)/dx(1)|| for k = 1..2s


@pytest.mark.parametrize("seed", SEEDS)
def test_the_committed_networks_solve_their_task_and_are_non_normal(seed):
    """The numpy forward pass reproduces the recorded training: sign accuracy on fresh sequences at the last horizon."""
    net = network(seed)[0]
    record = metrics(seed)
    horizon = record["config"]["horizons"][-1]
    assert record["accuracy"] >= record["target"] == 0.99
    u, y = two_phase_batch(TASK, 512, horizon, rng=100 + seed)
    out = net.run(u, "tanh")[0][:, S:]
    # trained to a fresh accuracy >= 0.99 on 512 sequences; this draw of 512 others reads 0.986-0.992 (the signs of
    # one sequence are correlated, so draws differ by more than a binomial spread): 0.98 is a margin, chance is 0.5
    assert np.mean(np.sign(out) == np.sign(y)) >= 0.98
    W = net.W_hh
    # non-normal: ||W W^T - W^T W||_F / ||W||_F^2 is 0.20-0.22 on these networks (0 for a normal matrix)
    assert np.linalg.norm(W @ W.T - W.T @ W) / np.linalg.norm(W) ** 2 > 0.1


@pytest.mark.parametrize("seed", SEEDS)
def test_gradient_norms_are_powers_of_W_hh_applied_to_W_uh(seed):
    """C10's ||dh(1+k)/dx(1)|| = ||W_hh^k W_uh|| (not W_hh^T), before and after training."""
    net, init = network(seed)
    a = analyze(net, TASK, init)
    after, before = gradient_norms(net.W_hh, net.W_uh), gradient_norms(init.W_hh, init.W_uh)
    # float64 products of <= 8 matrices of norm ~1: relative error ~1e-14
    np.testing.assert_allclose(a.grad_after, after, rtol=1e-10)
    np.testing.assert_allclose(a.grad_before, before, rtol=1e-10)
    np.testing.assert_allclose(propagation_norms(net.W_hh, net.W_uh, K_MAX), after, rtol=1e-10)
    # guard: the transposed recurrence gives other norms on this non-normal W_hh (largest change 32-84% over k <= 2s)
    assert np.max(np.abs(gradient_norms(net.W_hh.T, net.W_uh) / after - 1)) > 0.1


@pytest.mark.parametrize("seed", SEEDS)
def test_readout_road_of_analyze_is_seeded_from_pinv_W_hy(seed):
    """analyze's "readout" basis starts from pinv(W_hy) (THEORY.md C8), the "input" basis from W_uh."""
    net = network(seed)[0]
    a = analyze(net, TASK)
    W, ref = net.W_hh, Phi(TASK)

    def intertwining(P):
        K = np.concatenate([np.linalg.matrix_power(W, S - i) @ P for i in range(1, S + 1)], axis=1)
        return np.linalg.norm(W @ K - K @ ref) / np.linalg.norm(K @ ref)

    readout, inp = intertwining(np.linalg.pinv(net.W_hy)), intertwining(net.W_uh)
    # the residual is a ratio of norms of explicit products of well-scaled matrices: 1e-10 relative is ample
    assert a.bases["readout"]["intertwining"] == pytest.approx(readout, rel=1e-10)
    assert a.bases["input"]["intertwining"] == pytest.approx(inp, rel=1e-10)
    assert abs(inp / readout - 1) > 0.05  # guard: the two seeds read differently here (input / readout 3.6-4.8)


@pytest.mark.parametrize("seed", SEEDS)
def test_analyze_counts_the_extra_eigenvalues_outside_0_01_to_the_1_over_s(seed):
    net = network(seed)[0]
    a = analyze(net, TASK)
    moduli = np.sort(np.abs(np.linalg.eigvals(net.W_hh)))[::-1]
    assert a.radius == pytest.approx(0.01 ** (1 / S), rel=1e-12)
    assert a.n_outside == outside_count(net.W_hh)
    assert a.effective_rank == int(np.sum(moduli > 0.01 ** (1 / S)))


def _mean_jacobian_by_loops(W_hh, W_uh, inputs, start):
    """(1 / (B (T - start))) sum_b sum_(t >= start) diag(1 - h_b(t)^2) W_hh, h_b(t) = tanh(W_hh h_b(t-1) + W_uh u_b(t))."""
    B, T, _ = inputs.shape
    total = np.zeros_like(W_hh)
    for b in range(B):
        h = np.zeros(W_hh.shape[0])
        for t in range(T):
            h = np.tanh(W_hh @ h + W_uh @ inputs[b, t])
            if t >= start:
                total += np.diag(1.0 - h**2) @ W_hh
    return total / (B * (T - start))


@pytest.mark.parametrize("seed", SEEDS)
def test_mean_jacobian_along_the_output_phase_by_a_second_road(seed):
    net = network(seed)[0]
    u, _ = two_phase_batch(TASK, 16, 2 * S, rng=seed)
    J = mean_jacobian(net, u, S)
    want = _mean_jacobian_by_loops(net.W_hh, net.W_uh, u, S)
    np.testing.assert_allclose(J, want, rtol=1e-10, atol=1e-13)  # the same float64 sums in another order
    # guard: the network runs saturated, so the operating point is not the linearization at 0 (||J - W_hh|| is
    # 10-12% of ||W_hh||) and the average depends on where it is taken (from t = 0 instead: 1.4-1.6% of ||J||)
    assert np.linalg.norm(J - net.W_hh) > 0.05 * np.linalg.norm(net.W_hh)
    assert np.linalg.norm(mean_jacobian(net, u, 0) - J) > 1e-3 * np.linalg.norm(J)
