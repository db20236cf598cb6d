"""The evidence model: checks validate themselves, the status rule, seed statistics, proof scopes (issue 12)."""

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wavetheory.claims.evidence import (
    CLAIM_TITLES, KINDS, ROADS, STATUSES, Check, ClaimResult, Context, Scope, decide, parse_proof_output, proof_checks,
    run_proofs, seed_check,
)
from wavetheory.thresholds import SEED_FRACTION

GENERAL = Scope("general (symbolic in s, d)", general=True)
BOUNDED = Scope("s <= 5, d <= 2")


def S(name, ok, road="numeric", **kw):
    return Check(name, "stated", road, ok, **kw)


def R(name, ok, replaces, road="numeric"):
    return Check(name, "refined", road, ok, replaces=replaces)


# --------------------------------------------------------------------------- Check validates itself


def test_check_rejects_unknown_kind_road_and_misplaced_replaces():
    with pytest.raises(ValueError, match="kind"):
        Check("x", "vibes", "numeric", True)
    with pytest.raises(ValueError, match="road"):
        Check("x", "stated", "training", True)  # the old API's name is not a road
    with pytest.raises(ValueError, match="replaces"):
        Check("x", "refined", "numeric", True)  # a refined check must name what it replaces
    with pytest.raises(ValueError, match="replaces"):
        Check("x", "limit", "numeric", True, replaces="a")
    with pytest.raises(ValueError, match="name"):
        Check("", "stated", "numeric", True)
    with pytest.raises(TypeError, match="scope"):
        Check("x", "stated", "numeric", True, scope="s <= 5")


def test_check_to_json_lists_every_field_and_is_json():
    c = Check("a", "stated", "trained", True, value=0.8, threshold=0.99, detail="4/5", scope=Scope("seeds 0-4", seeds=range(5)),
              per_seed=[0.995, None], interval=(0.37, 0.96), numbers={"x": float("nan")})
    rec = json.loads(json.dumps(c.to_json()))
    assert rec == {"name": "a", "kind": "stated", "road": "trained", "passed": True, "value": 0.8, "threshold": 0.99,
                   "detail": "4/5", "scope": {"text": "seeds 0-4", "general": False, "seeds": [0, 1, 2, 3, 4], "sizes": {}},
                   "replaces": None, "per_seed": [0.995, None], "interval": [0.37, 0.96], "numbers": {"x": "nan"}}


# --------------------------------------------------------------------------- the status rule


def test_decide_table():
    ok, bad = S("a", True), S("b", False)
    assert decide([]) == "open"
    assert decide([Check("l", "limit", "numeric", True)]) == "open"  # nothing about the claim as stated ran
    assert decide([ok]) == "verified"
    assert decide([ok, S("p", True, "symbolic", scope=GENERAL)]) == "proved"
    assert decide([ok, S("p", True, "symbolic", scope=BOUNDED)]) == "verified"  # a bounded proof verifies
    assert decide([ok, S("t", True, "trained")]) == "reproduced"
    assert decide([ok, S("t", True, "trained"), S("p", True, "symbolic", scope=GENERAL)]) == "proved"
    assert decide([ok, bad]) == "refuted"
    assert decide([ok, S("p", False, "symbolic", scope=GENERAL)]) == "refuted"  # a failed proof refutes
    assert decide([bad, R("r", True, "b")]) == "refined"
    assert decide([bad, R("r", False, "b")]) == "refuted"
    # limit checks are reported, never decide
    assert decide([ok, Check("l", "limit", "numeric", True)]) == "verified"
    assert decide([ok, Check("l", "limit", "numeric", False)]) == "verified"
    # a failed control means the measurement does not discriminate: it refutes like a failed stated check
    assert decide([ok, Check("c", "control", "trained", False)]) == "refuted"
    assert decide([ok, Check("c", "control", "trained", False), R("r", True, "c")]) == "refined"


def test_a_refined_check_naming_no_failed_check_rescues_nothing():
    assert decide([S("a", False), R("r", True, "b")]) == "refuted"
    assert decide([S("a", False), S("b", True), R("r", True, "b")]) == "refuted"  # replaces a check that passed


