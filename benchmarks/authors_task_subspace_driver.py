"""Run the authors' task-subspace metric, unmodified, on weights from an .npz; write its numbers as JSON.

Runs in the authors' own environment (a venv with their requirements: torch, lightning, scikit-learn,
matplotlib, networkx), never in ours, and imports nothing from wavetheory;
``benchmarks/bench_task_subspace.py --authors-src DIR --authors-python PY`` starts it as::

    PY benchmarks/authors_task_subspace_driver.py DIR IN_NPZ OUT_JSON

DIR is a checkout of https://github.com/arjunkaruvally/emt_variable_binding at branch batch-training (third-party
code, read from DIR and never copied); its ``evaluate.task_specific_subspace(linear_model, task_dim,
phi_theoretical)`` is called on each case of IN_NPZ (arrays ``W_hh_<i>``, ``Phi_<i>``, ``k_<i>``), with their
vendored ``emt-tools`` on the path. Their function prints; its output is discarded. Writes OUT_JSON:
{"cases": [{"spectral_error_deg", "frob_relative"}], "source": DIR}.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import sys
import types


def main(argv: list[str]) -> None:
    if len(argv) != 3:
        sys.exit(__doc__)
    src, in_npz, out_json = os.path.abspath(argv[0]), argv[1], argv[2]
    sys.path[:0] = [src, os.path.join(src, "emt-tools")]
    os.environ.setdefault("MPLBACKEND", "Agg")
    import numpy as np

    import evaluate  # the authors' module (emt_variable_binding, branch batch-training)

    data = np.load(in_npz)
    n = len([k for k in data.files if k.startswith("W_hh_")])
    cases = []
    for i in range(n):
        model = types.SimpleNamespace(W_hh=data[f"W_hh_{i}"])
        with contextlib.redirect_stdout(io.StringIO()):
            res = evaluate.task_specific_subspace(model, int(data[f"k_{i}"]), data[f"Phi_{i}"])
        err = float(res["spectral_error"])
        cases.append({"spectral_error_deg": None if math.isnan(err) else math.degrees(err),
                      "frob_relative": float(res["frob_relative"])})
    with open(out_json, "w") as fh:
        json.dump({"cases": cases, "source": src}, fh, indent=1)


if __name__ == "__main__":
    main(sys.argv[1:])
