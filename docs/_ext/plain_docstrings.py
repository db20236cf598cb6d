"""Our docstrings are plain text: turn them into reStructuredText that shows every character as written.

Plain text read as reST loses characters: ``||W||_F / ||Phi||_F`` has ``|`` substitutions and a
``_F /`` reference, ``*`` opens emphasis, ``E_{i-1}``'s underscore ends a link name. This module
escapes every markup character of the prose, keeps the ``double-backtick`` literals the docstrings
use on purpose, keeps doctest blocks (``>>>`` to the next blank line) as they are, and turns an
indented block into a literal block. tests/test_docs.py checks on the built pages that the visible
text of every docstring equals its source text, so a docstring that would render wrongly fails.
"""

from __future__ import annotations

import re

__all__ = ["escape_prose", "to_rst"]

_LITERAL = re.compile(r"((?<![\w`])``[^`]+?``(?![\w`]))", re.S)  # where reST ends it too: not inside a word
_SPECIAL = re.compile(r"([\\`*_|\[\]<>])")
_BULLET = re.compile(r"^(\s*)([-*]) (.*)$")


def escape_prose(line: str) -> str:
    """Backslash-escape reST's markup characters outside ``literal`` spans."""
    parts = _LITERAL.split(line)
    return "".join(p if i % 2 else _SPECIAL.sub(r"\\\1", p) for i, p in enumerate(parts))


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def to_rst(lines: list[str]) -> list[str]:
    """The reST for a plain-text docstring (its lines as autodoc gives them, common indent removed)."""
    out: list[str] = []
    i, n = 0, len(lines)
    while i < n:
        line = lines[i]
        if not line.strip():
            out.append("")
            i += 1
            continue
        if line.lstrip().startswith(">>>"):  # a doctest block: reST renders it verbatim
            j = i
            while j < n and lines[j].strip():
                j += 1
            out += ([""] if out and out[-1] else []) + [ln[_indent(lines[i]):] for ln in lines[i:j]] + [""]
            i = j
            continue
        if _indent(line) > 0 and not _BULLET.match(line):  # an indented block: verbatim, as a literal block
            j = i
            while j < n and (not lines[j].strip() or _indent(lines[j]) > 0):
                j += 1
            while j > i and not lines[j - 1].strip():
                j -= 1
            prose = [ln for ln in out if ln.strip()]
            after_colons = bool(prose) and prose[-1].rstrip().endswith("::")  # reST's own literal-block marker
            head = [] if after_colons else [".. code-block:: text", ""]
            out += ([""] if out and out[-1] else []) + head + [("" if after_colons else "   ") + ln for ln in lines[i:j]] + [""]
            i = j
            continue
        m = _BULLET.match(line)
        if m:  # a list item, with its continuation lines: one line of the list
            item = [m.group(3)]
            j = i + 1
            while j < n and lines[j].strip() and _indent(lines[j]) > _indent(line) and not _BULLET.match(lines[j]):
                item.append(lines[j].strip())
                j += 1
            if out and out[-1] and not out[-1].startswith("- "):
                out.append("")
            out.append("- " + escape_prose(" ".join(item)))
            if j < n and lines[j].strip() and not _BULLET.match(lines[j]):
                out.append("")
            i = j
            continue
        if out and out[-1].startswith("- "):
            out.append("")
        j = i  # a paragraph: escaped as a whole, so that a ``literal`` may run over a line break
        while j < n and lines[j].strip() and _indent(lines[j]) == 0 and not _BULLET.match(lines[j]) \
                and not lines[j].lstrip().startswith(">>>"):
            j += 1
        out += escape_prose("\n".join(lines[i:j])).split("\n")
        i = j
    return out