def test_a_failing_refined_check_voids_its_refinement():
    a = S("a", False)
    assert decide([a, R("r1", True, "a"), R("r2", False, "a")]) == "refuted"
    assert decide([a, R("r1", True, "a"), R("r2", True, "a")]) == "refined"
    assert decide([a, R("r1", True, "a"), R("r2", False, "other")]) == "refined"  # names another check


def test_two_failed_stated_checks_need_two_replacements():
    a, b = S("a", False), S("b", False)
    assert decide([a, b, R("ra", True, "a")]) == "refuted"
    assert decide([a, b, R("ra", True, "a"), R("ra2", True, "a")]) == "refuted"
    assert decide([a, b, R("ra", True, "a"), R("rb", True, "b")]) == "refined"
    assert decide([a, b, R("ra", True, "a"), R("rb", False, "b")]) == "refuted"


checks_st = st.lists(st.builds(
    lambda name, kind, road, ok, general, target: Check(
        name, kind, road, ok, scope=Scope("g" if general else "b", general=general),
        replaces=target if kind == "refined" else None),
    st.sampled_from("abcde"), st.sampled_from(KINDS), st.sampled_from(ROADS), st.booleans(), st.booleans(),
    st.sampled_from("abcde")), max_size=8)


@given(checks_st)
def test_decide_properties(checks):
    status = decide(checks)
    assert status in STATUSES
    stated = [c for c in checks if c.kind == "stated"]
    failed = [c for c in checks if c.kind in ("stated", "control") and not c.passed]
    if not stated:
        assert status == "open"
    elif not failed:
        assert status in ("proved", "verified", "reproduced")
        assert (status == "proved") == any(c.road == "symbolic" and c.scope.general and c.passed for c in stated)
    else:
        assert status in ("refined", "refuted")
        # refined iff each failed check is named by a passing refined check
        named = {c.replaces for c in checks if c.kind == "refined" and c.passed}
        broken = {c.replaces for c in checks if c.kind == "refined" and not c.passed}
        assert (status == "refined") == all(f.name in named - broken for f in failed)
    # limit checks never change the status
    assert decide([c for c in checks if c.kind != "limit"]) == status


@given(checks_st, st.booleans())
def test_a_failed_stated_check_refutes_until_a_refinement_names_it(checks, trained):
    road = "trained" if trained else "numeric"
    assert decide(checks + [S("zz", False, road)]) == "refuted"
    rescued = decide(checks + [S("zz", False, road), R("rz", True, "zz")])  # (no check in `checks` names "zz")
    before = decide(checks)
    if before != "open":  # (an open list may hold failed controls: they keep refuting)
        assert rescued == ("refuted" if before == "refuted" else "refined")


# --------------------------------------------------------------------------- ClaimResult: verdict and record


def test_claim_result_scope_and_record():
    bounded = ClaimResult("C4", [S("a", True, value=1e-15, threshold=1e-9), S("p", True, "symbolic", scope=BOUNDED)])
    assert bounded.status == "verified" and bounded.verdict == "verified (s <= 5, d <= 2)"
    general = ClaimResult("C1", [S("a", True), S("p", True, "symbolic", scope=GENERAL), S("q", True, "symbolic", scope=BOUNDED)])
    assert general.verdict == "proved (general (symbolic in s, d))"
    rec = json.loads(json.dumps(bounded.to_json()))
    assert {"id", "status", "scope", "verdict", "evidence", "numbers", "checks"} <= rec.keys()
    assert [c["name"] for c in rec["checks"]] == ["a", "p"]
    assert rec["checks"][0]["value"] == 1e-15 and rec["checks"][0]["threshold"] == 1e-9
    assert rec["checks"][1]["scope"]["text"] == "s <= 5, d <= 2" and "PASS" in rec["evidence"]
    refined = ClaimResult("C12", [S("a", False), Check("r", "refined", "symbolic", True, replaces="a", scope=Scope("i <= 3"))])
    assert refined.verdict == "refined (i <= 3)"


