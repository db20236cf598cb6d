"""C7/C8's arm "authors": the loader (manifest, sha256, key names), the readings of networks saved in the authors'
format, and the arm's checks (declared like the paper configuration's; open with the reason when the files are absent).

Networks are built here: a compiled wave network (W_hh = Psi diag(Phi, 0) Psi^T, orthogonal Psi) saved as a state_dict
with the authors' key names, so the readings must give Phi where it is; nothing reads the authors' real files."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest
import torch

from wavetheory.claims import authors_arm, registry
from wavetheory.claims.authors_arm import LABEL, ArmReadings, arm_readings, load_networks
from wavetheory.claims.claim import Plan
from wavetheory.learning.journal import decode, encode
from wavetheory.theory.tasks import repeat_copy
from wavetheory.theory.wave_operator import compile_rnn, make_basis

HIDDEN = 88  # >= s*d = 80: the compiled network leaves 8 unused dimensions


def state(W_hh, W_uh, W_hy) -> dict[str, torch.Tensor]:
    """A state_dict as the authors' RNNModel saves it (float64 here, so that the compiled network stays exact)."""
    return {"rnn.weight_ih_l0": torch.tensor(W_uh), "rnn.weight_hh_l0": torch.tensor(W_hh),
            "readout.weight": torch.tensor(W_hy)}


def write_arm(folder, seeds=(0,), stopped=True) -> dict:
    """A folder like scripts/authors_networks.py writes: final = the compiled network, init = a random one."""
    rnn = compile_rnn(repeat_copy(authors_arm.D, authors_arm.S), make_basis("orthogonal", HIDDEN, rng=0))
    rng = np.random.default_rng(1)
    bound = 1 / np.sqrt(HIDDEN)  # PyTorch's default U(-1/sqrt(H), 1/sqrt(H))
    init = [rng.uniform(-bound, bound, shape) for shape in ((HIDDEN, HIDDEN), (HIDDEN, 8), (8, HIDDEN))]
    manifest = {"networks": {}, "source": "test", "commit": None}
    for k in seeds:
        (folder / f"seed{k}").mkdir(parents=True)
        torch.save(state(rnn.W_hh, rnn.W_uh, rnn.W_hy), folder / f"seed{k}" / "final.pt")
        torch.save(state(*init), folder / f"seed{k}" / "init.pt")
        files = {n: hashlib.sha256((folder / f"seed{k}" / n).read_bytes()).hexdigest() for n in ("init.pt", "final.pt")}
        stop = {"until_mean": {"step": 100}} if stopped else {}
        manifest["networks"][f"seed{k}"] = {"steps": 100, "files": files} | stop
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return manifest


def test_the_loader_refuses_a_missing_folder_a_tampered_file_and_a_network_with_biases(tmp_path):
    with pytest.raises(ValueError, match="absent.*not found"):
        load_networks(tmp_path / "absent")
    assert "absent" in arm_readings(str(tmp_path / "absent")).reason  # a run reads the reason, never a crash
    folder = tmp_path / "arm"
    write_arm(folder)
    assert set(load_networks(folder)[0]) == {"init", "final"}
    path = folder / "seed0" / "final.pt"
    data = bytearray(path.read_bytes())
    data[-20] ^= 1  # one bit: the file is no longer the one the manifest lists
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="final.pt has sha256 .* refused"):
        load_networks(folder)
    # a state_dict with a bias: the sha256 matches (manifest rewritten) but the network is not the bias-free Elman
    biased = {**state(np.eye(HIDDEN), np.ones((HIDDEN, 8)), np.ones((8, HIDDEN))), "rnn.bias_hh_l0": torch.zeros(HIDDEN)}
    torch.save(biased, path)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["networks"]["seed0"]["files"]["final.pt"] = hashlib.sha256(path.read_bytes()).hexdigest()
    (folder / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ValueError, match="bias_hh_l0"):
        load_networks(folder)
    (folder / "seed0" / "init.pt").unlink()
    with pytest.raises(ValueError, match="init.pt not found"):
        load_networks(folder)


def test_readings_of_a_compiled_network_in_the_authors_format_read_phi(tmp_path):
    write_arm(tmp_path / "arm", stopped=False)
    A = arm_readings(str(tmp_path / "arm"))
    assert not A.reason and A.seeds == (0,) and A.source == "test"
    r = A.readings[0]
    assert not r.solved and r.steps == 100  # the run hit its step bound: read, but no value at judging time
    # float64 eigenvalues and power basis of an 88 x 88 orthogonal similarity of Phi: rounding ~1e-13, far below 1e-8
    assert r.trained.W.match_mean < 1e-8 and r.trained.W.free_column < 1e-8
    assert r.trained.W.extra_max < 1e-8 and r.trained.W.n_extra == HIDDEN - 80  # the unused dimensions sit at 0
    assert r.init.W.match_mean > 0.5  # a random initialization is nowhere near Phi's roots of unity
    assert 0 <= r.accuracy <= 1
    # the journal stores the arm's readings exactly (the computation runs on a worker)
    back = decode(json.loads(json.dumps(encode(A))))
    assert back.readings[0].trained.W.match_mean == r.trained.W.match_mean and back.readings[0].solved is False
    np.testing.assert_array_equal(back.readings[0].trained.W.eigenvalues, r.trained.W.eigenvalues)
    lens, back_lens = r.trained.lens, back.readings[0].trained.lens
    assert (back_lens.dmd_match, back_lens.n_fixed, back_lens.fp_norm) == (lens.dmd_match, lens.n_fixed, lens.fp_norm)


def _declared(plan=Plan()):
    return {d.name: d for d in registry.plan_checks(plan, ["C7", "C8"])}


def test_the_arm_is_declared_with_the_paper_configurations_kinds_thresholds_and_justifications():
    D = _declared()
    paper = "[paper: repeat copy d = 8, s = 10]"
    stated = [d for n, d in D.items() if n.startswith(LABEL) and d.kind in ("stated", "refined")]
    assert len(stated) == 5  # C7.1 W_hh and the Jacobian, C7.2, C8.1 and its refined Jacobian reading
    for d in stated:
        twin = D[d.name.replace(LABEL, paper)]
        assert (d.kind, d.relation, d.threshold, d.justification, d.row) == (twin.kind, twin.relation, twin.threshold,
                                                                             twin.justification, twin.row)
        assert d.controls and all(D[c].kind == "control" and "initialization" in c for c in d.controls if c.startswith(LABEL))
        assert "the authors' networks trained by their code" in d.scope
    # controls: C7 W_hh, Jacobian, extra eigenvalues; C8 W_hh, Jacobian
    assert sum(n.startswith(LABEL) and d.kind == "control" for n, d in D.items()) == 5


def test_reproduce_plan_lists_the_lenses_as_limits_and_the_arm(capsys):
    from wavetheory.cli import main

    assert main(["reproduce", "--plan", "--json", "--quick", "--claims", "C7", "C8"]) == 0
    checks = json.loads(capsys.readouterr().out)["checks"]
    kinds = {c["name"]: c["kind"] for c in checks}
    for cfg in ("paper", "small"):
        lenses = [n for n in kinds if n.startswith(f"[{cfg}:") and " limit: " in n]
        assert len(lenses) == 3 and {kinds[n] for n in lenses} == {"limit"}  # fixed point, DMD (C7.1); fixed point (C8.1)
    assert sum(n.startswith(LABEL) for n in kinds) == 10
    assert all(c["declared_in"] != "unregistered" for c in checks)

