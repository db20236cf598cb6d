"""Checkpoint files built in the test process: the authors' Lightning format, and hostile pickles.

Used by tests/test_checkpoint_reader.py, tests/learning/test_interop.py and tests/cli/test_analyze_files.py.
Nothing here is a real checkpoint: every file is written by the test that needs it, into tmp_path.

``authors_checkpoint`` mimics the layout of the authors' PyTorch Lightning checkpoints (the keys
epoch, global_step, pytorch-lightning_version, state_dict, loops, callbacks, optimizer_states,
lr_schedulers, hparams_name, hyper_parameters; ``model.rnn.*`` / ``model.lstm.*`` and
``model.readout.weight`` without biases; the model object pickled inside hyper_parameters) with a
model class that exists only while the file is written: afterwards its module is removed from
``sys.modules``, so the class does not exist in the process that reads the file.
"""

from __future__ import annotations

import io
import sys
import types
import zipfile
from collections import OrderedDict
from pathlib import Path

import numpy as np
import torch

GONE_MODULE = "em_discrete_gone.models.rnn_model"  # a module that exists only while a checkpoint is written


def _model_class(cell: str) -> type:
    """A torch.nn.Module class like the authors' RNNModel / LSTMModel, defined in a throw-away module."""
    module = types.ModuleType(GONE_MODULE)

    def __init__(self, d: int, H: int) -> None:
        torch.nn.Module.__init__(self)
        layer = torch.nn.RNN(d, H, nonlinearity="tanh", bias=False) if cell == "rnn" else torch.nn.LSTM(d, H, bias=False)
        setattr(self, "rnn" if cell == "rnn" else "lstm", layer)
        self.readout = torch.nn.Linear(H, d, bias=False)
        self.input_dim, self.hidden_dim, self.num_layers = d, H, 1

    name = "RNNModel" if cell == "rnn" else "LSTMModel"
    cls = type(name, (torch.nn.Module,), {"__init__": __init__, "__module__": GONE_MODULE})
    module.__dict__[name] = cls
    return cls, module


def authors_checkpoint(path: Path, cell: str = "rnn", d: int = 3, s: int = 4, H: int = 16,
                       task_id: tuple = (7, 0, 0), seed: int = 0, extra_hp: dict | None = None) -> OrderedDict:
    """Write an authors'-format checkpoint; return its state_dict as numpy arrays (float64)."""
    torch.manual_seed(seed)
    cls, module = _model_class(cell)
    for name in (GONE_MODULE.split(".")[0], ".".join(GONE_MODULE.split(".")[:2]), GONE_MODULE):
        sys.modules.setdefault(name, types.ModuleType(name))
    sys.modules[GONE_MODULE] = module
    try:
        model = cls(d, H)
        sd = OrderedDict((f"model.{k}", v.detach().clone()) for k, v in model.state_dict().items())
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        hp = {"model": model, "seed": seed, "learning_rate": 0.001, "batch_size": 64, "input_dim": d,
              "seq_length": s, "model_type": cell, "poly_power": 1.0, "curriculum": True, "l2_penalty": 0.0,
              "task_id": tuple(task_id), "curriculum_threshold": 0.96, "hidden_dim": H, **(extra_hp or {})}
        ckpt = {"epoch": 0, "global_step": 6, "pytorch-lightning_version": "2.5.6", "state_dict": sd,
                "loops": {"fit_loop": {"state_dict": {}, "epoch_progress": {"total": {"ready": 1}}}},
                "callbacks": {"ModelCheckpoint{'monitor': None}": {"best_model_score": None, "kth_value": torch.tensor(float("inf"))}},
                "optimizer_states": [opt.state_dict()], "lr_schedulers": [], "hparams_name": "kwargs",
                "hyper_parameters": hp}
        torch.save(ckpt, path)
    finally:
        for name in (GONE_MODULE, ".".join(GONE_MODULE.split(".")[:2]), GONE_MODULE.split(".")[0]):
            sys.modules.pop(name, None)
    return OrderedDict((k, v.double().numpy()) for k, v in sd.items())


