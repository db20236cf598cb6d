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


def zero_size_dtype(data: bytes) -> bytes:
    """A 1 kB archive whose array has 10^10 elements of the zero-size type <U0 (numpy would allocate them as <U1)."""
    return _zip({"cell.npy": _npy_with_header({"descr": "<U0", "fortran_order": False, "shape": (100000, 100000)})})


def patched_member(data: bytes, flag_bits: int | None = None, method: int | None = None) -> bytes:
    """Every member's central-directory entry (what zipfile reads) marked encrypted and/or given a compression method."""
    out, pos = bytearray(data), data.find(b"PK\x01\x02")
    while pos >= 0:
        if flag_bits is not None:
            out[pos + 8: pos + 10] = struct.pack("<H", flag_bits)
        if method is not None:
            out[pos + 10: pos + 12] = struct.pack("<H", method)
        pos = data.find(b"PK\x01\x02", pos + 4)
    return bytes(out)


def encrypted(data: bytes) -> bytes:
    return patched_member(data, flag_bits=0x1)


def method_99(data: bytes) -> bytes:
    """Compression method 99 (AES, WinZip), which zipfile cannot read."""
    return patched_member(data, method=99)


NPZ = {f.__name__: f for f in (truncated, empty, bad_crc, corrupt_deflate, huge_header, pickled, raw_pickle, text,
                               not_npy_member, zero_size_dtype, encrypted, method_99)}


# --------------------------------------------------------------------------- torch checkpoints beyond the memory limit
# Each is small on disk and asks for far more than WAVETHEORY_MAX_BYTES = 64M when read (tests/cli/test_memory_limits.py
# measures the peak RSS of `wavetheory analyze` on them); the pickles are written opcode by opcode.


def torch_zip(pkl: bytes, storages: dict[str, bytes | int] | None = None) -> bytes:
    """A torch zip archive; a storage given as an int is that many zero bytes, deflated (a zip bomb)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("archive/data.pkl", pkl, compress_type=zipfile.ZIP_DEFLATED)
        zf.writestr("archive/byteorder", "little")
        zf.writestr("archive/version", "3\n")
        for key, raw in (storages or {}).items():
            if isinstance(raw, int):
                info = zipfile.ZipInfo(f"archive/data/{key}")
                info.compress_type = zipfile.ZIP_DEFLATED
                with zf.open(info, "w", force_zip64=True) as fh:
                    chunk = bytes(1 << 20)
                    for _ in range(raw >> 20):
                        fh.write(chunk)
            else:
                zf.writestr(f"archive/data/{key}", raw)
    return buf.getvalue()


def _tensor(key: str, numel: int, size: int, stride: int) -> bytes:
    """Protocol-2 opcodes of one float32 tensor (rebuild_tensor_v2) over storage ``key``."""
    J = lambda n: b"\x8a\x08" + int(n).to_bytes(8, "little", signed=True)  # noqa: E731 - LONG1 of 8 bytes
    return (b"ctorch._utils\n_rebuild_tensor_v2\n((X" + struct.pack("<I", 7) + b"storagectorch\nFloatStorage\nX"
            + struct.pack("<I", len(key)) + key.encode() + b"X\x03\x00\x00\x00cpu" + J(numel) + b"tQ" + J(0)
            + b"(" + J(size) + b"t(" + J(stride) + b"t\x89NtR")


def stride0_checkpoint(n: int = 96 << 20) -> bytes:
    """Three tensors of ``n`` floats each over one 1-element storage, with stride 0 (1.7 kB on disk)."""
    items = b"".join(b"X\x01\x00\x00\x00" + k.encode() + _tensor("0", 1, n, 0) for k in "abc")
    return torch_zip(b"\x80\x02}(" + items + b"u.", {"0": bytes(4)})


def deflated_storage_checkpoint(nbytes: int = 256 << 20) -> bytes:
    """One tensor over a storage of ``nbytes`` zero bytes, deflated to about nbytes / 1000."""
    return torch_zip(b"\x80\x02}(X\x01\x00\x00\x00w" + _tensor("0", nbytes // 4, nbytes // 4, 1) + b"u.",
                     {"0": nbytes})


def none_opcodes_checkpoint(n: int = 16 << 20) -> bytes:
    """A pickle of ``n`` NONE opcodes in one list (n bytes, deflated to n / 1000): n stack entries."""
    return torch_zip(b"\x80\x02(" + b"N" * n + b"l.")


def memo_index_checkpoint(index: int = 1 << 26) -> bytes:
    """A 9-byte pickle putting None at memo index ``index`` (the C unpickler sizes its memo table by it)."""
    return torch_zip(b"\x80\x02Nr" + struct.pack("<I", index) + b".")


CHECKPOINT_BOMBS = {f.__name__: f for f in (stride0_checkpoint, deflated_storage_checkpoint, none_opcodes_checkpoint,
                                            memo_index_checkpoint)}

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
