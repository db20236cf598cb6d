"""Train Elman RNNs on two-phase HDS tasks (THEORY.md C7, C10, C11, C13).

The model is the one of THEORY.md section 5 (torch.nn.RNN naming, no biases):

    h(t) = tanh(W_hh h(t-1) + W_uh u(t)),   y(t) = W_hy h(t),   h(-1) = 0,

or, with ``TrainConfig.cell = "gru"`` / ``"lstm"``, a bias-free torch.nn.GRU / torch.nn.LSTM with the
same readout (C14); their weights are saved in torch's layout (weight_ih_l0, weight_hh_l0, W_hy and
``cell``) and the spectrum is tracked on the linearization at the zero fixed point (gated.linearize).

trained with Adam, gradient-norm clipping and the mean squared error of the output phase of the
two-phase task (s input steps, then ``horizon`` steps with zero input in which y(t) must equal
x(t)). A curriculum raises the horizon through ``TrainConfig.horizons`` whenever the accuracy of
a training batch (the fraction of output components with the right sign) passes ``threshold``;
every batch is fresh, so that accuracy is an unbiased estimate on unseen sequences. The default
threshold (0.995) lies above the stopping target (0.99): each horizon is learned before the next,
which removes the plateau near 0.965 that the authors' 0.96 leaves at the last horizon
(``thresholds.CURRICULUM_MASTERY``).

The stop rule (issue 23): at the last horizon, a training batch at the target triggers an evaluation on
``eval_batch`` (2048) fresh sequences, and the run stops when that evaluation reaches ``target``
(``target_step``); the accuracy it reports is a separate evaluation on ``final_eval_batch`` (4096) other
fresh sequences (``eval_size`` in metrics.json): the report is not the sample that decided the stop.

Reproducibility: the model is built under ``torch.manual_seed(seed)``, the data come from a
dedicated ``torch.Generator`` (linear tasks) or ``numpy.random.Generator`` (general HDS), and
evaluation batches from generators derived from (seed, step). A checkpoint holds the model, the
optimizer, both generator states, the torch global RNG state, the curriculum and the step, so
``train(..., resume=True)`` continues a killed run to bit-identical final weights (CPU).

Threads (measured by ``benchmarks/bench_train.py step`` on the 2-core machine, d = 8, s = 10,
H = 128, B = 64, load average ~1.5): one step takes 3.7 ms at horizon 10 and 21.6 ms at horizon 100
with 1 intra-op thread, 100.6 ms and 27.0 ms with 2 (27x and 1.25x slower: the second thread
competes with every other process). Hence ``threads = 1``. Data generation in torch costs 0.15 ms
per batch at horizon 100 (0.7% of a step; numpy ``two_phase_batch`` 0.81 ms, 3.7%).
"""

from __future__ import annotations

import io
import time
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch

from .._validate import matrix_bytes, require_memory
from ..io import atomic_write, locked_folder, remove_temporaries, write_json
from ..theory.tasks import HDS, LinearHDS
from ..theory.wave_operator import LinearRNN
from .cells import cell
from .config import RESUMABLE, TrainConfig
from .data import EVAL_CHUNK, FINAL_EVAL, TwoPhaseData, evaluate, sign_accuracy
from .models import ElmanRNN, GatedRNN, build_model, initialize
from .spectrum_match import spectrum_match_distance
from .weights import network_from_arrays, save_weights

__all__ = ["TrainResult", "train", "train_bytes", "CHECKPOINT"]

CHECKPOINT = "checkpoint.pt"
CHECKPOINT_KEYS = ("config", "task", "model", "optimizer", "data_rng", "torch_rng", "numpy_rng", "init", "state")


