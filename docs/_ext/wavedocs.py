"""The site's generated parts: every table, reference page and notebook page is made at build time, never typed.

* ``builder-inited`` writes ``docs/_generated/`` (ignored by git): the API reference (one page per wing,
  one section per public module, autodoc over the docstrings) and the notebooks (their percent-format
  sources as ``.ipynb``, which myst-nb executes during the build: outputs and figures on the page);
* ``source-read`` fills the markers ``<!-- generated: NAME -->`` of the written pages: the CLI reference
  (argparse's own help of every command), the claims of the reference run, the full run and the further
  committed runs, the benchmark and mutation records (rendered by ``scripts/readme.py``), the worked examples of
  the authors' task IDs, and the pages other parts of the project may add (listed only when present);
* ``autodoc-process-docstring`` reads our plain-text docstrings as plain text (``plain_docstrings``);
* math (``$...$`` in pages and notebooks) is drawn to SVG by matplotlib's mathtext at build time
  (``wavetheory.reporting.mathsvg``): the site needs no network to build or to read.

``python -m sphinx -W`` (tests/test_docs.py) fails on any warning, so a page cannot go stale.
"""

from __future__ import annotations

import argparse
import base64
import html
import importlib.util
import json
import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
GENERATED = DOCS / "_generated"
PACKAGE = ROOT / "wavetheory"
REFERENCE_RUN = DOCS / "reference_quick.json"
WINGS = {  # page -> (title, what it holds)
    "theory": ("Theory", "the mathematics of THEORY.md, pure numpy and SymPy"),
    "learning": ("Learning", "networks, training and analysis (torch)"),
    "claims": ("Claims", "the verdicts: checks, the status rule, the main job"),
    "sweeps": ("Sweeps", "grids of training runs"),
    "reporting": ("Reporting", "the reproduction report: report.md and report.html from claims.json"),
    "base": ("Base modules", "validation, files, statistics, thresholds, plots, strategies, the checkpoint reader"),
}
OPTIONAL_PAGES = ("analyze_your_network", "guarantees", "verdicts", "extending")  # written elsewhere: listed first
_MARKER = re.compile(r"<!-- generated: ([a-z-]+) -->")


