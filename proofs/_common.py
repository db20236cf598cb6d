"""Shared helpers of the runnable proofs in proofs/ (not a proof itself: the test runner skips _*.py).

``check(cond, msg)`` prints one line per proof step and exits with status 1 at the first failed
step, so ``python proofs/<name>.py`` fails loudly. ``done(name, scope, general, cites)`` ends a proof
by declaring its scope (the ``SCOPE {json}`` line that ``claims.evidence.run_proofs`` reads).

**Scope is checked, not printed.** The steps that carry a proof's generality run inside
``with argument("s", "d"):``. Each ``check`` in the block records which of those dimension symbols
its statement contains: the free symbols (and the shape symbols of every matrix expression) of the
expressions passed to ``zero``, ``mat_zero``, ``same`` since the previous check, and of ``over=``.
The line reads ``ok    [symbolic in s, d] ...``, or ``ok    [NOT symbolic] ...`` for a step of the
block whose statement contains none of them. ``done(..., general=True)`` exits with status 2
(printing ``SCOPE CHECK FAILED``) unless at least one argument block ran, every step in every block
was symbolic in one of the block's dimensions and every dimension a block names was symbolic in at
least one step. The dimensions are the sizes (s, d, n, block sizes of MatrixSymbols) and the variables
of an induction (t, k, m); the base of an induction is an instance and runs outside the blocks. A dimension no step reads (C1's column width d: a column is one opaque
value) is declared ``opaque`` with the reason, and shows as such in the SCOPE line. Facts a proof
uses without checking them go in ``cites``, printed in the SCOPE line for the verdict to show.

``zero`` and ``mat_zero`` are the exact tests (``simplify(a - b) == 0``) used for steps with
symbolic indices or matrices; ``same`` is structural equality of two expression trees.
"""

from __future__ import annotations

import json
import sys
from contextlib import contextmanager
from pathlib import Path

import sympy as sp

# make the package importable when a proof runs as a plain script from any working directory
ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

_count = 0
_seen: set[str] = set()  # symbol names met by zero / mat_zero / same since the last check
_blocks: list[dict] = []  # one record per argument block: dims, opaque, steps [(msg, dims hit)]
_active: dict | None = None


def _names(obj: object) -> set[str]:
    """Names of the free symbols of ``obj``, including the symbolic sizes of matrix expressions."""
    if isinstance(obj, (list, tuple, set, frozenset)):
        return set().union(*(_names(o) for o in obj)) if obj else set()
    if isinstance(obj, sp.MatrixBase):
        return _names(list(obj))
    if not isinstance(obj, sp.Basic):
        return set()
    out = {str(v) for v in obj.free_symbols if isinstance(v, sp.Symbol)}
    for node in sp.preorder_traversal(obj):
        if isinstance(node, sp.MatrixExpr):
            for size in node.shape:
                if isinstance(size, sp.Basic):
                    out |= {str(v) for v in size.free_symbols}
    return out


def note(*exprs: object) -> None:
    """Record the symbols of the expressions the next step's statement is about (what ``over=`` does)."""
    _seen.update(_names(exprs))


_note = note


@contextmanager
def argument(*dims: str, opaque: dict[str, str] | None = None):
    """The steps that carry the proof's generality: each must be symbolic in one of ``dims``."""
    global _active
    if not dims or not all(isinstance(d, str) and d for d in dims):
        raise ValueError("dims: expected the names of the dimension symbols, e.g. argument('s', 'd')")
    if _active is not None:
        raise ValueError("argument blocks do not nest")
    _seen.clear()
    _active = {"dims": list(dims), "opaque": dict(opaque or {}), "steps": []}
    try:
        yield
    finally:
        _blocks.append(_active)
        _active = None


