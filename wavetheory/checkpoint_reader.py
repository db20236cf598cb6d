"""Read a torch zip checkpoint (``torch.save``, a PyTorch Lightning ``.ckpt``) without running anything from it.

A checkpoint is a zip archive: ``<prefix>/data.pkl`` is a pickle, and the raw bytes of each tensor
storage lie in ``<prefix>/data/<key>``. The pickle refers to a storage by the persistent id
``("storage", <storage type>, key, location, numel)`` and builds a tensor by calling
``torch._utils._rebuild_tensor_v2(storage, offset, size, stride, ...)``. Lightning checkpoints also
pickle the model object (e.g. the authors' ``em_discrete.models.rnn_model.RNNModel``), which
``torch.load(weights_only=True)`` refuses; ``weights_only=False`` would run whatever the file names.

This reader runs the pickle with the pure-Python unpickler (a dict memo: the C one fills a 16 GiB
table for a 10-byte ``LONG_BINPUT 2**31``), restricted: a global that only serves to run code
(``os.system``, ``builtins.eval``, ``subprocess.Popen``, ...: ``io.dangerous_global``) makes the file
refused, as ``weights_only=True`` would; the tensor rebuild functions map to our own versions (a
numpy array cut out of the storage, bounds checked); storage types and dtypes to inert markers;
``OrderedDict``, ``set``, ``frozenset``, ``torch.device``, ``torch.Size`` and ``_codecs.encode`` to
small safe versions; every other name (a model class, ...) to a placeholder type whose calls return
an inert ``Placeholder`` recording name, arguments and state. Nothing from the file is imported or
called: the worst a file can do is fail to load (``CheckpointError``, a ValueError of one line).

Memory is bounded by the limit (``WAVETHEORY_MAX_BYTES``): only regular files are opened; the pickle
may have 1/``PICKLE_FRACTION`` of the limit (a pickle byte builds at most ~250 bytes of objects);
the storages read, the tensors copied out of them (a C-contiguous tensor is a view, not a copy)
and the containers built by the file's calls share one budget, the limit. Tensors come back as
numpy arrays (bfloat16 as float32), foreign objects as Placeholders (``placeholder_state``).
"""

from __future__ import annotations

import collections
import contextlib
import io
import os
import pickle
import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np

from ._validate import MEMORY_ENV, format_bytes, memory_limit
from .io import PICKLE_FRACTION, check_zip_members, dangerous_global, open_input, pickle_limit

__all__ = ["CheckpointError", "Placeholder", "Checkpoint", "read_checkpoint", "placeholder_state", "check_torch_file",
           "dangerous_global", "pickle_limit", "PICKLE_FRACTION"]

_SETS = (list, tuple, set, frozenset)  # what the file's set() / frozenset() calls may take
_CHUNK = 1 << 20  # storages are read into their array in chunks of this many bytes
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


class _Array(_Inert):
    __slots__ = ("array", "dtype")

    def __init__(self, array: np.ndarray, dtype: str) -> None:
        self.array, self.dtype = array, dtype


class _Storage(_Array):  # array: the whole storage, 1-D, in its dtype
    __slots__ = ()


class _Tensor(_Array):
    __slots__ = ()


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


def _view(storage: object, offset: object, size: object, stride: object, spend: Callable[[int], None]) -> _Tensor:
    """The strided view (size, stride, offset in elements) of a storage, after bounds checks: a slice when
    C-contiguous, else a copy (overlapping, stride 0, transposed) paid from the file's budget (``spend``)."""
    if not isinstance(storage, _Storage):
        raise CheckpointError(f"a tensor is built from {type(storage).__name__}, not from a storage of the file")
    size, stride = tuple(size) if isinstance(size, (tuple, list)) else size, tuple(stride) if isinstance(stride, (tuple, list)) else stride
    if not (_is_int(offset) and offset >= 0 and isinstance(size, tuple) and isinstance(stride, tuple)
            and len(size) == len(stride) and len(size) <= 64 and all(_is_int(v) and v >= 0 for v in size + stride)):
        raise CheckpointError("a tensor has a malformed offset, size or stride")
    count = int(np.prod(size, dtype=object)) if size else 1
    arr = storage.array
    if count == 0:
        return _Tensor(np.zeros(size, dtype=arr.dtype), storage.dtype)
    stride = tuple(st if n > 1 else 0 for n, st in zip(size, stride))  # a stride of a length-1 axis is never used
    last = offset + sum((n - 1) * st for n, st in zip(size, stride))
    if last >= arr.size:
        raise CheckpointError(f"a tensor reaches element {last} of a storage of {arr.size} elements")
    contiguous = [int(np.prod(size[i + 1:], dtype=object)) for i in range(len(size))]
    if all(n == 1 or st == c for n, st, c in zip(size, stride, contiguous)):
        view = arr[offset: offset + count].reshape(size)
    else:
        spend(count * arr.itemsize)
        view = np.lib.stride_tricks.as_strided(arr[offset:], shape=size, strides=tuple(st * arr.itemsize for st in stride)).copy()
    if storage.dtype == "bfloat16":  # the raw 16 bits are the top half of a float32
        spend(count * 8)
        view = (view.astype(np.uint32) << 16).view(np.float32)
    return _Tensor(view, storage.dtype)


