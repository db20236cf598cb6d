"""The documentation site builds with warnings as errors, and what it shows is generated from the code.

``sphinx -W`` fails on any warning (a broken link or toctree entry, a docstring that is not valid reST, a
formula mathtext cannot draw, a notebook cell that raises). The built pages must then hold the CLI help
of every command, every worked example of the authors' task IDs as decoded now, every claim and check of
the committed runs, an API section per public module whose docstrings read exactly as written, math
drawn as pictures, and, with the notebooks executed (slow), their outputs and figures. The docs page
"Property-test your own claim" runs as written.
"""

from __future__ import annotations

import argparse
import html
import importlib.util
import inspect
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXT = ROOT / "docs" / "_ext"


def _module(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


wavedocs = _module(EXT / "wavedocs.py", "wavetheory_docs_ext")
plain = _module(EXT / "plain_docstrings.py", "wavetheory_docs_plain")


def _build(out: Path, execute: bool) -> Path:
    env = dict(os.environ, WAVETHEORY_DOCS_EXECUTE="force" if execute else "off", OMP_NUM_THREADS="1",
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    proc = subprocess.run([sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html", "-d", str(out / ".doctrees"),
                           str(ROOT / "docs"), str(out)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-4000:]
    return out


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The site without executing the notebooks (~15 s of CPU; the executed build is the slow test below)."""
    return _build(tmp_path_factory.mktemp("site"), execute=False)


def _text(page: Path) -> str:
    """The visible text of a built page's article, whitespace collapsed."""
    raw = page.read_text()
    raw = raw[raw.index("<article"):raw.index("</article>")]
    raw = re.sub(r"<(script|style)\b.*?</\1>", "", raw, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", raw)).split())


def test_cli_reference_has_every_command(site):
    from wavetheory.cli import build_parser

    text = _text(site / "cli.html")
    # the help texts are plain-text blocks, which the site's stylesheet wraps instead of clipping
    assert 'class="highlight-text' in (site / "cli.html").read_text()
    assert ".highlight-text pre" in (site / "_static" / "wavetheory.css").read_text()
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    for name, parser in sub.choices.items():
        assert f"wavetheory {name}" in text
        for action in parser._actions:
            for flag in action.option_strings:
                assert flag in text, (name, flag)


def test_worked_examples_are_decoded_now(site):
    from wavetheory.theory.task_ids import WORKED_EXAMPLES, bindings_text, rows_and_signs

    text = _text(site / "task_ids.html")
    for ids, d, s, _ in WORKED_EXAMPLES:
        assert " ".join(bindings_text(*ids, d, s).split()) in text
        assert str(rows_and_signs(*ids, d, s)[0]) in text


def test_claims_page_shows_every_check_of_every_committed_run(site):
    text = _text(site / "claims.html")
    full = ROOT / "docs" / "reference_full.json"
    runs = [ROOT / "docs" / "reference_quick.json", *([full] if full.exists() else []),
            *sorted((ROOT / "docs").glob("run_*.json"))]
    for path in runs:
        ref = json.loads(path.read_text())
        assert ref["meta"]["command"] in text, path.name
        for c in ref["claims"]:
            assert re.search(rf"\b{c['id']} {re.escape(c['status'])}: ", text), (path.name, c["id"])
            for k in c.get("checks", []):
                assert " ".join(k["detail"].split()) in text, (path.name, c["id"], k["name"])


def test_benchmark_and_mutation_records_are_on_their_pages(site):
    bench, mutation = _text(site / "benchmarks.html"), _text(site / "mutation.html")
    run = json.loads((ROOT / "docs" / "mutation_run.json").read_text())
    assert f"{run['killed']} of {run['mutants']} mutants killed" in mutation
    assert all(e["name"] in mutation for e in run["equivalent"])
    rep = json.loads((ROOT / "docs" / "bench_train.json").read_text())["reproduce"]
    assert f"{rep['wall_seconds']:.0f} s" in bench


def test_api_reference_has_every_public_module(site):
    for wing in wavedocs.WINGS:
        text = _text(site / "_generated" / "api" / f"{wing}.html")
        for module in wavedocs.modules(wing):
            assert module in text, module
    for nb in wavedocs.notebooks():
        assert (site / "_generated" / "notebooks" / f"{nb.stem}.html").exists()
    assert "The theory this project implements" in _text(site / "theory.html")


def _shown(doc: str) -> str:
    """A docstring's characters as the page shows them, without whitespace (a tag boundary on the page reads as a
    space, as in ``<code>x</code>:``): list bullets and numbers are HTML lists there, ``::`` ending a paragraph
    shows as ``:``, and ``literal`` markers are dropped on both sides (kept verbatim in literal blocks). Every
    other character must match."""
    doc = re.sub(r"^\s*([-*]|\d+\.) ", "", doc, flags=re.M)
    doc = re.sub(r"::$", ":", doc, flags=re.M)
    return re.sub(r"\s+", "", doc).replace("``", "")


def test_every_docstring_reads_as_written(site):
    """The visible text of each public object's docstring on its API page equals its source text."""
    checked = 0
    for wing in wavedocs.WINGS:
        text = re.sub(r"\s+", "", _text(site / "_generated" / "api" / f"{wing}.html")).replace("``", "")
        for name in wavedocs.modules(wing):
            module = __import__(name, fromlist=["_"])
            objects = [module] + [getattr(module, n) for n in getattr(module, "__all__", [])]
            for obj in objects:
                if getattr(obj, "__module__", name) != name and obj is not module:
                    continue  # re-exported: documented where it is defined
                doc = inspect.getdoc(obj) if (inspect.isfunction(obj) or inspect.isclass(obj) or obj is module) else None
                if doc:
                    assert _shown(doc) in text, (name, getattr(obj, "__name__", obj), _shown(doc)[:200])
                    checked += 1
    assert checked > 300  # every public function and class of the package, not a handful


@pytest.mark.parametrize("source", [
    "Relative error ||pinv(Psi) W_hh Psi - Phi||_F / ||Phi||_F of the operator seen in basis Psi (C8).",
    "Phi E_i = E_{i-1} + E_s A_{s+1-i}, so *every* block but the first is fixed; see ``power_basis`` |x|.",
    "A ``literal that runs\nover a line break`` and `one backtick`.",
])
def test_plain_docstrings_keep_every_character(source):
    from docutils.core import publish_doctree

    rst = "\n".join(plain.to_rst(source.splitlines()))
    tree = publish_doctree(rst, settings_overrides={"report_level": 2, "halt_level": 2})  # a warning raises
    assert " ".join(tree.astext().split()) == " ".join(source.replace("``", "").split())


def test_plain_docstrings_keep_doctests_lists_and_indented_blocks():
    lines = ["Text:", "    x(t) = sum_k A_k x(t-k)", "- one *item*", "  continued", "- two", "after", "",
             ">>> f([1])", "[['x', 1]]"]
    rst = plain.to_rst(lines)
    assert ".. code-block:: text" in rst and "       x(t) = sum_k A_k x(t-k)" in rst
    assert "- one \\*item\\* continued" in rst and ">>> f([1])" in rst and "[['x', 1]]" in rst


def test_math_is_drawn_as_pictures(site):
    page = (site / "_generated" / "notebooks" / "02_lbc_spectra.html").read_text()
    formulas = re.findall(r'<img class="math" src="data:image/svg\+xml;base64,[^"]+" alt="([^"]*)"', page)
    assert len(formulas) >= 10 and any("\\det" in html.unescape(f) for f in formulas)
    assert "$" not in re.sub(r"<(pre|code)\b.*?</\1>", "", _text(site / "_generated" / "notebooks" / "02_lbc_spectra.html"))


def test_pages_added_to_docs_are_listed_in_the_contents(tmp_path, monkeypatch):
    monkeypatch.setattr(wavedocs, "DOCS", tmp_path)
    (tmp_path / "index.md").write_text("```{toctree}\ntheory\n<!-- generated: optional-pages -->\n```\n")
    (tmp_path / "theory.md").write_text("# Theory\n")
    assert wavedocs.optional_pages() == ""
    for name in ("zeta", "guarantees", "analyze_your_network"):
        (tmp_path / f"{name}.md").write_text(f"# {name}\n")
    assert wavedocs.optional_pages().splitlines() == ["analyze_your_network", "guarantees", "zeta"]


@pytest.mark.slow
def test_executed_notebooks_show_their_outputs_and_figures(tmp_path):
    """The full build: every notebook runs in its kernel (15-20 s each on 2 cores) and its page keeps the outputs."""
    site = _build(tmp_path / "site", execute=True)
    for nb in wavedocs.notebooks():
        page = (site / "_generated" / "notebooks" / f"{nb.stem}.html").read_text()
        assert "cell_output" in page, nb.stem
        figures = re.findall(r'<img [^>]*src="[^"]*\.png"', page)
        assert figures, f"{nb.stem}: no figure on the page"


# --------------------------------------------------------------------------- the property-test example


def _example() -> str:
    page = (ROOT / "docs" / "property_tests.md").read_text()
    return re.search(r"```python\n(.*?)```", page, re.S).group(1)


def _load(code: str, path: Path):
    path.write_text(code)
    return _module(path, path.stem)


def test_the_property_test_example_runs(tmp_path):
    module = _load(_example(), tmp_path / "test_my_claim.py")
    tests = [getattr(module, n) for n in dir(module) if n.startswith("test_")]
    assert len(tests) == 2
    for test in tests:
        test()  # hypothesis runs each property under the active profile


def test_the_broken_claim_shrinks_to_the_smallest_sizes(tmp_path):
    """The page says: add lags[0] += np.eye(d) and the first test fails at d = 1, s = 1."""
    line = "    lags[s - 1] = g * np.eye(d)  # A_s = g I, all other lags zero\n"
    code = _example()
    assert line in code
    module = _load(code.replace(line, line + "    lags[0] += np.eye(d)\n"), tmp_path / "test_broken.py")
    with pytest.raises(AssertionError) as err:
        module.test_eigenvalues_lie_on_one_circle()
    notes = "\n".join(getattr(err.value, "__notes__", []))
    assert "d=1," in notes and "s=1," in notes, notes
