"""Tests of the reference comparison (tests/reference_compare.py): a run on another machine passes, a real change fails.

"Another machine" is simulated by the committed reference itself with a fingerprint that differs from this
machine's and every trained number moved (as on another CPU), and the non-robust trained outcomes flipped.
"""

import copy
import json
from pathlib import Path

import pytest

import reference_compare as rc
from wavetheory.learning.platform_id import fingerprint

REFERENCE = Path(__file__).resolve().parents[1] / "docs" / "reference_quick.json"


@pytest.fixture(scope="module")
def ref():
    return json.loads(REFERENCE.read_text())


def _checks(data):
    for c in data["claims"]:
        for unit in c.get("rows") or [c]:
            for check in unit.get("checks", []):
                yield c, check


def _with_fingerprint(data, fp):
    out = copy.deepcopy(data)
    out["meta"]["fingerprint"] = fp
    return out


def _elsewhere():
    return dict(fingerprint(), cpu_model="Another CPU [25/1/1, flags 0000beef]")


def _move(x):
    """Every measured number changed (as another CPU changes trained numbers), every measured text too."""
    if isinstance(x, bool) or x is None:
        return x
    if isinstance(x, float):
        return x * 1.1 + 0.01
    if isinstance(x, str):
        return x + " (moved)"
    if isinstance(x, list):
        return [_move(v) for v in x]
    if isinstance(x, dict):
        return {k: v if k == "name" else _move(v) for k, v in x.items()}
    return x


MEASURED = ("value", "values", "per_seed", "interval", "numbers", "detail", "summary", "reason", "revisions")


def _retrained(ref):
    """The reference as another machine would write it: every trained number moved, non-robust outcomes flipped."""
    new = copy.deepcopy(ref)
    moved = 0
    for _, check in _checks(new):
        if check["road"] != "trained":
            continue
        flip = not rc.robust(check)  # judged on the reference's seeds
        for key in MEASURED:
            if key in check:
                check[key] = _move(check[key])
        if isinstance(check.get("controls"), list):  # the names stay, the paired differences move
            check["controls"] = [_move(c) if isinstance(c, dict) else c for c in check["controls"]]
        if flip and check["passed"] is not None:
            check["passed"] = not check["passed"]
        moved += 1
    assert moved > 20  # the reference has trained checks to move
    return new


def test_the_reference_agrees_with_itself_on_any_machine(ref):
    assert rc.compare(ref, ref, exact=True) == []
    assert rc.compare(ref, ref, exact=False) == []


def test_another_machine_passes_with_other_trained_numbers(ref):
    """The suite's comparison on a machine other than the reference's: theory exact, trained declarations only."""
    new = _retrained(ref)
    assert rc.compare(new, _with_fingerprint(ref, _elsewhere())) == []
    # a reference without a fingerprint (written before there was one) is another machine as well
    no_fp = copy.deepcopy(ref)
    no_fp["meta"].pop("fingerprint", None)
    assert rc.compare(new, no_fp) == []


def test_the_reference_machine_compares_every_trained_number(ref):
    new = _retrained(ref)
    diffs = rc.compare(new, _with_fingerprint(ref, fingerprint()))
    assert any("per_seed" in d or "values" in d for d in diffs) and any(": passed " in d for d in diffs)


def test_another_machine_still_sees_a_changed_theory_number(ref):
    new = _retrained(ref)
    claim, check = next((c, k) for c, k in _checks(new) if k["road"] == "numeric" and isinstance(k.get("value"), float))
    check["value"] += 1e-6
    diffs = rc.compare(new, _with_fingerprint(ref, _elsewhere()))
    assert len(diffs) == 1 and diffs[0].startswith(f"{claim['id']} ") and "value" in diffs[0]


def test_another_machine_sees_a_changed_declaration_or_a_flipped_robust_check(ref):
    elsewhere = _with_fingerprint(ref, _elsewhere())
    new = _retrained(ref)
    _, check = next((c, k) for c, k in _checks(new) if k["road"] == "trained")
    check["threshold"] = 0.5 if check["threshold"] != 0.5 else 0.25
    assert any("threshold" in d for d in rc.compare(new, elsewhere))
    new = _retrained(ref)
    index = next(i for i, (_, k) in enumerate(_checks(ref)) if k["road"] == "trained" and rc.robust(k))
    _, check = list(_checks(new))[index]
    check["passed"] = not check["passed"]
    assert any("(robust" in d for d in rc.compare(new, elsewhere))
    new = _retrained(ref)
    _, check = next((c, k) for c, k in _checks(new) if k["road"] == "trained")
    check["values" if "values" in check else "per_seed"] = [0.5]  # one seed instead of five
    assert any(": seeds " in d for d in rc.compare(new, elsewhere))


