"""The named task library (``make_task``, ``TASKS``) and random dense tasks (THEORY.md section 1).

``random_linear`` scales its lags so that the wave operator Phi has a chosen spectral radius, so
this module sits above ``wave_operator``; the task objects themselves live in ``tasks``.
"""

from __future__ import annotations

import numpy as np

from .._validate import matrix_bytes, positive_float, positive_int, require_memory, rng as as_rng
from .tasks import LinearHDS, fibonacci, random_signed_selection, repeat_copy
from .wave_operator import spectral_radius

__all__ = ["TASKS", "make_task", "random_linear"]
def random_linear(d: int, s: int, seed: int = 0, radius: float = 0.9) -> LinearHDS:
    """A random dense linear task whose wave operator Phi has spectral radius exactly ``radius``.

    Uses the scaling identity: replacing A_k by c^k A_k scales every eigenvalue of Phi by c,
    because det(lam^s I - sum lam^(s-k) c^k A_k) = c^(sd) det((lam/c)^s I - sum (lam/c)^(s-k) A_k).
    ``radius < 1`` gives a stable task, ``radius > 1`` an unstable one.
    """
    d, s = positive_int(d, "d"), positive_int(s, "s")
    radius = positive_float(radius, "radius")
    rng = as_rng(seed, "seed")
    lags = rng.standard_normal((s, d, d)) / np.sqrt(d * s)
    rho = spectral_radius(LinearHDS(lags))
    if rho == 0:  # measure-zero event; a nilpotent draw cannot be rescaled
        raise ValueError("random_linear: drew a nilpotent task, use another seed")
    c = radius / rho
    lags = lags * (c ** np.arange(1, s + 1))[:, None, None]
    kind = "stable" if radius < 1 else "unstable"
    return LinearHDS(lags, name=f"random-{kind}")


TASKS: dict[str, str] = {
    "repeat-copy": "x(t) = x(t-s)  (A_s = I)",
    "fibonacci": "x(t) = x(t-1) + ... + x(t-s)  (all A_k = I)",
    "signed-selection": "x_j(t) = sign_j x_{c_j}(t-l_j), random bindings drawn from --seed",
    "random-stable": "dense random lags, spectral radius of Phi = 0.9 (seeded)",
    "random-unstable": "dense random lags, spectral radius of Phi = 1.1 (seeded)",
}


def make_task(name: str, d: int, s: int, seed: int = 0) -> LinearHDS:
    """Build a task of the library by name (see ``TASKS``).

    >>> make_task("fibonacci", 1, 3).lags.ravel().tolist()
    [1.0, 1.0, 1.0]
    """
    if name not in TASKS:
        raise ValueError(f"task: unknown task {name!r}; expected one of {', '.join(TASKS)}")
    d, s = positive_int(d, "d"), positive_int(s, "s")
    # the lags (s d x d), and for the random tasks the eigenvalues of the sd x sd Phi that scale them
    need = matrix_bytes(s * d, d) + (matrix_bytes(s * d, s * d, copies=3) if name.startswith("random-") else 0)
    require_memory(need, f"task {name} (d = {d}, s = {s})")
    if name == "repeat-copy":
        return repeat_copy(d, s)
    if name == "fibonacci":
        return fibonacci(d, s)
    if name == "signed-selection":
        return random_signed_selection(d, s, seed)
    if name == "random-stable":
        return random_linear(d, s, seed, radius=0.9)
    if name == "random-unstable":
        return random_linear(d, s, seed, radius=1.1)
    raise ValueError(f"task: unknown task {name!r}; expected one of {', '.join(TASKS)}")
