"""Tests of wavetheory.learning.power_basis: the power (Krylov) basis, the operator a network shows in it and the
C8 errors, on the committed trained networks (tests/trained_networks.py) and on compiled ones.

Second roads: the basis by explicit matrix powers, the Krylov form's free column block by a least-squares solve
K c = W^s P (no pseudo-inverse), and for repeat copy (C_Phi)_1 = E_s written out (identity in the last block).
"""

import numpy as np
import pytest

from trained_networks import D, S, SEEDS, TASK, free_column_repeat_copy, network
from trained_networks import explicit_power_basis as _explicit_basis
from wavetheory.learning.power_basis import (boundary_row_error, free_column_error, intertwining_residual,
                                              krylov_alignment, krylov_form, operator_in_power_basis, phi_error,
                                              power_basis, restricted_phi_error, truncated_pinv)
from wavetheory.theory.tasks import fibonacci, random_signed_selection
from wavetheory.theory.wave_operator import E, Phi, compile_rnn, make_basis

SD = S * D
# The trained power bases have cond(K) <= 11 (measured; asserted below to stay < 1e3): a least-squares solve and a
# truncated pseudo-inverse then agree to ~cond * 1e-16 relative, so 1e-9 leaves a wide margin and still sees any
# change of formula (the bugs these tests guard change the readings by factors of 1.06 to 2).
RTOL = 1e-9


def _readout_seed(net):
    return np.linalg.pinv(net.W_hy)  # (H, d): THEORY.md's seed of the power iteration, pinv(W_hy) (C8)


def _free_column_by_lstsq(W, P):
    """The second road of tests/trained_networks.py, after checking the conditioning the tolerance RTOL rests on."""
    assert np.linalg.cond(_explicit_basis(W, P, S)) < 1e3
    return free_column_repeat_copy(W, P)


# --------------------------------------------------------------------------- truncated pseudo-inverse


def test_truncated_pinv_matches_numpy_and_drops_small_singular_values():
    rng = np.random.default_rng(0)
    M = rng.standard_normal((7, 4))
    P, cond, r = truncated_pinv(M)
    np.testing.assert_allclose(P, np.linalg.pinv(M), rtol=1e-10, atol=1e-12)
    assert r == 4 and cond == pytest.approx(np.linalg.cond(M), rel=1e-10)
    U, _, Vh = np.linalg.svd(M, full_matrices=False)
    L = U @ np.diag([3.0, 1.0, 1e-6, 1e-12]) @ Vh
    assert truncated_pinv(L)[2] == 3 and truncated_pinv(L, rcond=1e-3)[2] == 2 and truncated_pinv(L, rank=1)[2] == 1
    np.testing.assert_allclose(truncated_pinv(L, rank=1)[0], np.outer(Vh[0], U[:, 0]) / 3.0, atol=1e-14)
    Z, cond0, r0 = truncated_pinv(np.zeros((3, 2)))
    assert Z.shape == (2, 3) and not Z.any() and cond0 == np.inf and r0 == 0
    E0, cond_e, r_e = truncated_pinv(np.zeros((3, 0)))  # no columns: no singular value at all
    assert E0.shape == (0, 3) and cond_e == np.inf and r_e == 0


# --------------------------------------------------------------------------- the basis


@pytest.mark.parametrize("seed", SEEDS)
def test_power_basis_blocks_are_matrix_powers_of_the_seed(seed):
    net = network(seed)[0]
    P = _readout_seed(net)
    K = power_basis(net.W_hh, P, S)
    scale = np.max(np.linalg.norm(P, axis=0))  # "scalar": one number, the largest column norm of the seed
    np.testing.assert_allclose(K * scale, _explicit_basis(net.W_hh, P, S), rtol=1e-12, atol=1e-14)
    cols = power_basis(net.W_hh, P, S, normalize="columns")
    np.testing.assert_allclose(np.linalg.norm(cols, axis=0), 1.0, rtol=1e-12)
    np.testing.assert_allclose(cols * np.linalg.norm(K, axis=0), K, rtol=1e-12, atol=1e-14)  # same directions
    with pytest.raises(ValueError, match="^normalize: "):
        power_basis(net.W_hh, P, S, normalize="rows")


