"""Tests of the linear, LRU, S4D and wave-RNN trainer cells: two roads (torch == numpy), initializations, files (C13, C15, C16)."""

import math

import numpy as np
import pytest
import torch

from wavetheory.learning.analysis import analyze
from wavetheory.learning.config import CELL_TYPES, TrainConfig
from wavetheory.learning.models import build_model, initialize
from wavetheory.learning.state_space import LRU, LRU_RING, S4D, S4D_STEP
from wavetheory.learning.trainer import train
from wavetheory.learning.weights import load_weights
from wavetheory.theory.tasks import repeat_copy
from wavetheory.theory.two_phase import two_phase_batch
from wavetheory.theory.wave_operator import Phi
from wavetheory.theory.wave_rnn import position_major

NEW = ("linear", "lru", "s4d", "wrnn")


@pytest.mark.parametrize("cell, hidden", [("linear", 6), ("lru", 5), ("s4d", 5), ("wrnn", 12)])
def test_torch_forward_equals_the_numpy_network(cell, hidden):
    torch.manual_seed(3)
    model = build_model(cell, 2, hidden).double()
    u, _ = two_phase_batch(repeat_copy(2, 3), 5, 6, 0)
    y_torch = model(torch.as_tensor(u), 3).detach().numpy()
    lin = model.linearization()
    y_np = lin.network.run(u)[0][:, 3:]
    # float64 on both roads, the same operations in a different order: rounding ~1e-16 per step
    assert np.abs(y_torch - y_np).max() <= 1e-12
    if cell != "wrnn":  # the linear cells' real form reproduces the outputs too (LinearRNN.run, no tanh)
        assert np.abs(lin.run(u)[0][:, 3:] - y_np).max() <= 1e-12


def test_lru_initialization_is_the_ring_with_gamma_normalization():
    torch.manual_seed(0)
    net = LRU(3, 400).diagonal()
    r = np.abs(net.lam)
    assert np.all((r >= LRU_RING[0]) & (r < LRU_RING[1])) and np.all(np.angle(net.lam) % (2 * math.pi) <= LRU_RING[2])
    w = LRU(3, 400).weights()
    # float32 parameters: sqrt(1 - |lambda|^2) from rounded logs is good to ~1e-7 absolute (1e-6 leaves margin)
    assert np.allclose(np.exp(w["gamma_log"]), np.sqrt(1 - np.exp(-2 * np.exp(w["nu_log"]))), rtol=0, atol=1e-6)
    # |lambda|^2 uniform on [0, 1]: mean 1/2 within 4 standard errors (1/sqrt(12 * 400))
    assert abs(np.mean(r**2) - 0.5) <= 4 / math.sqrt(12 * 400)


def test_s4d_initialization_is_s4d_lin_and_stays_inside_the_unit_circle():
    torch.manual_seed(0)
    m = S4D(2, 16)
    w = m.weights()
    assert np.allclose(-np.exp(w["A_re_log"]), -0.5) and np.allclose(w["A_im"], math.pi * np.arange(16))
    dt = np.exp(w["log_dt"])
    assert np.all((dt >= S4D_STEP[0] * (1 - 1e-6)) & (dt <= S4D_STEP[1] * (1 + 1e-6)))
    assert np.all(np.abs(m.diagonal().lam) < 1)


@pytest.mark.parametrize("cell", NEW)
def test_train_writes_weights_that_load_back_as_the_same_network(tmp_path, cell):
    assert cell in CELL_TYPES
    hidden = 12 if cell == "wrnn" else 6
    cfg = TrainConfig(hidden=hidden, cell=cell, batch=8, steps=6, horizons=(3, 6), eval_every=3, eval_batch=16, log_every=2)
    res = train(repeat_copy(2, 3), cfg, tmp_path, progress=False)
    rnn, init = load_weights(tmp_path / "weights.npz")
    assert np.array_equal(rnn.W_hh, res.rnn.W_hh) and np.array_equal(init.W_hh, res.init.W_hh)
    assert rnn.network.cell == cell and not np.array_equal(rnn.W_hh, init.W_hh)
    again = train(repeat_copy(2, 3), cfg, tmp_path / "again", progress=False)  # same seed, same network (CPU)
    assert np.array_equal(again.rnn.W_hh, res.rnn.W_hh)


def test_wrnn_starts_at_keller_shift_and_unrolls_to_phi():
    torch.manual_seed(0)
    model = build_model("wrnn", 3, 6 * 4)
    Pi = position_major(6, 4)
    assert np.array_equal(model.linearization().W_hh, Pi @ Phi(repeat_copy(6, 4)) @ Pi.T)
    with pytest.raises(ValueError, match="hidden"):
        build_model("wrnn", 3, 20)


def test_analyze_reads_the_new_cells(tmp_path):
    torch.manual_seed(1)
    task = repeat_copy(2, 3)
    for cell, hidden in (("lru", 6), ("wrnn", 12), ("linear", 6)):
        model = build_model(cell, 2, hidden)
        res = analyze(model.linearization(), task).to_json()
        assert res["cell"] == cell and res["hidden"] == (2 * hidden if cell == "lru" else hidden)
        assert res["wave_r2"] is None or np.isfinite(res["wave_r2"])


def test_their_own_initialization_only():
    model = build_model("lru", 2, 4)
    with pytest.raises(ValueError, match="init"):
        initialize(model, repeat_copy(2, 2), "wave", np.random.default_rng(0))
    lin = build_model("linear", 2, 4)
    initialize(lin, repeat_copy(2, 2), "wave", np.random.default_rng(0))  # the linear Elman takes the wave solution
    assert np.allclose(np.sort(np.abs(np.linalg.eigvals(lin.linearization().W_hh))), 1.0)
