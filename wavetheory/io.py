"""Files: atomic output, one writer per output folder, and safe reading of untrusted input.

Writing: every writer goes through ``atomic_write``: the bytes land in a temporary file in the
target's folder, are flushed to disk, and replace the target with ``os.replace`` (atomic on
POSIX), so a reader sees either the old file or the complete new one. A kill during the write
can leave only the temporary ``.NAME.*.tmp``, which ``remove_temporaries`` deletes on the next
run in that folder. JSON is strict: a non-finite float becomes ``null``.

Locking: ``locked_folder`` validates an output folder before any work, creates it, and holds an
exclusive ``flock`` on ``FOLDER/.lock`` while a run writes there, so two runs on one folder
cannot interleave their files (the second is refused at once).

Reading: ``read_json`` and ``read_npz`` treat every file as hostile: only regular files are
opened (``open_input``: a FIFO, a device such as /dev/zero or a folder is refused at once,
without blocking), the bytes read never exceed the bound whatever ``st_size`` says, sizes are
bounded by the memory limit (``_validate.memory_limit``), JSON nesting by ``MAX_JSON_DEPTH``,
npz archives are read with ``allow_pickle=False`` after their headers are checked against the
member sizes, and every failure (empty, truncated, bad CRC, corrupt deflate stream, lying
header, pickle, encrypted member) is one ValueError naming the file.
"""

from __future__ import annotations

import ast
import contextlib
import io
import json
import math
import os
import stat
import tempfile
import zipfile
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np

from ._validate import MEMORY_ENV, format_bytes, memory_limit

__all__ = ["atomic_write", "write_text", "write_json", "json_text", "save_npz", "read_json", "parse_json",
           "check_depth", "read_bounded", "read_npz", "open_input", "input_limit",
           "check_zip_members", "dangerous_global", "pickle_limit", "PICKLE_FRACTION", "die_with_parent", "locked_folder", "remove_temporaries", "LOCK", "MAX_JSON_DEPTH"]

JSON_FRACTION = 32  # a JSON or TOML input may be 1/32 of the memory limit (parsed, `[{},{},...]` costs ~25x its text)
LOCK = ".lock"  # the lock file of an output folder (locked_folder)
MAX_JSON_DEPTH = 32  # nesting levels of a JSON input (lags are 3, a sweep config 4); numpy arrays stop at 32-64

_UMASK = os.umask(0)
os.umask(_UMASK)


