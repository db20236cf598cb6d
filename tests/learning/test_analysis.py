"""Tests of the learned-weight analysis (C7-C10): exact recovery on compiled networks, failure on
random ones, the ordering convention and basis roads of C8, and bad input."""

import json

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import wavetheory.learning.lenses as lenses_module  # imported once at collection (mutmut's workers fork after it)
from wavetheory.strategies import linear_tasks, seeds
from wavetheory.learning.analysis import analyze, check_task, load_weights, wave_decoding
from wavetheory.learning.power_basis import krylov_alignment, phi_error, power_basis, truncated_pinv
from wavetheory.learning.spectrum_match import match_spectrum
from wavetheory.cli import main
from wavetheory.io import save_npz
from wavetheory.theory.tasks import fibonacci, random_signed_selection, repeat_copy
from wavetheory.theory.wave_operator import LinearRNN, Phi, compile_rnn, make_basis

# Recovery tolerance: pinv(Psi) W_hh Psi costs a few matrix products and one SVD, each with
# relative error ~ eps * cond; with cond(Psi) <= 1e3 (make_basis) and cond(U) <= 1e2 for these
# small tasks, the error stays below eps * 1e5 ~ 2e-11, so 1e-8 has a 500x margin.
EXACT = 1e-8


def compiled(task, kind="orthogonal", extra=5, seed=0):
    """The wave RNN of ``task`` in a random basis of size s*d + extra (padding dims, zero dynamics)."""
    return compile_rnn(task, Psi=make_basis(kind, task.s * task.d + extra, seed))


def last_lag_tasks():
    """Tasks whose only non-zero lag is A_s (C8's power iteration is then the wave basis itself)."""
    return linear_tasks(only_last_lag=True, max_d=3, max_s=5)


# --------------------------------------------------------------------------- C8 on compiled networks


@given(last_lag_tasks(), seeds, st.integers(0, 6))
def test_both_roads_recover_phi_in_orthogonal_bases(task, seed, extra):
    rnn = compiled(task, "orthogonal", extra, seed)
    s = analyze(rnn, task, nonlinearity="linear").to_json()
    assert s["bases"]["readout"]["phi_error"] < EXACT
    assert s["bases"]["input"]["phi_error"] < EXACT
    assert s["phi_error"] == s["bases"]["readout"]["phi_error"]
    # inverse-free check W_hh K = K Phi: products only, error ~ eps * ||W_hh||^s (< 1e-12 here)
    assert max(s["bases"][r]["intertwining"] for r in ("readout", "input")) < EXACT


@given(last_lag_tasks(), seeds, st.integers(0, 6))
def test_input_road_recovers_phi_in_any_basis(task, seed, extra):
    """W_uh = Psi E_s exactly, so W_hh^k W_uh = Psi E_{s-k} for every invertible Psi."""
    rnn = compiled(task, "invertible", extra, seed)
    assert analyze(rnn, task, road="input", nonlinearity="linear").to_json()["phi_error"] < EXACT


def test_readout_road_is_exact_only_in_orthogonal_bases():
    """pinv(E_s^T Psi^-1) = Psi E_s needs Psi^T Psi block-diagonal: a general basis breaks C8's road."""
    task = repeat_copy(3, 4)
    s = analyze(compiled(task, "invertible", 5, 1), task, nonlinearity="linear").to_json()
    assert s["bases"]["readout"]["phi_error"] > 0.1  # O(1): the seed mixes blocks and padding
    assert s["bases"]["input"]["phi_error"] < EXACT


def test_ordering_convention_block_s_is_the_readout():
    """Block s of the basis is pinv(W_hy) (newest column); reversing the blocks (THEORY.md's k order
    read as block k) gives Phi^T-like structure, not Phi."""
    task = repeat_copy(2, 3)
    rnn = compiled(task)
    P = truncated_pinv(rnn.W_hy)[0]
    Psi = power_basis(rnn.W_hh, P, task.s)
    np.testing.assert_allclose(Psi[:, -task.d :], P / np.max(np.linalg.norm(P, axis=0)), atol=1e-15)
    reversed_blocks = np.concatenate([Psi[:, i * 2 : (i + 1) * 2] for i in reversed(range(task.s))], axis=1)
    assert phi_error(rnn.W_hh, Psi, task)[0] < EXACT
    assert phi_error(rnn.W_hh, reversed_blocks, task)[0] > 0.5


@given(linear_tasks(max_d=3, max_s=4), seeds)
def test_aligned_basis_recovers_phi_for_every_linear_task(task, seed):
    """With lags A_k, k < s, the power basis is Psi U (U block unitriangular); K U^-1 = Psi."""
    rnn = compiled(task, "invertible", 3, seed)
    s = analyze(rnn, task, road="input", align=True, nonlinearity="linear").to_json()
    assert s["phi_error"] < EXACT


def test_plain_power_basis_misses_phi_when_lower_lags_feed_back():
    task = fibonacci(2, 3)
    s = analyze(compiled(task), task, nonlinearity="linear").to_json()
    assert s["bases"]["readout"]["phi_error"] > 0.5  # U^-1 Phi U != Phi
    assert s["bases"]["readout"]["phi_error_aligned"] < EXACT


