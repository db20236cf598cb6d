"""The claims, listed once, and the register of their declared checks (``declared.json``, with the commit that set each).

``CLAIMS`` is the one explicit list of ``Claim`` objects (a new claim: one module and one line here).
``plan_checks(plan)`` gives every declared check of a plan without running anything (``wavetheory reproduce
--plan --json``). ``declared.json`` registers each check's kind, relation and threshold with the commit that set
them; ``python -m wavetheory.claims.registry --commit HASH`` adds new checks and refuses to change a registered one
unless ``revisions.REVISIONS`` discloses the change (tests/claims/test_registry.py compares the plan with the register).
"""

from __future__ import annotations

import json
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..jsonable import to_jsonable
from .claim import Claim, Plan
from .evidence import ClaimResult, Declared

__all__ = ["CLAIMS", "claim", "plan_checks", "plan_json", "annotate", "REGISTER", "register", "declared_in", "registered"]

REGISTER = Path(__file__).with_name("declared.json")


def _claims() -> tuple[Claim, ...]:
    from . import (diagonal_cells, gated_study, gradient_propagation, learning_speed, linear_boundary, lti_realizability,
                   minimal_memory, representation, substrate_flow, trained_checks)

    return (
        representation.C1, representation.C2, linear_boundary.C3, linear_boundary.C4, gradient_propagation.C5,
        representation.C6, trained_checks.C7, trained_checks.C8, substrate_flow.C9, substrate_flow.C10,
        linear_boundary.C11, lti_realizability.C12, learning_speed.C13, gated_study.C14, diagonal_cells.C15,
        minimal_memory.C16,
    )


def __getattr__(name: str) -> Any:  # CLAIMS is built on first use (the claim modules import this one's siblings)
    if name == "CLAIMS":
        return _claims()
    raise AttributeError(name)


def claim(cid: str) -> Claim:
    """The claim with ID ``cid`` (ValueError naming the known IDs otherwise)."""
    for c in _claims():
        if c.id == cid:
            return c
    raise ValueError(f"claims: unknown claim {cid!r}; expected one of {', '.join(c.id for c in _claims())}")


def plan_checks(plan: Plan, ids: list[str] | None = None) -> list[Declared]:
    """Every declared check of the claims ``ids`` (all by default) for this plan; nothing runs."""
    return [d for c in _claims() if ids is None or c.id in ids for d in c.checks(plan)]


def _key(d: Declared) -> str:
    return f"{d.claim}: {d.name}"


def _entry(d: Declared) -> dict[str, Any]:
    return {"claim": d.claim, "row": d.row, "kind": d.kind, "relation": d.relation, "threshold": to_jsonable(d.threshold),
            "controls": list(d.controls), "replaces": d.replaces, "universal": d.universal}


@lru_cache(maxsize=1)
def registered() -> dict[str, Any]:
    """The register: "CLAIM: check name" -> {kind, relation, threshold, ..., declared_in}."""
    if not REGISTER.is_file():
        return {}
    return json.loads(REGISTER.read_text())["checks"]


def declared_in(d: Declared) -> str:
    """The commit that registered this check as declared, or "unregistered" (new, or changed without a revision)."""
    entry = registered().get(_key(d))
    if entry is None or {k: v for k, v in entry.items() if k != "declared_in"} != _entry(d):
        return "unregistered"
    return entry["declared_in"]


def annotate(result: ClaimResult) -> ClaimResult:
    """The result with every check's registration (``declared_in``) and disclosed revisions, rows marked revised."""
    from .revisions import revisions_of

    rows = []
    for row in result.rows:
        checks = tuple(replace(c, revisions=tuple(revisions_of(c.name, c.claim, c.road, c.row)), declared_in=declared_in(c.declared))
                       for c in row.checks)
        rows.append(replace(row, checks=checks, revised=any(c.revisions for c in checks)))
    return replace(result, rows=rows)


def plan_json(plan: Plan, ids: list[str] | None = None) -> dict[str, Any]:
    """``reproduce --plan --json``: {"plan": {...}, "checks": [every declared check, with its registration]}."""
    checks = []
    for d in plan_checks(plan, ids):
        checks.append({**d.to_json(), "declared_in": declared_in(d)})
    return {"plan": {"quick": plan.quick, "seed": plan.seed, "seeds": list(plan.seeds)}, "checks": checks}


def register(commit: str, plans: tuple[Plan, ...] = (Plan(quick=True), Plan(quick=False))) -> dict[str, int]:
    """Add every declared check of ``plans`` not yet registered, with ``commit``; refuse undisclosed changes."""
    from .revisions import REVISIONS

    old = dict(registered())
    new, changed = {}, []
    for plan in plans:
        for d in plan_checks(plan):
            e, key = _entry(d), _key(d)
            prev = old.get(key)
            if prev is None:
                new[key] = {**e, "declared_in": commit}
            elif {k: v for k, v in prev.items() if k != "declared_in"} != e:
                if not any(d.name in r.applies for r in REVISIONS):  # a change is disclosed by name, not by a blanket
                    changed.append(key)
                new[key] = {**e, "declared_in": commit}
            else:
                new[key] = prev
    if changed:
        raise ValueError(f"register: declared checks changed without a disclosed revision: {changed}")
    REGISTER.write_text(json.dumps({"checks": dict(sorted(new.items()))}, indent=1) + "\n")
    registered.cache_clear()
    return {"checks": len(new), "added": sum(n not in old for n in new)}


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser(description="register the declared checks (wavetheory/claims/declared.json)")
    ap.add_argument("--commit", required=True)
    print(register(ap.parse_args().commit))