def atomic_write(path: str | Path, write: Callable[[Any], None], binary: bool = True) -> Path:
    """Call ``write(fh)`` on a temporary file and move it onto ``path`` atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp creates 0600; give the file the permissions open() would
    try:
        with os.fdopen(fd, "wb" if binary else "w") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def write_text(path: str | Path, text: str) -> Path:
    """Write text atomically."""
    return atomic_write(path, lambda fh: fh.write(text), binary=False)


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, (np.floating, np.integer, np.bool_)):
        return obj.item()
    if isinstance(obj, (complex, np.complexfloating)):
        return [obj.real, obj.imag]
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"not JSON serializable: {type(obj).__name__}")


def _strict(obj: Any) -> Any:
    """``obj`` as plain JSON data: numpy and complex converted, every non-finite float replaced by None."""
    if isinstance(obj, dict):
        return {k: _strict(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_strict(v) for v in obj]
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if obj is None or isinstance(obj, (str, int, bool)):
        return obj
    return _strict(_jsonable(obj))


def json_text(obj: Any, indent: int | None = None) -> str:
    """Strict JSON text of ``obj``: numpy scalars and arrays converted, NaN and infinities written as null.

    >>> json_text({"x": float("nan"), "y": np.arange(2)})
    '{"x": null, "y": [0, 1]}'
    """
    return json.dumps(_strict(obj), indent=indent, allow_nan=False)


def write_json(path: str | Path, obj: Any) -> Path:
    """Write strict JSON atomically (numpy converted, non-finite floats as null)."""
    return write_text(path, json_text(obj, indent=2) + "\n")


def check_depth(obj: Any, source: str, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """``obj`` if its lists and dicts nest at most ``max_depth`` levels, else a ValueError naming ``source``."""
    if not isinstance(obj, (list, tuple, dict)):
        return obj
    stack = [iter(obj.values() if isinstance(obj, dict) else obj)]  # one iterator per open level: O(depth) memory
    while stack:
        for item in stack[-1]:
            if isinstance(item, (list, tuple, dict)):
                if len(stack) >= max_depth:
                    raise ValueError(f"{source}: nested deeper than {max_depth} levels")
                stack.append(iter(item.values() if isinstance(item, dict) else item))
                break
        else:
            stack.pop()
    return obj


def parse_json(data: bytes | str, source: str) -> Any:
    """Parse JSON text from an untrusted source: one ValueError naming ``source`` for any defect."""
    try:
        obj = json.loads(data)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{source}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    except UnicodeDecodeError as exc:
        raise ValueError(f"{source}: not valid JSON (not UTF-8 text: {exc.reason})") from None
    except RecursionError:
        raise ValueError(f"{source}: nested deeper than {MAX_JSON_DEPTH} levels") from None
    except ValueError as exc:  # an integer of more than 4300 digits (sys.set_int_max_str_digits)
        raise ValueError(f"{source}: not valid JSON ({' '.join(str(exc).split())[:200]})") from None
    return check_depth(obj, source)


def open_input(path: str | Path, what: str = "an input") -> io.BufferedReader:
    """``path`` opened for binary reading if it is a regular file; else one ValueError naming it.

    The file is opened non-blocking and checked with ``fstat`` on the open descriptor, so a FIFO
    (which would block until a writer appears), a device (/dev/zero never ends) or a folder is
    refused at once, and nothing can swap the file between the check and the read.
    """
    path = Path(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise ValueError(f"{path}: cannot read {what} ({exc.strerror or exc})") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = ("a folder" if stat.S_ISDIR(mode) else "a FIFO (named pipe)" if stat.S_ISFIFO(mode)
                    else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "a socket" if stat.S_ISSOCK(mode)
                    else "not a regular file")
            raise ValueError(f"{path}: {kind}, not a regular file; {what} must be a file")
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _too_big(path: Path, size: int, limit: int, what: str) -> ValueError:
    return ValueError(f"{path}: {format_bytes(size)} is more than the {format_bytes(limit)} allowed for {what} "
                      f"(set {MEMORY_ENV} to raise the limit)")


def input_limit(fraction: int = 1) -> int:
    """The bytes an input file may have: ``memory_limit() // fraction`` (1/32 for JSON and TOML)."""
    return max(memory_limit() // fraction, 1)


def read_bounded(path: str | Path, limit: int, what: str) -> bytes:
    """The bytes of the regular file ``path`` if it holds at most ``limit`` bytes, else one ValueError naming it.

    At most ``limit + 1`` bytes are ever read, whatever ``st_size`` claims (a file that grows, /proc).
    """
    path = Path(path)
    with open_input(path, what) as fh:
        try:
            size = os.fstat(fh.fileno()).st_size
            if size > limit:
                raise _too_big(path, size, limit, what)
            data = fh.read(limit + 1)
        except OSError as exc:
            raise ValueError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if len(data) > limit:
        raise _too_big(path, len(data), limit, what)
    return data


def read_json(path: str | Path) -> Any:
    """Read a JSON file, raising one ValueError naming the file when it is missing, too large, too deep or malformed."""
    path = Path(path)
    return parse_json(read_bounded(path, input_limit(JSON_FRACTION), "a JSON input"), str(path))


def save_npz(path: str | Path, **arrays: np.ndarray) -> Path:
    """``np.savez`` atomically (the archive is built in memory, then moved into place)."""
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return atomic_write(path, lambda fh: fh.write(buf.getvalue()))


def _npy_header(fh: Any) -> tuple[tuple[int, ...], np.dtype, int]:
    """(shape, dtype, header length) of a .npy stream, parsed without allocating the array."""
    major, minor = np.lib.format.read_magic(fh)
    if (major, minor) not in ((1, 0), (2, 0), (3, 0)):
        raise ValueError(f"unsupported .npy version {major}.{minor}")
    size_bytes = 2 if major == 1 else 4
    hlen = int.from_bytes(fh.read(size_bytes), "little")
    if hlen > 100_000:
        raise ValueError(f"a .npy header of {hlen} bytes")
    raw = fh.read(hlen)
    header = ast.literal_eval(raw.decode("latin1" if major < 3 else "utf8"))  # literals only: no code runs
    if not isinstance(header, dict) or {"descr", "fortran_order", "shape"} - header.keys():
        raise ValueError("a malformed .npy header")
    shape = header["shape"]
    if not isinstance(shape, tuple) or not all(isinstance(n, int) and n >= 0 for n in shape):
        raise ValueError(f"a malformed .npy shape {shape!r}")
    dtype = np.lib.format.descr_to_dtype(header["descr"])
    return shape, dtype, 8 + size_bytes + hlen


def read_npz(path: str | Path) -> dict[str, np.ndarray]:
    """The arrays of an ``.npz`` archive, read as untrusted input (never unpickles, never over-allocates).

    Each member's header is checked first: no object dtype (pickle), and a size that the member
    really holds and that fits the memory limit. Any defect is one ValueError naming the file.
    """
    path = Path(path)
    limit = memory_limit()
    with open_input(path, "an .npz archive") as fh:
        size = os.fstat(fh.fileno()).st_size
        try:
            return _npz_arrays(fh, limit)
        except _Refused as exc:
            raise ValueError(f"{path}: not a readable .npz archive: {exc}") from None
        except MemoryError:
            raise
        except Exception as exc:  # BadZipFile, zlib.error, EOFError, a bad header, an unsupported zip feature, ...
            detail = " ".join(str(exc).split())[:200] or type(exc).__name__
            raise ValueError(f"{path}: not a readable .npz archive ({detail}; {size} bytes)") from None


def _npz_arrays(fh: Any, limit: int) -> dict[str, np.ndarray]:
    with zipfile.ZipFile(fh) as zf:
        members = zf.infolist()
        check_zip_members(members, limit)
        arrays = {}
        for m in members:
            if not m.filename.endswith(".npy"):
                raise _Refused(f"member {m.filename!r} is not a .npy array")
            with zf.open(m) as member:
                shape, dtype, header_len = _npy_header(member)
            if dtype.hasobject:
                raise _Refused(f"{m.filename} holds Python objects (a pickle); refused (allow_pickle=False)")
            count = math.prod(shape)
            if dtype.itemsize == 0 and count:  # numpy would allocate the elements anyway (as U1 / S1 / V1)
                raise _Refused(f"{m.filename}: {count} elements of the zero-size type {dtype.str}")
            nbytes = count * dtype.itemsize
            if header_len + nbytes != m.file_size:
                raise _Refused(f"{m.filename}: its header claims {format_bytes(nbytes)} of data, the member holds "
                               f"{format_bytes(max(m.file_size - header_len, 0))}")
            with zf.open(m) as member:  # read in chunks straight into the array: no second copy
                arrays[m.filename[:-4]] = np.lib.format.read_array(member, allow_pickle=False)
        return arrays


def check_zip_members(members: list[zipfile.ZipInfo], limit: int) -> None:
    """Refuse (``_Refused``) encrypted members, compressions other than stored / deflate, and more than ``limit`` bytes."""
    claimed = sum(m.file_size for m in members)
    if claimed > limit:
        raise _Refused(f"its members hold {format_bytes(claimed)}, more than the limit of {format_bytes(limit)} "
                       f"(set {MEMORY_ENV} to raise it)")
    for m in members:
        if m.flag_bits & 0x1:
            raise _Refused(f"member {m.filename!r} is encrypted")
        if m.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _Refused(f"member {m.filename!r} uses compression method {m.compress_type} (only stored and deflate are read)")


class _Refused(ValueError):
    """A defect found by read_npz's own checks (its message is already the explanation)."""


# --------------------------------------------------------------------------- pickles (checkpoint_reader, torch.load)

# globals that only serve to run code: a file naming one is hostile whatever else it holds
_DANGEROUS_MODULES = frozenset({
    "os", "posix", "nt", "posixpath", "ntpath", "subprocess", "_posixsubprocess", "sys", "importlib", "imp", "runpy",
    "code", "codeop", "ctypes", "_ctypes", "marshal", "pickle", "_pickle", "cPickle", "dill", "shelve", "shutil",
    "socket", "_socket", "pty", "pdb", "bdb", "webbrowser", "multiprocessing", "signal", "io", "_io", "operator",
    "_operator", "types", "gc", "inspect", "pydoc", "timeit", "trace", "threading", "_thread", "asyncio", "commands",
    "popen2", "platform", "sysconfig", "site", "zipimport", "pkgutil", "builtins.__import__", "nturl2path",
})
_DANGEROUS_NAMES = frozenset({  # as any dotted part of the global's name (builtins.eval, torch.serialization.load, ...)
    "eval", "exec", "execfile", "compile", "system", "popen", "spawn", "spawnv", "spawnl", "execv", "execve", "fork",
    "__import__", "import_module", "getattr", "setattr", "delattr", "globals", "locals", "vars", "breakpoint",
    "input", "open", "__getattribute__", "__subclasses__", "__globals__", "__builtins__", "__code__", "__class__",
    "__bases__", "__mro__", "__dict__", "__reduce__", "__reduce_ex__", "__init_subclass__", "load", "loads",
    "_load", "_loads", "apply", "exit", "quit", "help", "memoryview", "call", "check_call", "check_output", "run",
    "Popen", "hub", "jit", "package", "f2py", "distutils",
})


def dangerous_global(module: str, name: str) -> bool:
    """True when the global ``module.name`` can only serve to run code (a file naming it is refused).

    >>> dangerous_global("posix", "system"), dangerous_global("em_discrete.models.rnn_model", "RNNModel")
    (True, False)
    """
    parts = f"{module}.{name}".split(".")
    return parts[0] in _DANGEROUS_MODULES or any(p in _DANGEROUS_NAMES for p in parts)


MAX_PICKLE_BYTES = 256 << 20  # a pickle program (a checkpoint's data.pkl), whatever the memory limit
PICKLE_FRACTION = 512  # a pickle may be 1/512 of the memory limit: one EMPTY_SET byte builds a 216-byte set


def pickle_limit() -> int:
    """The most bytes a checkpoint's pickle program may have: 1/``PICKLE_FRACTION`` of the memory limit."""
    return min(MAX_PICKLE_BYTES, max(memory_limit() // PICKLE_FRACTION, 1))


# --------------------------------------------------------------------------- one writer per folder


def remove_temporaries(folder: str | Path) -> int:
    """Delete the ``.NAME.*.tmp`` files a killed ``atomic_write`` left in ``folder``; returns how many.

    Call it only while holding the folder's lock (``locked_folder``): then no writer is live there.
    """
    n = 0
    for p in Path(folder).glob(".*.tmp"):
        with contextlib.suppress(FileNotFoundError):
            p.unlink()
            n += 1
    return n


def _lock(path: Path, what: str) -> int:
    """An exclusive flock on ``path`` (created if needed), or ValueError when another process holds it."""
    import fcntl

    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise ValueError(f"{what}: another run is writing to {path.parent} (it holds {path.name})") from None
        # the previous holder unlinks the file before it unlocks: make sure we locked the file now at ``path``
        try:
            same = os.path.samestat(os.fstat(fd), os.stat(path))
        except FileNotFoundError:
            same = False
        if same:
            return fd
        os.close(fd)


@contextlib.contextmanager
def locked_folder(path: str | Path, what: str = "out") -> Iterator[Path]:
    """Validate, create and exclusively lock the output folder ``path`` while a run writes there.

    Raises ValueError naming ``what`` when ``path`` is a file, cannot be created, is not writable
    or is locked by another run. On exit the temporaries of interrupted writes and the lock file are
    removed; a folder this call created is removed again if the run left it empty (a failed run
    leaves nothing behind).
    """
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise ValueError(f"{what}: {path} is a file, expected a folder")
    created = [p for p in (path, *path.parents) if not p.exists()]
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ValueError(f"{what}: cannot create {path} ({exc.strerror or exc})") from None
    try:
        if not os.access(path, os.W_OK | os.X_OK):
            raise ValueError(f"{what}: {path} is not writable")
        try:
            fd = _lock(path / LOCK, what)
        except ImportError:  # pragma: no cover - no fcntl (Windows): no advisory locks
            fd = None
        try:
            yield path
        finally:
            remove_temporaries(path)  # ours to clean while we hold the lock: an interrupted write's leftovers
            if fd is not None:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(path / LOCK)
                os.close(fd)
    finally:
        for p in created:  # innermost first; only what is still empty
            try:
                p.rmdir()
            except OSError:
                break


def die_with_parent() -> None:
    """``preexec_fn`` of a child process: the kernel SIGKILLs it when its parent dies, even by SIGKILL (Linux).

    ``subprocess.Popen(..., preexec_fn=die_with_parent)``; elsewhere it does nothing (the child outlives
    a killed parent until it ends).
    """
    import ctypes
    import signal
    import sys

    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG = 1
