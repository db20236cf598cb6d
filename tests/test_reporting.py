"""The report (wavetheory.reporting): a summary table first, rows with their checks, math drawn, no internal keys.

Rendered from a synthetic schema-3 claims.json (rows, intervals, controls, a revision) and from the committed
reference run docs/reference_quick.json (an older file: no rows, each claim read as one row).
"""

from __future__ import annotations

import copy
import html as htmllib
import json
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from wavetheory.reporting import render_html, render_markdown, render_report  # noqa: E402
from wavetheory.reporting.mathsvg import latex_to_svg  # noqa: E402
from wavetheory.reporting.model import fmt, read_run  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "docs" / "reference_quick.json"


def _check(name, quantity, passed, value, threshold, relation="<=", kind="stated", road="trained", **extra):
    return {"name": name, "claim": "C7", "row": "C7.1", "kind": kind, "road": road, "quantity": quantity,
            "relation": relation, "threshold": threshold, "justification": "the bar of the paper's figure 4",
            "passed": passed, "value": value, "values": [value, value * 1.01] if road == "trained" else None,
            "interval": [value * 0.9, value * 1.1] if road == "trained" else None, "controls": [], "k_of_n": None,
            "replaces": None, "scope": {"text": "repeat-copy d = 3, s = 4; seeds 0-1 (n = 2)", "general": False},
            "declared_in": "abc1234", "revision": None, "detail": "formatted by the claim from the measured values",
            "numbers": {"c7_secret_internal_key": [1.0, 2.0]}, **extra}


def schema3() -> dict:
    control = _check("c7_init_w_spectrum", "mean matched eigenvalue distance of W_hh at initialization", True, 0.57,
                     0.05, ">", kind="control")
    stated = _check("c7_w_spectrum", "mean matched eigenvalue distance of W_hh to Phi", False, 0.0652, 0.05,
                    controls=[{"name": "c7_init_w_spectrum", "difference": {"median": -0.5, "interval": [-0.52, -0.48]}}],
                    universal=True, revisions=[{"what": "kind", "old": "limit", "new": "stated", "reason": "inside the scope",
                                                "value_seen": 0.06, "commit": "abc"}])
    refined = _check("c7_jacobian_spectrum", "mean matched eigenvalue distance of the averaged Jacobian to Phi", True,
                     0.0172, 0.05, kind="refined", replaces="c7_w_spectrum",
                     revision={"old": 0.02, "new": 0.05, "reason": "the bar of figure 4", "value_seen": 0.0172, "commit": "def"})
    proof = _check("c4_block_proof", "steps of the block-determinant proof that passed", True, 99, 99, "==",
                   road="symbolic")
    bound = _check("c4_decay_bound", "", True, {"slope_excess": -0.824, "bound_ratio": 0.49}, {"slope_excess": 0.0},
                   road="numeric")
    return {
        "schema": 3,
        "meta": {"command": "wavetheory reproduce --quick --out results", "mode": "quick", "seed": 0, "seeds_per_family": 2,
                 "wall_seconds": 12.3, "machine": "x86_64, 2 cores", "date": "2026-12-04", "commit": "abc1234",
                 "fingerprint": {"cpu_model": "Some CPU", "machine": "x86_64"}},
        "claims": [
            {"id": "C4", "title": "Spectrum: det(lam I - Phi) = det(lam^s I - sum lam^(s-k) A_k)", "source": "paper",
             "status": "proved", "verdict": "proved (general (Schur complement))", "summary": "",
             "decided_by": {"check": "c4_block_proof", "value": 99, "threshold": 99, "relation": "=="},
             "figures": [], "rows": [{"id": "C4.1", "wording": "the block formula gives the characteristic polynomial",
                                      "status": "proved", "verdict": "proved (general)", "reason": "", "revised": False,
                                      "cites": ["Schur complement"], "checks": [proof, bound]}]},
            {"id": "C7", "title": "Trained W_hh spectrum converges to that of Phi", "source": "paper",
             "status": "refined", "verdict": "refined (repeat-copy d = 3, s = 4; seeds 0-1 (n = 2))",
             "summary": "Over 2 seeds the Jacobian matches Phi; W_hh does not.",
             "decided_by": {"check": "c7_jacobian_spectrum", "value": 0.0172, "threshold": 0.05, "relation": "<="},
             "figures": ["spectrum_trained.png"],
             "rows": [
                 {"id": "C7.1", "wording": "the s*d leading eigenvalues of W_hh converge to those of Phi", "status": "refined",
                  "verdict": "refined (...)", "reason": "", "revised": True, "cites": [], "checks": [stated, refined, control]},
                 {"id": "C7.2", "wording": "the extra eigenvalues decay", "status": "open", "verdict": "open",
                  "reason": "no network was trained long enough", "revised": False, "cites": [], "checks": []},
             ]},
        ],
    }


