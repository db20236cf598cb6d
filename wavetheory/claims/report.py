"""Write the outputs of ``wavetheory reproduce``: claims.json (schema 3: claims with rows), and the reports.

report.md and a self-contained report.html are rendered by ``wavetheory.reporting`` from the same record as
claims.json, the derivations (LaTeX from ``wavetheory.theory.symbolic``) and the figure files; every file is
written atomically.
"""

from __future__ import annotations

import platform
import sys
from pathlib import Path
from typing import Any

from .evidence import ClaimResult
from ..io import write_json

__all__ = ["write_claims", "write_reports"]


def write_claims(out: Path, results: list[ClaimResult], meta: dict[str, Any]) -> Path:
    """``out/claims.json`` (schema 3): ``{"schema": 3, "meta": ..., "claims": [{"id", "status", "rows": [...]}]}``."""
    from .revisions import REVISIONS

    return write_json(out / "claims.json", {"schema": 3, "meta": meta, "claims": [r.to_json() for r in results],
                                            "revisions": [r.to_json() for r in REVISIONS]})


def write_reports(out: Path, results: list[ClaimResult], meta: dict, latex: dict[str, list[str]],
                  figures: list[tuple[str, Path]]) -> tuple[Path, Path]:
    """Write ``out/report.md`` (figures linked) and ``out/report.html`` (self-contained) from the claims.json record."""
    from ..jsonable import to_jsonable
    from ..reporting import render_report

    claims = to_jsonable({"schema": 3, "meta": meta, "claims": [r.to_json() for r in results]})
    return render_report(claims, out, figures, latex)


def machine() -> str:
    """A one-line description of the machine (for the report)."""
    import os

    return f"{platform.machine()}, {os.cpu_count()} cores, Python {sys.version.split()[0]}, {platform.system()}"


def numerics() -> dict[str, str]:
    """What trained numbers depend on besides the seed and the CPU model: the fingerprint's library versions and the
    CPU's vector ISA (``learning.platform_id.fingerprint`` is the whole key a comparison of trained numbers uses)."""
    from ..learning.platform_id import fingerprint

    fp = fingerprint()
    return {k: fp[k] for k in ("torch", "numpy", "cpu_capability", "python")}