class Payload:
    """An object whose pickle calls ``func(arg)`` on load (what a hostile checkpoint does)."""

    def __init__(self, func, arg: str) -> None:
        self.func, self.arg = func, arg

    def __reduce__(self):
        return self.func, (self.arg,)


def marker_command(marker: Path) -> str:
    return f"touch {marker}"


def marker_code(marker: Path) -> str:
    return f"open({str(marker)!r}, 'w').close()"


def hostile_checkpoint(path: Path, payload: Payload, where: str = "hyper_parameters") -> None:
    """A valid-looking checkpoint (an RNN state_dict) with ``payload`` pickled into it by torch.save."""
    torch.manual_seed(0)
    rnn, lin = torch.nn.RNN(2, 6, bias=False), torch.nn.Linear(6, 2, bias=False)
    sd = {"model.rnn.weight_ih_l0": rnn.weight_ih_l0.detach(), "model.rnn.weight_hh_l0": rnn.weight_hh_l0.detach(),
          "model.readout.weight": lin.weight.detach()}
    hp = {"input_dim": 2, "seq_length": 3, "task_id": (3, 0, 0), "hidden_dim": 6}
    if where == "hyper_parameters":
        hp["model"] = payload
    else:
        sd["model.rnn.weight_hh_l0"] = payload
    torch.save({"state_dict": sd, "hyper_parameters": hp}, path)


def zip_checkpoint(path: Path, pickle_bytes: bytes, storages: dict[str, bytes] | None = None, prefix: str = "archive") -> None:
    """A torch zip archive around hand-written pickle bytes (for opcodes torch.save never writes)."""
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(f"{prefix}/data.pkl", pickle_bytes)
        zf.writestr(f"{prefix}/byteorder", "little")
        zf.writestr(f"{prefix}/version", "3\n")
        for key, raw in (storages or {}).items():
            zf.writestr(f"{prefix}/data/{key}", raw)


def float_storage_pickle(key: str, numel: int, offset: int, size: tuple, stride: tuple) -> bytes:
    """Protocol-2 pickle of one float32 tensor over storage ``key``, written opcode by opcode."""
    out = io.BytesIO()
    out.write(b"\x80\x02")  # PROTO 2
    out.write(b"ctorch._utils\n_rebuild_tensor_v2\n")  # GLOBAL
    out.write(b"(")  # MARK (the argument tuple)
    out.write(b"(X" + _u("storage") + b"ctorch\nFloatStorage\n" + b"X" + _u(key) + b"X" + _u("cpu") + _int(numel) + b"tQ")
    out.write(_int(offset))
    out.write(b"(" + b"".join(_int(n) for n in size) + b"t")
    out.write(b"(" + b"".join(_int(n) for n in stride) + b"t")
    out.write(b"\x89N")  # requires_grad False, backward hooks None
    out.write(b"tR.")  # TUPLE, REDUCE, STOP
    return out.getvalue()


def _u(text: str) -> bytes:
    raw = text.encode()
    return len(raw).to_bytes(4, "little") + raw


def _int(n: int) -> bytes:
    """BININT (4 bytes) where it fits, else LONG1 (any size: a hostile 2**70)."""
    if -(1 << 31) <= n < 1 << 31:
        return b"J" + int(n).to_bytes(4, "little", signed=True)
    raw = int(n).to_bytes((n.bit_length() + 8) // 8, "little", signed=True)
    return b"\x8a" + bytes([len(raw)]) + raw


def storage_bytes(values) -> bytes:
    return np.asarray(values, dtype="<f4").tobytes()


__all__ = ["authors_checkpoint", "Payload", "hostile_checkpoint", "zip_checkpoint", "float_storage_pickle",
           "storage_bytes", "marker_command", "marker_code", "GONE_MODULE"]
