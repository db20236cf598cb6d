"""wavetheory.io: atomic writes (a reader sees the old file or the new one, never a part), JSON and npz."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import numpy as np
import pytest

from wavetheory.io import atomic_write, read_json, save_npz, write_json, write_text


class Boom(RuntimeError):
    pass


def _half_then_raise(fh) -> None:
    fh.write(b"partial con")  # the writer dies half way
    raise Boom("writer failed")


def test_a_failing_writer_leaves_no_file_and_no_temporary(tmp_path):
    target = tmp_path / "sub" / "out.bin"
    with pytest.raises(Boom):
        atomic_write(target, _half_then_raise)
    assert not target.exists()
    assert list(target.parent.iterdir()) == []  # the temporary file is gone too


def test_a_failing_writer_leaves_the_old_file_intact(tmp_path):
    target = write_text(tmp_path / "out.txt", "old complete content\n")
    with pytest.raises(Boom):
        atomic_write(target, _half_then_raise)
    assert target.read_text() == "old complete content\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_keyboard_interrupt_also_cleans_up(tmp_path):
    def interrupted(fh) -> None:
        fh.write("x")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        atomic_write(tmp_path / "k.txt", interrupted, binary=False)
    assert list(tmp_path.iterdir()) == []


def test_written_files_get_the_permissions_open_would_give(tmp_path):
    umask = os.umask(0)
    os.umask(umask)
    path = write_text(tmp_path / "a" / "b.txt", "hi")  # parents are created
    assert path.read_text() == "hi"
    assert (path.stat().st_mode & 0o777) == (0o666 & ~umask)


def test_write_json_converts_numpy_complex_and_paths(tmp_path):
    obj = {"a": np.arange(3), "f": np.float32(0.5), "i": np.int64(7), "b": np.bool_(True), "z": 1 + 2j,
           "p": Path("x/y"), "nested": [np.float64(1.25)]}
    back = read_json(write_json(tmp_path / "o.json", obj))
    assert back == {"a": [0, 1, 2], "f": 0.5, "i": 7, "b": True, "z": [1.0, 2.0], "p": "x/y", "nested": [1.25]}
    assert (tmp_path / "o.json").read_text().endswith("}\n")  # indented, newline-terminated
    with pytest.raises(TypeError, match="not JSON serializable: object"):
        write_json(tmp_path / "bad.json", {"x": object()})
    assert not (tmp_path / "bad.json").exists()  # the failed dump left nothing behind


def test_write_json_writes_nan_and_infinity_as_python_does(tmp_path):
    """Current behaviour, pinned: non-finite floats become the tokens NaN / Infinity (Python's json
    default, not strict JSON); read_json reads them back. Strict parsers (JavaScript, jq) reject them."""
    path = write_json(tmp_path / "n.json", {"x": float("nan"), "y": float("inf"), "z": np.float64("-inf")})
    text = path.read_text()
    assert '"x": NaN' in text and '"y": Infinity' in text and '"z": -Infinity' in text
    back = read_json(path)
    assert math.isnan(back["x"]) and back["y"] == math.inf and back["z"] == -math.inf
    with pytest.raises(ValueError):  # a strict reader refuses the file
        json.loads(text, parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c)))


def test_read_json_errors_name_the_file(tmp_path):
    with pytest.raises(ValueError, match=r"missing.json: cannot read"):
        read_json(tmp_path / "missing.json")
    (tmp_path / "bad.json").write_text('{"a": 1,\n  oops}')
    with pytest.raises(ValueError, match=r"bad.json: not valid JSON \(.* at line 2\)"):
        read_json(tmp_path / "bad.json")


def test_save_npz_round_trip_is_atomic(tmp_path):
    a, b = np.arange(6.0).reshape(2, 3), np.array([1, 2], dtype=np.int32)
    path = save_npz(tmp_path / "w.npz", W_hh=a, idx=b)
    with np.load(path) as z:
        assert set(z.files) == {"W_hh", "idx"}
        np.testing.assert_array_equal(z["W_hh"], a)
        assert z["idx"].dtype == np.int32
    assert [p.name for p in tmp_path.iterdir()] == ["w.npz"]
