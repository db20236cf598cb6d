"""wavetheory.io: atomic writes (a reader sees the old file or the new one, never a part), JSON and npz."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import numpy as np
import pytest

import hostile_files
from wavetheory._validate import MEMORY_ENV
from wavetheory.io import (
    LOCK, atomic_write, json_text, locked_folder, read_json, read_npz, remove_temporaries, save_npz, write_json, write_text,
)


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


def test_json_is_strict_non_finite_numbers_become_null(tmp_path):
    """JSON has no NaN or Infinity: a non-finite float is written as an explicit null, and the
    text is valid for strict parsers (allow_nan=False is the final guard)."""
    obj = {"x": float("nan"), "y": [float("inf"), 1.5], "z": np.float64("-inf"), "c": complex(1, math.inf),
           "a": np.array([1.0, np.nan])}
    path = write_json(tmp_path / "n.json", obj)
    strict = json.loads(path.read_text(), parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c)))
    assert strict == {"x": None, "y": [None, 1.5], "z": None, "c": [1.0, None], "a": [1.0, None]}
    assert json.loads(json_text(obj)) == strict


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


# --------------------------------------------------------------------------- reading untrusted files


@pytest.mark.parametrize("name", sorted(hostile_files.JSON))
def test_read_json_refuses_hostile_documents_with_one_value_error(tmp_path, name):
    path = tmp_path / f"{name}.json"
    path.write_bytes(hostile_files.JSON[name].encode("latin1"))
    try:
        obj = read_json(path)
    except ValueError as exc:
        assert str(exc).startswith(str(path)) and "\n" not in str(exc)
    else:  # the parseable ones come back as plain data, for the validators to judge
        assert name in ("nan_lags", "huge_int", "bool_bindings", "float_bindings")
        assert isinstance(obj, dict)


def test_read_json_depth_limit_and_size_limit(tmp_path, monkeypatch):
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 200 + "]" * 200)
    with pytest.raises(ValueError, match=r"deep.json: nested deeper than 32 levels"):
        read_json(deep)
    ok = tmp_path / "ok.json"
    ok.write_text("[" * 32 + "]" * 32)
    assert read_json(ok) is not None
    big = tmp_path / "big.json"
    big.write_text(json.dumps({"lags": [[[0.5] * 1000]]}))  # ~7 kB
    monkeypatch.setenv(MEMORY_ENV, "64K")  # JSON inputs may be 1/32 of the limit: 2 kB
    with pytest.raises(ValueError, match=rf"big.json: .* more than .*{MEMORY_ENV}"):
        read_json(big)


def test_read_npz_round_trip_and_dtypes(tmp_path):
    path = save_npz(tmp_path / "w.npz", W_hh=np.eye(3), cell=np.array("gru"), n=np.arange(4, dtype=np.int32))
    arrays = read_npz(path)
    assert set(arrays) == {"W_hh", "cell", "n"} and str(arrays["cell"]) == "gru" and arrays["n"].dtype == np.int32
    np.testing.assert_array_equal(arrays["W_hh"], np.eye(3))


@pytest.mark.parametrize("name", sorted(hostile_files.NPZ))
def test_read_npz_refuses_broken_and_hostile_archives_with_one_value_error(tmp_path, name):
    path = tmp_path / f"{name}.npz"
    path.write_bytes(hostile_files.NPZ[name](hostile_files.good_npz()))
    with pytest.raises(ValueError) as info:
        read_npz(path)
    assert str(info.value).startswith(f"{path}: ") and "\n" not in str(info.value)


def test_read_npz_refuses_archives_beyond_the_memory_limit(tmp_path, monkeypatch):
    path = save_npz(tmp_path / "w.npz", W_hh=np.zeros((64, 64)))  # 32 kB of float64
    monkeypatch.setenv(MEMORY_ENV, "16K")
    with pytest.raises(ValueError, match=f"w.npz: .*{MEMORY_ENV}"):
        read_npz(path)
    with pytest.raises(ValueError, match="cannot read"):
        read_npz(tmp_path / "missing.npz")


# --------------------------------------------------------------------------- one writer per folder


def test_locked_folder_refuses_a_second_writer_and_cleans_up(tmp_path):
    out = tmp_path / "a" / "run"
    with locked_folder(out, "out") as folder:
        assert folder == out and (out / LOCK).exists()
        with pytest.raises(ValueError, match=f"^out: another run is writing to {out}"):
            with locked_folder(out, "out"):
                pass
        (out / "result.txt").write_text("done")
    assert sorted(p.name for p in out.iterdir()) == ["result.txt"]  # the lock file is gone, the result stays
    with locked_folder(out, "out"):  # free again
        pass


def test_locked_folder_removes_what_it_created_when_the_run_fails_before_writing(tmp_path):
    with pytest.raises(RuntimeError):
        with locked_folder(tmp_path / "new" / "run", "out"):
            raise RuntimeError("failed before writing anything")
    assert list(tmp_path.iterdir()) == []  # the folder and its new parent are gone
    (tmp_path / "kept").mkdir()
    with pytest.raises(RuntimeError):
        with locked_folder(tmp_path / "kept", "out"):
            raise RuntimeError("failed")
    assert (tmp_path / "kept").is_dir()  # a folder that existed before stays


def test_locked_folder_validates_the_path_before_any_work(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(ValueError, match="^out: .*file is a file, expected a folder"):
        with locked_folder(tmp_path / "file", "out"):
            pass
    with pytest.raises(ValueError, match="^out: cannot create"):
        with locked_folder(tmp_path / "file" / "sub", "out"):
            pass
    if os.geteuid() != 0:  # root may write anywhere
        ro = tmp_path / "ro"
        ro.mkdir()
        ro.chmod(0o500)
        try:
            with pytest.raises(ValueError, match="^out: .*ro is not writable"):
                with locked_folder(ro, "out"):
                    pass
        finally:
            ro.chmod(0o700)


def test_remove_temporaries_deletes_only_atomic_write_leftovers(tmp_path):
    (tmp_path / ".weights.npz.k3j2_x.tmp").write_bytes(b"half")  # what a SIGKILL during atomic_write leaves
    (tmp_path / "weights.npz").write_bytes(b"whole")
    (tmp_path / "notes.tmp").write_text("a user's file")
    assert remove_temporaries(tmp_path) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.tmp", "weights.npz"]


def test_readme_guarantees_quote_the_code():
    """The README's Guarantees section states the limits these modules enforce (no number typed twice)."""
    from wavetheory.io import JSON_FRACTION, MAX_JSON_DEPTH

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    section = readme[readme.index("## Guarantees"):readme.index("## Documentation")]
    assert f"(1/{JSON_FRACTION} of the memory limit)" in section and f"nesting ({MAX_JSON_DEPTH} levels)" in section
    assert f"`DIR/{LOCK}`" in section and f"`{MEMORY_ENV}`" in section
    assert "half the machine's physical memory by default" in section  # _validate.memory_limit's default