@dataclass(frozen=True)
class TrainResult:
    """What a training run produced: the trained and initial networks, the curriculum and the curves.

    ``rnn`` and ``init`` are ``LinearRNN`` objects ready for ``analysis.analyze``: an Elman network's
    own weights, or a gated cell's linearization at 0 (``gated.Linearization``, which also holds the
    ``GatedWeights`` in ``.network``). ``to_json()`` is the ``metrics.json`` record.
    """

    task: LinearHDS | HDS
    config: TrainConfig
    rnn: LinearRNN
    init: LinearRNN
    accuracy: float  # sign accuracy on final_eval_batch fresh sequences at the last horizon, after training
    steps: int
    wall_seconds: float
    target_step: int | None  # the step at which the fresh accuracy reached config.target (None: never)
    target_wall: float | None
    curriculum: list[dict]  # per level: horizon, step/wall reached and cleared
    history: dict[str, list]  # step, horizon, loss, accuracy, wall (averages over log_every steps)
    eig_history: dict[str, list]  # step, mean, max: the C7 eigenvalue-match distance over training
    device: str = "cpu"
    torch_threads: int = 1

    @property
    def final_horizon_reached(self) -> bool:
        return len(self.curriculum) == len(self.config.horizons)

    @property
    def seconds_per_step(self) -> float:
        return round(self.wall_seconds / max(self.steps, 1), 5)

    def to_json(self) -> dict[str, Any]:
        return {
            "accuracy": self.accuracy,
            "eval_size": self.config.final_eval_batch,  # fresh sequences behind "accuracy"
            "stop_eval_size": self.config.eval_batch,  # fresh sequences of the evaluation that stops the run
            "steps": self.steps,
            "wall_seconds": round(self.wall_seconds, 3),
            "seconds_per_step": self.seconds_per_step,
            "target": self.config.target,
            "target_step": self.target_step,
            "target_wall": self.target_wall,
            "curriculum": self.curriculum,
            "final_horizon_reached": self.final_horizon_reached,
            "history": self.history,
            "eig_history": self.eig_history,
            "config": self.config.to_json(),
            "task": {"name": getattr(self.task, "name", "hds"), "d": self.task.d, "s": self.task.s},
            "device": self.device,
            "torch_threads": self.torch_threads,
        }


@dataclass
class _State:
    """Everything besides tensors that a resumed run needs (plain data, stored in checkpoints)."""

    step: int = 0
    level: int = 0
    wall: float = 0.0
    done: bool = False
    curriculum: list[dict] = field(default_factory=list)  # per level: horizon, reached, cleared
    history: dict[str, list] = field(
        default_factory=lambda: {"step": [], "horizon": [], "loss": [], "accuracy": [], "wall": []}
    )
    eig_history: dict[str, list] = field(default_factory=lambda: {"step": [], "mean": [], "max": []})
    sums: list = field(default_factory=lambda: [0.0, 0.0, 0])  # loss, accuracy, count since the last log
    next_check: int = 0  # first step at which a fresh evaluation may stop the run
    target_step: int | None = None
    target_wall: float | None = None
    final_accuracy: float | None = None


def _task_json(task: LinearHDS | HDS) -> dict | None:
    return task.to_json() if isinstance(task, LinearHDS) else None


def _save_checkpoint(path: Path, payload: dict) -> None:
    buf = io.BytesIO()
    torch.save(payload, buf)
    atomic_write(path, lambda fh: fh.write(buf.getvalue()))


def _check_resumable(saved: dict, config: TrainConfig, task_json: dict | None, path: Path) -> None:
    now = config.to_json()
    if not isinstance(saved["config"], dict):
        raise ValueError(f"resume: {path} holds no training configuration")
    if saved["config"].get("cell", "rnn") != config.cell:  # checkpoints written before the cell field are Elman runs
        raise ValueError(f"resume: {path} was written with cell = {saved['config'].get('cell', 'rnn')!r}, this run has cell = {config.cell!r}")
    for k, v in saved["config"].items():
        if k not in RESUMABLE and now.get(k) != v:
            raise ValueError(f"resume: {path} was written with {k} = {v!r}, this run has {k} = {now.get(k)!r}")
    if saved["task"] != task_json:
        raise ValueError(f"resume: {path} was written for another task")


