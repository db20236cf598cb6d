"""Tests of wavetheory.theory.tasks: validation, bindings, task files, trajectories (the library and the
two-phase generator have their own files)."""

import json

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from wavetheory.strategies import histories, linear_tasks, seeds, signed_selection_tasks
from wavetheory.theory.tasks import HDS, Binding, LinearHDS, fibonacci, load_task, parse_bindings, random_signed_selection, repeat_copy, rollout, signed_selection


# ----------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    "lags, match",
    [
        ([], "at least one"),
        ([[[1, 2], [3]]], "rectangular"),
        ([[[1, 2], [3, 4]], [[1]]], "same shape"),
        ([[[1, 2, 3], [3, 4, 5]]], "square"),
        ([[[float("nan")]]], "NaN"),
        ([[[float("inf")]]], "NaN or infinite"),
        ([[["a"]]], "rectangular array of numbers"),
        ("[[1]]", "expected a list"),
        (np.zeros((2, 3)), "expected a list|2-d|3-d"),
    ],
)
def test_bad_lags_raise_clear_errors(lags, match):
    with pytest.raises((ValueError, TypeError), match=match):
        LinearHDS(lags)


def test_lags_are_read_only_and_copied():
    src = np.zeros((2, 1, 1))
    task = LinearHDS(src)
    src[0] = 5.0
    assert task.lags[0, 0, 0] == 0.0
    with pytest.raises(ValueError):
        task.lags[0, 0, 0] = 1.0


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "3"])
def test_sizes_validated(bad):
    with pytest.raises((ValueError, TypeError), match="d|s"):
        repeat_copy(bad, 3)
    with pytest.raises((ValueError, TypeError), match="s"):
        fibonacci(2, bad)


def test_hds_validates():
    with pytest.raises(TypeError, match="callable"):
        HDS(d=2, s=2, f=3)
    with pytest.raises(ValueError, match="s"):
        HDS(d=2, s=0, f=lambda p: p[..., 0, :])


# ----------------------------------------------------------------------------- named tasks and bindings


def test_repeat_copy_and_fibonacci_lags():
    rc = repeat_copy(3, 4)
    assert rc.active_lags == (4,)
    assert np.array_equal(rc.A(4), np.eye(3))
    fib = fibonacci(2, 3)
    assert fib.active_lags == (1, 2, 3)
    assert all(np.array_equal(fib.A(k), np.eye(2)) for k in (1, 2, 3))


def test_signed_selection_spec_roundtrip():
    task = signed_selection("-x1(t-2), +x0(t-1), x2(t-3)")
    assert (task.d, task.s) == (3, 3)
    assert task.A(2)[0, 1] == -1 and task.A(1)[1, 0] == 1 and task.A(3)[2, 2] == 1
    assert np.count_nonzero(task.lags) == 3
    # the name carries the readable spec, which parses back to the same task
    assert signed_selection(task.name.split(":", 1)[1]) == task


@pytest.mark.parametrize("spec", ["x1(t+2)", "y0(t-1)", "x0(t-0)", "", "x0(t-1),,x1(t-1)"])
def test_bad_binding_specs(spec):
    with pytest.raises(ValueError, match="spec|lag"):
        parse_bindings(spec)


def test_binding_component_out_of_range():
    with pytest.raises(ValueError, match="out of range"):
        signed_selection([Binding(5, 1, 1)])
    with pytest.raises(ValueError, match="sign"):
        Binding(0, 1, 2)


@given(signed_selection_tasks())
def test_signed_selection_is_signed_partial_selection(task):
    # every output row j has exactly one non-zero entry, +-1, across all lags
    nz = task.lags != 0
    assert np.all(nz.sum(axis=(0, 2)) == 1)
    assert set(np.unique(task.lags[nz])) <= {-1.0, 1.0}


@given(st.integers(1, 4), st.integers(1, 6), seeds)
def test_random_signed_selection_uses_whole_history(d, s, seed):
    task = random_signed_selection(d, s, seed)
    assert task.s == s and task.d == d and s in task.active_lags
    assert random_signed_selection(d, s, seed) == task  # same seed, same task


def test_load_task_json_forms(tmp_path):
    p = tmp_path / "t.json"
    p.write_text(json.dumps({"lags": [[[0, 1], [1, 0]], [[1, 0], [0, 1]]]}))
    task = load_task(p)
    assert (task.d, task.s) == (2, 2) and task.A(1)[0, 1] == 1
    p.write_text(json.dumps({"bindings": "-x1(t-2), x0(t-1)"}))
    assert load_task(p) == signed_selection("-x1(t-2), x0(t-1)")
    p.write_text(json.dumps({"bindings": [{"component": 0, "lag": 2, "sign": -1}], "s": 3}))
    assert load_task(p).s == 3
    p.write_text(json.dumps(repeat_copy(2, 3).to_json()))
    assert load_task(p) == repeat_copy(2, 3)


@pytest.mark.parametrize(
    "content, match",
    [("{not json", "not valid JSON"), ("[1, 2]", "expected an object"), ('{"lags": [[[1, 2]]]}', "square")],
)
def test_load_task_errors_name_the_file(tmp_path, content, match):
    p = tmp_path / "bad.json"
    p.write_text(content)
    with pytest.raises(ValueError, match=match) as info:
        load_task(p)
    assert "bad.json" in str(info.value)
    with pytest.raises(ValueError, match="cannot read"):
        load_task(tmp_path / "missing.json")


# ----------------------------------------------------------------------------- trajectories


def test_fibonacci_rollout_is_fibonacci():
    # C2 on the reference road: x(t) = x(t-1) + x(t-2) from (1, 1)
    traj = rollout(fibonacci(1, 2), np.array([[1.0], [1.0]]), 8)
    assert traj[:, 0].tolist() == [2, 3, 5, 8, 13, 21, 34, 55]


@given(linear_tasks(), st.data())
def test_rollout_matches_lag_equation(task, data):
    hist = data.draw(histories(task.d, task.s))
    traj = rollout(task, hist, 5)
    full = np.concatenate([hist, traj], axis=1)
    for t in range(task.s, task.s + 5):
        expect = sum(full[:, t - k] @ task.A(k).T for k in range(1, task.s + 1))
        # one matvec sum of s terms of O(1) numbers: 1e-12 is ~1e4 eps of headroom
        np.testing.assert_allclose(full[:, t], expect, atol=1e-12)


def test_rollout_validates_history_and_steps():
    task = repeat_copy(2, 3)
    with pytest.raises(ValueError, match="history"):
        rollout(task, np.zeros((2, 2)), 3)
    with pytest.raises(ValueError, match="steps"):
        rollout(task, np.zeros((3, 2)), -1)
    assert rollout(task, np.zeros((3, 2)), 0).shape == (0, 2)