def _png(path: Path) -> Path:
    fig, ax = plt.subplots(figsize=(1, 1))
    ax.plot([0, 1])
    fig.savefig(path)
    plt.close(fig)
    return path


def _text(page: str) -> str:
    """The visible text of an HTML page (tags and attribute values dropped)."""
    page = re.sub(r'<span class="nb">(.*?)</span>', r"\1", page)  # an unbreakable number reads as itself
    return htmllib.unescape(re.sub(r"<[^>]+>", " ", re.sub(r"<style.*?</style>", "", page, flags=re.S)))


def _summary_rows(md: str) -> dict[str, list[str]]:
    table = md.split("## Summary", 1)[1].split("\n\n", 2)[1]
    rows = {}
    for line in table.splitlines()[2:]:
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        rows[re.sub(r"\[(\w+)\].*", r"\1", cells[0])] = cells
    return rows


def test_summary_table_comes_first_with_status_words_and_the_deciding_number(tmp_path):
    md = render_markdown(schema3(), tmp_path)
    assert md.index("## Summary") < md.index("## Claims") < md.index("### C4")
    assert "on x86_64, 2 cores (Some CPU)" in md  # the machine and its CPU model (the fingerprint of schema 3)
    rows = _summary_rows(md)
    assert list(rows) == ["C4", "C7"]
    assert rows["C7"][2] == "2: 1 refined, 1 open" and rows["C7"][3] == "**refined**"  # the status word, no scope
    assert rows["C7"][4] == ("mean matched eigenvalue distance of the averaged Jacobian to Phi: 0.0172 (needs <= 0.05), "
                             "95% interval [0.01548, 0.01892]")
    assert rows["C4"][4] == "steps of the block-determinant proof that passed: 99 (needs == 99)"


def test_rows_checks_controls_and_revisions_are_shown_in_words(tmp_path):
    for page in (render_markdown(schema3(), tmp_path), _text(render_html(schema3(), tmp_path))):
        assert "C7.1" in page and "the s*d leading eigenvalues of W_hh converge to those of Phi" in page
        assert "Why no data: no network was trained long enough" in page  # the open row says why
        assert "replaces: mean matched eigenvalue distance of W_hh to Phi" in page
        assert 'Against control "mean matched eigenvalue distance of W_hh at initialization": median difference -0.5' in page
        assert "0.02 -> 0.05" in page.replace("→", "->") and "Cited without being checked: Schur complement." in page
        assert "Revised after data: limit -> stated (inside the scope)" in page.replace("→", "->")
        assert "One counterexample refutes." in page


def test_no_internal_key_is_shown(tmp_path):
    data = schema3()
    checks = [chk for c in data["claims"] for r in c["rows"] for chk in r["checks"]]
    keys = {k for chk in checks for k in [chk["name"], *chk["numbers"], *(chk["value"] if isinstance(chk["value"], dict) else [])]}
    assert {"c4_decay_bound", "slope_excess", "bound_ratio"} <= keys
    md, page = render_markdown(data, tmp_path), _text(render_html(data, tmp_path))
    for key in keys:
        assert key not in md and key not in page, key
    # a check without a quantity is labelled by its name in words; a value of several numbers, each in words
    assert "c4 decay bound" in page and "slope excess -0.824" in page and "bound ratio 0.49" in page


def test_html_is_self_contained_with_math_and_figures_embedded(tmp_path):
    fig = _png(tmp_path / "spectrum_trained.png")
    other = _png(tmp_path / "waves.png")
    latex = {"C4: repeat copy": [r"\det(\lambda I - \Phi) = \left(\lambda^{6} - 1\right)^{2}",
                                 r"e^{- \frac{i \pi}{3}}\ (\text{alg}\ 1)"]}
    md_path, html_path = render_report(schema3(), tmp_path, [("trained spectrum", fig), ("the waves", other)], latex)
    page, md = html_path.read_text(), md_path.read_text()
    assert "<script" not in page and "<link" not in page and not re.search(r"""(src|href)=["']?(https?:)?//""", page)
    assert page.count('src="data:image/png;base64,') == 2
    for tex in latex["C4: repeat copy"]:
        assert f'alt="{htmllib.escape(tex)}"' in page and f"$$ {tex} $$" in md
    assert page.count('src="data:image/svg+xml;base64,') == 2  # both formulas drawn, none left as source
    # the figure a claim lists is placed in that claim's section; the other goes to the figures section
    c7 = page[page.index('id="c7"'):page.index("</section>", page.index('id="c7"'))]
    assert "trained spectrum" in c7 and "the waves" not in c7
    assert md.index("![trained spectrum](spectrum_trained.png)") < md.index("## Figures") < md.index("![the waves](waves.png)")