def _restore(path: Path, device, config: TrainConfig, task_json: dict | None, model, opt, gen, np_rng) -> tuple[dict, "_State"]:
    """Load a checkpoint into the model, optimizer and generators; (initial weights, state).

    The file is untrusted: ``weights_only=True`` refuses pickled code, and whatever is wrong with it
    (text, truncated, missing keys, tensors of other shapes) is one ValueError naming the file.
    """
    def refuse(exc: BaseException) -> ValueError:
        detail = " ".join(str(exc).split())[:200] or type(exc).__name__
        return ValueError(f"resume: {path} is not a usable checkpoint ({type(exc).__name__}: {detail}); "
                          f"move it away to start afresh")

    try:
        from ..checkpoint_reader import check_torch_file

        check_torch_file(path)  # the memory limit holds for torch's own loader too (issue 24)
        with zipfile.ZipFile(path) as zf:  # torch's reader skips the CRCs: check every member first
            damaged = zf.testzip()
        if damaged is not None:
            raise ValueError(f"{damaged} fails its CRC check")
        saved = torch.load(path, map_location=device, weights_only=True)
    except MemoryError:
        raise
    except Exception as exc:  # BadZipFile (text, truncated), UnpicklingError (a pickle), a bad CRC, ...
        raise refuse(exc) from None
    missing = [k for k in CHECKPOINT_KEYS if not isinstance(saved, dict) or k not in saved]
    if missing:
        raise ValueError(f"resume: {path} is not a checkpoint of this trainer (missing {', '.join(missing)})")
    _check_resumable(saved, config, task_json, path)
    try:
        model.load_state_dict(saved["model"])
        opt.load_state_dict(saved["optimizer"])
        gen.set_state(saved["data_rng"])
        torch_rng = saved["torch_rng"]
        np_rng.bit_generator.state = saved["numpy_rng"]
        init_weights = {k: v.numpy() for k, v in saved["init"].items()}
        state = _State(**saved["state"])
        torch.set_rng_state(torch_rng)  # last: a failure above leaves the global generator untouched
    except MemoryError:
        raise
    except Exception as exc:
        raise refuse(exc) from None
    state.done = state.target_step is not None  # a run stopped by its step bound may continue
    return init_weights, state


def train_bytes(task: LinearHDS | HDS, config: TrainConfig) -> int:
    """Memory a run needs, estimated from its sizes before anything is allocated (float32 model).

    Parameters with their gradients, Adam's two moments and the initial copy (5 x); the autograd
    activations of a training batch and an evaluation chunk over the longest sequence s + h_max
    (~3 G H + 4 d numbers per sequence step) and the inputs and targets of the largest evaluation; the float64 eigensolvers of W_hh and Phi (3 copies each).
    """
    G, H, d, sd = cell(config.cell).gates, config.hidden, task.d, task.s * task.d
    params = G * H * (H + d) + d * H
    steps = task.s + config.horizons[-1]
    evals = max(config.eval_batch, config.final_eval_batch)  # drawn at once, run EVAL_CHUNK at a time
    activations = (config.batch + min(evals, EVAL_CHUNK)) * steps * (3 * G * H + 4 * d) + evals * steps * 3 * d
    return 4 * (5 * params + activations) + matrix_bytes(H, H, copies=3) + matrix_bytes(sd, sd, copies=3)


def _device(config: TrainConfig) -> torch.device:
    if config.device == "cuda" and not torch.cuda.is_available():
        raise ValueError("device: 'cuda' requested but CUDA is not available")
    return torch.device("cuda" if config.device != "cpu" and torch.cuda.is_available() else "cpu")


# --------------------------------------------------------------------------- training loop


