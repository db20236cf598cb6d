"""Run the authors' repeat-copy script, unmodified, and record when each curriculum level is cleared.

Runs in the authors' own environment (their requirements: PyTorch Lightning, python-decouple), never
in ours, and imports nothing from wavetheory; ``benchmarks/bench_train.py authors --authors-src DIR
--authors-python PY`` starts it as::

    PY benchmarks/authors_driver.py DIR OUT_JSON MAX_STEPS [--until-mean ACC] [--weights FOLDER] [script arguments ...]

DIR is a checkout of https://github.com/arjunkaruvally/emt_variable_binding (third-party code: it is
read from DIR and never copied). The script ``experiments_public/2_all_linearVB/1_0_binary_linearVB.py``
runs as ``__main__`` with its own argument parser; the only change is to Lightning's ``Trainer``: a
step bound (``max_steps``), no progress bar, one torch thread, and a callback that reads the module's
curriculum level and batch accuracy after every step. A level counts as cleared at the first batch
whose accuracy exceeds the curriculum threshold (their rule, ``binary_linearVB.training_step``); the
last level, which their code never leaves, is read the same way, and the run stops there. The clock
starts at ``on_train_start`` (the start of the training loop), like the trainer's own.

With ``--until-mean ACC`` the run goes on at the last level until the mean batch accuracy over the last 20
batches reaches ACC (issue 16's anchor criterion, 0.99) or MAX_STEPS, and records that step
(``until_mean``). With ``--weights FOLDER`` the network's ``state_dict`` (plain tensors, loadable with
``weights_only=True``) is saved as ``FOLDER/init.pt`` at the start of training and ``FOLDER/final.pt`` when the run
stops: the authors' own networks, trained by their code, for the C7/C8 arm ``authors`` (``scripts/authors_networks.py``).

Writes OUT_JSON: {"levels": [{"horizon", "step_cleared", "wall_cleared"}], "steps", "wall_seconds",
"threshold", "torch", "lightning"}.
"""

from __future__ import annotations

import json
import os
import runpy
import sys
import tempfile
import time

SCRIPT = os.path.join("experiments_public", "2_all_linearVB", "1_0_binary_linearVB.py")


def main(argv: list[str]) -> None:
    if len(argv) < 3:
        sys.exit(__doc__)
    src, out_json, max_steps, rest = os.path.abspath(argv[0]), argv[1], int(argv[2]), list(argv[3:])
    until, weights = None, None
    while rest and rest[0] in ("--until-mean", "--weights"):
        flag, value, rest = rest[0], rest[1], rest[2:]
        if flag == "--until-mean":
            until = float(value)
        else:
            weights = os.path.abspath(value)
            os.makedirs(weights, exist_ok=True)
    script_args = rest
    script = os.path.join(src, SCRIPT)
    if not os.path.isfile(script):
        sys.exit(f"authors-src: {script} not found (expected a checkout of emt_variable_binding)")
    sys.path.insert(0, src)
    import pytorch_lightning as pl
    import torch

    torch.set_num_threads(1)
    record: dict = {"levels": [], "steps": 0, "wall_seconds": None, "torch": torch.__version__, "lightning": pl.__version__}

    def save(module, name: str) -> None:
        if weights is not None:
            state = {k: v.detach().clone().cpu() for k, v in module.model.state_dict().items()}
            torch.save(state, os.path.join(weights, name))

    class Recorder(pl.Callback):
        def on_train_start(self, trainer, module) -> None:
            self.t0, self.level, self.recent = time.perf_counter(), module.current_curriculum, []
            record["threshold"] = module.curriculum_threshold
            save(module, "init.pt")

        def on_train_batch_end(self, trainer, module, outputs, batch, batch_idx) -> None:
            wall, step = time.perf_counter() - self.t0, trainer.global_step
            horizons = module.curriculum_horizons
            acc = float(outputs["accuracy"])
            last = self.level == len(horizons) - 1
            cleared = [lv["horizon"] for lv in record["levels"]]
            if (module.current_curriculum > self.level or (last and acc > module.curriculum_threshold)) \
                    and horizons[self.level] not in cleared:
                record["levels"].append({"horizon": horizons[self.level], "step_cleared": step, "wall_cleared": round(wall, 3)})
                self.level = module.current_curriculum
                if last and until is None:
                    trainer.should_stop = True
            if until is not None and last:
                self.recent = (self.recent + [acc])[-20:]
                if len(self.recent) == 20 and sum(self.recent) / 20 >= until:
                    record["until_mean"] = {"accuracy": until, "window": 20, "step": step, "wall": round(wall, 3)}
                    trainer.should_stop = True
            record["steps"], record["wall_seconds"] = step, round(wall, 3)

        def on_train_end(self, trainer, module) -> None:
            save(module, "final.pt")

    original = pl.Trainer

    class Trainer(original):
        def __init__(self, *args, **kwargs):
            kwargs.update(max_steps=max_steps, enable_progress_bar=False, enable_model_summary=False)
            kwargs["callbacks"] = list(kwargs.get("callbacks") or []) + [Recorder()]
            super().__init__(*args, **kwargs)

    pl.Trainer = Trainer
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.setdefault("EXPERIMENT_OUTPUT_DIR", tmp)
        sys.argv = [script, *script_args]
        runpy.run_path(script, run_name="__main__")
    with open(out_json, "w") as fh:
        json.dump(record, fh, indent=1)


if __name__ == "__main__":
    main(sys.argv[1:])