def test_latex_outside_mathtext_is_shown_as_source_not_dropped(tmp_path):
    with pytest.raises(ValueError, match="tex"):
        latex_to_svg(r"\begin{pmatrix} a \end{pmatrix}")
    page = render_html(schema3(), tmp_path, latex={"x": [r"\begin{pmatrix} a \end{pmatrix}"]})
    assert r"<code>\begin{pmatrix} a \end{pmatrix}</code>" in page


def _ref_checks(claim: dict) -> list[dict]:
    return [k for r in claim.get("rows", []) for k in r["checks"]] if "rows" in claim else claim["checks"]


def test_the_reference_run_renders_its_rows(tmp_path):
    ref = json.loads(REFERENCE.read_text())
    run = read_run(ref)
    assert [c.id for c in run.claims] == [c["id"] for c in ref["claims"]]
    assert all([r.id for r in c.rows] == [r["id"] for r in rc["rows"]] for c, rc in zip(run.claims, ref["claims"]))
    md, page = render_markdown(ref, tmp_path), _text(render_html(ref, tmp_path))
    rows = _summary_rows(md)
    for c in ref["claims"]:
        assert rows[c["id"]][3] == f"**{c['status']}**", c["id"]  # the status word, not "proved (general (...))"
        for k in _ref_checks(c):
            if k["value"] is not None:
                assert fmt(k["value"]) in page
            for key in (k.get("numbers") or {}):  # internal keys never reach the reader
                if key.count("_") >= 2:  # a code-style key (c14_rnn_operating_point), not a symbol (rho_s)
                    assert key not in md and key not in page, key
    c7 = next(c for c in run.claims if c.id == "C7")
    assert c7.decided and not c7.decided["passed"]  # refuted by a failed stated check: the summary names it


def test_a_changed_status_changes_the_report(tmp_path):
    ref = json.loads(REFERENCE.read_text())
    changed = copy.deepcopy(ref)
    changed["claims"][0]["status"] = "refuted"
    changed["claims"][0]["rows"][0]["status"] = "refuted"
    changed["claims"][0]["rows"][0]["checks"][0]["passed"] = False
    assert _summary_rows(render_markdown(changed, tmp_path))["C1"][3] == "**refuted**"


@pytest.mark.parametrize("bad", [[], "claims.json", {"meta": {}}, {"claims": {"C1": {}}}])
def test_bad_input_is_a_type_error_naming_the_argument(bad, tmp_path):
    with pytest.raises(TypeError, match="claims"):
        render_report(bad, tmp_path)


def test_a_figure_that_is_not_an_image_is_refused(tmp_path):
    bad = tmp_path / "notes.txt"
    bad.write_text("x")
    with pytest.raises(ValueError, match="figures"):
        render_report(schema3(), tmp_path, [("notes", bad)])


def test_a_check_named_by_its_statement_shows_the_statement_and_the_quantity(tmp_path):
    data = schema3()
    row = data["claims"][1]["rows"][0]
    row["checks"][1]["name"] = "refined: the averaged Jacobian's eigenvalues converge to Phi's"
    row["checks"][1]["replaces"] = row["checks"][0]["name"] = "the eigenvalues of W_hh converge to Phi's"
    data["claims"][1]["decided_by"]["check"] = row["checks"][1]["name"]
    page = _text(render_html(data, tmp_path))
    assert "refined: the averaged Jacobian's eigenvalues converge to Phi's" in page
    assert "measured: mean matched eigenvalue distance of the averaged Jacobian to Phi" in page
    assert "replaces: the eigenvalues of W_hh converge to Phi's" in page  # the statement, not the shared quantity
    row_c7 = _summary_rows(render_markdown(data, tmp_path))["C7"][4]
    assert row_c7.startswith("refined: the averaged Jacobian's eigenvalues converge to Phi's; mean matched eigenvalue")
