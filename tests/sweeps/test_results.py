"""The results of a sweep: the append-only journal (torn tails, repair) and the CSV table built from it."""

from __future__ import annotations

import json

import numpy as np
import pytest

from wavetheory.sweeps.results import JOURNAL, TABLE, Journal, latest, read_results, write_table


def _record(cell_id: str, index: int, **extra) -> dict:
    return {"cell_id": cell_id, "index": index, "task": "repeat-copy(d=2,s=3)", "status": "ok", **extra}


# --------------------------------------------------------------------------- the journal


def test_journal_round_trip_and_numpy_scalars(tmp_path):
    j = Journal(tmp_path / JOURNAL)
    assert j.load() == []  # no journal yet: no records
    j.append(_record("a", 0, accuracy=np.float64(0.5), steps=np.int64(3), realizable=np.bool_(True)))
    j.append(_record("b", 1, accuracy=0.25))
    recs = j.load()
    assert [r["cell_id"] for r in recs] == ["a", "b"]
    assert recs[0]["accuracy"] == 0.5 and recs[0]["steps"] == 3 and recs[0]["realizable"] is True
    assert (tmp_path / JOURNAL).read_bytes().count(b"\n") == 2  # one line per record
    with pytest.raises(TypeError, match=r"\['bad'\]: not JSON-able: object"):
        j.append(_record("c", 2, bad=object()))
    j.append(_record("d", 3, accuracy=float("nan")))  # the one JSON rule: a non-finite number is written as null
    assert b"NaN" not in (tmp_path / JOURNAL).read_bytes() and j.load()[-1]["accuracy"] is None


def test_torn_tail_is_ignored_and_cut_only_with_repair(tmp_path):
    path = tmp_path / JOURNAL
    j = Journal(path)
    j.append(_record("a", 0))
    whole = path.read_bytes()
    path.write_bytes(whole + b'{"cell_id": "b", "ind')  # a kill during the second write
    assert [r["cell_id"] for r in j.load()] == ["a"]
    assert path.read_bytes() != whole  # plain load leaves the file alone
    assert [r["cell_id"] for r in j.load(repair=True)] == ["a"]
    assert path.read_bytes() == whole  # repair cut the torn line off
    j.append(_record("b", 1))
    assert [r["cell_id"] for r in j.load()] == ["a", "b"]


def test_a_corrupt_complete_line_is_an_error_naming_the_line(tmp_path):
    path = tmp_path / JOURNAL
    path.write_text(json.dumps(_record("a", 0)) + "\nnot json\n")
    with pytest.raises(ValueError, match=r"results.jsonl: line 2 is not a JSON record"):
        Journal(path).load()


def test_latest_keeps_the_last_record_of_each_cell():
    recs = [_record("a", 0, status="error"), _record("b", 1), _record("a", 0, status="ok")]
    out = latest(recs)
    assert list(out) == ["a", "b"] and out["a"]["status"] == "ok"


# --------------------------------------------------------------------------- the table


def test_table_columns_order_and_round_trip(tmp_path):
    recs = [_record("0042", 1, accuracy=0.75, zeta=None, realizable=False, active_lags="3", error="7"),
            _record("b", 0, accuracy=1.0, alpha=2, realizable=True, active_lags="1 3", error=None)]
    path = write_table(tmp_path / TABLE, recs)
    header = path.read_text().splitlines()[0].split(",")
    # identifying columns first (in _FRONT order), then the rest alphabetically
    assert header[:7] == ["cell_id", "index", "task", "realizable", "active_lags", "status", "error"]
    assert header[7:] == ["accuracy", "alpha", "zeta"]
    back = read_results(path)
    assert [r["cell_id"] for r in back] == ["b", "0042"]  # sorted by grid index
    b, a = back
    assert (a["accuracy"], a["index"], a["realizable"], a["zeta"]) == (0.75, 1, False, None)
    assert (b["alpha"], b["realizable"], b["error"]) == (2, True, None)
    # identifiers and messages stay text even when they look like numbers
    assert a["cell_id"] == "0042" and a["active_lags"] == "3" and a["error"] == "7"


def test_read_results_prefers_the_journal_of_a_folder(tmp_path):
    Journal(tmp_path / JOURNAL).append(_record("a", 0, accuracy=0.5))
    Journal(tmp_path / JOURNAL).append(_record("a", 0, accuracy=0.9))  # a retry replaces the first record
    write_table(tmp_path / TABLE, [_record("stale", 0)])
    assert [(r["cell_id"], r["accuracy"]) for r in read_results(tmp_path)] == [("a", 0.9)]
    (tmp_path / JOURNAL).unlink()
    assert [r["cell_id"] for r in read_results(tmp_path)] == ["stale"]  # no journal: the table


def test_read_results_errors_name_the_file(tmp_path):
    with pytest.raises(ValueError, match="cannot read results"):
        read_results(tmp_path / "missing.csv")
    (tmp_path / "other.csv").write_text("a,b\n1,2\n")
    with pytest.raises(ValueError, match=r"other.csv: not a sweep results table"):
        read_results(tmp_path / "other.csv")


@pytest.mark.parametrize("line", ['{"status": "ok"}', '[1, 2]', '{"cell_id": 7}', '"text"'])
def test_a_record_without_a_cell_id_is_an_error_naming_the_line(tmp_path, line):
    path = tmp_path / JOURNAL
    path.write_text(json.dumps(_record("a", 0)) + "\n" + line + "\n")
    with pytest.raises(ValueError, match=r"results.jsonl: line 2 is not a sweep record \(no cell_id\)"):
        Journal(path).load()
    with pytest.raises(ValueError, match="line 2"):
        read_results(tmp_path)
