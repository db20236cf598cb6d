"""wavetheory.learning.substrate: nonlinear copy tasks and the measurements of a wave substrate without a
linear Phi: lag decoders, transport through W_hh, the root structure of W_hh, the averaged Jacobian (C14)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wavetheory.learning.substrate import (
    lag_decoding, mean_jacobian, nonlinear_copy, root_structure, trajectory, transport_decoding,
)
from wavetheory.strategies import linear_tasks, seeds
from wavetheory.theory.tasks import repeat_copy, rollout
from wavetheory.theory.wave_operator import LinearRNN, compile_rnn, make_basis

# --------------------------------------------------------------------------- tasks


def test_nonlinear_tasks_follow_their_definition_and_validate():
    rng = np.random.default_rng(0)
    hist = rng.choice([-1.0, 1.0], size=(5, 4, 3))
    for kind in ("product", "triple", "majority"):
        task = nonlinear_copy(3, 4, k=2, kind=kind)
        x = np.concatenate([hist, rollout(task, hist, 6)], axis=1)
        for t in range(4, 10):
            old, a, b = x[:, t - 4], np.roll(x[:, t - 2], -1, axis=-1), np.roll(x[:, t - 2], -2, axis=-1)
            want = {"product": old * a, "triple": old * a * b, "majority": np.sign(old + a + b)}[kind]
            np.testing.assert_array_equal(x[:, t], want)
    for kwargs, message in (({"k": 0}, "k"), ({"k": 5}, "k"), ({"kind": "xor"}, "kind"), ({"d": 0}, "d")):
        with pytest.raises(ValueError, match=message):
            nonlinear_copy(**{"d": 3, "s": 4, **kwargs})


@pytest.mark.parametrize("kind, parity", [("product", 1.0), ("triple", -1.0), ("majority", -1.0)])
def test_boundary_parity_under_sign_flip(kind, parity):
    """f(-past) = parity * f(past): the product is even (no bias-free tanh RNN can learn it), the others odd."""
    task = nonlinear_copy(3, 4, k=2, kind=kind)
    past = np.random.default_rng(1).choice([-1.0, 1.0], size=(16, 4, 3))
    np.testing.assert_array_equal(task.f(-past), parity * task.f(past))


def test_trajectory_starts_with_the_written_history():
    task = nonlinear_copy(2, 3)
    u, x = trajectory(task, 4, 5, rng=2)
    assert u.shape == (4, 8, 2) and x.shape == (4, 8, 2)
    np.testing.assert_array_equal(x[:, :3], u[:, :3])
    np.testing.assert_array_equal(x[:, 3:], rollout(task, u[:, :3], 5))
    from wavetheory.theory.two_phase import two_phase_batch

    np.testing.assert_array_equal(u, two_phase_batch(task, 4, 5, 2)[0])  # the seed given draws the batch
    for a, b in zip(trajectory(task, 4, 5), trajectory(task, 4, 5, rng=0)):  # the documented default seed 0
        np.testing.assert_array_equal(a, b)


# --------------------------------------------------------------------------- decoders


@given(linear_tasks(only_last_lag=True, max_d=3, max_s=4), seeds)
@settings(max_examples=20)
def test_a_linear_wave_network_is_decodable_and_transported_exactly(task, seed):
    """For the compiled linear RNN, x(t-k) = E_(s-k)^T Psi^-1 h(t) exactly: R^2 = 1 and D_k W_hh = D_(k-1)."""
    rnn = compile_rnn(task, make_basis("orthogonal", task.s * task.d + 2, seed))
    u, x = trajectory(task, 16, 2 * task.s, seed)
    hs = rnn.run(u, "linear")[1]
    r2, acc, dec = lag_decoding(hs, x, task.s)
    tr2, tacc = transport_decoding(hs, x, task.s, rnn.W_hh, dec)
    # least squares on exactly linear data: residual ~ eps * cond; 1e-8 on R^2 leaves a wide margin
    assert np.all(r2 > 1 - 1e-8) and np.all(acc == 1.0)
    assert np.all(tr2 > 1 - 1e-8) and np.all(tacc == 1.0)


def test_decoders_of_random_states_are_at_chance():
    rng = np.random.default_rng(0)
    states, x = rng.standard_normal((200, 12, 5)), rng.choice([-1.0, 1.0], size=(200, 12, 2))
    r2, acc, _ = lag_decoding(states, x, 3)
    assert np.all(np.abs(r2) < 0.05) and np.all(np.abs(acc - 0.5) < 0.05)  # 2400 held-out samples: sd ~ 0.01


def test_decoders_validate_their_shapes():
    states, x = np.zeros((4, 6, 5)), np.zeros((4, 6, 2))
    with pytest.raises(ValueError, match="^x: expected shape"):
        lag_decoding(states, x[:, :5], 3)
    with pytest.raises(ValueError, match="^x: expected shape"):
        lag_decoding(states[:1], x[:1], 3)  # one sequence cannot be split into fit and test halves
    with pytest.raises(ValueError, match="^lags: "):
        lag_decoding(states, x, 3, lags=7)


# --------------------------------------------------------------------------- spectrum and Jacobian


@given(st.integers(1, 3), st.integers(1, 5), seeds)
@settings(max_examples=20)
def test_root_structure_of_a_compiled_repeat_copy_network(d, s, seed):
    rnn = compile_rnn(repeat_copy(d, s), make_basis("orthogonal", s * d + 1, seed))
    r = root_structure(rnn.W_hh, d, s)
    assert r["counts"] == [d] * s and r["angle_counts"] == [d] * s
    assert r["angle_error_mean"] < 1e-6  # eigenvalues of a permutation in a rotated basis: ~1e-15 / sqrt-of-Jordan
    assert r["angle_fraction"] == 1.0


def test_root_structure_of_random_matrices_is_at_chance():
    """Random W_hh: the leading angles are not the s-th roots (angle_ratio near 1, unlike 0 for the wave)."""
    W = np.random.default_rng(3).standard_normal((40, 40)) / np.sqrt(40)
    r = root_structure(W, 2, 4)
    assert 0.5 < r["angle_ratio"] < 1.5 and r["total"] < r["expected_repeat_copy"]
    with pytest.raises(ValueError, match="^W_hh: "):
        root_structure(np.eye(3), 2, 2)


def test_mean_jacobian_at_rest_is_W_hh():
    """Zero inputs keep the Elman state at 0, where tanh' = 1: the averaged Jacobian is W_hh."""
    rnn = LinearRNN(*(np.random.default_rng(4).standard_normal(sh) for sh in ((5, 5), (5, 2), (2, 5))))
    # the mean of 10 identical terms: a sum and one division, ~10 eps relative
    np.testing.assert_allclose(mean_jacobian(rnn, np.zeros((2, 6, 2)), start=1), rnn.W_hh, rtol=1e-14, atol=0)
    J = mean_jacobian(rnn, np.ones((2, 6, 2)), start=1)  # saturating drive: tanh' < 1 shrinks every row
    assert np.all(np.abs(J) <= np.abs(rnn.W_hh) + 1e-15) and not np.allclose(J, rnn.W_hh)
    with pytest.raises(TypeError, match="^net: "):
        mean_jacobian("nope", np.zeros((1, 2, 2)), 0)
    with pytest.raises(ValueError, match="^start: "):
        mean_jacobian(rnn, np.zeros((1, 2, 2)), 2)


