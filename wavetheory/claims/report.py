"""Write the outputs of ``wavetheory reproduce``: claims.json, report.md and a self-contained report.html.

Both reports are rendered from the same records (``ClaimResult``), the derivations (LaTeX from
``wavetheory.theory.symbolic``) and the figure files; every file is written atomically.
"""

from __future__ import annotations

import base64
import html
import platform
import sys
from pathlib import Path
from typing import Any

from .evidence import STATUSES, ClaimResult
from ..io import write_json, write_text

__all__ = ["write_claims", "write_reports"]


def write_claims(out: Path, results: list[ClaimResult], meta: dict[str, Any]) -> Path:
    """``out/claims.json`` (schema 3): ``{"schema": 3, "meta": ..., "claims": [{"id", "status", "rows": [...]}]}``."""
    from .revisions import REVISIONS

    return write_json(out / "claims.json", {"schema": 3, "meta": meta, "claims": [r.to_json() for r in results],
                                            "revisions": [r.to_json() for r in REVISIONS]})


def _status_counts(results: list[ClaimResult]) -> str:
    counts = {s: sum(r.status == s for r in results) for s in STATUSES}
    return ", ".join(f"{n} {s}" for s, n in counts.items() if n)


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_fmt(x) for x in v[:8]) + (", ..." if len(v) > 8 else "") + "]"
    return str(v)


def _check_line(c: Any) -> str:
    iv = f" [{_fmt(c.interval[0])}, {_fmt(c.interval[1])}]" if c.interval else ""
    rev = " (revised after data)" if c.revisions else ""
    why = f" ({c.reason})" if c.passed is None and c.reason else ""
    return (f"{c.mark} {c.kind}/{c.road}{rev}: {c.name}: {_fmt(c.value)}{iv} {c.relation} {_fmt(c.threshold)}{why}"
            + (f"; {c.detail}" if c.detail else ""))


def _markdown(results: list[ClaimResult], meta: dict, latex: dict[str, Any], figures: list[tuple[str, str]]) -> str:
    lines = [
        "# wavetheory: reproduction of the traveling-wave theory's claims", "",
        "Karuvally, Sejnowski & Siegelmann, *Hidden Traveling Waves bind Working Memory Variables in Recurrent "
        "Neural Networks*, ICML 2024. Claim IDs are those of THEORY.md.", "",
        f"Run: `{meta['command']}` ({meta['mode']} mode, seed {meta['seed']}), {meta['wall_seconds']:.0f} s on "
        f"{meta['machine']}. Summary: {_status_counts(results)}.", "",
        "| claim | status | decided by |", "|---|---|---|",
    ]
    for r in results:
        d = r.decided_by()
        lines.append(f"| {r.id} {r.title} | **{r.status}** | {d.get('check', '')}: {_fmt(d.get('value'))} "
                     f"{d.get('relation', '')} {_fmt(d.get('threshold'))} |".replace("||", "|"))
    for r in results:
        lines += ["", f"## {r.id}: {r.title} ({r.status})", ""] + ([r.summary, ""] if r.summary else [])
        for row in r.rows:
            lines += [f"**{row.id}** {row.wording}: **{row.verdict}**" + (" (revised after data)" if row.revised else ""), ""]
            lines += [f"- {_check_line(c)}" for c in row.checks] + [""]
    if latex:
        lines += ["## Derivations", ""]
        for title, items in latex.items():
            lines += [f"**{title}**", ""] + [f"$$ {item} $$\n" for item in items]
    lines += ["## Figures", ""]
    for caption, rel in figures:
        lines += [f"![{caption}]({rel})", "", f"*{caption}*", ""]
    lines += ["## Rerun", "", "```bash", meta["command"], "```", ""]
    return "\n".join(lines)


def _html(title: str, markdown: str, figures: list[tuple[str, Path]]) -> str:
    e = html.escape
    figs = "".join(f"<figure><img src='data:image/png;base64,{base64.b64encode(Path(p).read_bytes()).decode()}' "
                   f"style='max-width:100%'><figcaption>{e(c)}</figcaption></figure>" for c, p in figures)
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{e(title)}</title></head><body>"
            f"<pre style='white-space:pre-wrap'>{e(markdown)}</pre>{figs}</body></html>\n")


def write_reports(out: Path, results: list[ClaimResult], meta: dict, latex: dict[str, list[str]],
                  figures: list[tuple[str, Path]]) -> tuple[Path, Path]:
    """Write ``out/report.md`` (figures linked) and ``out/report.html`` (figures embedded)."""
    rel = [(c, str(Path(p).resolve().relative_to(out.resolve()))) for c, p in figures]
    text = _markdown(results, meta, latex, rel)
    md = write_text(out / "report.md", text)
    page = write_text(out / "report.html", _html("wavetheory: reproduction of the claims", text, figures))
    return md, page


def machine() -> str:
    """A one-line description of the machine (for the report)."""
    import os

    return f"{platform.machine()}, {os.cpu_count()} cores, Python {sys.version.split()[0]}, {platform.system()}"


def numerics() -> dict[str, str]:
    """What trained numbers depend on besides the seed: library versions and the CPU's vector ISA.

    Training is bit-identical for a fixed seed on one such platform (CPU); across platforms
    floating-point reductions may differ, so a comparison of trained numbers needs this key to match.
    """
    import numpy
    import torch

    return {"torch": torch.__version__, "numpy": numpy.__version__, "cpu_capability": torch.backends.cpu.get_cpu_capability(),
            "python": sys.version.split()[0]}
