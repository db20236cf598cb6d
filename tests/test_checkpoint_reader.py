"""The restricted checkpoint reader: reads what torch.save writes, runs nothing a file names.

Two roads for every tensor: our reader and ``torch.load(weights_only=True)`` (torch's own restricted
loader) must give bit-identical arrays. Hostile files: a pickle that names ``os.system``,
``builtins.eval`` and the like (writing a marker file) is refused with one line naming the global,
and the marker must not exist afterwards; unknown classes (a model) stay inert Placeholders.
Limits: the memory limit bounds the pickle, the storages and every copy together (tests/cli/
test_memory_limits.py measures the peak RSS of the CLI on the same files).
"""

from __future__ import annotations

import builtins
import os
import pickle
import zipfile

import numpy as np
import pytest
import torch
from checkpoint_files import (GONE_MODULE, Payload, authors_checkpoint, float_storage_pickle, hostile_checkpoint,
                              marker_code, marker_command, storage_bytes, zip_checkpoint)

from wavetheory.checkpoint_reader import CheckpointError, Placeholder, placeholder_state, read_checkpoint

DTYPES = [torch.float32, torch.float64, torch.float16, torch.int64, torch.int32, torch.int8, torch.uint8, torch.bool]


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_tensors_equal_torch_load(tmp_path, dtype):
    g = torch.Generator().manual_seed(0)
    base = (torch.randn(5, 7, generator=g) * 10).to(dtype)
    obj = {"plain": base, "transposed": base.t(), "slice": base[1:4, 2:6], "strided": base[::2, ::3],
           "scalar": base[0, 0].clone(), "empty": base[:0], "shared": [base, base[2]]}
    path = tmp_path / "t.pt"
    torch.save(obj, path)
    ref = torch.load(path, weights_only=True)
    got = read_checkpoint(path).data
    for k in ("plain", "transposed", "slice", "strided", "scalar", "empty"):
        assert got[k].dtype == ref[k].numpy().dtype and np.array_equal(got[k], ref[k].numpy()), k
    assert np.array_equal(got["shared"][1], ref["shared"][1].numpy())


def test_bfloat16_reads_as_float32(tmp_path):
    t = torch.tensor([1.0, -2.5, 3.140625], dtype=torch.bfloat16)  # exactly representable in bfloat16
    torch.save({"w": t}, tmp_path / "b.pt")
    got = read_checkpoint(tmp_path / "b.pt").data["w"]
    assert got.dtype == np.float32 and np.array_equal(got, t.float().numpy())


def test_parameters_and_plain_values(tmp_path):
    lin = torch.nn.Linear(3, 2)
    torch.save({"sd": lin.state_dict(), "p": lin.weight, "meta": {"name": "x", "ids": (1, 2, 3), "s": {1, 2},
                                                                   "dev": torch.device("cpu"), "raw": b"\x00\xff"}},
               tmp_path / "p.pt")
    data = read_checkpoint(tmp_path / "p.pt").data
    assert np.array_equal(data["p"], lin.weight.detach().numpy())
    assert np.array_equal(data["sd"]["bias"], lin.bias.detach().numpy())
    assert data["meta"] == {"name": "x", "ids": (1, 2, 3), "s": {1, 2}, "dev": "cpu", "raw": b"\x00\xff"}


def test_authors_format_checkpoint_with_a_class_that_does_not_exist(tmp_path):
    path = tmp_path / "epoch=0-step=6.ckpt"
    sd = authors_checkpoint(path, "rnn", d=3, s=4, H=16)
    with pytest.raises(ModuleNotFoundError):  # the class is gone: torch.load(weights_only=False) cannot even try
        torch.load(path, weights_only=False)
    with pytest.raises(pickle.UnpicklingError):  # and the safe loader refuses the file
        torch.load(path, weights_only=True)
    ck = read_checkpoint(path)
    assert f"{GONE_MODULE}.RNNModel" in ck.placeholders
    for k, v in sd.items():
        assert np.array_equal(ck.data["state_dict"][k], v.astype(np.float32)), k
    hp = ck.data["hyper_parameters"]
    assert (hp["task_id"], hp["input_dim"], hp["seq_length"], hp["model_type"]) == ((7, 0, 0), 3, 4, "rnn")
    model = hp["model"]
    assert isinstance(model, Placeholder) and model.name == f"{GONE_MODULE}.RNNModel"
    assert placeholder_state(model)["hidden_dim"] == 16  # the attributes the object would have had
    assert np.isinf(ck.data["callbacks"]["ModelCheckpoint{'monitor': None}"]["kth_value"])
    assert ck.data["optimizer_states"][0]["param_groups"][0]["lr"] == 1e-3


@pytest.mark.parametrize("func, arg", [(os.system, marker_command), (builtins.eval, marker_code), (builtins.exec, marker_code)],
                         ids=["os.system", "builtins.eval", "builtins.exec"])