# --------------------------------------------------------------------------- inputs that are not regular files (issue 24)


def test_open_input_refuses_fifos_devices_and_folders_without_blocking(tmp_path):
    """A FIFO without a writer would block ``open()`` forever; /dev/zero never ends; neither is read."""
    from wavetheory.io import open_input, read_bounded

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    for path, kind in ((fifo, "a FIFO"), (Path("/dev/zero"), "a device"), (tmp_path, "a folder")):
        for read in (lambda p: open_input(p, "a task file"), read_json, read_npz, lambda p: read_bounded(p, 10, "x")):
            with pytest.raises(ValueError, match=f"^{path}: {kind}") as info:
                read(path)
            assert "\n" not in str(info.value)


def test_read_bounded_reads_at_most_the_limit_whatever_st_size_says():
    """/proc files report st_size 0; the reader must stop at limit + 1 bytes, not trust the size."""
    from wavetheory.io import read_bounded

    maps = Path("/proc/self/maps")
    if not maps.exists() or maps.stat().st_size != 0:
        pytest.skip("needs a /proc file whose st_size is 0")
    with pytest.raises(ValueError, match="more than the 10 B allowed for a test"):
        read_bounded(maps, 10, "a test")
    assert len(read_bounded(maps, 1 << 20, "a test")) > 10


def test_check_depth_holds_one_entry_per_level_not_per_item():
    """The old stack of (item, depth) tuples doubled the memory of a parsed `[{}, {}, ...]` (435 MiB for 8 MiB)."""
    import tracemalloc

    from wavetheory.io import check_depth

    doc = [{} for _ in range(200_000)] + [[[[1]]]]
    tracemalloc.start()
    check_depth(doc, "doc")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 100_000, peak  # a few iterators; one tuple per item would be 200000 * 64 bytes = 12.8 MB
    with pytest.raises(ValueError, match="doc: nested deeper than 3 levels"):
        check_depth(doc, "doc", max_depth=3)


def test_a_json_integer_over_4300_digits_names_the_file(tmp_path):
    path = tmp_path / "t.json"
    path.write_text("[" + "7" * 4301 + "]")
    with pytest.raises(ValueError, match=r"t.json: not valid JSON \(Exceeds the limit \(4300 digits\)"):
        read_json(path)


def test_locked_folder_removes_interrupted_writes_on_exit(tmp_path):
    out = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt):
        with locked_folder(out):
            (out / ".figure.png.x1y2.tmp").write_bytes(b"half")  # what a write cut by a full disk or ^C leaves
            raise KeyboardInterrupt
    assert not out.exists()  # created by this run, left empty: removed


@pytest.mark.parametrize("module, name, dangerous", [
    ("posix", "system", True), ("builtins", "eval", True), ("__builtin__", "exec", True), ("subprocess", "run", True),
    ("importlib", "import_module", True), ("torch.serialization", "load", True), ("a.b", "__globals__", True),
    ("em_discrete.models.rnn_model", "RNNModel", False), ("collections", "OrderedDict", False),
    ("pathlib", "PosixPath", False), ("torch._utils", "_rebuild_tensor_v2", False), ("builtins", "set", False),
])
def test_dangerous_global(module, name, dangerous):
    from wavetheory.io import dangerous_global

    assert dangerous_global(module, name) is dangerous
