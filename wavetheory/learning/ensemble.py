"""The seeds of one family trained as one batched ensemble: stacked weights, batched matmuls (C7-C10, C13 on a GPU).

A family is one task and one ``TrainConfig`` but the seed. Member k is the network ``trainer.train`` would
train with seed k, and it follows the same protocol: its initial weights (built under its own seed), its
own data and evaluation generators, Adam, its own gradient-norm clipping, its own curriculum and its own
stop rule (``trainer._after_step``); what is shared is the arithmetic. The recurrence runs on the stacked
weights (K members, B sequences):

    h_k(t) = tanh(W_hh[k] h_k(t-1) + W_uh[k] u_k(t)),  y_k(t) = W_hy[k] h_k(t)    (torch.bmm over k)

and the loss is the sum of the members' losses, so member k's gradient is the gradient of its own loss.
Members at different curriculum horizons are padded with zero inputs to the longest horizon; the padded
steps come after every output a member is scored on, so they add exact zeros to its gradient. Adam is
elementwise, so one Adam over the stacked tensors is K Adams. A member that stops keeps the weights of
its stopping step (a snapshot); the ensemble runs until every member has stopped or reached ``steps``.

Not bit-identical to separate runs: ``torch.nn.RNN`` computes a member's step with its own fused kernel,
the ensemble with one batched matmul; the two sum the same products in different orders, so they differ
in the last bits of float32 (~1e-7 relative) from the first step on, and training carries such
differences along (the test bounds them over a short run). An ensemble of K equals K ensembles of one.

Each member's folder gets the files of ``train`` (weights.npz, metrics.json, task.json and a final
checkpoint that ``train(..., resume=True)`` reads back without training). There are no intermediate
checkpoints: an ensemble killed midway starts again (members finished before are read back, not retrained).
Cells: the tanh and linear Elman RNNs (``ENSEMBLE_CELLS``); other cells train one by one.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np
import torch

from ..io import locked_folder, remove_temporaries
from ..theory.tasks import HDS, LinearHDS
from .config import TrainConfig
from .data import FINAL_EVAL, TwoPhaseData, evaluate
from .models import ElmanRNN, build_model, initialize
from .spectrum_match import spectrum_match_distance
from .trainer import CHECKPOINT, TrainResult, _after_step, _device, _result, _run, _save_checkpoint, _State, _task_json, \
    _write_outputs

__all__ = ["train_ensemble", "run_family", "ENSEMBLE_CELLS"]

ENSEMBLE_CELLS = ("rnn", "linear")
_NAMES = ("rnn.weight_ih_l0", "rnn.weight_hh_l0", "readout.weight")  # ElmanRNN.parameters() order


def _check(task: LinearHDS | HDS, configs: list[TrainConfig], outs: list | None) -> None:
    if not isinstance(task, (LinearHDS, HDS)):
        raise TypeError(f"task: expected a LinearHDS or HDS, got {type(task).__name__}")
    if not isinstance(configs, (list, tuple)) or not configs or not all(isinstance(c, TrainConfig) for c in configs):
        raise TypeError("configs: expected a non-empty list of TrainConfig")
    if any(replace(c, seed=0) != replace(configs[0], seed=0) for c in configs):
        raise ValueError("configs: an ensemble's configurations must be equal but for the seed")
    if len({c.seed for c in configs}) != len(configs):
        raise ValueError("configs: an ensemble's seeds must be distinct")
    if configs[0].cell not in ENSEMBLE_CELLS:
        raise ValueError(f"configs: cell {configs[0].cell!r} has no ensemble path (cells {', '.join(ENSEMBLE_CELLS)})")
    if outs is not None and len(outs) != len(configs):
        raise ValueError(f"outs: expected {len(configs)} folders (one per seed), got {len(outs)}")


def train_ensemble(task: LinearHDS | HDS, configs: list[TrainConfig], outs: list | None = None,
                   progress: bool | None = None) -> list[TrainResult]:
    """Train ``configs`` (one family's seeds) as one batched ensemble; one ``TrainResult`` per config (module docstring)."""
    _check(task, configs, outs)
    outs = [None] * len(configs) if outs is None else [None if o is None else Path(o) for o in outs]
    threads_before = torch.get_num_threads()
    torch.set_num_threads(configs[0].threads)
    try:
        with contextlib.ExitStack() as stack:
            folders = [None if o is None else stack.enter_context(locked_folder(o, "outs")) for o in outs]
            results: list[TrainResult | None] = [None] * len(configs)
            todo = []
            for i, (c, o) in enumerate(zip(configs, folders)):
                if o is not None:
                    remove_temporaries(o)
                    if (o / CHECKPOINT).exists():  # finished or killed alone: the trainer reads it back or resumes it
                        results[i] = _train_alone(task, c, o)
                        continue
                todo.append(i)
            if todo:
                for i, r in zip(todo, _Ensemble(task, [configs[i] for i in todo], [folders[i] for i in todo]).run(progress)):
                    results[i] = r
            return results
    finally:
        torch.set_num_threads(threads_before)


def run_family(jobs: tuple, outs: tuple, measures: tuple[dict, ...]) -> list[tuple]:
    """In a pool worker: a family's jobs (``pool.Job``) trained as one ensemble, each measured by its measures
    ({name: fn}); per job (result, values, CPU seconds: an equal share), or (the error, {}, 0.0) for every job
    when the ensemble raised."""
    t0 = time.process_time()
    try:
        results = train_ensemble(jobs[0].task, [j.config for j in jobs], list(outs), progress=False)
        values = [{name: fn(r) for name, fn in ms.items()} for r, ms in zip(results, measures)]
    except Exception as exc:  # the jobs' own error: returned, journaled like a single job's
        return [(exc, {}, 0.0)] * len(jobs)
    share = (time.process_time() - t0) / len(jobs)
    return [(r, v, share) for r, v in zip(results, values)]


def _train_alone(task, config: TrainConfig, out: Path) -> TrainResult:
    return _run(task, config, out, out / CHECKPOINT, True, False, None)  # the folder is locked here already


class _Ensemble:
    """K members: their models (kept for evaluation and outputs), stacked parameters, generators and states."""

    def __init__(self, task, configs: list[TrainConfig], outs: list) -> None:
        self.task, self.configs, self.outs, self.c = task, configs, outs, configs[0]
        self.device = _device(self.c)
        self.models, self.np_rngs, self.gens, self.init, self.torch_rng = [], [], [], [], []
        for c in configs:  # member k is built exactly as train() builds seed k
            torch.manual_seed(c.seed)
            model = build_model(c.cell, task.d, c.hidden).to(self.device)
            np_rng = np.random.default_rng(c.seed)
            initialize(model, task, c.init, np_rng)
            self.models.append(model)
            self.np_rngs.append(np_rng)
            self.gens.append(torch.Generator().manual_seed(c.seed))
            self.init.append(model.weights())
            self.torch_rng.append(torch.get_rng_state())
        sd = [m.state_dict() for m in self.models]
        self.params = [torch.stack([s[n] for s in sd]).detach().clone().requires_grad_(True) for n in _NAMES]
        self.opt = torch.optim.Adam(self.params, lr=self.c.lr)
        self.data = TwoPhaseData(task, self.device)
        self.states = [_State() for _ in configs]
        self.results: list[TrainResult | None] = [None] * len(configs)

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        """Outputs (K, B, T - s, d) of inputs (K, B, T, d): the stacked recurrence (module docstring)."""
        W_uh, W_hh, W_hy = self.params
        drive = inputs @ W_uh.transpose(1, 2)[:, None]  # (K, B, T, H)
        h = drive.new_zeros(drive.shape[0], drive.shape[1], drive.shape[3])
        hs = []
        for t in range(inputs.shape[2]):
            h = drive[:, :, t] + torch.bmm(h, W_hh.transpose(1, 2))
            h = h if self.c.cell == "linear" else torch.tanh(h)
            hs.append(h)
        states = torch.stack(hs[self.task.s:], dim=2)  # (K, B, T - s, H)
        return states @ W_hy.transpose(1, 2)[:, None]

    def member(self, k: int) -> ElmanRNN:
        """Member k's model with its current weights (for evaluations and outputs)."""
        with torch.no_grad():
            for p, stacked in zip(self.models[k].parameters(), self.params):
                p.copy_(stacked[k])
        return self.models[k]

    def clip(self) -> None:
        """Each member's gradients scaled as torch.nn.utils.clip_grad_norm_ scales one network's."""
        norms = torch.stack([torch.linalg.vector_norm(p.grad.flatten(1), dim=1) for p in self.params], dim=1)
        coef = torch.clamp(self.c.clip / (torch.linalg.vector_norm(norms, dim=1) + 1e-6), max=1.0)
        for p in self.params:
            p.grad.mul_(coef.view(-1, *[1] * (p.dim() - 1)))

    def run(self, progress: bool | None) -> list[TrainResult]:
        from tqdm.auto import tqdm

        c, task, horizons, K = self.c, self.task, self.c.horizons, len(self.configs)
        t0 = time.perf_counter()
        for k, state in enumerate(self.states):
            state.curriculum.append({"horizon": horizons[0], "step_reached": 0, "wall_reached": 0.0})
            self.track(k)
        bar = tqdm(total=c.steps, disable=None if progress is None else not progress, desc=f"ensemble of {K}",
                   unit="step", leave=False)
        step = 0
        while step < c.steps and any(r is None for r in self.results):
            hs = [horizons[s.level] for s in self.states]
            batches = [self.data.batch(c.batch, h, g, r) for h, g, r in zip(hs, self.gens, self.np_rngs)]
            longest = task.s + max(hs)
            inputs = torch.stack([torch.nn.functional.pad(u, (0, 0, 0, longest - u.shape[1])) for u, _ in batches])
            y = self.forward(inputs)  # (K, B, max h, d)
            losses = [torch.mean((y[k, :, :h] - t) ** 2) for k, (h, (_, t)) in enumerate(zip(hs, batches))]
            self.opt.zero_grad(set_to_none=True)
            torch.stack(losses).sum().backward()
            self.clip()
            self.opt.step()
            step += 1
            accs, loss_values = self.accuracies(y.detach(), hs, batches), torch.stack(losses).tolist()  # one sync
            wall = time.perf_counter() - t0
            for k, state in enumerate(self.states):
                if self.results[k] is not None:
                    continue  # stopped: its snapshot is taken; its copy in the stack trains on, unread
                state.step = step
                _after_step(state, self.configs[k], hs[k], loss_values[k], accs[k], wall,
                            lambda k=k: evaluate(self.member(k), self.data, horizons[-1], c.eval_batch,
                                                 self.configs[k].seed, step)[1],
                            lambda k=k: self.track(k))
                state.wall = wall
                if state.done or step >= c.steps:
                    self.finish(k, wall)
            bar.update(1)
        bar.close()
        return self.results

    @staticmethod
    def accuracies(y: torch.Tensor, hs: list[int], batches: list) -> list[float]:
        """Each member's sign accuracy on its batch (``data.sign_accuracy``: right signs / nonzero targets, the
        float32 ratio of two exact counts, as its float32 mean), read back to the host at once."""
        rights, counts = [], []
        for k, (h, (_, t)) in enumerate(zip(hs, batches)):
            nonzero = t != 0
            rights.append((((y[k, :, :h] * t) > 0) & nonzero).sum())
            counts.append(nonzero.sum())
        right, count = torch.stack(rights).float(), torch.stack(counts).float()
        return torch.where(count > 0, right / count.clamp(min=1), torch.ones_like(count)).tolist()

    def track(self, k: int) -> None:
        if not isinstance(self.task, LinearHDS) or self.configs[k].hidden < self.task.s * self.task.d:
            return  # as train(): the C7 match needs sd eigenvalues
        mean, mx = spectrum_match_distance(self.params[1][k].detach().cpu().double().numpy(), self.task)
        for key, v in (("step", self.states[k].step), ("mean", mean), ("max", mx)):
            self.states[k].eig_history[key].append(v)

    def finish(self, k: int, wall: float) -> None:
        """Member k's final evaluation, result and files (as train() writes them)."""
        config, state, model = self.configs[k], self.states[k], self.member(k)
        state.done = True
        state.final_accuracy = evaluate(model, self.data, config.horizons[-1], config.final_eval_batch, config.seed,
                                        FINAL_EVAL)[1]
        self.results[k] = _result(self.task, config, model, self.init[k], state, self.device)
        out = self.outs[k]
        if out is None:
            return
        opt = torch.optim.Adam(model.parameters(), lr=config.lr)  # member k's slice of the stacked Adam state
        full = self.opt.state_dict()
        opt.load_state_dict({"param_groups": full["param_groups"],
                             "state": {i: {"step": s["step"].clone(), "exp_avg": s["exp_avg"][k].clone(),
                                           "exp_avg_sq": s["exp_avg_sq"][k].clone()} for i, s in full["state"].items()}})
        _save_checkpoint(out / CHECKPOINT, {
            "version": 1, "config": config.to_json(), "task": _task_json(self.task), "model": model.state_dict(),
            "optimizer": opt.state_dict(), "data_rng": self.gens[k].get_state(), "torch_rng": self.torch_rng[k],
            "numpy_rng": self.np_rngs[k].bit_generator.state,
            "init": {n: torch.from_numpy(v) for n, v in self.init[k].items()}, "state": asdict(state)})
        _write_outputs(out, self.results[k], model.weights(), self.init[k])

