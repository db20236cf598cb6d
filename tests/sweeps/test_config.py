"""The sweep grid: config files (TOML/JSON), validation that names the key, cell ids, task specs."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from sweep_cells import CONFIG
from wavetheory.sweeps.config import Cell, SweepConfig, TaskSpec, load_config

TESTS = Path(__file__).resolve().parents[1]  # tests/


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


# --------------------------------------------------------------------------- grid and ids


def test_grid_and_ids(tmp_path):
    cfg = load_config(_write(tmp_path / "s.toml", CONFIG))
    cells = cfg.cells()
    assert len(cells) == 1 * 1 * 2 * 2  # tasks x seeds x hidden x init
    assert len({c.id for c in cells}) == len(cells)
    # the same grid written as JSON gives the same ids (the id hashes parameters, not the file)
    as_json = {"seeds": [0], "hidden": [4, 16], "init": ["default", "wave"], "steps": 30,
               "train": {"batch": 8, "horizons": [4, 8], "eval_every": 10, "eval_batch": 32},
               "tasks": [{"name": "signed-selection", "d": 2, "s": 3, "task_seeds": [0]}]}
    again = load_config(_write(tmp_path / "s.json", json.dumps(as_json)))
    assert [c.id for c in again.cells()] == [c.id for c in cells]
    # pinned: a change of the hashing scheme would orphan every finished cell of existing sweeps
    blob = ('{"hidden":4,"init":"default","seed":0,"steps":30,"task":{"d":2,"name":"signed-selection","s":3,'
            '"task_seed":0},"train":{"batch":8,"eval_batch":32,"eval_every":10,"horizons":[4,8]}}')
    assert cells[0].id == hashlib.sha256(blob.encode()).hexdigest()[:16] == "d01a2932005f6ddd"
    as_json["train"]["batch"] = 9
    assert not {c.id for c in SweepConfig.from_dict(as_json).cells()} & {c.id for c in cells}


def test_lag_file_tasks_are_embedded(tmp_path):
    (tmp_path / "tasks").mkdir()
    _write(tmp_path / "tasks" / "mine.json", json.dumps({"bindings": "-x1(t-2), x0(t-2)"}))
    cfg = load_config(_write(tmp_path / "s.toml", '[[tasks]]\nlags = "tasks/mine.json"\n'))
    (cell,) = cfg.cells()
    assert cell.task.label == "mine(d=2,s=2)"
    assert cell.task.build().lags.tolist() == [[[0, 0], [0, 0]], [[0, -1], [1, 0]]]
    assert cell.describe()["realizable"] is True  # only A_s is non-zero (C12)


def test_readme_example_config_is_valid(tmp_path):
    text = (TESTS.parent / "docs" / "sweeps.md").read_text()  # the docs' Sweeps page (moved from README)
    block = text.split("```toml\n# sweep.toml", 1)[1].split("```", 1)[0]
    cfg = load_config(_write(tmp_path / "sweep.toml", "# sweep.toml" + block))
    assert len(cfg.cells()) == 24  # as the page says: 4 tasks x 3 seeds x 2 initializations


@pytest.mark.parametrize(
    "config, key",
    [
        ({"tasks": []}, "tasks:"),
        ({"tasks": [{"name": "repeat-copy", "d": 2, "s": 3}], "seed": [0]}, "seed: unknown key"),
        ({"tasks": [{"name": "repeat-copy", "d": 0, "s": 3}]}, "tasks[0].d:"),
        ({"tasks": [{"name": "repeat-copy", "d": 2}]}, "tasks[0].s: missing"),
        ({"tasks": [{"name": "nope", "d": 2, "s": 3}]}, "tasks[0].name:"),
        ({"tasks": [{"name": "repeat-copy", "d": 2, "s": 3, "task_seeds": [1]}]}, "tasks[0].task_seeds:"),
        ({"tasks": [{"name": "signed-selection", "d": 2, "s": 3, "task_seeds": [1, 1]}]}, "tasks[0].task_seeds:"),
        ({"tasks": [{"lags": "missing.json"}]}, "tasks[0].lags:"),
        ({"tasks": [{"name": "repeat-copy", "d": 2, "s": 3}, {"name": "repeat-copy", "d": 2, "s": 3}]}, "tasks:"),
        ({"tasks": [{"name": "repeat-copy", "d": 2, "s": 3}], "seeds": [-1]}, "seeds:"),
        ({"tasks": [{"name": "repeat-copy", "d": 2, "s": 3}], "hidden": "big"}, "hidden:"),
        ({"tasks": [{"name": "repeat-copy", "d": 2, "s": 3}], "init": ["waves"]}, "init:"),
        ({"tasks": [{"name": "repeat-copy", "d": 2, "s": 3}], "train": {"lr": -1.0}}, "train.lr:"),
        ({"tasks": [{"name": "repeat-copy", "d": 2, "s": 3}], "train": {"hidden": 3}}, "train.hidden: unknown key"),
        ({"tasks": [{"name": "repeat-copy", "d": 2, "s": 3}], "train": {"horizons": [8, 4]}}, "train.horizons:"),
    ],
)
def test_config_errors_name_the_key(tmp_path, config, key):
    with pytest.raises(ValueError) as info:
        SweepConfig.from_dict(config, base=tmp_path)
    assert str(info.value).startswith(key), str(info.value)


def test_cell_ids_depend_on_every_parameter_and_nothing_else():
    task = TaskSpec("signed-selection", 2, 3, 0)
    base = Cell(0, task, seed=0, hidden=8, init="default", steps=10)
    assert Cell(5, task, 0, 8, "default", 10).id == base.id  # the position in the grid is not a parameter
    others = [Cell(0, TaskSpec("signed-selection", 2, 3, 1), 0, 8, "default", 10), Cell(0, task, 1, 8, "default", 10),
              Cell(0, task, 0, 9, "default", 10), Cell(0, task, 0, 8, "wave", 10), Cell(0, task, 0, 8, "default", 11),
              Cell(0, task, 0, 8, "default", 10, (("lr", 0.01),))]
    assert len({c.id for c in others} | {base.id}) == len(others) + 1


def test_task_specs_build_their_task_and_label():
    spec = TaskSpec("repeat-copy", 2, 3)
    assert spec.label == "repeat-copy(d=2,s=3)" and spec.params() == {"name": "repeat-copy", "d": 2, "s": 3, "task_seed": None}
    assert (spec.build().d, spec.build().s, spec.build().active_lags) == (2, 3, (3,))
    seeded = TaskSpec("signed-selection", 2, 3, 4)
    assert seeded.label == "signed-selection(d=2,s=3,seed=4)" and seeded.build() == seeded.build()
    lags = TaskSpec("mine", 1, 2, None, (((0.0,),), ((1.0,),)))
    assert lags.params() == {"name": "mine", "lags": (((0.0,),), ((1.0,),))} and lags.build().active_lags == (2,)


def test_describe_marks_realizability_at_the_trained_horizon():
    """C12 at the largest trained horizon: x(t) = x(t-1) (s = 2) is realizable for H = 1 only."""
    spec = TaskSpec("mine", 1, 2, None, (((1.0,),), ((0.0,),)))
    short = Cell(0, spec, 0, 8, "default", 10, (("horizons", [1]),)).describe()
    long = Cell(0, spec, 0, 8, "default", 10, (("horizons", [1, 4]),)).describe()
    assert (short["realizable"], long["realizable"]) == (True, False)
    assert long["active_lags"] == "1" and long["task"] == "mine(d=1,s=2)"


@pytest.mark.parametrize("value, key", [(True, "seeds"), ([0, True], "seeds"), ([1.5], "hidden"), ([], "steps"),
                                        ([2, 2], "hidden")])
def test_grid_values_reject_bools_floats_empty_and_repeats(value, key):
    with pytest.raises(ValueError) as info:
        SweepConfig.from_dict({"tasks": [{"name": "repeat-copy", "d": 2, "s": 3}], key: value})
    assert str(info.value).startswith(f"{key}:"), str(info.value)


def test_config_file_errors_name_the_file(tmp_path):
    for name, text, what in (("s.yaml", "seeds: [0]", "expected a .toml or .json"), ("s.toml", "seeds = [0,", "not valid TOML"),
                             ("s.json", "{", "not valid JSON"), ("t.toml", "[[tasks]]\nname = 'nope'\nd = 1\ns = 1\n", r"tasks\[0\]\.name: unknown task")):
        with pytest.raises(ValueError, match=what) as info:
            load_config(_write(tmp_path / name, text))
        assert str(info.value).startswith(str(tmp_path / name))
    with pytest.raises(ValueError, match="cannot read"):
        load_config(tmp_path / "missing.toml")


def test_to_json_lists_the_grid(tmp_path):
    cfg = load_config(_write(tmp_path / "s.toml", CONFIG))
    out = cfg.to_json()
    assert out["hidden"] == [4, 16] and out["init"] == ["default", "wave"] and out["steps"] == [30]
    assert out["tasks"] == [{"name": "signed-selection", "d": 2, "s": 3, "task_seed": 0}]
    assert json.loads(json.dumps(out)) == out  # plain JSON


@pytest.mark.parametrize("name, text", [
    ("deep.toml", "seeds = " + "[" * 5000 + "]" * 5000 + "\n"),
    ("deep.json", '{"seeds": ' + "[" * 100_000 + "]" * 100_000 + "}"),
    ("deepish.json", '{"tasks": [{"name": "repeat-copy", "d": 2, "s": 3}], "train": {"horizons": '
                     + "[" * 100 + "1" + "]" * 100 + "}}"),
    ("binary.toml", "\udcff".encode("utf-8", "surrogateescape").decode("latin1")),
])
def test_deeply_nested_or_binary_configs_are_one_value_error(tmp_path, name, text):
    path = tmp_path / name
    path.write_bytes(text.encode("latin1") if name == "binary.toml" else text.encode())
    with pytest.raises(ValueError) as info:
        load_config(path)
    assert str(info.value).startswith(str(path)) and "\n" not in str(info.value)


def test_columns_identify_a_cell_without_building_its_task():
    """The identifying columns need no task: a task too large to build still gets an error record."""
    cell = Cell(3, TaskSpec("repeat-copy", 100_000, 1), 0, 8, "default", 10)
    cols = cell.columns()
    assert cols == {"cell_id": cell.id, "index": 3, "task": "repeat-copy(d=100000,s=1)", "task_name": "repeat-copy",
                    "d": 100_000, "s": 1, "task_seed": None, "seed": 0, "hidden": 8, "init": "default", "steps": 10}
    small = Cell(0, TaskSpec("repeat-copy", 2, 3), 0, 8, "default", 10)
    assert small.describe() == {**small.columns(), "realizable": True, "active_lags": "3"}


def test_authors_task_ids_are_embedded(tmp_path):
    from wavetheory.theory.tasks import authors_task

    text = CONFIG.split("[[tasks]]")[0] + "[[tasks]]\nauthors_task = [2184, 2, 5]\nd = 3\ns = 4\n"
    (spec,) = load_config(_write(tmp_path / "a.toml", text)).tasks
    assert spec.build() == authors_task(2184, 2, 5, 3, 4) and spec.name == "authors:2184,2,5"
    with pytest.raises(ValueError, match=r"tasks\[0\]\.authors_task: id2"):
        load_config(_write(tmp_path / "b.toml", text.replace("[2184, 2, 5]", "[2184, 9, 5]")))
