"""C7-C10 readings of claims.trained_runs.network_reading on the committed trained networks (tests/trained_networks.py),
each against a second road written without the library (free column error, gradient norms, outside count)."""

import numpy as np
import pytest

from trained_networks import SEEDS, TASK, free_column_repeat_copy, gradient_norms, network, outside_count
from wavetheory.claims.substrate_readings import network_reading
from wavetheory.theory.two_phase import two_phase_batch


@pytest.mark.parametrize("seed", SEEDS)
def test_network_reading_of_a_trained_network_by_second_roads(seed):
    net = network(seed)[0]
    u = two_phase_batch(TASK, 8, 2 * TASK.s, rng=seed)[0]
    r = network_reading(net, TASK, u, seed=0)
    # C8: the readout basis starts from pinv(W_hy); least squares vs truncated pinv at cond(K) <= 11: 1e-9 is ample
    assert r.W.free_column == pytest.approx(free_column_repeat_copy(net.W_hh, np.linalg.pinv(net.W_hy)), rel=1e-9)
    # C7.2: the largest extra modulus is the (s*d + 1)-th largest modulus (the matched ones are the s*d largest here)
    moduli = np.sort(np.abs(np.linalg.eigvals(net.W_hh)))[::-1]
    assert r.W.extra_max == pytest.approx(moduli[TASK.s * TASK.d], rel=1e-9)
    assert (r.W.extra_max > 0.01 ** (1 / TASK.s)) == (outside_count(net.W_hh) > 0)
    np.testing.assert_allclose(r.grad_linear, gradient_norms(net.W_hh, net.W_uh), rtol=1e-10)  # C10 at 0: W_hh^k W_uh
