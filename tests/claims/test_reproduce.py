"""Tests of the main job: every claim gets a derived status, and every status can fail (issue 7)."""

import json
from pathlib import Path

import pytest

from wavetheory.claims.evidence import STATUSES, Check, ClaimResult, decide
from wavetheory.cli import main
from wavetheory.claims.reproduce import reproduce
from wavetheory.theory.wave_operator import Phi

PNG = b"\x89PNG\r\n\x1a\n"


def test_decide_rules():
    ok, bad = Check("a", "numeric", True), Check("b", "numeric", False)
    assert decide([]) == "open"
    assert decide([ok]) == "verified"
    assert decide([ok, Check("p", "symbolic", True)]) == "proved"
    assert decide([ok, Check("t", "training", True)]) == "reproduced"
    assert decide([ok, bad]) == "refuted"
    assert decide([bad, Check("r", "numeric", True, scope="refined")]) == "refined"
    assert decide([bad, Check("r", "numeric", False, scope="refined")]) == "refuted"
    assert decide([ok, Check("l", "numeric", True, scope="limit")]) == "refined"
    assert decide([ok, Check("l", "numeric", False, scope="limit")]) == "verified"  # no limit shown
    # a failed symbolic proof refutes even when the numbers agree
    assert decide([ok, Check("p", "symbolic", False)]) == "refuted"
    with pytest.raises(ValueError, match="kind"):
        Check("x", "vibes", True)


def test_claim_record_shape():
    rec = ClaimResult("C4", [Check("a", "numeric", True, numbers={"x": 1.0})]).to_json()
    assert {"id", "status", "evidence", "numbers"} <= rec.keys()
    assert rec["status"] == "verified" and rec["numbers"] == {"x": 1.0} and "PASS" in rec["evidence"]


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


@pytest.mark.slow
def test_reproduce_quick_writes_every_claim_and_figure(tmp_path, capsys):
    out = tmp_path / "results"
    assert main(["reproduce", "--quick", "--out", str(out), "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    data = json.loads((out / "claims.json").read_text())
    ids = [c["id"] for c in data["claims"]]
    assert ids == [f"C{i}" for i in range(1, 15)]
    for c in data["claims"]:
        assert c["status"] in STATUSES
        assert {"id", "status", "evidence", "numbers"} <= c.keys()
        assert c["status"] == "open" or c["checks"], c["id"]  # a status other than open comes from checks
    # the theory side is settled exactly; nothing is refuted on an honest run
    status = {c["id"]: c["status"] for c in data["claims"]}
    assert status["C1"] == status["C4"] == status["C6"] == "proved"
    assert "refuted" not in status.values()
    assert len(res["figures"]) >= 8
    for f in res["figures"]:
        data = Path(f).read_bytes()
        assert data.startswith(PNG) and len(data) > 2000, f
    md = (out / "report.md").read_text()
    html = (out / "report.html").read_text()
    assert "| C14 |" in md and "data:image/png;base64," in html
    for f in res["figures"]:  # every figure is linked from the markdown report
        assert str(Path(f).relative_to(out)) in md