@pytest.mark.parametrize("seed", SEEDS)
def test_krylov_form_fixes_every_block_but_the_free_column(seed):
    """Column block i >= 2 of pinv(K) W K is E_(i-1) for any W (here a real trained W_hh)."""
    net = network(seed)[0]
    C = krylov_form(net.W_hh, _readout_seed(net), S)
    for i in range(2, S + 1):
        np.testing.assert_allclose(C[:, (i - 1) * D : i * D], E(D, S, i - 1), atol=1e-10)  # cond(K) <= 11: ~1e-14


# --------------------------------------------------------------------------- C8 errors on trained networks


@pytest.mark.parametrize("seed", SEEDS)
def test_free_column_error_of_a_trained_network_by_a_second_road(seed):
    """Normalized by the free column block (C_Phi)_1 = E_s (norm sqrt(d)), not by the whole matrix."""
    net = network(seed)[0]
    want = _free_column_by_lstsq(net.W_hh, _readout_seed(net))
    assert free_column_error(net.W_hh, truncated_pinv(net.W_hy)[0], TASK) == pytest.approx(want, rel=RTOL)
    # the power basis's scale does not matter: the seed times 7 gives the same error
    assert free_column_error(net.W_hh, 7.0 * _readout_seed(net), TASK) == pytest.approx(want, rel=RTOL)


def test_the_trained_networks_discriminate_the_seed_of_the_power_basis():
    """Guard: seeding with W_uh instead of pinv(W_hy) changes the free column error on every network, by more than
    2x on seed 2; normalizing by the whole ||C_Phi||_F would halve it (sqrt(s d) / sqrt(d) = 2 for s = 4)."""
    ratios = []
    for k in SEEDS:
        net = network(k)[0]
        ratios.append(_free_column_by_lstsq(net.W_hh, net.W_uh) / _free_column_by_lstsq(net.W_hh, _readout_seed(net)))
    assert min(abs(r - 1) for r in ratios) > 1e3 * RTOL and max(ratios) > 2
    assert np.linalg.norm(Phi(TASK)) / np.sqrt(D) == pytest.approx(2.0)


@pytest.mark.parametrize("seed", SEEDS)
def test_operator_and_errors_in_the_readout_basis_of_a_trained_network(seed):
    """phi_error, boundary_row_error, restricted error and intertwining residual, each from its formula."""
    net = network(seed)[0]
    W, P = net.W_hh, _readout_seed(net)
    K = _explicit_basis(W, P, S)
    Phi_hat = np.linalg.lstsq(K, W @ K, rcond=None)[0]  # coordinates of W K in the basis K
    ref = Phi(TASK)
    np.testing.assert_allclose(operator_in_power_basis(W, P, TASK), Phi_hat, rtol=1e-8, atol=1e-10)
    err, Phi_hat_lib, _, rank = phi_error(W, K, TASK)
    assert rank == SD and err == pytest.approx(np.linalg.norm(Phi_hat - ref) / np.linalg.norm(ref), rel=RTOL)
    # full column rank: Pi = pinv(K) K = I, so the restricted error is the plain one
    assert restricted_phi_error(W, K, TASK) == pytest.approx(err, rel=1e-8)
    row = np.linalg.norm(Phi_hat[-D:] - np.hstack([np.eye(D)] + [np.zeros((D, D))] * (S - 1))) / np.sqrt(D)
    assert boundary_row_error(Phi_hat_lib, TASK) == pytest.approx(row, rel=RTOL)
    res = np.linalg.norm(W @ K - K @ ref) / np.linalg.norm(K @ ref)
    assert intertwining_residual(W, K, TASK) == pytest.approx(res, rel=1e-12)
    # repeat copy: only the free column block differs from Phi, so err = free column error / sqrt(s)
    assert err == pytest.approx(_free_column_by_lstsq(W, P) / np.sqrt(S), rel=RTOL)


# --------------------------------------------------------------------------- compiled networks: exact recovery


@pytest.mark.parametrize("task", [fibonacci(2, 3), random_signed_selection(3, 4, seed=1)], ids=["fibonacci", "selection"])
def test_compiled_network_shows_the_aligned_phi_in_any_basis(task):
    """W_hh = Psi diag(Phi, 0) Psi^-1, W_uh = Psi E_s: the input road's aligned operator is Phi exactly (C8)."""
    rnn = compile_rnn(task, make_basis("invertible", task.s * task.d + 3, rng=2))
    np.testing.assert_allclose(operator_in_power_basis(rnn.W_hh, rnn.W_uh, task), Phi(task), atol=1e-8)
    assert free_column_error(rnn.W_hh, rnn.W_uh, task) < 1e-8
    U = krylov_alignment(task)
    sd, d = task.s * task.d, task.d
    assert U.shape == (sd, sd)
    for i in range(task.s):  # block unitriangular: identity diagonal blocks, zero blocks above the diagonal
        np.testing.assert_array_equal(U[i * d : (i + 1) * d, i * d : (i + 1) * d], np.eye(d))
        assert not U[: i * d, i * d : (i + 1) * d].any()
    assert U[d:, :d].any()  # fibonacci and these bindings have lags below s: U is not the identity


