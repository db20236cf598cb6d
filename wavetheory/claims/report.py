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

from .evidence import CLAIM_TITLES, STATUSES, ClaimResult
from ..io import write_json, write_text

__all__ = ["write_claims", "write_reports"]


def write_claims(out: Path, results: list[ClaimResult], meta: dict[str, Any]) -> Path:
    """``out/claims.json``: ``{"meta": ..., "claims": [{"id", "status", "evidence", "numbers", ...}]}``."""
    return write_json(out / "claims.json", {"meta": meta, "claims": [r.to_json() for r in results]})


def _status_counts(results: list[ClaimResult]) -> str:
    counts = {s: sum(r.status == s for r in results) for s in STATUSES}
    return ", ".join(f"{n} {s}" for s, n in counts.items() if n)


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    if isinstance(v, list):
        return "[" + ", ".join(_fmt(x) for x in v[:8]) + (", ..." if len(v) > 8 else "") + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}: {_fmt(x)}" for k, x in list(v.items())[:8]) + "}"
    return str(v)


def _markdown(results: list[ClaimResult], meta: dict, latex: dict[str, Any], figures: list[tuple[str, str]]) -> str:
    lines = [
        "# wavetheory: reproduction of the traveling-wave theory's claims",
        "",
        "Karuvally, Sejnowski & Siegelmann, *Hidden Traveling Waves bind Working Memory Variables in Recurrent "
        "Neural Networks*, ICML 2024. Claim IDs are those of THEORY.md.",
        "",
        f"Run: `{meta['command']}` ({meta['mode']} mode, seed {meta['seed']}), {meta['wall_seconds']:.0f} s on "
        f"{meta['machine']}. Summary: {_status_counts(results)}.",
        "",
        "## Claims",
        "",
        "| ID | claim | status | evidence (checks run) |",
        "|---|---|---|---|",
    ]
    for r in results:
        ev = "<br>".join(
            ("PASS" if c.passed else "FAIL") + f" ({c.kind}, {c.road}" + (f"; {c.scope.text}" if c.scope.text else "") + f"): {c.name}"
            + (f" — {c.detail}" if c.detail else "")
            for c in r.checks
        ) or r.summary or "no check ran"
        lines.append(f"| {r.id} | {CLAIM_TITLES[r.id]} | **{r.verdict}** | {ev.replace('|', chr(92) + '|')} |")
    lines += ["", "Status rule (wavetheory/claims/evidence.py): `proved` = every stated check passed and a proof of "
              "general scope passed; `reproduced` = every stated check passed, with trained networks; `verified` = every "
              "stated check passed (numerically, or symbolically up to the bound in parentheses); `refined` = each failed "
              "stated check is replaced by a passing refined check that names it; `refuted` = a failed stated (or "
              "control) check that nothing replaces; `open` = no stated check ran. Limit checks are reported and never "
              "change the status.", ""]
    notes = [r for r in results if r.summary]
    if notes:
        lines += ["## Findings", ""] + [f"- **{r.id} ({r.status}).** {r.summary}" for r in notes] + [""]
    if latex:
        lines += ["## Derivations", ""]
        for title, items in latex.items():
            lines.append(f"**{title}**")
            lines.append("")
            for item in items:
                lines.append(f"$$ {item} $$")
                lines.append("")
    lines += ["## Measured numbers", ""]
    for r in results:
        if r.numbers:
            lines.append(f"- **{r.id}**: " + "; ".join(f"`{k}` = {_fmt(v)}" for k, v in r.numbers.items()))
    lines += ["", "## Figures", ""]
    for caption, rel in figures:
        lines += [f"![{caption}]({rel})", "", f"*{caption}*", ""]
    lines += ["## Rerun", "", "```bash", meta["command"], "```", "",
              "Tests: `python -m pip install -q -c constraints.txt -e \".[test]\" && python -m pytest -q`.", ""]
    return "\n".join(lines)


def _html(markdown_title: str, results: list[ClaimResult], meta: dict, latex: dict, figures: list[tuple[str, Path]]) -> str:
    e = html.escape
    colors = {"proved": "#1b7f3b", "verified": "#2a6fb0", "reproduced": "#6a3fb0", "refined": "#b07a00",
              "refuted": "#b0302a", "open": "#666"}
    rows = []
    for r in results:
        checks = "".join(f"<li>{'&#10003;' if c.passed else '&#10007;'} <i>{e(c.kind)}, {e(c.road)}{', ' + e(c.scope.text) if c.scope.text else ''}</i>: {e(c.name)}"
                         f"{' &mdash; ' + e(c.detail) if c.detail else ''}</li>" for c in r.checks)
        summary = f"<p>{e(r.summary)}</p>" if r.summary else ""
        rows.append(f"<tr><td>{r.id}</td><td>{e(CLAIM_TITLES[r.id])}</td>"
                    f"<td style='color:{colors[r.status]};font-weight:bold'>{e(r.verdict)}</td>"
                    f"<td>{summary}<ul>{checks}</ul></td></tr>")
    derivs = "".join(f"<h3>{e(t)}</h3>" + "".join(f"<pre>{e(x)}</pre>" for x in items) for t, items in latex.items())
    figs = []
    for caption, path in figures:
        data = base64.b64encode(Path(path).read_bytes()).decode()
        figs.append(f"<figure><img src='data:image/png;base64,{data}' style='max-width:100%'>"
                    f"<figcaption>{e(caption)}</figcaption></figure>")
    nums = "".join(f"<li><b>{r.id}</b>: " + e("; ".join(f"{k} = {_fmt(v)}" for k, v in r.numbers.items())) + "</li>"
                   for r in results if r.numbers)
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{e(markdown_title)}</title>
<style>body{{font-family:sans-serif;max-width:1100px;margin:auto;padding:1em}}
table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:4px;vertical-align:top;font-size:90%}}
pre{{background:#f6f6f6;padding:4px;white-space:pre-wrap}}</style></head><body>
<h1>{e(markdown_title)}</h1>
<p>Karuvally, Sejnowski &amp; Siegelmann, ICML 2024. Run <code>{e(meta['command'])}</code> ({e(meta['mode'])} mode,
seed {meta['seed']}), {meta['wall_seconds']:.0f} s on {e(meta['machine'])}. Summary: {e(_status_counts(results))}.</p>
<h2>Claims</h2><table><tr><th>ID</th><th>claim</th><th>status</th><th>evidence</th></tr>{''.join(rows)}</table>
<h2>Derivations (LaTeX)</h2>{derivs}
<h2>Measured numbers</h2><ul>{nums}</ul>
<h2>Figures</h2>{''.join(figs)}
</body></html>
"""


def write_reports(out: Path, results: list[ClaimResult], meta: dict, latex: dict[str, list[str]],
                  figures: list[tuple[str, Path]]) -> tuple[Path, Path]:
    """Write ``out/report.md`` (figures linked) and ``out/report.html`` (figures embedded)."""
    rel = [(c, str(Path(p).resolve().relative_to(out.resolve()))) for c, p in figures]
    title = "wavetheory: reproduction of the traveling-wave theory's claims"
    md = write_text(out / "report.md", _markdown(results, meta, latex, rel))
    page = write_text(out / "report.html", _html(title, results, meta, latex, figures))
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