def _readme_script():
    """scripts/readme.py, whose renderers the docs share with README.md."""
    spec = importlib.util.spec_from_file_location("wavetheory_readme_script", ROOT / "scripts" / "readme.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --------------------------------------------------------------------------- generated pages


def modules(wing: str) -> list[str]:
    """Public modules of a wing, in file order (private ones, starting with _, are skipped)."""
    folder = PACKAGE if wing == "base" else PACKAGE / wing
    prefix = "wavetheory." if wing == "base" else f"wavetheory.{wing}."
    names = [prefix + p.stem for p in sorted(folder.glob("*.py")) if not p.name.startswith("_")]
    if wing == "reporting":
        names = ["wavetheory.reporting"] + names
    return names


def api_page(wing: str) -> str:
    title, what = WINGS[wing]
    parts = [f"# {title}\n\n" + (f"`wavetheory.{wing}`: {what}.\n" if wing != "base" else f"The base modules: {what}.\n")]
    for m in modules(wing):
        parts.append(f"## `{m}`\n\n```{{eval-rst}}\n.. automodule:: {m}\n   :members:\n```\n")
    return "\n".join(parts)


def notebooks() -> list[Path]:
    return sorted((ROOT / "notebooks").glob("[0-9]*.py"))


def _write(path: Path, text: str) -> None:
    """Write only when the text changed, so that Sphinx rebuilds only what changed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text() != text:
        path.write_text(text)


def write_generated(app=None) -> None:
    import jupytext

    for wing in WINGS:
        _write(GENERATED / "api" / f"{wing}.md", api_page(wing))
    for nb in notebooks():
        _write(GENERATED / "notebooks" / f"{nb.stem}.ipynb", jupytext.writes(jupytext.read(nb), fmt="ipynb"))


# --------------------------------------------------------------------------- generated blocks


def cli_reference() -> str:
    """Every command's argparse help, as ``wavetheory COMMAND --help`` prints it (80 columns)."""
    from wavetheory.cli import build_parser

    os.environ["COLUMNS"] = "80"  # argparse wraps to the terminal width; fix it for a reproducible page
    parser = build_parser()
    out = ["```text\n" + parser.format_help().strip() + "\n```\n"]
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name, p in sub.choices.items():
        out.append(f"## `wavetheory {name}`\n\n```text\n{p.format_help().strip()}\n```\n")
    return "\n".join(out)


def authors_examples_table() -> str:
    """The worked examples of ``task_ids.WORKED_EXAMPLES``: rows of F, signs and the bindings, all decoded."""
    from wavetheory.theory.task_ids import WORKED_EXAMPLES, bindings_text, rows_and_signs

    rows = ["| (ID1, ID2, ID3) | d | s | rows of F, in output order | signs | x_j(t) for j = 0, 1, ... | |",
            "|---|---|---|---|---|---|---|"]
    for ids, d, s, note in WORKED_EXAMPLES:
        chosen, signs = rows_and_signs(*ids, d, s)
        sg = "".join("+" if g > 0 else "-" for g in signs)
        rows.append(f"| ({ids[0]}, {ids[1]}, {ids[2]}) | {d} | {s} | `{chosen}` | `{sg}` | `{bindings_text(*ids, d, s)}` | {note} |")
    return "\n".join(rows) + "\n"


def claims_page() -> str:
    """Every claim of the reference run with every check, then the full run's (when committed), then each further run."""
    readme = _readme_script()
    parts = [readme.render(json.loads(REFERENCE_RUN.read_text()), REFERENCE_RUN)]
    if readme.REFERENCE_FULL.exists():
        full = readme.REFERENCE_FULL
        parts.append("## The full run\n\n" + readme.render_run(json.loads(full.read_text()), full))
    for name, path in readme.further_runs(DOCS).items():
        parts.append(f"## A further run: `{name}`\n\n" + readme.render_run(json.loads(path.read_text()), path))
    return "\n\n".join(parts) + "\n"


def bench_block() -> str:
    readme = _readme_script()
    return readme.render_bench(json.loads(readme.BENCH_RUN.read_text())) + "\n"


def mutation_block() -> str:
    """The verdict code's last mutation run, then the learning wing's (docs/mutation_run_learning.json) when present."""
    readme = _readme_script()
    out = readme.render_mutation(json.loads(readme.MUTATION_RUN.read_text()))
    learning = readme.MUTATION_RUN.with_name("mutation_run_learning.json")
    if learning.exists():
        out += "\n\n**The learning wing's measurements** (`bash scripts/mutation.sh --learning`):\n\n" + \
            readme.render_mutation(json.loads(learning.read_text())).replace(
                str(readme.MUTATION_RUN.relative_to(readme.ROOT)), str(learning.relative_to(readme.ROOT)))
    return out + "\n"


def optional_pages() -> str:
    """Toctree lines for every page of docs/ that index.md does not list itself (pages other parts of the project
    add): OPTIONAL_PAGES first, in that order, when they exist, then the others by name. A page in no toctree would
    be a warning, so a new page is never left out of the contents."""
    index = (DOCS / "index.md").read_text()
    listed = set(re.findall(r"^([a-z_]+)$", index, flags=re.M)) | {"index"}
    pages = sorted(p.stem for p in DOCS.glob("*.md") if p.stem not in listed)
    return "\n".join([n for n in OPTIONAL_PAGES if n in pages] + [n for n in pages if n not in OPTIONAL_PAGES])


GENERATORS = {
    "cli-reference": cli_reference,
    "claims-page": claims_page,
    "authors-examples": authors_examples_table,
    "bench": bench_block,
    "mutation": mutation_block,
    "optional-pages": optional_pages,
}


def fill_markers(app, docname: str, source: list[str]) -> None:
    def fill(m: re.Match) -> str:
        name = m.group(1)
        if name not in GENERATORS and f"<!-- end: {name} -->" in source[0]:
            return m.group(0)  # a block another script fills and checks (docs/guarantees.md: tests/cli/test_guarantees.py)
        if name not in GENERATORS:
            raise ValueError(f"{docname}: unknown generated block {name!r}; known: {', '.join(GENERATORS)}")
        return GENERATORS[name]()

    source[0] = _MARKER.sub(fill, source[0])


# --------------------------------------------------------------------------- docstrings and math


def plain_docstring(app, what, name, obj, options, lines: list[str]) -> None:
    sys.path.insert(0, str(Path(__file__).parent))
    from plain_docstrings import to_rst

    lines[:] = to_rst(list(lines))


def _math_html(tex: str, display: bool) -> str:
    from wavetheory.reporting.mathsvg import latex_depth, latex_to_svg

    svg = latex_to_svg(tex, 12.0)
    src = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
    alt = html.escape(tex, quote=True)
    if display:
        return f'<div class="math-display"><img class="math" src="{src}" alt="{alt}"></div>'
    return f'<img class="math" src="{src}" alt="{alt}" style="vertical-align: -{latex_depth(tex, 12.0):.1f}pt">'


def _visit_math(self, node):
    from docutils import nodes
    from sphinx.util import logging

    try:
        self.body.append(_math_html(node.astext(), display=False))
    except ValueError as err:  # a warning: strict builds (-W) fail on it
        logging.getLogger(__name__).warning(str(err), location=node)
        self.body.append(f"<code>{html.escape(node.astext())}</code>")
    raise nodes.SkipNode


def _visit_math_block(self, node):
    from docutils import nodes
    from sphinx.util import logging

    try:
        self.body.append(_math_html(node.astext(), display=True))
    except ValueError as err:
        logging.getLogger(__name__).warning(str(err), location=node)
        self.body.append(f"<pre>{html.escape(node.astext())}</pre>")
    raise nodes.SkipNode


def setup(app):
    app.connect("builder-inited", write_generated)
    app.connect("source-read", fill_markers)
    app.connect("autodoc-process-docstring", plain_docstring)
    app.add_html_math_renderer("mathtext", (_visit_math, None), (_visit_math_block, None))
    return {"parallel_read_safe": True, "parallel_write_safe": True}
