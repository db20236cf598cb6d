"""scripts/readme.py: README's generated blocks follow the committed records, and the docs' long blocks render.

No number in README.md is typed by hand: the main job's time, the test command's time and the claims
table come from docs/reference_quick.json and docs/test_timing.json (``python scripts/readme.py``).
"""

import html
import json
import re

import pytest

import readme  # scripts/readme.py (pyproject: pytest's pythonpath holds scripts/)
from wavetheory.io import read_json


def test_readme_blocks_match_the_records():
    assert readme.check_readme(), "README.md's generated blocks differ from the records: run python scripts/readme.py"
    blocks = readme.readme_blocks(readme.README.read_text())
    assert set(blocks) == set(readme.BLOCKS)  # every block is in README, once


def test_the_claims_table_has_every_claim_with_its_status_and_nothing_else():
    ref = read_json(readme.REFERENCE)
    table = readme.render_claims(ref)
    rows = [line for line in table.splitlines() if re.match(r"\| C\d+ \|", line)]
    assert [r.split("|")[1].strip() for r in rows] == [c["id"] for c in ref["claims"]]
    for row, c in zip(rows, ref["claims"]):
        assert row.split("|")[2].strip() == f"**{c['status']}**"  # the status word, not the scope
    assert f"{ref['meta']['wall_seconds']:.0f} s" in readme.render_job(ref)


def test_blocks_follow_the_records(tmp_path):
    ref = read_json(readme.REFERENCE)
    changed = json.loads(json.dumps(ref))
    changed["claims"][0]["status"] = "refuted"
    changed["meta"]["wall_seconds"] = 4321.0
    assert re.search(r"\| C1 \| \*\*refuted\*\*", readme.render_claims(changed))
    assert "4321 s" in readme.render_job(changed) and "4321" not in readme.render_job(ref)
    changed["meta"]["earlier_sittings"] = {"runs": 87, "training_wall_seconds": 2400.4}  # a resumed run says so
    assert "4321 s on" in readme.render_job(changed) and "in its last sitting, which read back 87 trained networks from " \
        "earlier sittings (their training: 2400 s" in readme.render_job(changed)
    timing = {"tiers": [{"name": "fast", "command": "python -m pytest -q -m \"not slow\"", "seconds": 300.0,
                         "summary": "900 passed, 3 skipped", "returncode": 0}], "commit": "abc", "date": "d", "machine": "m"}
    assert "took 5.0 min (900 passed, 3 skipped)" in readme.render_tests(timing)
    assert "Not timed yet" in readme.render_tests(None)


def test_update_and_check(tmp_path):
    md = tmp_path / "README.md"
    begin, end = readme.markers("claims")
    md.write_text(f"intro\n{begin}\nstale\n{end}\nrest\n")
    blocks = {"claims": readme.BLOCKS["claims"]}
    assert readme.update_readme(md, blocks) is True
    assert readme.update_readme(md, blocks) is False
    text = md.read_text()
    assert text.startswith("intro\n") and text.endswith("rest\n") and "stale" not in text and "| C1 |" in text
    with pytest.raises(ValueError, match="README"):
        readme._splice("no markers", "x", "claims")


def test_the_docs_claims_page_shows_every_check_of_the_reference():
    ref = read_json(readme.REFERENCE)
    block = readme.render(ref)
    for c in ref["claims"]:
        assert f"| {c['id']} |" in block and c["status"] in block
        for k in readme._checks(c):
            assert html.escape(k["name"]) in block and html.escape(k["detail"]) in block


def test_a_schema_3_claim_is_read_through_its_rows():
    claim = {"id": "C9", "title": "t", "status": "reproduced", "verdict": "reproduced (x)", "rows": [
        {"id": "C9.1", "checks": [{"name": "a", "kind": "stated", "road": "trained", "passed": True, "detail": "d1"}]},
        {"id": "C9.2", "checks": [{"name": "b", "kind": "control", "road": "trained", "passed": False, "detail": "d2"}]}]}
    block = readme.render({"meta": {"command": "x --out r", "mode": "quick", "seed": 0, "wall_seconds": 1.0,
                                    "machine": "m"}, "claims": [claim]})
    assert "stated 1/1, control 0/1" in block and "d1" in block and "d2" in block and "Verdict: reproduced (x)" in block


