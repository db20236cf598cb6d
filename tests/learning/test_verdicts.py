"""Every reading beside its declared threshold: PASS on a compiled network, FAIL on its null model (C7-C10)."""

from __future__ import annotations

import torch

from wavetheory.learning.analysis import analyze, null_model
from wavetheory.learning.verdicts import format_readings
from wavetheory.theory.tasks import repeat_copy
from wavetheory.theory.wave_operator import compile_rnn, make_basis
from wavetheory.thresholds import EIG_MATCH

torch.set_num_threads(1)  # the project's rule: one torch thread in tests
TASK = repeat_copy(2, 3)


def test_readings_pass_on_a_compiled_network_and_fail_on_its_null_model():
    net = compile_rnn(TASK, make_basis("orthogonal", 8, 0))
    good = {r["name"]: r for r in analyze(net, TASK, nonlinearity="linear", lenses=True).readings()}
    assert all(r["verdict"] in ("PASS", "info") for r in good.values()), good
    bad = analyze(null_model(net, 0), TASK, nonlinearity="linear", lenses=True).readings()
    spectral = [r for r in bad if "mean |dlambda|" in r["name"] and r["value"] is not None]
    assert spectral and all(r["value"] > EIG_MATCH and r["verdict"] == "FAIL" for r in spectral)


def test_format_has_one_line_per_reading_with_its_bar():
    rows = analyze(compile_rnn(TASK), TASK, nonlinearity="linear").readings()
    lines = format_readings(rows).splitlines()
    assert len(lines) == len(rows)
    assert all(("PASS" in ln or "FAIL" in ln) == (r["threshold"] is not None) for ln, r in zip(lines, rows))
    assert "<= 0.05" in lines[0] and rows[0]["verdict"] == "PASS"
