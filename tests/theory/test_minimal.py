"""Tests of wavetheory.theory.minimal: the smallest linear RNN of a two-phase task, exactly (C16)."""

import json

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from wavetheory.cli import main
from wavetheory.strategies import realizable_tasks, signed_selection_tasks
from wavetheory.theory.minimal import (
    exact_markov, exact_spectrum, hankel_rank, is_diagonalizable, min_state_dim, minimal_realization, shifted_realization,
    task_structure,
)
from wavetheory.theory.realizability import is_realizable
from wavetheory.theory.tasks import LinearHDS, fibonacci, repeat_copy, signed_selection
from wavetheory.theory.two_phase import two_phase_batch
from wavetheory.theory.wave_operator import markov_parameters


def free_block_hankel_rank(task: LinearHDS, X: sp.Matrix) -> int:
    """rank of the Hankel of (X, G_1, G_2, ...) with sd + 1 block rows and columns (reaches the infinite rank)."""
    N, d = task.s * task.d + 1, task.d
    G = [sp.Matrix(g.to_Matrix()) for g in exact_markov(task, 2 * N)]
    G[0] = sp.Matrix(X)
    return sp.Matrix(sp.BlockMatrix([[G[i + j] for j in range(N)] for i in range(N)])).rank()


@settings(max_examples=30)
@given(realizable_tasks(max_d=3, max_s=3))
def test_n_min_is_twice_rank_H1_minus_rank_H2_on_both_roads(task):
    mr = minimal_realization(task)
    r1, r2 = hankel_rank(task, 1), hankel_rank(task, 2)
    assert (mr.rank_H1, mr.rank_H2) == (r1, r2)  # Kalman road == Hankel road
    assert mr.n == 2 * r1 - r2 == r1 + mr.kernel <= task.s * task.d
    assert mr.W.shape == (mr.n, mr.n) and mr.B.shape == (mr.n, task.d) and mr.C.shape == (task.d, mr.n)


@settings(max_examples=30)
@given(realizable_tasks(max_d=3, max_s=3))
def test_minimal_realization_reproduces_every_markov_parameter_from_lag_one(task):
    mr = minimal_realization(task)
    W, B, C = (sp.Matrix(m) for m in (mr.W, mr.B, mr.C))
    G = exact_markov(task, mr.verified_k + 3)
    P = B
    for k in range(1, mr.verified_k + 4):  # beyond the certificate's window as well
        P = W * P
        assert C * P == sp.Matrix(G[k].to_Matrix()), k
    assert C * B == sp.Matrix(mr.X)


@settings(max_examples=15)
@given(realizable_tasks(max_d=2, max_s=3), st.integers(-2, 2))
def test_no_free_block_beats_n_min_and_the_chosen_one_attains_it(task, v):
    mr = minimal_realization(task)
    d = task.d
    for X in (sp.zeros(d), sp.eye(d) * v, sp.ones(d, d)):
        assert free_block_hankel_rank(task, X) >= mr.n
    assert free_block_hankel_rank(task, mr.X) == mr.n


@settings(max_examples=25)
@given(realizable_tasks(max_d=3, max_s=3), st.integers(0, 2**31))
def test_minimal_rnn_solves_the_two_phase_task_in_floats(task, seed):
    rnn = minimal_realization(task).linear_rnn()
    u, y = two_phase_batch(task, 8, task.s + 3, seed)
    out, _ = rnn.run(u)
    scale = max(1.0, float(np.abs(y).max()))
    # integer tasks with entries up to 2 grow like 2^(H/s): rounding is relative to the output scale
    assert np.abs(out[:, task.s:] - y).max() <= 1e-9 * scale


@settings(max_examples=30)
@given(realizable_tasks(max_d=3, max_s=3))
def test_P_invertible_iff_n_min_equals_rank_H1_and_then_s_d_prime(task):
    mr, st_ = minimal_realization(task), task_structure(task)
    assert st_.P_invertible == (mr.n == mr.rank_H1) == (mr.kernel == 0)
    if st_.P_invertible:
        assert mr.n == task.s * st_.d_prime


