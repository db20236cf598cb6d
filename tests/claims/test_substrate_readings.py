"""The lenses as C7/C8 readings (``substrate_readings.lens_reading``) on compiled networks, where Phi is known exactly.

A compiled wave network W_hh = Psi diag(Phi, 0) Psi^T (orthogonal Psi) run at inputs of 1e-6 is linear to ~1e-12
relative (tanh(x) = x - x^3/3): the Jacobian at its fixed point 0 is W_hh, and its recall-phase activity is Phi's.
"""

from __future__ import annotations

import numpy as np
import pytest

from wavetheory.claims.substrate_readings import CONFIGS, lens_reading
from wavetheory.learning.power_basis import truncated_pinv
from wavetheory.theory.dmd import nonzero_spectrum
from wavetheory.theory.minimal import min_state_dim
from wavetheory.theory.tasks import LinearHDS, repeat_copy
from wavetheory.theory.two_phase import two_phase_batch
from wavetheory.theory.wave_operator import compile_rnn, make_basis


def decaying_copy(d: int, s: int) -> LinearHDS:
    """x(t) = x(t - s) / 2: Phi's spectrum is 2^(-1/s) times the s-th roots of unity, inside the unit circle."""
    lags = np.zeros((s, d, d))
    lags[s - 1] = 0.5 * np.eye(d)
    return LinearHDS(lags, name="decaying-copy")


def read(task: LinearHDS, hidden: int = 16):
    rnn = compile_rnn(task, make_basis("orthogonal", hidden, rng=0))
    u = 1e-6 * two_phase_batch(task, 8, task.s * task.d + 2 * task.s, rng=0)[0]  # the burn-in s*d, then 2s steps
    return lens_reading(rnn, task, u, truncated_pinv(rnn.W_hy)[0], seed=0)


def test_the_fixed_point_lens_reads_phi_at_a_stable_fixed_point():
    L = read(decaying_copy(3, 4))
    # 0 is the one fixed point (spectral radius 2^(-1/4) < 1: stable); Newton lands on it to rounding
    assert L.n_fixed == 1 and L.n_stable == 1 and L.fp_residual < 1e-12 and L.fp_norm < 1e-12
    # J(0) = W_hh: float64 eigenvalues and power basis of a 16 x 16 orthogonal similarity, rounding ~1e-15 << 1e-8
    assert L.fixed_point.match_mean < 1e-8 and L.fixed_point.free_column < 1e-8
    # DMD from the states alone: the linear regime to ~1e-12 relative, conditioning of the fit well below 1e4
    assert L.dmd_match < 1e-8 and L.dmd_max < 1e-8 and L.dmd_rank == 12


def test_without_a_stable_fixed_point_the_rule_reads_none_and_dmd_still_reads_phi():
    L = read(repeat_copy(3, 4))
    # Phi's roots of unity sit on the unit circle: 0 is a fixed point but not a stable one, and no other point is read
    assert L.n_fixed == 1 and L.n_stable == 0 and L.fixed_point is None and L.fp_residual is None
    assert L.dmd_match < 1e-8 and L.dmd_rank == 12


def test_a_recording_too_short_for_the_burn_in_gives_no_dmd_value():
    task = repeat_copy(3, 4)
    rnn = compile_rnn(task, make_basis("orthogonal", 16, rng=0))
    u = 1e-6 * two_phase_batch(task, 8, 6, rng=0)[0]  # 10 steps: fewer than the burn-in s*d = 12
    assert lens_reading(rnn, task, u, truncated_pinv(rnn.W_hy)[0], seed=0).dmd_match is None


def test_the_dmd_rank_passed_is_n_min_for_the_small_configuration():
    d, s, _ = CONFIGS["small"]
    assert nonzero_spectrum(repeat_copy(d, s)).size == min_state_dim(repeat_copy(d, s)) == s * d


@pytest.mark.slow
def test_the_dmd_rank_passed_is_n_min_for_the_paper_configuration():
    d, s, _ = CONFIGS["paper"]  # the exact n_min takes 4-9 s here
    assert nonzero_spectrum(repeat_copy(d, s)).size == min_state_dim(repeat_copy(d, s)) == s * d