def test_every_further_run_renders_with_its_own_identity():
    runs = {**readme.further_runs(), **({"full": readme.REFERENCE_FULL} if readme.REFERENCE_FULL.exists() else {})}
    assert runs, "docs/run_*.json or docs/reference_full.json: the committed runs beyond the quick reference"
    for name, path in runs.items():
        block = readme.render_run(read_json(path), path)
        assert block.splitlines()[0] == readme.GENERATED.format(src=path.relative_to(readme.ROOT)), name
        assert read_json(path)["meta"]["command"] in block


def test_render_full_says_what_the_full_run_took_and_each_status_beside_quick_mode_s():
    quick = {"claims": [{"id": "C7", "status": "refuted"}, {"id": "C8", "status": "refuted"}]}
    full = {"meta": {"command": "wavetheory reproduce --out results-full", "mode": "full", "seeds_per_family": 20,
                     "commit": "abc", "date": "2026-12-05", "wall_seconds": 321.4, "machine": "m",
                     "earlier_sittings": {"runs": 1280, "training_wall_seconds": 9000.2}},
            "claims": [{"id": "C7", "status": "refuted", "rows": [{"id": "C7.1", "status": "refuted"}]},
                       {"id": "C8", "status": "refined", "rows": [{"id": "C8.1", "status": "refined", "revised": True}]},
                       {"id": "C17", "status": "open", "rows": []}]}
    block = readme.render_full(full, quick)
    assert "(`wavetheory reproduce --out results-full`; full mode, 20 seeds per trained family; commit abc, 2026-12-05) " \
           "took 321 s on m in its last sitting, which read back 1280 trained networks" in block
    assert "| C7 | **refuted** | refuted | C7.1 refuted |" in block
    assert "| C8 | **refined** (moved) | refuted | C8.1 refined (revised after data) |" in block  # a status that moved
    assert "| C17 | **open** (moved) | not run |" in block
    assert "No full run is committed" in readme.render_full(None, quick)


def test_readme_script_saves_a_run_only_as_the_reference_of_its_mode(tmp_path, capsys):
    run = tmp_path / "claims.json"
    run.write_text(json.dumps({"meta": {"mode": "full"}, "claims": []}))
    with pytest.raises(SystemExit) as exc:
        readme.main(["--from", str(run)])  # a full run is not the quick reference
    assert exc.value.code == 2 and "--full" in capsys.readouterr().err
    run.write_text(json.dumps({"meta": {"mode": "quick"}, "claims": []}))
    with pytest.raises(SystemExit) as exc:
        readme.main(["--full", "--from", str(run)])
    assert exc.value.code == 2
    with pytest.raises(SystemExit):
        readme.main(["--full"])  # --full needs --from
    run.write_text("not json")
    with pytest.raises(SystemExit) as exc:
        readme.main(["--full", "--from", str(run)])
    assert exc.value.code == 2 and "is not a run's claims.json" in capsys.readouterr().err


def test_the_mutation_record_renders_and_explains_every_equivalent_mutant():
    if not readme.MUTATION_RUN.exists():
        pytest.skip("no mutation run recorded yet (bash scripts/mutation.sh)")
    run = read_json(readme.MUTATION_RUN)
    block = readme.render_mutation(run)
    assert f"{run['killed']} of {run['mutants']} mutants killed" in block
    assert run["killed"] + run["survived"] == run["mutants"]
    assert all(e["reason"].strip() and f"`{e['name']}`" in block for e in run["equivalent"])


