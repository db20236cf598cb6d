"""MkDocs hooks: every table and reference page of the site is generated here at build time, never typed.

* ``on_files`` adds generated pages: the API reference (one page per wing, one section per module,
  rendered by mkdocstrings from the docstrings) and the notebooks (their percent-format sources as
  markdown, without executing them);
* ``on_page_markdown`` fills the markers ``<!-- generated: NAME -->`` of the written pages: the CLI
  reference (argparse's own help of every command), the claims table (from the reference run
  ``docs/reference_quick.json``) and the worked examples of the authors' task IDs (decoded by
  ``wavetheory.theory.task_ids``).

``mkdocs build --strict`` (tests/test_docs.py) fails on any warning, so a page cannot go stale.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "wavetheory"
REFERENCE_RUN = ROOT / "docs" / "reference_quick.json"
WINGS = {  # page -> (title, what it holds)
    "theory": ("Theory", "the mathematics of THEORY.md, pure numpy and SymPy"),
    "learning": ("Learning", "networks, training and analysis (torch)"),
    "claims": ("Claims", "the verdicts: checks, the status rule, the main job and the report"),
    "sweeps": ("Sweeps", "grids of training runs"),
    "base": ("Base modules", "validation, files, statistics, thresholds, plots, strategies, the checkpoint reader"),
}
_MARKER = re.compile(r"<!-- generated: ([a-z-]+) -->")


# --------------------------------------------------------------------------- generated pages


def _modules(wing: str) -> list[str]:
    """Public modules of a wing, in file order (private ones, starting with _, are skipped)."""
    if wing == "base":
        paths = sorted(p for p in PACKAGE.glob("*.py") if not p.name.startswith("_"))
    else:
        paths = sorted(p for p in (PACKAGE / wing).glob("*.py") if not p.name.startswith("_"))
    prefix = "wavetheory." if wing == "base" else f"wavetheory.{wing}."
    return [prefix + p.stem for p in paths]


def api_page(wing: str) -> str:
    title, what = WINGS[wing]
    parts = [f"# {title}\n\n`wavetheory.{wing}`: {what}.\n" if wing != "base" else f"# {title}\n\nThe base modules: {what}.\n"]
    parts += [f"::: {m}\n" for m in _modules(wing)]
    return "\n".join(parts)


def notebook_page(path: Path) -> str:
    """A percent-format notebook as markdown: markdown cells as text, code cells as python blocks (not executed)."""
    import jupytext

    nb = jupytext.read(path)
    out = [f"!!! note \"Source\"\n    `notebooks/{path.name}` (paired with `{path.stem}.ipynb`), shown without outputs; "
           "run it with Jupyter or `python notebooks/" + path.name + "`.\n"]
    for cell in nb.cells:
        src = cell.source.strip()
        if src:
            out.append(src + "\n" if cell.cell_type == "markdown" else f"```python\n{src}\n```\n")
    return "\n".join(out)


def notebooks() -> list[Path]:
    return sorted((ROOT / "notebooks").glob("[0-9]*.py"))


def on_files(files, config):
    from mkdocs.structure.files import File

    for wing in WINGS:
        files.append(File.generated(config, f"api/{wing}.md", content=api_page(wing)))
    for nb in notebooks():
        files.append(File.generated(config, f"notebooks/{nb.stem}.md", content=notebook_page(nb)))
    return files


def on_config(config):
    """The navigation's generated sections (notebooks and API pages are listed from the files)."""
    nav = config["nav"]
    for i, entry in enumerate(nav):
        if entry == {"Notebooks": "notebooks"}:
            nav[i] = {"Notebooks": [f"notebooks/{nb.stem}.md" for nb in notebooks()]}
        elif entry == {"API reference": "api"}:
            nav[i] = {"API reference": [{WINGS[w][0]: f"api/{w}.md"} for w in WINGS]}
    return config


# --------------------------------------------------------------------------- generated tables


