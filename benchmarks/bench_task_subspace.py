"""Our task-subspace metrics (``learning.task_subspace``) beside the authors' own code on the same weights (issue 22).

    python benchmarks/bench_task_subspace.py --authors-src DIR --authors-python PY [--json OUT]

DIR: a checkout of https://github.com/arjunkaruvally/emt_variable_binding at branch batch-training; PY: a Python
of a separate venv with their requirements (torch, lightning, scikit-learn, matplotlib, networkx). Their
``evaluate.task_specific_subspace`` runs there, unmodified, through ``benchmarks/authors_task_subspace_driver.py``;
both sides get the same W_hh and the same Phi matrix (ours, ``theory.wave_operator.Phi``), k = s d. The cases:
compiled repeat-copy networks (identity and orthogonal bases, a 1e-2 perturbation), a compiled signed selection
with a lag below s, a Haar-random W_hh, and a default torch.nn.RNN trained briefly in plain torch (the docs page's
network). Differences are expected only where the pairing differs: theirs pairs greedily in eigensolver order,
ours solves the minimum-cost assignment their docstring states (so ours is never larger), and where fewer
eigenvalues than Phi's pass the 0.9 cut (theirs pads with zeros, whose argument is undefined: NaN; ours: None).
Measured (benchmarks/bench_task_subspace.json, their commit fda74e9): the Frobenius errors agree to the last bit in
every case, the spectral errors to 2e-13 degrees wherever theirs is defined; on the signed selection theirs is NaN
although both sides keep 10 eigenvalues: arccos of a unit-vector dot product that rounds above 1.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import torch

import wavetheory as wt
from wavetheory.learning.task_subspace import task_subspace
from wavetheory.theory.wave_operator import Phi, compile_rnn, make_basis

HERE = Path(__file__).resolve().parent


def trained_rnn(seed: int = 0) -> np.ndarray:
    """W_hh of a default torch.nn.RNN(3, 64) trained 600 steps on repeat copy d = 3, s = 4 (the docs page's run)."""
    torch.manual_seed(seed)
    task = wt.repeat_copy(3, 4)
    rnn, readout = torch.nn.RNN(3, 64, batch_first=True), torch.nn.Linear(64, 3)
    opt = torch.optim.Adam([*rnn.parameters(), *readout.parameters()], lr=3e-3)
    for step in range(600):
        u, y = wt.two_phase_batch(task, 64, 8, step)
        out = readout(rnn(torch.as_tensor(u, dtype=torch.float32))[0][:, task.s:])
        loss = torch.nn.functional.mse_loss(out, torch.as_tensor(y, dtype=torch.float32))
        opt.zero_grad()
        loss.backward()
        opt.step()
    return rnn.weight_hh_l0.detach().double().numpy()


def cases() -> list[tuple[str, np.ndarray, object]]:
    rc = wt.repeat_copy(3, 4)
    sel = wt.signed_selection("x1(t-4), -x0(t-2), x2(t-4)")
    rng = np.random.default_rng(0)
    W_orth = compile_rnn(rc, make_basis("orthogonal", 16, 1)).W_hh
    return [
        ("repeat copy d=3 s=4, compiled, identity basis", compile_rnn(rc).W_hh, rc),
        ("repeat copy, compiled, orthogonal basis H=16", W_orth, rc),
        ("repeat copy, compiled orthogonal + 1e-2 noise", W_orth + 1e-2 * rng.standard_normal(W_orth.shape), rc),
        ("signed selection with a lag < s, compiled, orthogonal H=16", compile_rnn(sel, make_basis("orthogonal", 16, 2)).W_hh, sel),
        ("Haar-random W_hh H=32 (null)", make_basis("orthogonal", 32, 3), rc),
        ("default torch.nn.RNN(3, 64) trained 600 steps", trained_rnn(), rc),
    ]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--authors-src", required=True)
    p.add_argument("--authors-python", required=True)
    p.add_argument("--json", metavar="OUT")
    a = p.parse_args()
    torch.set_num_threads(1)
    cs = cases()
    ours = [task_subspace(W, task) for _, W, task in cs]
    with tempfile.TemporaryDirectory() as tmp:
        arrays = {}
        for i, (_, W, task) in enumerate(cs):
            arrays.update({f"W_hh_{i}": W, f"Phi_{i}": Phi(task), f"k_{i}": np.array(task.s * task.d)})
        np.savez(Path(tmp) / "in.npz", **arrays)
        subprocess.run([a.authors_python, str(HERE / "authors_task_subspace_driver.py"), a.authors_src,
                        str(Path(tmp) / "in.npz"), str(Path(tmp) / "out.json")], check=True)
        theirs = json.loads((Path(tmp) / "out.json").read_text())["cases"]
    rows = []
    for (name, _, task), o, t in zip(cs, ours, theirs):
        rows.append({"case": name, "task": task.name, "k": o["k"],
                     "ours": {"spectral_error_deg": o["spectral_error_deg"], "frobenius": o["frobenius"], "n_W": o["n_W"],
                              "n_Phi": o["n_Phi"]},
                     "theirs": t,
                     "frobenius_difference": abs(o["frobenius"] - t["frob_relative"]),
                     "spectral_difference_deg": None if o["spectral_error_deg"] is None or t["spectral_error_deg"] is None
                     else t["spectral_error_deg"] - o["spectral_error_deg"]})
    out = {"cases": rows, "authors_src": "emt_variable_binding@batch-training fda74e9 (evaluate.task_specific_subspace)",
           "torch": torch.__version__}
    print(json.dumps(out, indent=1))
    if a.json:
        Path(a.json).write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
