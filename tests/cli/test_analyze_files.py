"""The command line on other people's networks and task IDs: --authors-task, analyze FILE.ckpt / .pt."""

from __future__ import annotations

import json
import os

import pytest
from checkpoint_files import Payload, authors_checkpoint, hostile_checkpoint, marker_command
from cli.test_cli import run, run_json  # the shared runners of the CLI tests

from wavetheory.learning.weights import save_weights
from wavetheory.theory.gated import GatedWeights


def test_authors_repeat_copy_has_repeat_copys_spectrum(capsys):
    ours = run_json(capsys, "spectrum", "--authors-task", "255,0,0", "--d", "8", "--s", "10")
    ref = run_json(capsys, "spectrum", "--task", "repeat-copy", "--d", "8", "--s", "10")
    assert ours == ref


def test_authors_task_in_other_commands_and_task_files(capsys, tmp_path):
    p = tmp_path / "t2.json"
    p.write_text(json.dumps({"authors_task": [9241421688590303745, 262676, 189], "d": 8, "s": 8}))
    from_file = run_json(capsys, "realizable", "--lags", str(p))
    from_flag = run_json(capsys, "realizable", "--authors-task", "9241421688590303745,262676,189", "--d", "8", "--s", "8")
    assert from_file["realizable"] == from_flag["realizable"]


@pytest.mark.parametrize("argv, message", [
    (["--authors-task", "255,0", "--d", "8", "--s", "10"], "three non-negative integers"),
    (["--authors-task", "255,0,-1", "--d", "8", "--s", "10"], "three non-negative integers"),
    (["--authors-task", "255,0,0", "--d", "8"], "needs --d D and --s S"),
    (["--authors-task", "255,0,0", "--d", "7", "--s", "10"], "id1: 255 has 8 one-bits"),
    (["--authors-task", "7,0,0", "--task", "fibonacci", "--d", "3", "--s", "2"], "one of --task, --lags or --authors-task"),
])
def test_bad_authors_task_is_one_line_exit_2(capsys, argv, message):
    rc, out, err = run(capsys, "spectrum", *argv)
    assert rc == 2 and out == "" and message in err and err.count("\n") == 1


def _npz_of(sd: dict, cell: str, path):
    if cell == "rnn":
        arrays = {"W_hh": sd["model.rnn.weight_hh_l0"], "W_uh": sd["model.rnn.weight_ih_l0"], "W_hy": sd["model.readout.weight"]}
    else:
        arrays = GatedWeights("lstm", sd["model.lstm.weight_ih_l0"], sd["model.lstm.weight_hh_l0"], sd["model.readout.weight"]).arrays()
    save_weights(path, cell, arrays, arrays)


@pytest.mark.parametrize("cell", ["rnn", "lstm"])
def test_analyze_checkpoint_needs_no_task_flags_and_equals_the_npz(capsys, tmp_path, cell):
    ckpt = tmp_path / f"epoch=0-step=6-{cell}.ckpt"
    sd = authors_checkpoint(ckpt, cell, d=3, s=4, H=12, task_id=(7, 0, 0))
    _npz_of(sd, cell, tmp_path / "w.npz")
    from_ckpt = run_json(capsys, "analyze", str(ckpt), "--no-figures")
    from_npz = run_json(capsys, "analyze", "--weights", str(tmp_path / "w.npz"), "--authors-task", "7,0,0",
                        "--d", "3", "--s", "4", "--no-figures")
    assert from_ckpt.pop("network")["placeholders"] and from_npz.pop("network")["source"] == "npz"
    from_npz.pop("grad_before")  # the npz also holds initial weights (here: the same ones)
    from_ckpt.pop("grad_before")
    assert from_ckpt == from_npz
    assert from_ckpt["eig_match"] == from_npz["eig_match"] and from_ckpt.get("cell") == (None if cell == "rnn" else "lstm")


def test_analyze_pt_state_dict_with_task_flags(capsys, tmp_path):
    import torch

    torch.manual_seed(0)
    rnn, lin = torch.nn.RNN(2, 6, bias=False), torch.nn.Linear(6, 2, bias=False)
    torch.save({"rnn.weight_ih_l0": rnn.weight_ih_l0, "rnn.weight_hh_l0": rnn.weight_hh_l0, "readout.weight": lin.weight},
               tmp_path / "m.pt")
    rc, out, err = run(capsys, "analyze", str(tmp_path / "m.pt"), "--no-figures")
    assert rc == 2 and "a task is required" in err
    res = run_json(capsys, "analyze", "--weights", str(tmp_path / "m.pt"), "--task", "repeat-copy", "--d", "2", "--s", "3",
                   "--no-figures")
    assert res["network"]["source"] == "torch.load" and res["hidden"] == 6


def test_hostile_checkpoint_via_the_cli_is_refused_with_one_line(capsys, tmp_path):
    marker = tmp_path / "PWNED"
    for name, where in (("h.ckpt", "hyper_parameters"), ("w.ckpt", "state_dict"), ("h.pt", "hyper_parameters")):
        hostile_checkpoint(tmp_path / name, Payload(os.system, marker_command(marker)), where=where)
        rc, out, err = run(capsys, "analyze", str(tmp_path / name), "--no-figures")
        assert rc == 2 and out == "" and err.count("\n") == 1, err
        assert err.startswith(f"wavetheory: error: {tmp_path / name}: refused: the pickle names posix.system,"), err
    assert not marker.exists()


def test_unknown_model_classes_stay_placeholders_listed_in_the_result(capsys, tmp_path):
    authors_checkpoint(tmp_path / "a.ckpt", "rnn", d=2, s=2, H=6, task_id=(3, 0, 0))
    res = run_json(capsys, "analyze", str(tmp_path / "a.ckpt"), "--no-figures")
    assert res["network"]["placeholders"] == ["em_discrete_gone.models.rnn_model.RNNModel", "torch.nn.modules.linear.Linear",
                                              "torch.nn.modules.rnn.RNN"]  # the pickled model object and its layers


def test_analyze_a_file_that_is_not_a_checkpoint(capsys, tmp_path):
    rc, out, err = run(capsys, "analyze", str(tmp_path / "missing.ckpt"), "--no-figures")
    assert rc == 2 and "missing.ckpt: no such file" in err and err.count("\n") == 1
    (tmp_path / "x.ckpt").write_text("hello")
    rc, out, err = run(capsys, "analyze", str(tmp_path / "x.ckpt"), "--no-figures")
    assert rc == 2 and "cannot read as a torch zip checkpoint" in err and err.count("\n") == 1