def cli_reference() -> str:
    """Every command's argparse help, as ``wavetheory COMMAND --help`` prints it (80 columns)."""
    import argparse

    from wavetheory.cli import build_parser

    os.environ["COLUMNS"] = "80"  # argparse wraps to the terminal width; fix it for a reproducible page
    parser = build_parser()
    out = ["```text\n" + parser.format_help().strip() + "\n```\n"]
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name, p in sub.choices.items():
        out.append(f"## `wavetheory {name}`\n\n```text\n{p.format_help().strip()}\n```\n")
    return "\n".join(out)


def claims_table(reference: object) -> str:
    """The claims table of a reference run (``wavetheory reproduce`` JSON), read defensively.

    Accepts ``{"claims": [...]}`` or ``{"claims": {id: {...}}}``; each claim may give ``id``,
    ``title``, ``status`` (or ``verdict``) and ``evidence`` (a string or a list of checks). Missing
    fields show as empty cells, so a new format of the file degrades the table instead of breaking
    the build; adapt this one function when the format changes.
    """
    meta = reference.get("meta", {}) if isinstance(reference, dict) else {}
    claims = reference.get("claims", []) if isinstance(reference, dict) else []
    if isinstance(claims, dict):
        claims = [dict(v, id=v.get("id", k)) if isinstance(v, dict) else {"id": k, "status": v} for k, v in claims.items()]
    rows = ["| claim | title | status | checks passed | evidence |", "|---|---|---|---|---|"]
    for c in claims if isinstance(claims, list) else []:
        if not isinstance(c, dict):
            continue
        ev = c.get("evidence", "")
        if isinstance(ev, list):
            ev = " | ".join(str(e.get("name", e)) if isinstance(e, dict) else str(e) for e in ev)
        checks = c.get("checks")
        passed = f"{sum(bool(k.get('passed')) for k in checks if isinstance(k, dict))}/{len(checks)}" \
            if isinstance(checks, list) else ""
        cells = [c.get("id", ""), c.get("title", ""), c.get("status", c.get("verdict", "")), passed, ev]
        rows.append("| " + " | ".join(_cell(v) for v in cells) + " |")
    head = f"Generated from `docs/reference_quick.json`: `{_cell(meta.get('command', '?'))}`"
    if meta.get("machine"):
        head += f" on {_cell(meta['machine'])}"
    return head + ".\n\n" + "\n".join(rows) + "\n"


def _cell(value: object) -> str:
    """One table cell of plain text: one line, markdown's special characters escaped."""
    text = " ".join(str(value).split()).replace("\\", "\\\\")
    for ch in "|*_`[]":
        text = text.replace(ch, "\\" + ch)
    return text.replace("<", "&lt;")


def authors_examples_table() -> str:
    """The worked examples of ``task_ids.WORKED_EXAMPLES``: rows of F, signs and the bindings, all decoded."""
    from wavetheory.theory.task_ids import WORKED_EXAMPLES, bindings_text, rows_and_signs

    rows = ["| (ID1, ID2, ID3) | d | s | rows of F, in output order | signs | x_j(t) for j = 0, 1, ... | |",
            "|---|---|---|---|---|---|---|"]
    for ids, d, s, note in WORKED_EXAMPLES:
        chosen, signs = rows_and_signs(*ids, d, s)
        sg = "".join("+" if g > 0 else "-" for g in signs)
        rows.append(f"| ({ids[0]}, {ids[1]}, {ids[2]}) | {d} | {s} | {chosen} | `{sg}` | `{bindings_text(*ids, d, s)}` | {note} |")
    return "\n".join(rows) + "\n"


GENERATORS = {
    "cli-reference": cli_reference,
    "claims-table": lambda: claims_table(json.loads(REFERENCE_RUN.read_text())),
    "authors-examples": authors_examples_table,
}


def on_page_markdown(markdown, page, config, files):
    def fill(m: re.Match) -> str:
        name = m.group(1)
        if name not in GENERATORS:
            raise ValueError(f"{page.file.src_uri}: unknown generated block {name!r}; known: {', '.join(GENERATORS)}")
        return GENERATORS[name]()

    return _MARKER.sub(fill, markdown)
