"""The reproduction report: report.md and a self-contained report.html, rendered from a claims.json dict.

One view of the run (``model.read_run``), two Jinja2 templates (``templates/``): a summary table first
(claim, rows, status, the one number that decided it), then each claim's rows with their checks, the
derivations as math (LaTeX drawn to SVG at build time, ``mathsvg``) and the figures (embedded in the
HTML, linked from the markdown).
"""

from __future__ import annotations

import base64
import os
from pathlib import Path
from typing import Any, Mapping, Sequence

from ..io import write_text
from .model import RULE, KIND_WORDS, fmt, read_run

__all__ = ["render_report", "render_markdown", "render_html"]

TITLE = "wavetheory: reproduction of the traveling-wave theory's claims"
PAPER = ("Karuvally, Sejnowski & Siegelmann, Hidden Traveling Waves bind Working Memory Variables in Recurrent "
         "Neural Networks, ICML 2024")
TEMPLATES = Path(__file__).resolve().parent / "templates"
_MIME = {".png": "image/png", ".svg": "image/svg+xml", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}


def _environment(html: bool):
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=html, undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["num"] = fmt
    env.filters["cell"] = lambda text: " ".join(str(text).split()).replace("|", "\\|")
    env.filters["interval"] = lambda iv: f"[{fmt(iv[0])}, {fmt(iv[1])}]" if iv else ""
    if html:  # a number never breaks inside (2.002e-15 would break at its minus sign); a list breaks between items
        from markupsafe import Markup

        env.filters["nobreak"] = lambda text: Markup(", ").join(
            Markup('<span class="nb">{}</span>').format(part) for part in str(text).split(", "))
    return env


def _figures(figures: Sequence[tuple[str, str | Path]], out: Path, embed: bool) -> list[dict[str, str]]:
    items = []
    for caption, path in figures:
        path = Path(path)
        item = {"caption": str(caption), "name": path.name, "link": Path(os.path.relpath(path, out)).as_posix()}
        if embed:
            mime = _MIME.get(path.suffix.lower())
            if mime is None:
                raise ValueError(f"figures: {path} is not a PNG, SVG or JPEG image")
            item["src"] = f"data:{mime};base64," + base64.b64encode(path.read_bytes()).decode()
        items.append(item)
    return items


def _math(latex: Mapping[str, Sequence[str]] | None, draw: bool) -> list[dict[str, Any]]:
    from .mathsvg import svg_data_uri

    blocks = []
    for title, items in (latex or {}).items():
        formulas = []
        for tex in items:
            try:
                formulas.append({"tex": tex, "src": svg_data_uri(tex, 16.0) if draw else ""})
            except ValueError:  # outside mathtext's LaTeX: shown as its source, never dropped
                formulas.append({"tex": tex, "src": ""})
        blocks.append({"title": title, "formulas": formulas})
    return blocks


def _context(claims: dict, out: Path, figures, latex, html: bool) -> dict[str, Any]:
    run = read_run(claims)
    figs = _figures(figures, out, embed=html)
    placed = {c.id: [f for f in figs if f["name"] in c.figures] for c in run.claims}
    used = {id(f) for fs in placed.values() for f in fs}
    return {"title": TITLE, "paper": PAPER, "run": run, "meta": run.meta, "rule": RULE, "kinds": KIND_WORDS,
            "placed": placed, "figures": [f for f in figs if id(f) not in used], "math": _math(latex, draw=html),
            "inferred": any(c.decided and c.decided["inferred"] for c in run.claims),
            "test_command": 'python -m pip install -q -c constraints.txt -e ".[test]" && python -m pytest -q'}


def render_markdown(claims: dict, out: Path, figures: Sequence[tuple[str, str | Path]] = (),
                    latex: Mapping[str, Sequence[str]] | None = None) -> str:
    """report.md's text: figures linked relative to ``out``, math as ``$$ ... $$``."""
    return _environment(html=False).get_template("report.md.j2").render(**_context(claims, Path(out), figures, latex, False))


def render_html(claims: dict, out: Path, figures: Sequence[tuple[str, str | Path]] = (),
                latex: Mapping[str, Sequence[str]] | None = None) -> str:
    """report.html's text: one file, figures and math embedded as data URIs, no script, nothing fetched."""
    return _environment(html=True).get_template("report.html.j2").render(**_context(claims, Path(out), figures, latex, True))


def render_report(claims: dict, out: Path, figures: Sequence[tuple[str, str | Path]] = (),
                  latex: Mapping[str, Sequence[str]] | None = None) -> tuple[Path, Path]:
    """Write ``out/report.md`` and a self-contained ``out/report.html`` from a claims.json dict; return both paths.

    ``figures``: (caption, path) pairs, each placed under the claim that lists its file name in
    ``figures``, the rest at the end; ``latex``: section title -> LaTeX formulas (the derivations).
    """
    out = Path(out)
    md = write_text(out / "report.md", render_markdown(claims, out, figures, latex))
    page = write_text(out / "report.html", render_html(claims, out, figures, latex))
    return md, page
