"""Read a torch zip checkpoint (``torch.save``, a PyTorch Lightning ``.ckpt``) without running anything from it.

A checkpoint is a zip archive: ``<prefix>/data.pkl`` is a pickle, and the raw bytes of each tensor
storage lie in ``<prefix>/data/<key>``. The pickle refers to a storage by the persistent id
``("storage", <storage type>, key, location, numel)`` and builds a tensor by calling
``torch._utils._rebuild_tensor_v2(storage, offset, size, stride, ...)``. Lightning checkpoints also
pickle the model object itself (e.g. the authors' ``em_discrete.models.rnn_model.RNNModel``), so
``torch.load(weights_only=True)`` refuses them, and ``weights_only=False`` would import and call
whatever the file names: a pickle is a program.

This reader runs that program with a restricted unpickler. Whatever global the file names, the
unpickler's ``find_class`` answers with an object defined in this module, never with the named one:

* the tensor rebuild functions map to our own versions, which cut a numpy array out of the storage
  bytes (offset, size and stride checked against the storage, element count capped);
* storage types and torch dtypes map to inert markers, and ``collections.OrderedDict``, ``set``,
  ``frozenset``, ``torch.device``, ``torch.Size`` and ``_codecs.encode`` (bytes in protocol 2)
  to small safe versions of their own;
* every other name (a model class, ``os.system``, ``builtins.eval``, ...) maps to a fresh
  placeholder type: calling or instantiating it returns an inert ``Placeholder`` that records its
  name, arguments and state and does nothing else.

Nothing from the file is imported or called, so the worst a file can do is fail to load (a
``CheckpointError``, a ValueError with one line saying why). Tensors come back as numpy arrays
(bfloat16 as float32); the objects of foreign classes as Placeholders, whose ``state`` holds the
attributes the file would have set (read them with ``placeholder_state``).
"""

from __future__ import annotations

import collections
import io
import pickle
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

__all__ = ["CheckpointError", "Placeholder", "Checkpoint", "read_checkpoint", "placeholder_state"]

MAX_BYTES = 4 << 30  # storage bytes read from one file (optimizer states included)
MAX_PICKLE_BYTES = 256 << 20  # the pickle program itself
_KEY = re.compile(r"^[0-9A-Za-z_.]{1,64}$")  # storage keys torch writes: "0", "1", ...; no path separators


class CheckpointError(ValueError):
    """A checkpoint this reader will not read: malformed, or asking for something unsafe."""


class Placeholder:
    """An inert stand-in for an object of a class (or the result of a call) that the reader does not run.

    ``name`` is the global the file asked for ("module.qualname"), ``args`` what it would have been
    called with, ``state`` what BUILD would have set. Nothing else happens.
    """

    __slots__ = ("name", "args", "state")

    def __init__(self, name: str, args: tuple = (), state: Any = None) -> None:
        self.name, self.args, self.state = name, args, state

    def __setstate__(self, state: Any) -> None:  # BUILD records the state instead of applying it
        self.state = state

    def __repr__(self) -> str:
        return f"Placeholder({self.name!r})"


class _PlaceholderType:
    """Base of the per-name types ``find_class`` returns for unknown globals; instances are Placeholders."""

    _name = "?"

    def __new__(cls, *args: Any, **kwargs: Any) -> Placeholder:  # REDUCE, INST, OBJ call it; NEWOBJ calls __new__
        return Placeholder(cls._name, args + ((kwargs,) if kwargs else ()))

    @classmethod
    def __setstate__(cls, state: Any) -> None:  # BUILD on the type itself would set class attributes
        raise CheckpointError(f"the pickle tries to set attributes of the class {cls._name}")


class _Inert:
    """Objects of this module handed to the pickle: BUILD on them is refused (it would rewrite their fields)."""

    __slots__ = ()

    def __setstate__(self, state: Any) -> None:
        raise CheckpointError(f"the pickle tries to set the state of {self!r}")


class _Marker(_Inert):
    """A storage type or dtype named by the file: read only by this module's own functions."""

    __slots__ = ("name", "dtype")

    def __init__(self, name: str, dtype: str | None = None) -> None:
        self.name, self.dtype = name, dtype

    def __repr__(self) -> str:
        return f"<{self.name}>"


class _Safe(_Inert):
    """One of this module's functions, standing in for the global the file named."""

    __slots__ = ("fn", "name")

    def __init__(self, fn: Callable, name: str) -> None:
        self.fn, self.name = fn, name

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.fn(*args, **kwargs)

    def __repr__(self) -> str:
        return f"<safe {self.name}>"