@given(linear_tasks(max_d=3, max_s=4))
def test_krylov_alignment_is_block_unitriangular(task):
    U, d = krylov_alignment(task), task.d
    for i in range(task.s):
        np.testing.assert_array_equal(U[i * d : (i + 1) * d, i * d : (i + 1) * d], np.eye(d))
        assert np.all(U[: i * d, i * d : (i + 1) * d] == 0)  # block lower unitriangular
    assert np.array_equal(U, np.eye(task.s * d)) == (task.active_lags in ((), (task.s,)))


def test_random_rnn_gives_a_large_error():
    """A random network is no wave operator: O(1) relative error on every road, spectrum far off."""
    rng = np.random.default_rng(0)
    task = repeat_copy(3, 4)
    for _ in range(5):
        H = 20
        rnn = LinearRNN(rng.standard_normal((H, H)) / np.sqrt(H), rng.standard_normal((H, 3)), rng.standard_normal((3, H)))
        s = analyze(rnn, task).to_json()
        assert min(v["phi_error"] for v in s["bases"].values()) > 0.5
        assert min(v["intertwining"] for v in s["bases"].values()) > 0.5
        assert s["eig_match"]["mean"] > 0.1


# --------------------------------------------------------------------------- C7, C9, C10


@given(st.integers(1, 4), st.integers(1, 6), seeds)
def test_spectrum_matches_exactly_on_compiled_repeat_copy(d, s, seed):
    task = repeat_copy(d, s)
    m = match_spectrum(compiled(task, "orthogonal", 4, seed).W_hh, task)
    # Phi is orthogonal (a permutation): eigenvalues are perfectly conditioned, error ~ eps * ||W||
    assert m.summary()["max"] < 1e-10
    assert m.n_outside == 0  # the padding has zero dynamics
    assert all(c["learned"] >= c["multiplicity"] for c in m.clusters)


def test_cluster_counts_and_outside_count():
    """One extra long-lived padding mode (0.9): counted outside the radius and in the cluster at 1."""
    task = repeat_copy(2, 4)
    Q = make_basis("orthogonal", 11, 0)
    P = np.zeros((11, 11))
    P[:8, :8] = Phi(task)
    P[9, 9] = 0.9
    m = match_spectrum(Q @ P @ Q.T, task)
    assert m.n_outside == 1  # 0.9 > 0.01^(1/4) = 0.316; the other two padding modes are 0
    counts = {tuple(c["value"]): c["learned"] for c in m.clusters}
    assert counts[(1.0, 0.0)] == 2 + 1  # within 0.15 of the root 1
    assert counts[(-1.0, 0.0)] == 2 and counts[(0.0, 1.0)] == 2


def test_waves_decode_exactly_in_a_linear_compiled_network():
    task = repeat_copy(3, 4)
    rnn = compiled(task)
    Psi = power_basis(rnn.W_hh, truncated_pinv(rnn.W_hy)[0], task.s)
    r2, r2_free, waves, sub = wave_decoding(rnn, Psi, task, "linear", batch=32)
    assert r2 > 1 - 1e-12 and r2_free > 1 - 1e-12  # exact up to rounding
    np.testing.assert_allclose(waves, sub, atol=1e-12)  # diagonal stripes: block i = x(t-s+i)


def test_gradients_before_and_after():
    task = repeat_copy(2, 3)
    rnn = compiled(task)
    init = LinearRNN(0.1 * np.eye(rnn.hidden), rnn.W_uh, rnn.W_hy)
    s = analyze(rnn, task, init, nonlinearity="linear").to_json()
    np.testing.assert_allclose(s["grad_after"], np.ones(2 * task.s), atol=1e-12)  # orthogonal wave
    np.testing.assert_allclose(s["grad_before"], 0.1 ** np.arange(1, 2 * task.s + 1), rtol=1e-12)
    assert analyze(rnn, task).to_json()["grad_before"] is None


@given(last_lag_tasks(), seeds)
def test_intertwining_residual_is_the_return_of_the_readout_after_s_steps(task, seed):
    """Two roads: for only-A_s tasks all blocks of W K - K Phi but the first vanish by construction,
    so the residual is ||W^s P - P A_s|| / ||K Phi|| for ANY W (here a perturbed wave RNN)."""
    from wavetheory.learning.power_basis import intertwining_residual

    rnn = compiled(task, "orthogonal", 2, seed)
    W = rnn.W_hh + 0.05 * np.random.default_rng(seed).standard_normal(rnn.W_hh.shape)
    P = truncated_pinv(rnn.W_hy)[0]
    K = power_basis(W, P, task.s)
    Pn = K[:, -task.d :]
    direct = np.linalg.norm(np.linalg.matrix_power(W, task.s) @ Pn - Pn @ task.A(task.s)) / np.linalg.norm(K @ Phi(task))
    assert intertwining_residual(W, K, task) == pytest.approx(direct, rel=1e-9, abs=1e-14)