# --------------------------------------------------------------------------- statistics over seeds


def test_seed_fraction_is_a_fraction():
    assert 0.5 < SEED_FRACTION <= 1


@pytest.mark.parametrize("values, passed", [
    ([1.0, 1.0, 1.0, 1.0, 0.0], True),    # 4 of 5 = 0.8
    ([1.0, 1.0, 1.0, 0.0, 0.0], False),   # 3 of 5
    ([1.0, 1.0, 1.0, 1.0, None], True),   # a failed run counts as not passing
    ([1.0, 1.0, 1.0, None, None], False),
])
def test_seed_check_counts_k_of_n(values, passed):
    c = seed_check("x >= 0.5", "stated", values, lambda v: v >= 0.5, 0.5, range(len(values)), "toy; seeds 0-4")
    k = sum(v is not None and v >= 0.5 for v in values)
    assert c.passed is passed and c.value == k / len(values) and c.road == "trained"
    assert c.per_seed == tuple(values) and c.scope.seeds == tuple(range(len(values)))
    lo, hi = c.interval
    assert 0 <= lo <= k / len(values) <= hi <= 1
    assert f"{k}/{len(values)}" in c.detail


def test_seed_check_rejects_bad_input():
    with pytest.raises(ValueError, match="values"):
        seed_check("x", "stated", [], bool, None, [], "")
    with pytest.raises(ValueError, match="seeds"):
        seed_check("x", "stated", [1.0, 2.0], bool, None, [0], "")
    with pytest.raises(ValueError, match="replaces"):
        seed_check("x", "refined", [1.0], bool, None, [0], "")


# --------------------------------------------------------------------------- proofs carry their scope


def test_parse_proof_output_reads_the_declared_scope():
    scope, steps = parse_proof_output('ok    a\nSCOPE {"text": "general (symbolic in s)", "general": true}\nx: all 3 checks passed')
    assert scope == Scope("general (symbolic in s)", general=True) and steps == 3
    scope, steps = parse_proof_output("ok a\nnothing declared")
    assert not scope.general and steps is None


def test_run_proofs_gives_failed_and_bounded_checks(tmp_path):
    common = (tmp_path / "_common.py")
    common.write_text("")
    (tmp_path / "c1_good.py").write_text(
        'print("ok    step")\nprint(\'SCOPE {"text": "s <= 4", "general": false}\')\nprint("c1: all 1 checks passed")\n')
    (tmp_path / "c1_bad.py").write_text('print("FAIL  step")\nraise SystemExit(1)\n')
    runs = run_proofs(tmp_path, timeout=60)
    assert [(r.name, r.passed) for r in runs["C1"]] == [("c1_bad", False), ("c1_good", True)]
    ctx = Context(tmp_path, proofs=runs)
    checks = proof_checks(ctx, "C1")
    assert [c.road for c in checks] == ["symbolic", "symbolic"] and checks[1].scope.text == "s <= 4"
    assert decide(checks) == "refuted"
    assert ClaimResult("C1", checks[1:]).verdict == "verified (s <= 4)"
    rescued = proof_checks(ctx, "C1", "refined", replaces="a")
    assert all(c.replaces == "a" for c in rescued)
    good = runs["C1"][1]
    assert checks[1].value == 1 and checks[1].detail == f"{good.last} ({good.seconds:.1f} s)"
    assert checks[1].numbers == {"proof_c1_good_seconds": round(good.seconds, 2)} and proof_checks(ctx, "C9") == []


# --------------------------------------------------------------------------- the parts mutation testing found unguarded


def _c(name, kind, road, ok, text, general=False, replaces=None):
    return Check(name, kind, road, ok, scope=Scope(text, general=general), replaces=replaces)


