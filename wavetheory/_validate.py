"""Validation of user input, used by every public function: one place, one message style.

Each helper returns the value in canonical form or raises ``TypeError`` (wrong kind of value)
or ``ValueError`` (right kind, bad value) whose message starts with the argument's name, so that
the CLI can print it as one line.
"""

from __future__ import annotations

import math
import os
import re
import warnings
from typing import Any, Iterable

import numpy as np

_ComplexWarning = getattr(np, "exceptions", np).ComplexWarning  # numpy >= 1.25 moved it

__all__ = ["as_float_array", "as_batch", "positive_int", "positive_float", "probability", "one_of", "seed", "rng",
           "finite_float", "thread_count", "memory_limit", "require_memory", "matrix_bytes", "format_bytes", "MEMORY_ENV"]


def as_float_array(value: object, name: str, ndim: int | None = None) -> np.ndarray:
    """Convert ``value`` to a finite float64 array or raise a ValueError/TypeError naming ``name``.

    >>> as_float_array([[1, 2], [3, 4]], "A", ndim=2).shape
    (2, 2)
    """
    if isinstance(value, (str, bytes)):
        raise TypeError(f"{name}: expected numbers, got text {value!r}")
    if isinstance(value, (np.ndarray, np.generic, complex)) and np.iscomplexobj(value):
        raise TypeError(f"{name}: expected real numbers, got complex values")  # numpy would only warn
    try:
        if isinstance(value, np.ndarray):
            arr = np.asarray(value, dtype=np.float64)
        else:  # nested lists may hold complex scalars: numpy's warning becomes the error below
            with warnings.catch_warnings():
                warnings.simplefilter("error", _ComplexWarning)
                arr = np.asarray(value, dtype=np.float64)
    except _ComplexWarning:
        raise TypeError(f"{name}: expected real numbers, got complex values") from None
    except (ValueError, TypeError, OverflowError) as exc:
        # numpy raises for ragged nested lists, non-numeric entries and integers beyond float64
        if isinstance(exc, TypeError) and "complex" in str(exc):
            raise TypeError(f"{name}: expected real numbers, got complex values") from None
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


def thread_count(value: object, name: str = "threads") -> int:
    """A number of threads: an integer from 1 to the number of CPU cores (more is never faster, and 10^5 hangs OpenMP).

    >>> thread_count(1)
    1
    """
    n = positive_int(value, name)
    cores = os.cpu_count() or 1
    if n > cores:
        raise ValueError(f"{name}: expected at most the {cores} CPU cores of this machine, got {n}")
    return n


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


# --------------------------------------------------------------------------- memory


MEMORY_ENV = "WAVETHEORY_MAX_BYTES"  # the limit of require_memory, e.g. 16G; default: half the physical memory
_DEFAULT_LIMIT = 4 * 1024**3  # where the physical memory is unknown
_UNITS = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4, "P": 1024**5}
_SIZE = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)\s*([KMGTP]?)(?:I?B)?\s*$", re.IGNORECASE)


def memory_limit() -> int:
    """The most bytes one computation may need: ``$WAVETHEORY_MAX_BYTES``, else half the physical memory.

    The variable takes a byte count or a size with a binary unit (``512M``, ``16G``, ``1.5T``).

    >>> os.environ[MEMORY_ENV] = "16G"; memory_limit() == 16 * 1024**3
    True
    >>> del os.environ[MEMORY_ENV]
    """
    raw = os.environ.get(MEMORY_ENV, "")
    if not raw.strip():
        try:
            return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2
        except (AttributeError, ValueError, OSError):  # pragma: no cover - no sysconf (Windows)
            return _DEFAULT_LIMIT
    m = _SIZE.match(raw)
    value = float(m.group(1)) * _UNITS[m.group(2).upper()] if m else 0.0
    if not math.isfinite(value) or value < 1:
        raise ValueError(f"{MEMORY_ENV}: expected a size in bytes >= 1 such as 512M, 16G or 1e9, got {raw!r}")
    return int(value)


def format_bytes(n: float) -> str:
    """A byte count with a binary unit.

    >>> format_bytes(3 * 1024**3 // 2)
    '1.5 GiB'
    """
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if n < 1024:
            return f"{n:.1f} {unit}" if unit != "B" else f"{int(n)} B"
        n /= 1024
    return f"{n:.1f} EiB"


def matrix_bytes(rows: int, cols: int, copies: int = 1, itemsize: int = 8) -> int:
    """Bytes of ``copies`` dense rows x cols arrays (exact Python integers: no overflow at any size).

    >>> matrix_bytes(1000, 1000, copies=3)
    24000000
    """
    return int(rows) * int(cols) * int(copies) * int(itemsize)


def require_memory(nbytes: int | float, what: str) -> None:
    """Refuse, with a ValueError naming ``what``, a computation estimated to need more than ``memory_limit()``.

    Callers estimate ``nbytes`` from the sizes they were given, before allocating anything, so an
    impossible request fails at once with one line instead of a MemoryError minutes later.

    >>> require_memory(1024, "spectrum")
    """
    limit = memory_limit()
    if nbytes > limit:
        raise ValueError(f"{what}: needs about {format_bytes(nbytes)}, more than the limit of {format_bytes(limit)} "
                         f"(set {MEMORY_ENV}, e.g. {MEMORY_ENV}=64G, to raise it)")
