"""Every runnable proof in proofs/ runs green (`python proofs/<name>.py` exits 0), and a failing step fails.

The proofs are discovered by glob, so a new proofs/<claim>_*.py is picked up without editing this
file; files starting with "_" are helpers, not proofs.
"""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PROOFS = sorted(p for p in (ROOT / "proofs").glob("*.py") if not p.name.startswith("_"))


def test_there_are_proofs_for_the_claims():
    names = {p.name.split("_")[0] for p in PROOFS}
    assert {"c1", "c3", "c4", "c5", "c11", "c12", "lemma"} <= names


@pytest.mark.parametrize("proof", PROOFS, ids=[p.stem for p in PROOFS])
def test_proof_is_literate_percent_format(proof):
    text = proof.read_text()
    assert "# %% [markdown]" in text and "\n# %%\n" in text, "percent-format cells (jupytext) expected"
    assert "check(" in text, "a proof checks its steps with check(...)"


@pytest.mark.parametrize("proof", PROOFS, ids=[p.stem for p in PROOFS])
def test_proof_runs_green(proof):
    # 600 s is a hang guard, not a speed target: each proof states its own cost in its checks
    res = subprocess.run([sys.executable, str(proof)], cwd=ROOT, capture_output=True, text=True, timeout=600)
    tail = "\n".join((res.stdout + res.stderr).strip().splitlines()[-15:])
    assert res.returncode == 0, f"{proof.name} failed:\n{tail}"
    assert "FAIL" not in res.stdout, tail


def test_a_failed_step_exits_non_zero(tmp_path):
    script = tmp_path / "bad_proof.py"
    script.write_text(
        f"import sys; sys.path.insert(0, {str(ROOT / 'proofs')!r})\n"
        "from _common import check\n"
        "check(1 + 1 == 2, 'true step')\n"
        "check(1 + 1 == 3, 'false step')\n"
        "print('unreachable')\n"
    )
    res = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60)
    assert res.returncode == 1
    assert "ok    true step" in res.stdout and "FAIL  false step" in res.stdout and "unreachable" not in res.stdout
    # a SymPy relational that is not decided is not a pass
    script.write_text(
        f"import sys; sys.path.insert(0, {str(ROOT / 'proofs')!r})\n"
        "import sympy as sp\nfrom _common import check\n"
        "x = sp.Symbol('x')\ncheck(sp.Eq(x, 1), 'undecided')\n"
    )
    assert subprocess.run([sys.executable, str(script)], capture_output=True, timeout=60).returncode == 1
