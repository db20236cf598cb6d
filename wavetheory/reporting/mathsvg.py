"""LaTeX to SVG at build time (matplotlib's mathtext): math in report.html and in the docs with no script, no network.

mathtext reads a subset of LaTeX: what ``wavetheory.theory.symbolic.Derivation.to_latex`` writes
(``\\det``, ``\\left( \\right)``, ``\\frac``, ``\\text``, powers and Greek letters) and what the notebooks
write is inside it, once a few spellings are mapped (``\\le`` -> ``\\leq``, ``\\ge`` -> ``\\geq``; the
sizing commands ``\\big``, ``\\Big`` ... are dropped: mathtext sizes nothing by hand). Glyphs are written as
paths, so the picture needs no font on the reader's machine.
"""

from __future__ import annotations

import base64
import io
import re
from functools import lru_cache

__all__ = ["normalize", "latex_to_svg", "latex_depth", "svg_data_uri"]

_ALIASES = [(re.compile(r"\\le(?![a-zA-Z])"), r"\\leq"), (re.compile(r"\\ge(?![a-zA-Z])"), r"\\geq"),
            (re.compile(r"\\[Bb]ig{1,2}[lrm]?(?![a-zA-Z])"), "")]


def normalize(tex: str) -> str:
    """The spellings mathtext does not know, mapped to ones it does (see the module docstring); one line."""
    tex = " ".join(tex.splitlines())  # mathtext reads one line; a line break in TeX is a space
    for pattern, repl in _ALIASES:
        tex = pattern.sub(repl, tex)
    return tex


@lru_cache(maxsize=2048)
def _render(tex: str, fontsize: float) -> tuple[str, float]:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import mathtext, rc_context
    from matplotlib.font_manager import FontProperties

    if not isinstance(tex, str) or not tex.strip():
        raise ValueError(f"tex: expected a non-empty LaTeX string, got {tex!r}")
    buf = io.BytesIO()
    with rc_context({"mathtext.fontset": "cm", "svg.fonttype": "path", "svg.hashsalt": "wavetheory"}):
        try:
            depth = mathtext.math_to_image(f"${normalize(tex.strip())}$", buf, prop=FontProperties(size=fontsize), format="svg")
        except ValueError as err:  # mathtext's ParseFatalException is a ValueError
            raise ValueError(f"tex: mathtext cannot read {tex!r}: {str(err).splitlines()[-1]}") from None
    return buf.getvalue().decode(), float(depth)


def latex_to_svg(tex: str, fontsize: float = 13.0) -> str:
    """The SVG text of one LaTeX formula; ValueError naming ``tex`` when mathtext cannot read it."""
    return _render(tex, fontsize)[0]


def latex_depth(tex: str, fontsize: float = 13.0) -> float:
    """How far the formula reaches below its baseline, in pt (to align an inline formula with the text)."""
    return _render(tex, fontsize)[1]


def svg_data_uri(tex: str, fontsize: float = 13.0) -> str:
    """``data:image/svg+xml;base64,...`` of :func:`latex_to_svg`, for an ``<img>`` in a self-contained page."""
    return "data:image/svg+xml;base64," + base64.b64encode(latex_to_svg(tex, fontsize).encode()).decode()