def train(
    task: LinearHDS | HDS,
    config: TrainConfig,
    out: str | Path | None = None,
    resume: bool = False,
    progress: bool | None = None,
    callback: Callable[[int, dict], None] | None = None,
) -> TrainResult:
    """Train on the two-phase task with a horizon curriculum; return a ``TrainResult``.

    With ``out``, the run also lives on disk: ``out/checkpoint.pt`` (every ``checkpoint_every``
    steps and at the end), ``out/weights.npz`` (the network and its initial values),
    ``out/metrics.json`` and ``out/task.json``, all written atomically; ``resume=True`` continues
    from ``out/checkpoint.pt`` (bit-identical on CPU) and starts fresh when there is none.
    ``callback(step, metrics)`` runs after every step (tests use it to simulate a killed run).
    Tracks the eigenvalue-match distance of W_hh (a gated cell: its linearization) to Phi (C7).
    """
    if not isinstance(config, TrainConfig):
        raise TypeError(f"config: expected a TrainConfig, got {type(config).__name__}")
    if not isinstance(task, (LinearHDS, HDS)):
        raise TypeError(f"task: expected a LinearHDS or HDS, got {type(task).__name__}")
    require_memory(train_bytes(task, config), f"train: hidden {config.hidden}, batch {config.batch}, "
                   f"eval_batch {config.eval_batch}, {task.s} + {config.horizons[-1]} time steps")
    if out is None:
        return _run(task, config, None, None, False, progress, callback)
    # the folder is checked, created and locked before any work: one run writes there at a time
    with locked_folder(out, "out") as out:
        remove_temporaries(out)  # what a killed run's atomic writes left behind
        ckpt_path = out / CHECKPOINT
        if ckpt_path.exists() and not resume:
            raise ValueError(f"out: {out} already holds a run ({CHECKPOINT}); resume it or choose another folder")
        return _run(task, config, out, ckpt_path, resume and ckpt_path.exists(), progress, callback)


def _run(task, config, out, ckpt_path, resume, progress, callback) -> TrainResult:
    threads_before = torch.get_num_threads()
    torch.set_num_threads(config.threads)
    try:
        return _train(task, config, out, ckpt_path, resume, progress, callback)
    finally:
        torch.set_num_threads(threads_before)


def _train(task, config, out, ckpt_path, resume, progress, callback) -> TrainResult:
    from tqdm.auto import tqdm

    device = _device(config)
    task_json = _task_json(task)
    torch.manual_seed(config.seed)
    model = build_model(config.cell, task.d, config.hidden).to(device)
    np_rng = np.random.default_rng(config.seed)
    initialize(model, task, config.init, np_rng)
    opt = torch.optim.Adam(model.parameters(), lr=config.lr)
    gen = torch.Generator().manual_seed(config.seed)
    data = TwoPhaseData(task, device)
    init_weights = model.weights()
    state = _State()
    if resume:
        init_weights, state = _restore(ckpt_path, device, config, task_json, model, opt, gen, np_rng)
    # a finished run read back (the pool's next sitting): nothing to train, its final evaluation kept
    finished = state.final_accuracy is not None and (state.target_step is not None or state.step >= config.steps)
    params = list(model.parameters())
    horizons = config.horizons
    t0 = time.perf_counter() - state.wall

    def payload() -> dict:
        return {
            "version": 1, "config": config.to_json(), "task": task_json,
            "model": model.state_dict(), "optimizer": opt.state_dict(),
            "data_rng": gen.get_state(), "torch_rng": torch.get_rng_state(), "numpy_rng": np_rng.bit_generator.state,
            "init": {k: torch.from_numpy(v) for k, v in init_weights.items()}, "state": asdict(state),
        }

    def track_spectrum() -> None:
        W_hh = model.linearization().W_hh if isinstance(task, LinearHDS) else None
        if W_hh is not None and W_hh.shape[0] >= task.s * task.d:  # the C7 match needs sd eigenvalues (C16 runs go below)
            mean, mx = spectrum_match_distance(W_hh, task)
            state.eig_history["step"].append(state.step)
            state.eig_history["mean"].append(mean)
            state.eig_history["max"].append(mx)

    if not state.curriculum:
        state.curriculum.append({"horizon": horizons[0], "step_reached": 0, "wall_reached": 0.0})
        track_spectrum()
    bar = tqdm(total=config.steps, initial=state.step, disable=None if progress is None else not progress,
               desc=f"train {getattr(task, 'name', 'hds')}", unit="step", leave=False)
    while not finished and not state.done and state.step < config.steps:
        horizon = horizons[state.level]
        inputs, targets = data.batch(config.batch, horizon, gen, np_rng)  # (B, s+h, d), (B, h, d)
        y = model(inputs, task.s)  # (B, h, d)
        loss = torch.mean((y - targets) ** 2)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, config.clip)
        opt.step()
        state.step += 1
        loss_value, acc = loss.item(), sign_accuracy(y.detach(), targets)
        wall = time.perf_counter() - t0
        _after_step(state, config, horizon, loss_value, acc, wall,
                    lambda: evaluate(model, data, horizons[-1], config.eval_batch, config.seed, state.step)[1],
                    track_spectrum)
        if state.step % config.log_every == 0 or state.done:
            bar.set_postfix(h=horizon, loss=f"{loss_value:.3g}", acc=f"{acc:.3f}")
        state.wall = time.perf_counter() - t0
        if ckpt_path is not None and state.step % config.checkpoint_every == 0 and not state.done:
            _save_checkpoint(ckpt_path, payload())
        bar.update(1)
        if callback is not None:
            callback(state.step, {"loss": loss_value, "accuracy": acc, "horizon": horizon})
    bar.close()
    if not finished:
        state.done = True
        state.final_accuracy = evaluate(model, data, horizons[-1], config.final_eval_batch, config.seed, FINAL_EVAL)[1]
        state.wall = time.perf_counter() - t0
    result = _result(task, config, model, init_weights, state, device)
    if out is not None and not finished:
        _save_checkpoint(ckpt_path, payload())
        _write_outputs(out, result, model.weights(), init_weights)
    return result


