"""The two-phase task (THEORY.md section 1): s input steps that write the history, then a free run.

An *input phase* of s steps presents x(0..s-1) (random +-1 vectors) as inputs; an *output phase*
of ``horizon`` steps with zero input in which a network must emit the continuation x(s), x(s+1), ...
"""

from __future__ import annotations

import numpy as np

from .._validate import positive_int, rng as as_rng
from .tasks import HDS, LinearHDS, repeat_copy  # noqa: F401  (repeat_copy: doctest
from .wave_memory import simulate

__all__ = ["two_phase_batch"]


def two_phase_batch(
    task: LinearHDS | HDS, batch: int, horizon: int, rng: np.random.Generator | int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """A batch of the two-phase task: s random +-1 inputs, then ``horizon`` zero inputs.

    Returns ``(inputs, targets)`` with shapes (B, s + horizon, d) and (B, horizon, d): the
    network reads x(0..s-1) during the input phase and must emit x(s), ..., x(s+horizon-1) at
    the output-phase steps. Vectorized over the batch through the wave memory (cost O(horizon)
    boundary evaluations, each batched).

    >>> u, y = two_phase_batch(repeat_copy(2, 3), batch=4, horizon=5, rng=0)
    >>> u.shape, y.shape, bool(np.all(u[:, 3:] == 0)), bool(np.all(y[:, :3] == u[:, :3]))
    ((4, 8, 2), (4, 5, 2), True, True)
    """
    batch = positive_int(batch, "batch")
    horizon = positive_int(horizon, "horizon", minimum=0)
    rng = as_rng(rng, "rng")
    history = rng.choice(np.array([-1.0, 1.0]), size=(batch, task.s, task.d))
    targets = simulate(task.boundary, history, horizon)
    inputs = np.concatenate([history, np.zeros((batch, horizon, task.d))], axis=1)
    return inputs, targets
