"""Tests of wavetheory.jsonable: the one JSON rule (non-finite -> null, complex -> {"re", "im"}, numpy -> Python)."""

import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from wavetheory.jsonable import dumps, to_jsonable

NON_FINITE = [float("nan"), float("inf"), -float("inf"), np.float64("nan"), np.float32("inf"), np.float16("-inf")]


@pytest.mark.parametrize("x", NON_FINITE, ids=repr)
def test_every_non_finite_float_is_null_alone_in_arrays_and_in_complex_parts(x):
    assert to_jsonable(x) is None
    assert to_jsonable(np.array([1.0, x])) == [1.0, None]
    assert to_jsonable(complex(x, 2.0)) == {"re": None, "im": 2.0}
    assert json.loads(dumps({"k": x})) == {"k": None}


def test_numpy_scalars_become_python_types_of_the_same_kind():
    out = to_jsonable([np.bool_(True), np.int8(-3), np.uint64(2**63), np.float32(0.5), np.complex64(1 - 2j), True])
    assert out == [True, -3, 2**63, 0.5, {"re": 1.0, "im": -2.0}, True]
    assert [type(v) for v in out[:4]] == [bool, int, int, float] and type(out[5]) is bool  # a bool stays a bool


def test_arrays_and_tuples_become_nested_lists_and_paths_strings():
    assert to_jsonable(np.arange(6).reshape(2, 3)) == [[0, 1, 2], [3, 4, 5]]
    assert to_jsonable(np.array([1j, 2.0])) == [{"re": 0.0, "im": 1.0}, {"re": 2.0, "im": 0.0}]
    assert to_jsonable((1, (2.5, None))) == [1, [2.5, None]]
    assert to_jsonable(np.zeros((0, 2))) == []
    assert to_jsonable(Path("runs") / "a.json") == str(Path("runs") / "a.json")


def test_keys_are_strings_and_integer_keys_their_decimal_strings():
    assert to_jsonable({3: 1, np.int64(4): 2, "x": 3}) == {"3": 1, "4": 2, "x": 3}
    for key in (1.5, True, (1, 2), None):
        with pytest.raises(TypeError, match=r"^value\['outer'\]: a dict key must be a str or an int"):
            to_jsonable({"outer": {key: 1}})


@pytest.mark.parametrize("bad, where", [({1, 2}, "value"), ({"a": [0, object()]}, r"value\['a'\]\[1\]"),
                                        (np.array(["x"]), "value"), ([np.array([None])], r"value\[0\]")])
def test_anything_else_is_a_type_error_naming_where_it_sits(bad, where):
    with pytest.raises(TypeError, match=f"^{where}: "):
        to_jsonable(bad)


_scalars = (st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.text(max_size=5)
            | st.floats(allow_nan=True, allow_infinity=True) | st.complex_numbers(allow_nan=True, allow_infinity=True))
_data = st.recursive(_scalars, lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=4), c, max_size=4),
                     max_leaves=25)


def _nulls_expected(x) -> int:
    """Second road: count the Nones and non-finite floats (complex parts counted one by one) in the input."""
    if x is None:
        return 1
    if isinstance(x, float):
        return int(not math.isfinite(x))
    if isinstance(x, complex):
        return int(not math.isfinite(x.real)) + int(not math.isfinite(x.imag))
    if isinstance(x, dict):
        return sum(_nulls_expected(v) for v in x.values())
    if isinstance(x, list):
        return sum(_nulls_expected(v) for v in x)
    return 0


def _nulls(y) -> int:
    if y is None:
        return 1
    if isinstance(y, dict):
        return sum(_nulls(v) for v in y.values())
    if isinstance(y, list):
        return sum(_nulls(v) for v in y)
    return 0


def _refuse(token):
    raise AssertionError(f"non-strict JSON token {token}")


@given(_data)
def test_output_is_strict_json_with_one_null_per_none_or_non_finite_number(x):
    text = dumps(x)
    y = json.loads(text, parse_constant=_refuse)  # NaN, Infinity, -Infinity would reach parse_constant
    assert _nulls(y) == _nulls_expected(x)
    assert y == to_jsonable(x)


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=5) | st.floats(allow_nan=False, allow_infinity=False),
                    lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=4), c, max_size=4), max_leaves=25))
def test_finite_plain_data_round_trips_unchanged(x):
    assert json.loads(dumps(x)) == x
    assert to_jsonable(x) == x


def test_dumps_passes_indent_and_sort_keys():
    assert dumps({"b": 1, "a": [np.nan]}, indent=1, sort_keys=True) == '{\n "a": [\n  null\n ],\n "b": 1\n}'
