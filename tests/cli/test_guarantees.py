"""docs/guarantees.md quotes the code: its generated blocks equal what this module renders from the constants
the readers and the CLI enforce, and the exit statuses it lists are the ones `main` returns.

Regenerate the blocks after changing a limit: ``python tests/cli/test_guarantees.py``.
"""

from __future__ import annotations

import re
import signal
import sys
from pathlib import Path

import pytest

PAGE = Path(__file__).resolve().parents[2] / "docs" / "guarantees.md"


def _limits() -> str:
    from wavetheory._validate import MEMORY_ENV, format_bytes
    from wavetheory.io import JSON_FRACTION, LOCK, MAX_JSON_DEPTH, MAX_PICKLE_BYTES, PICKLE_FRACTION
    from wavetheory.sweeps.config import MAX_CELLS

    rows = [
        ("every input file", "opened only if it is a regular file (a FIFO, a device such as `/dev/zero`, a folder or a "
         "socket is refused at once, without blocking); never more than its bound is read, whatever its size claims"),
        ("task and history files, sweep configs (JSON, TOML), sweep journals and tables",
         f"at most 1/{JSON_FRACTION} of `{MEMORY_ENV}`; nesting at most {MAX_JSON_DEPTH} levels; "
         "integers of at most 4300 digits; CSV fields of at most 131072 characters"),
        ("weights `.npz`", f"the arrays together at most `{MEMORY_ENV}`; no object arrays (pickles); every header "
         "checked against its member; no zero-size element type"),
        ("checkpoints `.ckpt` (and `.pt` that `torch.load` refuses)",
         f"the pickle at most 1/{PICKLE_FRACTION} of `{MEMORY_ENV}` (and at most {format_bytes(MAX_PICKLE_BYTES)}); "
         f"the storages read, the tensors copied out of them and the containers the pickle builds together at most "
         f"`{MEMORY_ENV}`"),
        ("`.pt` / `.pth` (`analyze`, `train --resume`)", f"checked before `torch.load`: the pickle at most "
         f"1/{PICKLE_FRACTION} of `{MEMORY_ENV}`, the storages at most `{MEMORY_ENV}`; a legacy (non-zip) file is "
         f"bounded as a pickle"),
        ("zip archives (`.npz`, `.pt`, `.ckpt`)", "members stored or deflated, not encrypted; sizes are the ones the "
         "archive declares (a zip bomb is refused by its declared size)"),
        ("sweep grids", f"at most {MAX_CELLS} cells, counted before any cell is built"),
        ("threads (`--threads`, `train.threads`)", "at most the number of CPU cores"),
        ("output folders", f"`DIR/{LOCK}`: one run at a time"),
    ]
    return "\n".join(["| what | bound |", "|---|---|"] + [f"| {a} | {b} |" for a, b in rows])


def _globals() -> str:
    from wavetheory.io import _DANGEROUS_MODULES, _DANGEROUS_NAMES

    return (f"- any global of the modules {', '.join(f'`{m}`' for m in sorted(_DANGEROUS_MODULES))};\n"
            f"- any global with one of these names as a part of its dotted name: "
            f"{', '.join(f'`{n}`' for n in sorted(_DANGEROUS_NAMES))}.")


# status -> (what it means, a command line that gets it; "RAISE:<name>" makes `tasks` raise that exception)
EXIT = {
    0: ("done; nothing on stderr", ["tasks"]),
    1: ("the work ran but part of it failed (a sweep with failed cells), the machine ran out of memory, or an "
        "internal error (a bug; `WAVETHEORY_DEBUG=1` shows the traceback); one line on stderr", ["RAISE:MemoryError"]),
    2: ("bad input, a size over the memory limit, a refused file (a dangerous pickle, a FIFO, ...) or an output "
        "folder another run holds; one line on stderr naming the argument or the file",
        ["spectrum", "--task", "repeat-copy", "--d", "0", "--s", "1"]),
    130: ("Ctrl-C (SIGINT), after cleaning up; one line", ["RAISE:KeyboardInterrupt"]),
    141: ("stdout was closed early (`wavetheory ... | head`); nothing printed", ["RAISE:BrokenPipeError"]),
    143: ("SIGTERM (`kill`, Slurm's time-out), after cleaning up; one line", ["SIGTERM"]),
}


def _exits() -> str:
    return "\n".join(["| status | meaning |", "|---|---|"] + [f"| {k} | {v[0]} |" for k, v in EXIT.items()])


BLOCKS = {"limits": _limits, "globals": _globals, "exits": _exits}


def _block(text: str, name: str) -> str:
    m = re.search(_marked(name), text, re.S)
    assert m, f"docs/guarantees.md has no generated block {name!r}"
    return m.group(1).rstrip("\n")


def _marked(name: str) -> str:
    return rf"<!-- generated: {name} -->\n(.*?)<!-- end: {name} -->"


@pytest.mark.parametrize("name", sorted(BLOCKS))
def test_the_page_quotes_the_code(name):
    assert _block(PAGE.read_text(), name) == BLOCKS[name](), f"run `python {Path(__file__).relative_to(PAGE.parents[1])}`"


@pytest.mark.parametrize("status", sorted(EXIT))
def test_the_exit_statuses_are_the_ones_main_returns(capsys, monkeypatch, status):
    import os

    import wavetheory.cli.core as core
    from wavetheory.cli import main

    argv = EXIT[status][1]
    if argv[0].startswith("RAISE:"):
        exc = {"MemoryError": MemoryError, "KeyboardInterrupt": KeyboardInterrupt,
               "BrokenPipeError": BrokenPipeError}[argv[0][6:]]
        monkeypatch.setattr(core, "cmd_tasks", lambda args: (_ for _ in ()).throw(exc()))
        argv = ["tasks"]
    elif argv == ["SIGTERM"]:
        monkeypatch.setattr(core, "cmd_tasks", lambda args: os.kill(os.getpid(), signal.SIGTERM) or ({}, ""))
        argv = ["tasks"]
    monkeypatch.delenv("WAVETHEORY_DEBUG", raising=False)
    assert main(argv) == status
    err = capsys.readouterr().err
    assert err.count("\n") == (0 if status in (0, 141) else 1), err


def test_the_memo_pickle_the_page_describes_is_the_tests():
    import inspect
    import io
    import zipfile

    import hostile_files

    pkl = zipfile.ZipFile(io.BytesIO(hostile_files.memo_index_checkpoint())).read("archive/data.pkl")
    index = inspect.signature(hostile_files.memo_index_checkpoint).parameters["index"].default
    page = " ".join(PAGE.read_text().split())
    assert f"a {len(pkl)}-byte pickle that puts one object at a memo index of 2^{index.bit_length() - 1}" in page
    assert 2 * index * 8 == 1 << 30 and "fill a 1 GiB table" in page  # CPython's memo grows to 2 (index) pointers


if __name__ == "__main__":  # rewrite the generated blocks of the page
    text = PAGE.read_text()
    for name, render in BLOCKS.items():
        _block(text, name)  # the markers are there
        block = f"<!-- generated: {name} -->\n{render()}\n<!-- end: {name} -->"
        text = re.sub(_marked(name), lambda m: block, text, flags=re.S)
    PAGE.write_text(text)
    sys.exit(0)
