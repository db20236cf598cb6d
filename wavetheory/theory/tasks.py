"""History-dependent dynamical systems (HDS) and the task library (THEORY.md section 1).

A state x(t) in R^d evolves from its last s states,

    x(t) = f(x(t-1), x(t-2), ..., x(t-s)),                                  (HDS)

and a *linear* HDS has lag operators A_1..A_s (each d x d):

    x(t) = sum_{k=1..s} A_k x(t-k).                                          (linear HDS)

Conventions used everywhere in wavetheory:

* ``past`` arrays are in **lag order**: ``past[..., k-1, :] = x(t-k)`` for k = 1..s;
* ``history`` arrays are in **time order**: ``history[..., i, :] = x(i)`` for i = 0..s-1;
* a linear task stores ``lags`` with shape (s, d, d) and ``lags[k-1] = A_k``.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

import numpy as np

from .._validate import as_float_array, matrix_bytes, positive_int, require_memory, rng as as_rng
from ..io import read_json

__all__ = [
    "HDS",
    "LinearHDS",
    "Binding",
    "repeat_copy",
    "fibonacci",
    "signed_selection",
    "parse_bindings",
    "random_signed_selection",
    "all_signed_selections",
    "from_lags",
    "authors_task",
    "load_task",
    "rollout",
]


# --------------------------------------------------------------------------- the HDS objects


@dataclass(frozen=True)
class HDS:
    """A general history-dependent dynamical system x(t) = f(x(t-1), ..., x(t-s)).

    ``f`` maps a ``past`` array of shape (..., s, d) in lag order to the next state (..., d).
    Serves THEORY.md C1 (any HDS is represented by a traveling wave memory).
    """

    d: int
    s: int
    f: Callable[[np.ndarray], np.ndarray]
    name: str = "hds"

    def __post_init__(self) -> None:
        positive_int(self.d, "d")
        positive_int(self.s, "s")
        if not callable(self.f):
            raise TypeError(f"f: expected a callable past (..., s, d) -> (..., d), got {self.f!r}")

    def boundary(self, H: np.ndarray) -> np.ndarray:
        """Start boundary of the wave memory: f with its arguments in lag order (C1).

        H has shape (..., s, d) with columns oldest first, h_i = x(t-s+i), so the lag-order
        argument of f is the substrate read backwards.
        """
        return self.f(H[..., ::-1, :])


@dataclass(frozen=True)
class LinearHDS:
    """A linear HDS x(t) = sum_k A_k x(t-k) given by its lag operators (THEORY.md section 1).

    ``lags`` has shape (s, d, d) with ``lags[k-1] = A_k``; it is validated (square, finite,
    s >= 1) and stored read-only.

    >>> task = repeat_copy(d=2, s=3)
    >>> task.d, task.s, task.active_lags
    (2, 3, (3,))
    """

    lags: np.ndarray
    name: str = "linear"
    _active: tuple[int, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        lags = self.lags
        if isinstance(lags, np.ndarray) and lags.ndim == 3:
            arr = as_float_array(lags, "lags", ndim=3)
        else:
            arr = _stack_lags(lags)
        s, d1, d2 = arr.shape
        if s < 1:
            raise ValueError("lags: expected at least one lag operator (s >= 1), got none")
        if d1 != d2 or d1 < 1:
            raise ValueError(f"lags: each A_k must be a non-empty square d x d matrix, got {d1} x {d2}")
        arr = arr.copy()
        arr.setflags(write=False)
        object.__setattr__(self, "lags", arr)
        active = tuple(k + 1 for k in range(s) if np.any(arr[k] != 0))
        object.__setattr__(self, "_active", active)

    def __hash__(self) -> int:  # arrays are unhashable; the name and bytes identify the task
        return hash((self.name, self.lags.shape, self.lags.tobytes()))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, LinearHDS):
            return NotImplemented
        return self.lags.shape == other.lags.shape and bool(np.array_equal(self.lags, other.lags))

    @property
    def d(self) -> int:
        return int(self.lags.shape[1])

    @property
    def s(self) -> int:
        return int(self.lags.shape[0])

    @property
    def active_lags(self) -> tuple[int, ...]:
        """The lags k whose A_k is not zero (the boundary only reads these columns)."""
        return self._active

    def A(self, k: int) -> np.ndarray:
        """The lag operator A_k (1 <= k <= s)."""
        if not 1 <= k <= self.s:
            raise ValueError(f"k: expected 1 <= k <= s = {self.s}, got {k}")
        return self.lags[k - 1]

    @property
    def is_integer(self) -> bool:
        """True when every entry of every A_k is an integer (charpolys are then integer)."""
        return bool(np.all(self.lags == np.round(self.lags)))

    def f(self, past: np.ndarray) -> np.ndarray:
        """x(t) = sum_k A_k x(t-k) for ``past`` (..., s, d) in lag order."""
        out = np.zeros(past.shape[:-2] + (self.d,))
        for k in self._active:
            out = out + past[..., k - 1, :] @ self.lags[k - 1].T
        return out

    def boundary(self, H: np.ndarray) -> np.ndarray:
        """Start boundary f(h_1..h_s) = sum_k A_k h_{s+1-k} on the substrate H (..., s, d).

        Only the active lags are read, so the cost is O(|active| d^2) per sample (C1, C3).
        """
        out = np.zeros(H.shape[:-2] + (self.d,))
        for k in self._active:
            out = out + H[..., self.s - k, :] @ self.lags[k - 1].T
        return out

    def to_json(self) -> dict:
        """The task as ``{"lags": [A_1, ..., A_s]}`` (the format ``load_task`` reads)."""
        return {"name": self.name, "lags": self.lags.tolist()}


def _stack_lags(lags: object) -> np.ndarray:
    if isinstance(lags, (str, bytes)) or not isinstance(lags, (Sequence, np.ndarray)):
        raise TypeError(f"lags: expected a list of d x d matrices [A_1, ..., A_s], got {type(lags).__name__}")
    if len(lags) == 0:
        raise ValueError("lags: expected at least one lag operator (s >= 1), got an empty list")
    mats = [as_float_array(a, f"lags[{k}] (A_{k + 1})", ndim=2) for k, a in enumerate(lags)]
    shapes = {m.shape for m in mats}
    if len(shapes) != 1:
        raise ValueError(f"lags: all A_k must have the same shape, got {sorted(shapes)}")
    return np.stack(mats)


# --------------------------------------------------------------------------- task library


def repeat_copy(d: int, s: int) -> LinearHDS:
    """Repeat copy x(t) = x(t-s): A_s = I, all other lags zero (C4: spectrum = s-th roots of unity).

    >>> repeat_copy(1, 2).lags[:, 0, 0].tolist()
    [0.0, 1.0]
    """
    d, s = positive_int(d, "d"), positive_int(s, "s")
    lags = np.zeros((s, d, d))
    lags[s - 1] = np.eye(d)
    return LinearHDS(lags, name="repeat-copy")


def fibonacci(d: int, s: int) -> LinearHDS:
    """Generalized Fibonacci x(t) = sum_{k=1..s} x(t-k): A_1 = ... = A_s = I (C2)."""
    d, s = positive_int(d, "d"), positive_int(s, "s")
    return LinearHDS(np.broadcast_to(np.eye(d), (s, d, d)).copy(), name="fibonacci")


@dataclass(frozen=True)
class Binding:
    """One output component of a variable-binding task: x_j(t) = sign * x_c(t - lag)."""

    component: int
    lag: int
    sign: int = 1

    def __post_init__(self) -> None:
        positive_int(self.component, "component", minimum=0)
        positive_int(self.lag, "lag")
        if isinstance(self.sign, bool) or self.sign not in (1, -1):
            raise ValueError(f"sign: expected +1 or -1, got {self.sign!r}")

    def __str__(self) -> str:
        return f"{'+' if self.sign > 0 else '-'}x{self.component}(t-{self.lag})"


_TERM = re.compile(r"^\s*([+-]?)\s*x\s*(\d+)\s*\(\s*t\s*-\s*(\d+)\s*\)\s*$")


def parse_bindings(spec: str) -> list[Binding]:
    """Parse a readable binding spec, one comma-separated term per output component.

    Term j reads ``[+|-]x<c>(t-<l>)`` and means x_j(t) = sign * x_c(t - l).

    >>> [str(b) for b in parse_bindings("-x1(t-2), x0(t-1)")]
    ['-x1(t-2)', '+x0(t-1)']
    """
    if not isinstance(spec, str):
        raise TypeError(f"spec: expected a string like '-x1(t-2), x0(t-1)', got {type(spec).__name__}")
    out = []
    for j, term in enumerate(spec.split(",")):
        m = _TERM.match(term)
        if m is None:
            raise ValueError(f"spec: term {j} {term.strip()!r} is not of the form [+|-]x<c>(t-<l>)")
        sign, c, lag = m.groups()
        out.append(Binding(int(c), int(lag), -1 if sign == "-" else 1))
    return out


def signed_selection(bindings: Iterable[Binding] | str, s: int | None = None) -> LinearHDS:
    """Variable-binding task: output component j copies sign_j * x_{c_j}(t - l_j).

    Each A_k is a signed partial selection matrix: (A_{l_j})[j, c_j] = sign_j. ``s`` defaults to
    the largest lag; d is the number of bindings.

    >>> signed_selection("-x1(t-2), x0(t-1)").lags.astype(int).tolist()
    [[[0, 0], [1, 0]], [[0, -1], [0, 0]]]
    """
    bs = parse_bindings(bindings) if isinstance(bindings, str) else list(bindings)
    if not bs:
        raise ValueError("bindings: expected at least one binding")
    for b in bs:
        if not isinstance(b, Binding):
            raise TypeError(f"bindings: expected Binding objects, got {type(b).__name__}")
    d = len(bs)
    max_lag = max(b.lag for b in bs)
    s = max_lag if s is None else positive_int(s, "s")
    if max_lag > s:
        raise ValueError(f"s: a binding uses lag {max_lag} > s = {s}")
    require_memory(matrix_bytes(s * d, d), f"bindings: lags up to {s} of d = {d} components")
    lags = np.zeros((s, d, d))
    for j, b in enumerate(bs):
        if b.component >= d:
            raise ValueError(f"bindings: component {b.component} of term {j} is out of range for d = {d}")
        lags[b.lag - 1, j, b.component] = b.sign
    return LinearHDS(lags, name="signed-selection:" + ",".join(str(b) for b in bs))


def random_signed_selection(d: int, s: int, seed: int = 0) -> LinearHDS:
    """A random variable-binding task with d components and history s (some lag equals s).

    Components, lags in 1..s and signs are drawn uniformly; one component is forced to use
    lag s so that the task needs its whole history.
    """
    d, s = positive_int(d, "d"), positive_int(s, "s")
    rng = as_rng(seed, "seed")
    comps = rng.integers(0, d, size=d)
    lag = rng.integers(1, s + 1, size=d)
    lag[rng.integers(0, d)] = s
    signs = rng.choice([-1, 1], size=d)
    return signed_selection([Binding(int(c), int(l), int(g)) for c, l, g in zip(comps, lag, signs)], s=s)


def all_signed_selections(d: int, s: int) -> Iterator[LinearHDS]:
    """Every signed-selection task with d components and history s, one per binding tuple: (2 d s)^d tasks.

    The exhaustive sets behind the bounded checks of C4, C12, C15 and C16.

    >>> sum(1 for _ in all_signed_selections(1, 2))  # x0(t) = +-x0(t-1) or +-x0(t-2)
    4
    """
    d, s = positive_int(d, "d"), positive_int(s, "s")
    choices = [Binding(c, lag, sign) for c in range(d) for lag in range(1, s + 1) for sign in (1, -1)]
    for bs in itertools.product(choices, repeat=d):
        yield signed_selection(list(bs), s=s)


def from_lags(lags: object, name: str = "lags") -> LinearHDS:
    """A linear task from nested lists [A_1, ..., A_s] (validated)."""
    return LinearHDS(lags, name=name)


def authors_task(id1: int, id2: int, id3: int, d: int, s: int) -> LinearHDS:
    """The authors' linear variable-binding task (ID1, ID2, ID3) of width d and history s (see ``task_ids``).

    x_j(t) = sign_j x_c(t - k) with A_k[j, c] = F[(s - k) d + c, j], F their (s d) x d operator.

    >>> authors_task(255, 0, 0, 8, 10) == repeat_copy(8, 10)
    True
    """
    from .task_ids import decode

    return LinearHDS(decode(id1, id2, id3, d, s), name=f"authors:{id1},{id2},{id3}")


def load_task(path: str | Path) -> LinearHDS:
    """Read a task from JSON: ``{"lags": [A_1, ..., A_s]}`` or ``{"bindings": "-x1(t-2), ..."}``.

    The bindings form may also be a list of ``{"component", "lag", "sign"}`` objects and may give
    ``"s"``; ``{"authors_task": [ID1, ID2, ID3], "d": D, "s": S}`` is the authors' task ID
    (``authors_task``). Errors name the file and what was expected.
    """
    path = Path(path)
    obj = read_json(path)  # bounded in size and depth: one ValueError naming the file
    if not isinstance(obj, dict) or not ({"lags", "bindings", "authors_task"} & obj.keys()):
        raise ValueError(f'{path}: expected an object with "lags": [A_1, ..., A_s], "bindings" or "authors_task"')
    try:
        if "authors_task" in obj:
            ids = obj["authors_task"]
            if not isinstance(ids, list) or len(ids) != 3 or "d" not in obj or "s" not in obj:
                raise ValueError('expected "authors_task": [ID1, ID2, ID3] with "d" and "s"')
            return authors_task(*ids, obj["d"], obj["s"])
        if "lags" in obj:
            return LinearHDS(obj["lags"], name=str(obj.get("name", path.stem)))
        b = obj["bindings"]
        if isinstance(b, list):
            b = [Binding(x["component"], x["lag"], x.get("sign", 1)) for x in b]  # validated there: no coercion
        return signed_selection(b, s=obj.get("s"))
    except (ValueError, TypeError, KeyError) as exc:
        raise ValueError(f"{path}: {exc}") from None


# --------------------------------------------------------------------------- trajectories


def rollout(task: HDS | LinearHDS, history: np.ndarray, steps: int) -> np.ndarray:
    """Direct HDS recursion: x(s), ..., x(s+steps-1) from ``history`` = x(0..s-1).

    This is the reference road of C1 (no wave memory involved): a sliding window in lag order.

    Shapes: history (..., s, d) -> trajectory (..., steps, d).
    """
    steps = positive_int(steps, "steps", minimum=0)
    history = as_float_array(history, "history")
    if history.ndim < 2 or history.shape[-2:] != (task.s, task.d):
        raise ValueError(f"history: expected shape (..., s={task.s}, d={task.d}), got {history.shape}")
    xs = list(np.moveaxis(history, -2, 0))  # time order
    out = []
    for _ in range(steps):
        past = np.stack(xs[::-1][: task.s], axis=-2)  # lag order: x(t-1), ..., x(t-s)
        x = np.asarray(task.f(past), dtype=np.float64)
        xs.append(x)
        out.append(x)
    if not out:
        return np.zeros(history.shape[:-2] + (0, task.d))
    return np.stack(out, axis=-2)