@pytest.mark.parametrize("where", ["hyper_parameters", "state_dict"])
def test_a_pickle_that_would_run_code_is_refused(tmp_path, func, arg, where):
    marker = tmp_path / "PWNED"
    path = tmp_path / "hostile.ckpt"
    hostile_checkpoint(path, Payload(func, arg(marker)), where)
    with pytest.raises(CheckpointError, match=f"refused: the pickle names (posix|os|builtins|__builtin__).{func.__name__},") as err:
        read_checkpoint(path)
    assert str(err.value).startswith(str(path)) and "\n" not in str(err.value)
    assert not marker.exists()


def test_the_hostile_payload_is_live(tmp_path):
    """The control: the same file under torch.load(weights_only=False) does run the payload (a touch in tmp_path)."""
    marker = tmp_path / "PWNED"
    hostile_checkpoint(tmp_path / "hostile.ckpt", Payload(os.system, marker_command(marker)))
    with pytest.raises(CheckpointError, match="refused"):
        read_checkpoint(tmp_path / "hostile.ckpt")
    assert not marker.exists()
    torch.load(tmp_path / "hostile.ckpt", weights_only=False)
    assert marker.exists()


DANGEROUS = ["os.system", "posix.system", "nt.system", "builtins.eval", "builtins.exec", "builtins.__import__",
             "builtins.getattr", "builtins.open", "subprocess.Popen", "subprocess.check_output", "importlib.import_module",
             "importlib._bootstrap._load", "runpy._run_code", "pty.spawn", "operator.attrgetter", "shutil.rmtree",
             "sys.modules", "torch.load", "torch.serialization.load", "pickle.loads", "__builtin__.eval",
             "builtins.__builtins__.eval", "em_discrete.x.__class__"]
INERT = ["em_discrete.models.rnn_model.RNNModel", "lightning.fabric.utilities.data.AttributeDict", "pathlib.PosixPath",
         "argparse.Namespace", "numpy.core.multiarray._reconstruct", "numpy.dtype", "functools.partial", "copyreg._reconstructor",
         "torch.optim.adam.Adam", "enum.Enum"]


@pytest.mark.parametrize("name", DANGEROUS)
def test_dangerous_globals_are_refused_whatever_opcode_names_them(tmp_path, name):
    module, attr = name.rsplit(".", 1)
    glob = b"c" + module.encode() + b"\n" + attr.encode() + b"\n"  # GLOBAL (protocols 0-3)
    stack = b"\x8c" + bytes([len(module)]) + module.encode() + b"\x8c" + bytes([len(attr)]) + attr.encode() + b"\x93"
    for pkl in (b"\x80\x02" + glob + b"X\x01\x00\x00\x00x\x85R.",  # GLOBAL, TUPLE1, REDUCE: name("x")
                b"\x80\x04]" + stack + b"a.",  # STACK_GLOBAL inside a list, never called
                b"(X\x01\x00\x00\x00xi" + module.encode() + b"\n" + attr.encode() + b"\n."):  # INST (protocol 0)
        with pytest.raises(CheckpointError, match=f"refused: the pickle names {name},"):
            read_checkpoint(_zip(tmp_path, pkl))


@pytest.mark.parametrize("name", INERT)
def test_unknown_classes_stay_inert_placeholders_and_are_listed(tmp_path, name):
    module, attr = name.rsplit(".", 1)
    pkl = b"\x80\x02c" + module.encode() + b"\n" + attr.encode() + b"\n" + b"X\x01\x00\x00\x00x\x85R."
    ck = read_checkpoint(_zip(tmp_path, pkl))
    assert isinstance(ck.data, Placeholder) and ck.data.name == name and ck.data.args == ("x",)
    assert ck.placeholders == (name,)


def _zip(tmp_path, pkl: bytes, storages=None):
    path = tmp_path / "hand.ckpt"
    zip_checkpoint(path, pkl, storages)
    return path


def test_protocol0_inst_and_stack_global_are_refused(tmp_path):
    marker = tmp_path / "PWNED"
    inst = b"(S'" + marker_command(marker).encode() + b"'\nios\nsystem\n."  # protocol 0: INST os.system
    stack = b"\x80\x04\x8c\x05posix\x8c\x06system\x93\x8c" + bytes([len(marker_command(marker))]) \
        + marker_command(marker).encode() + b"\x85R."  # protocol 4: STACK_GLOBAL, TUPLE1, REDUCE
    for pkl, name in ((inst, "os.system"), (stack, "posix.system")):
        with pytest.raises(CheckpointError, match=f"names {name},"):
            read_checkpoint(_zip(tmp_path, pkl))
    assert not marker.exists()


def test_hand_written_tensor_matches_torch(tmp_path):
    path = _zip(tmp_path, float_storage_pickle("0", 6, 1, (2, 2), (1, 2)), {"0": storage_bytes(range(6))})
    assert np.array_equal(read_checkpoint(path).data, torch.load(path, weights_only=True).numpy())


