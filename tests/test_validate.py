"""wavetheory._validate: every helper rejects bools, names the argument, and keeps TypeError (wrong kind)
apart from ValueError (right kind, bad value)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from wavetheory._validate import (
    MEMORY_ENV, as_batch, as_float_array, finite_float, memory_limit, one_of, positive_float, positive_int, probability,
    require_memory, rng, seed,
)

names = st.from_regex(r"[a-z][a-z_0-9]{0,11}", fullmatch=True)
SCALAR_HELPERS = [
    lambda v, n: positive_int(v, n),
    lambda v, n: positive_int(v, n, minimum=0),
    lambda v, n: seed(v, n),
    lambda v, n: positive_float(v, n),
    lambda v, n: positive_float(v, n, allow_zero=True),
    lambda v, n: finite_float(v, n),
    lambda v, n: probability(v, n),
    lambda v, n: rng(v, n),
]


@pytest.mark.parametrize("helper", SCALAR_HELPERS)
@given(st.booleans(), names)
def test_bools_are_rejected_with_a_type_error_naming_the_argument(helper, flag, name):
    with pytest.raises(TypeError) as info:
        helper(flag, name)
    assert str(info.value).startswith(f"{name}: ")


@pytest.mark.parametrize("helper", SCALAR_HELPERS)
@given(st.one_of(st.text(max_size=3), st.lists(st.integers(), max_size=2)), names)
def test_non_numbers_are_type_errors_naming_the_argument(helper, value, name):
    with pytest.raises(TypeError) as info:
        helper(value, name)
    assert str(info.value).startswith(f"{name}: ")


@given(st.integers(-50, 50), st.integers(-3, 3), names)
def test_positive_int_accepts_exactly_the_integers_from_minimum(value, minimum, name):
    if value >= minimum:
        out = positive_int(np.int64(value), name, minimum)
        assert out == value and type(out) is int
    else:
        with pytest.raises(ValueError, match=f"^{name}: expected an integer >= {minimum}, got {value}$"):
            positive_int(value, name, minimum)


@given(st.floats(allow_nan=True, allow_infinity=True), names)
def test_integral_floats_are_not_integers(value, name):
    with pytest.raises(TypeError, match=f"^{name}: "):
        positive_int(value, name)


@given(st.floats(allow_nan=True, allow_infinity=True), names)
def test_float_helpers_split_the_real_line(value, name):
    finite = math.isfinite(value)
    cases = [
        (lambda: finite_float(value, name), finite),
        (lambda: positive_float(value, name), finite and value > 0),
        (lambda: positive_float(value, name, allow_zero=True), finite and value >= 0),
        (lambda: probability(value, name), finite and 0 < value <= 1),
    ]
    for call, ok in cases:
        if ok:
            assert call() == value
        else:
            with pytest.raises(ValueError, match=f"^{name}: "):
                call()


@given(st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=1, max_size=6), names)
def test_as_float_array_refuses_non_finite_entries(values, name):
    if all(math.isfinite(v) for v in values):
        out = as_float_array(values, name, ndim=1)
        assert out.dtype == np.float64 and out.tolist() == values
    else:
        with pytest.raises(ValueError, match=f"^{name}: contains NaN or infinite values$"):
            as_float_array(values, name)


def test_as_float_array_shape_and_kind_errors():
    with pytest.raises(ValueError, match=r"^A: expected a 2-d array, got shape \(3,\)$"):
        as_float_array([1, 2, 3], "A", ndim=2)
    with pytest.raises(ValueError, match="^A: expected a rectangular array of numbers"):
        as_float_array([[1, 2], [3]], "A")
    with pytest.raises(TypeError, match="^A: expected numbers, got text"):
        as_float_array("12", "A")


@given(st.integers(1, 4), st.integers(1, 4), st.integers(1, 3))
def test_as_batch_promotes_a_single_history(s, d, B):
    one, single = as_batch(np.ones((s, d)), "history", "(s, d)")
    assert one.shape == (1, s, d) and single
    many, single = as_batch(np.ones((B, s, d)), "history", "(s, d)")
    assert many.shape == (B, s, d) and not single
    with pytest.raises(ValueError, match="^history: expected shape"):
        as_batch(np.ones(s), "history", "(s, d)")


def test_one_of_lists_the_choices():
    assert one_of("gru", "cell", ("rnn", "gru")) == "gru"
    with pytest.raises(ValueError, match="^cell: expected one of rnn, gru, got 'lstm'$"):
        one_of("lstm", "cell", ("rnn", "gru"))


@given(st.integers(0, 2**63 - 1))
def test_rng_seeds_like_numpy_and_passes_generators_through(value):
    assert rng(value).integers(1 << 30) == np.random.default_rng(value).integers(1 << 30)
    g = np.random.default_rng(value)
    assert rng(g) is g  # a Generator continues its own stream
    assert isinstance(rng(None), np.random.Generator)


@given(st.integers(max_value=-1), names)
def test_negative_seeds_are_value_errors_naming_the_argument(value, name):
    with pytest.raises(ValueError, match=f"^{name}: expected an integer >= 0, got {value}$"):
        rng(value, name)
    with pytest.raises(ValueError, match=f"^{name}: "):
        seed(value, name)


@pytest.mark.parametrize("call, exc, match", [
    (lambda: __import__("wavetheory").random_signed_selection(2, 3, seed=-1), ValueError, "^seed: "),
    (lambda: __import__("wavetheory").random_linear(2, 3, seed="a"), TypeError, "^seed: "),
    (lambda: __import__("wavetheory").make_basis("orthogonal", 3, rng=-2), ValueError, "^rng: "),
    (lambda: __import__("wavetheory").two_phase_batch(__import__("wavetheory").repeat_copy(1, 2), 2, 2, rng=1.5),
     TypeError, "^rng: "),
])
def test_public_random_functions_name_their_seed_argument(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


# --------------------------------------------------------------------------- kinds of numbers numpy would coerce


def test_as_float_array_refuses_complex_and_huge_integers_naming_the_argument():
    with pytest.raises(TypeError, match="^W_hh: expected real numbers, got complex"):
        as_float_array(np.array([[1 + 2j]]), "W_hh")
    with pytest.raises(TypeError, match="^W_hh: expected real numbers, got complex"):
        as_float_array([[1j]], "W_hh")
    with pytest.raises(TypeError, match="^W_hh: expected real numbers, got complex"):
        as_float_array([np.complex128(1j)], "W_hh")
    with pytest.raises(ValueError, match="^lags: "):  # 10**400 does not fit a float64 (OverflowError in numpy)
        as_float_array([10**400], "lags")


# --------------------------------------------------------------------------- the memory limit


@pytest.mark.parametrize("text, expected", [
    ("123", 123), ("4K", 4 * 1024), ("512M", 512 * 1024**2), ("16G", 16 * 1024**3), ("1.5g", 3 * 1024**3 // 2),
    ("2T", 2 * 1024**4), ("8GiB", 8 * 1024**3), ("100MB", 100 * 1024**2), ("1e9", 10**9), (" 64 M ", 64 * 1024**2),
])
def test_memory_limit_reads_the_environment(monkeypatch, text, expected):
    monkeypatch.setenv(MEMORY_ENV, text)
    assert memory_limit() == expected


@pytest.mark.parametrize("text", ["lots", "-1G", "0", "G", "1X", "nan", "inf"])
def test_a_bad_memory_limit_is_an_error_naming_the_variable(monkeypatch, text):
    monkeypatch.setenv(MEMORY_ENV, text)
    with pytest.raises(ValueError, match=f"^{MEMORY_ENV}: "):
        memory_limit()


def test_the_default_memory_limit_is_half_the_physical_memory(monkeypatch):
    import os

    monkeypatch.delenv(MEMORY_ENV, raising=False)
    physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    assert memory_limit() == physical // 2


def test_require_memory_refuses_past_the_limit_and_says_how_to_raise_it(monkeypatch):
    monkeypatch.setenv(MEMORY_ENV, "1M")
    require_memory(1024**2, "spectrum")  # exactly at the limit: allowed
    with pytest.raises(ValueError, match=rf"^spectrum: needs about 2\.0 MiB, more than the limit of 1\.0 MiB .*{MEMORY_ENV}"):
        require_memory(2 * 1024**2, "spectrum")
    with pytest.raises(ValueError, match="needs about 8.0 EiB"):  # Python ints: no overflow at any size
        require_memory(8 * 1024**6, "spectrum")


def test_thread_count_is_bounded_by_the_cores():
    import os

    from wavetheory._validate import thread_count

    assert thread_count(1) == 1 and thread_count(os.cpu_count()) == os.cpu_count()
    with pytest.raises(ValueError, match=f"--threads: expected at most the {os.cpu_count()} CPU cores of this machine, got"):
        thread_count(os.cpu_count() + 1, "--threads")
    with pytest.raises(ValueError, match="threads: expected an integer >= 1, got 0"):
        thread_count(0)
    with pytest.raises(TypeError, match="threads: expected an integer"):
        thread_count(2.0)