def test_rcond_reaches_the_pseudo_inverse_of_the_operator_and_the_krylov_form():
    """A large rcond truncates pinv(K) to the leading singular directions; the result is pinv_r(K) W K, r < sd."""
    net = network(0)[0]
    W, P = net.W_hh, _readout_seed(net)
    K = _explicit_basis(W, P, S) / np.max(np.linalg.norm(P, axis=0))
    U, sv, Vh = np.linalg.svd(K, full_matrices=False)
    rcond = float(np.sqrt(sv[0] * sv[-1]) / sv[0])  # between the largest and the smallest: truncates some, keeps some
    keep = sv > rcond * sv[0]
    assert 0 < keep.sum() < SD
    pinv_r = (Vh[keep].T / sv[keep]) @ U[:, keep].T
    np.testing.assert_allclose(operator_in_power_basis(W, P, TASK, rcond=rcond), pinv_r @ W @ K, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(krylov_form(W, P, S, rcond=rcond), pinv_r @ W @ K, rtol=1e-9, atol=1e-12)
    C = pinv_r @ W @ K
    Es = np.zeros((SD, D))
    Es[-D:] = np.eye(D)
    assert free_column_error(W, P, TASK, rcond=rcond) == pytest.approx(np.linalg.norm(C[:, :D] - Es) / np.sqrt(D), rel=1e-9)
    err, _, _, rank = phi_error(W, K, TASK, rcond=rcond)
    assert rank == keep.sum() and err == pytest.approx(np.linalg.norm(C - Phi(TASK)) / np.linalg.norm(Phi(TASK)), rel=1e-9)


def test_restricted_error_at_a_capped_rank_is_the_error_on_the_held_subspace():
    """rank r < sd: Pi = pinv_r(K) K projects on the r leading right singular directions; the error is read there."""
    net = network(1)[0]
    W, K = net.W_hh, _explicit_basis(net.W_hh, _readout_seed(net), S)
    U, sv, Vh = np.linalg.svd(K, full_matrices=False)
    r = SD // 2
    pinv_r = (Vh[:r].T / sv[:r]) @ U[:, :r].T
    Pi_Phi = (pinv_r @ K) @ Phi(TASK)
    want = np.linalg.norm(pinv_r @ W @ K - Pi_Phi) / np.linalg.norm(Pi_Phi)
    assert restricted_phi_error(W, K, TASK, rank=r) == pytest.approx(want, rel=1e-9)
    assert abs(restricted_phi_error(W, K, TASK) / want - 1) > 0.01  # the cap changes the reading on this network


def test_truncated_pinv_threshold_is_relative_to_the_largest_singular_value_and_exact_zeros_are_dropped():
    import warnings

    M = np.diag([100.0, 1e-3])
    assert truncated_pinv(M, rcond=1e-4)[2] == 1  # 1e-3 < 1e-4 * 100: dropped (an absolute 1e-4 would keep it)
    assert truncated_pinv(M, rcond=1e-6)[2] == 2
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no division by the zero singular value, not even with a warning
        P, cond, r = truncated_pinv(np.diag([2.0, 0.0]), rcond=0.0)
    np.testing.assert_array_equal(P, np.diag([0.5, 0.0]))
    assert cond == np.inf and r == 1


@pytest.mark.parametrize("normalize", ["scalar", "columns"])
def test_power_basis_of_a_zero_seed_is_zero_not_nan(normalize):
    W = network(0)[0].W_hh
    seed = np.zeros((W.shape[0], D))
    seed[:, 0] = _readout_seed(network(0)[0])[:, 0]  # one live column, the others zero
    K = power_basis(W, seed, S, normalize)
    assert np.all(np.isfinite(K)) and not K[:, 1::D].any()
    assert not power_basis(W, np.zeros((W.shape[0], D)), S, normalize).any()