def test_robust_reading_of_a_network_that_holds_only_some_components():
    """Repeat copy d = 3, s = 4 with component 0 never stored (its waves absent, readout row 0 = 0):
    8 of 12 wave dims. The plain C8 error is the floor sqrt(4/12) (four unit entries of Phi have no
    counterpart); truncated to the effective rank 8, the error on the held subspace vanishes."""
    task = repeat_copy(3, 4)
    rnn = compiled(task, "orthogonal", 5, 3)
    Q = make_basis("orthogonal", 17, 3)
    keep = np.array([i % 3 != 0 for i in range(12)] + [False] * 5)
    P = np.zeros((17, 17))
    P[:12, :12] = Phi(task)
    P[~keep] = 0
    P[:, ~keep] = 0
    W_hy = rnn.W_hy.copy()
    W_hy[0] = 0
    net = LinearRNN(Q @ P @ Q.T, rnn.W_uh, W_hy)
    s = analyze(net, task, nonlinearity="linear").to_json()
    assert s["effective_rank"] == 8 and [c["learned"] for c in s["clusters"]] == [2, 2, 2, 2]
    assert s["robust"]["rank"] == 8
    assert s["robust"]["phi_error"] == pytest.approx(np.sqrt(4 / 12), rel=1e-9)
    assert s["robust"]["phi_error_restricted"] < EXACT


def test_effective_rank_option_truncates():
    task = repeat_copy(2, 3)
    s = analyze(compiled(task), task, rank=4, nonlinearity="linear").to_json()
    assert s["bases"]["readout"]["rank"] == 4
    assert s["phi_error"] > 0.1  # a rank-4 operator cannot equal the rank-6 permutation Phi


def test_truncated_pinv_matches_numpy_when_well_conditioned():
    M = np.random.default_rng(1).standard_normal((7, 4))
    P, cond, r = truncated_pinv(M)
    np.testing.assert_allclose(P, np.linalg.pinv(M), atol=1e-12)
    assert r == 4 and np.isclose(cond, np.linalg.cond(M))


# --------------------------------------------------------------------------- input validation


def _npz(tmp_path, name="w.npz", **arrays):
    return save_npz(tmp_path / name, **arrays)


@pytest.mark.parametrize(
    "arrays, message",
    [
        ({"W_uh": np.zeros((4, 2)), "W_hy": np.zeros((2, 4))}, "'W_hh'"),
        ({"W_hh": np.zeros((4, 4)), "W_hy": np.zeros((2, 4))}, "'W_uh'"),
        ({"W_hh": np.zeros((4, 3)), "W_uh": np.zeros((4, 2)), "W_hy": np.zeros((2, 4))}, "W_hh"),
        ({"W_hh": np.zeros((4, 4)), "W_uh": np.zeros((3, 2)), "W_hy": np.zeros((2, 4))}, "W_uh"),
        ({"W_hh": np.zeros((4, 4)), "W_uh": np.zeros((4, 2)), "W_hy": np.zeros((3, 4))}, "W_hy"),
        ({"W_hh": np.zeros((4, 4)), "W_uh": np.zeros((4, 2)), "W_hy": np.zeros((2, 4)), "W_hh_init": np.zeros((3, 3)),
          "W_uh_init": np.zeros((3, 2)), "W_hy_init": np.zeros((2, 3))}, "W_hh_init"),
    ],
)
def test_bad_npz_raises_naming_the_key(tmp_path, arrays, message):
    path = _npz(tmp_path, **arrays)
    with pytest.raises(ValueError, match=message):
        load_weights(path)


def test_unreadable_file_and_mismatched_d(tmp_path):
    (tmp_path / "junk.npz").write_text("not a zip")
    with pytest.raises(ValueError, match="junk.npz"):
        load_weights(tmp_path / "junk.npz")
    rnn = compiled(repeat_copy(2, 3))
    with pytest.raises(ValueError, match="W_uh.*d = 2.*d = 3"):
        check_task(rnn, repeat_copy(3, 3))
    with pytest.raises(ValueError, match="W_hh"):
        match_spectrum(np.eye(3), repeat_copy(2, 3))  # fewer than s*d hidden units


# --------------------------------------------------------------------------- CLI


def run(capsys, *argv):
    rc = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return rc, out, err