def test_mean_jacobian_of_an_elman_network_is_the_average_of_its_step_jacobians():
    """Two roads: the vectorized Elman average == diag(1 - h(t)^2) W_hh summed step by step (float64 rounding)."""
    rng = np.random.default_rng(5)
    net = LinearRNN(rng.standard_normal((6, 6)), rng.standard_normal((6, 2)), rng.standard_normal((2, 6)))
    u = rng.standard_normal((3, 7, 2))
    total = np.zeros((6, 6))
    for b in range(3):
        h = np.zeros(6)
        for t in range(7):
            h = np.tanh(net.W_hh @ h + net.W_uh @ u[b, t])
            total += (1 - h**2)[:, None] * net.W_hh if t >= 2 else 0.0
    np.testing.assert_allclose(mean_jacobian(net, u, start=2), total / 15, rtol=0, atol=1e-13)


def test_k_is_checked_like_every_integer_argument():
    with pytest.raises(TypeError, match="^k: expected an integer >= 1, got True"):
        nonlinear_copy(3, 4, k=True)
    with pytest.raises(TypeError, match="^k: expected an integer >= 1, got 1.5"):
        nonlinear_copy(3, 4, k=1.5)
    with pytest.raises(ValueError, match=r"^k: expected an integer 1 <= k <= s = 4, got 5"):
        nonlinear_copy(3, 4, k=5)


