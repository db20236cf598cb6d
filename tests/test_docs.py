"""The documentation site builds with warnings as errors, and what it shows is generated from the code.

``mkdocs build --strict`` fails on any warning (a broken link, a docstring mkdocstrings cannot render,
a snippet that no longer exists); the built pages must then hold the CLI help of every command, every
worked example of the authors' task IDs as decoded now, every claim of the reference run, and an API
section per public module. The README's "Property-test your own claim" example runs as written.
"""

from __future__ import annotations

import argparse
import html
import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _module(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


hooks = _module(ROOT / "docs" / "hooks.py", "wavetheory_docs_hooks")
griffe_plain_docstrings = _module(ROOT / "docs" / "griffe_plain_docstrings.py", "wavetheory_docs_griffe")


def _text(page: Path) -> str:
    """The visible text of a built page's article."""
    raw = page.read_text()
    raw = raw[raw.index("<article"):raw.index("</article>")]
    return html.unescape(re.sub(r"<[^>]+>", "", raw))


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site")
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1", PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(ROOT / "mkdocs.yml"), "-d", str(out)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out


def test_cli_reference_has_every_command(site):
    from wavetheory.cli import build_parser

    text = _text(site / "cli" / "index.html")
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    for name, parser in sub.choices.items():
        assert f"wavetheory {name}" in text
        for action in parser._actions:
            for flag in action.option_strings:
                assert flag in text, (name, flag)


def test_worked_examples_are_decoded_now(site):
    from wavetheory.theory.task_ids import WORKED_EXAMPLES, bindings_text, rows_and_signs

    text = _text(site / "task_ids" / "index.html")
    for ids, d, s, _ in WORKED_EXAMPLES:
        assert bindings_text(*ids, d, s) in text
        assert str(rows_and_signs(*ids, d, s)[0]) in text


def test_claims_table_shows_the_reference_run(site):
    text = _text(site / "claims" / "index.html")
    ref = json.loads(hooks.REFERENCE_RUN.read_text())
    claims = ref["claims"] if isinstance(ref.get("claims"), list) else [dict(v, id=k) for k, v in ref["claims"].items()]
    assert claims
    for c in claims:
        row = re.search(rf"\n{re.escape(c['id'])}\n{re.escape(c.get('title', ''))}\n(\w+)\n", text)
        assert row is not None and row.group(1) == c.get("status", c.get("verdict")), c["id"]


def test_api_reference_has_every_public_module(site):
    for wing in hooks.WINGS:
        text = _text(site / "api" / wing / "index.html")
        for module in hooks._modules(wing):
            assert module in text, module
    for nb in hooks.notebooks():
        assert (site / "notebooks" / nb.stem / "index.html").exists()
    assert "The theory this project implements" in _text(site / "theory" / "index.html")


@pytest.mark.parametrize("reference", [
    {"claims": {"C1": {"title": "t", "status": "proved", "checks": [{"passed": True}, {"passed": False}]}}},
    {"claims": [{"id": "C2", "verdict": "refined", "evidence": [{"name": "a*b|c"}, "x_y"]}]},
    {"claims": [{"id": "C3"}, "junk", 4]}, {"no claims": True}, [], "garbage",
])
def test_claims_table_reads_other_formats(reference):
    table = hooks.claims_table(reference)
    assert table.count("\n|") >= 1  # the header, and one row per readable claim
    for cid in ("C1", "C2", "C3"):
        if cid in json.dumps(reference):
            assert f"| {cid} |" in table


def test_table_cells_escape_markdown():
    assert hooks._cell("(lam**6 - 1)**2 | x_1 `c` [a][b] <b>\n") == "(lam\\*\\*6 - 1)\\*\\*2 \\| x\\_1 \\`c\\` \\[a\\]\\[b\\] &lt;b>"


def test_docstrings_are_made_markdown_safe():
    doc = "Text [A B][C; D].\n\n>>> f([1])\n[['x', 1]]\n\nafter\n    code [a][b]"
    out = griffe_plain_docstrings.markdown_safe(doc)
    assert "```pycon\n>>> f([1])\n[['x', 1]]\n```" in out
    assert "[A B]\\[C; D]" in out and "    code [a][b]" in out


# --------------------------------------------------------------------------- README: property-test your own claim


def _readme_example() -> str:
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("[start:property-test]"):readme.index("[end:property-test]")]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def _load(code: str, path: Path):
    path.write_text(code)
    return _module(path, path.stem)


def test_the_readme_example_runs(tmp_path):
    module = _load(_readme_example(), tmp_path / "test_my_claim.py")
    tests = [getattr(module, n) for n in dir(module) if n.startswith("test_")]
    assert len(tests) == 2
    for test in tests:
        test()  # hypothesis runs each property under the active profile


def test_the_broken_readme_claim_shrinks_to_the_smallest_sizes(tmp_path):
    """The README says: add lags[0] += np.eye(d) and the first test fails at d = 1, s = 1."""
    line = "    lags[s - 1] = g * np.eye(d)  # A_s = g I, all other lags zero\n"
    code = _readme_example()
    assert line in code
    module = _load(code.replace(line, line + "    lags[0] += np.eye(d)\n"), tmp_path / "test_broken.py")
    with pytest.raises(AssertionError) as err:
        module.test_eigenvalues_lie_on_one_circle()
    notes = "\n".join(getattr(err.value, "__notes__", []))
    assert "d=1," in notes and "s=1," in notes, notes