def test_cli_analyze_recovers_phi_and_draws_figures(capsys, tmp_path):
    task = random_signed_selection(2, 3, seed=4)
    rnn = compiled(task, "orthogonal", 4, 2)
    path = _npz(tmp_path, W_hh=rnn.W_hh, W_uh=rnn.W_uh, W_hy=rnn.W_hy)
    (tmp_path / "task.json").write_text(json.dumps(task.to_json()))
    rc, out, err = run(capsys, "analyze", "--weights", path, "--lags", tmp_path / "task.json", "--align",
                       "--nonlinearity", "linear", "--json")
    assert rc == 0, err
    res = json.loads(out)
    assert set(res) >= {"eig_match", "n_outside", "phi_error", "wave_r2", "grad_before", "grad_after"}
    assert res["phi_error"] < EXACT and res["grad_before"] is None
    for f in res["figures"]:
        with open(f, "rb") as fh:
            assert fh.read(8) == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    "case, message",
    [
        ("missing_key", "missing key 'W_hy'"),
        ("wrong_d", "W_uh: the network has d = 2"),
        ("no_task", "a task is required"),
        ("both", "either a training folder"),
        ("bad_rank", "--rank must be an integer >= 1"),
        ("nan_rcond", "rcond: expected a finite number >= 0, got nan"),
        ("negative_rcond", "rcond: expected a finite number >= 0, got -1.0"),
        ("complex", "W_hh: expected real numbers, got complex values"),
        ("truncated", "not a readable .npz archive"),
        ("huge_header", "its header claims 74.5 GiB"),
        ("pickled", "holds Python objects (a pickle); refused"),
        ("cell_number", "'cell' must be a string"),
    ],
)
def test_cli_analyze_bad_input_exits_2_with_one_line(capsys, tmp_path, case, message):
    rnn = compiled(repeat_copy(2, 3))
    good = _npz(tmp_path, "good.npz", W_hh=rnn.W_hh, W_uh=rnn.W_uh, W_hy=rnn.W_hy)
    bad = _npz(tmp_path, "bad.npz", W_hh=rnn.W_hh, W_uh=rnn.W_uh)
    argv = {
        "missing_key": ["--weights", bad, "--task", "repeat-copy", "--d", "2", "--s", "3"],
        "wrong_d": ["--weights", good, "--task", "repeat-copy", "--d", "3", "--s", "2"],
        "no_task": ["--weights", good],
        "both": [tmp_path, "--weights", good, "--task", "repeat-copy", "--d", "2", "--s", "3"],
        "bad_rank": ["--weights", good, "--task", "repeat-copy", "--d", "2", "--s", "3", "--rank", "0"],
        "nan_rcond": ["--weights", good, "--task", "repeat-copy", "--d", "2", "--s", "3", "--rcond", "nan"],
        "negative_rcond": ["--weights", good, "--task", "repeat-copy", "--d", "2", "--s", "3", "--rcond", "-1"],
    }.get(case)
    if argv is None:  # a damaged or hostile weights file
        import hostile_files

        path = tmp_path / f"{case}.npz"
        if case == "complex":
            _npz(tmp_path, path.name, W_hh=rnn.W_hh * (1 + 1j), W_uh=rnn.W_uh, W_hy=rnn.W_hy)
        elif case == "cell_number":
            _npz(tmp_path, path.name, W_hh=rnn.W_hh, W_uh=rnn.W_uh, W_hy=rnn.W_hy, cell=np.array(3.0))
        else:
            path.write_bytes(hostile_files.NPZ[case](good.read_bytes()))
        argv = ["--weights", path, "--task", "repeat-copy", "--d", "2", "--s", "3"]
    rc, out, err = run(capsys, "analyze", *argv, "--no-figures")
    assert rc == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], err


def test_analyze_refuses_what_is_not_a_network_or_an_init_of_another_size():
    task = repeat_copy(2, 3)
    rnn = compiled(task)
    with pytest.raises(ValueError, match="^state_dict: expected one recurrent layer"):  # not an AttributeError
        analyze({"W_hh": rnn.W_hh}, task)
    with pytest.raises(TypeError, match="^rnn: expected a LinearRNN"):
        analyze(3.5, task)
    other = compiled(task, "orthogonal", 2, 0)  # H = 6 + 2
    with pytest.raises(ValueError, match="^init: the initial network has H = 8"):
        analyze(rnn, task, init=other)
    with pytest.raises(TypeError, match="^init: expected a LinearRNN"):
        analyze(rnn, task, init=3.5)
    with pytest.raises(ValueError, match="^rcond: "):
        analyze(rnn, task, rcond=float("nan"))


@pytest.mark.parametrize("name", ["empty", "truncated", "bad_crc", "corrupt_deflate", "huge_header", "pickled", "text"])
def test_load_weights_on_damaged_files_is_one_value_error_naming_the_file(tmp_path, name):
    import hostile_files

    path = tmp_path / f"{name}.npz"
    path.write_bytes(hostile_files.NPZ[name](hostile_files.good_npz()))
    with pytest.raises(ValueError, match=f"^{path}: "):
        load_weights(path)


# --------------------------------------------------------------------------- the null model (the trained claims' control)


def test_null_model_of_a_trained_network_is_a_scaled_orthogonal_matrix_drawn_from_its_seed():
    """W_null = (||W_hh||_F / sqrt(H)) Q: checked through W_null W_null^T = (||W_hh||_F^2 / H) I (Q orthogonal) on a
    committed trained network; the draw is a function of the seed; W_uh and W_hy are the network's own."""
    from trained_networks import network

    from wavetheory.learning.analysis import null_model

    net = network(0)[0]
    H, scale2 = net.hidden, np.linalg.norm(net.W_hh) ** 2 / net.hidden
    null = null_model(net, rng=3)
    # products of 24 x 24 float64 matrices with entries ~0.2: rounding ~1e-15
    np.testing.assert_allclose(null.W_hh @ null.W_hh.T, scale2 * np.eye(H), atol=1e-12)
    assert null.W_uh is net.W_uh or np.array_equal(null.W_uh, net.W_uh)
    assert np.array_equal(null.W_hy, net.W_hy)
    assert np.array_equal(null_model(net, rng=3).W_hh, null.W_hh)  # the same seed, the same draw
    assert np.array_equal(null_model(net, rng=np.random.default_rng(3)).W_hh, null.W_hh)
    assert not np.allclose(null_model(net, rng=4).W_hh, null.W_hh)  # another seed, another draw
    assert np.array_equal(null_model(net).W_hh, null_model(net, rng=0).W_hh)  # the documented default seed 0
    with pytest.raises(TypeError, match="^rng: expected an integer seed"):
        null_model(net, rng="seven")