# --------------------------------------------------------------------------- the operating point on real networks


def test_operating_point_of_a_trained_network_by_a_second_road():
    """operating_point (autograd through the cell's torch step) == the explicit average of diag(1 - h(t)^2) W_hh over
    the committed trained network's own trajectories; "linear" gives W_hh at every state; start is checked."""
    from trained_networks import S, TASK, network

    from wavetheory.learning.substrate import operating_point
    from wavetheory.theory.two_phase import two_phase_batch

    net = network(1)[0]
    u, _ = two_phase_batch(TASK, 6, 2 * S, rng=1)
    B, T, _ = u.shape
    want = np.zeros_like(net.W_hh)
    for b in range(B):
        h = np.zeros(net.hidden)
        for t in range(T):
            h = np.tanh(net.W_hh @ h + net.W_uh @ u[b, t])
            want += (1 - h**2)[:, None] * net.W_hh if t >= S else 0.0
    want /= B * (T - S)
    J = operating_point(net, u, S)
    np.testing.assert_allclose(J, want, rtol=0, atol=1e-12)  # float64 both ways, sums in another order: ~1e-16
    assert np.linalg.norm(J - net.W_hh) > 0.05 * np.linalg.norm(net.W_hh)  # guard: the network runs saturated
    np.testing.assert_allclose(operating_point(net, u, S, "linear"), net.W_hh, rtol=0, atol=1e-14)
    for start in (-1, T):
        with pytest.raises(ValueError, match=f"^start: expected 0 <= start < T = {T}, got {start}"):
            operating_point(net, u, start)
    with pytest.raises(ValueError, match="^inputs: "):
        operating_point(net, u[0], S)


@pytest.mark.parametrize("cell", ["gru", "lstm"])
def test_mean_jacobian_of_a_gated_network_equals_the_autograd_operating_point(cell):
    """Two roads for a GRU / LSTM: mean_jacobian averages the closed-form Jacobians (gated.jacobian) step by step
    in numpy, operating_point differentiates the torch cell by autograd; LSTM on the state (h, c), size 2H."""
    from wavetheory.learning.substrate import operating_point
    from wavetheory.theory.gated import GATES, GatedWeights

    rng = np.random.default_rng(7)
    G, H, d = len(GATES[cell]), 5, 2
    net = GatedWeights(cell, rng.standard_normal((G * H, d)), 1.5 * rng.standard_normal((G * H, H)) / np.sqrt(H),
                       rng.standard_normal((d, H)))
    u = rng.choice([-1.0, 1.0], size=(3, 7, d))
    J = mean_jacobian(net, u, start=2)
    assert J.shape == ((2 * H, 2 * H) if cell == "lstm" else (H, H))
    # closed forms vs autograd in float64: ~1e-15 per entry
    np.testing.assert_allclose(J, operating_point(net, u, 2), rtol=0, atol=1e-12)
    assert np.linalg.norm(J - mean_jacobian(net, u, start=0)) > 1e-3 * np.linalg.norm(J)  # guard: start matters
    for start in (-1, 7):
        with pytest.raises(ValueError, match=f"^start: expected 0 <= start < T = 7, got {start}"):
            mean_jacobian(net, u, start)
    # a gated network's Linearization (what analyze and the trainer hand around) is read through its network
    from wavetheory.theory.gated import linearize

    np.testing.assert_array_equal(mean_jacobian(linearize(net), u, start=2), J)


