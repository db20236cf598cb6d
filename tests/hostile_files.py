"""Broken and hostile input files, shared by the io, weights, CLI and fuzz tests.

Each ``NPZ`` entry maps a name to a function ``(good_npz_bytes) -> bytes`` that damages a valid
archive the way a failing disk, an interrupted copy or an attacker would; each ``JSON`` entry is
the text of a hostile JSON document. Every one of them must be refused by the readers with one
ValueError naming the file (never a traceback, never code run, never a huge allocation).
"""

from __future__ import annotations

import io
import pickle
import struct
import zipfile

import numpy as np


def good_npz(**arrays: np.ndarray) -> bytes:
    """A valid compressed archive (deflate, so that the deflate stream itself can be damaged)."""
    buf = io.BytesIO()
    np.savez_compressed(buf, **(arrays or {"W_hh": np.eye(4), "W_uh": np.ones((4, 2)), "W_hy": np.ones((2, 4))}))
    return buf.getvalue()


def _first_member(data: bytes) -> tuple[int, int]:
    """(offset of the first member's compressed data, its compressed size), from the central directory."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        info = zf.infolist()[0]
    nlen, xlen = struct.unpack("<HH", data[info.header_offset + 26 : info.header_offset + 30])
    return info.header_offset + 30 + nlen + xlen, info.compress_size


def truncated(data: bytes) -> bytes:
    return data[: len(data) // 2]


def empty(data: bytes) -> bytes:
    return b""


def bad_crc(data: bytes) -> bytes:
    """Flip the stored CRC-32 of the first member in the central directory (the one zipfile checks)."""
    out = bytearray(data)
    central = data.find(b"PK\x01\x02")
    out[central + 16 : central + 20] = bytes(b ^ 0xFF for b in data[central + 16 : central + 20])
    return bytes(out)


def corrupt_deflate(data: bytes) -> bytes:
    """Overwrite the middle of the first member's compressed stream."""
    out = bytearray(data)
    start, csize = _first_member(data)
    mid = start + csize // 2
    out[mid : mid + 4] = bytes(b ^ 0x5A for b in data[mid : mid + 4])
    return bytes(out)


def _npy_with_header(header: dict, payload: bytes = b"") -> bytes:
    text = repr(header).encode("latin1")
    text += b" " * ((64 - (10 + len(text) + 1) % 64) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text + payload


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, blob in members.items():
            zf.writestr(name, blob)
    return buf.getvalue()


def huge_header(data: bytes) -> bytes:
    """A member whose header claims a 100000 x 100000 float64 array (74.5 GiB) but holds 80 bytes."""
    return _zip({"W_hh.npy": _npy_with_header({"descr": "<f8", "fortran_order": False, "shape": (100000, 100000)},
                                              b"\0" * 80)})


def pickled(data: bytes) -> bytes:
    """An object array: loading it would unpickle (and could run code)."""
    buf = io.BytesIO()
    np.save(buf, np.array([{"W_hh": 1}], dtype=object), allow_pickle=True)
    return _zip({"W_hh.npy": buf.getvalue()})


def raw_pickle(data: bytes) -> bytes:
    """Not an archive at all: a bare pickle stream."""
    return pickle.dumps({"W_hh": [[1.0]]})


def text(data: bytes) -> bytes:
    return b"W_hh = [[1, 2], [3, 4]]\n"


def not_npy_member(data: bytes) -> bytes:
    return _zip({"readme.txt": b"hello"})


NPZ = {f.__name__: f for f in (truncated, empty, bad_crc, corrupt_deflate, huge_header, pickled, raw_pickle, text,
                               not_npy_member)}

JSON = {
    "deep_list": "[" * 100_000 + "]" * 100_000,
    "deep_object": '{"a": ' * 50_000 + "1" + "}" * 50_000,
    "moderately_deep": "[" * 200 + "1" + "]" * 200,  # below Python's recursion limit, beyond any array
    "not_utf8": b"\xff\xfe\x00{".decode("latin1"),
    "empty": "",
    "nan_lags": '{"lags": [[[NaN]]]}',
    "huge_int": '{"lags": [[[' + "9" * 400 + "]]]}",
    "bool_bindings": '{"bindings": [{"component": true, "lag": 1}]}',
    "float_bindings": '{"bindings": [{"component": 0.7, "lag": 1.9}]}',
}