class _Storage(_Inert):
    __slots__ = ("array", "dtype")

    def __init__(self, array: np.ndarray, dtype: str) -> None:
        self.array, self.dtype = array, dtype  # array: the whole storage, 1-D, in its dtype


class _Tensor(_Inert):
    __slots__ = ("array", "dtype")

    def __init__(self, array: np.ndarray, dtype: str) -> None:
        self.array, self.dtype = array, dtype


# --------------------------------------------------------------------------- dtypes and storages

_STORAGES = {
    "FloatStorage": "float32", "DoubleStorage": "float64", "HalfStorage": "float16", "BFloat16Storage": "bfloat16",
    "LongStorage": "int64", "IntStorage": "int32", "ShortStorage": "int16", "CharStorage": "int8",
    "ByteStorage": "uint8", "BoolStorage": "bool", "ComplexFloatStorage": "complex64",
    "ComplexDoubleStorage": "complex128", "UntypedStorage": "uint8",
}
_DTYPES = {
    "float32": "float32", "float": "float32", "float64": "float64", "double": "float64", "float16": "float16",
    "half": "float16", "bfloat16": "bfloat16", "int64": "int64", "long": "int64", "int32": "int32", "int": "int32",
    "int16": "int16", "short": "int16", "int8": "int8", "uint8": "uint8", "bool": "bool",
    "complex64": "complex64", "complex128": "complex128",
}


def _np_dtype(name: str, order: str = "<") -> np.dtype:
    """numpy dtype of a torch dtype name; bfloat16 is read as its raw 16 bits."""
    return np.dtype("u2" if name == "bfloat16" else name).newbyteorder(order)


