"""Fuzz of the command line, run in-process (``wavetheory.cli.main(argv)``).

Hypothesis generates task files, histories, weight files (npz, .pt, .ckpt), checkpoints, sweep
configs and sweep results -- valid, broken and hostile (deep nesting, huge sizes, NaN and infinities, wrong dtypes,
booleans for integers, truncated and corrupt zips, pickles) -- and runs them through every
command. Each outcome must be one of:

* success: exit 0, nothing on stderr, strict JSON on stdout with ``--json``;
* bad input or a size over the memory limit: exit 2 and exactly one line on stderr;
* a run that did its work but failed in part (a sweep with failed cells): exit 1, one line.

Never a traceback, never an "internal error", never a Python warning, never a temporary or
half-written file, and a command that fails leaves no output folder it created.

Three contracts of issue 24 are fuzzed too: checkpoints whose totals exceed the limit (stride-0 tensors that
are small one by one and too big together, pickles of a million opcodes, memo indexes of 2^32, declared
sizes of 4 GiB) or that name a dangerous global (refused, one line naming it); inputs that are not regular
files (a FIFO, /dev/zero, a folder, wherever a file is read: never a hang); and concurrent runs (while
another run holds an output folder's lock, every command that writes there is refused and writes nothing).

Scope: sizes are either tiny (d, s <= 3, a few training steps) or far beyond any machine
(10^5 .. 10^12, refused by the size estimates) under ``WAVETHEORY_MAX_BYTES = 256M``, so every
example is cheap; sweeps run the stand-in cells of ``sweep_cells.py`` on a thread pool.
Example counts are bounded per command group: 217 examples in all, about a minute on two busy cores
(drawing the sweep-report figures is most of it).
"""

from __future__ import annotations

import contextlib
import functools
import io
import json
import math
import tempfile
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import hostile_files
import sweep_cells
from wavetheory.cli import main
from wavetheory.io import read_npz

LIMIT = "256M"  # small enough that every "huge" size is refused at once, large enough for the tiny ones


