"""The round-3 rule, rule by rule: each test breaks one rule and sees the status it must give (claims/evidence.py)."""

import math

import pytest
from hypothesis import given, strategies as st

from wavetheory.claims.claim import Claim, Judge, Measured, Plan
from wavetheory.claims.evidence import Declared, RowResult, Scope, decide_claim, decide_row, with_differences


def D(name, kind="stated", road="numeric", rel="<=", thr=1.0, **kw):
    return Declared(name, "C1", "C1.1", kind, road, "x", rel, thr, "justified in the test", **kw)


def T(name, kind="stated", rel="<=", thr=1.0, **kw):
    return D(name, kind, "trained", rel, thr, **kw)


SEEDS = range(5)


# --------------------------------------------------------------------------- polarity and judging


def test_one_polarity_a_check_passes_when_the_value_satisfies_its_relation():
    assert D("a").judge(0.5).passed and not D("a").judge(1.5).passed
    assert D("b", rel=">", thr=0).judge(1).passed and not D("b", rel=">", thr=0).judge(0).passed
    assert D("c", rel="==", thr="0").judge("0").passed and not D("c", rel="==", thr="0").judge("x").passed


def test_a_limit_never_changes_the_status():
    base = [D("a").judge(0)]
    for v in (0, 5):  # passing or failing limit
        assert decide_row(base + [D("lim", "limit").judge(v)]) == ("verified", "")


def test_a_trained_check_decides_on_the_interval_of_the_median_not_on_counts():
    # 4 of 5 seeds pass (k/n = 0.8 passed the round-2 rule); the interval [min, max] crosses the threshold: FAIL
    c = T("a", rel="<=", thr=0.05, controls=()).judge_seeds([0.01, 0.02, 0.03, 0.04, 0.2], SEEDS)
    assert c.k_of_n == (4, 5) and c.passed is False and c.interval[1] == pytest.approx(0.2)
    ok = T("a", rel="<=", thr=0.05).judge_seeds([0.01, 0.02, 0.03, 0.04, 0.045], SEEDS)
    assert ok.passed and ok.value == pytest.approx(0.03)
    lo = T("b", rel=">=", thr=0.99).judge_seeds([0.995, 0.999, 0.991, 0.9899, 0.996], SEEDS)  # one knife-edge seed
    assert lo.passed is False


@given(st.lists(st.floats(0, 1), min_size=3, max_size=20), st.floats(0.01, 0.99))
def test_interval_rule_property_passes_iff_the_whole_interval_lies_on_the_claims_side(values, thr):
    c = T("a", rel="<=", thr=thr).judge_seeds(values, range(len(values)))
    lo, hi = c.interval
    assert lo <= c.value <= hi
    assert c.passed == (hi <= thr)
    if max(values) <= thr:  # every seed below: the interval is too
        assert c.passed


def test_a_universal_negative_fails_on_one_counterexample():
    c = T("none solves", rel="<", thr=0.99, universal=True).judge_seeds([0.5, 0.6, 0.995, 0.5, 0.4], SEEDS)
    assert c.passed is False and c.value == 1
    assert T("none", rel="<", thr=0.99, universal=True).judge_seeds([0.5] * 5, SEEDS).passed is True


def test_no_data_is_open_with_its_reason_never_refuted():
    crashed = T("a", controls=("c",)).judge_seeds([None] * 5, SEEDS)
    ctrl = T("c", "control").judge_seeds([0.1] * 5, SEEDS)
    status, reason = decide_row([crashed, ctrl])
    assert status == "open" and "seeds gave a value" in reason
    assert D("p").judge(float("nan")).passed is None
    few = T("a").judge_seeds([0.1, None, None, None, 0.2], SEEDS)
    assert few.passed is None and "only 2 of 5" in few.reason


# --------------------------------------------------------------------------- controls, refinements, proofs


def test_a_failed_control_voids_the_check_it_controls():
    a, c_bad, c_ok = D("a", controls=("c",)), D("c", "control"), D("c", "control")
    assert decide_row([a.judge(0), c_ok.judge(0)])[0] == "verified"
    assert decide_row([a.judge(0), c_bad.judge(5)])[0] == "refuted"


def test_a_voided_check_is_rescued_only_by_a_refined_check_with_its_own_passing_control():
    b = D("b").judge(0)  # another stated check that holds
    a, ca = D("a", controls=("ca",)).judge(0), D("ca", "control").judge(5)  # voided
    bare = D("r", "refined", replaces="a").judge(0)
    assert decide_row([a, ca, b, bare])[0] == "refuted"
    with_ctrl = D("r", "refined", replaces="a", controls=("cr",)).judge(0)
    assert decide_row([a, ca, b, with_ctrl, D("cr", "control").judge(0)])[0] == "refined"
    assert decide_row([a, ca, b, with_ctrl, D("cr", "control").judge(5)])[0] == "refuted"


def test_every_refined_check_naming_the_failed_one_must_pass():
    a, b = D("a").judge(5), D("b").judge(0)
    r1, r2 = D("r1", "refined", replaces="a"), D("r2", "refined", replaces="a")
    assert decide_row([a, b, r1.judge(0), r2.judge(0)])[0] == "refined"
    assert decide_row([a, b, r1.judge(0), r2.judge(5)])[0] == "refuted"