# --------------------------------------------------------------------------- every reading of analyze on trained networks
# The committed trained networks (tests/trained_networks.py) are non-normal, hold an initialization bulk and have a
# readout that is not the transpose of their input map: every option of analyze changes the readings there. Each
# reading is recomputed below by a second road written in the test: explicit matrix powers for the power basis,
# least squares (np.linalg.lstsq) for pinv, an explicit tanh loop for the hidden states, the gains and R^2 by their
# definitions. Tolerance: float64 on 24 x 12 bases of condition <= ~1e2 (the trained networks: 2-11): the two roads
# differ by ~1e-14 relative, so 1e-9 is a wide margin that any changed formula exceeds by orders of magnitude.
ROAD = 1e-9


def _explicit_states(net, u, nonlinearity):
    """h(t) = f(W_hh h(t-1) + W_uh u(t)), h(-1) = 0, by an explicit loop over the steps (columns: sequences)."""
    B, T, _ = u.shape
    hs, h = np.zeros((B, T, net.hidden)), np.zeros((net.hidden, B))
    for t in range(T):
        h = net.W_hh @ h + net.W_uh @ u[:, t].T
        h = np.tanh(h) if nonlinearity == "tanh" else h
        hs[:, t] = h.T
    return hs


def _pinv_rank(M, r):
    """The pseudo-inverse of M restricted to its r leading singular directions (r = full rank: pinv(M))."""
    U, sv, Vh = np.linalg.svd(M, full_matrices=False)
    return Vh[:r].T @ np.diag(1 / sv[:r]) @ U[:, :r].T


def _second_road(net, task, road="readout", normalize="scalar", rank=None, align=False, nonlinearity="tanh", seed=0):
    """Every reading analyze reports in bases / phi_error / robust / wave_r2 / decode_r2, by explicit formulas."""
    from trained_networks import explicit_power_basis

    from wavetheory.theory.two_phase import two_phase_batch
    from wavetheory.theory.wave_operator import E

    s, d = task.s, task.d
    sd, ref = s * d, Phi(task)
    U = explicit_power_basis(ref, E(d, s, s), s)  # Phi's own power basis: U = [Phi^(s-1) E_s, ..., E_s]
    moduli = np.abs(np.linalg.eigvals(net.W_hh))
    radius = 0.01 ** (1 / s)
    effective = int(np.sum(moduli > radius))
    out = {"effective_rank": effective, "spectral_radius": float(moduli.max()), "bases": {}}
    seeds = {"readout": np.linalg.lstsq(net.W_hy, np.eye(d), rcond=None)[0], "input": net.W_uh}  # pinv(W_hy) = lstsq
    if rank == "auto":
        rank = min(effective, sd)
    for r, P in seeds.items():
        K = explicit_power_basis(net.W_hh, P, s)
        K = K / np.linalg.norm(K, axis=0) if normalize == "columns" else K  # a scalar scale changes no reading
        kept = sd if rank is None else rank
        sv = np.linalg.svd(K, compute_uv=False)
        one = {"rank": kept}
        for name, B in (("", K), ("_aligned", K @ np.linalg.inv(U))):
            sv = np.linalg.svd(B, compute_uv=False)
            one["cond" + name] = sv[0] / sv[-1]
            one["intertwining" + name] = np.linalg.norm(net.W_hh @ B - B @ ref) / np.linalg.norm(B @ ref)
            Phi_hat = (np.linalg.lstsq(B, net.W_hh @ B, rcond=None)[0] if kept == sd
                       else _pinv_rank(B, kept) @ net.W_hh @ B)
            one["phi_error" + name] = np.linalg.norm(Phi_hat - ref) / np.linalg.norm(ref)
            one["Phi_hat" + name] = Phi_hat
        Pb = K @ np.linalg.inv(U) if align else K
        proj = _pinv_rank(Pb, kept) @ Pb @ ref
        one["phi_error_restricted"] = (np.linalg.norm(_pinv_rank(Pb, kept) @ net.W_hh @ Pb - proj)
                                       / np.linalg.norm(proj))
        one["Psi"] = Pb
        out["bases"][r] = one
    Psi = out["bases"][road]["Psi"]
    # waves (C9): the same fresh batch analyze draws (two_phase_batch with rng = seed), states by the explicit loop
    u, y = two_phase_batch(task, 256, 2 * s, rng=seed)
    h = _explicit_states(net, u, nonlinearity)[:, s - 1:]  # times t >= s - 1
    x = np.concatenate([u[:, :s], y], axis=1)
    sub = np.stack([x[:, t - s + 1: t + 1].reshape(256, sd) for t in range(s - 1, 3 * s)], axis=1)
    w = h @ _pinv_rank(Psi, sd if rank is None else rank).T
    Wf, Xf = w.reshape(-1, sd), sub.reshape(-1, sd)
    gain = np.array([Wf[:, j] @ Xf[:, j] / (Wf[:, j] @ Wf[:, j]) for j in range(sd)])
    out["wave_r2"] = 1 - np.sum((Xf - gain * Wf) ** 2) / np.sum((Xf - Xf.mean(axis=0)) ** 2)
    fit = np.linalg.lstsq(h[:128].reshape(-1, net.hidden), sub[:128].reshape(-1, sd), rcond=None)[0]
    test_x = sub[128:].reshape(-1, sd)
    out["decode_r2"] = 1 - np.sum((test_x - h[128:].reshape(-1, net.hidden) @ fit) ** 2) / np.sum(
        (test_x - test_x.mean(axis=0)) ** 2)
    out["waves"], out["substrate"] = gain * w[0], sub[0]
    return out