def test_mean_jacobian_of_an_elman_network_with_biases_by_a_second_road():
    """A trained network given biases (cells.ElmanNetwork) goes to the operating point: the explicit average of
    diag(1 - h(t)^2) W_hh along h(t) = tanh(W_hh h(t-1) + W_uh u(t) + b)."""
    from trained_networks import S, TASK, network

    from wavetheory.learning.cells import ElmanNetwork
    from wavetheory.theory.two_phase import two_phase_batch

    net = network(2)[0]
    b = np.random.default_rng(3).normal(0, 0.3, net.hidden)
    u, _ = two_phase_batch(TASK, 5, 2 * S, rng=2)
    want = np.zeros_like(net.W_hh)
    for seq in u:
        h = np.zeros(net.hidden)
        for t, ut in enumerate(seq):
            h = np.tanh(net.W_hh @ h + net.W_uh @ ut + b)
            want += (1 - h**2)[:, None] * net.W_hh if t >= S else 0.0
    want /= 5 * 2 * S  # B sequences x the 2s steps t >= s
    J = mean_jacobian(ElmanNetwork(net, b), u, S)
    np.testing.assert_allclose(J, want, rtol=0, atol=1e-12)  # float64, sums in another order
    assert np.linalg.norm(J - mean_jacobian(net, u, S)) > 1e-3 * np.linalg.norm(J)  # guard: the bias matters
    with pytest.raises(ValueError, match="^start: expected 0 <= start < T"):
        mean_jacobian(ElmanNetwork(net, b), u, 2 * S + S)


# --------------------------------------------------------------------------- decoders and roots on trained networks
# The committed trained networks (tests/trained_networks.py) run saturated: their decoders are good but not exact
# (R^2 < 1, different for every lag), so an index or half shifted by one changes the readings. Second roads: the
# normal equations solved by np.linalg.solve (lag_decoding uses lstsq), R^2 and sign accuracy by their definitions,
# brute force over assignments for the roots. Tolerance 1e-9: float64 normal equations of 24 x 24 Gram matrices of
# condition < 1e6 lose at most ~1e-10 against lstsq.
ROAD = 1e-9


def _trained_states(seed, batch=40, horizon=6):
    from trained_networks import S, TASK, network

    net = network(seed)[0]
    u, x = trajectory(TASK, batch, horizon, rng=seed)
    return net, net.run(u, "tanh")[1], x, S


def _normal_equations(h, x):
    """D (d, H) minimizing ||h D^T - x||: (h^T h) D^T = h^T x."""
    return np.linalg.solve(h.T @ h, h.T @ x).T


def _r2_sign(pred, target):
    return (1 - np.sum((target - pred) ** 2) / np.sum((target - target.mean(axis=0)) ** 2),
            np.mean(np.sign(pred) == np.sign(target)))


