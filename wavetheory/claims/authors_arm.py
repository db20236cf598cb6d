"""C7/C8's arm "authors": the authors' own repeat-copy networks, trained by their unmodified code, read like ours.

``scripts/authors_networks.py`` trains them with the published code (arjunkaruvally/emt_variable_binding, branch
batch-training, ``1_0_binary_linearVB.py`` with its defaults) and stores, per seed K, ``authors_networks/seedK/``
``init.pt`` (the network when training starts) and ``final.pt`` (when it stops: mean batch accuracy >= 0.99 over
20 batches at their last horizon, or their step bound), plain state_dicts ``rnn.weight_ih_l0`` (H, d),
``rnn.weight_hh_l0`` (H, H), ``readout.weight`` (d, H), and ``manifest.json`` with the sha256 of every file.
``load_networks`` reads them with ``weights_only=True`` and refuses a file whose sha256 differs from the manifest;
``arm_readings`` reads each seed as ``substrate_readings.network_reading`` reads ours: trained = ``final.pt``, control
= ``init.pt`` of the same seed. There is no null model in this arm (the authors' code has none; a null model of our
making would not be theirs): each control is the initialization alone.

Their task against ours (read from ``em_discrete/tasks/binary_linearVB.py``, task_id (255, 0, 0), input_dim 8,
seq_length 10): inputs x(0..s-1) are uniform +-1 vectors (``randint(0, 2) * 2 - 1``) at the first s steps, then zero
for the horizon; the target at step t >= s is y(t) = F u_t with u_t the last s targets oldest first and F selecting
the oldest (bits of 255: every component, no permutation, no sign flip), i.e. y(t) = x(t - s): our
``repeat_copy(8, 10)``. Outputs are read at every step t >= s from h(t) = tanh(W_hh h(t-1) + W_ih x(t)), h(-1) = 0,
y(t) = W_hy h(t) (``torch.nn.RNN`` tanh and ``Linear`` without biases): our Elman network and our two-phase
convention; the recall-phase input is 0 in both, so the operating point (t >= s) and the fixed points (input 0) are
read on the same inputs as ours. Their last curriculum horizon is 100 (levels 10, 20, 40, 60, 100), ours too. Only
the training differs (curriculum threshold 0.96, their stop): nothing on the reading side needs adapting.

"Solved" in this arm is their run reaching its stop (``until_mean`` in the manifest), fixed before any network was
read: the networks are taken as the authors' code delivers them, and a fresh evaluation at the 0.99 bar of a run
stopped at 0.99 would pass about half the time (``trained_runs.TRAIN_TARGET``). Our fresh accuracy (4096 sequences
at horizon 100) is reported beside it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..theory.tasks import repeat_copy
from ..theory.wave_operator import LinearRNN
from .claim import Plan
from .substrate_readings import JACOBIAN_BATCH, NetworkReading, network_reading

__all__ = ["FOLDER", "D", "S", "HORIZON", "LABEL", "SCOPE", "AuthorsReading", "ArmReadings", "load_manifest",
           "load_networks", "network_of", "arm_readings", "digest", "authors_calls", "read_arm"]

FOLDER = Path(__file__).with_name("authors_networks")
D, S, HORIZON = 8, 10, 100  # their defaults: input_dim 8, seq_length 10; their last curriculum horizon
LABEL = f"[authors: their code, repeat copy d = {D}, s = {S}]"
SCOPE = "the authors' networks trained by their code ({n}; scripts/authors_networks.py)"
KEYS = ("rnn.weight_ih_l0", "rnn.weight_hh_l0", "readout.weight")
EVAL_BATCH, EVAL_CHUNK = 4096, 512  # our final evaluation's size (TrainConfig.final_eval_batch), run in chunks
WHO = ("trained", "init")


@dataclass(frozen=True)
class AuthorsReading:
    """One seed of the authors' networks: their run's outcome, our fresh accuracy, the two networks' readings (C7, C8)."""

    seed: int
    accuracy: float  # our evaluation: sign accuracy on EVAL_BATCH fresh sequences at horizon HORIZON
    steps: int  # their optimizer steps (manifest)
    stopped: bool  # their run reached its stop criterion (manifest "until_mean"), not its step bound
    trained: NetworkReading
    init: NetworkReading

    @property
    def solved(self) -> bool:
        return self.stopped

    def of(self, who: str) -> NetworkReading:
        return {"trained": self.trained, "init": self.init}[who]


@dataclass(frozen=True)
class ArmReadings:
    """Every seed of the arm (``readings`` in the order of ``seeds``), or why there are none (``reason``)."""

    seeds: tuple[int, ...]
    readings: tuple[AuthorsReading, ...]
    reason: str = ""
    source: str = ""  # the authors' repository and commit (manifest)


