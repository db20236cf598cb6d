"""Declared before measured: the plan, the register of declared checks, disclosed revisions, and a run against its plan."""

import json
from dataclasses import replace
from pathlib import Path

import pytest

from wavetheory.claims import registry
from wavetheory.claims.claim import Plan
from wavetheory.claims.revisions import REVISIONS, _touches, revisions_of

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "docs" / "reference_quick.json"
FULL = ROOT / "docs" / "reference_full.json"  # the committed full run
PLANS = (Plan(quick=True), Plan(quick=False))


def test_there_is_one_explicit_list_of_sixteen_claims_each_with_rows():
    ids = [c.id for c in registry.CLAIMS]
    assert ids == [f"C{i}" for i in range(1, 17)]
    for c in registry.CLAIMS:
        rows = {d.row for d in c.checks(Plan())}
        assert rows == set(c.rows), f"{c.id}: a row without checks or a check outside the rows"


def test_plan_json_lists_every_declared_check_without_running_anything(capsys):
    from wavetheory.cli import main

    assert main(["reproduce", "--plan", "--json", "--quick"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert len(plan["checks"]) == len(registry.plan_checks(Plan()))
    c7 = [c for c in plan["checks"] if c["claim"] == "C7"]
    assert {c["row"] for c in c7} == {"C7.1", "C7.2"}
    for c in plan["checks"]:
        assert {"claim", "row", "name", "kind", "threshold", "controls", "declared_in"} <= set(c)


@pytest.mark.parametrize("plan", PLANS, ids=["quick", "full"])
def test_every_declared_check_is_registered_with_the_commit_that_set_it(plan):
    unregistered = [d.name for d in registry.plan_checks(plan) if registry.declared_in(d) == "unregistered"]
    assert not unregistered, ("declared checks not in wavetheory/claims/declared.json (new, or a kind/threshold changed): "
                              f"{unregistered[:3]}; register with python -m wavetheory.claims.registry --commit HASH")


def test_a_changed_threshold_reads_unregistered_and_cannot_be_registered_without_a_revision(tmp_path, monkeypatch):
    d = next(d for d in registry.plan_checks(Plan(), ["C9"]) if d.kind == "stated")
    moved = replace(d, threshold=0.4)
    assert registry.declared_in(d) != "unregistered" and registry.declared_in(moved) == "unregistered"
    target = tmp_path / "declared.json"
    target.write_text(registry.REGISTER.read_text())
    monkeypatch.setattr(registry, "REGISTER", target)
    registry.registered.cache_clear()
    original = registry.plan_checks
    monkeypatch.setattr(registry, "plan_checks",
                        lambda plan, ids=None: [moved if x.name == d.name else x for x in original(plan, ids)])
    try:
        with pytest.raises(ValueError, match="without a disclosed revision"):
            registry.register("abc1234")
    finally:
        registry.registered.cache_clear()


def test_every_revision_touches_a_declared_check_and_carries_the_value_seen():
    declared = [d for plan in PLANS for d in registry.plan_checks(plan)]
    for r in REVISIONS:
        assert r.value_seen and r.reason and r.commit and r.old != r.new
        assert any(r in revisions_of(d.name, d.claim, d.road, d.row) for d in declared), f"revision touches nothing: {r.what}"
        for selector in r.applies:  # a mistyped selector (a row or a text that matches nothing) is caught here
            assert any(_touches(selector, d.name, d.claim, d.road, d.row) for d in declared), (r.what, selector)
        for text in r.excludes:  # an exclusion names checks that exist, and leaves them unmarked by this revision
            spared = [d for d in declared if text in d.name]
            assert spared and not any(r in revisions_of(d.name, d.claim, d.road, d.row) for d in spared), (r.what, text)


def test_revisions_mark_only_the_checks_they_changed():
    declared = [d for plan in PLANS for d in registry.plan_checks(plan)]
    by_row = lambda row: [d for d in declared if d.row == row]  # noqa: E731
    # C7.1's Jacobian reading was revised; its W_hh reading was not; C13's split touched C13.3 only
    assert all(revisions_of(d.name, d.claim, d.road, d.row) for d in by_row("C7.1") if "operating-point Jacobian" in d.name)
    assert any("W_hh" in d.name and not [r for r in revisions_of(d.name, d.claim, d.road, d.row) if "C7.1" in r.what]
               for d in by_row("C7.1"))
    assert not [r for d in by_row("C13.1") for r in revisions_of(d.name, d.claim, d.road, d.row) if "C13" in r.what]
    assert [r for d in by_row("C13.3") for r in revisions_of(d.name, d.claim, d.road, d.row) if "C13" in r.what]


def test_the_disclosed_revisions_of_the_audit_are_listed():
    text = " ".join(r.what for r in REVISIONS)
    for item in ("CURRICULUM_MASTERY", "TRAIN_TARGET", "C13", "C15", "C3", "C5", "status rule"):
        assert item in text


@pytest.mark.parametrize("path", [REFERENCE, FULL], ids=["quick", "full"])
def test_the_reference_run_judged_exactly_the_declared_checks_of_its_plan(path):
    ref = json.loads(path.read_text())
    plan = Plan(quick=ref["meta"]["mode"] == "quick", seed=ref["meta"]["seed"])
    declared = {(d.claim, d.name): d for d in registry.plan_checks(plan)}
    judged = {(c["claim"], c["name"]): c for cl in ref["claims"] for row in cl["rows"] for c in row["checks"]}
    assert set(judged) == set(declared)
    for key, c in judged.items():
        d = declared[key]
        assert (c["kind"], c["relation"], c["threshold"]) == (d.kind, d.relation, json.loads(json.dumps(d.threshold))), key
