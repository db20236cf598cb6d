"""Every command README.md shows is one that works: each parses, and the tour's commands run as written.

The tour's fenced ``wavetheory ...`` lines run in a fresh folder, one after the other (``train`` then
``analyze`` of its folder); ``reproduce`` of one claim is checked to parse only (it runs the claim's
proofs, a minute or more on 2 busy cores: the main job's own tests run it). Every ``wavetheory ...``
written inline (in backticks) must parse too, so no example in the README is a command that fails.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
TOUR = README[README.index("## A five-minute tour"):README.index("\n## ", README.index("## A five-minute tour") + 5)]
PARSE_ONLY = {"reproduce"}  # too long for a test (see the module docstring)


def _fenced(text: str, lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", text, flags=re.S)


def tour_commands() -> list[list[str]]:
    lines = [line.strip() for block in _fenced(TOUR, "bash") for line in block.splitlines()]
    return [shlex.split(line)[1:] for line in lines if line.startswith("wavetheory ")]


def inline_commands() -> list[list[str]]:
    spans = re.findall(r"`(wavetheory [^`]+)`", README)
    return [shlex.split(s)[1:] for s in spans]


def _parse(argv: list[str]) -> None:
    from wavetheory.cli import build_parser

    build_parser().parse_args(argv)  # argparse exits (SystemExit 2) on anything it cannot read


def test_the_tour_has_the_three_steps():
    names = [argv[0] for argv in tour_commands()]
    assert names == ["spectrum", "train", "analyze", "reproduce"], names


@pytest.mark.parametrize("argv", tour_commands() + inline_commands(), ids=lambda a: " ".join(a))
def test_every_readme_command_parses(argv):
    if "--help" in argv:
        pytest.skip("--help exits by design")
    _parse(argv)


def _run(argv: list[str], cwd: Path, timeout: float) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
               OMP_NUM_THREADS="1", MPLBACKEND="Agg")
    return subprocess.run([sys.executable, "-m", "wavetheory", *argv], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)


def test_the_spectrum_step_runs_and_prints_the_roots_of_unity(tmp_path):
    (argv,) = [a for a in tour_commands() if a[0] == "spectrum"]
    proc = _run(argv, tmp_path, timeout=60)
    assert proc.returncode == 0, proc.stderr
    # repeat copy d = 3, s = 4: charpoly (lam^4 - 1)^3, so the four 4th roots of unity, each x3
    assert "1 0 0 0 -3 0 0 0 3 0 0 0 -1" in proc.stdout and proc.stdout.count("|lam| = 1.000000  x3") == 4


@pytest.mark.slow
def test_the_train_and_analyze_steps_run_as_written(tmp_path):
    """~10 s on 2 busy cores (600 training steps, then the analysis and its figures)."""
    for argv in [a for a in tour_commands() if a[0] in ("train", "analyze")]:
        proc = _run(argv, tmp_path, timeout=300)
        assert proc.returncode == 0, (argv, proc.stderr[-2000:])
    figures = sorted(p.name for p in (tmp_path / "runs" / "first" / "analysis").glob("*.png"))
    assert {"spectrum.png", "waves.png"} <= set(figures), figures


def test_the_python_example_runs():
    (code,) = _fenced(TOUR, "python")
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)  # noqa: S102 (our own README's example)
    import numpy as np

    task, rnn, wt = namespace["task"], namespace["rnn"], namespace["wt"]
    # C3: the compiled W_hh has Phi's nonzero eigenvalues. The zero eigenvalue is defective (a Jordan block),
    # so LAPACK returns it split by ~1e-8 (sqrt of machine epsilon); 1e-6 separates it from the unit-modulus ones
    nonzero = lambda ev: np.sort_complex(ev[np.abs(ev) > 1e-6])  # noqa: E731
    np.testing.assert_allclose(nonzero(np.linalg.eigvals(rnn.W_hh)), nonzero(wt.spectrum(task)), atol=1e-9)