@pytest.mark.parametrize("lags", [None, 2, 6])  # the default s = 4; fewer (samples from t = s - 1); more (t = lags - 1)
def test_lag_and_transport_decoding_of_a_trained_network_by_a_second_road(lags):
    net, hs, x, s = _trained_states(0)
    B, T, H = hs.shape
    n_lags = s if lags is None else lags
    r2, acc, dec = lag_decoding(hs, x, s, lags)
    t0 = max(s - 1, n_lags - 1)
    assert r2.shape == acc.shape == (n_lags,) and dec.shape == (n_lags, 3, H)
    for k in range(n_lags):  # samples: times t >= t0 of every sequence; fit on sequences 0..B/2-1, score on the rest
        fit_h = np.concatenate([hs[b, t0:] for b in range(B // 2)])
        fit_x = np.concatenate([x[b, t0 - k: T - k] for b in range(B // 2)])
        D = _normal_equations(fit_h, fit_x)
        np.testing.assert_allclose(dec[k], D, rtol=0, atol=ROAD * np.abs(D).max())
        test_h = np.concatenate([hs[b, t0:] for b in range(B // 2, B)])
        test_x = np.concatenate([x[b, t0 - k: T - k] for b in range(B // 2, B)])
        want_r2, want_acc = _r2_sign(test_h @ D.T, test_x)
        assert r2[k] == pytest.approx(want_r2, rel=ROAD) and acc[k] == pytest.approx(want_acc, abs=1e-12)
    assert np.ptp(r2) > 1e-3  # guard: the lags read differently on this network
    if n_lags > s:  # x(t+1-k) at t = s-1 is before the sequence: refused (it was a broadcasting error, issue 21)
        with pytest.raises(ValueError, match=f"^decoders: expected at most s = {s} decoders"):
            transport_decoding(hs, x, s, net.W_hh, dec)
        dec = dec[:s]
        n_lags = s
    tr2, tacc = transport_decoding(hs, x, s, net.W_hh, dec)
    assert tr2.shape == tacc.shape == (n_lags - 1,)
    for k in range(1, n_lags):  # D_k W_hh h(t) against x(t+1-k), t = s-1..T-2, the second half of the sequences
        moved = np.concatenate([hs[b, s - 1: T - 1] @ net.W_hh.T for b in range(B // 2, B)])
        target = np.concatenate([x[b, s - k: T - k] for b in range(B // 2, B)])
        want_r2, want_acc = _r2_sign(moved @ dec[k].T, target)
        assert tr2[k - 1] == pytest.approx(want_r2, rel=ROAD) and tacc[k - 1] == pytest.approx(want_acc, abs=1e-12)
    assert np.all(tr2 < 1 - 1e-3)  # guard: tanh moves the columns, so the linear transport is not exact here


def test_decoders_take_the_smallest_batch_and_the_last_lag_that_fit():
    """B = 2 (one sequence per half) and max(s, lags) = T are allowed; one step more is refused."""
    net, hs, x, s = _trained_states(1, batch=2, horizon=2)  # T = s + 2 = 6
    with np.errstate(divide="ignore", invalid="ignore"):  # one held-out sample per lag: R^2 has no variance to use
        r2, _, dec = lag_decoding(hs, x, s, lags=6)
    assert r2.shape == (6,) and np.all(np.isfinite(dec))
    with pytest.raises(ValueError, match="^lags: expected max"):
        lag_decoding(hs[:, :5], x[:, :5], s, lags=6)
    with pytest.raises(ValueError, match="^lags: expected an integer >= 1"):
        lag_decoding(hs, x, s, lags=0)


def test_substrate_readers_name_the_argument_of_a_wrong_shape():
    net, hs, x, s = _trained_states(0, batch=4, horizon=2)
    dec = lag_decoding(hs, x, s)[2]
    for name, args in (("states", (hs[0], x)), ("x", (hs, x[0]))):
        with pytest.raises(ValueError, match=f"^{name}: expected a 3-d array"):
            lag_decoding(*args, s)
        with pytest.raises(ValueError, match=f"^{name}: expected a 3-d array"):
            transport_decoding(*args, s, net.W_hh, dec)
    with pytest.raises(ValueError, match="^W_hh: expected a 2-d array"):
        transport_decoding(hs, x, s, net.W_hh[0], dec)
    with pytest.raises(ValueError, match="^W_hh: expected a 2-d array"):
        root_structure(net.W_hh[0], 3, 4)
    with pytest.raises(ValueError, match="^inputs: expected a 3-d array"):
        mean_jacobian(net, x[0], 1)


def _brute_force_angles(angles, s, d, band):
    """Over every assignment of the angles to the s roots (d each): the minimum total |angle difference|, and the
    fewest and most differences below ``band`` among the assignments that reach it (ties are common: two angles on
    the same side of two roots cost the same either way round, with other single differences)."""
    from itertools import permutations

    roots = 2 * np.pi * np.arange(s) / s
    diffs = np.array([np.abs(np.angle(np.exp(1j * (angles - roots[list(p)]))))
                      for p in sorted(set(permutations(np.repeat(np.arange(s), d))))])
    totals = diffs.sum(axis=1)
    best = totals.min()
    below = (diffs[totals <= best + 1e-12] < band).sum(axis=1)  # 1e-12: float sums of 6 angles
    return best / len(angles), below.min(), below.max()


@pytest.mark.parametrize("seed", [0, 2])
def test_root_structure_of_a_trained_network_by_a_second_road(seed):
    """d = 2, s = 3 on the trained W_hh (a reading is defined for any d, s): 6!/(2!^3) = 90 assignments, brute force;
    the null by the same 256 fixed draws; counts within min(CLUSTER_RADIUS, half the root spacing) of each root."""
    from trained_networks import network

    from wavetheory.thresholds import CLUSTER_RADIUS

    W = network(seed)[0].W_hh
    d, s = 2, 3
    r = root_structure(W, d, s)
    eigs = np.linalg.eigvals(W)
    top = eigs[np.argsort(-np.abs(eigs), kind="stable")[: s * d]]
    band = np.pi / (2 * s)
    err, lo, hi = _brute_force_angles(np.angle(top), s, d, band)
    assert lo == hi  # the trained network's leading angles have one optimal assignment's count below the band
    null_rng = np.random.default_rng(0)
    null = np.array([_brute_force_angles(null_rng.uniform(-np.pi, np.pi, s * d), s, d, band) for _ in range(256)])
    roots = np.exp(2j * np.pi * np.arange(s) / s)
    radius = min(CLUSTER_RADIUS, np.abs(roots[1] - roots[0]) / 2)
    dist = np.abs(eigs[:, None] - roots[None, :])
    counts = [int(np.sum((dist.argmin(axis=1) == k) & (dist.min(axis=1) <= radius))) for k in range(s)]
    nearest = np.round(np.angle(top) / (2 * np.pi / s)) % s
    want = {"counts": counts, "total": sum(counts), "expected_repeat_copy": s * d,
            "angle_counts": [int(np.sum(nearest == k)) for k in range(s)],
            "angle_error_mean": err, "angle_error_null": null[:, 0].mean(), "angle_ratio": err / null[:, 0].mean(),
            "angle_fraction": lo / (s * d),
            "top_modulus_mean": np.abs(top).mean(), "top_modulus_min": np.abs(top).min(),
            "n_outside": int(np.sum(np.abs(eigs) > 0.01 ** (1 / s))), "spectral_radius": np.abs(eigs).max()}
    assert set(r) == set(want) | {"angle_fraction_null"}
    # the null's fraction depends on which optimal assignment the solver returns: it lies between the extremes
    assert null[:, 1].sum() <= r["angle_fraction_null"] * 256 * s * d <= null[:, 2].sum()
    assert null[:, 1].sum() < null[:, 2].sum()  # (ties do occur in these draws)
    for k, v in want.items():
        assert r[k] == (pytest.approx(v, rel=1e-12) if isinstance(v, float) else v), k
    # guards: not every reading is at an extreme (the assignment and the null are exercised)
    assert 0 < r["angle_error_mean"] and 0 < r["angle_fraction"] < 1 and 0 < r["angle_fraction_null"] < 1


def test_root_structure_of_the_trained_networks_at_their_own_sizes():
    """d = 3, s = 4 (the task they solve): each root gets exactly d of the 12 leading angles, so the optimal
    assignment is the nearest root and the mean angle error is the mean distance to the nearest root."""
    from trained_networks import D, S, network

    W = network(0)[0].W_hh
    r = root_structure(W, D, S)
    eigs = np.linalg.eigvals(W)
    top = eigs[np.argsort(-np.abs(eigs))[: S * D]]
    step = 2 * np.pi / S
    gap = np.abs(np.angle(top) - step * np.round(np.angle(top) / step))
    assert r["angle_counts"] == [D] * S
    assert r["angle_error_mean"] == pytest.approx(gap.mean(), rel=1e-9)  # the same differences, another formula
    assert r["angle_fraction"] == np.mean(gap < np.pi / (2 * S))
    assert r["angle_ratio"] < 0.5  # the trained network has the roots' angles (random angles: ~1)


def test_root_structure_takes_exactly_s_d_states_and_refuses_fewer_or_a_non_square_matrix():
    from trained_networks import network

    W = network(0)[0].W_hh  # 24 x 24
    assert root_structure(W, 3, 8)["expected_repeat_copy"] == 24  # s*d = H: allowed
    with pytest.raises(ValueError, match=r"^W_hh: expected a square matrix with at least s\*d = 25 rows, got \(24, 24\)"):
        root_structure(W, 5, 5)
    with pytest.raises(ValueError, match=r"^W_hh: expected a square matrix with at least s\*d = 12 rows, got \(24, 23\)"):
        root_structure(W[:, :23], 3, 4)
