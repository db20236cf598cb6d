"""Tests of wavetheory.learning.spectrum_match: the persistence radius, the spectrum of W_hh against Phi's (C7),
and diagonal cells against their target spectrum (C15), on the committed trained networks (tests/trained_networks.py).

Every expected reading is computed here by a second road: the radius from its defining equation r^s = keep,
the outside count by sorting moduli, the minimum-cost matching by an exact dynamic program over subsets.
"""

import numpy as np
import pytest

from trained_networks import D, S, SEEDS, TASK, network
from wavetheory.learning.spectrum_match import (CLUSTER_RADIUS, clusters, match_diagonal, match_spectrum,
                                                 persistence_radius, spectrum_match_distance)
from wavetheory.theory.tasks import fibonacci, repeat_copy
from wavetheory.theory.wave_operator import spectrum

SD = S * D
KEEP = 0.01  # the documented default: a mode outside the radius keeps more than 1% of its amplitude over s steps
RTOL = 1e-12  # float64 powers and roots of numbers in (0, 1]: a few ulps


@pytest.mark.parametrize("s", [1, 2, 4, 10])
@pytest.mark.parametrize("keep", [KEEP, 0.1, 0.5])
def test_persistence_radius_keeps_exactly_keep_over_s_steps(s, keep):
    r = persistence_radius(s, keep)
    assert r**s == pytest.approx(keep, rel=RTOL)
    assert (r * 1.001) ** s > keep > (r * 0.999) ** s  # just outside keeps more, just inside keeps less


def test_persistence_radius_default_keep_is_one_percent():
    assert [persistence_radius(s) for s in (1, 3, 4, 12)] == [persistence_radius(s, KEEP) for s in (1, 3, 4, 12)]


def _moduli_descending(W):
    return np.sort(np.abs(np.linalg.eigvals(W)))[::-1]


@pytest.mark.parametrize("seed", SEEDS)
def test_radius_of_a_trained_network_is_taken_over_s_steps_not_s_d(seed):
    """The radius is keep^(1/s) for the task's substrate length s = 4 (not s*d = 12 steps)."""
    m = match_spectrum(network(seed)[0].W_hh, TASK)
    assert m.radius**S == pytest.approx(KEEP, rel=RTOL)


@pytest.mark.parametrize("seed", SEEDS)
def test_n_outside_counts_exactly_the_extra_eigenvalues_outside_the_radius(seed):
    """Second road: sort the moduli, drop the s*d largest, count those above keep^(1/s)."""
    W = network(seed)[0].W_hh
    extra = _moduli_descending(W)[SD:]
    radius = KEEP ** (1.0 / S)
    # no modulus sits on the radius to within float error (measured margin >= 4.8e-4), so the count is not a knife edge
    assert np.min(np.abs(extra - radius)) > 1e-9
    m = match_spectrum(W, TASK)
    assert m.n_outside == int(np.sum(extra > radius))
    np.testing.assert_allclose(np.sort(np.abs(m.extra)), np.sort(extra), rtol=RTOL)


def test_the_trained_networks_discriminate_the_radius():
    """Guard of the tests above: on these networks keep^(1/(s d)) (0.68) would count no extra eigenvalue outside,
    keep^(1/s) (0.32) counts some; so a radius taken over s*d steps cannot pass them."""
    counts = [[int(np.sum(_moduli_descending(network(k)[0].W_hh)[SD:] > KEEP ** (1.0 / n))) for k in SEEDS] for n in (S, SD)]
    assert sum(counts[0]) > 0 and sum(counts[1]) == 0


