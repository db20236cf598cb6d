"""Networks trained by other code, read as the Elman weights the analysis takes (C7-C11, C14).

Four sources, one result: a ``LinearRNN`` (W_hh (H, H), W_uh (H, d), W_hy (d, H), torch.nn.RNN
conventions), or for a GRU / LSTM its linearization at the zero fixed point (``gated.Linearization``,
which also holds the gated network for the wave measurements):

* a live ``torch.nn.RNN`` / ``GRU`` / ``LSTM`` (one layer, one direction) with its readout
  ``torch.nn.Linear`` (or a module holding exactly one of each, like the authors' ``RNNModel``);
* a ``state_dict``: the recurrent layer is the one key ending in ``weight_hh_l0`` (its rows say the
  cell: H for an Elman RNN, 3H for a GRU, 4H for an LSTM), the readout the one (d, H) ``weight``
  outside it (``readout.weight`` preferred);
* a ``.pt`` / ``.pth`` file of one, read with ``torch.load(weights_only=True)``;
* a PyTorch Lightning ``.ckpt``, in particular the authors' (``model.rnn.weight_ih_l0`` (H, d),
  ``model.rnn.weight_hh_l0`` (H, H), ``model.readout.weight`` (d, H); ``model.lstm.*`` with 4H rows),
  read by ``checkpoint_reader`` without running anything from the file. Its ``hyper_parameters``
  name the task: ``task_id`` = (ID1, ID2, ID3), ``input_dim`` = d, ``seq_length`` = s
  (``tasks.authors_task``). A ``.pt`` that ``torch.load`` refuses goes the same way.

Biases: an Elman network's biases (bias_ih_l0 + bias_hh_l0) are kept: the network object is then a
``Linearization`` whose W_hh is the raw recurrent matrix and whose ``network`` (``cells.ElmanNetwork``)
runs with the biases, so that the hidden states, fixed points, operating point, DMD and Lyapunov
lenses read the network as trained (with biases h = 0 is no fixed point, so W_hh alone is not its
linearization anywhere: read the fixed points and the operating point, C11). A gated cell's biases
enter its linearization (C14); a readout bias enters no measurement and is dropped.
"""

from __future__ import annotations

import pickle
import sys
import warnings
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..checkpoint_reader import Placeholder, check_torch_file, read_checkpoint
from ..theory.tasks import LinearHDS, authors_task
from ..theory.wave_operator import LinearRNN
from .cells import CELLS, network_from_arrays
from .weights import load_weights

__all__ = ["ImportedNetwork", "as_network", "network_from_module", "network_from_state_dict", "load_network",
           "task_from_hyper_parameters"]

CELL_OF_GATES = {CELLS[n].gates: n for n in ("rnn", "gru", "lstm")}  # rows of weight_hh_l0 per hidden unit: 1, 3, 4


@dataclass(frozen=True)
class ImportedNetwork:
    """A network read from a file: its linear(ized) weights, the task its file names (if any), and provenance.

    ``hyper_parameters`` keeps the plain values of a checkpoint's hyper-parameters (numbers, strings,
    tuples); ``placeholders`` the globals the file named that were not run (checkpoint_reader).
    """

    network: LinearRNN
    cell: str
    source: str  # "npz", "torch.load" or "checkpoint_reader"
    path: str
    task: LinearHDS | None = None
    init: LinearRNN | None = None
    hyper_parameters: dict[str, Any] = field(default_factory=dict)
    placeholders: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "source": self.source, "cell": self.cell, "hidden": self.network.hidden,
                "d": self.network.d, "task": None if self.task is None else self.task.name,
                "hyper_parameters": self.hyper_parameters, "placeholders": list(self.placeholders)}


def _array(value: object, name: str) -> np.ndarray:
    """A float64 numpy copy of a tensor or array (ValueError naming ``name`` otherwise)."""
    if hasattr(value, "detach"):  # a torch tensor: no import of torch needed to read it
        value = value.detach().cpu().double().numpy()
    if isinstance(value, Placeholder) or not isinstance(value, (np.ndarray, list, tuple)):
        raise ValueError(f"{name}: expected a tensor, got {type(value).__name__}")
    return np.array(value, dtype=np.float64)


