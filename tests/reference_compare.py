"""Compare a fresh ``claims.json`` with the committed reference run, on this machine or any other (issue 25).

What must agree depends on where the run was made (``wavetheory.learning.platform_id``):

* **the reference's machine** (its ``meta["fingerprint"]`` equals this machine's): everything, trained
  numbers included, to ``RTOL``: training is bit-identical for a seed on one machine;
* **any other machine** (another CPU model, torch, numpy or Python, or a reference without a
  fingerprint): trained networks are other networks (two AVX512 CPUs disagreed in 321 trained numbers,
  issue 25), so

  - the theory side (roads ``symbolic`` and ``numeric``) still agrees exactly: numbers to ``RTOL``, PASS/FAIL;
  - every trained check keeps what was *declared* for it: name, kind, road, threshold, relation, quantity,
    justification, controls (their names), what it replaces, its scope (task, sizes, seeds) and its number
    of seeds;
  - a trained check's PASS/FAIL must agree where it is *robust*: every reference seed gave a number, and the
    threshold lies outside the band ``[min - K s, max + K s]`` of the reference seeds (``s`` their spread,
    ``K = ROBUST_SPREADS``), so that another machine, which draws other networks from the same seeds'
    distribution, would have to move every seed by K spreads beyond the reference's extremes to flip it;
  - a claim's (and a row's) status must agree when every check that can decide it (stated, control,
    refined) is theory-side or robust; otherwise it must be the reference's or a status trained evidence
    can give (not "open": its checks ran).

Timings are never compared. ``compare(data, ref)`` returns the differences as lines (empty: agreement).
"""

from __future__ import annotations

import math
import statistics
from typing import Any, Iterator

from wavetheory.learning.platform_id import same_numerics

__all__ = ["RTOL", "ROBUST_SPREADS", "differences", "robust", "compare"]

# float64 results of the same code: identical on one platform; 1e-9 relative absorbs BLAS reordering
RTOL = 1e-9
# Width of the band, in spreads of the reference seeds, that a trained check's threshold must lie outside for
# its PASS/FAIL to be required on another machine. For 5 normal draws the range is ~2.3 sigma, so 4 ranges
# past the extreme seed is ~10 sigma from the mean; the margin is wide because cross-machine runs are heavier-
# tailed than seeds on one machine (issue 25: C7's null-model match 0.637 -> 0.861, 2.1 reference spreads).
ROBUST_SPREADS = 4.0
# When the reference seeds agree exactly (saturated accuracies), 1% of the number's scale stands in for their
# spread, so that a check sitting right at its threshold (accuracy 1.0 vs 0.99) is never called robust.
MIN_RELATIVE_SPREAD = 0.01
DECIDING = ("stated", "control", "refined")  # kinds that can change a status (limits never do)
TRAINED_STATUSES = ("proved", "verified", "reproduced", "refined", "refuted")  # any but "open": checks ran
# what a check declares before it runs (schema 3 adds claim, row, justification, universal), and its measured scope
DECLARED = ("kind", "road", "scope", "replaces", "relation", "quantity", "claim", "row", "justification", "universal")
# what a run measures (a trained check's controls carry paired differences, its revisions the value seen)
NUMBERS = ("numbers", "value", "values", "per_seed", "interval", "threshold", "controls", "k_of_n", "revisions")


def _timing(key: str) -> bool:
    return key.endswith("_seconds") or key in ("seconds", "wall", "wall_seconds", "timings")


def differences(ref: Any, new: Any, path: str = "") -> list[str]:
    """Every place where two JSON values differ beyond RTOL (timings ignored)."""
    out: list[str] = []
    if isinstance(ref, dict) and isinstance(new, dict):
        for k in sorted(set(ref) | set(new)):
            if _timing(k):
                continue
            if k not in ref or k not in new:
                out.append(f"{path}/{k}: only in {'reference' if k in ref else 'new run'}")
            else:
                out += differences(ref[k], new[k], f"{path}/{k}")
    elif isinstance(ref, list) and isinstance(new, list):
        if len(ref) != len(new):
            return [f"{path}: length {len(ref)} vs {len(new)}"]
        for i, (a, b) in enumerate(zip(ref, new)):
            out += differences(a, b, f"{path}[{i}]")
    elif isinstance(ref, float) and isinstance(new, (int, float)) and not isinstance(new, bool):
        if not (ref == new or (math.isnan(ref) and math.isnan(new)) or abs(ref - new) <= RTOL * max(1.0, abs(ref))):
            out.append(f"{path}: {ref!r} vs {new!r}")
    elif ref != new:
        out.append(f"{path}: {str(ref)[:80]!r} vs {str(new)[:80]!r}")
    return out


def _number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def _seeds(check: dict) -> Any:
    return check.get("values", check.get("per_seed"))  # schema 3 / older files