def _is_int(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _view(storage: object, offset: object, size: object, stride: object, max_bytes: int) -> _Tensor:
    """The strided view (size, stride, offset in elements) of a storage, copied, after bounds checks."""
    if not isinstance(storage, _Storage):
        raise CheckpointError(f"a tensor is built from {type(storage).__name__}, not from a storage of the file")
    size, stride = tuple(size) if isinstance(size, (tuple, list)) else size, tuple(stride) if isinstance(stride, (tuple, list)) else stride
    if not (_is_int(offset) and offset >= 0 and isinstance(size, tuple) and isinstance(stride, tuple)
            and len(size) == len(stride) and all(_is_int(v) and v >= 0 for v in size + stride)):
        raise CheckpointError("a tensor has a malformed offset, size or stride")
    count = int(np.prod(size, dtype=object)) if size else 1
    arr = storage.array
    if count * arr.itemsize > max_bytes:
        raise CheckpointError(f"a tensor of {count} elements exceeds the limit of {max_bytes} bytes")
    if count == 0:
        return _Tensor(np.zeros(size, dtype=arr.dtype), storage.dtype)
    last = offset + sum((n - 1) * st for n, st in zip(size, stride))
    if last >= arr.size:
        raise CheckpointError(f"a tensor reaches element {last} of a storage of {arr.size} elements")
    view = np.lib.stride_tricks.as_strided(arr[offset:], shape=size, strides=tuple(st * arr.itemsize for st in stride))
    return _Tensor(view.copy(), storage.dtype)


# --------------------------------------------------------------------------- the unpickler


class _Unpickler(pickle.Unpickler):
    def __init__(self, data: bytes, zf: zipfile.ZipFile, prefix: str, order: str, max_bytes: int) -> None:
        super().__init__(io.BytesIO(data), encoding="utf-8")
        self._zf, self._prefix, self._order = zf, prefix, order
        self._max_bytes, self._read = max_bytes, 0
        self._storages: dict[str, _Storage] = {}
        self._types: dict[str, type] = {}
        self.log: list[str] = []
        self._safe = self._whitelist()

    # the rebuild functions torch pickles, re-implemented on numpy
    def _tensor(self, storage, offset, size, stride, *_rest, **_kw):
        return _view(storage, offset, size, stride, self._max_bytes)

    def _tensor_v3(self, storage, offset, size, stride, requires_grad=False, hooks=None, dtype=None, *_rest):
        if isinstance(dtype, _Marker) and dtype.dtype is not None and isinstance(storage, _Storage) \
                and dtype.dtype != storage.dtype:  # an untyped storage read as the tensor's dtype
            raw = storage.array.view(np.uint8)
            want = _np_dtype(dtype.dtype, "=")
            if raw.size % want.itemsize:
                raise CheckpointError("a storage's size is not a multiple of its tensor's element size")
            storage = _Storage(raw.view(want), dtype.dtype)
        return _view(storage, offset, size, stride, self._max_bytes)

    def _parameter(self, data, *_rest):
        if not isinstance(data, _Tensor):
            raise CheckpointError(f"a parameter wraps {type(data).__name__}, not a tensor")
        return data

    def _from_type(self, func, new_type, args, _state=None):
        if not (isinstance(func, _Safe) and func.fn in (self._tensor, self._tensor_v3, self._parameter)
                and isinstance(new_type, _Marker) and new_type.name in ("torch.Tensor", "torch.nn.parameter.Parameter")
                and isinstance(args, tuple)):
            raise CheckpointError("a tensor subclass is rebuilt with something other than a tensor function")
        return func(*args)

    def _whitelist(self) -> dict[tuple[str, str], object]:
        table: dict[tuple[str, str], object] = {}
        for module, name, fn in (
            ("torch._utils", "_rebuild_tensor", self._tensor), ("torch._utils", "_rebuild_tensor_v2", self._tensor),
            ("torch._utils", "_rebuild_tensor_v3", self._tensor_v3), ("torch._utils", "_rebuild_parameter", self._parameter),
            ("torch._utils", "_rebuild_parameter_with_state", self._parameter),
            ("torch._tensor", "_rebuild_from_type_v2", self._from_type),
            ("collections", "OrderedDict", _ordered_dict), ("builtins", "set", _set), ("__builtin__", "set", _set),
            ("builtins", "frozenset", _frozenset), ("__builtin__", "frozenset", _frozenset),
            ("torch", "device", _device), ("torch", "Size", _size), ("_codecs", "encode", _encode),
        ):
            table[(module, name)] = _Safe(fn, f"{module}.{name}")
        table[("torch", "Tensor")] = _Marker("torch.Tensor")
        table[("torch.nn.parameter", "Parameter")] = _Marker("torch.nn.parameter.Parameter")
        for name, dtype in _STORAGES.items():
            table[("torch", name)] = _Marker(f"torch.{name}", dtype)
        for name, dtype in _DTYPES.items():
            table[("torch", name)] = _Marker(f"torch.{name}", dtype)
        return table

    def find_class(self, module: str, name: str) -> object:  # GLOBAL, STACK_GLOBAL, INST, OBJ, EXT1/2/4
        key = (str(module), str(name))
        if key in self._safe:
            return self._safe[key]
        full = f"{key[0]}.{key[1]}"
        if full not in self._types:
            self.log.append(full)
            self._types[full] = type("Placeholder_" + re.sub(r"\W", "_", full), (_PlaceholderType,),
                                     {"_name": full, "__slots__": ()})
        return self._types[full]

    def persistent_load(self, pid: object) -> _Storage:  # BINPERSID, PERSID
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage"):
            raise CheckpointError(f"unsupported persistent id {str(pid)[:60]!r}")
        _, stype, key, _location, numel = pid
        if not (isinstance(stype, _Marker) and stype.name.endswith("Storage")):
            raise CheckpointError(f"a persistent id names {stype!r}, not a storage type")
        if not (isinstance(key, str) and _KEY.match(key)) or not _is_int(numel) or numel < 0:
            raise CheckpointError(f"a storage has a malformed key or size: {str(key)[:40]!r}, {str(numel)[:20]}")
        if key in self._storages:
            return self._storages[key]
        dtype = _np_dtype(stype.dtype, "<" if self._order == "little" else ">")
        nbytes = numel * dtype.itemsize
        self._read += nbytes
        if self._read > self._max_bytes:
            raise CheckpointError(f"the storages exceed {self._max_bytes} bytes")
        record = f"{self._prefix}data/{key}"
        try:
            info = self._zf.getinfo(record)
        except KeyError:
            raise CheckpointError(f"storage record {record} is missing") from None
        if info.file_size < nbytes:
            raise CheckpointError(f"storage record {record} has {info.file_size} bytes, needs {nbytes}")
        with self._zf.open(info) as fh:
            raw = fh.read(nbytes)
        storage = _Storage(np.frombuffer(raw, dtype=dtype).astype(dtype.newbyteorder("=")), stype.dtype)
        self._storages[key] = storage
        return storage


def _ordered_dict(items: object = ()) -> collections.OrderedDict:
    return collections.OrderedDict(list(items) if isinstance(items, (list, tuple)) else [])


def _set(items: object = ()) -> set:
    return set(items) if isinstance(items, (list, tuple, set, frozenset)) else set()


def _frozenset(items: object = ()) -> frozenset:
    return frozenset(_set(items))


def _device(kind: object = "cpu", index: object = None) -> str:
    if _is_int(kind):
        return f"cuda:{kind}"
    return f"{kind}:{index}" if _is_int(index) else str(kind)


def _size(dims: object = ()) -> tuple:
    return tuple(dims) if isinstance(dims, (list, tuple)) else ()


def _encode(text: object, encoding: str = "utf-8", errors: str = "strict") -> bytes:
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise CheckpointError("_codecs.encode is read only for latin-1 text (protocol-2 bytes)")
    return text.encode("latin1")


# --------------------------------------------------------------------------- the tree


def _plain(obj: Any, memo: dict[int, Any]) -> Any:
    """The unpickled tree with tensors as numpy arrays and storages/markers as their names."""
    if id(obj) in memo:
        return memo[id(obj)]
    if isinstance(obj, _Tensor):
        a = obj.array
        out: Any = (a.astype(np.uint32) << 16).view(np.float32) if obj.dtype == "bfloat16" else a
    elif isinstance(obj, _Storage):
        out = obj.array
    elif isinstance(obj, (_Marker, _Safe)):
        out = repr(obj)
    elif isinstance(obj, dict):
        out = collections.OrderedDict() if isinstance(obj, collections.OrderedDict) else {}
        memo[id(obj)] = out
        for k, v in obj.items():
            out[k] = _plain(v, memo)
        return out
    elif isinstance(obj, list):
        out = []
        memo[id(obj)] = out
        out.extend(_plain(v, memo) for v in obj)
        return out
    elif isinstance(obj, tuple):
        out = tuple(_plain(v, memo) for v in obj)
    elif isinstance(obj, Placeholder):
        memo[id(obj)] = obj
        obj.args, obj.state = _plain(obj.args, memo), _plain(obj.state, memo)
        return obj
    else:
        out = obj
    memo[id(obj)] = out
    return out


@dataclass(frozen=True)
class Checkpoint:
    """What a checkpoint holds, read without running it: ``data`` (dicts, lists, numpy arrays, Placeholders).

    ``placeholders`` names every global the file asked for that was not run (sorted, once each).
    """

    path: str
    data: Any
    placeholders: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "placeholders": list(self.placeholders)}


