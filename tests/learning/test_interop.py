"""Networks from other code: torch modules, state_dicts, .pt files and the authors' Lightning checkpoints.

Two roads to every network: reading it through ``interop`` and building the same LinearRNN by hand
from its weights (the .npz road) must give identical analyses (exact equality: the same float64
arrays go through the same code).
"""

from __future__ import annotations

import os

import numpy as np
import pytest
import torch
from checkpoint_files import Payload, authors_checkpoint, hostile_checkpoint, marker_command

import wavetheory as wt
from wavetheory.learning.analysis import analyze
from wavetheory.learning.interop import as_network, load_network, network_from_module, network_from_state_dict
from wavetheory.learning.weights import save_weights
from wavetheory.theory.gated import GatedWeights, Linearization, linearize
from wavetheory.theory.wave_operator import LinearRNN


def _np(t: torch.Tensor) -> np.ndarray:
    return t.detach().double().numpy()


def _same_analysis(a, b) -> None:
    ja, jb = a.to_json(), b.to_json()
    assert ja == jb


@pytest.fixture
def task():
    return wt.authors_task(0b100010001000, 2, 5, 3, 4)


def test_live_elman_module_with_readout(task):
    torch.manual_seed(0)
    rnn, lin = torch.nn.RNN(3, 12, bias=False), torch.nn.Linear(12, 3, bias=False)
    net = network_from_module(rnn, lin)
    ref = LinearRNN(_np(rnn.weight_hh_l0), _np(rnn.weight_ih_l0), _np(lin.weight))
    assert type(net) is LinearRNN
    for k in ("W_hh", "W_uh", "W_hy"):
        assert np.array_equal(getattr(net, k), getattr(ref, k))
    _same_analysis(wt.analyze(rnn, task, readout=lin), analyze(ref, task))


@pytest.mark.parametrize("cell", ["gru", "lstm"])
def test_live_gated_module_is_read_at_its_linearization(task, cell):
    torch.manual_seed(1)
    layer = (torch.nn.GRU if cell == "gru" else torch.nn.LSTM)(3, 12)  # with biases: they enter the linearization
    with torch.no_grad():  # zero state must stay a fixed point: the candidate's biases cancel
        g = 2  # the candidate's block: GRU (r, z, n), LSTM (i, f, g, o)
        layer.bias_ih_l0[g * 12:(g + 1) * 12].zero_()
        layer.bias_hh_l0[g * 12:(g + 1) * 12].zero_()
    lin = torch.nn.Linear(12, 3)
    net = as_network(layer, lin)
    ref = linearize(GatedWeights(cell, _np(layer.weight_ih_l0), _np(layer.weight_hh_l0), _np(lin.weight),
                                 _np(layer.bias_ih_l0), _np(layer.bias_hh_l0)))
    assert isinstance(net, Linearization) and net.network.cell == cell
    assert np.array_equal(net.W_hh, ref.W_hh) and np.array_equal(net.W_uh, ref.W_uh)
    _same_analysis(wt.analyze(layer, task, readout=lin), analyze(ref, task))