@pytest.mark.parametrize("checks, status, scope", [
    # verified: the bounded symbolic scopes, else every stated scope
    ([_c("a", "stated", "numeric", True, "N"), _c("p", "stated", "symbolic", True, "B")], "verified", "B"),
    ([_c("a", "stated", "numeric", True, "N"), _c("b", "stated", "numeric", True, "M")], "verified", "N; M"),
    # reproduced: the trained checks' scopes only
    ([_c("a", "stated", "numeric", True, "N"), _c("t", "stated", "trained", True, "T")], "reproduced", "T"),
    # proved: the general proof's scope, not the bounded ones
    ([_c("p", "stated", "symbolic", True, "G", True), _c("q", "stated", "symbolic", True, "B")], "proved", "G"),
    # refined: the passing refined checks (general proofs first), never the failed or stated ones
    ([_c("a", "stated", "numeric", False, "S"), _c("r", "refined", "numeric", True, "R", replaces="a"),
      _c("x", "refined", "numeric", False, "X", replaces="zz"), _c("l", "limit", "numeric", True, "L")], "refined", "R"),
    ([_c("a", "stated", "numeric", False, "S"), _c("r", "refined", "numeric", True, "R", replaces="a"),
      _c("g", "refined", "symbolic", True, "G", True, replaces="a"), _c("n", "refined", "numeric", True, "N", True, replaces="a")],
     "refined", "G"),
    # refuted: the failed stated and control checks, not passing ones, limits or refined checks
    ([_c("a", "stated", "numeric", False, "S"), _c("c", "control", "trained", False, "C"), _c("b", "stated", "numeric", True, "P"),
      _c("l", "limit", "numeric", False, "L"), _c("x", "refined", "numeric", False, "X", replaces="q")], "refuted", "S; C"),
    # duplicates once, empty texts skipped
    ([_c("a", "stated", "numeric", True, "N"), _c("b", "stated", "numeric", True, "N"), _c("c", "stated", "numeric", True, "")],
     "verified", "N"),
    ([_c("l", "limit", "numeric", True, "L")], "open", ""),
])
def test_the_verdict_scope_is_the_scope_of_the_deciding_checks(checks, status, scope):
    r = ClaimResult("C1", checks)
    assert (r.status, r.scope) == (status, scope)
    assert r.verdict == (f"{status} ({scope})" if scope else status)


def test_seed_check_detail_is_formatted_from_the_values():
    from wavetheory.stats import wilson_interval

    c = seed_check("x", "stated", [0.123456, None, 12345, 0.25], lambda v: v >= 0.5, 0.5, [4, 5, 6, 7], "s")
    lo, hi = wilson_interval(1, 4)
    # floats to 3 significant digits, other values as they are, a failed run as "failed"
    assert c.detail == f"1/4 seeds pass (Wilson 95% {lo:.2f}-{hi:.2f}); per seed [0.123, failed, 12345, 0.25]"
    assert c.threshold == 0.5 and c.scope.seeds == (4, 5, 6, 7) and not c.passed
    r = seed_check("x", "refined", [1.0], bool, 0.9, [0], "s", replaces="a", detail_fmt="{k} of {n} at {threshold}")
    assert r.replaces == "a" and r.detail == "1 of 1 at 0.9"
    with pytest.raises(ValueError, match="values: expected at least one"):
        seed_check("x", "stated", [], bool, None, [], "")


def test_json_conversion_of_numpy_values():
    import numpy as np

    c = Check("a", "stated", "numeric", True, value=np.array([1.5, 2.0]),
              numbers={"b": np.bool_(True), "i": np.int64(3), "f": np.float64(0.5), "z": 1 + 2j, "inf": float("inf")})
    rec = c.to_json()
    assert rec["value"] == [1.5, 2.0] and rec["numbers"] == {"b": True, "i": 3, "f": 0.5, "z": [1.0, 2.0], "inf": "inf"}
    assert type(rec["numbers"]["b"]) is bool and type(rec["numbers"]["i"]) is int
    with pytest.raises(TypeError, match="value: not JSON-able: object"):
        Check("a", "stated", "numeric", True, value=object()).to_json()


