"""Train the authors' own repeat-copy networks with their unmodified code and keep the weights (C7/C8 arm ``authors``).

    python scripts/authors_networks.py --authors-src DIR --authors-python PY [--seeds 0 1 2 3 4] [--max-steps 20000]

(``benchmarks/bench_train.py target --keep-networks`` does the same while timing their script against ours.)

DIR is a checkout of https://github.com/arjunkaruvally/emt_variable_binding (branch ``batch-training``; third-party
code, read from DIR and never copied) and PY the Python of a venv with their requirements. For each seed,
``benchmarks/authors_driver.py`` runs their script ``1_0_binary_linearVB.py`` with its defaults (repeat copy of
8-bit vectors, s = 10, hidden 128, tanh Elman without bias, Adam 1e-3, batch 64, their curriculum to horizon 100)
until the mean batch accuracy over 20 batches at the last level reaches 0.99 (issue 16's anchor criterion) or the
step bound, saving the network at the start of training (``init.pt``) and at the stop (``final.pt``): plain
``state_dict`` tensors (``rnn.weight_ih_l0``, ``rnn.weight_hh_l0``, ``readout.weight``), read with
``weights_only=True``.

The networks land in ``wavetheory/claims/authors_networks/seed{K}/`` beside ``manifest.json`` (their code's
commit, the script and its arguments, torch and Lightning versions, steps, wall seconds, the curriculum levels,
the stop, sha256 of every file). ``wavetheory.claims.authors_arm`` reads them and refuses a file whose sha256
differs from the manifest.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DRIVER = ROOT / "benchmarks" / "authors_driver.py"
OUT = ROOT / "wavetheory" / "claims" / "authors_networks"
UNTIL = 0.99  # issue 16's anchor criterion: mean batch accuracy over 20 batches


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run_authors(src: Path, python: str, seed: int, max_steps: int, weights: Path | None) -> dict:
    """Their script, unmodified, for one seed until the mean batch accuracy over 20 batches reaches 0.99 (or the
    bound); the driver's record (levels, steps, wall seconds, ``until_mean``), the weights kept in ``weights``."""
    with tempfile.TemporaryDirectory() as tmp:
        record = Path(tmp) / "record.json"
        keep = ["--weights", str(weights)] if weights is not None else []
        proc = subprocess.run([python, str(DRIVER), str(src), str(record), str(max_steps), "--until-mean", str(UNTIL), *keep,
                               "--seed", str(seed), "--experiment_name", "authors_networks"], capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"authors' script failed for seed {seed} (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
        return json.loads(record.read_text())


def keep(seed: int, run: dict, commit: str | None, max_steps: int) -> None:
    """Record the network of ``seed`` (already saved in OUT/seed{seed} by ``run_authors``) in the manifest."""
    manifest_path = OUT / "manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.is_file() else {"networks": {}}
    manifest.update(source="https://github.com/arjunkaruvally/emt_variable_binding", branch="batch-training",
                    commit=commit, script="experiments_public/2_all_linearVB/1_0_binary_linearVB.py",
                    arguments="their defaults: --input_dim 8 --seq_length 10 --hidden_dim 128 --task_id 255 0 0",
                    task={"family": "repeat_copy", "d": 8, "s": 10}, hidden=128,
                    stop={"mean_batch_accuracy": UNTIL, "window": 20, "max_steps": max_steps})
    folder = OUT / f"seed{seed}"
    manifest["networks"][f"seed{seed}"] = {**run, "files": {name: sha256(folder / name) for name in ("init.pt", "final.pt")}}
    manifest_path.write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--authors-src", type=Path, required=True, metavar="DIR")
    ap.add_argument("--authors-python", default=sys.executable, metavar="PY")
    ap.add_argument("--authors-commit", default=None, help="the commit of DIR (recorded in the manifest)")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    ap.add_argument("--max-steps", type=int, default=20000)
    args = ap.parse_args(argv)
    for seed in args.seeds:
        run = run_authors(args.authors_src, args.authors_python, seed, args.max_steps, OUT / f"seed{seed}")
        keep(seed, run, args.authors_commit, args.max_steps)
        print(f"seed {seed}: {run['steps']} steps, {run['wall_seconds']} s, stop {run.get('until_mean')}", flush=True)


if __name__ == "__main__":
    main()