def network_from_state_dict(state_dict: Mapping, readout: object = None, cell: str | None = None) -> LinearRNN:
    """The LinearRNN (or gated Linearization) of a state_dict holding one recurrent layer and a readout.

    W_hh = weight_hh_l0 (H, H), W_uh = weight_ih_l0 (H, d) for an Elman RNN (biases kept, see the module
    docstring); 3H / 4H rows for a GRU / LSTM, read at the zero fixed point (C14). ``readout`` (d, H), a tensor or a torch.nn.Linear,
    overrides the readout found in the dict; ``cell`` (rnn, gru, lstm) is checked against the rows.
    """
    if not isinstance(state_dict, Mapping):
        raise TypeError(f"state_dict: expected a mapping of names to tensors, got {type(state_dict).__name__}")
    keys = [str(k) for k in state_dict]
    deep = [k for k in keys if k.endswith(("_l1", "_reverse"))]
    if deep:
        raise ValueError(f"state_dict: {deep[0]!r}: only one-layer, one-direction networks are read")
    hh = [k for k in keys if k.endswith("weight_hh_l0")]
    if len(hh) != 1:
        raise ValueError(f"state_dict: expected one recurrent layer (a key ending in weight_hh_l0), found {hh or 'none'} "
                         f"among {keys[:12]}")
    prefix = hh[0][: -len("weight_hh_l0")]
    if prefix + "weight_ih_l0" not in state_dict:
        raise ValueError(f"state_dict: {prefix}weight_ih_l0 is missing")
    W_hh, W_ih = _array(state_dict[hh[0]], hh[0]), _array(state_dict[prefix + "weight_ih_l0"], prefix + "weight_ih_l0")
    if W_hh.ndim != 2 or W_hh.shape[1] == 0 or W_hh.shape[0] % W_hh.shape[1] or W_hh.shape[0] // W_hh.shape[1] not in CELL_OF_GATES:
        raise ValueError(f"{hh[0]}: expected shape (G H, H) with G = 1 (RNN), 3 (GRU) or 4 (LSTM), got {W_hh.shape}")
    H = W_hh.shape[1]
    found = CELL_OF_GATES[W_hh.shape[0] // H]
    if cell is not None and cell != found:
        raise ValueError(f"{hh[0]}: shape {W_hh.shape} is a {found} layer, but the file says model_type {cell!r}")
    W_hy = _readout(state_dict, prefix, W_ih.shape[1] if W_ih.ndim == 2 else -1, H) if readout is None else \
        _array(getattr(readout, "weight", readout), "readout")
    arrays = {"W_hh": W_hh, "W_uh": W_ih, "W_hy": W_hy} if found == "rnn" else \
        {"weight_ih_l0": W_ih, "weight_hh_l0": W_hh, "W_hy": W_hy}
    for b in ("bias_ih_l0", "bias_hh_l0"):
        if prefix + b in state_dict:
            arrays[b] = _array(state_dict[prefix + b], prefix + b)
    return network_from_arrays(found, arrays)


def _readout(sd: Mapping, prefix: str, d: int, H: int) -> np.ndarray:
    """The one (d, H) weight outside the recurrent layer (``...readout.weight`` first)."""
    layer = {prefix + "weight_ih_l0", prefix + "weight_hh_l0"}
    cands = [k for k, v in sd.items() if str(k).endswith("weight") and str(k) not in layer
             and tuple(getattr(v, "shape", ())) == (d, H)]
    named = [k for k in cands if str(k).endswith("readout.weight")]
    cands = named or cands
    if len(cands) != 1:
        raise ValueError(f"readout: expected one (d={d}, H={H}) weight besides the recurrent layer, found {cands or 'none'}; "
                         "pass readout= explicitly")
    return _array(sd[cands[0]], str(cands[0]))


def network_from_module(module: object, readout: object = None) -> LinearRNN:
    """The LinearRNN of a live torch.nn.RNN / GRU / LSTM and its readout Linear (C7-C11, C14).

    ``module`` is the recurrent layer itself, or a module holding exactly one recurrent layer and
    (when ``readout`` is None) one Linear with in_features = H.
    """
    import torch

    if not isinstance(module, torch.nn.Module):
        raise TypeError(f"module: expected a torch.nn.Module, got {type(module).__name__}")
    layers = [m for m in module.modules() if isinstance(m, torch.nn.RNNBase)]
    if len(layers) != 1:
        raise ValueError(f"module: expected one torch.nn.RNN/GRU/LSTM, found {len(layers)}")
    rnn = layers[0]
    if rnn.num_layers != 1 or rnn.bidirectional or getattr(rnn, "proj_size", 0):
        raise ValueError("module: only one-layer, one-direction recurrent layers without projection are read")
    if rnn.mode.startswith("RNN_") and rnn.mode != "RNN_TANH":
        raise ValueError(f"module: the Elman layer uses {rnn.nonlinearity}; the theory reads tanh (or linear) networks")
    if readout is None:
        heads = [m for m in module.modules() if isinstance(m, torch.nn.Linear) and m.in_features == rnn.hidden_size]
        if len(heads) != 1:
            raise ValueError(f"readout: expected one torch.nn.Linear with in_features = {rnn.hidden_size} in module, "
                             f"found {len(heads)}; pass readout=")
        readout = heads[0]
    sd = {name: p for name, p in rnn.named_parameters()}
    return network_from_state_dict(sd, readout=readout)


def as_network(obj: object, readout: object = None, name: str = "rnn") -> LinearRNN:
    """Any supported network (LinearRNN, torch module, state_dict, file path) as a LinearRNN."""
    if isinstance(obj, LinearRNN):
        if readout is not None:
            raise ValueError("readout: only used with a torch module or a state_dict")
        return obj
    torch = sys.modules.get("torch")  # a torch module exists only if torch was imported
    if torch is not None and isinstance(obj, torch.nn.Module):
        return network_from_module(obj, readout)
    if isinstance(obj, Mapping):
        return network_from_state_dict(obj, readout)
    if isinstance(obj, (str, Path)):
        return load_network(obj).network
    raise TypeError(f"{name}: expected a LinearRNN, a torch.nn.RNN/GRU/LSTM, a state_dict or a file path, "
                    f"got {type(obj).__name__}")


def task_from_hyper_parameters(hp: Mapping) -> LinearHDS | None:
    """The authors' task a checkpoint's hyper-parameters name (task_id, input_dim = d, seq_length = s), or None."""
    if not all(k in hp for k in ("task_id", "input_dim", "seq_length")):
        return None
    ids = hp["task_id"]
    if not isinstance(ids, (tuple, list)) or len(ids) != 3:
        raise ValueError(f"hyper_parameters.task_id: expected (ID1, ID2, ID3), got {ids!r}")
    return authors_task(*ids, hp["input_dim"], hp["seq_length"])


def _plain_values(hp: Mapping) -> dict[str, Any]:
    ok = (int, float, str, bool, type(None))
    return {str(k): (list(v) if isinstance(v, tuple) else v) for k, v in hp.items()
            if isinstance(v, ok) or (isinstance(v, (tuple, list)) and all(isinstance(x, ok) for x in v))}


def _torch_load(path: Path) -> object | None:
    """torch.load(weights_only=True), or None when it refuses the file's globals (then the restricted reader reads it)."""
    import torch

    check_torch_file(path)  # a regular file within the memory limit (pickle and storages), before torch reads it
    try:
        if zipfile.is_zipfile(path):  # torch's zip reader skips the CRCs: damaged data would load silently
            with zipfile.ZipFile(path) as zf:
                damaged = zf.testzip()
            if damaged is not None:
                raise ValueError(f"{damaged} fails its CRC check")
        with warnings.catch_warnings():  # torch warns about a file's pickle protocol: one error line says enough
            warnings.simplefilter("ignore")
            return torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError:
        return None
    except MemoryError:
        raise
    except Exception as exc:  # text (a KeyError from the legacy reader), a truncated zip, a corrupt stream, ...
        raise ValueError(f"{path}: cannot read ({type(exc).__name__}: {' '.join(str(exc).split())[:200]})") from None


def load_network(path: str | Path) -> ImportedNetwork:
    """Read a network from an .npz (our format), a .pt / .pth (torch.save of a state_dict) or a Lightning .ckpt.

    Nothing in the file runs: npz without pickles, torch.load(weights_only=True), or the restricted
    checkpoint_reader. A checkpoint's hyper_parameters give the task (``task_from_hyper_parameters``).
    """
    path = Path(path)
    if path.suffix == ".npz":
        rnn, init = load_weights(path)
        return ImportedNetwork(rnn, getattr(getattr(rnn, "network", None), "cell", "rnn"), "npz", str(path), init=init)
    if not path.exists():  # a FIFO, a device or a folder: refused by the readers (io.open_input), naming what it is
        raise ValueError(f"{path}: no such file")
    placeholders: tuple[str, ...] = ()
    obj = None if path.suffix == ".ckpt" else _torch_load(path)
    source = "torch.load"
    if obj is None:
        ck = read_checkpoint(path)
        obj, placeholders, source = ck.data, ck.placeholders, "checkpoint_reader"
    if not isinstance(obj, Mapping):
        raise ValueError(f"{path}: expected a state_dict or a checkpoint dict, found a pickled {getattr(obj, 'name', type(obj).__name__)}"
                         " (save model.state_dict() instead of the model)")
    sd = obj.get("state_dict", obj)
    hp = obj.get("hyper_parameters", {}) if "state_dict" in obj else {}
    hp = hp if isinstance(hp, Mapping) else {}
    try:
        model_type = hp.get("model_type")
        rnn = network_from_state_dict(sd, cell=model_type if model_type in ("rnn", "gru", "lstm") else None)
        task = task_from_hyper_parameters(hp)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{path}: {exc}") from None
    for key, size in (("input_dim", rnn.d), ("hidden_dim", rnn.hidden)):
        if key in hp and not (isinstance(hp[key], int) and hp[key] == size):
            raise ValueError(f"{path}: hyper_parameters.{key} = {hp[key]!r}, but the weights have {size}")
    cell = getattr(getattr(rnn, "network", None), "cell", "rnn")
    return ImportedNetwork(rnn, cell, source, str(path), task, None, _plain_values(hp), placeholders)