def test_check_and_scope_normalize_their_fields():
    import numpy as np

    c = Check("a", "stated", "trained", np.bool_(True), per_seed=[1.0, None], interval=[0, 1])
    assert type(c.passed) is bool and c.per_seed == (1.0, None) and c.interval == (0.0, 1.0)
    assert all(type(x) is float for x in c.interval)
    sc = Scope("t", general=1, seeds=range(3))
    assert sc.general is True and sc.seeds == (0, 1, 2)
    with pytest.raises(TypeError, match="text: expected str, got int"):
        Scope(3)
    with pytest.raises(TypeError, match="scope: expected a Scope, got str"):
        Check("x", "stated", "numeric", True, scope="s")
    with pytest.raises(ValueError, match="replaces"):
        Check("x", "refined", "numeric", True, replaces="")


def test_parse_proof_output_defaults_and_sizes():
    scope, _ = parse_proof_output('SCOPE {"text": "s <= 4", "sizes": {"s": 4}}')
    assert scope == Scope("s <= 4", general=False, sizes={"s": 4})
    assert parse_proof_output("")[0].text == "scope not declared"


def test_claim_record_fields():
    r = ClaimResult("C1", [S("a", True, numbers={"k": 1.0})], summary="what we found", figures=["f.png"])
    rec = r.to_json()
    assert rec["title"] == CLAIM_TITLES["C1"] and rec["summary"] == "what we found" and rec["figures"] == ["f.png"]
    assert rec["numbers"] == {"k": 1.0} and rec["verdict"] == "verified"
    assert ClaimResult("C99", []).to_json()["title"] == ""


def test_context_note_truncates_to_the_progress_bar():
    class Bar:
        def __init__(self):
            self.seen = []

        def set_postfix_str(self, s):
            self.seen.append(s)

    bar = Bar()
    Context("out", progress=bar).note("x" * 100)
    Context("out").note("no bar: nothing happens")
    assert bar.seen == ["x" * 60]


def test_proof_claims_from_file_name_or_title(tmp_path):
    from wavetheory.claims.evidence import _proof_claims

    (tmp_path / "c7_thing.py").write_text("# (C3)\n")
    (tmp_path / "lemma_x.py").write_text("# title (C4) and (C5)\n# %% cell 1 (C5)\n# %% cell 2 (C6)\n# %% cell 3 (C9)\n# %% cell 4 (C8)\n")
    assert _proof_claims(tmp_path / "c7_thing.py") == ["C7"]
    assert _proof_claims(tmp_path / "lemma_x.py") == ["C4", "C5", "C6"]  # the title and the first two cells only


def test_run_proofs_records_output_scope_time_and_failures(tmp_path):
    (tmp_path / "c1_quiet.py").write_text("")
    (tmp_path / "c1_silent_failure.py").write_text("raise SystemExit(3)\n")
    (tmp_path / "c1_stderr.py").write_text("import sys\nprint('ok    a')\nsys.stderr.write('boom\\n')\nraise SystemExit(1)\n")
    (tmp_path / "c1_where.py").write_text("import os\nprint('all 2 checks passed')\nprint(os.getcwd())\n")
    (tmp_path / "c1_slow.py").write_text("import time\ntime.sleep(30)\n")
    (tmp_path / "c1_warns.py").write_text("import sys\nprint('c1: all 1 checks passed')\nsys.stderr.write('a warning\\n')\n")
    runs = {r.name: r for r in run_proofs(tmp_path, timeout=2)["C1"]}
    assert (runs["c1_quiet"].passed, runs["c1_quiet"].last) == (True, "")
    assert (runs["c1_silent_failure"].passed, runs["c1_silent_failure"].last) == (False, "failed")
    assert (runs["c1_stderr"].passed, runs["c1_stderr"].last) == (False, "boom")
    assert runs["c1_where"].last == str(tmp_path) and runs["c1_where"].steps == 2 and runs["c1_where"].passed
    assert runs["c1_warns"].last == "c1: all 1 checks passed"  # a passing proof's last line is its stdout's
    slow = runs["c1_slow"]
    assert (slow.passed, slow.last, slow.scope.text, slow.steps) == (False, "timed out after 2 s", "timed out", None)
    assert all(0 < r.seconds < 20 for r in runs.values()) and 2 <= slow.seconds
