"""Biased networks read from every source, the lenses' record and CLI (issue 22)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from cli.test_cli import run  # the shared runner of the CLI tests

from wavetheory.learning.analysis import analyze
from wavetheory.learning.interop import as_network, load_network
from wavetheory.learning.lenses import network_dmd, record_states
from wavetheory.learning.weights import load_weights, save_weights
from wavetheory.theory.tasks import repeat_copy
from wavetheory.theory.two_phase import two_phase_batch

torch.set_num_threads(1)  # the project's rule: one torch thread in tests
TASK = repeat_copy(2, 3)
ROADS = 1e-12  # float64 torch vs numpy, the same operations in another order over a few steps


def _biased(seed: int = 0):
    torch.manual_seed(seed)
    return torch.nn.RNN(2, 6, batch_first=True).double(), torch.nn.Linear(6, 2).double()


def _states(layer, u):
    return layer(torch.as_tensor(u))[0].detach().numpy()


def test_a_biased_elman_network_is_read_from_a_module_a_state_dict_a_pt_an_npz_and_a_checkpoint(tmp_path):
    layer, head = _biased()
    u, _ = two_phase_batch(TASK, 3, 4, 0)
    ref = _states(layer, u)
    sd = {**layer.state_dict(), "readout.weight": head.weight.detach()}
    torch.save(sd, tmp_path / "net.pt")
    torch.save({"state_dict": {f"model.rnn.{k}": v for k, v in layer.state_dict().items()}
                | {"model.readout.weight": head.weight.detach()},
                "hyper_parameters": {"input_dim": 2, "seq_length": 3, "task_id": (3, 0, 0), "hidden_dim": 6}},
               tmp_path / "net.ckpt")
    arrays = {"W_hh": layer.weight_hh_l0.detach().numpy(), "W_uh": layer.weight_ih_l0.detach().numpy(),
              "W_hy": head.weight.detach().numpy(), "bias_ih_l0": layer.bias_ih_l0.detach().numpy(),
              "bias_hh_l0": layer.bias_hh_l0.detach().numpy()}
    save_weights(tmp_path / "net.npz", "rnn", arrays, {})
    nets = [as_network(layer, head), as_network(sd), load_network(tmp_path / "net.pt").network,
            load_network(tmp_path / "net.ckpt").network, load_weights(tmp_path / "net.npz")[0]]
    for net in nets:
        assert np.abs(net.network.run(u)[1] - ref).max() <= ROADS  # the biases are kept, not zeroed
        assert np.array_equal(net.W_hh, arrays["W_hh"])


def test_analyze_reads_a_biased_network_through_every_lens():
    layer, head = _biased(1)
    a = analyze(layer, TASK, readout=head, lenses=True)
    out = a.to_json()
    names = [r["name"] for r in out["readings"]]
    assert any("operating point" in n for n in names) and any(n.startswith("DMD") for n in names)
    assert out["dmd"]["delays"] == TASK.s and out["dmd"]["rank"] <= TASK.s * TASK.d
    assert all(set(p) >= {"residual", "stable", "eig_match"} for p in out["fixed_points"])
    assert len(a.summary().splitlines()) == len(out["readings"])
    fig = a.plot()
    assert len(fig.axes) == 4


def test_record_states_is_the_layers_output_and_dmd_reads_it():
    layer, head = _biased(2)
    model = torch.nn.Sequential(layer)
    u, _ = two_phase_batch(TASK, 4, 9, 0)
    h = record_states(model, u)
    assert np.abs(h - _states(layer, u)).max() == 0.0
    D, m = network_dmd(h, TASK, delays=2, rank=3)
    assert D.delays == 2 and D.rank <= 3 and m.summary()["n_target"] == TASK.s * TASK.d


def test_cli_analyze_lenses_json(capsys, tmp_path):
    layer, head = _biased(3)
    torch.save({**layer.state_dict(), "readout.weight": head.weight.detach()}, tmp_path / "net.pt")
    rc, out, err = run(capsys, "analyze", str(tmp_path / "net.pt"), "--task", "repeat-copy", "--d", "2", "--s", "3",
                       "--lenses", "--no-figures", "--json")
    assert rc == 0, err
    res = json.loads(out)
    assert {"fixed_points", "operating_point", "dmd", "lyapunov", "readings"} <= set(res)
    assert set(res["dmd"]) >= {"delays", "rank", "eig_match"} and "eig_match" in res["operating_point"]
    rc, out, err = run(capsys, "analyze", str(tmp_path / "net.pt"), "--task", "repeat-copy", "--d", "2", "--s", "3",
                       "--no-figures")
    assert rc == 0, err
    assert "readings (value, declared threshold, verdict):" in out and "<= 0.05   " in out
    rc, _, err = run(capsys, "analyze", str(tmp_path / "net.pt"), "--task", "repeat-copy", "--d", "2", "--s", "3",
                     "--delays", "2")
    assert rc == 2 and "--delays" in err


@pytest.mark.parametrize("cls", [torch.nn.GRU, torch.nn.LSTM])
def test_default_gated_layers_with_biases_are_read_and_their_fixed_points_found(cls):
    torch.manual_seed(4)
    layer = cls(2, 8, batch_first=True).double()  # torch's default biases: 0 is no fixed point
    net = as_network(layer, torch.nn.Linear(8, 2))
    u, _ = two_phase_batch(TASK, 3, 4, 0)
    assert np.abs(net.network.run(u)[1] - _states(layer, u)).max() <= ROADS
    points = analyze(net, TASK, lenses=True).lenses.fixed_points
    # a contracting default cell has a fixed point; Newton polishes it to float64 rounding
    assert points and points[0].kind == "fixed" and points[0].residual <= 1e-10