def fuzz(examples: int) -> settings:
    """The CI profile (derandomized) with a bounded number of examples for one command group."""
    return settings(max_examples=examples, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# --------------------------------------------------------------------------- the contract


def _strict(text: str):
    return json.loads(text, parse_constant=lambda c: (_ for _ in ()).throw(ValueError(f"non-strict JSON {c}")))


def run_cli(argv: list[str], root: Path, outs: tuple[Path, ...] = (), partial_ok: bool = False) -> tuple[int, str, str]:
    """Run ``main(argv)`` and check the contract of the module docstring; (status, stdout, stderr)."""
    existed = {p: p.exists() for p in outs}
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        rc = main(argv)
    out, err = out.getvalue(), err.getvalue()
    where = f"argv = {argv}\nstderr = {err!r}"
    weights = argv[argv.index("--weights") + 1] if "--weights" in argv else ""
    event(f"{argv[0]} exit {rc} {Path(weights).suffix}".rstrip())  # --hypothesis-show-statistics: the outcomes reached
    assert "Traceback" not in err and "internal error" not in err, where
    assert [str(w.message) for w in caught] == [], where
    if rc == 0:
        assert err == "", where
        if "--json" in argv:
            _strict(out)
    else:
        assert len(err.splitlines()) == 1 and err.startswith("wavetheory"), where
        assert rc == 2 or (rc == 1 and ("out of memory" in err or (partial_ok and "cells failed" in err))), where
        for p in outs:
            if not existed[p] and not (partial_ok and rc == 1):
                assert not p.exists(), f"{where}\nleft {p}: {sorted(q.name for q in p.iterdir()) if p.is_dir() else 'a file'}"
    assert list(root.rglob(".*.tmp")) == [], where  # no half-written file anywhere
    for p in outs:
        if p.is_dir():
            for f in p.rglob("*.json"):
                _strict(f.read_text())
            for f in p.rglob("*.npz"):
                read_npz(f)
    return rc, out, err


@pytest.fixture(autouse=True)
def _memory_limit(monkeypatch):
    monkeypatch.setenv("WAVETHEORY_MAX_BYTES", LIMIT)
    monkeypatch.delenv("WAVETHEORY_DEBUG", raising=False)


# --------------------------------------------------------------------------- generated inputs

HOSTILE_NUMBERS = [math.nan, math.inf, -math.inf, 1e308, -1e308, 10**400, True, "1", None, [1], {"a": 1}]
HUGE = [0, -1, 100_000, 10**12]  # sizes: invalid, or far beyond the memory limit


class Pick:
    """The choices of one example: all valid on a valid example; on a hostile one each choice is bad
    with probability 1/3 (so one or several things are wrong at once). Half the examples are hostile."""

    def __init__(self, draw) -> None:
        self.draw, self.hostile = draw, draw(st.booleans())

    def __call__(self, good: list, bad: list = ()):
        if self.hostile and bad and self.draw(st.integers(0, 2)) == 0:
            return self.draw(st.sampled_from(list(bad)))
        return self.draw(st.sampled_from(list(good)))

    def opt(self, flag: str, good: list, bad: list = ()) -> list[str]:
        """``[]`` (the command's default) half of the time, else ``[flag, value]``."""
        return [] if self.draw(st.booleans()) else [flag, str(self(good, bad))]

    def number(self):
        return self(list(range(-2, 3)) + [0.5, -1.25], HOSTILE_NUMBERS)


def json_document(pick: Pick, kind: str) -> bytes:
    """A task file (kind "task") or a history file (kind "history") of d, s <= 3."""
    d, s = pick([1, 2, 3]), pick([1, 2, 3])
    matrix = lambda n: [[pick.number() for _ in range(n)] for _ in range(n)]  # noqa: E731
    if kind == "task":
        shape = pick(["lags", "lags", "bindings", "binding_list"], ["other"])
        if shape == "lags":
            obj = {"lags": [matrix(d) for _ in range(s)]}
        elif shape == "bindings":
            obj = {"bindings": pick(["x0(t-1)", "-x1(t-2), x0(t-1)"], ["x9(t-1)", "x0(t-0)", "", "nonsense"])}
        elif shape == "binding_list":
            obj = {"bindings": [{"component": pick([0, 1], [0.7, True, -1, "0"]), "lag": pick([1, 2], [1.9, 0, None]),
                                 **({"sign": pick([1, -1], [True, 0, 2.0])} if pick.draw(st.booleans()) else {})}
                                for _ in range(pick([1, 2]))]}
            obj["bindings"] = [{**b, "component": min(b["component"], len(obj["bindings"]) - 1)}
                               if isinstance(b["component"], int) and not isinstance(b["component"], bool) and b["component"] >= 0
                               else b for b in obj["bindings"]]
        else:
            obj = pick.draw(st.sampled_from([[], "lags", 3, {"lags": []}, {"lags": [[1, 2], [3]]}, {"lags": "x"}]))
    else:
        obj = {"history": [[pick.number() for _ in range(d)] for _ in range(s)]}
    text = json.dumps(obj)
    damage = pick(["none"], ["truncate", "deep", "not_utf8", "empty"])
    if damage == "truncate":
        text = text[: len(text) // 2]
    elif damage == "deep":
        n = pick.draw(st.sampled_from([40, 2_000, 100_000]))
        text = '{"lags": ' + "[" * n + "]" * n + "}"
    elif damage == "not_utf8":
        return b"\xff\xfe\x00" + text.encode()
    elif damage == "empty":
        text = ""
    return text.encode()


def task_args(pick: Pick, root: Path) -> list[str]:
    """``--task NAME --d D --s S`` (tiny or huge sizes) or ``--lags FILE`` (a generated task file)."""
    if pick.draw(st.booleans()):
        name = pick(["repeat-copy", "fibonacci", "signed-selection", "random-stable", "random-unstable"], ["nope"])
        return ["--task", name, "--d", str(pick([1, 2, 3], HUGE)), "--s", str(pick([1, 2, 3], HUGE))]
    path = root / "task.json"
    path.write_bytes(json_document(pick, "task"))
    return ["--lags", str(path)]


# --------------------------------------------------------------------------- the task commands


@fuzz(60)
@given(data=st.data())
def test_task_commands(data):
    with tempfile.TemporaryDirectory() as tmp:
        root, pick = Path(tmp), Pick(data.draw)
        cmd = pick(["spectrum", "simulate", "derive", "realizable", "gradients", "demo", "tasks"])
        argv = [cmd] if cmd == "tasks" else [cmd, *task_args(pick, root), *pick.opt("--seed", [0, 3], [-1])]
        outs: tuple[Path, ...] = ()
        if cmd == "simulate":
            (root / "hist.json").write_bytes(json_document(pick, "history"))
            argv += ["--history", str(root / "hist.json"), "--steps", str(pick([0, 1, 5], [-1, 10**12]))]
        elif cmd == "realizable":
            argv += pick.opt("--horizon", [1, 5], [0, 10**9])
        elif cmd == "gradients":
            argv += pick.opt("--gain", [0.9, 1.1], [0, -1, "nan", "inf"]) + pick.opt("--lags-max", [3, 5], [0, 10**6])
        elif cmd == "derive":
            argv += pick([[], ["--latex"], ["--rationalize", "nsimplify"]])
        elif cmd == "demo":
            outs = (root / "demo",)
            argv += ["--out", str(outs[0])]
        if pick.draw(st.booleans()):
            argv.append("--json")
        run_cli(argv, root, outs)


@fuzz(25)
@given(data=st.data())
def test_attention_commands(data):
    with tempfile.TemporaryDirectory() as tmp:
        pick = Pick(data.draw)
        copy = pick.draw(st.booleans())
        argv = ["sbc-copy" if copy else "sbc", "--d", str(pick([1, 2, 3], HUGE)), "--s", str(pick([1, 2, 3], HUGE)),
                "--steps", str(pick([0, 1, 4], [-1, 10**9])), "--seed", str(pick([0, 5], [-1])), "--json"]
        if not copy:
            argv += pick.opt("--heads", [1, 2], [0]) + pick([[], ["--residual"]])
        run_cli(argv, Path(tmp))


# --------------------------------------------------------------------------- weights and analyze


def weight_file(pick: Pick, d: int, s: int, fmt: str = "npz") -> bytes:
    """An Elman or gated network as our npz, a torch state_dict (.pt) or a Lightning-style checkpoint (.ckpt):
    right or wrong shapes, dtypes and values, or a damaged archive."""
    H = pick([s * d, s * d + 2], [1])
    rng = np.random.default_rng(pick([0, 1, 2]))
    cell = pick(["rnn", "rnn", "gru", "lstm"], ["bogus"])
    if cell == "rnn":
        arrays = {"W_hh": rng.standard_normal((H, H)) / np.sqrt(H), "W_uh": rng.standard_normal((H, d)),
                  "W_hy": rng.standard_normal((d, H))}
        if pick.draw(st.booleans()):
            arrays.update({k + "_init": v * 0.5 for k, v in list(arrays.items())})
    else:
        G = {"gru": 3, "lstm": 4}.get(cell, 2)
        arrays = {"cell": np.array(cell), "weight_ih_l0": rng.standard_normal((G * H, d)),
                  "weight_hh_l0": rng.standard_normal((G * H, H)) / np.sqrt(H), "W_hy": rng.standard_normal((d, H))}
    key = pick(sorted(arrays))
    change = pick(["none"], ["drop", "nan", "inf", "complex", "int", "bool", "text", "shape", "scalar", "huge"])
    if change == "drop":
        del arrays[key]
    elif change in ("nan", "inf", "huge") and arrays[key].dtype.kind == "f":
        arrays[key] = arrays[key].copy()
        arrays[key].flat[0] = {"nan": math.nan, "inf": math.inf, "huge": 1e300}[change]
    elif change == "complex":
        arrays[key] = arrays[key] * (1 + 1j)
    elif change in ("int", "bool"):
        arrays[key] = arrays[key].astype(int if change == "int" else bool)
    elif change == "text":
        arrays[key] = np.array(["a", "b"])
    elif change == "shape":
        arrays[key] = np.zeros((3, 5, 2))
    elif change == "scalar":
        arrays[key] = np.float64(1.5)
    buf = io.BytesIO()
    if fmt == "npz":
        np.savez_compressed(buf, **arrays)
    else:  # torch.save of a state_dict in torch.nn.RNN naming (a text array has no tensor form: dropped)
        import torch

        names = {"W_hh": "rnn.weight_hh_l0", "weight_hh_l0": "rnn.weight_hh_l0", "W_uh": "rnn.weight_ih_l0",
                 "weight_ih_l0": "rnn.weight_ih_l0", "W_hy": "readout.weight"}
        sd = {names[k]: torch.from_numpy(np.asarray(v)) for k, v in arrays.items()
              if k in names and np.asarray(v).dtype.kind != "U"}
        torch.save({"state_dict": {"model." + k: v for k, v in sd.items()}} if fmt == "ckpt" else sd, buf)
    damage = pick([None], sorted(hostile_files.NPZ))
    return buf.getvalue() if damage is None else hostile_files.NPZ[damage](buf.getvalue())


@fuzz(40)
@given(data=st.data())
def test_analyze(data):
    with tempfile.TemporaryDirectory() as tmp:
        root, pick = Path(tmp), Pick(data.draw)
        d, s = pick([1, 2]), pick([1, 2, 3])
        fmt = pick(["npz", "npz", "pt", "ckpt"])
        blob = weight_file(pick, d, s, fmt)
        task = ["--task", pick(["repeat-copy", "signed-selection"]), "--d", str(d), "--s", str(s)]
        if fmt == "npz" and pick.draw(st.booleans()):  # a training folder: weights.npz, task.json and metrics.json
            run = root / "run"
            run.mkdir()
            (run / "weights.npz").write_bytes(blob)
            (run / "task.json").write_text(json.dumps({"lags": np.eye(d)[None].repeat(s, 0).tolist()}))
            if pick.hostile:
                for name in pick([[], ["task.json"], ["metrics.json"], ["task.json", "metrics.json"]]):
                    (run / name).write_bytes(json_document(pick, "task"))
            argv = ["analyze", str(run)] + pick([[], task])
        else:
            (root / f"w.{fmt}").write_bytes(blob)
            argv = ["analyze", "--weights", str(root / f"w.{fmt}"), *task]
        argv += pick.opt("--rank", ["auto", 1], [0, "x"]) + pick.opt("--rcond", [1e-6, 0], [-1, "nan", "inf"])
        argv += pick([[], ["--align"], ["--road", "input"], ["--normalize", "columns"], ["--nonlinearity", "linear"]])
        figures = pick.draw(st.integers(0, 4)) == 0  # drawing is the slow part: one example in five
        outs = (root / "figs",)
        argv += ["--out", str(outs[0])] if figures else ["--no-figures"]
        run_cli([*argv, "--json"], root, outs)


# --------------------------------------------------------------------------- train


@fuzz(15)
@given(data=st.data())
def test_train(data):
    with tempfile.TemporaryDirectory() as tmp:
        root, pick = Path(tmp), Pick(data.draw)
        out = root / "run"
        where = pick(["fresh"], ["file", "checkpoint"])
        if where == "file":
            out.write_text("a file, not a folder")
        elif where == "checkpoint":
            out.mkdir()
            variants = [b"", b"text", hostile_files.raw_pickle(b""), hostile_files.good_npz()]
            (out / "checkpoint.pt").write_bytes(pick.draw(st.sampled_from(variants)))
        argv = ["train", "--task", pick(["repeat-copy", "signed-selection"], ["nope"]),
                "--d", str(pick([1, 2], [0, 10**12])), "--s", str(pick([1, 2], [-1])),
                "--preset", pick(["smoke"], ["bogus"]), "--out", str(out), "--steps", str(pick([1, 3], [0]))]
        argv += pick.opt("--hidden", [8, 16], [1, 0, 10**6]) + pick.opt("--batch", [4], [0, 10**9])
        argv += pick.opt("--init", ["shift", "wave"], ["bogus"]) + pick.opt("--cell", ["gru", "lstm"])
        argv += pick.opt("--lr", [0.01], ["nan", -1]) + pick.opt("--target", ["none", 0.5], [2])
        argv += pick([[], ["--horizons", "2", "3"]], [["--horizons", "4", "2"], ["--horizons", "0"]])
        argv += pick([[], ["--resume"]])
        run_cli([*argv, "--json"], root, (out,) if where == "fresh" else ())


# --------------------------------------------------------------------------- sweep and sweep-report


def _toml(obj: dict) -> str:
    """A TOML rendering of the small config dicts below (scalars, lists, one table, an array of tables)."""
    def value(v) -> str:
        if isinstance(v, bool):
            return str(v).lower()
        if v is None or isinstance(v, dict) or (isinstance(v, float) and not math.isfinite(v)):
            raise TypeError("no TOML form")
        return json.dumps(v)

    lines = [f"{k} = {value(v)}" for k, v in obj.items()
             if not isinstance(v, dict) and not (isinstance(v, list) and v and isinstance(v[0], dict))]
    for k, v in obj.items():
        if isinstance(v, dict):
            lines += [f"[{k}]"] + [f"{kk} = {value(vv)}" for kk, vv in v.items()]
    for k, v in obj.items():
        if isinstance(v, list) and v and isinstance(v[0], dict):
            for entry in v:
                lines += [f"[[{k}]]"] + [f"{kk} = {value(vv)}" for kk, vv in entry.items()]
    return "\n".join(lines) + "\n"


def sweep_config(pick: Pick, root: Path) -> Path:
    """A sweep config of one or two tiny tasks (some of them hostile) over the stand-in cells."""
    tasks = []
    for i in range(pick([1, 2])):
        kind = pick(["library"], ["lags_file", "traversal", "incomplete"])
        if kind == "library":
            tasks.append({"name": pick(["repeat-copy", "signed-selection"], ["nope"]),
                          "d": pick([1, 2], [100_000, *HOSTILE_NUMBERS]), "s": pick([1, 3], HOSTILE_NUMBERS)})
            if tasks[-1]["name"] == "signed-selection" and pick.draw(st.booleans()):
                tasks[-1]["task_seeds"] = [i, i + 2]
        else:
            tasks.append({"lags_file": {"lags": "task.json"}, "traversal": {"lags": "../../etc/passwd"},
                          "incomplete": {"name": "repeat-copy"}}[kind])
    obj: dict = {"tasks": tasks}
    for key, good, bad in (("seeds", [0, [0, 1]], [[0, 0], -1]), ("hidden", [8, [8, 9]], [sweep_cells.UNLUCKY, 0]),
                           ("steps", [5], [0, True])):
        if pick.draw(st.booleans()):
            obj[key] = pick(good, [*bad, *HOSTILE_NUMBERS])
    if pick.draw(st.booleans()):
        obj["train"] = pick([{"batch": 8}, {"lr": 0.01, "horizons": [2, 4]}],
                            [{"bogus": 1}, {"lr": "fast"}, {"batch": True}, {"horizons": [4, 2]}])
    (root / "task.json").write_bytes(json_document(pick, "task"))
    kind = pick(["toml", "json"], ["deep", "garbage"])
    if kind == "toml":
        try:
            text = _toml(obj)
        except TypeError:  # a hostile value with no TOML form: write JSON instead
            kind, text = "json", json.dumps(obj)
    elif kind == "json":
        text = json.dumps(obj)
    elif kind == "deep":
        text = "seeds = " + "[" * 3000 + "]" * 3000
    else:
        text = "\x00\xff tasks = [[["
    path = root / ("sweep.json" if kind == "json" else "sweep.toml")
    path.write_bytes(text.encode("latin1" if kind == "garbage" else "utf8"))
    return path


@fuzz(15)
@given(data=st.data())
def test_sweep_and_report(data):
    import wavetheory.sweeps.run as run

    with tempfile.TemporaryDirectory() as tmp, pytest.MonkeyPatch.context() as mp:
        root, pick = Path(tmp), Pick(data.draw)
        mp.setattr(run, "run_sweep", functools.partial(run.run_sweep, cell_fn=sweep_cells.fake_cell,
                                                       executor=ThreadPoolExecutor(1)))
        out = root / "out"
        argv = ["sweep", str(sweep_config(pick, root)), "--out", str(out), "--json"]
        argv += pick.opt("--workers", [1, 2], [0, -2]) + pick([[], ["--retry-failed"]])
        rc, _, _ = run_cli(argv, root, (out,), partial_ok=True)
        if rc in (0, 1):  # a table to report on
            report = ["sweep-report", str(out), "--json"] + pick(
                [[], ["--by", "task,seed"]], [["--by", "nope"], ["--acc-threshold", "2"], ["--eig-column", "x"]])
            run_cli(report, root, (out / "report",))


def results_folder(pick: Pick, root: Path) -> Path:
    """A sweep folder whose journal or table was written by someone else (or damaged)."""
    folder = root / "sweep"
    folder.mkdir()
    records = [{"cell_id": pick(["a", "b", "c"], [7, None]), "task": pick(["t1", "t2"], [1]),
                "status": pick(["ok", "ok", "error"], ["weird"]), "accuracy": pick([0.9, 1.0, 0.995], HOSTILE_NUMBERS),
                "eig_match_mean": pick([0.01, 0.2], HOSTILE_NUMBERS), "realizable": pick([True, False], [None, "x"]),
                "index": pick([0, 1, 2], HOSTILE_NUMBERS)} for _ in range(pick([1, 3], [0]))]
    lines = [json.dumps(r) for r in records]
    if pick([False], [True]):
        lines.append('{"cell_id": "torn", "stat')  # a killed append
    if pick.draw(st.booleans()):
        (folder / "results.jsonl").write_text("\n".join(lines) + "\n")
    else:
        header = pick(["cell_id,task,status,accuracy,eig_match_mean"], ["task,status", ""])
        rows = [pick(["a,t,ok,0.99,0.01", "b,t,error,,", "c,u,ok,0.5,0.3"], ["c,t,ok,nan,inf", "x", ",,,,"])
                for _ in range(pick([1, 3], [0]))]
        (folder / "results.csv").write_text("\n".join([header, *rows]) + "\n")
    return folder


@fuzz(15)
@given(data=st.data())
def test_sweep_report_on_foreign_results(data):
    with tempfile.TemporaryDirectory() as tmp:
        root, pick = Path(tmp), Pick(data.draw)
        folder = results_folder(pick, root)
        argv = ["sweep-report", str(folder), "--json"] + pick([[], ["--by", "status"]], [["--by", ""], ["--by", "zzz"]])
        run_cli(argv, root, (folder / "report",))


# --------------------------------------------------------------------------- checkpoints' totals, non-regular files, concurrent runs


def checkpoint_blob(pick: Pick) -> bytes:
    """A checkpoint whose totals are within or beyond the limit (tensors, pickle, memo, declared sizes), or that names a
    dangerous global, or is damaged: each small on disk."""
    import struct

    kind = pick(["authors"], ["stride0", "none_opcodes", "memo_index", "declared_size", "dangerous", "encrypted", "method_99"])
    if kind == "stride0":  # n floats per tensor over one element: 1, 3 or 4 tensors of 4 B .. 384 MB (together over 256M)
        n, count = pick.draw(st.sampled_from([1, 1 << 20, 24 << 20, 96 << 20])), pick.draw(st.sampled_from([1, 3, 4]))
        items = b"".join(b"X\x01\x00\x00\x00" + k.encode() + hostile_files._tensor("0", 1, n, 0) for k in "abcd"[:count])
        return hostile_files.torch_zip(b"\x80\x02}(" + items + b"u.", {"0": bytes(4)})
    if kind == "none_opcodes":  # the pickle may be 1/512 of the limit: 512 KiB
        return hostile_files.none_opcodes_checkpoint(pick.draw(st.sampled_from([10, 1 << 20])))
    if kind == "memo_index":
        return hostile_files.memo_index_checkpoint(pick.draw(st.sampled_from([5, 1 << 26, (1 << 32) - 1])))
    if kind == "dangerous":
        name = pick.draw(st.sampled_from(["posix system", "builtins eval", "subprocess Popen", "importlib import_module",
                                          "nt system", "builtins __import__", "runpy _run_code"])).encode()
        module, attr = name.split()
        return hostile_files.torch_zip(b"\x80\x02c" + module + b"\n" + attr + b"\nX\x01\x00\x00\x00x\x85R.")
    buf = io.BytesIO()
    import torch

    rnn, lin = torch.nn.RNN(2, 4, bias=False), torch.nn.Linear(4, 2, bias=False)
    torch.save({"state_dict": {"model.rnn.weight_ih_l0": rnn.weight_ih_l0.detach(), "model.rnn.weight_hh_l0":
                               rnn.weight_hh_l0.detach(), "model.readout.weight": lin.weight.detach()},
                "hyper_parameters": {"input_dim": 2, "seq_length": 2, "task_id": (3, 0, 0), "hidden_dim": 4}}, buf)
    blob = buf.getvalue()
    if kind == "declared_size":  # the central directory claims 4 GiB for every record
        out, pos = bytearray(blob), blob.find(b"PK\x01\x02")
        while pos >= 0:
            out[pos + 24: pos + 28] = struct.pack("<I", 0xFFFFFFF0)
            pos = blob.find(b"PK\x01\x02", pos + 4)
        return bytes(out)
    return blob if kind == "authors" else hostile_files.NPZ[kind](blob)


@fuzz(20)
@given(data=st.data())
def test_checkpoints_totals_and_dangerous_globals(data):
    with tempfile.TemporaryDirectory() as tmp:
        root, pick = Path(tmp), Pick(data.draw)
        path = root / f"w{pick(['.ckpt', '.pt'])}"
        path.write_bytes(checkpoint_blob(pick))
        rc, _, err = run_cli(["analyze", str(path), "--no-figures", "--json"], root)
        if rc == 2 and "refused: the pickle names" in err:
            assert err.split("names ")[1].split(",")[0].split(".")[0] in ("posix", "builtins", "subprocess", "importlib",
                                                                         "nt", "runpy")


@contextlib.contextmanager
def _no_hang(seconds: int = 60):
    """A reader blocked on a FIFO fails the test (SIGALRM) instead of hanging it."""
    import signal

    def alarm(signum, frame):
        raise AssertionError(f"blocked for {seconds} s (a FIFO opened for reading waits for a writer)")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@fuzz(15)
@given(data=st.data())
def test_non_regular_files(data):
    import os

    with tempfile.TemporaryDirectory() as tmp:
        root, pick = Path(tmp), Pick(data.draw)
        kind = pick.draw(st.sampled_from(["fifo", "device", "folder"]))
        suffix = pick.draw(st.sampled_from([".json", ".npz", ".pt", ".ckpt", ".toml", ".jsonl"]))
        bad = root / f"input{suffix}"
        if kind == "fifo":
            os.mkfifo(bad)
        elif kind == "device":
            bad.symlink_to("/dev/zero")
        else:
            bad.mkdir()
        (root / "task.toml").write_text(f'[[tasks]]\nlags = "{bad}"\n')
        (root / "sweep").mkdir()
        (root / "sweep" / "results.jsonl").symlink_to(bad)
        task = ["--task", "repeat-copy", "--d", "1", "--s", "1"]
        argv = pick.draw(st.sampled_from([
            ["spectrum", "--lags", str(bad)], ["simulate", *task, "--steps", "1", "--history", str(bad)],
            ["analyze", "--weights", str(bad), *task, "--no-figures"], ["sweep", str(bad), "--out", str(root / "o")],
            ["sweep", str(root / "task.toml"), "--out", str(root / "o")], ["sweep-report", str(root / "sweep")],
        ]))
        with _no_hang():
            rc, _, err = run_cli([*argv, "--json"], root, (root / "o",))
        assert rc == 2, err


@fuzz(12)
@given(data=st.data())
def test_concurrent_runs_on_one_folder(data):
    """Whatever writes an output folder takes DIR/.lock: while another run holds it, a second is refused at once and
    writes nothing there."""
    import wavetheory.claims.reproduce as reproduce
    from wavetheory.io import locked_folder

    with tempfile.TemporaryDirectory() as tmp, pytest.MonkeyPatch.context() as mp:
        root, pick = Path(tmp), Pick(data.draw)
        mp.setattr(reproduce, "run_main_job", lambda *a, **k: pytest.fail("reproduce ran in a locked folder"))
        out = root / "out"
        np.savez(root / "w.npz", W_hh=np.eye(2) * 0.5, W_uh=np.ones((2, 1)), W_hy=np.ones((1, 2)))
        (root / "sweep.json").write_text(json.dumps({"tasks": [{"name": "repeat-copy", "d": 1, "s": 1}], "steps": 5}))
        (root / "results.csv").write_text("cell_id,task,status,accuracy,eig_match_mean\na,t,ok,1.0,0.01\n")
        task = ["--task", "repeat-copy", "--d", "1", "--s", "1"]
        argv = pick.draw(st.sampled_from([
            ["train", *task, "--preset", "smoke", "--steps", "1", "--out", str(out)], ["demo", "--out", str(out)],
            ["sweep", str(root / "sweep.json"), "--out", str(out)],
            ["analyze", "--weights", str(root / "w.npz"), *task, "--out", str(out)],
            ["sweep-report", str(root / "results.csv"), "--figures", str(out)],
            ["reproduce", "--quick", "--claims", "C1", "--out", str(out)],
        ]))
        existing = pick.draw(st.booleans())
        if existing:
            out.mkdir()
            (out / "kept.txt").write_text("the other run's file")
        with locked_folder(out):
            rc, _, err = run_cli([*argv, "--json"], root)
            assert rc == 2 and "another run is writing" in err, err
            assert sorted(p.name for p in out.iterdir()) == [".lock", *(["kept.txt"] if existing else [])]