def _after_step(state: _State, config: TrainConfig, horizon: int, loss_value: float, acc: float, wall: float,
                fresh_accuracy: Callable[[], float], track: Callable[[], None]) -> None:
    """The bookkeeping after one optimizer step: curriculum, the stop rule, logged averages, tracked spectrum.

    Stop rule: at the last horizon, when a training batch reaches ``config.target``, ``fresh_accuracy()``
    (the accuracy on ``config.eval_batch`` fresh sequences, >= 2048 by default) decides; the run stops the
    first time it reaches the target (``target_step``), else the next check waits 10 steps (bounds the
    evaluations' cost). The reported accuracy is another fresh evaluation (``final_eval_batch``).
    """
    sums = state.sums
    sums[0] += loss_value
    sums[1] += acc
    sums[2] += 1
    level = state.curriculum[-1]
    horizons = config.horizons
    if acc > config.threshold and "step_cleared" not in level:
        level.update(step_cleared=state.step, wall_cleared=round(wall, 3))
        if state.level < len(horizons) - 1:
            state.level += 1
            state.curriculum.append({"horizon": horizons[state.level], "step_reached": state.step, "wall_reached": round(wall, 3)})
    last = horizon == horizons[-1]  # this batch was at the final horizon
    if last and config.target is not None and acc >= config.target and state.step >= state.next_check:
        if fresh_accuracy() >= config.target:
            state.done, state.target_step, state.target_wall = True, state.step, round(wall, 3)
        state.next_check = state.step + 10
    if state.step % config.log_every == 0 or state.done:
        for k, v in (("step", state.step), ("horizon", horizon), ("loss", sums[0] / sums[2]),
                     ("accuracy", sums[1] / sums[2]), ("wall", round(wall, 3))):
            state.history[k].append(v)
        sums[:] = [0.0, 0.0, 0]
    if state.step % config.eval_every == 0 or state.done:
        track()


def _result(task, config: TrainConfig, model: ElmanRNN | GatedRNN, init: dict, state: _State, device) -> TrainResult:
    return TrainResult(
        task=task, config=config, rnn=model.linearization(), init=network_from_arrays(config.cell, init),
        accuracy=state.final_accuracy, steps=state.step, wall_seconds=state.wall, target_step=state.target_step,
        target_wall=state.target_wall, curriculum=state.curriculum, history=state.history,
        eig_history=state.eig_history, device=str(device), torch_threads=torch.get_num_threads(),
    )


def _write_outputs(out: Path, result: TrainResult, weights: dict[str, np.ndarray], init: dict[str, np.ndarray]) -> None:
    save_weights(out / "weights.npz", result.config.cell, weights, init)
    if isinstance(result.task, LinearHDS):
        write_json(out / "task.json", result.task.to_json())
    write_json(out / "metrics.json", result.to_json())