def _assert_same(a, want, road="readout", align=False):
    assert a.effective_rank == want["effective_rank"]
    assert a.spectral_radius == pytest.approx(want["spectral_radius"], rel=ROAD)
    for r in ("readout", "input"):
        got, ref = a.bases[r], want["bases"][r]
        assert got["rank"] == ref["rank"], r
        assert set(got) == {"phi_error", "phi_error_aligned", "cond", "cond_aligned", "rank", "phi_error_restricted",
                            "intertwining", "intertwining_aligned"}
        for key in ("phi_error", "phi_error_aligned", "cond", "cond_aligned", "phi_error_restricted", "intertwining",
                    "intertwining_aligned"):
            assert got[key] == pytest.approx(ref[key], rel=ROAD), (r, key)
    head = want["bases"][road]
    assert a.phi_error == pytest.approx(head["phi_error_aligned" if align else "phi_error"], rel=ROAD)
    np.testing.assert_allclose(a.Phi_hat, head["Phi_hat_aligned" if align else "Phi_hat"], rtol=0, atol=ROAD)
    assert a.wave_r2 == pytest.approx(want["wave_r2"], rel=ROAD)
    assert a.decode_r2 == pytest.approx(want["decode_r2"], rel=ROAD)
    np.testing.assert_allclose(a.waves, want["waves"], rtol=0, atol=ROAD)
    np.testing.assert_array_equal(a.substrate, want["substrate"])


def _other_task():
    """A task of the committed networks' sizes (d = 3, s = 4) whose lags A_1..A_3 are not 0 (Fibonacci: every lag I):
    its Krylov alignment U is not the identity, so the aligned and plain bases differ (repeat copy has U = I)."""
    from trained_networks import D, S

    return fibonacci(D, S)


@pytest.mark.parametrize("seed", [0, 1])
def test_analyze_reads_a_trained_network_as_the_second_road_does(seed):
    from trained_networks import TASK, network

    net, init = network(seed)
    a = analyze(net, TASK, init)
    _assert_same(a, _second_road(net, TASK))
    assert (a.hidden, a.d, a.s, a.road, a.aligned, a.cell, a.diagonal) == (24, 3, 4, "readout", False, None, None)
    np.testing.assert_array_equal(a.Phi, Phi(TASK))
    # the robust reading truncates to min(effective rank, sd) = 12 here (the bulk puts 19-20 eigenvalues outside)
    assert a.robust["rank"] == min(a.effective_rank, 12) == 12
    assert a.robust["phi_error"] == pytest.approx(a.bases["readout"]["phi_error"], rel=ROAD)
    assert a.robust["phi_error_restricted"] == pytest.approx(a.bases["readout"]["phi_error_restricted"], rel=ROAD)
    assert a.robust["wave_r2"] == pytest.approx(a.wave_r2, rel=ROAD)
    # guards: the options below change the readings on this network, so the tests of each option can fail
    assert abs(a.bases["input"]["phi_error"] / a.bases["readout"]["phi_error"] - 1) > 0.05


@pytest.mark.parametrize("kwargs", [
    {"road": "input"},
    {"normalize": "columns"},
    {"nonlinearity": "linear"},
    {"seed": 3},
    {"rank": 9},
], ids=lambda k: "-".join(f"{a}={b}" for a, b in k.items()))
def test_every_option_of_analyze_reads_as_the_second_road_on_a_trained_network(kwargs):
    from trained_networks import TASK, network

    net = network(2)[0]
    a = analyze(net, TASK, **kwargs)
    want = _second_road(net, TASK, **kwargs)
    _assert_same(a, want, road=kwargs.get("road", "readout"))
    default = _second_road(net, TASK)
    changed = [k for k in ("wave_r2", "decode_r2") if abs(want[k] - default[k]) > 1e-6] + [
        f"{r}.{k}" for r in ("readout", "input") for k in ("phi_error", "phi_error_restricted")
        if abs(want["bases"][r][k] - default["bases"][r][k]) > 1e-6]
    assert changed, f"guard: {kwargs} changes no reading on this network"


@pytest.mark.parametrize("align", [False, True])
def test_aligned_readings_of_a_trained_network_against_a_task_with_lower_lags(align):
    """The Krylov alignment K U^-1 (U != I for this task): phi_error_aligned, the aligned headline and waves."""
    from trained_networks import network

    net, task = network(0)[0], _other_task()
    a = analyze(net, task, align=align)
    want = _second_road(net, task, align=align)
    _assert_same(a, want, align=align)
    r = want["bases"]["readout"]
    assert abs(r["phi_error_aligned"] / r["phi_error"] - 1) > 0.01  # guard: alignment matters for this task