def read_checkpoint(path: str | Path, max_bytes: int = MAX_BYTES) -> Checkpoint:
    """Read a torch zip checkpoint without importing or calling anything it names (see the module doc).

    Raises CheckpointError (a ValueError) naming the file when it is not a torch zip archive, is
    malformed, or asks for storage outside its records or beyond ``max_bytes``.
    """
    path = Path(path)
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
            pkls = [n for n in names if n.endswith("/data.pkl") and n.count("/") == 1]
            if len(pkls) != 1:
                raise CheckpointError("not a torch zip checkpoint (expected one <prefix>/data.pkl record)")
            prefix = pkls[0][: -len("data.pkl")]
            info = zf.getinfo(pkls[0])
            if info.file_size > MAX_PICKLE_BYTES:
                raise CheckpointError(f"data.pkl has {info.file_size} bytes, more than {MAX_PICKLE_BYTES}")
            order = "little"
            if prefix + "byteorder" in names:
                order = zf.read(prefix + "byteorder").decode("ascii", "replace").strip()
                if order not in ("little", "big"):
                    raise CheckpointError(f"unknown byte order {order[:20]!r}")
            unpickler = _Unpickler(zf.read(info), zf, prefix, order, max_bytes)
            raw = unpickler.load()
        data = _plain(raw, {})
    except CheckpointError as exc:
        raise CheckpointError(f"{path}: {exc}") from None
    except (zipfile.BadZipFile, OSError) as exc:
        raise CheckpointError(f"{path}: cannot read as a torch zip checkpoint ({exc})") from None
    except (pickle.UnpicklingError, EOFError, RecursionError, MemoryError, TypeError, ValueError,
            AttributeError, IndexError, KeyError) as exc:
        raise CheckpointError(f"{path}: malformed checkpoint pickle ({type(exc).__name__}: {exc})") from None
    return Checkpoint(str(path), data, tuple(sorted(set(unpickler.log))))


def placeholder_state(obj: object) -> dict:
    """The attributes a Placeholder's object would have had (its BUILD state), or {}."""
    state = obj.state if isinstance(obj, Placeholder) else None
    if isinstance(state, tuple) and len(state) == 2 and isinstance(state[0], dict):  # (dict state, slot state)
        state = state[0]
    return state if isinstance(state, dict) else {}
