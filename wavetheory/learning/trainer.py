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
every batch is fresh, so that accuracy is an unbiased estimate on unseen sequences.

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
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch

from .analysis import spectrum_match_distance
from ..theory.gated import CELLS, GatedWeights, from_linear, linearize
from ..io import atomic_write, read_json, save_npz, write_json
from ..theory.tasks import HDS, LinearHDS
from ..theory.two_phase import two_phase_batch
from ..theory.wave_memory import simulate
from ..theory.wave_operator import LinearRNN, compile_rnn, make_basis

__all__ = ["TrainConfig", "PRESETS", "INITS", "ElmanRNN", "GatedRNN", "build_model", "TwoPhaseData", "initialize", "train",
           "evaluate"]

INITS = ("default", "shift", "wave")
CHECKPOINT = "checkpoint.pt"
FINAL_EVAL = 10**9  # step key of the final evaluation batch (never a training step)

# fields that may differ between a run and its resumption (they do not change the arithmetic)
_RESUMABLE = {"steps", "threads", "device"}


@dataclass(frozen=True)
class TrainConfig:
    """Hyper-parameters of one training run; validated on construction.

    ``steps`` bounds the number of optimizer steps; training stops earlier once the curriculum
    is at its last horizon and the accuracy on ``eval_batch`` fresh sequences reaches ``target``
    (``target=None`` always runs ``steps``). ``cell`` picks the recurrent cell: "rnn" (tanh Elman,
    the default), "gru" or "lstm" (bias-free torch.nn.GRU / torch.nn.LSTM, C14).
    """

    hidden: int = 128
    batch: int = 64
    lr: float = 1e-3
    clip: float = 1.0
    steps: int = 20000
    horizons: tuple[int, ...] = (10, 20, 40, 60, 100)
    threshold: float = 0.96
    target: float | None = 0.99
    init: str = "default"
    seed: int = 0
    log_every: int = 10
    eval_every: int = 100
    eval_batch: int = 512
    checkpoint_every: int = 500
    threads: int = 1
    device: str = "auto"
    cell: str = "rnn"  # "rnn" (tanh Elman), "gru" or "lstm" (C14)

    def __post_init__(self) -> None:
        for name in ("hidden", "batch", "steps", "log_every", "eval_every", "eval_batch", "checkpoint_every", "threads"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
                raise ValueError(f"{name}: expected an integer >= 1, got {v!r}")
        if isinstance(self.seed, bool) or not isinstance(self.seed, (int, np.integer)) or self.seed < 0:
            raise ValueError(f"seed: expected an integer >= 0, got {self.seed!r}")
        for name in ("lr", "clip"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not np.isfinite(v) or v <= 0:
                raise ValueError(f"{name}: expected a positive number, got {v!r}")
        hs = tuple(self.horizons) if isinstance(self.horizons, (list, tuple)) else self.horizons
        if (
            not isinstance(hs, tuple)
            or not hs
            or any(isinstance(h, bool) or not isinstance(h, (int, np.integer)) or h < 1 for h in hs)
            or any(a >= b for a, b in zip(hs, hs[1:]))
        ):
            raise ValueError(f"horizons: expected a strictly increasing tuple of integers >= 1, got {self.horizons!r}")
        object.__setattr__(self, "horizons", tuple(int(h) for h in hs))
        if not (isinstance(self.threshold, (int, float)) and 0 < self.threshold <= 1):
            raise ValueError(f"threshold: expected a number in (0, 1], got {self.threshold!r}")
        if self.target is not None and not (isinstance(self.target, (int, float)) and 0 < self.target <= 1):
            raise ValueError(f"target: expected a number in (0, 1] or None, got {self.target!r}")
        if self.init not in INITS:
            raise ValueError(f"init: expected one of {', '.join(INITS)}, got {self.init!r}")
        if self.device not in ("auto", "cpu", "cuda"):
            raise ValueError(f"device: expected 'auto', 'cpu' or 'cuda', got {self.device!r}")
        if self.cell not in ("rnn",) + CELLS:
            raise ValueError(f"cell: expected one of rnn, {', '.join(CELLS)}, got {self.cell!r}")

    @classmethod
    def preset(cls, name: str, **overrides: Any) -> "TrainConfig":
        """A configuration from ``PRESETS[name]`` with keyword overrides."""
        if name not in PRESETS:
            raise ValueError(f"preset: expected one of {', '.join(PRESETS)}, got {name!r}")
        return cls(**{**PRESETS[name], **overrides})

    def to_json(self) -> dict:
        out = asdict(self)
        out["horizons"] = list(self.horizons)
        return out


# Presets are data. "authors" is the repeat-copy configuration of the paper's published code
# (arjunkaruvally/emt_variable_binding, train.py defaults): hidden 128, batch 64, Adam 1e-3,
# clip 1.0, curriculum 10/20/40/60/100 at 0.96 -- our defaults equal it; it trains for the
# authors' 20 epochs x 2000 batches without early stopping. "smoke" is a seconds-long run.
PRESETS: dict[str, dict[str, Any]] = {
    "default": {},
    "authors": {"target": None, "steps": 40000},
    "smoke": {"hidden": 16, "batch": 8, "horizons": (4, 8), "steps": 20, "eval_every": 10, "eval_batch": 32},
}


# --------------------------------------------------------------------------- model


class _Recurrent(torch.nn.Module):
    """A one-layer torch recurrent module ``rnn`` (batch_first) and a linear readout without bias."""

    rnn: torch.nn.Module
    readout: torch.nn.Linear

    def forward(self, inputs: torch.Tensor, s: int) -> torch.Tensor:
        """Outputs of the output phase: inputs (B, s + horizon, d) -> y (B, horizon, d)."""
        hs, _ = self.rnn(inputs)  # (B, T, H)
        return self.readout(hs[:, s:])  # (B, horizon, d)


def _numpy(p: torch.Tensor) -> np.ndarray:
    return p.detach().cpu().double().numpy()


class ElmanRNN(_Recurrent):
    """tanh Elman RNN without biases and a linear readout without bias (THEORY.md section 5)."""

    def __init__(self, d: int, hidden: int) -> None:
        super().__init__()
        self.rnn = torch.nn.RNN(d, hidden, nonlinearity="tanh", bias=False, batch_first=True)
        self.readout = torch.nn.Linear(hidden, d, bias=False)

    def weights(self) -> dict[str, np.ndarray]:
        """W_hh (H, H), W_uh (H, d), W_hy (d, H) as float64 arrays (torch.nn.RNN conventions)."""
        return {"W_hh": _numpy(self.rnn.weight_hh_l0), "W_uh": _numpy(self.rnn.weight_ih_l0), "W_hy": _numpy(self.readout.weight)}

    def set_weights(self, W_hh: np.ndarray, W_uh: np.ndarray, W_hy: np.ndarray) -> None:
        _copy((self.rnn.weight_hh_l0, W_hh), (self.rnn.weight_ih_l0, W_uh), (self.readout.weight, W_hy))

    def linearization(self) -> LinearRNN:
        """The network's linearization at the fixed point 0: its own weights (C11)."""
        return LinearRNN(**self.weights())


def _copy(*pairs: tuple[torch.nn.Parameter, np.ndarray]) -> None:
    with torch.no_grad():
        for p, w in pairs:
            if p.shape != w.shape:
                raise ValueError(f"weights: expected shape {tuple(p.shape)}, got {w.shape}")
            p.copy_(torch.as_tensor(w, dtype=p.dtype))


class GatedRNN(_Recurrent):
    """A bias-free torch.nn.GRU or torch.nn.LSTM and a linear readout without bias (C14)."""

    def __init__(self, cell: str, d: int, hidden: int) -> None:
        super().__init__()
        if cell not in CELLS:
            raise ValueError(f"cell: expected one of {', '.join(CELLS)}, got {cell!r}")
        self.cell = cell
        module = torch.nn.GRU if cell == "gru" else torch.nn.LSTM
        self.rnn = module(d, hidden, bias=False, batch_first=True)
        self.readout = torch.nn.Linear(hidden, d, bias=False)

    def weights(self) -> dict[str, np.ndarray]:
        """weight_ih_l0 (G H, d), weight_hh_l0 (G H, H) in torch's gate order, W_hy (d, H), float64."""
        return {"weight_ih_l0": _numpy(self.rnn.weight_ih_l0), "weight_hh_l0": _numpy(self.rnn.weight_hh_l0),
                "W_hy": _numpy(self.readout.weight)}

    def set_weights(self, weight_ih_l0: np.ndarray, weight_hh_l0: np.ndarray, W_hy: np.ndarray) -> None:
        _copy((self.rnn.weight_ih_l0, weight_ih_l0), (self.rnn.weight_hh_l0, weight_hh_l0), (self.readout.weight, W_hy))

    def linearization(self) -> LinearRNN:
        """The Elman linear RNN equal to the cell's linearization at the zero fixed point (gated.linearize)."""
        return linearize(GatedWeights.from_arrays(self.cell, self.weights()))


def build_model(cell: str, d: int, hidden: int) -> ElmanRNN | GatedRNN:
    """The model of ``TrainConfig.cell``: ElmanRNN for "rnn", GatedRNN otherwise."""
    return ElmanRNN(d, hidden) if cell == "rnn" else GatedRNN(cell, d, hidden)


def initialize(model: ElmanRNN | GatedRNN, task: LinearHDS | HDS, init: str, rng: np.random.Generator) -> None:
    """Set the initial weights: PyTorch's default, the pure block shift, or the wave solution (C13).

    ``shift``: W_hh = Q diag(S, 0) Q^T, W_uh = Q E_s, W_hy = E_s^T Q^T with S the block shift and
    Q a Haar-random orthogonal H x H basis (the TWM with its boundary switched off);
    ``wave``: the same with Phi = S + E_s [A_s ... A_1] (compile_rnn, C3) -- the linear solution.
    A gated model gets the gated network whose linearization at 0 is that RNN (gated.from_linear, C14).
    """
    if init == "default":
        return  # torch.nn.RNN / Linear initialization, drawn under torch.manual_seed(seed)
    if init not in INITS:
        raise ValueError(f"init: expected one of {', '.join(INITS)}, got {init!r}")
    if not isinstance(task, LinearHDS):
        raise ValueError(f"init: {init!r} needs a linear task (LinearHDS), got {type(task).__name__}")
    H = model.rnn.hidden_size
    if H < task.s * task.d:
        raise ValueError(f"hidden: init {init!r} needs hidden >= s*d = {task.s * task.d}, got {H}")
    target = LinearHDS(np.zeros_like(task.lags)) if init == "shift" else task
    rnn = compile_rnn(target, Psi=make_basis("orthogonal", H, rng))
    if isinstance(model, GatedRNN):
        model.set_weights(**from_linear(rnn, model.cell).arrays())
    else:
        model.set_weights(rnn.W_hh, rnn.W_uh, rnn.W_hy)


# --------------------------------------------------------------------------- data


class TwoPhaseData:
    """Fresh two-phase batches (C12 protocol): inputs (B, s + horizon, d), targets (B, horizon, d).

    Linear tasks are generated in torch: the targets are linear in the +-1 history, so
    targets = history_flat @ G_h with the impulse responses G_h (sd, horizon * d) computed once
    per horizon by the wave memory (``simulate`` on the unit histories). General HDS tasks use
    ``two_phase_batch`` (numpy).
    """

    def __init__(self, task: LinearHDS | HDS, device: torch.device, dtype: torch.dtype = torch.float32) -> None:
        self.task, self.device, self.dtype = task, device, dtype
        self._G: dict[int, torch.Tensor] = {}

    def impulse_responses(self, horizon: int) -> torch.Tensor:
        """G_h (sd, horizon * d): row i*d + j is the continuation of the history e_(i, j)."""
        if horizon not in self._G:
            s, d = self.task.s, self.task.d
            unit = np.eye(s * d).reshape(s * d, s, d)  # history b = unit vector b, time-major
            G = simulate(self.task.boundary, unit, horizon).reshape(s * d, horizon * d)
            self._G[horizon] = torch.as_tensor(G, dtype=self.dtype, device=self.device)
        return self._G[horizon]

    def batch(
        self, B: int, horizon: int, gen: torch.Generator, np_rng: np.random.Generator
    ) -> tuple[torch.Tensor, torch.Tensor]:
        s, d = self.task.s, self.task.d
        if isinstance(self.task, LinearHDS):
            hist = torch.randint(0, 2, (B, s, d), generator=gen).to(self.dtype) * 2 - 1  # (B, s, d)
            hist = hist.to(self.device)
            targets = (hist.reshape(B, s * d) @ self.impulse_responses(horizon)).reshape(B, horizon, d)
            inputs = torch.cat([hist, hist.new_zeros(B, horizon, d)], dim=1)  # (B, s + horizon, d)
            return inputs, targets
        u, y = two_phase_batch(self.task, B, horizon, np_rng)
        return (torch.as_tensor(u, dtype=self.dtype, device=self.device),
                torch.as_tensor(y, dtype=self.dtype, device=self.device))


def sign_accuracy(y: torch.Tensor, targets: torch.Tensor) -> float:
    """Fraction of output components with the right sign, over components whose target is not 0."""
    nonzero = targets != 0
    return float(((y * targets) > 0)[nonzero].float().mean()) if bool(nonzero.any()) else 1.0


def _derived_generators(seed: int, step: int) -> tuple[torch.Generator, np.random.Generator]:
    """Generators for an evaluation at ``step``: a pure function of (seed, step), resume-safe."""
    child = int(np.random.SeedSequence([seed, step, 0xE7A1]).generate_state(1, dtype=np.uint64)[0] >> 1)
    return torch.Generator().manual_seed(child), np.random.default_rng(child)


@torch.no_grad()
def evaluate(model: ElmanRNN | GatedRNN, data: TwoPhaseData, horizon: int, batch: int, seed: int, step: int = FINAL_EVAL) -> tuple[float, float]:
    """(loss, sign accuracy) on ``batch`` fresh sequences at ``horizon`` (generators from seed, step)."""
    gen, np_rng = _derived_generators(seed, step)
    inputs, targets = data.batch(batch, horizon, gen, np_rng)
    y = model(inputs, data.task.s)
    return float(torch.mean((y - targets) ** 2)), sign_accuracy(y, targets)


# --------------------------------------------------------------------------- training state


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
    if saved["config"].get("cell", "rnn") != config.cell:  # checkpoints written before the cell field are Elman runs
        raise ValueError(f"resume: {path} was written with cell = {saved['config'].get('cell', 'rnn')!r}, this run has cell = {config.cell!r}")
    for k, v in saved["config"].items():
        if k not in _RESUMABLE and now.get(k) != v:
            raise ValueError(f"resume: {path} was written with {k} = {v!r}, this run has {k} = {now.get(k)!r}")
    if saved["task"] != task_json:
        raise ValueError(f"resume: {path} was written for another task")


def _device(config: TrainConfig) -> torch.device:
    if config.device == "cuda" and not torch.cuda.is_available():
        raise ValueError("device: 'cuda' requested but CUDA is not available")
    return torch.device("cuda" if config.device != "cpu" and torch.cuda.is_available() else "cpu")


# --------------------------------------------------------------------------- training loop


def train(
    task: LinearHDS | HDS,
    config: TrainConfig,
    out: str | Path,
    resume: bool = False,
    progress: bool | None = None,
    callback: Callable[[int, dict], None] | None = None,
) -> dict:
    """Train on the two-phase task with a horizon curriculum; write weights, metrics, checkpoints.

    Writes ``out/weights.npz`` (W_hh, W_uh, W_hy and their ``_init`` values), ``out/metrics.json``
    and ``out/checkpoint.pt`` (every ``checkpoint_every`` steps and at the end), all atomically.
    ``resume=True`` continues from ``out/checkpoint.pt`` (bit-identical on CPU). ``callback(step,
    metrics)`` runs after every step (tests use it to simulate a killed run). Returns the metrics.
    Tracks the eigenvalue-match distance of W_hh to Phi over training (C7).
    """
    if not isinstance(config, TrainConfig):
        raise TypeError(f"config: expected a TrainConfig, got {type(config).__name__}")
    if not isinstance(task, (LinearHDS, HDS)):
        raise TypeError(f"task: expected a LinearHDS or HDS, got {type(task).__name__}")
    out = Path(out)
    ckpt_path = out / CHECKPOINT
    if ckpt_path.exists() and not resume:
        raise ValueError(f"out: {out} already holds a run ({CHECKPOINT}); resume it or choose another folder")
    threads_before = torch.get_num_threads()
    torch.set_num_threads(config.threads)
    try:
        return _train(task, config, out, ckpt_path, resume and ckpt_path.exists(), progress, callback)
    finally:
        torch.set_num_threads(threads_before)


def _train(task, config, out, ckpt_path, resume, progress, callback) -> dict:
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
        saved = torch.load(ckpt_path, map_location=device, weights_only=True)
        _check_resumable(saved, config, task_json, ckpt_path)
        model.load_state_dict(saved["model"])
        opt.load_state_dict(saved["optimizer"])
        gen.set_state(saved["data_rng"])
        torch.set_rng_state(saved["torch_rng"])
        np_rng.bit_generator.state = saved["numpy_rng"]
        init_weights = {k: v.numpy() for k, v in saved["init"].items()}
        state = _State(**saved["state"])
        state.done = state.target_step is not None  # a run stopped by its step bound may continue
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
        if isinstance(task, LinearHDS):
            mean, mx = spectrum_match_distance(model.linearization().W_hh, task)
            state.eig_history["step"].append(state.step)
            state.eig_history["mean"].append(mean)
            state.eig_history["max"].append(mx)

    if not state.curriculum:
        state.curriculum.append({"horizon": horizons[0], "step_reached": 0, "wall_reached": 0.0})
        track_spectrum()
    sums = state.sums
    bar = tqdm(total=config.steps, initial=state.step, disable=None if progress is None else not progress,
               desc=f"train {getattr(task, 'name', 'hds')}", unit="step", leave=False)
    while not state.done and state.step < config.steps:
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
        sums[0] += loss_value
        sums[1] += acc
        sums[2] += 1
        level = state.curriculum[-1]
        if acc > config.threshold and "step_cleared" not in level:
            level.update(step_cleared=state.step, wall_cleared=round(wall, 3))
            if state.level < len(horizons) - 1:
                state.level += 1
                state.curriculum.append({"horizon": horizons[state.level], "step_reached": state.step, "wall_reached": round(wall, 3)})
        last = horizon == horizons[-1]  # this batch was at the final horizon
        if last and config.target is not None and acc >= config.target and state.step >= state.next_check:
            _, fresh = evaluate(model, data, horizons[-1], config.eval_batch, config.seed, state.step)
            if fresh >= config.target:
                state.done, state.target_step, state.target_wall = True, state.step, round(wall, 3)
            state.next_check = state.step + 10  # after a miss, wait 10 steps (bounds the eval cost)
        if state.step % config.log_every == 0 or state.done:
            for k, v in (("step", state.step), ("horizon", horizon), ("loss", sums[0] / sums[2]),
                         ("accuracy", sums[1] / sums[2]), ("wall", round(wall, 3))):
                state.history[k].append(v)
            sums[:] = [0.0, 0.0, 0]
            bar.set_postfix(h=horizon, loss=f"{loss_value:.3g}", acc=f"{acc:.3f}")
        if state.step % config.eval_every == 0 or state.done:
            track_spectrum()
        state.wall = time.perf_counter() - t0
        if state.step % config.checkpoint_every == 0 and not state.done:
            _save_checkpoint(ckpt_path, payload())
        bar.update(1)
        if callback is not None:
            callback(state.step, {"loss": loss_value, "accuracy": acc, "horizon": horizon})
    bar.close()
    state.done = True
    state.final_accuracy = evaluate(model, data, horizons[-1], config.eval_batch, config.seed, FINAL_EVAL)[1]
    state.wall = time.perf_counter() - t0
    _save_checkpoint(ckpt_path, payload())
    return _write_outputs(out, task, config, model, init_weights, state, device)


def _write_outputs(out: Path, task, config: TrainConfig, model: ElmanRNN | GatedRNN, init: dict, state: _State, device) -> dict:
    w = model.weights()
    cell = {"cell": np.array(config.cell)} if config.cell != "rnn" else {}  # Elman files keep their keys
    save_npz(out / "weights.npz", **w, **{f"{k}_init": v for k, v in init.items()}, **cell)
    if isinstance(task, LinearHDS):
        write_json(out / "task.json", task.to_json())
    metrics = {
        "accuracy": state.final_accuracy,
        "steps": state.step,
        "wall_seconds": round(state.wall, 3),
        "seconds_per_step": round(state.wall / max(state.step, 1), 5),
        "target": config.target,
        "target_step": state.target_step,
        "target_wall": state.target_wall,
        "curriculum": state.curriculum,
        "final_horizon_reached": state.level == len(config.horizons) - 1,
        "history": state.history,
        "eig_history": state.eig_history,
        "config": config.to_json(),
        "task": {"name": getattr(task, "name", "hds"), "d": task.d, "s": task.s},
        "device": str(device),
        "torch_threads": torch.get_num_threads(),
    }
    write_json(out / "metrics.json", metrics)
    return metrics


def load_metrics(out: str | Path) -> dict:
    """The metrics.json of a finished run (ValueError naming the file when missing)."""
    return read_json(Path(out) / "metrics.json")
