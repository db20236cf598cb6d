"""Validation of user input, used by every public function: one place, one message style.

Each helper returns the value in canonical form or raises ``TypeError`` (wrong kind of value)
or ``ValueError`` (right kind, bad value) whose message starts with the argument's name, so that
the CLI can print it as one line.
"""

from __future__ import annotations

import math
from typing import Any, Iterable

import numpy as np

__all__ = ["as_float_array", "as_batch", "positive_int", "positive_float", "probability", "one_of", "seed", "rng", "finite_float"]


def as_float_array(value: object, name: str, ndim: int | None = None) -> np.ndarray:
    """Convert ``value`` to a finite float64 array or raise a ValueError/TypeError naming ``name``.

    >>> as_float_array([[1, 2], [3, 4]], "A", ndim=2).shape
    (2, 2)
    """
    if isinstance(value, (str, bytes)):
        raise TypeError(f"{name}: expected numbers, got text {value!r}")
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (ValueError, TypeError) as exc:
        # numpy raises for ragged nested lists and for non-numeric entries
        raise ValueError(f"{name}: expected a rectangular array of numbers ({exc})") from None
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name}: expected a {ndim}-d array, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name}: contains NaN or infinite values")
    return arr


def as_batch(value: object, name: str, shape: str) -> tuple[np.ndarray, bool]:
    """A finite float array of shape (B, *shape) from one of shape ``shape`` or a batch; (array, was_single).

    >>> a, single = as_batch([[1, 2], [3, 4]], "history", "(s, d)")
    >>> a.shape, single
    ((1, 2, 2), True)
    """
    arr = as_float_array(value, name)
    single = arr.ndim == 2
    if single:
        arr = arr[None]
    if arr.ndim != 3:
        raise ValueError(f"{name}: expected shape {shape} or (B, {shape[1:]}, got {arr.shape}")
    return arr, single


def positive_int(value: object, name: str, minimum: int = 1) -> int:
    """``value`` as an int >= ``minimum``, or a TypeError/ValueError naming ``name``.

    >>> positive_int(3, "s")
    3
    >>> positive_int(True, "s")
    Traceback (most recent call last):
    ...
    TypeError: s: expected an integer >= 1, got True
    """
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name}: expected an integer >= {minimum}, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name}: expected an integer >= {minimum}, got {value}")
    return int(value)


def seed(value: object, name: str = "seed") -> int:
    """A seed: an integer >= 0 (numpy's own message would not name the argument).

    >>> seed(7)
    7
    """
    return positive_int(value, name, minimum=0)


def rng(value: object, name: str = "rng") -> np.random.Generator:
    """A random generator from None (fresh entropy), an integer seed >= 0, or a Generator (used as is).

    numpy's own errors for a bad seed would not name the argument.

    >>> float(rng(0).random()) == float(np.random.default_rng(0).random())
    True
    >>> rng(-1, "seed")
    Traceback (most recent call last):
    ...
    ValueError: seed: expected an integer >= 0, got -1
    """
    if value is None or isinstance(value, np.random.Generator):
        return np.random.default_rng(value)
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name}: expected an integer seed >= 0, a numpy Generator or None, got {value!r}")
    return np.random.default_rng(seed(value, name))


def finite_float(value: object, name: str) -> float:
    """``value`` as a finite float (any sign), or an error naming ``name``.

    >>> finite_float(-2, "gate_bias")
    -2.0
    """
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name}: expected a number, got {value!r}")
    v = float(value)
    if not math.isfinite(v):
        raise ValueError(f"{name}: expected a finite number, got {value!r}")
    return v


def positive_float(value: object, name: str, allow_zero: bool = False) -> float:
    """``value`` as a finite float > 0 (>= 0 with ``allow_zero``), or an error naming ``name``.

    >>> positive_float(0.5, "lr")
    0.5
    """
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name}: expected a number, got {value!r}")
    v = float(value)
    if not math.isfinite(v) or v < 0 or (v == 0 and not allow_zero):
        raise ValueError(f"{name}: expected a finite number {'>=' if allow_zero else '>'} 0, got {value!r}")
    return v


def probability(value: object, name: str) -> float:
    """``value`` as a number in (0, 1], or an error naming ``name``.

    >>> probability(0.99, "target")
    0.99
    """
    v = positive_float(value, name)
    if v > 1:
        raise ValueError(f"{name}: expected a number in (0, 1], got {value!r}")
    return v


def one_of(value: Any, name: str, choices: Iterable[Any]) -> Any:
    """``value`` if it is one of ``choices``, else a ValueError listing them.

    >>> one_of("rnn", "cell", ("rnn", "gru"))
    'rnn'
    """
    choices = tuple(choices)
    if value not in choices:
        raise ValueError(f"{name}: expected one of {', '.join(map(str, choices))}, got {value!r}")
    return value
