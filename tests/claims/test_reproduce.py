"""Tests of the main job: every claim gets a derived status, every status can fail, and the run matches the reference.

The reference (docs/reference_quick.json) was written by ``wavetheory reproduce --quick`` (its meta
says which commit and machine). Theory-side numbers must agree to float tolerance everywhere;
numbers of trained networks only on the machine that made it (same numerics fingerprint: CPU model,
torch, numpy, Python): training is bit-identical for a seed on one machine, reductions may differ across;
elsewhere trained checks keep their declarations and robust statuses (tests/reference_compare.py).
"""

import json
from pathlib import Path

import pytest

from wavetheory.claims.evidence import STATUSES
from wavetheory.cli import main
from wavetheory.claims.reproduce import reproduce
from wavetheory.theory.wave_operator import Phi
from reference_compare import compare, differences

REFERENCE = Path(__file__).resolve().parents[2] / "docs" / "reference_quick.json"


def test_differences_sees_a_changed_number_and_ignores_timings():
    ref = {"a": [1.0, {"b": 2.0}], "proof_x_seconds": 3.0}
    assert differences(ref, {"a": [1.0, {"b": 2.0}], "proof_x_seconds": 9.0}) == []
    assert differences(ref, {"a": [1.0, {"b": 2.0 + 1e-6}], "proof_x_seconds": 3.0}) == ["/a[1]/b: 2.0 vs 2.000001"]


def compare_to_reference(data: dict) -> list[str]:
    """Differences between a claims.json and the reference: every number on the reference's machine, elsewhere
    the theory side, the declared fields and the robust statuses (rules in tests/reference_compare.py)."""
    return compare(data, json.loads(REFERENCE.read_text()))


PNG = b"\x89PNG\r\n\x1a\n"


def _perturbed_phi(task):
    """Phi with one boundary entry nudged by 1e-3: every Phi-dependent check must notice."""
    M = Phi(task).copy()
    M[-1, 0] += 1e-3
    return M


@pytest.mark.parametrize("cid", ["C2", "C3", "C4", "C5"])
def test_a_perturbed_phi_changes_the_status(tmp_path, cid):
    honest, _ = reproduce(tmp_path / "a", claims=[cid], proofs=False, progress=False)
    broken, _ = reproduce(tmp_path / "b", claims=[cid], proofs=False, Phi=_perturbed_phi, progress=False)
    assert honest[0].status in ("proved", "verified", "refined")
    assert broken[0].status == "refuted", broken[0].evidence
    assert any(not c.passed for c in broken[0].checks)


def test_unknown_claim_is_rejected(tmp_path, capsys):
    with pytest.raises(ValueError, match="unknown claim"):
        reproduce(tmp_path, claims=["C99"], proofs=False)
    assert main(["reproduce", "--out", str(tmp_path), "--claims", "C99"]) == 2
    assert "unknown claim" in capsys.readouterr().err


def test_seeds_per_family_can_be_raised_never_lowered_below_five(tmp_path, capsys):
    from wavetheory.claims.evidence import Context
    from wavetheory.claims.trained_runs import seeds

    assert seeds(Context(tmp_path, quick=True, seed=3)) == [3, 4, 5, 6, 7]
    assert len(seeds(Context(tmp_path, quick=False))) == 20
    assert seeds(Context(tmp_path, quick=False, seed=1, n_seeds=6)) == [1, 2, 3, 4, 5, 6]
    for bad, err in ((4, ValueError), (True, TypeError), (5.0, TypeError)):
        with pytest.raises(err, match="n_seeds"):
            reproduce(tmp_path / "x", claims=["C1"], proofs=False, n_seeds=bad)
    assert not (tmp_path / "x").exists()  # refused before anything is written
    assert main(["reproduce", "--out", str(tmp_path / "y"), "--claims", "C13", "--seeds", "2"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "n_seeds: expected an integer >= 5, got 2" in err and not (tmp_path / "y").exists()


@pytest.mark.slow
def test_reproduce_quick_writes_every_claim_and_figure(tmp_path, capsys):
    out = tmp_path / "results"
    assert main(["reproduce", "--quick", "--out", str(out), "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    data = json.loads((out / "claims.json").read_text())
    ids = [c["id"] for c in data["claims"]]
    assert ids == [f"C{i}" for i in range(1, 17)]
    for c in data["claims"]:
        assert c["status"] in STATUSES
        assert {"id", "status", "evidence", "numbers"} <= c.keys()
        assert c["status"] == "open" or c["checks"], c["id"]  # a status other than open comes from checks
    # the theory side is settled exactly: the general proofs prove, nothing theoretical is refuted
    status = {c["id"]: c["status"] for c in data["claims"]}
    assert status["C1"] == status["C2"] == status["C4"] == status["C11"] == "proved"
    assert all(status[c] != "refuted" for c in ("C1", "C2", "C3", "C4", "C5", "C6", "C11", "C12"))
    assert len(res["figures"]) >= 8
    for f in res["figures"]:
        data = Path(f).read_bytes()
        assert data.startswith(PNG) and len(data) > 2000, f
    md = (out / "report.md").read_text()
    html = (out / "report.html").read_text()
    assert "| C14 |" in md and "data:image/png;base64," in html
    for f in res["figures"]:  # every figure is linked from the markdown report
        assert str(Path(f).relative_to(out)) in md
    diffs = compare_to_reference(json.loads((out / "claims.json").read_text()))
    assert not diffs, "\n".join(diffs[:40])