def _protocol_run(network, protocol, seed, step, wall, threshold):
    levels = [{"horizon": h, "step_cleared": step // 10 * i, "wall_cleared": wall / 10 * i} for i, h in enumerate((10, 20, 40, 60, 100), 1)]
    return {"network": network, "protocol": protocol, "seed": seed, "bound": 5000, "threshold": threshold, "target_step": step,
            "target_wall": wall, "levels": levels, "load": [1.0, 2.0], "seconds_per_step": wall / step,
            "c7": {"eig_mean": 0.06, "eig_max": 0.1, "angle_max": 0.001, "modulus_mean": 1.05, "n_outside": 3, "horizon": 100}}


def test_render_bench_shows_medians_ranges_censored_runs_and_the_ratio():
    meta = {"command": "python benchmarks/bench_train.py protocol", "commit": "abc", "date": "d", "machine": "m"}
    anchor = {"source": "src", "levels": {"10": [637, 3.2, 3.3], "100": [1665, 18.3, 18.8]},
              "to_0.99": {"step": 12833, "seconds": 418, "criterion": "c"}}
    runs = [_protocol_run("authors", "old", s, st, st / 100, 0.96) for s, st in enumerate((4000, 3000, 5000))]
    runs += [_protocol_run("authors", "new", s, st, st / 100, 0.995) for s, st in enumerate((1000, 1500, 2000))]
    block = readme.render_bench({"anchor": anchor, "protocol": {"meta": meta, "runs": runs}})
    assert "| 0.96 | 3/3 | 4000 (3000..5000) | 40.0 (30.0..50.0) | 10.0 | 1.0-2.0 |" in block
    assert "| 0.995 | 3/3 | 1500 (1000..2000) | 15.0 (10.0..20.0) | 10.0 | 1.0-2.0 |" in block
    assert "2.7x fewer steps, 2.7x less time" in block  # 4000 / 1500
    assert "| 10 | 637, 3.2-3.3 | 400 (300..500) |" in block  # the first level: step // 10
    assert block.count("| - |") == 0  # every level cleared by some run
    assert "| authors | old | 0.060 (0.060..0.060) |" in block and "3/3, 3/3, 0/3, 0/3 |" in block
    runs[1]["target_step"] = runs[1]["target_wall"] = runs[2]["target_step"] = runs[2]["target_wall"] = None
    block = readme.render_bench({"anchor": anchor, "protocol": {"meta": meta, "runs": runs}})
    assert "| 0.96 | 1/3 | >5000 (4000..>5000) | not reached (40.0..not reached) |" in block
    assert "fewer steps" not in block  # no ratio of medians when the old median is censored
    for r in runs[3:]:
        r["levels"][-1]["step_cleared"] = r["levels"][-1]["wall_cleared"] = None
    block = readme.render_bench({"anchor": anchor, "protocol": {"meta": meta, "runs": runs}})
    (row,) = [line for line in block.splitlines() if line.startswith("| 100 |")]
    assert row.endswith("| - |")  # the new protocol never cleared 100 (it stopped at the target): one dash, no range


def test_render_bench_side_by_side_gives_each_level_and_the_time_per_step_ratio():
    meta = {"command": "python benchmarks/bench_train.py authors", "commit": "abc", "date": "d", "machine": "m"}
    lv = lambda h, step, wall: {"horizon": h, "step_cleared": step, "wall_cleared": wall}  # noqa: E731
    runs = [{"seed": s, "steps": 3000, "load": [1.0, 1.5],
             "authors": {"levels": [lv(10, 600, 6.0), lv(100, 1600, 32.0)]},  # 20 ms per step up to 100
             "ours": {"levels": [lv(10, 500, 2.5), lv(100, 2000, 20.0 * f)]}}  # 10 f ms per step
            for s, f in enumerate((1.0, 0.5, 2.0))]
    runs.append({"seed": 3, "steps": 3000, "load": [1.0, 1.5], "authors": {"levels": [lv(10, 600, 6.0)]},
                 "ours": {"levels": [lv(10, 500, 2.5)]}})  # stopped by the bound before 100: no ratio from it
    block = readme.render_bench({"anchor": {}, "authors": {"meta": meta, "runs": runs}})
    assert "| 0 | 10 | 600, 6.0 | 500, 2.5 | 2.40 |" in block
    assert "the authors' code 1600 (1600..1600) steps, ours 2000 (2000..2000)" in block
    assert "over the 3 seeds where both cleared it" in block and "seconds per step, authors / ours: 2.00 (1.00..4.00)." in block


def test_render_bench_target_gives_steps_speedup_and_whether_each_target_is_met():
    meta = {"command": "python benchmarks/bench_train.py target", "commit": "abc", "date": "d", "machine": "m"}
    ours = lambda step, wall: {"step": step, "wall": wall, "steps": step or 20000, "accuracy": 0.991, "eval_size": 4096}  # noqa: E731
    runs = [{"seed": k, "load": [1.0, 1.2], "authors": {"step": 12000, "wall": 400.0, "steps": 12000},
             "ours": ours(step, wall), "speedup": (400.0 / wall if wall else None)}
            for k, (step, wall) in enumerate([(1800, 20.0), (1900, 25.0), (2500, 40.0)])]
    block = readme.render_bench({"anchor": {}, "target": {"meta": meta, "runs": runs}})
    assert "| 0 | 12000, 400.0 | 1800, 20.0 | 0.9910 (4096) | 20.0 |" in block
    assert "our steps to 0.99 1900 (1800..2500) (target <= 2000: met)" in block
    assert "authors / ours 16.0 (10.0..20.0) (target >= 15: met;" in block
    noted = readme.render_bench({"anchor": {}, "target": {"meta": {**meta, "note": "two processes at once"}, "runs": runs}})
    assert "one torch thread; load average 1.0-1.2 during the runs; two processes at once)" in noted
    censored = [*runs[:2], {**runs[2], "speedup": None,  # their script never reached 0.99: a lower bound on the ratio
                            "authors": {"step": None, "wall": None, "steps": 20000, "wall_seconds": 800.0}}]
    block = readme.render_bench({"anchor": {}, "target": {"meta": meta, "runs": censored}})
    assert "| 2 | not reached in 20000 | 2500, 40.0 | 0.9910 (4096) | > 20.0 |" in block
    assert "authors / ours 20.0 (16.0..theirs never) (target >= 15: met;" in block
    runs[1]["ours"], runs[1]["speedup"] = ours(None, None), None  # a run that never reached 0.99 counts as never
    block = readme.render_bench({"anchor": {}, "target": {"meta": meta, "runs": runs}})
    assert "| 1 | 12000, 400.0 | not reached in 20000 |" in block
    assert "2500 (1800..never) (target <= 2000: not met)" in block and "(target >= 15: not met;" in block


def test_render_further_lists_every_claim_of_every_further_run_with_its_rows(tmp_path):
    run = {"meta": {"mode": "full", "seeds_per_family": 20, "commit": "abc"},
           "claims": [{"id": "C7", "status": "refined", "rows": [{"id": "C7.1", "status": "refined", "revised": True},
                                                                  {"id": "C7.2", "status": "refuted"}]}]}
    path = readme.ROOT / "docs" / "run_example-full.json"
    try:
        path.write_text(json.dumps(run))
        block = readme.render_further({"example-full": path})
    finally:
        path.unlink()
    assert "| `docs/run_example-full.json` (full mode, 20 seeds per trained family; commit abc) | C7 | **refined** | " \
           "C7.1 refined (revised after data), C7.2 refuted |" in block
    assert "No further run" in readme.render_further({})


def test_readme_mutation_block_gives_each_score_and_every_surviving_mutant_s_reason(tmp_path):
    run = {"date": "d", "modules": ["m"], "mutants": 10, "killed": 7, "score": 0.7, "not_run": 0,
           "equivalent": [{"name": "m.f__mutmut_1", "reason": "same value"}], "unexplained": ["m.g__mutmut_2", "m.g__mutmut_3"]}
    path = readme.ROOT / "docs" / "mutation_run_example.json"
    try:
        path.write_text(json.dumps(run))
        block = readme.render_mutation_summary({"the example": path, "nothing": tmp_path / "absent.json"})
    finally:
        path.unlink()
    assert "7 of 10 mutants killed, score 70.0%; 1 survivors equivalent (reasons below), 2 unexplained" in block
    assert "- `m.f__mutmut_1`: same value" in block and "- `m.g__mutmut_3`: unexplained" in block
    assert "- nothing: no run recorded" in block


def test_readme_performance_block_is_the_target_part_of_the_benchmark_record():
    data = read_json(readme.BENCH_RUN)
    block = readme.render_performance(data)
    if data.get("target", {}).get("runs"):
        assert all(f"| {r['seed']} |" in block for r in data["target"]["runs"]) and "target <= 2000" in block
    assert "Not measured yet" in readme.render_performance({})


def test_time_tests_keeps_pytest_s_own_summary_line():
    import time_tests  # scripts/time_tests.py

    out = "....\n=========== 1049 passed, 3 skipped, 2 deselected in 612.31s (0:10:12) ===========\n"
    assert time_tests._summary(out) == "1049 passed, 3 skipped, 2 deselected"
    assert time_tests._summary("2 failed, 10 passed in 3.00s\n") == "2 failed, 10 passed"
    assert time_tests.TIERS["full"] in readme.README.read_text()  # the tier it times is README's test command
