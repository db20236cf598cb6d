"""LaTeX to SVG at build time (matplotlib's mathtext), so that report.html shows math with no script and no network.

mathtext reads a subset of LaTeX: what ``wavetheory.theory.symbolic.Derivation.to_latex`` writes
(``\\det``, ``\\left( \\right)``, ``\\frac``, ``\\text``, powers and Greek letters) is inside it. Glyphs
are written as paths, so the picture needs no font on the reader's machine.
"""

from __future__ import annotations

import base64
import io
from functools import lru_cache

__all__ = ["latex_to_svg", "svg_data_uri"]


@lru_cache(maxsize=512)
def latex_to_svg(tex: str, fontsize: float = 13.0) -> str:
    """The SVG text of one LaTeX formula (display style); ValueError naming ``tex`` when mathtext cannot read it."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    if not isinstance(tex, str) or not tex.strip():
        raise ValueError(f"tex: expected a non-empty LaTeX string, got {tex!r}")
    with rc_context({"mathtext.fontset": "cm", "svg.fonttype": "path", "svg.hashsalt": "wavetheory"}):
        fig = Figure(figsize=(0.01, 0.01))
        fig.text(0, 0, f"${tex}$", fontsize=fontsize)
        buf = io.BytesIO()
        try:
            fig.savefig(buf, format="svg", bbox_inches="tight", pad_inches=0.02, transparent=True,
                        metadata={"Date": None, "Creator": None})
        except ValueError as err:  # mathtext's ParseFatalException is a ValueError
            raise ValueError(f"tex: mathtext cannot read {tex!r}: {err}") from None
    return buf.getvalue().decode()


def svg_data_uri(tex: str) -> str:
    """``data:image/svg+xml;base64,...`` of :func:`latex_to_svg`, for an ``<img>`` in a self-contained page."""
    return "data:image/svg+xml;base64," + base64.b64encode(latex_to_svg(tex).encode()).decode()