# --------------------------------------------------------------------------- the unpickler


class _Unpickler(pickle._Unpickler):  # pure Python: a dict memo (the C one sizes its memo by the index)
    def __init__(self, data: bytes, zf: zipfile.ZipFile, prefix: str, order: str, max_bytes: int) -> None:
        super().__init__(io.BytesIO(data), encoding="utf-8")
        self._zf, self._prefix, self._order = zf, prefix, order
        self._max_bytes, self._read = max_bytes, 0
        self._storages: dict[str, _Storage] = {}
        self._types: dict[str, type] = {}  # the placeholder type of each unknown global named
        self._safe = self._whitelist()

    def _spend(self, nbytes: int) -> None:  # pay from the file's budget (storages, copies, containers)
        self._read += int(nbytes)
        if self._read > self._max_bytes:
            raise CheckpointError(f"reading it needs more than the limit of {format_bytes(self._max_bytes)} "
                                  f"(set {MEMORY_ENV} to raise it)")

    def _tensor(self, storage, offset, size, stride, *_rest, **_kw):
        return _view(storage, offset, size, stride, self._spend)

    def _tensor_v3(self, storage, offset, size, stride, requires_grad=False, hooks=None, dtype=None, *_rest):
        if isinstance(dtype, _Marker) and dtype.dtype is not None and isinstance(storage, _Storage) \
                and dtype.dtype != storage.dtype:  # an untyped storage read as the tensor's dtype
            raw = storage.array.view(np.uint8)
            want = _np_dtype(dtype.dtype, "=")
            if raw.size % want.itemsize:
                raise CheckpointError("a storage's size is not a multiple of its tensor's element size")
            storage = _Storage(raw.view(want), dtype.dtype)
        return _view(storage, offset, size, stride, self._spend)

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

    def _paid(self, make: Callable, kinds: tuple = (list, tuple)) -> Callable:
        """``make(items, ...)`` (OrderedDict, set, Size, encode), paid for: the file may call it on one big list again and again."""
        def call(items: object = (), *_args: Any) -> Any:
            items = items if isinstance(items, kinds) else ()
            self._spend(64 * len(items) + 64)
            return make(items, *_args)
        return call

    def _whitelist(self) -> dict[tuple[str, str], object]:
        table: dict[tuple[str, str], object] = {}
        for module, name, fn in (
            ("torch._utils", "_rebuild_tensor", self._tensor), ("torch._utils", "_rebuild_tensor_v2", self._tensor),
            ("torch._utils", "_rebuild_tensor_v3", self._tensor_v3), ("torch._utils", "_rebuild_parameter", self._parameter),
            ("torch._utils", "_rebuild_parameter_with_state", self._parameter),
            ("torch._tensor", "_rebuild_from_type_v2", self._from_type),
            ("collections", "OrderedDict", self._paid(collections.OrderedDict)), ("torch", "Size", self._paid(tuple)),
            ("builtins", "set", self._paid(set, _SETS)), ("__builtin__", "set", self._paid(set, _SETS)),
            ("builtins", "frozenset", self._paid(frozenset, _SETS)), ("__builtin__", "frozenset", self._paid(frozenset, _SETS)),
            ("torch", "device", _device), ("_codecs", "encode", self._paid(_encode, (str,))),
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
        if dangerous_global(*key):
            raise CheckpointError(f"refused: the pickle names {full[:100]}, a global that would run code if loaded")
        if full not in self._types:
            self._spend(2048)  # a type object and its name: a 7-byte GLOBAL opcode costs that much
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
        self._spend(nbytes)
        record = f"{self._prefix}data/{key}"
        try:
            info = self._zf.getinfo(record)
        except KeyError:
            raise CheckpointError(f"storage record {record} is missing") from None
        if info.file_size < nbytes:
            raise CheckpointError(f"storage record {record} has {info.file_size} bytes, needs {nbytes}")
        array = np.empty(numel, dtype=dtype)
        raw = array.view(np.uint8)
        with self._zf.open(info) as fh:  # in chunks straight into the array: the storage is held once
            for start in range(0, nbytes, _CHUNK):
                chunk = fh.read(min(_CHUNK, nbytes - start))
                if len(chunk) != min(_CHUNK, nbytes - start):
                    raise CheckpointError(f"storage record {record} ends early")
                raw[start: start + len(chunk)] = np.frombuffer(chunk, dtype=np.uint8)
        if not dtype.isnative and dtype.itemsize > 1:
            array = array.byteswap(inplace=True).view(dtype.newbyteorder("="))
        storage = _Storage(array, stype.dtype)
        self._storages[key] = storage
        return storage


def _device(kind: object = "cpu", index: object = None) -> str:
    return f"cuda:{kind}" if _is_int(kind) else f"{kind}:{index}" if _is_int(index) else str(kind)


def _encode(text: object, encoding: str = "utf-8", errors: str = "strict") -> bytes:
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise CheckpointError("_codecs.encode is read only for latin-1 text (protocol-2 bytes)")
    return text.encode("latin1")


def _plain(obj: Any, memo: dict[int, Any]) -> Any:
    """The unpickled tree with tensors as numpy arrays and storages/markers as their names."""
    if id(obj) in memo:
        return memo[id(obj)]
    if isinstance(obj, _Array):  # a tensor or a storage
        out: Any = obj.array
    elif isinstance(obj, (_Marker, _Safe)):
        out = repr(obj)
    elif isinstance(obj, dict):
        out = memo[id(obj)] = collections.OrderedDict() if isinstance(obj, collections.OrderedDict) else {}
        for k, v in obj.items():
            out[k] = _plain(v, memo)
        return out
    elif isinstance(obj, list):
        out = memo[id(obj)] = []
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


@contextlib.contextmanager
def _open_zip(fh: Any) -> Iterator[tuple[zipfile.ZipFile, str, zipfile.ZipInfo]]:
    """The torch zip archive in ``fh``, its record prefix and its data.pkl record, after the size checks."""
    with zipfile.ZipFile(fh) as zf:
        infos = zf.infolist()
        pkls = [i for i in infos if i.filename.endswith("/data.pkl") and i.filename.count("/") == 1]
        if len(pkls) != 1:
            raise CheckpointError("not a torch zip checkpoint (expected one <prefix>/data.pkl record)")
        for members, limit, what in (([i for i in infos if i is not pkls[0]], memory_limit(), "the storages"),
                                     (pkls, pickle_limit(), "the pickle (data.pkl)")):
            try:
                check_zip_members(members, limit)
            except ValueError as exc:
                raise CheckpointError(f"{what}: {exc}") from None
        yield zf, pkls[0].filename[: -len("data.pkl")], pkls[0]


def check_torch_file(path: str | Path) -> None:
    """Refuse before ``torch.load`` (CheckpointError naming it) a file over the limits of ``read_checkpoint``.

    A zip bomb is caught by the sizes the archive declares (zipfile and torch read no further); a
    legacy (non-zip) torch file is one pickle stream, bounded as a pickle.
    """
    path = Path(path)
    with open_input(path, "a torch file") as fh:
        try:
            if not zipfile.is_zipfile(fh):
                size = os.fstat(fh.fileno()).st_size
                if size > pickle_limit():
                    raise CheckpointError(f"a legacy (non-zip) torch file of {format_bytes(size)}, more than the "
                                          f"{format_bytes(pickle_limit())} allowed for a pickle (set {MEMORY_ENV} to raise it)")
                return
            with _open_zip(fh):
                pass
        except CheckpointError as exc:
            raise CheckpointError(f"{path}: {exc}") from None
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise CheckpointError(f"{path}: cannot read as a torch file ({_line(exc)})") from None


def read_checkpoint(path: str | Path, max_bytes: int | None = None) -> Checkpoint:
    """Read a torch zip checkpoint without importing or calling anything it names (see the module doc).

    ``max_bytes`` (default: the memory limit) bounds the storages read, the tensors copied and the
    containers built together. Raises CheckpointError (a ValueError) naming the file when it is
    not a regular file or not a torch zip archive, is malformed, names a dangerous global, or
    asks for storage outside its records or beyond the limits.
    """
    path = Path(path)
    max_bytes = memory_limit() if max_bytes is None else max_bytes
    with open_input(path, "a checkpoint") as fh:  # a ValueError naming the file when it is not a regular file
        try:
            with _open_zip(fh) as (zf, prefix, info):
                order = "little"
                if prefix + "byteorder" in zf.namelist():
                    order = zf.read(prefix + "byteorder").decode("ascii", "replace").strip()
                    if order not in ("little", "big"):
                        raise CheckpointError(f"unknown byte order {order[:20]!r}")
                unpickler = _Unpickler(zf.read(info), zf, prefix, order, max_bytes)
                raw = unpickler.load()
            data = _plain(raw, {})
        except CheckpointError as exc:
            raise CheckpointError(f"{path}: {exc}") from None
        except (zipfile.BadZipFile, OSError, zlib.error, NotImplementedError, RuntimeError) as exc:
            raise CheckpointError(f"{path}: cannot read as a torch zip checkpoint ({_line(exc)})") from None
        except (pickle.UnpicklingError, EOFError, RecursionError, MemoryError, TypeError, ValueError, OverflowError,
                AttributeError, IndexError, KeyError) as exc:
            raise CheckpointError(f"{path}: malformed checkpoint pickle ({type(exc).__name__}: {_line(exc)})") from None
    return Checkpoint(str(path), data, tuple(sorted(unpickler._types)))


def _line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:200] or type(exc).__name__


def placeholder_state(obj: object) -> dict:
    """The attributes a Placeholder's object would have had (its BUILD state), or {}."""
    state = obj.state if isinstance(obj, Placeholder) else None
    if isinstance(state, tuple) and len(state) == 2 and isinstance(state[0], dict):  # (dict state, slot state)
        state = state[0]
    return state if isinstance(state, dict) else {}