@pytest.mark.parametrize("seed", SEEDS)
def test_learned_are_the_sd_largest_eigenvalues_and_extra_the_rest(seed):
    W = network(seed)[0].W_hh
    m = match_spectrum(W, TASK)
    assert m.learned.size == SD and m.extra.size == W.shape[0] - SD
    assert np.min(np.abs(m.learned)) >= np.max(np.abs(m.extra))
    both = np.concatenate([m.learned, m.extra])
    eig = np.linalg.eigvals(W)
    key = lambda z: np.lexsort((np.round(z.imag, 9), np.round(z.real, 9)))  # noqa: E731
    np.testing.assert_allclose(both[key(both)], eig[key(eig)], atol=1e-12)  # the same multiset
    np.testing.assert_allclose(m.distance, np.abs(m.theory - m.learned), rtol=0, atol=0)


def _min_cost_by_subsets(theory_roots, mult, learned):
    """Exact minimum total |theory - learned| with each distinct root taking ``mult`` learned values: a dynamic
    program over the subsets of the learned values (the i-th chosen batch of ``mult`` goes to root i // mult)."""
    n = learned.size
    best = np.full(1 << n, np.inf)
    best[0] = 0.0
    for mask in range(1 << n):
        if not np.isfinite(best[mask]) or mask == (1 << n) - 1:
            continue
        root = theory_roots[bin(mask).count("1") // mult]
        for j in range(n):
            if not mask & (1 << j):
                new = mask | (1 << j)
                best[new] = min(best[new], best[mask] + abs(root - learned[j]))
    return best[-1]


@pytest.mark.parametrize("seed", SEEDS)
def test_matching_has_the_minimum_total_distance(seed):
    m = match_spectrum(network(seed)[0].W_hh, TASK)
    roots = np.exp(2j * np.pi * np.arange(S) / S)  # repeat copy: every s-th root of unity, d times (C4)
    assert m.distance.sum() == pytest.approx(_min_cost_by_subsets(roots, D, m.learned), rel=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
def test_summary_fields_follow_their_definitions(seed):
    m = match_spectrum(network(seed)[0].W_hh, TASK)
    s = m.summary()
    ang = [abs(np.angle(l) - np.angle(t) + np.pi) % (2 * np.pi) - np.pi for l, t in zip(m.learned, m.theory)]
    assert s["angle_mean"] == pytest.approx(np.mean(np.abs(ang)), abs=1e-12)
    assert s["angle_max"] == pytest.approx(np.max(np.abs(ang)), abs=1e-12)
    assert s["mean"] == pytest.approx(np.mean(np.abs(m.learned - m.theory)), rel=RTOL)
    assert s["max"] == pytest.approx(np.max(np.abs(m.learned - m.theory)), rel=RTOL)
    assert s["modulus_mean"] == pytest.approx(np.mean(np.abs(m.learned)), rel=RTOL)
    assert s["modulus_excess_max"] == pytest.approx(np.max(np.abs(m.learned) - 1.0), rel=RTOL)  # |theory| = 1
    assert spectrum_match_distance(network(seed)[0].W_hh, TASK) == (s["mean"], s["max"])


@pytest.mark.parametrize("seed", SEEDS)
def test_cluster_counts_of_a_trained_network(seed):
    """Second road: an eigenvalue counts for root z_k of unity when z_k is its nearest root and it lies within
    min(CLUSTER_RADIUS, half the gap between neighbouring roots, |1 - i| / 2)."""
    W = network(seed)[0].W_hh
    eig = np.linalg.eigvals(W)
    out = clusters(spectrum(TASK), eig)
    assert len(out) == S
    radius = min(CLUSTER_RADIUS, abs(1 - 1j) / 2)
    for c in out:
        z = complex(*c["value"])
        k = int(np.round(np.angle(z) / (2 * np.pi / S))) % S
        roots = np.exp(2j * np.pi * np.arange(S) / S)
        near = np.argmin(np.abs(eig[:, None] - roots[None, :]), axis=1)
        mine = (near == k) & (np.abs(eig - roots[k]) <= radius)
        assert c["multiplicity"] == D and c["radius"] == pytest.approx(radius, rel=RTOL)
        assert c["learned"] == int(mine.sum())
        if mine.any():
            assert c["spread"] == pytest.approx(np.abs(eig[mine] - roots[k]).max(), rel=1e-9)
            assert c["mean_modulus"] == pytest.approx(np.abs(eig[mine]).mean(), rel=1e-12)
        else:
            assert c["spread"] is None and c["mean_modulus"] is None
    assert match_spectrum(W, TASK).clusters == out


def test_radius_argument_overrides_the_default():
    W = network(0)[0].W_hh
    m = match_spectrum(W, TASK, radius=0.0)
    assert m.radius == 0.0 and m.n_outside == W.shape[0] - SD  # every extra eigenvalue is nonzero


@pytest.mark.parametrize("shape", [(3, 4), (8, 8), (12,), (12, 13), (13, 12)])
def test_match_spectrum_refuses_what_cannot_hold_the_spectrum(shape):
    with pytest.raises(ValueError, match="^W_hh: "):
        match_spectrum(np.zeros(shape), TASK)


def test_diagonal_match_of_the_exact_spectrum_and_of_a_rotated_one():
    """Fed Phi's own eigenvalues (conjugates folded), a diagonal cell matches with zero angle error; rotating every
    eigenvalue by 0.1 rad gives angle errors of 0.1 (0 or pi roots fold onto themselves, so their rotated copies
    sit 0.1 away too) and unit moduli."""
    task = repeat_copy(1, 4)  # nonzero spectrum: the 4th roots of unity, each once
    exact = match_diagonal(spectrum(task), task).summary()
    assert exact["angle_max"] == pytest.approx(0.0, abs=1e-12) and exact["modulus_min"] == pytest.approx(1.0, rel=RTOL)
    rotated = match_diagonal(spectrum(task) * np.exp(0.1j), task).summary()
    assert rotated["angle_max"] == pytest.approx(0.1, rel=1e-9) and rotated["modulus_mean"] == pytest.approx(1.0, rel=RTOL)


def test_diagonal_match_summary_of_a_perturbed_cell_field_by_field():
    """Repeat copy d = 1, s = 4: targets 1, i, -1 (one state per conjugate pair). A cell holding them perturbed
    (moduli 0.95, 0.9, 0.8; the pair rotated by 0.05 rad) and two extra states, one given as Im < 0 (folded)."""
    w = 0.9 * np.exp(1j * (np.pi / 2 + 0.05))
    lam = np.array([0.1 + 0.2j, -0.8, np.conj(w), 0.95, 0.3 - 0.1j])
    m = match_diagonal(lam, repeat_copy(1, 4))
    order = np.argsort(np.angle(m.target))
    np.testing.assert_allclose(m.target[order], [1.0, 1j, -1.0], atol=1e-12)
    np.testing.assert_allclose(m.learned[order], [0.95, w, -0.8], atol=1e-12)  # conj(w) folded to w
    np.testing.assert_allclose(np.sort_complex(m.extra), np.sort_complex(np.array([0.1 + 0.2j, 0.3 + 0.1j])), atol=1e-12)
    s = m.summary()
    assert (s["diagonal_realizable"], s["reason"], s["n_target"], s["n_learned"]) == (True, "minimal W diagonalizable", 3, 5)
    assert s["angle_mean"] == pytest.approx(0.05 / 3, rel=1e-9) and s["angle_max"] == pytest.approx(0.05, rel=1e-9)
    assert s["modulus_mean"] == pytest.approx((0.95 + 0.9 + 0.8) / 3, rel=1e-12)
    assert s["modulus_min"] == pytest.approx(0.8, rel=1e-12)
    assert s["modulus_gap_max"] == pytest.approx(0.2, rel=1e-9)  # |target| - |learned| at -1
    assert s["extra_modulus_max"] == pytest.approx(np.sqrt(0.1), rel=1e-12)  # |0.3 + 0.1i|
    want = sorted([[0.0, 0.0, 0.95], [np.pi / 2, np.pi / 2 + 0.05, 0.9], [np.pi, np.pi, 0.8]])
    np.testing.assert_allclose(sorted(s["pairs"]), want, atol=1e-12)


def test_diagonal_match_with_fewer_states_than_targets_and_on_a_task_without_a_recurrence():
    one = match_diagonal(np.array([0.9]), repeat_copy(1, 4)).summary()  # only the target nearest to 0.9 is matched
    assert (one["n_target"], one["n_learned"], one["extra_modulus_max"]) == (1, 1, 0.0)
    assert one["pairs"] == [[0.0, 0.0, 0.9]]
    # fibonacci is not LTI-realizable (C12): the targets are Phi's distinct eigenvalues, the golden ratios
    fib = match_diagonal(np.array([1.6, -0.6, 0.0]), fibonacci(2, 2))
    assert not fib.diagonal_realizable and fib.reason.startswith("not LTI-realizable")
    np.testing.assert_allclose(np.sort(fib.target.real), [(1 - 5**0.5) / 2, (1 + 5**0.5) / 2], rtol=1e-12)
    assert fib.summary()["modulus_gap_max"] == pytest.approx((1 + 5**0.5) / 2 - 1.6, rel=1e-9)


def test_spectrum_match_summary_skips_zero_theory_eigenvalues_in_the_angles():
    """A selection task with Jordan chains at 0: the angle error is read on the nonzero eigenvalues of Phi only."""
    from wavetheory.theory.tasks import signed_selection
    from wavetheory.theory.wave_operator import compile_rnn, make_basis

    task = signed_selection("x1(t-2), x2(t-2), x2(t-2)")
    rnn = compile_rnn(task, make_basis("orthogonal", task.s * task.d + 2, rng=0))
    s = match_spectrum(rnn.W_hh, task).summary()
    assert np.sum(np.abs(spectrum(task)) < 1e-8) > 0  # there are zero eigenvalues to skip
    # the compiled network holds Phi exactly; nilpotent blocks spread by eps^(1/m) but carry no angle error
    assert s["angle_max"] < 1e-6 and s["modulus_excess_max"] < 1e-4


def test_diagonal_match_summary_without_targets_reads_zeros_and_the_leftover_states():
    from wavetheory.learning.spectrum_match import DiagonalMatch

    empty = np.zeros(0, dtype=complex)
    s = DiagonalMatch(empty, empty, np.array([0.5j, -0.25]), True, "why").summary()
    assert (s["n_target"], s["n_learned"], s["pairs"], s["extra_modulus_max"]) == (0, 2, [], 0.5)
    for key in ("angle_mean", "angle_max", "modulus_mean", "modulus_min", "modulus_gap_max"):
        assert s[key] == 0.0, key  # exactly 0, not NaN from an empty mean


def test_summary_of_a_nilpotent_task_has_no_angle_to_read():
    """All lags zero: Phi is the bare shift, nilpotent; every theory eigenvalue is 0, so the angle error is 0, not NaN."""
    from wavetheory.theory.tasks import LinearHDS

    task = LinearHDS(np.zeros((3, 2, 2)))
    W = np.diag(np.linspace(0.1, 0.9, 8))
    s = match_spectrum(W, task).summary()
    assert s["angle_mean"] == 0.0 and s["angle_max"] == 0.0
    assert s["modulus_excess_max"] == pytest.approx(0.9, rel=1e-9)  # the largest learned modulus minus 0


def test_cluster_radius_is_half_the_gap_below_the_cap_and_the_boundary_counts():
    """Theory {1, -1}: half the gap is 1. An eigenvalue at 0 lies exactly on the radius of both; it counts (<=) for
    the one listed first (the nearest by argmin): 1 or -1, whichever the grouping lists first."""
    out = clusters(np.array([1.0, -1.0]), np.array([0.0, -0.5, 0.9]), cap=10.0)
    assert [c["radius"] for c in out] == [1.0, 1.0]
    first, second = out
    assert first["learned"] == 2 and second["learned"] == 1 and sum(c["learned"] for c in out) == 3
    near = {1.0: 0.9, -1.0: -0.5}  # the non-boundary eigenvalue of each root
    assert first["mean_modulus"] == pytest.approx(abs(near[first["value"][0]]) / 2)  # with the 0 at the boundary
    assert first["spread"] == 1.0 and second["spread"] == pytest.approx(abs(second["value"][0] - near[second["value"][0]]))
    capped = clusters(np.array([1.0, -1.0]), np.array([0.0]), cap=0.5)  # the cap below half the gap: 0 is in neither
    assert [c["radius"] for c in capped] == [0.5, 0.5] and [c["learned"] for c in capped] == [0, 0]
    assert all(c["spread"] is None and c["mean_modulus"] is None for c in capped)


def test_cluster_values_are_the_theory_eigenvalues_and_jordan_spreads_merge():
    """Fibonacci's golden ratios are labelled by their value (not rounded to integers); a nilpotent Jordan block,
    which numerical eigensolvers spread by eps^(1/m), is one cluster of its full multiplicity."""
    phi = (1 + 5**0.5) / 2
    out = clusters(spectrum(fibonacci(1, 2)), np.array([1.6, -0.6]))
    np.testing.assert_allclose(sorted(c["value"][0] for c in out), [1 - phi, phi], rtol=1e-12)
    thirds = clusters(spectrum(repeat_copy(1, 3)), np.zeros(1))  # the cube roots of unity: Im = +-sqrt(3)/2
    np.testing.assert_allclose(sorted(c["value"][1] for c in thirds), [-(3**0.5) / 2, 0.0, 3**0.5 / 2], atol=1e-12)
    from wavetheory.theory.tasks import signed_selection
    from wavetheory.theory.wave_operator import Phi, make_basis

    task = signed_selection("x0(t-3), x0(t-3), x0(t-3)")  # Phi: eigenvalues 1, e^(+-2 pi i / 3), and 0 six times
    Q = make_basis("orthogonal", 9, rng=0)
    theory = np.linalg.eigvals(Q @ Phi(task) @ Q.T)  # Phi in another basis: the zero eigenvalues come out spread
    small = np.abs(theory) < 0.5
    assert small.sum() == 6 and 1e-6 < np.max(np.abs(theory[small])) < 1e-3  # the spread the grouping must merge
    zero = [c for c in clusters(theory, theory) if abs(complex(*c["value"])) < 0.5]
    assert len(zero) == 1 and zero[0]["multiplicity"] == 6 and zero[0]["learned"] == 6


def test_diagonal_targets_of_a_task_without_a_recurrence_are_the_folded_distinct_eigenvalues_of_phi():
    """Second road: a dense random task (not LTI-realizable) has distinct eigenvalues, some closer than 1 to each
    other; the targets are those with Im >= 0, each once."""
    from wavetheory.theory.task_library import random_linear
    from wavetheory.theory.wave_operator import Phi

    task = random_linear(1, 4, seed=0)
    ev = np.linalg.eigvals(Phi(task))
    gaps = np.abs(ev[:, None] - ev[None, :])[np.triu_indices(4, 1)]
    assert gaps.min() < 1.0  # a grouping tolerance as coarse as 1 would merge some of them
    m = match_diagonal(ev, task)
    want = np.sort_complex(ev[ev.imag >= 0])
    np.testing.assert_allclose(np.sort_complex(m.target), want, atol=1e-9)
    np.testing.assert_allclose(np.sort_complex(m.learned), want, atol=1e-9)  # fed its own spectrum: all matched
    assert not m.diagonal_realizable and m.extra.size == 1  # the Im < 0 member, folded onto its partner