def robust(check: dict) -> bool:
    """True when a trained check's PASS/FAIL must be the same on any machine (rule in the module docstring)."""
    seeds, t = _seeds(check), check.get("threshold")
    if not (isinstance(seeds, list) and len(seeds) >= 3 and all(map(_number, seeds)) and _number(t)):
        return False
    lo, hi = min(seeds), max(seeds)
    spread = max(hi - lo, MIN_RELATIVE_SPREAD * max(abs(t), abs(statistics.median(seeds))))
    return not (lo - ROBUST_SPREADS * spread <= t <= hi + ROBUST_SPREADS * spread)


def _units(claim: dict) -> Iterator[tuple[str, str | None, list[dict]]]:
    """(label, status, checks) of a claim and of each of its rows (schema 3); older files have one unit."""
    rows = claim.get("rows")
    if isinstance(rows, list) and rows:
        every = [c for r in rows for c in r.get("checks", [])]
        yield claim["id"], claim.get("status"), every
        for r in rows:
            yield f"{claim['id']} row {r.get('id')}", r.get("status"), r.get("checks", [])
    else:
        yield claim["id"], claim.get("status"), claim.get("checks", [])


def _names(controls: Any) -> Any:
    """The names of a check's controls (schema 3: [{"name", "difference"}], older: names or absent)."""
    if isinstance(controls, list):
        return [c.get("name") if isinstance(c, dict) else c for c in controls]
    return controls


def _compare_check(label: str, ca: dict, cb: dict, exact: bool) -> list[str]:
    name = f"{label} {ca['name'][:50]}"
    out = [f"{name}: {k} {ca.get(k)!r} vs {cb.get(k)!r}" for k in DECLARED if ca.get(k) != cb.get(k)]
    trained = ca.get("road") == "trained"
    if exact or not trained:
        for key in NUMBERS:
            out += [f"{name}: {key}{d}" for d in differences(ca.get(key), cb.get(key))]
        if ca["passed"] != cb["passed"]:
            out.append(f"{name}: passed {ca['passed']} vs {cb['passed']}")
        return out
    out += [f"{name}: threshold{d}" for d in differences(ca.get("threshold"), cb.get("threshold"))]
    if _names(ca.get("controls")) != _names(cb.get("controls")):
        out.append(f"{name}: controls {_names(ca.get('controls'))!r} vs {_names(cb.get('controls'))!r}")
    sa, sb = _seeds(ca), _seeds(cb)
    if isinstance(sa, list) != isinstance(sb, list) or (isinstance(sa, list) and len(sa) != len(sb)):
        out.append(f"{name}: seeds {sa!r} vs {sb!r}")
    if robust(ca) and ca["passed"] != cb["passed"]:
        out.append(f"{name}: passed {ca['passed']} vs {cb['passed']} (robust: threshold far outside the seeds' band)")
    return out


def compare(data: dict, ref: dict, exact: bool | None = None) -> list[str]:
    """Differences between a claims.json ``data`` and the reference ``ref`` (empty when they agree).

    ``exact``: compare trained numbers too; by default, when the reference was made on this machine
    (``same_numerics(ref["meta"]["fingerprint"])``).
    """
    if exact is None:
        exact = same_numerics(ref.get("meta", {}).get("fingerprint"))
    claims_ref = {c["id"]: c for c in ref["claims"]}
    claims_new = {c["id"]: c for c in data["claims"]}
    out = [f"claims: {sorted(claims_ref)} vs {sorted(claims_new)}"] if claims_ref.keys() != claims_new.keys() else []
    for cid in sorted(claims_ref.keys() & claims_new.keys(), key=lambda c: int(c[1:]) if c[1:].isdigit() else 0):
        units_a, units_b = list(_units(claims_ref[cid])), list(_units(claims_new[cid]))
        if [u[0] for u in units_a] != [u[0] for u in units_b]:
            out.append(f"{cid}: the rows differ")
            continue
        for (label, status_a, checks_a), (_, status_b, checks_b) in zip(units_a, units_b):
            if [c["name"] for c in checks_a] != [c["name"] for c in checks_b]:
                out.append(f"{label}: the checks differ")
                continue
            decided_here = exact or all(c.get("road") != "trained" or robust(c)
                                        for c in checks_a if c.get("kind") in DECIDING)
            if decided_here and status_a != status_b:
                out.append(f"{label}: status {status_a} vs {status_b}")
            elif not decided_here and status_b != status_a and status_b not in TRAINED_STATUSES:
                out.append(f"{label}: status {status_b!r}, not one trained evidence can give (reference {status_a})")
            if label == cid and len(units_a) > 1:
                continue  # the claim's checks are compared row by row
            for ca, cb in zip(checks_a, checks_b):
                out += _compare_check(label, ca, cb, exact)
    return out