@pytest.mark.parametrize("pkl, storages, message", [
    (float_storage_pickle("../../etc/passwd", 4, 0, (4,), (1,)), {}, "malformed key"),
    (float_storage_pickle("0", 6, 0, (1000,), (1,)), {"0": storage_bytes(range(6))}, "reaches element"),
    (float_storage_pickle("0", 6, 5, (2,), (1,)), {"0": storage_bytes(range(6))}, "reaches element"),
    (float_storage_pickle("0", 6, 0, (1 << 20, 1 << 20), (0, 0)), {"0": storage_bytes(range(6))}, "more than the limit"),
    (float_storage_pickle("0", 6, 0, (2,), (1 << 70,)), {"0": storage_bytes(range(6))}, "reaches element"),
    (float_storage_pickle("0", 1000, 0, (2,), (1,)), {"0": storage_bytes(range(6))}, "needs 4000"),
    (float_storage_pickle("1", 6, 0, (2,), (1,)), {"0": storage_bytes(range(6))}, "missing"),
], ids=["path-traversal", "view-past-end", "offset-past-end", "stride-0-bomb", "stride-2**70", "short-record",
        "missing-record"])
def test_malformed_storages_are_refused(tmp_path, pkl, storages, message):
    with pytest.raises(CheckpointError, match=message):
        read_checkpoint(_zip(tmp_path, pkl, storages))


def test_a_huge_stride_of_a_length_one_axis_is_never_used(tmp_path):
    """torch ignores the stride of a length-1 axis; 2**70 there was an OverflowError ("internal error") in as_strided."""
    path = _zip(tmp_path, float_storage_pickle("0", 6, 0, (1, 3), (1 << 70, 2)), {"0": storage_bytes(range(6))})
    assert read_checkpoint(path).data.tolist() == [[0.0, 2.0, 4.0]]


def test_the_budget_is_shared_by_all_tensors_and_storages(tmp_path):
    """Three stride-0 views of 1 MiB each fit a 2 MiB budget one by one, not together; a contiguous view costs nothing."""
    from hostile_files import _tensor, torch_zip

    items = b"".join(b"X\x01\x00\x00\x00" + k.encode() + _tensor("0", 1, 1 << 18, 0) for k in "abc")
    (tmp_path / "s.ckpt").write_bytes(torch_zip(b"\x80\x02}(" + items + b"u.", {"0": bytes(4)}))
    with pytest.raises(CheckpointError, match="reading it needs more than the limit of 2.0 MiB"):
        read_checkpoint(tmp_path / "s.ckpt", max_bytes=2 << 20)
    assert len(read_checkpoint(tmp_path / "s.ckpt", max_bytes=4 << 20).data) == 3
    whole = b"X\x01\x00\x00\x00w" + _tensor("0", 1 << 18, 1 << 18, 1)  # a view of the whole 1 MiB storage
    (tmp_path / "c.ckpt").write_bytes(torch_zip(b"\x80\x02}(" + whole + b"u.", {"0": bytes(1 << 20)}))
    assert read_checkpoint(tmp_path / "c.ckpt", max_bytes=1 << 20).data["w"].shape == (1 << 18,)


def test_build_on_our_objects_is_refused(tmp_path):
    # BUILD on the safe OrderedDict stand-in or on a placeholder *type* would rewrite our objects' fields
    for pkl in (b"\x80\x02ccollections\nOrderedDict\n}X\x02\x00\x00\x00fnNsb.",
                b"\x80\x02cfoo\nBar\nN}X\x05\x00\x00\x00_nameX\x01\x00\x00\x00xs\x86b."):
        with pytest.raises(CheckpointError, match="state|attributes"):
            read_checkpoint(_zip(tmp_path, pkl))


@pytest.mark.parametrize("content, message", [
    (b"not a zip at all", "cannot read as a torch zip"),
    (None, "expected one <prefix>/data.pkl"),
    (b"\x80\x02}q\x00(", "malformed checkpoint pickle"),
])
def test_not_a_checkpoint(tmp_path, content, message):
    path = tmp_path / "x.ckpt"
    if content is None:
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr("hello.txt", "hi")
    elif content.startswith(b"\x80"):
        zip_checkpoint(path, content)
    else:
        path.write_bytes(content)
    with pytest.raises(CheckpointError, match=message) as err:
        read_checkpoint(path)
    assert str(path) in str(err.value) and "\n" not in str(err.value)
    assert isinstance(err.value, ValueError)


def test_the_reader_never_imports_torch():
    import ast
    from pathlib import Path

    import wavetheory.checkpoint_reader as cr

    tree = ast.parse(Path(cr.__file__).read_text())
    names = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    names |= {(n.module or "").split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert "torch" not in names and "importlib" not in names