def test_statuses_elsewhere_theory_exact_trained_only_when_robust(ref):
    elsewhere = _with_fingerprint(ref, _elsewhere())
    new = _retrained(ref)
    by_id = {c["id"]: c for c in new["claims"]}
    by_id["C1"]["status"] = "verified"
    by_id["C7"]["status"] = "open"  # trained evidence ran: never open
    diffs = rc.compare(new, elsewhere)
    assert "C1: status proved vs verified" in diffs and any(d.startswith("C7: status 'open'") for d in diffs)
    # a row decided robustly: it holds trained evidence and every deciding trained check is robust. Whether the
    # committed reference has one depends on its numbers (one seed without a value makes a check not robust), so
    # the first trained row is made robust here: every deciding trained check's values far from its threshold
    ref = json.loads(json.dumps(ref))
    cid, rid = next((c["id"], r["id"]) for c in ref["claims"] for r in c.get("rows", [])
                    if any(k["road"] == "trained" and k["kind"] in rc.DECIDING for k in r["checks"]))
    row = next(r for c in ref["claims"] if c["id"] == cid for r in c["rows"] if r["id"] == rid)
    for k in row["checks"]:
        if k["road"] == "trained" and k["kind"] in rc.DECIDING:
            k["values"] = [float(k["threshold"]) + 10 + 0.01 * i for i in range(5)]
            assert rc.robust(k)
    elsewhere = _with_fingerprint(ref, _elsewhere())
    new = _retrained(ref)
    row = next(r for c in new["claims"] if c["id"] == cid for r in c["rows"] if r["id"] == rid)
    row["status"] = "reproduced" if row["status"] != "reproduced" else "refuted"
    assert any(d.startswith(f"{cid} row {rid}: status") for d in rc.compare(new, elsewhere))


@pytest.mark.parametrize("values, threshold, expected", [
    ([0.93, 0.94, 0.93, 0.90, 0.91], 0.5, True),     # far above: 4 spreads (0.04) below 0.90 is still 0.74
    ([0.065, 0.06, 0.07, 0.065, 0.068], 0.05, False),  # 0.01 from the threshold, spread 0.01
    ([1.0, 1.0, 1.0, 1.0, 1.0], 0.99, False),        # saturated: 1% stands in for the spread
    ([78, 74, 78, 75, 79], 0, True),                 # integer counts far from 0
    ([0.9, None, 0.9, 0.9, 0.9], 0.5, False),        # a seed without a number
    ([0.9, 0.9], 0.5, False),                        # too few seeds to know a spread
    ([0.9, 0.9, 0.9], [3, 3], False),                # a non-scalar threshold
])
def test_robust(values, threshold, expected):
    assert rc.robust({"values": values, "threshold": threshold}) is expected
    assert rc.robust({"per_seed": values, "threshold": threshold}) is expected  # older files


def test_schema_3_rows_are_compared_row_by_row():
    """A claims.json of schema 3 (claims -> rows -> checks): row statuses follow the same rules as claims'."""
    theory = {"name": "t", "kind": "stated", "road": "numeric", "passed": True, "value": 1.0, "threshold": 1e-9}
    trained = {"name": "n", "kind": "stated", "road": "trained", "passed": True, "value": 0.6, "threshold": 0.5,
               "values": [0.59, 0.6, 0.61, 0.62, 0.58],  # 0.5 within 4 spreads (0.04) of 0.58: not robust
               "controls": [{"name": "ctl", "difference": {"median": 0.3, "interval": [0.2, 0.4]}}]}
    ref = {"meta": {"fingerprint": _elsewhere()}, "claims": [{"id": "C9", "status": "reproduced", "rows": [
        {"id": "C9.1", "status": "verified", "checks": [theory]},
        {"id": "C9.2", "status": "reproduced", "checks": [trained]},
        {"id": "C9.3", "status": "open", "checks": []}]}]}
    new = copy.deepcopy(ref)
    row2 = new["claims"][0]["rows"][1]
    row2["status"], row2["checks"][0]["passed"], row2["checks"][0]["values"] = "refuted", False, [0.4] * 5
    row2["checks"][0]["controls"][0]["difference"]["median"] = -0.1
    new["claims"][0]["status"] = "refuted"
    assert rc.compare(new, ref) == []  # another machine: the trained row and the claim may go either way
    assert rc.compare(new, ref, exact=True)  # the reference's machine: they may not
    new["claims"][0]["rows"][0]["checks"][0]["value"] = 2.0
    new["claims"][0]["rows"][2]["status"] = "refuted"
    row2["checks"][0]["controls"][0]["name"] = "another control"
    assert rc.compare(new, ref) == ["C9 row C9.1 t: value: 1.0 vs 2.0",
                                    "C9 row C9.2 n: controls ['ctl'] vs ['another control']",
                                    "C9 row C9.3: status open vs refuted"]
