"""Every runnable proof in proofs/ runs green (`python proofs/<name>.py` exits 0), and a failing step fails.

Scope is checked, not printed: a proof that declares itself general prints its argument steps as
``ok    [symbolic in s, ...] ...`` and a SCOPE line whose ``symbolic_steps`` count them; replacing one
of those steps by a numeric instance makes the proof exit non-zero (``_common.done``).

The proofs are discovered by glob, so a new proofs/<claim>_*.py is picked up without editing this
file; files starting with "_" are helpers, not proofs.
"""

import functools
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PROOFS = sorted(p for p in (ROOT / "proofs").glob("*.py") if not p.name.startswith("_"))
# the proofs whose scope is general: a change of this set is a change of the claims' verdicts, made on purpose
GENERAL = {"c1_representation", "c2_fibonacci_radius", "c3_lbc_linear_rnn", "c4_block_determinant",
           "c11_tanh_linearization", "c12_realizability", "c16_minimal_memory"}
SYMBOLIC_LINE = re.compile(r"^ok    \[symbolic in ([^\]]+)\] ")


@functools.lru_cache(maxsize=None)
def _run(proof: Path) -> subprocess.CompletedProcess:
    # 600 s is a hang guard, not a speed target: each proof states its own cost in its checks
    return subprocess.run([sys.executable, str(proof)], cwd=ROOT, capture_output=True, text=True, timeout=600)


def _scope(stdout: str) -> dict:
    lines = [ln for ln in stdout.splitlines() if ln.startswith("SCOPE ")]
    assert len(lines) == 1, "one SCOPE line expected"
    return json.loads(lines[0][len("SCOPE "):])


def _run_mutant(tmp_path: Path, proof: Path, edits: list[tuple[str, str]]) -> subprocess.CompletedProcess:
    """Run a copy of ``proof`` with each ``old`` replaced by ``new`` (each site exactly once), importing the real _common."""
    text = proof.read_text()
    for old, new in edits:
        assert text.count(old) == 1, f"the mutation site must occur once in {proof.name}: {old!r}"
        text = text.replace(old, new)
    mutant = tmp_path / proof.name
    mutant.write_text(text)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "proofs"), str(ROOT)])}
    return subprocess.run([sys.executable, str(mutant)], cwd=ROOT, capture_output=True, text=True, timeout=600, env=env)


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
    res = _run(proof)
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


@pytest.mark.parametrize("proof", PROOFS, ids=[p.stem for p in PROOFS])
def test_declared_scope_is_backed_by_symbolic_steps(proof):
    res = _run(proof)
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-2000:]
    scope = _scope(res.stdout)
    # the older readers' fields stay; the new ones have their types
    assert isinstance(scope["text"], str) and scope["text"] and isinstance(scope["general"], bool)
    assert isinstance(scope["sizes"], dict) and isinstance(scope["symbolic_steps"], dict)
    assert all(isinstance(c, str) and c for c in scope["cites"]) and all(isinstance(b, str) and b for b in scope["bounded"])
    assert scope["general"] == (proof.stem in GENERAL), f"{proof.stem}: general = {scope['general']}"
    # count the printed symbolic steps per dimension: they must be the SCOPE line's counts
    counted: dict[str, int] = {}
    for line in res.stdout.splitlines():
        m = SYMBOLIC_LINE.match(line)
        if m:
            for dim in m.group(1).split(", "):
                counted[dim] = counted.get(dim, 0) + 1
    assert counted == scope["symbolic_steps"]
    if scope["general"]:
        assert counted and min(counted.values()) >= 1, "a general proof runs symbolic steps"
        assert "[NOT symbolic]" not in res.stdout
        # every general proof is symbolic in a size or history variable, not only in an induction index
        assert set(counted) & {"s", "d", "n", "p", "q", "N", "r", "g", "rho"}, counted


def _synthetic(body: str) -> str:
    return "import sympy as sp\nfrom _common import argument, check, done, zero\ns = sp.Symbol('s', integer=True, positive=True)\n" + body


@pytest.mark.parametrize("body, general_ok", [
    ("with argument('s'):\n    check(zero((s + 1)**2 - s**2 - 2*s - 1), 'symbolic step')\ndone('x', 'general', general=True)\n", True),
    # the same step at s = 3: true, but no longer symbolic in s
    ("with argument('s'):\n    check(zero((3 + 1)**2 - 3**2 - 2*3 - 1), 'numeric step')\ndone('x', 'general', general=True)\n", False),
    # general with no argument block at all
    ("check(zero((s + 1)**2 - s**2 - 2*s - 1), 'step outside')\ndone('x', 'general', general=True)\n", False),
    # a dimension named by the block that no step is symbolic in
    ("with argument('s', 'd'):\n    check(zero((s + 1)**2 - s**2 - 2*s - 1), 's only')\ndone('x', 'general', general=True)\n", False),
    # a numeric step declared bounded is fine
    ("with argument('s'):\n    check(zero((3 + 1)**2 - 3**2 - 2*3 - 1), 'numeric step')\ndone('x', 's = 3', general=False)\n", True),
])
def test_done_checks_the_general_scope(tmp_path, body, general_ok):
    script = tmp_path / "synthetic_proof.py"
    script.write_text(_synthetic(body))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "proofs"), str(ROOT)])}
    res = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60, env=env)
    if general_ok:
        assert res.returncode == 0 and "all 1 checks passed" in res.stdout, res.stdout + res.stderr
    else:
        assert res.returncode == 2 and "SCOPE CHECK FAILED" in res.stdout and "SCOPE {" not in res.stdout, res.stdout


# one step of a real general proof replaced by the same statement at a fixed size: still true, no longer general
MUTANTS = [
    # an index step: p_(s+1) = lam p_s - 1 checked at s = 3 only
    ("c2_fibonacci_radius", [("check(zero(pc(s + 1) - (lam * pc(s) - 1)),", "check(zero(pc(4) - (lam * pc(3) - 1)),")], "step 7"),
    # a MatrixSymbol step: the LTI induction for 3 x 3 matrices at t - tau = 2 only
    ("c12_realizability", [
        ('Wm, Bm = sp.MatrixSymbol("W", n, n), sp.MatrixSymbol("B", n, 1)', 'Wm, Bm = sp.MatrixSymbol("W", 3, 3), sp.MatrixSymbol("B", 3, 1)'),
        ("check((Wm * Wm ** (t - tau) * Bm).doit() == Wm ** (t + 1 - tau) * Bm", "check((Wm * Wm ** 2 * Bm).doit() == Wm ** 3 * Bm"),
        ("over=Wm * Wm ** (t - tau) * Bm)", "over=Wm * Wm ** 2 * Bm)")], "LTI induction step"),
]


@pytest.mark.parametrize("name, edits, step", MUTANTS, ids=[m[0] for m in MUTANTS])
def test_a_general_step_made_numeric_fails_the_proof(tmp_path, name, edits, step):
    res = _run_mutant(tmp_path, ROOT / "proofs" / f"{name}.py", edits)
    assert res.returncode == 2, res.stdout[-2000:] + res.stderr[-2000:]
    failure = [ln for ln in res.stdout.splitlines() if ln.startswith("SCOPE CHECK FAILED")]
    assert failure and step in failure[0] and "not symbolic" in failure[0]
    assert not any(ln.startswith("SCOPE {") for ln in res.stdout.splitlines())
