"""The record of a pool's finished jobs: an append-only journal, shards of a plan, and their merge (C7-C16 runs).

A run folder ``runs/`` holds one folder per training job (``pool.Job.folder``), ``journal.jsonl`` and
``plan.json``:

* ``journal.jsonl``: one JSON line per finished job, appended with a single ``write`` on an ``O_APPEND``
  descriptor and ``fsync``ed, so after a kill it holds every finished job and at most one torn last line,
  which ``load`` ignores (that job simply runs again; its trainer resumes from its checkpoint). A record
  holds the job key, its folder, its status, its CPU seconds, the code version and the values of its
  measures (``encode``: numbers, strings, arrays, complex numbers, tuples, dicts and the package's own
  dataclasses, exactly; a value that cannot be encoded is not stored and is measured again).
* ``plan.json``: the plan (``plan_id``: a hash of every job key of the run), the code version
  (``code_version``) and the shard this folder ran (``--shard K/N``).

Shards (``shard_of``): the plan's jobs sorted by estimated cost (then key) are dealt round robin, so every
shard of one plan gets a deterministic, balanced share. ``merge_shards`` gathers the shard folders into one
and refuses shards of different plans, code versions or shard counts, and a shard given twice.

Decoding never runs code from the file: a dataclass is rebuilt only when its class is a dataclass of the
``wavetheory`` package itself (imported by module name and checked), with its recorded fields.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import importlib
import json
import math
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any, Iterable

import numpy as np

from ..io import read_json, write_json

__all__ = ["Journal", "JOURNAL", "PLAN", "journal_key", "encode", "decode", "parse_shard", "shard_of", "plan_id", "code_version",
           "merge_shards"]

JOURNAL, PLAN = "journal.jsonl", "plan.json"
_PACKAGE = Path(__file__).resolve().parents[1]


class Journal:
    """Append-only JSON-lines file of finished jobs; each append is one ``write`` followed by ``fsync``."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def records(self) -> list[dict]:
        """Every complete record, every sitting's, in the order written; a torn last line (a kill during a write)
        is ignored."""
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return []
        end = data.rfind(b"\n") + 1  # everything after the last newline is a torn write
        records = []
        for n, line in enumerate(data[:end].splitlines(), 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
                raise ValueError(f"{self.path}: line {n} is not a JSON record ({getattr(exc, 'msg', exc)})") from None
            if not isinstance(record, dict) or not isinstance(record.get("key"), str):
                raise ValueError(f"{self.path}: line {n} is not a journal record (no key)")
            records.append(record)
        return records

    def load(self) -> dict[str, dict]:
        """The last complete record of each job key (``records``, later sittings over earlier ones)."""
        return {record["key"]: record for record in self.records()}

    def append(self, record: dict) -> None:
        """Append one record (a torn tail left by a kill is cut first, so the new line starts on its own)."""
        line = (json.dumps(record, sort_keys=True, allow_nan=False) + "\n").encode()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            size = os.fstat(fd).st_size
            if size and os.pread(fd, 1, size - 1) != b"\n":
                data = os.pread(fd, size, 0)
                os.ftruncate(fd, data.rfind(b"\n") + 1)
            os.write(fd, line)
            os.fsync(fd)
        finally:
            os.close(fd)


def journal_key(key: str) -> str:
    """A pool job's key as it is; a computation's ("call:" + function and argument repr, maybe long) hashed."""
    return key if not key.startswith("call:") else "call:" + hashlib.sha256(key.encode()).hexdigest()[:16]


# --------------------------------------------------------------------------- values, exactly


def encode(value: Any) -> Any:
    """A JSON tree that ``decode`` turns back into ``value`` exactly; TypeError for what it cannot hold."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int) and not isinstance(value, np.integer):
        return value
    if isinstance(value, float) and not isinstance(value, np.floating):
        return value if math.isfinite(value) else {"__float__": repr(value)}
    if isinstance(value, complex):
        return {"__complex__": [encode(value.real), encode(value.imag)]}
    if isinstance(value, (np.ndarray, np.generic)):
        arr = np.asarray(value)
        if arr.dtype.hasobject:
            raise TypeError("journal: arrays of Python objects are not stored")
        blob = base64.b64encode(np.ascontiguousarray(arr).tobytes()).decode()
        return {"__array__": arr.dtype.str, "shape": list(arr.shape), "data": blob, "scalar": isinstance(value, np.generic)}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, tuple):
        return {"__tuple__": [encode(v) for v in value]}
    if isinstance(value, dict):
        return {"__dict__": [[encode(k), encode(v)] for k, v in value.items()]}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        cls = type(value)
        if not cls.__module__.startswith("wavetheory.") or any(not f.init for f in dataclasses.fields(value)):
            raise TypeError(f"journal: {cls.__qualname__} is not a dataclass of the package with init fields only")
        return {"__dataclass__": f"{cls.__module__}:{cls.__qualname__}",
                "fields": {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)}}
    raise TypeError(f"journal: cannot store a {type(value).__name__}")


def decode(tree: Any) -> Any:
    """The value ``encode`` was given (ValueError for a tree it did not write)."""
    if isinstance(tree, list):
        return [decode(v) for v in tree]
    if not isinstance(tree, dict):
        return tree
    if "__float__" in tree:
        return float(tree["__float__"])
    if "__complex__" in tree:
        re, im = tree["__complex__"]
        return complex(decode(re), decode(im))
    if "__array__" in tree:
        dtype = np.dtype(tree["__array__"])
        if dtype.hasobject:
            raise ValueError("journal: an array of Python objects")
        arr = np.frombuffer(base64.b64decode(tree["data"]), dtype=dtype).reshape(tree["shape"]).copy()
        return arr[()] if tree.get("scalar") else arr
    if "__tuple__" in tree:
        return tuple(decode(v) for v in tree["__tuple__"])
    if "__dict__" in tree:
        return {_hashable(decode(k)): decode(v) for k, v in tree["__dict__"]}
    if "__dataclass__" in tree:
        module, _, name = str(tree["__dataclass__"]).partition(":")
        if not module.startswith("wavetheory."):
            raise ValueError(f"journal: {module} is not a module of the package")
        cls: Any = importlib.import_module(module)
        for part in name.split("."):
            cls = getattr(cls, part)
        if not (isinstance(cls, type) and dataclasses.is_dataclass(cls) and cls.__module__.startswith("wavetheory.")):
            raise ValueError(f"journal: {tree['__dataclass__']} is not a dataclass of the package")
        return cls(**{k: decode(v) for k, v in tree["fields"].items()})
    raise ValueError(f"journal: not an encoded value (keys {sorted(tree)[:4]})")


def _hashable(key: Any) -> Any:
    return tuple(_hashable(k) for k in key) if isinstance(key, list) else key


# --------------------------------------------------------------------------- plans, shards, code versions


def plan_id(keys: Iterable[str]) -> str:
    """The identity of a plan: a hash of its sorted job keys."""
    return hashlib.sha256("\n".join(sorted(set(keys))).encode()).hexdigest()[:16]


def parse_shard(text: str | tuple[int, int] | None) -> tuple[int, int] | None:
    """``"K/N"`` (1 <= K <= N) as (K, N); None stays None; ValueError naming --shard otherwise."""
    if text is None:
        return None
    if isinstance(text, tuple):
        k, n = text
    else:
        head, sep, tail = str(text).partition("/")
        if not (sep and head.strip().isdigit() and tail.strip().isdigit()):
            raise ValueError(f"shard: expected K/N with 1 <= K <= N (e.g. 1/2), got {text!r}")
        k, n = int(head), int(tail)
    if isinstance(k, bool) or isinstance(n, bool) or not (isinstance(k, int) and isinstance(n, int)) or not 1 <= k <= n:
        raise ValueError(f"shard: expected K/N with 1 <= K <= N (e.g. 1/2), got {text!r}")
    return k, n


def shard_of(ranked: list[str], shard: tuple[int, int]) -> set[str]:
    """The keys of shard (K, N): every N-th key of ``ranked`` (jobs sorted by decreasing cost), from the K-th."""
    k, n = shard
    return set(ranked[k - 1::n])


def code_version() -> dict[str, str | None]:
    """The code that runs: a hash of the package's Python sources, and the git commit when it is a checkout."""
    h = hashlib.sha256()
    for path in sorted(_PACKAGE.rglob("*.py")):
        h.update(str(path.relative_to(_PACKAGE)).encode() + b"\0" + path.read_bytes() + b"\0")
    try:
        commit = subprocess.run(["git", "-C", str(_PACKAGE), "rev-parse", "HEAD"], capture_output=True, text=True,
                                timeout=10).stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        commit = None
    return {"source": h.hexdigest()[:16], "commit": commit}


def merge_shards(shards: list[str | Path], out: str | Path) -> dict[str, Any]:
    """Gather the run folders and journal records of shard folders (each a pool's ``runs/``) into ``out``.

    Refuses (ValueError naming the folder) a folder without a shard's plan.json, shards of different plans,
    code versions (source hash) or shard counts, and a shard given twice. Returns what was merged.
    """
    if not shards:
        raise ValueError("merge: expected at least one shard folder")
    plans = []
    for folder in map(Path, shards):
        if not (folder / PLAN).is_file():
            raise ValueError(f"merge: {folder} holds no {PLAN} (not the runs folder of a sharded run)")
        p = read_json(folder / PLAN)
        if not isinstance(p, dict) or p.get("shard") is None:
            raise ValueError(f"merge: {folder / PLAN} is not the plan of a shard (run with --shard K/N)")
        plans.append((folder, p))
    first_folder, first = plans[0]
    seen: dict[int, Path] = {}
    for folder, p in plans:
        for field, what in (("plan", "plan"), ("shards", "shard count")):
            if p.get(field) != first.get(field):
                raise ValueError(f"merge: {folder} has another {what} than {first_folder} "
                                 f"({p.get(field)} vs {first.get(field)})")
        if p.get("code", {}).get("source") != first.get("code", {}).get("source"):
            raise ValueError(f"merge: {folder} was run by other code than {first_folder} "
                             f"(commit {p.get('code', {}).get('commit')} vs {first.get('code', {}).get('commit')})")
        k = p["shard"]
        if k in seen:
            raise ValueError(f"merge: shard {k}/{p['shards']} is given twice ({seen[k]} and {folder})")
        seen[k] = folder
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    journal, merged = Journal(out / JOURNAL), Journal(out / JOURNAL).load()
    copied = 0
    for folder, _ in plans:
        for key, record in sorted(Journal(folder / JOURNAL).load().items()):
            if record.get("status") != "ok" or merged.get(key, {}).get("status") == "ok":
                continue
            src, dst = folder / record["folder"], out / record["folder"]
            if src.resolve() != dst.resolve():
                shutil.copytree(src, dst, dirs_exist_ok=True, ignore=shutil.ignore_patterns(".lock", ".*.tmp"))
            journal.append(record)
            merged[key] = record
            copied += 1
    missing = sorted(set(range(1, first["shards"] + 1)) - set(seen))
    write_json(out / PLAN, {"plan": first["plan"], "jobs": first.get("jobs"), "code": first.get("code"), "shard": None,
                            "shards": first["shards"], "merged": sorted(seen), "missing": missing})
    return {"plan": first["plan"], "shards": sorted(seen), "missing": missing, "jobs": copied, "out": str(out)}