def test_when_every_stated_check_fails_the_row_is_refuted_even_if_each_is_replaced():
    a, b = D("a").judge(5), D("b").judge(5)
    rs = [D("ra", "refined", replaces="a").judge(0), D("rb", "refined", replaces="b").judge(0)]
    assert decide_row([a, b] + rs)[0] == "refuted"


def test_a_failing_refinement_of_a_passing_check_is_not_ignored():
    status, reason = decide_row([D("a").judge(0), D("r", "refined", replaces="a").judge(5)])
    assert status == "open" and "failed although" in reason


def test_a_failed_general_proof_is_not_rescued_by_numbers():
    general = Scope("symbolic s", general=True)
    proof = Declared("proofs/x.py", "C1", "C1.1", "stated", "symbolic", "exit", "==", 0, "j")
    failed = proof.judge(1, scope=general)
    numbers = D("r", "refined", replaces="proofs/x.py").judge(0)
    assert decide_row([failed, D("b").judge(0), numbers])[0] == "refuted"
    bounded = proof.judge(1, scope=Scope("s <= 3"))
    assert decide_row([bounded, D("b").judge(0), numbers])[0] == "refined"


def test_proved_needs_a_general_proof_and_no_trained_stated_check_and_every_row_proved():
    general = Scope("symbolic", general=True)
    proof = Declared("proofs/x.py", "C1", "C1.1", "stated", "symbolic", "exit", "==", 0, "j").judge(0, scope=general)
    assert decide_row([proof, D("a").judge(0)])[0] == "proved"
    trained = T("t", controls=("c",)).judge_seeds([0.1] * 5, SEEDS)
    assert decide_row([proof, trained, T("c", "control").judge_seeds([0.1] * 5, SEEDS)])[0] == "reproduced"
    assert decide_row([proof.declared.judge(0, scope=Scope("s <= 5")), D("a").judge(0)])[0] == "verified"
    assert decide_claim(["proved", "verified"]) == "verified"
    assert decide_claim(["proved", "proved"]) == "proved"
    assert decide_claim(["proved", "refuted", "open"]) == "refuted"
    assert decide_claim(["reproduced", "open"]) == "open"


def test_only_controls_or_nothing_is_open():
    assert decide_row([D("c", "control").judge(0)])[0] == "open"
    assert decide_row([])[0] == "open"


# --------------------------------------------------------------------------- declarations


def _claim(declared):
    return Claim("C1", "t", "paper", {"C1.1": "w"}, lambda plan: declared, lambda ctx, judge: Measured())


def test_declarations_are_validated_before_anything_runs():
    with pytest.raises(ValueError, match="needs at least one control"):
        _claim([T("t")]).checks(Plan())
    with pytest.raises(ValueError, match="not a stated check"):  # a refined check replaces a stated check only
        _claim([D("c", "control"), D("r", "refined", replaces="c")]).checks(Plan())
    with pytest.raises(ValueError, match="not a declared control"):
        _claim([D("a", controls=("missing",))]).checks(Plan())
    with pytest.raises(ValueError, match="replaces"):
        D("x", "stated", replaces="a")
    with pytest.raises(ValueError, match="kind"):
        D("x", "maybe")


def test_a_measurement_cannot_judge_an_undeclared_check_or_change_a_threshold():
    j = Judge([D("a")])
    with pytest.raises(KeyError):
        j("b", 0)
    with pytest.raises(ValueError, match="not declared"):
        j.add(D("a", thr=9.0).judge(0))  # same name, another threshold
    j("a", 0)
    with pytest.raises(ValueError, match="twice"):
        j("a", 0)


def test_a_declared_check_left_unjudged_stops_the_claim():
    from wavetheory.claims.claim import Context

    with pytest.raises(RuntimeError, match="not judged"):
        _claim([D("a")]).run(Context())


def test_paired_differences_to_each_control_are_reported():
    a = T("a", controls=("c",)).judge_seeds([0.1, 0.2, 0.3, 0.4, 0.5], SEEDS)
    c = T("c", "control", rel=">").judge_seeds([1.1, 1.2, 1.3, 1.4, 1.5], SEEDS)
    a2, _ = with_differences([a, c])
    (name, med, (lo, hi)), = a2.differences
    assert name == "c" and med == pytest.approx(-1.0) and lo <= med <= hi
    js = a2.to_json()
    assert js["controls"][0]["name"] == "c" and js["controls"][0]["difference"]["median"] == pytest.approx(-1.0)
    assert js["values"] == [0.1, 0.2, 0.3, 0.4, 0.5] and len(js["interval"]) == 2


def test_row_json_carries_status_checks_and_revisions():
    row = RowResult("C1.1", "w", (D("a").judge(0),))
    js = row.to_json()
    assert js["id"] == "C1.1" and js["status"] == "verified" and js["checks"][0]["threshold"] == 1.0
    assert math.isfinite(js["checks"][0]["value"])
