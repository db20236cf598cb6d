"""wavetheory.stats: the fitted log-slope (rates and orders) and the Wilson and t intervals."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from wavetheory.stats import log_slope, median_range, t_interval, wilson_interval

# --------------------------------------------------------------------------- the log-slope


@given(st.floats(-3, 3), st.floats(-5, 5), st.integers(2, 30))
def test_log_slope_recovers_a_known_rate(b, c, n):
    x = np.arange(n, dtype=float)
    # exact data: the fit is exact up to rounding of log/exp of O(10) numbers, ~1e-13 per point
    assert log_slope(x, np.exp(b * x + c)) == pytest.approx(b, abs=1e-9)


@given(st.floats(-4, 4), st.floats(0.1, 10))
def test_log_slope_recovers_a_known_order(p, a):
    x = np.logspace(-3, 0, 7)
    assert log_slope(x, a * x**p, log_x=True) == pytest.approx(p, abs=1e-9)


def test_log_slope_of_noisy_data_is_the_least_squares_slope():
    rng = np.random.default_rng(0)
    x = np.arange(1.0, 21.0)
    y = np.exp(-0.3 * x + 0.1 * rng.standard_normal(x.size))
    b, _ = np.linalg.lstsq(np.stack([x, np.ones_like(x)], 1), np.log(y), rcond=None)[0]
    assert log_slope(x, y) == pytest.approx(b, abs=1e-12)  # one 20 x 2 least-squares problem, two solvers
    assert abs(b + 0.3) < 0.05  # and it is near the true rate


@pytest.mark.parametrize(
    "args, kwargs, exc, match",
    [
        (([1.0], [1.0]), {}, ValueError, "x, y: expected at least two points"),
        (([1.0, 2.0], [1.0, 0.0]), {}, ValueError, "y: expected positive values"),
        (([0.0, 2.0], [1.0, 2.0]), {"log_x": True}, ValueError, "x: expected positive values"),
        (([1.0, 2.0, 3.0], [1.0, 2.0]), {}, ValueError, r"x: expected shape \(2,\)"),
        (([1.0, np.nan], [1.0, 2.0]), {}, ValueError, "x: contains NaN"),
        (("ab", [1.0, 2.0]), {}, TypeError, "x: expected numbers"),
        (([1.0, 2.0], [1.0, -1.0]), {"names": ("lags", "norms")}, ValueError, "norms: expected positive"),
    ],
)
def test_log_slope_errors_name_the_argument(args, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        log_slope(*args, **kwargs)


def test_decay_slope_is_the_log_slope_over_lags():
    from wavetheory.theory.gradients import decay_slope

    y = 0.5 ** np.arange(1, 6)
    assert decay_slope(y) == log_slope(np.arange(1, 6), y)
    with pytest.raises(ValueError, match="lags"):
        decay_slope([1.0, 0.5], [1, 2, 3])


# --------------------------------------------------------------------------- intervals


def test_wilson_interval_known_values():
    """k = 5, n = 10, z = 1.96: (0.2366, 0.7634) (Wilson 1927; any table of score intervals)."""
    lo, hi = wilson_interval(5, 10)
    assert (round(lo, 4), round(hi, 4)) == (0.2366, 0.7634)
    assert lo + hi == pytest.approx(1.0, abs=1e-15)  # symmetric about 1/2 at p_hat = 1/2
    assert all(np.isnan(wilson_interval(0, 0)))


@pytest.mark.parametrize("k, n", [(0, 10), (3, 10), (10, 10), (1, 1), (37, 200)])
def test_wilson_endpoints_solve_the_score_equation(k, n):
    """The endpoints are the two roots p of (k/n - p)^2 = z^2 p (1 - p) / n, the score equation."""
    z = 1.959963984540054
    lo, hi = wilson_interval(k, n, z)
    assert 0 <= lo <= k / n <= hi <= 1
    for p in (lo, hi):
        # both sides are O(1) polynomials in p: float64 rounding leaves ~1e-16, 1e-12 is ample
        assert (k / n - p) ** 2 == pytest.approx(z * z * p * (1 - p) / n, abs=1e-12)
    assert (lo == 0) == (k == 0) and (hi == 1) == (k == n)  # it never collapses to a point


def test_t_interval_matches_simulated_coverage():
    """The 95% t interval covers the true mean of normal samples (n = 5) about 95% of the time."""
    rng = np.random.default_rng(0)
    hits = sum(lo <= 0.3 <= hi for _, lo, hi in (t_interval(rng.normal(0.3, 1.0, 5)) for _ in range(4000)))
    # binomial sd of the coverage over 4000 draws is 0.0034; 0.94..0.96 is about +-3 sd
    assert 0.94 <= hits / 4000 <= 0.96


def test_t_interval_known_value_and_skipped_entries():
    m, lo, hi = t_interval([1.0, None, 2.0, float("nan"), 3.0])  # None and nan are skipped
    assert m == 2.0
    # t_{0.975, 2} = 4.302653, sd = 1: half width 4.302653 / sqrt(3) = 2.484138
    assert (round(lo, 6), round(hi, 6)) == (round(2 - 2.484138, 6), round(2 + 2.484138, 6))
    assert t_interval([5.0])[0] == 5.0 and np.isnan(t_interval([5.0])[1])
    assert all(np.isnan(t_interval([None])))
    wide, narrow = t_interval([1.0, 2.0, 3.0], level=0.99), t_interval([1.0, 2.0, 3.0], level=0.5)
    assert wide[1] < lo < narrow[1] < m  # a higher level gives a wider interval


def test_median_interval_order_statistics_and_censoring():
    from wavetheory.stats import median_interval

    # n = 20 at 95%: the textbook interval is [x_(6), x_(15)] with coverage 1 - 2 P(Bin(20, 1/2) <= 5) = 0.9586
    med, lo, hi, cov = median_interval([float(v) for v in range(1, 21)])
    assert (med, lo, hi) == (10.5, 6.0, 15.0) and cov == pytest.approx(0.958610534667969)
    # n = 5 cannot reach 95%: [min, max] with coverage 1 - 2 / 32
    assert median_interval([5.0, 1.0, 4.0, 2.0, 3.0]) == (3.0, 1.0, 5.0, 0.9375)
    # a censored value (None) ranks above every observed one; a statistic on it is None (beyond the bound)
    assert median_interval([1.0, None, None, 2.0, None]) == (None, 1.0, None, 0.9375)
    assert median_interval([])[:3] == (None, None, None)


def test_median_range_agrees_with_numpy_and_counts_censored_runs_as_largest():
    rng = np.random.default_rng(1)
    for n in (1, 2, 5, 6):
        x = rng.integers(0, 100, n).tolist()
        assert median_range(x) == (float(np.median(x)), float(min(x)), float(max(x)))
    # a run that never reached the target (None) sorts above every run that did
    assert median_range([10, None, 30, 20, None]) == (30.0, 10.0, math.inf)
    assert median_range([None, None, 5]) == (math.inf, 5.0, math.inf)  # most runs censored: the median is too
    assert median_range([1, 3, None, 2]) == (2.5, 1.0, math.inf)
    with pytest.raises(ValueError, match="x"):
        median_range([])
