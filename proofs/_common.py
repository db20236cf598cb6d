"""Shared helpers of the runnable proofs in proofs/ (not a proof itself: the test runner skips _*.py).

``check(cond, msg)`` prints one line per proof step and exits with status 1 at the first failed
step, so ``python proofs/<name>.py`` fails loudly. ``done(name, scope, general)`` ends a proof by
declaring its scope (the ``SCOPE {json}`` line that ``claims.evidence.run_proofs`` reads): ``general``
only when every machine-checked step holds for all sizes (symbolic in s and d, or an induction whose
base and step are both checked symbolically); otherwise ``scope`` names the bound (``s <= 4, d <= 2``)
and the claim is at most ``verified`` with that scope. ``zero`` and ``mat_zero`` are the exact tests
(``simplify(a - b) == 0``) used for steps with symbolic indices or matrices.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import sympy as sp

# make the package importable when a proof runs as a plain script from any working directory
ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

_count = 0


def check(cond: object, msg: str) -> None:
    """One proof step: ``cond`` must be exactly True (a SymPy relational or None counts as a failure)."""
    global _count
    ok = cond is True or (isinstance(cond, (bool, sp.logic.boolalg.BooleanTrue)) and bool(cond))
    _count += 1
    print(("ok    " if ok else "FAIL  ") + msg, flush=True)
    if not ok:
        raise SystemExit(1)


def zero(expr: sp.Expr) -> bool:
    """True iff ``expr`` simplifies to exactly 0."""
    return sp.simplify(expr) == 0


def mat_zero(M: sp.MatrixBase) -> bool:
    """True iff every entry of the matrix expands to exactly 0."""
    return all(sp.expand(v) == 0 for v in M)


def all_selection_tasks(d: int, s: int):
    """Every signed-selection task with d components and history s: (2 d s)^d tasks (C4, C12 checks)."""
    from wavetheory.theory.tasks import all_signed_selections

    return all_signed_selections(d, s)


def declare_scope(scope: str, general: bool) -> None:
    """Print the ``SCOPE {json}`` line: what the machine-checked steps cover (read by claims.evidence)."""
    if not isinstance(scope, str) or not scope:
        raise ValueError("scope: expected a non-empty description of what the checks cover")
    print("SCOPE " + json.dumps({"text": scope, "general": bool(general)}), flush=True)


def done(name: str, scope: str, general: bool = False) -> None:
    """Final lines: the declared scope, then how many steps were checked."""
    declare_scope(scope, general)
    print(f"{name}: all {_count} checks passed")
