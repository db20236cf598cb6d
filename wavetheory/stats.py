"""Statistics used across the package: one fitted log-slope and two confidence intervals.

A *log-slope* is the least-squares slope b of

    log y = b x + c            (a rate: y ~ e^(b x); gradient decay against the lag, C5, C10)
    log y = b log x + c        (an order: y ~ x^b; error against the amplitude, C14)

A fraction k/n gets the Wilson score interval

    p in (p_hat + z^2/(2n) +- z sqrt(p_hat (1 - p_hat)/n + z^2/(4n^2))) / (1 + z^2/n),

the set of p that a two-sided z-test of p_hat would not reject (exact endpoints, correct at k = 0
and k = n where the Wald interval collapses); a mean gets the Student t interval
mean +- t_{n-1} sd / sqrt(n). A few seeds' steps-to-target get the median and range, where a run that
never reached the target counts as larger than every run that did (right-censored at its bound); a median
gets the order-statistic interval [x_(l), x_(n+1-l)], distribution-free (P(x_(l) <= median <= x_(n+1-l)) =
1 - 2 P(Bin(n, 1/2) <= l - 1)) and valid under the same right censoring.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from ._validate import as_float_array

__all__ = ["log_slope", "wilson_interval", "t_interval", "median_range", "median_interval", "median_bootstrap"]


def log_slope(x: object, y: object, log_x: bool = False, names: tuple[str, str] = ("x", "y")) -> float:
    """Least-squares slope b of log y = b x + c, or of log y = b log x + c with ``log_x``.

    Shapes: x (n,), y (n,), n >= 2; y > 0 (and x > 0 with ``log_x``). ``names`` are the caller's
    argument names for x and y, used in the error messages.

    With equally spaced x the slope is a convex combination of the increments log y_{k+1} - log y_k,
    so it never exceeds the largest one (proofs/c5_numeric_slope_boundary.py, Lemma A).

    >>> round(log_slope(np.arange(1, 6), 0.5 ** np.arange(1, 6)), 6)  # a rate: log(1/2)
    -0.693147
    >>> round(log_slope([1e-3, 1e-2, 1e-1], [2e-6, 2e-4, 2e-2], log_x=True), 12)  # an order: y ~ x^2
    2.0
    """
    xname, yname = names
    x, y = as_float_array(x, xname, ndim=1), as_float_array(y, yname, ndim=1)
    if x.shape != y.shape:
        raise ValueError(f"{xname}: expected shape {y.shape} (one per value of {yname}), got {x.shape}")
    if y.size < 2:
        raise ValueError(f"{xname}, {yname}: expected at least two points, got {y.size}")
    if np.any(y <= 0):
        raise ValueError(f"{yname}: expected positive values (their logarithm is fitted)")
    if log_x and np.any(x <= 0):
        raise ValueError(f"{xname}: expected positive values (their logarithm is fitted)")
    return float(np.polyfit(np.log(x) if log_x else x, np.log(y), 1)[0])


def wilson_interval(k: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """Wilson score interval of a fraction k/n (z = 1.96: 95%); (nan, nan) when n = 0.

    >>> [round(v, 4) for v in wilson_interval(0, 10)]
    [0.0, 0.2775]
    >>> [round(v, 4) for v in wilson_interval(5, 10)]
    [0.2366, 0.7634]
    """
    if n == 0:
        return float("nan"), float("nan")
    p = k / n
    centre = p + z * z / (2 * n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    den = 1 + z * z / n
    # at k = 0 (k = n) the lower (upper) root is exactly 0 (1); say so instead of rounding to it
    lo = 0.0 if k == 0 else max(0.0, (centre - half) / den)
    hi = 1.0 if k == n else min(1.0, (centre + half) / den)
    return lo, hi


def t_interval(x: Sequence[float | None], level: float = 0.95) -> tuple[float, float, float]:
    """(mean, low, high): Student t interval of the mean of the finite values (None and nan skipped).

    The bounds are nan for fewer than 2 values; all three for none.

    >>> [round(v, 4) for v in t_interval([1.0, 2.0, 3.0])]
    [2.0, -0.4841, 4.4841]
    """
    from scipy.stats import t

    a = np.asarray([v for v in x if v is not None and np.isfinite(v)], dtype=float)
    if a.size == 0:
        return float("nan"), float("nan"), float("nan")
    m = float(a.mean())
    if a.size < 2:
        return m, float("nan"), float("nan")
    half = float(t.ppf(0.5 + level / 2, a.size - 1) * a.std(ddof=1) / math.sqrt(a.size))
    return m, m - half, m + half


def median_interval(x: Sequence[float | None], level: float = 0.95) -> tuple[float | None, float | None, float | None, float]:
    """(median, low, high, coverage): the sample median and its order-statistic interval; None = censored.

    A value None is right-censored (e.g. a run that never solved within its step bound): it ranks above
    every observed value, so order statistics stay exact, and an order statistic that lands on a censored
    value is returned as None ("beyond the bound"). The interval is [x_(l), x_(n+1-l)] with the largest l
    whose coverage 1 - 2 P(Bin(n, 1/2) <= l - 1) is at least ``level``; when even l = 1 falls short
    (n <= 5 at 95%), l = 1 and the coverage achieved is returned (n = 5: 0.9375). The median of an even
    number of values is the mean of the middle two (None when either is censored).

    >>> median_interval([300.0, 100.0, None, 200.0, 400.0])
    (300.0, 100.0, None, 0.9375)
    """
    from scipy.stats import binom

    n = len(x)
    if n == 0:
        return None, None, None, float("nan")
    order = sorted((float("inf") if v is None else float(v)) for v in x)
    as_value = lambda v: None if math.isinf(v) else v  # noqa: E731
    mid = order[(n - 1) // 2] if n % 2 else (order[n // 2 - 1] + order[n // 2]) / 2
    l = 1
    while l + 1 <= (n + 1) // 2 and 1 - 2 * binom.cdf(l, n, 0.5) >= level:
        l += 1
    coverage = float(1 - 2 * binom.cdf(l - 1, n, 0.5))
    return as_value(mid), as_value(order[l - 1]), as_value(order[n - l]), coverage


def median_range(x: Sequence[float | None]) -> tuple[float, float, float]:
    """(median, min, max) of the values, None counting as a run censored above every value (inf).

    A median of inf means more than half of the runs are censored. Raises ValueError on no values.

    >>> median_range([3, 1, 2])
    (2.0, 1.0, 3.0)
    >>> median_range([3, None, 1])
    (3.0, 1.0, inf)
    """
    if len(x) == 0:
        raise ValueError("x: expected at least one value, got none")
    a = np.sort(np.asarray([math.inf if v is None else v for v in x], dtype=float))
    n = a.size
    med = float(a[n // 2]) if n % 2 else float((a[n // 2 - 1] + a[n // 2]) / 2)
    return med, float(a[0]), float(a[-1])


def median_bootstrap(x: Sequence[float], level: float = 0.95, resamples: int = 4000, seed: int = 0) -> tuple[float, float, float]:
    """(median, low, high): the sample median and its percentile-bootstrap interval at ``level``.

    ``resamples`` resamples with replacement from a fixed generator (``seed``), so the same values give the same
    interval on every machine. With n = 5 the interval is [min, max] (a resampled median equals the smallest value
    with probability 0.058 > 0.025); it narrows as n grows. Raises ValueError on fewer than 2 finite values.

    >>> median_bootstrap([0.1, 0.2, 0.3, 0.4, 0.5])
    (0.3, 0.1, 0.5)
    """
    a = np.asarray([v for v in x if v is not None], dtype=float)
    a = a[np.isfinite(a)]
    if a.size < 2:
        raise ValueError(f"x: expected at least 2 finite values, got {a.size}")
    rng = np.random.default_rng(seed)
    meds = np.median(a[rng.integers(0, a.size, size=(resamples, a.size))], axis=1)
    lo, hi = np.quantile(meds, [(1 - level) / 2, (1 + level) / 2], method="inverted_cdf")
    return float(np.median(a)), float(lo), float(hi)

