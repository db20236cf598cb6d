"""docs/analyze_your_network.md runs as written and prints the output it shows (issue 22: a default torch.nn.RNN end to end)."""

from __future__ import annotations

import contextlib
import io
import os
import re
from pathlib import Path

import pytest

PAGE = Path(__file__).resolve().parents[2] / "docs" / "analyze_your_network.md"
NUMBER = re.compile(r"[-+]?\d*\.?\d+(?:e[-+]?\d+)?")


def _blocks(text: str) -> tuple[str, str]:
    code = text.split("```python\n", 1)[1].split("```", 1)[0]
    shown = text.split("Output:\n\n```text\n", 1)[1].split("```", 1)[0]
    return code, shown


def _run(code: str) -> str:
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        exec(compile(code, str(PAGE), "exec"), {"__name__": "docs_example"})  # the page's own code, as a reader runs it
    return buf.getvalue()


@pytest.mark.slow
def test_the_page_prints_what_it_shows():
    text = PAGE.read_text()
    code, shown = _blocks(text)
    printed = _run(code)
    if os.environ.get("WAVETHEORY_REGENERATE_DOCS") == "1":  # the generator mode (see the page)
        PAGE.write_text(text.replace(shown, printed, 1))
        shown = printed
    # the words (names, PASS / FAIL) exactly; the numbers to 1e-3 relative: float32 training is deterministic on
    # one thread and one machine, and a different BLAS may move the last digits of a few-second training run
    assert NUMBER.sub("#", printed) == NUMBER.sub("#", shown)
    for a, b in zip(NUMBER.findall(printed), NUMBER.findall(shown)):
        assert float(a) == pytest.approx(float(b), rel=1e-3, abs=1e-6), (a, b)