@settings(max_examples=30)
@given(signed_selection_tasks(max_d=3, max_s=3))
def test_selection_tasks_P_invertible_iff_the_binding_permutes_the_read_components(task):
    if not is_realizable(task):
        with pytest.raises(ValueError, match="not LTI-realizable"):
            minimal_realization(task)
        assert min_state_dim(task) is None
        return
    nz = np.argwhere(task.lags != 0)
    copies = {int(j): int(c) for _, j, c in nz}
    read = set(copies.values())
    permutes = sorted(copies[j] for j in read) == sorted(read)
    assert task_structure(task).P_invertible == permutes
    assert task_structure(task).d_prime == len(read)


def test_repeat_copy_needs_sd_and_the_issue_examples():
    assert [min_state_dim(repeat_copy(d, s)) for d, s in [(1, 1), (2, 3), (3, 5), (3, 8)]] == [1, 6, 15, 24]
    assert min_state_dim(signed_selection("x0(t-3), x0(t-1)")) == 3
    mr = minimal_realization(LinearHDS([[[0, 0], [1, 0]], [[0, 0], [0, 0]]]))
    assert (mr.rank_H1, mr.n) == (1, 2)
    mr = minimal_realization(signed_selection("x1(t-2), x2(t-2), x2(t-2)"))
    assert (mr.rank_H1, mr.rank_H2, mr.n) == (4, 3, 5)
    # each Jordan chain of Abar at 0 gains one state: Abar has (2,) at 0, W has (3,)
    at_zero = [e.jordan for e in exact_spectrum(mr.W) if e.value == 0]
    assert at_zero == [(3,)] and [e.jordan for e in exact_spectrum(mr.Abar) if e.value == 0] == [(2,)]


def test_shifted_realization_matches_the_float_markov_parameters():
    task = signed_selection("-x1(t-2), x0(t-2)")
    Ab, bb, cb = (np.array(m.tolist(), dtype=float) for m in shifted_realization(task))
    G = markov_parameters(task, 12)
    for j in range(11):
        assert np.array_equal(cb @ np.linalg.matrix_power(Ab, j) @ bb, G[j + 1])


def test_exact_spectrum_and_diagonalizability():
    J = sp.Matrix([[2, 1, 0], [0, 2, 0], [0, 0, -1]])
    spec = {str(e.value): (e.algebraic, e.geometric, e.jordan) for e in exact_spectrum(J)}
    assert spec == {"2": (2, 1, (2,)), "-1": (1, 1, (1,))}
    assert not is_diagonalizable(J) and is_diagonalizable(sp.Matrix([[0, -1], [1, 0]]))
    rot = exact_spectrum(minimal_realization(repeat_copy(2, 4)).W)
    assert sorted(str(e.value) for e in rot) == ["-1", "-I", "1", "I"] and all(e.jordan == (1, 1) for e in rot)


def test_bad_input_names_the_argument():
    with pytest.raises(TypeError, match="task"):
        minimal_realization(np.zeros((1, 2, 2)))
    with pytest.raises(TypeError, match="task"):
        min_state_dim("repeat-copy")
    with pytest.raises(ValueError, match="task"):
        task_structure(fibonacci(2, 3))


@pytest.mark.parametrize("args, expected", [
    (["--task", "repeat-copy", "--d", "3", "--s", "5"], 15),
    (["--task", "fibonacci", "--d", "2", "--s", "3"], None),
])
def test_cli_realizable_reports_min_state_dim(capsys, args, expected):
    assert main(["realizable", *args, "--json"]) == 0
    rep = json.loads(capsys.readouterr().out)
    assert rep["min_state_dim"] == expected
    if expected is not None:
        assert sum(e["algebraic"] for e in rep["minimal_spectrum"]) == expected
        assert rep["diagonal_recurrence"]["diagonal_realizable"] is True


def test_cli_realizable_from_lags_and_bindings_files(tmp_path, capsys):
    lags = tmp_path / "lags.json"
    lags.write_text(json.dumps({"lags": [[[0, 0], [1, 0]], [[0, 0], [0, 0]]]}))
    binds = tmp_path / "binds.json"
    binds.write_text(json.dumps({"bindings": "x0(t-3), x0(t-1)"}))
    for path, n in ((lags, 2), (binds, 3)):
        assert main(["realizable", "--lags", str(path), "--json"]) == 0
        assert json.loads(capsys.readouterr().out)["min_state_dim"] == n
    assert main(["realizable", "--lags", str(lags)]) == 0
    assert "2 states (rank H_1 = 1)" in capsys.readouterr().out