def check(cond: object, msg: str, over: object = ()) -> None:
    """One proof step: ``cond`` must be exactly True (a SymPy relational or None counts as a failure).

    ``over``: expressions the step's statement is about (for statements not built with ``zero``,
    ``mat_zero`` or ``same``); inside an ``argument`` block their symbols decide whether the step is symbolic.
    """
    global _count
    ok = cond is True or (isinstance(cond, (bool, sp.logic.boolalg.BooleanTrue)) and bool(cond))
    _count += 1
    tag = ""
    if _active is not None:
        hit = sorted((_seen | _names(over)) & set(_active["dims"]))
        _active["steps"].append((msg, hit))
        tag = f"[symbolic in {', '.join(hit)}] " if hit else "[NOT symbolic] "
    _seen.clear()
    print(("ok    " if ok else "FAIL  ") + tag + msg, flush=True)
    if not ok:
        raise SystemExit(1)


def zero(expr: sp.Expr) -> bool:
    """True iff ``expr`` simplifies to exactly 0."""
    _note(expr)
    return sp.simplify(expr) == 0


def mat_zero(M: sp.MatrixBase) -> bool:
    """True iff every entry of the matrix expands to exactly 0."""
    _note(M)
    return all(sp.expand(v) == 0 for v in M)


def same(a: object, b: object) -> bool:
    """Structural equality of two expressions (same tree), noting their symbols for the scope check."""
    _note(a, b)
    return bool(a == b)


def all_selection_tasks(d: int, s: int):
    """Every signed-selection task with d components and history s: (2 d s)^d tasks (C4, C12 checks)."""
    from wavetheory.theory.tasks import all_signed_selections

    return all_signed_selections(d, s)


def scope_problems() -> list[str]:
    """Why the argument blocks run so far do not carry a general scope (empty: they do)."""
    if not any(b["steps"] for b in _blocks):
        return ["no argument block with steps ran: nothing shows the steps are symbolic in the dimensions"]
    out = []
    for b in _blocks:
        for msg, hit in b["steps"]:
            if not hit:
                out.append(f"step not symbolic in any of {', '.join(b['dims'])}: {msg}")
    named = list(dict.fromkeys(dim for b in _blocks for dim in b["dims"]))
    counts = symbolic_steps()
    out += [f"dimension {dim} is named by an argument block but no step is symbolic in it" for dim in named if not counts.get(dim)]
    return out


def symbolic_steps() -> dict[str, int]:
    """Per dimension name: how many argument steps were symbolic in it."""
    out: dict[str, int] = {}
    for b in _blocks:
        for _, hit in b["steps"]:
            for dim in hit:
                out[dim] = out.get(dim, 0) + 1
    return out


def declare_scope(scope: str, general: bool, cites: list[str] | tuple = (), bounded: list[str] | tuple = ()) -> None:
    """Print the ``SCOPE {json}`` line: what the machine-checked steps cover (read by claims.evidence).

    Fields: text, general, sizes (kept for readers of the older line), cites (facts used without a check),
    symbolic_steps (dimension -> number of argument steps symbolic in it), opaque (dimensions no step reads,
    with the reason) and bounded (parts of the claim checked only up to a bound, for a proof otherwise general).
    """
    if not isinstance(scope, str) or not scope:
        raise ValueError("scope: expected a non-empty description of what the checks cover")
    if isinstance(cites, str) or not all(isinstance(c, str) and c for c in cites):
        raise TypeError("cites: expected a list of non-empty strings (the facts used without a check)")
    if isinstance(bounded, str) or not all(isinstance(c, str) and c for c in bounded):
        raise TypeError("bounded: expected a list of non-empty strings")
    if general:
        problems = scope_problems()
        if problems:
            print("SCOPE CHECK FAILED: declared general, but " + "; ".join(problems), flush=True)
            raise SystemExit(2)
    opaque = {k: v for b in _blocks for k, v in b["opaque"].items()}
    line = {"text": scope, "general": bool(general), "sizes": {}, "cites": list(cites),
            "symbolic_steps": symbolic_steps(), "opaque": opaque, "bounded": list(bounded)}
    print("SCOPE " + json.dumps(line), flush=True)


def done(name: str, scope: str, general: bool = False, cites: list[str] | tuple = (), bounded: list[str] | tuple = ()) -> None:
    """Final lines: the declared scope (checked when ``general``: see the module docstring), then the step count."""
    declare_scope(scope, general, cites, bounded)
    print(f"{name}: all {_count} checks passed")
