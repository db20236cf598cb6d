"""The results of a sweep: an append-only journal of records and the CSV table built from it.

Durability argument (no finished cell is lost, no half record is read): a record is one JSON
line appended with a single ``write`` on an ``O_APPEND`` descriptor and ``fsync``ed before the
driver does anything else, so after a kill the journal holds every recorded cell followed by
at most one torn line (no trailing newline); ``Journal.load`` ignores that tail and
``load(repair=True)`` cuts it off before new records are appended (its cell simply runs
again). Only the driver writes the journal (a lock file enforces one driver per folder). The
table ``results.csv`` is derived data, rewritten in full through ``io.atomic_write`` (temporary
file, fsync, ``os.replace``) after every record, so a reader sees the old or the new table,
never a partial one; ``read_results`` prefers the journal when both exist.
"""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from ..jsonable import dumps
from ..io import JSON_FRACTION, atomic_write, input_limit, parse_json, read_bounded

__all__ = ["Journal", "latest", "write_table", "read_results", "JOURNAL", "TABLE", "NONDETERMINISTIC_FIELDS"]

JOURNAL, TABLE = "results.jsonl", "results.csv"
# record fields that depend on the machine or the clock, not on the cell (left out when comparing)
NONDETERMINISTIC_FIELDS = frozenset(
    {"wall_seconds", "host", "pid", "attempt", "train_seconds", "seconds_per_step", "target_wall"}
)
# leading columns of the table, in order; the rest follow alphabetically
_FRONT = ("cell_id", "index", "task", "task_name", "d", "s", "task_seed", "seed", "hidden", "init",
          "steps", "realizable", "active_lags", "status", "error_type", "error")


class Journal:
    """Append-only JSON-lines file of records; each append is one ``write`` followed by ``fsync``."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def load(self, repair: bool = False) -> list[dict]:
        """All complete records; a torn last line (a kill during a write) is ignored, or cut with ``repair``."""
        if not self.path.exists():
            return []
        data = read_bounded(self.path, input_limit(JSON_FRACTION), "a sweep journal")  # regular file, bounded size
        end = data.rfind(b"\n") + 1  # everything after the last newline is a torn write
        records = []
        for n, line in enumerate(data[:end].splitlines(), 1):
            if line.strip():
                try:
                    record = parse_json(line, "")  # bounded nesting
                except ValueError as exc:
                    raise ValueError(f"{self.path}: line {n} is not a JSON record{str(exc)[1:]}") from None
                if not isinstance(record, dict) or not isinstance(record.get("cell_id"), str):
                    raise ValueError(f"{self.path}: line {n} is not a sweep record (no cell_id)")
                records.append(record)
        if repair and end < len(data):
            os.truncate(self.path, end)
        return records

    def append(self, record: dict) -> None:
        line = (dumps(record, sort_keys=True) + "\n").encode()  # the project's one JSON rule: NaN -> null
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line)
            os.fsync(fd)
        finally:
            os.close(fd)




def latest(records: list[dict]) -> dict[str, dict]:
    """The last record of each cell id (a retried cell replaces its earlier record)."""
    return {r["cell_id"]: r for r in records}


def write_table(path: str | Path, records: list[dict]) -> Path:
    """Write records as CSV atomically: identifying columns first, then the rest by name."""
    keys = {k for r in records for k in r}
    columns = [k for k in _FRONT if k in keys] + sorted(keys - set(_FRONT))
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for r in sorted(records, key=lambda r: (r.get("index") is None, r.get("index") or 0, r["cell_id"])):
        writer.writerow({k: ("" if r.get(k) is None else r[k]) for k in columns})
    return atomic_write(path, lambda fh: fh.write(buf.getvalue()), binary=False)


def _parse_cell(text: str) -> Any:
    if text == "":
        return None
    if text in ("True", "False"):
        return text == "True"
    for conv in (int, float):
        try:
            return conv(text)
        except ValueError:
            pass
    return text


def read_results(path: str | Path) -> list[dict]:
    """Records of a sweep folder (its journal, else its CSV table) or of a CSV table file."""
    path = Path(path)
    if path.is_dir():
        if (path / JOURNAL).exists():
            return list(latest(Journal(path / JOURNAL).load()).values())
        path = path / TABLE
    raw = read_bounded(path, input_limit(JSON_FRACTION), "results")  # a regular file, bounded size
    try:
        rows = list(csv.DictReader(io.StringIO(raw.decode())))
    except (csv.Error, UnicodeDecodeError) as exc:  # a field over csv.field_size_limit(), a NUL byte, not UTF-8
        raise ValueError(f"{path}: not a readable results table ({' '.join(str(exc).split())[:200]})") from None
    if rows and "cell_id" not in rows[0]:
        raise ValueError(f"{path}: not a sweep results table (no cell_id column)")
    records = [{k: (v if k in ("cell_id", "active_lags") else _parse_cell(v)) for k, v in row.items()} for row in rows]
    for r in records:  # identifiers stay text even when they look like numbers
        r["error"] = None if r.get("error") is None else str(r["error"])
    return records
