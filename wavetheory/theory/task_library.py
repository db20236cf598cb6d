"""The task registry: every named task family, listed once (``FAMILIES``), and random dense tasks (THEORY.md section 1).

A family is a name, a one-line description, a ``build(d, s, seed)`` and whether the seed matters.
The list is explicit (no registration by import): a new task family is one entry here, and
``tests/theory/test_task_library.py`` runs one contract test over every entry. The linear families
(those with a wave operator Phi) form ``TASKS``, what ``make_task``, the CLI's ``--task`` and the
sweep configs accept; the nonlinear ones (``nonlinear_tasks``, C14) are built with ``family(name)``.

``random_linear`` scales its lags so that the wave operator Phi has a chosen spectral radius, so
this module sits above ``wave_operator``; the task objects themselves live in ``tasks``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from .._validate import matrix_bytes, positive_float, positive_int, require_memory, rng as as_rng
from .nonlinear_tasks import nonlinear_copy
from .tasks import HDS, LinearHDS, fibonacci, random_signed_selection, repeat_copy
from .wave_operator import spectral_radius

__all__ = ["TaskFamily", "FAMILIES", "family", "TASKS", "NONLINEAR_TASKS", "SEEDED_TASKS", "make_task", "random_linear"]


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


@dataclass(frozen=True)
class TaskFamily:
    """One named task family: ``build(d, s, seed)`` gives its member of size (d, s) (THEORY.md section 1).

    ``seeded``: the task depends on the seed (random bindings or lags); otherwise the seed is ignored.
    ``linear``: build returns a LinearHDS (a wave operator Phi exists); otherwise a general HDS (C14).
    ``spectrum_bytes``: the family draws lags scaled by the eigenvalues of the sd x sd Phi (memory check).
    """

    name: str
    describe: str
    build: Callable[[int, int, int], LinearHDS | HDS]
    seeded: bool
    linear: bool = True
    spectrum_bytes: bool = False


FAMILIES: tuple[TaskFamily, ...] = (
    TaskFamily("repeat-copy", "x(t) = x(t-s)  (A_s = I)", lambda d, s, seed: repeat_copy(d, s), seeded=False),
    TaskFamily("fibonacci", "x(t) = x(t-1) + ... + x(t-s)  (all A_k = I)", lambda d, s, seed: fibonacci(d, s),
               seeded=False),
    TaskFamily("signed-selection", "x_j(t) = sign_j x_{c_j}(t-l_j), random bindings drawn from --seed",
               random_signed_selection, seeded=True),
    TaskFamily("random-stable", "dense random lags, spectral radius of Phi = 0.9 (seeded)",
               lambda d, s, seed: random_linear(d, s, seed, radius=0.9), seeded=True, spectrum_bytes=True),
    TaskFamily("random-unstable", "dense random lags, spectral radius of Phi = 1.1 (seeded)",
               lambda d, s, seed: random_linear(d, s, seed, radius=1.1), seeded=True, spectrum_bytes=True),
    TaskFamily("product-copy", "x_j(t) = x_j(t-s) x_{j+1}(t-1)  (XOR of two +-1 bits; nonlinear, C14)",
               lambda d, s, seed: nonlinear_copy(d, s, 1, "product"), seeded=False, linear=False),
    TaskFamily("triple-copy", "x_j(t) = x_j(t-s) x_{j+1}(t-1) x_{j+2}(t-1)  (parity of three bits; nonlinear, C14)",
               lambda d, s, seed: nonlinear_copy(d, s, 1, "triple"), seeded=False, linear=False),
    TaskFamily("majority-copy", "x_j(t) = sign(x_j(t-s) + x_{j+1}(t-1) + x_{j+2}(t-1))  (nonlinear, C14)",
               lambda d, s, seed: nonlinear_copy(d, s, 1, "majority"), seeded=False, linear=False),
)

TASKS: dict[str, str] = {f.name: f.describe for f in FAMILIES if f.linear}  # the linear library (has a Phi)
NONLINEAR_TASKS: dict[str, str] = {f.name: f.describe for f in FAMILIES if not f.linear}
SEEDED_TASKS: tuple[str, ...] = tuple(f.name for f in FAMILIES if f.seeded)  # build uses the seed


def family(name: str) -> TaskFamily:
    """The registered family called ``name`` (ValueError naming ``task`` when there is none)."""
    for fam in FAMILIES:
        if fam.name == name:
            return fam
    raise ValueError(f"task: unknown task {name!r}; expected one of {', '.join(f.name for f in FAMILIES)}")


def make_task(name: str, d: int, s: int, seed: int = 0) -> LinearHDS:
    """Build a linear task of the library by name (see ``TASKS``); nonlinear families: ``family(name).build``.

    >>> make_task("fibonacci", 1, 3).lags.ravel().tolist()
    [1.0, 1.0, 1.0]
    """
    if name not in TASKS:
        raise ValueError(f"task: unknown task {name!r}; expected one of {', '.join(TASKS)}")
    fam = family(name)
    d, s = positive_int(d, "d"), positive_int(s, "s")
    # the lags (s d x d), and for the random tasks the eigenvalues of the sd x sd Phi that scale them
    need = matrix_bytes(s * d, d) + (matrix_bytes(s * d, s * d, copies=3) if fam.spectrum_bytes else 0)
    require_memory(need, f"task {name} (d = {d}, s = {s})")
    return fam.build(d, s, seed)