def load_manifest(folder: str | Path = FOLDER) -> dict[str, Any]:
    """The manifest of the authors' networks (C7/C8 arm; ValueError naming the folder or file when absent or unreadable)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ValueError(f"folder: {folder} not found (scripts/authors_networks.py writes the authors' networks there)")
    path = folder / "manifest.json"
    if not path.is_file():
        raise ValueError(f"folder: {path} not found (scripts/authors_networks.py writes it)")
    try:
        manifest = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise ValueError(f"folder: {path} is not JSON ({exc})") from None
    if not isinstance(manifest.get("networks"), dict) or not manifest["networks"]:
        raise ValueError(f"folder: {path} lists no networks")
    return manifest


def _seed(key: str) -> int:
    if not (key.startswith("seed") and key[4:].isdigit()):
        raise ValueError(f"manifest: network {key!r} is not named seedK")
    return int(key[4:])


def load_networks(folder: str | Path = FOLDER) -> dict[int, dict[str, dict[str, Any]]]:
    """{seed: {"init": state_dict, "final": state_dict}} for every network of the manifest, each file's sha256 checked.

    Read with ``torch.load(weights_only=True)``; ValueError naming the folder or file when one is missing, when a
    sha256 differs from the manifest's, or when a file does not hold exactly ``KEYS`` (no biases).
    """
    import torch

    folder = Path(folder)
    manifest = load_manifest(folder)
    out = {}
    for key, entry in sorted(manifest["networks"].items(), key=lambda kv: _seed(kv[0])):
        nets = {}
        for name in ("init", "final"):
            path = folder / key / f"{name}.pt"
            if not path.is_file():
                raise ValueError(f"folder: {path} not found (listed in the manifest)")
            want = (entry.get("files") or {}).get(f"{name}.pt")
            got = hashlib.sha256(path.read_bytes()).hexdigest()
            if want != got:
                raise ValueError(f"folder: {path} has sha256 {got[:12]}..., the manifest says {str(want)[:12]}...: refused")
            state = torch.load(path, weights_only=True, map_location="cpu")
            if not isinstance(state, dict) or set(state) != set(KEYS):
                raise ValueError(f"folder: {path} holds {sorted(state) if isinstance(state, dict) else type(state).__name__}; "
                                 f"expected exactly {list(KEYS)} (a tanh Elman network without biases)")
            nets[name] = state
        out[_seed(key)] = nets
    return out


def network_of(state: dict[str, Any]) -> LinearRNN:
    """The Elman network of one of their state_dicts, float64 (C7, C8).

        h(t) = tanh(W_hh h(t-1) + W_uh x(t)),  y(t) = W_hy h(t):  W_hh = rnn.weight_hh_l0, W_uh = rnn.weight_ih_l0,
        W_hy = readout.weight
    """
    w = {k: np.asarray(v.detach().cpu().double().numpy() if hasattr(v, "detach") else v, dtype=np.float64)
         for k, v in state.items()}
    net = LinearRNN(w["rnn.weight_hh_l0"], w["rnn.weight_ih_l0"], w["readout.weight"])
    if net.d != D:
        raise ValueError(f"state: expected input dimension d = {D}, got {net.d}")
    return net


def _accuracy(net: LinearRNN, seed: int) -> float:
    """Sign accuracy of ``net`` on EVAL_BATCH fresh two-phase sequences of repeat copy at horizon HORIZON."""
    import torch

    from ..theory.two_phase import two_phase_batch

    task, rng, right = repeat_copy(D, S), np.random.default_rng([seed, 9]), 0
    W_hh, W_uh, W_hy = (torch.as_tensor(w) for w in (net.W_hh, net.W_uh, net.W_hy))
    for _ in range(EVAL_BATCH // EVAL_CHUNK):  # torch: its one thread (arm_readings), where numpy's BLAS may take more
        u, y = two_phase_batch(task, EVAL_CHUNK, HORIZON, rng)
        h, drive = torch.zeros(EVAL_CHUNK, net.hidden, dtype=torch.float64), torch.as_tensor(u) @ W_uh.T
        for t in range(S + HORIZON):
            h = torch.tanh(h @ W_hh.T + drive[:, t])
            if t >= S:
                right += int(((h @ W_hy.T) * torch.as_tensor(y[:, t - S]) > 0).sum())
    return right / (EVAL_BATCH * HORIZON * D)


def arm_readings(folder: str, digest: str = "") -> ArmReadings:
    """Every seed's ``AuthorsReading`` (trained = final.pt, control = init.pt; C7, C8); a loading error is the reason.

    ``digest`` (the manifest's sha256, ``digest()``) only keys the computation in the run's journal, so that new
    files are read again.
    """
    import torch

    from ..theory.two_phase import two_phase_batch

    try:
        manifest = load_manifest(folder)
        nets = load_networks(folder)
    except ValueError as exc:
        return ArmReadings((), (), str(exc))
    task, out, threads = repeat_copy(D, S), [], torch.get_num_threads()
    torch.set_num_threads(1)  # as on the pool's workers, wherever it runs (measured: several threads are slower here)
    try:
        for seed, pair in nets.items():
            entry = manifest["networks"][f"seed{seed}"]
            inputs, _ = two_phase_batch(task, JACOBIAN_BATCH, HORIZON, np.random.default_rng([seed, 7]))
            trained, init = network_of(pair["final"]), network_of(pair["init"])
            out.append(AuthorsReading(seed, _accuracy(trained, seed), int(entry.get("steps", 0)), "until_mean" in entry,
                                      network_reading(trained, task, inputs, seed),
                                      network_reading(init, task, inputs, seed)))
    finally:
        torch.set_num_threads(threads)
    source = f"{manifest.get('source', '')} {manifest.get('branch', '')} {manifest.get('commit') or ''}".strip()
    return ArmReadings(tuple(nets), tuple(out), "", source)


def digest(folder: str | Path = FOLDER) -> str:
    """sha256 of the manifest (it holds every file's sha256), or "absent"."""
    path = Path(folder) / "manifest.json"
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "absent"


def authors_calls(plan: Plan) -> list:
    """The arm's one computation for the run's pool (read on a worker while the rest trains)."""
    return [(arm_readings, (str(FOLDER), digest()))]


def read_arm(ctx: Any) -> ArmReadings:
    """The arm's readings in a run (the pool's computation; computed here when the run did not plan it)."""
    from .trained_runs import computed

    return computed(ctx, arm_readings, str(FOLDER), digest())
