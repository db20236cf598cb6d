"""The authors' task IDs: decode / encode are inverse, cover the whole family once, and agree with the authors' operator.

The oracle rows of ``AUTHORS`` were produced by running the authors' own operator builder
(``get_linear_oprerator`` of their binary_linearVB task) on each ID and reading off, for every
output j, the chosen row of F and its sign; they are data here, not computed from our code.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given

from wavetheory.strategies import authors_ids, authors_tasks, linear_tasks, signed_selection_tasks
from wavetheory.theory.task_ids import (PAPER_TASKS, WORKED_EXAMPLES, bindings_text, decode, encode, family_size,
                                        operator, rows_and_signs)
from wavetheory.theory.tasks import authors_task, fibonacci, load_task, repeat_copy, rollout, signed_selection
from wavetheory.theory.two_phase import two_phase_batch

# (ids, d, s) -> (rows of F in output order, signs), from the authors' code
AUTHORS = {
    ((7, 0, 0), 3, 4): ([0, 1, 2], "+++"),
    ((3584, 4, 0), 3, 4): ([10, 11, 9], "+++"),
    ((3584, 5, 0), 3, 4): ([11, 9, 10], "+++"),
    ((2184, 2, 5), 3, 4): ([11, 7, 3], "-+-"),
    ((289, 1, 2), 3, 4): ([5, 0, 8], "+-+"),
    ((34, 1, 1), 2, 3): ([5, 1], "-+"),
    ((6, 1, 0), 2, 2): ([2, 1], "++"),
    ((9241421688590303745, 262676, 189), 8, 8): ([36, 27, 18, 0, 9, 45, 63, 54], "-+----+-"),
    ((9241421688590303745, 38637, 145), 8, 8): ([45, 54, 0, 9, 18, 27, 36, 63], "-+++-++-"),
}


@pytest.mark.parametrize("key", list(AUTHORS), ids=str)
def test_rows_and_signs_agree_with_the_authors_operator(key):
    (ids, d, s), (rows, signs) = key, AUTHORS[key]
    assert rows_and_signs(*ids, d, s) == (rows, [1 if c == "+" else -1 for c in signs])
    F = operator(*ids, d, s)
    assert [int(np.flatnonzero(F[:, j])[0]) for j in range(d)] == rows and np.count_nonzero(F) == d


def test_paper_tasks_in_our_binding_syntax():
    assert authors_task(*PAPER_TASKS["T1"], 8, 8) == repeat_copy(8, 8)
    t2 = "-x4(t-4), +x3(t-5), -x2(t-6), -x0(t-8), -x1(t-7), -x5(t-3), +x7(t-1), -x6(t-2)"
    assert authors_task(*PAPER_TASKS["T2"], 8, 8) == signed_selection(t2, s=8)
    assert bindings_text(*PAPER_TASKS["T2"], 8, 8) == t2


@given(authors_ids(max_d=5, max_s=5))
def test_decode_then_encode_is_the_identity(case):
    ids, d, s = case
    assert encode(decode(*ids, d, s)) == ids


@given(authors_tasks())
def test_encode_then_decode_is_the_identity(task):
    assert np.array_equal(decode(*encode(task), task.d, task.s), task.lags)


@given(authors_ids(max_d=4, max_s=4))
def test_operator_generates_the_same_trajectory_as_the_lags(case):
    """Their road, x(t) = [x(t-s), ..., x(t-1)] @ F, against ours, x(t) = sum_k A_k x(t-k), on a +-1 history."""
    ids, d, s = case
    F = operator(*ids, d, s)
    hist = np.random.default_rng(ids[0] % 1000).choice([-1.0, 1.0], size=(s, d))
    xs = list(hist)
    for _ in range(2 * s):
        xs.append(np.concatenate(xs[-s:]) @ F)
    assert np.array_equal(np.array(xs[s:]), rollout(authors_task(*ids, d, s), hist, 2 * s))


def test_their_data_is_our_two_phase_batch():
    task = authors_task(2184, 2, 5, 3, 4)
    inputs, targets = two_phase_batch(task, 8, 6, 0)
    F = operator(2184, 2, 5, 3, 4)
    xs = list(inputs[:, :4].transpose(1, 0, 2))  # the +-1 history, time-major
    for _ in range(6):
        xs.append(np.concatenate(xs[-4:], axis=1) @ F)
    assert np.array_equal(np.stack(xs[4:], axis=1), targets)
    assert np.all(inputs[:, 4:] == 0)


@pytest.mark.parametrize("d, s", [(1, 1), (1, 3), (2, 1), (2, 2), (2, 3), (3, 2)])
def test_every_valid_id_is_a_different_task(d, s):
    """Exhaustive: the valid triples (digit i of ID2 below d - i) number C(sd, d) d! 2^d and decode to distinct tasks."""
    id2s = [sum(g * d**i for i, g in enumerate(gs)) for gs in itertools.product(*(range(d - i) for i in range(d)))]
    seen = set()
    for rows in itertools.combinations(range(s * d), d):
        for id2, id3 in itertools.product(id2s, range(2**d)):
            seen.add(decode(sum(1 << r for r in rows), id2, id3, d, s).tobytes())
    assert len(seen) == family_size(d, s)


@given(signed_selection_tasks(max_d=3, max_s=4))
def test_encode_recognizes_exactly_the_family(task):
    """A signed selection is in the family iff its d sources (component, lag) are pairwise distinct."""
    sources = [tuple(np.argwhere(task.lags[:, j, :])[0]) for j in range(task.d)]
    ids = encode(task)
    assert (ids is not None) == (len(set(sources)) == task.d)


@given(linear_tasks(max_d=3, max_s=3))
def test_dense_tasks_are_not_in_the_family(task):
    if not np.all(np.isin(task.lags, (-1.0, 0.0, 1.0))):
        assert encode(task) is None


@pytest.mark.parametrize("lags", [[[[1, 0], [1, 0]]], [[[1, 1], [0, 1]]], [[[2, 0], [0, 1]]], [[[0, 0], [0, 1]]]],
                         ids=["same-source", "two-sources", "weight-2", "reads-nothing"])
def test_encode_returns_none_outside_the_family(lags):
    assert encode(np.array(lags, float)) is None
    assert encode(fibonacci(2, 3)) is None


@pytest.mark.parametrize("ids, d, s, name, message", [
    ((7, 0, 0), 2, 4, "id1", "3 one-bits"),
    ((0, 0, 0), 2, 2, "id1", "0 one-bits"),
    ((4099, 0, 0), 3, 4, "id1", "sets bit 12"),
    ((7, 6, 0), 3, 4, "id2", "digit 1 = 2"),
    ((7, 27, 0), 3, 4, "id2", "digit 3 = 1"),
    ((7, 9, 0), 3, 4, "id2", "digit 2 = 1"),
    ((7, 0, 8), 3, 4, "id3", "sets bit 3"),
    ((1, 1, 0), 1, 3, "id2", "must be 0 when d = 1"),
    ((-1, 0, 0), 3, 4, "id1", "non-negative"),
    ((7, -1, 0), 3, 4, "id2", "non-negative"),
    ((7, 0, -1), 3, 4, "id3", "non-negative"),
    ((7, 0, 0), 0, 4, "d", ">= 1"),
])
def test_invalid_ids_raise_naming_the_argument(ids, d, s, name, message):
    with pytest.raises(ValueError, match=message) as err:
        decode(*ids, d, s)
    assert str(err.value).startswith(name)


@pytest.mark.parametrize("bad", [True, 7.0, "7"])
def test_ids_must_be_integers(bad):
    with pytest.raises(TypeError, match="id1"):
        decode(bad, 0, 0, 3, 4)


def test_worked_examples_round_trip():
    for ids, d, s, _ in WORKED_EXAMPLES:
        task = authors_task(*ids, d, s)
        assert encode(task) == ids
        assert task == signed_selection(bindings_text(*ids, d, s), s=s)


def test_task_file(tmp_path):
    p = tmp_path / "t.json"
    p.write_text('{"authors_task": [255, 0, 0], "d": 8, "s": 10}')
    assert load_task(p) == repeat_copy(8, 10)
    p.write_text('{"authors_task": [255, 0], "d": 8, "s": 10}')
    with pytest.raises(ValueError, match="authors_task"):
        load_task(p)


def test_a_huge_authors_task_is_refused_before_anything_is_allocated(monkeypatch):
    # ID1 = 2^d - 1 is repeat copy at any width: d = s = 3000 needs two 9e6 x 3000 float arrays (~402 GiB)
    monkeypatch.setenv("WAVETHEORY_MAX_BYTES", "1G")
    with pytest.raises(ValueError, match="authors' task .*WAVETHEORY_MAX_BYTES"):
        operator(2**3000 - 1, 0, 0, 3000, 3000)
    assert operator(7, 0, 0, 3, 2).shape == (6, 3)  # a small one still passes the guard