def test_container_module_finds_its_layer_and_readout(task):
    class Model(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn, self.readout = torch.nn.RNN(3, 8, bias=False), torch.nn.Linear(8, 3, bias=False)

    m = Model()
    net = as_network(m)
    assert np.array_equal(net.W_hy, _np(m.readout.weight))
    assert np.array_equal(as_network(m.state_dict()).W_hh, net.W_hh)  # the state_dict road: model.rnn.*, readout.weight


def test_state_dict_and_pt_file(tmp_path, task):
    torch.manual_seed(2)
    rnn, lin = torch.nn.RNN(3, 12, bias=False), torch.nn.Linear(12, 3, bias=False)
    sd = {"encoder.weight_ih_l0": rnn.weight_ih_l0, "encoder.weight_hh_l0": rnn.weight_hh_l0, "head.weight": lin.weight}
    torch.save(sd, tmp_path / "net.pt")
    imported = load_network(tmp_path / "net.pt")
    assert imported.source == "torch.load" and imported.task is None and imported.cell == "rnn"
    assert np.array_equal(imported.network.W_hh, network_from_state_dict(sd).W_hh)
    _same_analysis(analyze(str(tmp_path / "net.pt"), task), analyze(network_from_module(rnn, lin), task))


@pytest.mark.parametrize("cell", ["rnn", "lstm"])
def test_authors_checkpoint_equals_the_npz_road(tmp_path, cell):
    path = tmp_path / f"{cell}.ckpt"
    sd = authors_checkpoint(path, cell, d=3, s=4, H=12, task_id=(2184, 2, 5))
    imported = load_network(path)
    assert imported.source == "checkpoint_reader" and imported.cell == cell
    assert imported.task == wt.authors_task(2184, 2, 5, 3, 4)
    assert imported.hyper_parameters["task_id"] == [2184, 2, 5] and "model" not in imported.hyper_parameters
    layer = "rnn" if cell == "rnn" else "lstm"
    if cell == "rnn":
        arrays = {"W_hh": sd["model.rnn.weight_hh_l0"], "W_uh": sd["model.rnn.weight_ih_l0"], "W_hy": sd["model.readout.weight"]}
    else:
        arrays = GatedWeights("lstm", sd[f"model.{layer}.weight_ih_l0"], sd[f"model.{layer}.weight_hh_l0"],
                              sd["model.readout.weight"]).arrays()
    save_weights(tmp_path / "w.npz", cell, arrays, arrays)
    from_npz = load_network(tmp_path / "w.npz")
    _same_analysis(analyze(imported.network, imported.task), analyze(from_npz.network, imported.task))


def test_hostile_pt_file_falls_back_to_the_reader_and_is_refused(tmp_path):
    marker = tmp_path / "PWNED"
    hostile_checkpoint(tmp_path / "h.pt", Payload(os.system, marker_command(marker)))
    with pytest.raises(ValueError, match="h.pt: refused: the pickle names posix.system"):  # torch.load refuses; so does the reader
        load_network(tmp_path / "h.pt")
    hostile_checkpoint(tmp_path / "w.ckpt", Payload(os.system, marker_command(marker)), where="state_dict")
    with pytest.raises(ValueError, match="w.ckpt: refused: the pickle names posix.system"):
        load_network(tmp_path / "w.ckpt")
    assert not marker.exists()


@pytest.mark.parametrize("make, message", [
    (lambda: (torch.nn.RNN(3, 4, num_layers=2, bias=False), torch.nn.Linear(4, 3)), "one-layer"),
    (lambda: (torch.nn.RNN(3, 4, nonlinearity="relu", bias=False), torch.nn.Linear(4, 3)), "relu"),
    (lambda: (torch.nn.LSTM(3, 4, bidirectional=True), torch.nn.Linear(4, 3)), "one-direction"),
    (lambda: (torch.nn.RNN(3, 4, bias=False), torch.nn.Linear(5, 3)), "W_hy"),
], ids=["two-layers", "relu", "bidirectional", "readout-shape"])
def test_unsupported_networks_raise(make, message):
    layer, lin = make()
    with pytest.raises(ValueError, match=message):
        as_network(layer, lin)


def test_zero_elman_biases_are_accepted():
    layer = torch.nn.RNN(3, 4)
    with torch.no_grad():
        layer.bias_ih_l0.zero_()
        layer.bias_hh_l0.zero_()
    assert as_network(layer, torch.nn.Linear(4, 3)).hidden == 4


def test_state_dict_errors():
    with pytest.raises(ValueError, match="one recurrent layer"):
        network_from_state_dict({"a.weight": torch.zeros(2, 2)})
    two_heads = {"weight_ih_l0": torch.zeros(4, 3), "weight_hh_l0": torch.zeros(4, 4), "a.weight": torch.zeros(3, 4),
                 "b.weight": torch.zeros(3, 4)}
    with pytest.raises(ValueError, match="readout"):
        network_from_state_dict(two_heads)
    assert network_from_state_dict(two_heads, readout=torch.ones(3, 4)).W_hy.sum() == 12
    with pytest.raises(ValueError, match="G = 1"):
        network_from_state_dict({"weight_ih_l0": torch.zeros(8, 3), "weight_hh_l0": torch.zeros(8, 4), "r.weight": torch.zeros(3, 4)})
    with pytest.raises(TypeError, match="rnn"):
        as_network(42)
    with pytest.raises(ValueError, match="readout: only used"):
        as_network(LinearRNN(np.eye(2), np.eye(2), np.eye(2)), readout=np.eye(2))


def test_checkpoint_whose_hyper_parameters_disagree(tmp_path):
    authors_checkpoint(tmp_path / "x.ckpt", "rnn", d=3, s=4, H=8, extra_hp={"hidden_dim": 9})
    with pytest.raises(ValueError, match="hidden_dim = 9"):
        load_network(tmp_path / "x.ckpt")
    authors_checkpoint(tmp_path / "y.ckpt", "rnn", d=3, s=4, H=8, task_id=(7, 9, 0))
    with pytest.raises(ValueError, match="y.ckpt: id2"):
        load_network(tmp_path / "y.ckpt")
    authors_checkpoint(tmp_path / "z.ckpt", "rnn", d=3, s=4, H=8, extra_hp={"model_type": "lstm"})
    with pytest.raises(ValueError, match="model_type 'lstm'"):
        load_network(tmp_path / "z.ckpt")
