"""The cell registry's contract, over every registered cell: torch == numpy, files round-trip, the lenses run (issue 20)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from wavetheory.learning.analysis import analyze
from wavetheory.learning.cells import CELLS, cell, cell_of, network_from_arrays
from wavetheory.learning.config import CELL_TYPES
from wavetheory.learning.dynamics import state_map
from wavetheory.learning.weights import load_weights, save_weights
from wavetheory.theory.tasks import repeat_copy
from wavetheory.theory.two_phase import two_phase_batch

torch.set_num_threads(1)  # the project's rule: one torch thread in tests

TASK = repeat_copy(2, 3)
# float64 on both roads, the same operations in another order: rounding ~1e-16 a step over 9 steps
ROADS = 1e-12


def _model(name: str) -> torch.nn.Module:
    torch.manual_seed(0)
    return cell(name).build(2, 12 if name == "wrnn" else 6).double()


def _run(net, inputs):
    inner = getattr(net, "network", None)
    return inner.run(inputs) if inner is not None else net.run(inputs, "tanh")


def test_the_config_names_are_the_registry():
    assert CELL_TYPES == tuple(CELLS)
    with pytest.raises(ValueError, match="cell: expected one of rnn, gru"):
        cell("transformer")


@pytest.mark.parametrize("name", list(CELLS))
def test_torch_forward_equals_the_numpy_run_and_the_state_map(name):
    model = _model(name)
    u, _ = two_phase_batch(TASK, 4, 6, 0)
    net = network_from_arrays(name, model.weights())
    assert cell_of(net) == name
    y, hs = _run(net, u)
    assert np.abs(model(torch.as_tensor(u), TASK.s).detach().numpy() - y[:, TASK.s:]).max() <= ROADS
    sm = state_map(net)  # the lenses' torch update reproduces the same hidden states and outputs
    states = sm.rollout(u)
    assert np.abs(states[..., : sm.hidden].numpy() - hs).max() <= ROADS
    assert np.abs(sm.readout(states.reshape(-1, sm.n)).numpy().reshape(y.shape) - y).max() <= ROADS


@pytest.mark.parametrize("name", list(CELLS))
def test_save_load_round_trip(tmp_path, name):
    model = _model(name)
    w = model.weights()
    save_weights(tmp_path / "w.npz", name, w, w)
    rnn, init = load_weights(tmp_path / "w.npz")
    ref = network_from_arrays(name, w)
    assert np.array_equal(rnn.W_hh, ref.W_hh) and np.array_equal(init.W_hh, ref.W_hh) and cell_of(rnn) == name


@pytest.mark.parametrize("name", list(CELLS))
def test_analyze_with_lenses_runs_on_every_cell(name):
    net = network_from_arrays(name, _model(name).weights())
    a = analyze(net, TASK, lenses=True)
    out = a.to_json()
    assert {"fixed_points", "operating_point", "dmd", "lyapunov", "readings"} <= set(out)
    assert len(out["lyapunov"]) == min(state_map(net).n, TASK.s * TASK.d)
    assert all(r["verdict"] in ("PASS", "FAIL", "info", "n/a") for r in out["readings"])


def test_a_biased_elman_network_runs_with_its_biases():
    layer = torch.nn.RNN(2, 5, batch_first=True).double()
    sd = {k: v.detach().numpy() for k, v in layer.state_dict().items()}
    net = network_from_arrays("rnn", {"W_hh": sd["weight_hh_l0"], "W_uh": sd["weight_ih_l0"], "W_hy": np.ones((2, 5)),
                                      "bias_ih_l0": sd["bias_ih_l0"], "bias_hh_l0": sd["bias_hh_l0"]})
    u, _ = two_phase_batch(TASK, 3, 4, 1)
    hs = layer(torch.as_tensor(u))[0].detach().numpy()
    assert np.abs(net.network.run(u)[1] - hs).max() <= ROADS