def test_the_robust_reading_truncates_to_the_effective_rank_below_sd():
    """With a radius between the 8th and 9th largest moduli of the trained W_hh the effective rank is 8 < sd = 12:
    the robust reading is phi_error and the restricted error at rank 8, and the waves decoded at rank 8."""
    from trained_networks import TASK, network

    net = network(1)[0]
    moduli = np.sort(np.abs(np.linalg.eigvals(net.W_hh)))[::-1]
    radius = (moduli[7] + moduli[8]) / 2
    a = analyze(net, TASK, radius=radius)
    assert a.radius == radius and a.effective_rank == 8
    assert a.n_outside == int(np.sum(moduli[12:] > radius)) == 0
    at8 = _second_road(net, TASK, rank=8)["bases"]["readout"]
    assert a.robust["rank"] == 8
    assert a.robust["phi_error"] == pytest.approx(at8["phi_error"], rel=ROAD)
    assert a.robust["phi_error_restricted"] == pytest.approx(at8["phi_error_restricted"], rel=ROAD)
    assert a.robust["wave_r2"] == pytest.approx(_second_road(net, TASK, rank=8)["wave_r2"], rel=ROAD)
    assert a.bases["readout"]["rank"] == 12  # the headline stays at full rank (rank=None)
    assert abs(a.robust["phi_error"] / a.phi_error - 1) > 0.01  # guard: truncation changes the reading
    # outside means strictly beyond: a radius equal to the 9th modulus (the same eigvals, bit for bit) leaves 8
    assert analyze(net, TASK, radius=float(moduli[8])).effective_rank == 8
    auto = analyze(net, TASK, radius=radius, rank="auto")  # rank "auto": the effective rank for every reading
    _assert_same(auto, dict(_second_road(net, TASK, rank=8), effective_rank=8))


def test_analyze_hands_its_arguments_to_the_lenses(monkeypatch):
    """lenses=True reads the lenses with the network, the task, nonlinearity, seed, delays and dmd_rank given."""
    from trained_networks import TASK, network

    seen = []
    monkeypatch.setattr(lenses_module, "read_lenses", lambda *args: seen.append(args) or "lenses")
    net = network(0)[0]
    a = analyze(net, TASK, lenses=True, nonlinearity="linear", seed=4, delays=5, dmd_rank=7)
    assert a.lenses == "lenses" and len(seen) == 1
    assert seen[0][0] is net and seen[0][1:] == (TASK, "linear", 4, 5, 7)
    assert analyze(net, TASK).lenses is None and len(seen) == 1


def test_analyze_validates_its_options_naming_them():
    from trained_networks import TASK, network

    net = network(0)[0]
    for kwargs, error, message in (({"road": "output"}, ValueError, "^road: "), ({"rcond": -1.0}, ValueError, "^rcond: "),
                                   ({"rank": 0}, ValueError, "^rank: "), ({"rank": "all"}, TypeError, "^rank: ")):
        with pytest.raises(error, match=message):
            analyze(net, TASK, **kwargs)
    assert analyze(net, TASK, rcond=0.0).phi_error == pytest.approx(analyze(net, TASK).phi_error, rel=ROAD)  # 0 allowed


def test_a_network_without_persistent_modes_has_no_robust_rank():
    """The trained W_hh scaled by 0.25: every eigenvalue inside the persistence radius 0.01^(1/4) = 0.32 (the trained
    spectral radius is 1.05-1.11), so the effective rank is 0 and the robust reading falls back to full rank."""
    from trained_networks import TASK, network

    net = network(0)[0]
    quiet = LinearRNN(0.25 * net.W_hh, net.W_uh, net.W_hy)
    assert np.abs(np.linalg.eigvals(quiet.W_hh)).max() < 0.01 ** (1 / 4)  # precondition
    a = analyze(quiet, TASK)
    assert a.effective_rank == 0 and a.robust["rank"] is None
    want = _second_road(quiet, TASK)["bases"]["readout"]
    assert a.robust["phi_error"] == pytest.approx(want["phi_error"], rel=ROAD)
    assert a.robust["phi_error_restricted"] == pytest.approx(want["phi_error_restricted"], rel=ROAD)
    assert a.robust["wave_r2"] == pytest.approx(a.wave_r2, rel=ROAD)


