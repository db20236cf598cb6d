"""A griffe extension for the API reference: docstrings are plain text, so keep markdown from misreading them.

Our docstrings are plain text with doctests (``>>> ...`` and their output up to the next blank line)
and matrix notation. Rendered as markdown, a doctest output like ``[['lam - 1', 1]]`` or a product
``[A B][C; D]`` would read as a reference link: doctests become fenced ``pycon`` blocks, and ``][``
in prose is escaped.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_PROMPT = re.compile(r"^(\s*)>>> ")


def markdown_safe(text: str) -> str:
    """Fence every doctest block (a ``>>>`` line through the next blank line) as pycon; escape ``][`` in prose."""
    out: list[str] = []
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        m = _PROMPT.match(lines[i])
        if m is None:
            line = lines[i]
            prose = len(line) - len(line.lstrip(" ")) < 4  # 4+ spaces: an indented code block, left as it is
            out.append(line.replace("][", "]\\[") if prose else line)
            i += 1
            continue
        indent, j = m.group(1), i
        while j < len(lines) and lines[j].strip():
            j += 1
        out += [f"{indent}```pycon", *lines[i:j], f"{indent}```"]
        i = j
    return "\n".join(out)


class PlainDocstrings(griffe.Extension):
    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = markdown_safe(obj.docstring.value)
