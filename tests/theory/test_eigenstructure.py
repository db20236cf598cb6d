"""Eigenstructure of Phi measured with NumPy/SciPy against exact roads (THEORY.md C4, C7)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from wavetheory.strategies import bases, seeds, signed_selection_tasks

from wavetheory import Phi, charpoly, compile_rnn, fibonacci, make_basis, repeat_copy, signed_selection
from wavetheory.theory.eigenstructure import (
    RANK_RTOL,
    cluster_spread,
    departure_from_normality,
    eigenvalue_condition_numbers,
    eigenvector_condition,
    jordan_blocks,
    jordan_structure,
    match_eigenvalues,
    rank_sequence,
    selection_jordan_structure,
    selection_map,
    structure_eigenvalues,
)

EPS = np.finfo(float).eps


# --------------------------------------------------------------------------- matching


@given(seed=seeds, m=st.integers(1, 12), extra=st.integers(0, 4))
def test_match_eigenvalues_recovers_a_hidden_permutation(seed, m, extra):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(m) + 1j * rng.standard_normal(m)
    perm = rng.permutation(m + extra)
    far = 100.0 + np.arange(extra)  # extra learned eigenvalues far from every theoretical one
    b = np.concatenate([a, far])[np.argsort(perm)]  # b[perm^-1 ...]: a hidden shuffle
    sep = np.min(np.abs(a[:, None] - a[None, :]) + np.eye(m) * 1e9) if m > 1 else 1.0
    noise = 0.1 * sep * np.exp(2j * np.pi * rng.random(m + extra))  # below half the separation
    match = match_eigenvalues(a, b + noise, partial=extra > 0)
    np.testing.assert_array_equal(match.index_a, np.arange(m))
    # b[j] = concat[perm^-1 ... ]: the partner of a_i is the position of i in argsort(perm)
    np.testing.assert_array_equal(match.index_b, np.argsort(np.argsort(perm))[:m])
    assert sorted(match.unmatched_b.tolist()) == sorted(np.argsort(np.argsort(perm))[m:].tolist())
    assert match.max_distance <= 0.1 * sep * (1 + 1e-12)  # each pair is off by the noise alone


def test_match_eigenvalues_respects_multiplicity_and_swapped_lengths():
    a = np.array([1.0, 1.0, -1.0])
    b = np.array([1.0 + 1e-9, -1.0, 1.0 - 1e-9])
    match = match_eigenvalues(a, b)
    assert sorted(match.index_b.tolist()) == [0, 1, 2]  # each learned value used once
    assert match.max_distance < 2e-9
    swapped = match_eigenvalues(b, a[:2], partial=True)  # a longer than b: min(m, n) pairs
    assert swapped.index_a.size == 2 and swapped.unmatched_a.size == 1
    with pytest.raises(ValueError, match=r"^a, b: 3 and 2 eigenvalues; pass partial=True"):
        match_eigenvalues(b, a[:2])  # unequal lengths are a choice, never an accident
    with pytest.raises(ValueError, match="finite"):
        match_eigenvalues([np.nan], [1.0])


# --------------------------------------------------------------------------- Jordan structure


def test_jordan_blocks_from_ranks_and_bad_sequences():
    assert jordan_blocks([4, 3, 2, 1, 0]) == (4,)  # one nilpotent block of size 4
    assert jordan_blocks([4, 0]) == (1, 1, 1, 1)  # zero matrix
    assert jordan_blocks([3, 3]) == ()  # not an eigenvalue
    with pytest.raises(ValueError, match="rank sequence"):
        jordan_blocks([4, 3, 1])  # differences 1, 2 increase: impossible


@given(task=signed_selection_tasks(max_d=3, max_s=4))
def test_rank_sequence_equals_ranks_of_explicit_powers(task):
    # Small exact Phi (entries 0, +-1) in the identity basis: the powers are exact at 0 and within
    # ~1e-15 at roots of unity (lambda is rounded). Over 2000 random such tasks (n <= 12) the zero
    # singular values of the powers measured <= 1e-15 and the non-zero ones >= 1e-2, so the same
    # tolerance applies (numpy's default tolerance is relative to the matrix and fails on
    # B = [[-1.2e-16j]], the 1 x 1 Phi = [[-1]] minus the rounded eigenvalue exp(i pi)).
    P = Phi(task)
    n = P.shape[0]
    tol = RANK_RTOL * max(1.0, np.linalg.norm(P, 2))
    for jd in selection_jordan_structure(task):
        ranks = rank_sequence(P, jd.value)
        B = P - jd.value * np.eye(n)
        direct = [np.linalg.matrix_rank(np.linalg.matrix_power(B, k), tol=tol) for k in range(len(ranks))]
        assert ranks.tolist() == direct


def _real_jordan(theta: float, sizes: tuple[int, ...]) -> np.ndarray:
    """Real Jordan form: one block per size m at exp(+-i theta), each a 2m x 2m block-bidiagonal matrix."""
    c, s = np.cos(theta), np.sin(theta)
    blocks = []
    for m in sizes:
        B = np.kron(np.eye(m), np.array([[c, -s], [s, c]])) + np.kron(np.eye(m, k=1), np.eye(2))
        blocks.append(B)
    n = 2 * sum(sizes)
    out, at = np.zeros((n, n)), 0
    for B in blocks:
        out[at : at + B.shape[0], at : at + B.shape[0]] = B
        at += B.shape[0]
    return out


def test_rank_sequence_of_a_defective_complex_pair():
    # issue 12: a real 4 x 4 matrix with one 2-block at exp(+-2 pi i / 5). The projector on ker B^(k-1)
    # must be I - N N^* (conjugate transpose); without a conjugate the sequence read [4, 3, 3]
    M = _real_jordan(2 * np.pi / 5, (2,))
    Q = make_basis("orthogonal", 4, rng=3)
    lam = np.exp(2j * np.pi / 5)
    for W in (M, Q @ M @ Q.T):
        assert rank_sequence(W, lam).tolist() == [4, 3, 2, 2]
        assert rank_sequence(W, lam.conjugate()).tolist() == [4, 3, 2, 2]
        assert jordan_blocks(rank_sequence(W, lam)) == (2,)


@given(theta=st.floats(0.3, 2.8), sizes=st.lists(st.integers(1, 3), min_size=1, max_size=3), seed=seeds)
def test_rank_sequence_gives_the_jordan_blocks_of_complex_pairs(theta, sizes, seed):
    # two roads: the known blocks of a real Jordan form in a random orthogonal basis (so the
    # matrix is real and its eigenvalues complex and defective), and the rank_sequence road.
    # theta in [0.3, 2.8] keeps exp(i theta) >= 0.59 away from its conjugate; the orthogonal
    # basis keeps singular values on the scale of the blocks, well above RANK_RTOL
    n = 2 * sum(sizes)
    Q = make_basis("orthogonal", n, rng=seed)
    W = Q @ _real_jordan(theta, tuple(sizes)) @ Q.T
    ranks = rank_sequence(W, np.exp(1j * theta))
    assert jordan_blocks(ranks) == tuple(sorted(sizes, reverse=True))


@given(task=signed_selection_tasks(), data=st.data())
def test_numeric_jordan_structure_matches_the_exact_selection_structure(task, data):
    # the rank tolerance RANK_RTOL separates the exactly-zero singular values (measured <= 1e-10
    # relative even in a cond < 1e3 basis) from the non-zero ones (>= 6e-6): the structure is exact
    n = task.s * task.d
    W = compile_rnn(task, data.draw(bases(n))).W_hh
    exact = selection_jordan_structure(task)
    assert sum(j.multiplicity for j in exact) == n
    numeric = jordan_structure(W, [j.value for j in exact])
    assert [j.blocks for j in numeric] == [j.blocks for j in exact]


@given(task=signed_selection_tasks())
def test_rank_gap_around_the_tolerance(task):
    # the numbers behind RANK_RTOL (orthogonal basis): zero singular values are 1e4 below the
    # tolerance, non-zero ones 1e4 above it; a 100x looser or tighter tolerance gives the same ranks
    W = compile_rnn(task, make_basis("orthogonal", task.s * task.d, rng=0)).W_hh
    for j in selection_jordan_structure(task):
        base = rank_sequence(W, j.value).tolist()
        assert rank_sequence(W, j.value, rtol=RANK_RTOL * 100).tolist() == base
        assert rank_sequence(W, j.value, rtol=RANK_RTOL / 100).tolist() == base


@given(task=signed_selection_tasks())
def test_exact_selection_spectrum_reproduces_the_charpoly(task):
    # two roads to C4: cycles of the selection map vs the block determinant formula; the product
    # of (x - lambda) over <= 24 unit/zero roots has integer coefficients of size <= 2^24, so
    # rounding the float polynomial (error ~1e-10) recovers them exactly
    ev = structure_eigenvalues(selection_jordan_structure(task))
    poly = np.poly(ev)
    assert np.max(np.abs(poly.imag)) < 1e-8
    np.testing.assert_array_equal(np.round(poly.real), charpoly(task))


@given(task=signed_selection_tasks())
def test_unit_circle_eigenvalues_are_semisimple_zero_is_not_always(task):
    f, sign = selection_map(task)
    P = Phi(task)
    rows = np.where(f[:, None] == np.arange(f.size)[None, :], sign[:, None], 0)
    np.testing.assert_array_equal(rows, P)  # the map reproduces Phi row by row
    for j in selection_jordan_structure(task):
        if j.turn is not None:
            assert set(j.blocks) == {1} and abs(abs(j.value) - 1) < 1e-15


def test_known_structures():
    # x(t) = x(t-1) with s = 5: a nilpotent chain of size 4 at 0 plus the fixed point 1
    st5 = selection_jordan_structure(signed_selection("x0(t-1)", s=5))
    assert [(j.turn, j.blocks) for j in st5] == [(None, (4,)), (0, (1,))]
    # repeat copy: the s-th roots of unity, each d times, all semisimple
    rc = selection_jordan_structure(repeat_copy(2, 3))
    assert [(str(j.turn), j.blocks) for j in rc] == [("0", (1, 1)), ("1/3", (1, 1)), ("2/3", (1, 1))]
    with pytest.raises(ValueError, match="signed selection"):
        selection_map(fibonacci(1, 2))


# --------------------------------------------------------------------------- conditioning


@given(d=st.integers(1, 4), s=st.integers(1, 12), seed=seeds)
def test_repeat_copy_is_normal_in_every_orthogonal_basis(d, s, seed):
    # Phi is a permutation matrix: normal, so the Schur form is diagonal; rounding leaves
    # ||N||_F ~ n eps (measured <= 3.5e-14 for n = 96); 100 n eps allows for the Schur backward error
    n = s * d
    W = compile_rnn(repeat_copy(d, s), make_basis("orthogonal", n, rng=seed)).W_hh
    assert departure_from_normality(W) <= 100 * n * EPS
    # eigenvalues = s-th roots of unity, each d times, to ~1e-13 (normal: perfectly conditioned)
    roots = np.repeat(np.exp(2j * np.pi * np.arange(s) / s), d)
    assert match_eigenvalues(roots, np.linalg.eigvals(W)).max_distance <= 100 * n * EPS
    if d == 1:  # distinct eigenvalues of a normal matrix: orthonormal eigenvectors
        assert eigenvector_condition(W) <= 1 + 100 * n * EPS


@given(task=signed_selection_tasks(), seed=seeds)
def test_eigenvalue_condition_numbers_are_at_least_one(task, seed):
    kappa = eigenvalue_condition_numbers(compile_rnn(task, make_basis("orthogonal", task.s * task.d, rng=seed)).W_hh)
    assert np.all(kappa >= 1 - 1e-12)  # Cauchy-Schwarz: |y^* x| <= 1 for unit vectors


def test_fibonacci_eigenvectors_stay_well_conditioned_as_s_grows():
    # distinct roots (one near 2, the rest inside the unit circle): a Vandermonde basis whose
    # condition grows only slowly with s (measured 1.96, 3.22, 5.12, 6.55 at s = 4, 8, 16, 24)
    kappas = [eigenvector_condition(Phi(fibonacci(1, s))) for s in (4, 8, 16, 24)]
    assert all(a < b for a, b in zip(kappas, kappas[1:]))
    assert kappas[-1] < 2 * np.sqrt(24)  # ~1.3 sqrt(s) measured; far from the 1/eps of a defective basis
    assert departure_from_normality(Phi(fibonacci(1, 24))) > 1  # but it is clearly non-normal


@pytest.mark.parametrize("s", [3, 4, 6, 8])
def test_defective_zero_splits_like_eps_to_the_one_over_m(s):
    # x(t) = x(t-1): Jordan block of size m = s - 1 at 0. A perturbation of size eta splits it into
    # m eigenvalues on a circle of radius ~eta^(1/m): the fitted log-log slope is 1/m. Exact
    # arithmetic in the identity basis (LAPACK keeps the exact zeros), eps^(1/m) in a rotated one.
    m = s - 1
    P = Phi(signed_selection("x0(t-1)", s=s))
    rng = np.random.default_rng(s)
    E = rng.standard_normal(P.shape)
    E /= np.linalg.norm(E, 2)
    etas = np.logspace(-12, -6, 7)
    spread = [cluster_spread(P + eta * E, 0.0, m) for eta in etas]
    slope = np.polyfit(np.log(etas), np.log(spread), 1)[0]
    assert abs(slope - 1 / m) < 0.1 / m  # within 10% of 1/m (measured within 1%)
    W = compile_rnn(signed_selection("x0(t-1)", s=s), make_basis("orthogonal", s, rng=s)).W_hh
    rounding = cluster_spread(W, 0.0, m)
    # backward error of the QR algorithm ~ n eps ||W||; splitting radius (n eps)^(1/m); factor 4 margin
    assert rounding <= 4 * (s * EPS) ** (1 / m)
    assert rounding >= 1e-3 * EPS ** (1 / m)  # it really splits (measured 0.4..0.95 eps^(1/m))
    assert eigenvector_condition(W) > 1e6  # numerically defective basis (measured 2.6e8 .. 1e16)


@given(task=signed_selection_tasks(max_d=3, max_s=4))
def test_combinatorial_structure_equals_the_symbolic_one(task):
    # three roads to C4's Jordan structure: SymPy (invariant factors over Q[lam]/(f), the symbolic
    # module), the cycles/images of the selection map (exact fractions of a turn), and the numeric
    # rank sequences above. Compared by minimal polynomial: exp(2 pi i p/q) (p/q reduced) has the
    # cyclotomic polynomial Phi_q, and 0 has lam; Galois conjugates share their Jordan blocks.
    import sympy as sp

    from wavetheory.theory.symbolic import LAM, eigen_structure

    def key(f: sp.Expr) -> str:
        return str(sp.expand(f))

    symbolic = sorted((key(e.factor.as_expr()), e.jordan) for e in eigen_structure(task))
    combinatorial = sorted(
        (key(LAM if j.turn is None else sp.cyclotomic_poly(j.turn.denominator, LAM)), j.blocks)
        for j in selection_jordan_structure(task)
    )
    assert symbolic == combinatorial


# --------------------------------------------------------------------------- exact small cases (found by mutation testing)


def test_jordan_structure_values_and_tolerance():
    # a 2 x 2 nilpotent block with a 1e-10 coupling: a zero singular value at the default RANK_RTOL
    # (two 1 x 1 blocks), a real one at a tolerance 1e4 tighter (one 2 x 2 block)
    M = np.array([[0.0, 1e-10], [0.0, 0.0]])
    (default,) = jordan_structure(M, [0])
    (tight,) = jordan_structure(M, [0], rtol=1e-14)
    assert default.value == 0j and type(default.value) is complex
    assert (default.blocks, tight.blocks) == ((1, 1), (2,))


def test_structure_eigenvalues_are_complex_even_when_real():
    ev = structure_eigenvalues(jordan_structure(np.diag([2.0, 2.0, -1.0]), [2.0, -1.0]))
    assert ev.dtype == complex and ev.tolist() == [2, 2, -1]
    assert structure_eigenvalues([]).dtype == complex  # even with nothing to convert


def test_eigenvalue_condition_numbers_of_a_triangular_2x2():
    # [[a, b], [0, c]] with a != c: both eigenvalues have kappa = sqrt(1 + (b / (a - c))^2)
    b = 3.0
    kappa = eigenvalue_condition_numbers(np.array([[1.0, b], [0.0, 2.0]]))
    assert np.allclose(kappa, np.sqrt(1 + b**2), rtol=1e-12)
    assert np.allclose(eigenvalue_condition_numbers(make_basis("orthogonal", 5, rng=1)), 1.0, rtol=1e-12)  # normal


def test_eigenvalue_condition_number_of_a_jordan_block_is_infinite_without_a_warning():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the division by y^* x = 0 is expected, not warned
        kappa = eigenvalue_condition_numbers(np.array([[1.0, 1.0], [0.0, 1.0]]))
    assert np.all(kappa > 1e7)  # y^* x ~ eps: infinite up to rounding


def test_departure_from_normality_exact():
    theta = 0.7
    rotation = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])  # normal, complex eigenvalues
    assert departure_from_normality(rotation) < 1e-14
    assert departure_from_normality(np.array([[1.0, 2.0], [0.0, 3.0]])) == pytest.approx(2.0, rel=1e-12)


def test_cluster_spread_exact_and_bad_count():
    M = np.diag([1.0, 1.1, 3.0])
    assert cluster_spread(M, 1.0, 1) == 0.0
    assert cluster_spread(M, 1.0, 2) == pytest.approx(0.1, rel=1e-12)
    assert cluster_spread(M, 1.0, 3) == pytest.approx(2.0, rel=1e-12)
    for bad in (0, 4):
        with pytest.raises(ValueError, match="count: expected 1 <= count <= 3"):
            cluster_spread(M, 1.0, bad)


def test_rank_sequence_tolerance_is_relative_to_the_2_norm_and_at_least_rtol():
    # singular values placed just around rtol * max(1, ||M||_2): each pins one part of the tolerance
    big = np.array([[0, 1e6, 0], [0, 0, 1e-3], [0, 0, 0.0]])  # tol = 1e-2 (scaled by ||M||_2 = 1e6): 1e-3 is zero
    assert rank_sequence(big, 0).tolist() == [3, 1, 0, 0]
    small = np.array([[0, 1.5, 0], [0, 0, 1.8e-8], [0, 0, 0.0]])  # tol = 1.5e-8: 1.8e-8 is not zero
    assert rank_sequence(small, 0).tolist() == [3, 2, 1, 0]
    two = np.zeros((4, 4))
    two[0, 1] = two[2, 3] = 1e4
    two[1, 2] = 1.2e-4  # above 1e-8 ||M||_2 = 1e-4, below 1e-8 ||M||_F = 1.4e-4
    assert rank_sequence(two, 0).tolist() == [4, 3, 2, 1, 0]
    assert rank_sequence(np.zeros((0, 0)), 0).tolist() == [0]


def test_rank_sequence_inputs():
    N = np.diag(np.ones(3), 1)
    assert rank_sequence(N + 0j, 0).tolist() == [4, 3, 2, 1, 0]  # complex input is kept complex
    assert rank_sequence(N, 0, k_max=2).tolist() == [4, 3, 2]  # stops at k_max
    with pytest.raises(ValueError, match="M: contains NaN"):
        rank_sequence(np.array([[np.nan]]), 0)
    with pytest.raises(ValueError, match="M: expected a square matrix"):
        rank_sequence(np.ones((2, 3)), 0)


def test_rank_sequence_boundaries():
    # a singular value equal to the tolerance counts as zero ("at most rtol * max(1, ||M||_2)")
    assert rank_sequence(np.array([[0, 1e-8], [0, 0.0]]), 0).tolist() == [2, 0, 0]
    # a complex matrix is used as it is (its imaginary part decides here), a non-eigenvalue stops at once
    assert rank_sequence(np.diag([1j, 1j]) + np.diag([1.0], 1), 1j).tolist() == [2, 1, 0]
    assert rank_sequence(np.eye(2), 3.0).tolist() == [2, 2]
