"""The traveling wave memory (TWM), THEORY.md section 2 (claims C1, C2).

A substrate of s columns by d rows, H(t) = [h_1(t) .. h_s(t)]. Each row carries a one-way wave
that moves one column per step toward the open end (column 1); the start boundary (column s)
is written by a function of the whole substrate:

    h_i(t+1) = h_{i+1}(t)              1 <= i < s                         (transport)
    h_s(t+1) = f(h_1(t), ..., h_s(t))                                     (start boundary)

and, during an input phase, h_s(t+1) = u(t).  Column s holds the newest state,
h_i(t) = x(t - s + i).

Implementation: a *mirrored ring buffer* of 2s columns in which column j and column j + s always
hold the same vector. Any s consecutive columns starting at ``start`` (0 <= start < s) are then
the substrate in order, available as a zero-copy view; a step writes the new column twice and
advances ``start``. A step therefore costs O(d) per sample plus the boundary, never O((sd)^2):
no dense Phi in the hot path.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from .._validate import as_batch, as_float_array, positive_int

__all__ = ["WaveMemory", "simulate", "run_two_phase"]

Boundary = Callable[[np.ndarray], np.ndarray]


class WaveMemory:
    """A batched traveling wave memory with start boundary ``boundary``.

    ``boundary`` maps the substrate H of shape (B, s, d) (columns oldest first, a read-only view)
    to the new column (B, d). ``step()`` applies transport + boundary; ``write(u)`` applies
    transport + input (the input phase).

    >>> from wavetheory.theory.tasks import repeat_copy
    >>> wm = WaveMemory(repeat_copy(1, 3).boundary, d=1, s=3, batch=1)
    >>> for x in (1.0, 2.0, 3.0): _ = wm.write(np.array([[x]]))
    >>> [float(wm.step()[0, 0]) for _ in range(4)]
    [1.0, 2.0, 3.0, 1.0]
    """

    def __init__(self, boundary: Boundary, d: int, s: int, batch: int = 1) -> None:
        if not callable(boundary):
            raise TypeError(f"boundary: expected a callable H (B, s, d) -> (B, d), got {boundary!r}")
        self.boundary = boundary
        self.d, self.s, self.batch = positive_int(d, "d"), positive_int(s, "s"), positive_int(batch, "batch")
        self._buf = np.zeros((self.batch, 2 * self.s, self.d))  # (B, 2s, d), buf[:, j] == buf[:, j+s]
        self._start = 0

    @property
    def substrate(self) -> np.ndarray:
        """The substrate H(t), shape (B, s, d), columns h_1 (oldest) .. h_s (newest); a read-only view."""
        view = self._buf[:, self._start : self._start + self.s]
        view.flags.writeable = False
        return view

    def load(self, history: np.ndarray) -> None:
        """Set the substrate to a history x(0..s-1) of shape (B, s, d) (time order = column order)."""
        history = as_float_array(history, "history", ndim=3)
        if history.shape != (self.batch, self.s, self.d):
            raise ValueError(f"history: expected shape {(self.batch, self.s, self.d)}, got {history.shape}")
        self._buf[:, : self.s] = history
        self._buf[:, self.s :] = history
        self._start = 0

    def _push(self, column: np.ndarray) -> np.ndarray:
        # the oldest column (h_1) sits at index start and start + s: overwrite both, then advance
        self._buf[:, self._start] = column
        self._buf[:, self._start + self.s] = column
        self._start = (self._start + 1) % self.s
        return column

    def step(self) -> np.ndarray:
        """Transport one column and write f(H) at the start boundary; returns the new column (B, d)."""
        new = np.asarray(self.boundary(self.substrate), dtype=np.float64)
        if new.shape != (self.batch, self.d):
            raise ValueError(f"boundary: returned shape {new.shape}, expected {(self.batch, self.d)}")
        return self._push(new)

    def write(self, u: np.ndarray) -> np.ndarray:
        """Input phase: transport one column and write the input u (B, d) at the start boundary."""
        u = np.asarray(u, dtype=np.float64)
        if u.shape != (self.batch, self.d):
            raise ValueError(f"u: expected shape {(self.batch, self.d)}, got {u.shape}")
        return self._push(u)


def simulate(boundary: Boundary, history: np.ndarray, steps: int) -> np.ndarray:
    """Run the wave memory from the history x(0..s-1); return column s at each later step.

    Theorem 3.1 (C1): with f as the start boundary this equals the HDS trajectory
    x(s), ..., x(s+steps-1).

    Shapes: history (s, d) or (B, s, d) -> trajectory (steps, d) or (B, steps, d).
    """
    steps = positive_int(steps, "steps", minimum=0)
    history, single = as_batch(history, "history", "(s, d)")
    B, s, d = history.shape
    # a task's (or an SBC's) bound boundary knows its sizes: check them instead of guessing from the history
    owner = getattr(boundary, "__self__", None)
    for name, have, want in (("s", s, getattr(owner, "s", None)), ("d", d, getattr(owner, "d", None))):
        if isinstance(want, (int, np.integer)) and not isinstance(want, bool) and have != want:
            unit = "rows" if name == "s" else "components"
            raise ValueError(f"history: expected {name} = {want} {unit} (the task's {name}), got {have}")
    wm = WaveMemory(boundary, d=d, s=s, batch=B)
    wm.load(history)
    out = np.empty((B, steps, d))
    for t in range(steps):
        out[:, t] = wm.step()
    return out[0] if single else out


def run_two_phase(boundary: Boundary, inputs: np.ndarray, s: int) -> np.ndarray:
    """Run the two-phase protocol: write the first s inputs at the boundary, then run freely.

    Shapes: inputs (B, s + horizon, d) (the output-phase inputs are ignored) -> (B, horizon, d),
    the newest column at each output-phase step.
    """
    inputs = as_float_array(inputs, "inputs", ndim=3)
    B, T, d = inputs.shape
    if T < s:
        raise ValueError(f"inputs: expected at least s = {s} time steps, got {T}")
    wm = WaveMemory(boundary, d=d, s=s, batch=B)
    for t in range(s):
        wm.write(inputs[:, t])
    out = np.empty((B, T - s, d))
    for t in range(T - s):
        out[:, t] = wm.step()
    return out