def test_analyze_reads_torch_modules_and_their_initialization_as_the_same_weights():
    """A trained network and its initialization handed over as torch.nn.RNN modules with a Linear readout (float64
    copies of the committed weights): every reading equals the one of the LinearRNN objects, grad_before included."""
    import torch

    from trained_networks import TASK, network

    net, init = network(1)

    def module(rnn):
        m, lin = torch.nn.RNN(3, rnn.hidden, bias=False, batch_first=True).double(), torch.nn.Linear(rnn.hidden, 3, bias=False).double()
        with torch.no_grad():
            m.weight_hh_l0.copy_(torch.from_numpy(rnn.W_hh))
            m.weight_ih_l0.copy_(torch.from_numpy(rnn.W_uh))
            lin.weight.copy_(torch.from_numpy(rnn.W_hy))
        return m, lin

    (m, lin), (m0, lin0) = module(net), module(init)
    got, want = analyze(m, TASK, init=m0, readout=lin), analyze(net, TASK, init=init)
    assert got.to_json() == want.to_json()
    assert got.grad_before != got.grad_after  # guard: the initialization reads differently from the trained network
    assert analyze(m, TASK, init=init, readout=lin).to_json() == want.to_json()  # a LinearRNN init needs no readout
    assert analyze(m, TASK, readout=lin).grad_before is None  # no initialization given: none read
    with pytest.raises(TypeError, match="^init: expected a LinearRNN or None, got str"):
        analyze(net, TASK, init="not a network")
    with pytest.raises(TypeError, match="^init: expected a LinearRNN, a torch.nn.RNN/GRU/LSTM"):
        analyze(m, TASK, init=42, readout=lin)  # read through interop, named all the same


def test_the_readout_seed_is_pinv_W_hy_truncated_at_rcond():
    """rcond between W_hy's smallest and middle singular value ratios: the readout road starts from pinv(W_hy) kept to
    its two leading singular directions (rank 2 of 3), read through the inverse-free intertwining residual."""
    from trained_networks import S, TASK, explicit_power_basis, network

    net = network(0)[0]
    sv = np.linalg.svd(net.W_hy, compute_uv=False)
    rcond = (sv[1] + sv[2]) / (2 * sv[0])
    K = explicit_power_basis(net.W_hh, _pinv_rank(net.W_hy, 2), S)
    want = np.linalg.norm(net.W_hh @ K - K @ Phi(TASK)) / np.linalg.norm(K @ Phi(TASK))
    a = analyze(net, TASK, rcond=rcond)
    assert a.bases["readout"]["intertwining"] == pytest.approx(want, rel=ROAD)
    # the waves are read with the same rcond (w = pinv_rcond(Psi) h; a scalar scale of Psi changes no R^2)
    assert a.wave_r2 == pytest.approx(wave_decoding(net, K, TASK, rcond=rcond)[0], rel=ROAD)
    assert abs(a.wave_r2 - wave_decoding(net, K, TASK)[0]) > 1e-3  # guard: rcond truncates Psi's pinv here
    assert abs(want / analyze(net, TASK).bases["readout"]["intertwining"] - 1) > 0.01  # guard: truncation matters
    with pytest.raises(ValueError, match="^readout: only used with a torch module"):
        analyze(net, TASK, readout=np.eye(3))  # a LinearRNN carries its own readout


def test_one_persistent_mode_gives_a_robust_reading_at_rank_1():
    """Seed 0's largest eigenvalue is real (-1.109) and alone above the next pair (1.106): a radius between them leaves
    effective rank 1, and the robust reading is taken at rank 1 (not skipped as for rank 0)."""
    from trained_networks import TASK, network

    net = network(0)[0]
    moduli = np.sort(np.abs(np.linalg.eigvals(net.W_hh)))[::-1]
    a = analyze(net, TASK, radius=float((moduli[0] + moduli[1]) / 2))
    assert a.effective_rank == 1 and a.robust["rank"] == 1
    at1 = _second_road(net, TASK, rank=1)["bases"]["readout"]
    assert a.robust["phi_error"] == pytest.approx(at1["phi_error"], rel=ROAD)


@pytest.mark.parametrize("failure", ["nan", "linalg"])
def test_a_wave_reading_that_cannot_be_taken_reads_none(monkeypatch, failure):
    """analyze's rule for the waves (C9): a non-finite wave R^2 or a least-squares failure (exploding hidden states:
    inf in lstsq) gives None for wave_r2, decode_r2 and the figures' arrays, never a number. The decoder is stubbed."""
    import wavetheory.learning.analysis as analysis_module
    from trained_networks import TASK, network

    def stub(*args, **kwargs):
        if failure == "linalg":
            raise np.linalg.LinAlgError("SVD did not converge")
        return float("nan"), 0.5, np.zeros((9, 12)), np.zeros((9, 12))  # the decoders' R^2 is finite: not enough

    monkeypatch.setattr(analysis_module, "wave_decoding", stub)
    a = analyze(network(0)[0], TASK)
    assert (a.wave_r2, a.decode_r2, a.waves, a.substrate, a.robust["wave_r2"]) == (None,) * 5


def test_a_diagonal_cell_is_read_against_phi_through_its_lambda():
    """A diagonal recurrence (C15) read by analyze through its real linearization: the diagonal field is the match of
    its Lambda itself (spectrum_match.match_diagonal), here a realization of repeat copy with a perturbed Lambda."""
    from wavetheory.learning.spectrum_match import match_diagonal
    from wavetheory.theory.diagonal_recurrence import DiagonalRecurrence, diagonal_realization

    task = repeat_copy(2, 3)
    exact = diagonal_realization(task)
    lam = exact.lam * (1 + 0.01 * np.arange(exact.lam.size))
    net = DiagonalRecurrence(lam, exact.B, exact.C)
    a = analyze(net.linearization(), task)
    assert a.diagonal == match_diagonal(lam, task).summary() == a.diagonal_match.summary()
    assert a.diagonal != match_diagonal(exact.lam, task).summary()  # guard: the perturbation shows
