"""README's claims block is generated from the committed reference run (no number typed by hand)."""

import json
import re

import pytest

from wavetheory.claims import readme
from wavetheory.io import read_json


def test_readme_block_matches_the_reference():
    text = readme.README.read_text()
    block = readme.readme_block(text)
    assert block == readme.render(read_json(readme.REFERENCE)), (
        "README.md's claims block differs from docs/reference_quick.json: run python -m wavetheory.claims.readme")


def test_every_status_and_measured_value_in_the_block_comes_from_the_reference():
    ref = read_json(readme.REFERENCE)
    block = readme.render(ref)
    for c in ref["claims"]:
        assert f"| {c['id']} |" in block and c["status"] in block
        for k in c["checks"]:
            assert k["name"] in block and (not k["detail"] or k["detail"] in block)
    assert f"{ref['meta']['wall_seconds']:.0f} s" in block


def test_render_follows_the_reference(tmp_path):
    ref = read_json(readme.REFERENCE)
    changed = json.loads(json.dumps(ref))
    changed["claims"][0]["status"] = "refuted"
    changed["claims"][0]["checks"][0]["detail"] = "max |diff| = 1.23e+45"
    block = readme.render(changed)
    assert block != readme.render(ref) and "1.23e+45" in block and re.search(r"\| C1 \|.*refuted", block)


def test_update_and_check(tmp_path, monkeypatch):
    ref, md = tmp_path / "ref.json", tmp_path / "README.md"
    ref.write_text(readme.REFERENCE.read_text())
    md.write_text(f"intro\n{readme.BEGIN}\nstale\n{readme.END}\nrest\n")
    assert readme.update_readme(ref, md) is True
    assert readme.update_readme(ref, md) is False
    text = md.read_text()
    assert text.startswith("intro\n") and text.endswith("rest\n") and "stale" not in text
    with pytest.raises(ValueError, match="README"):
        readme._splice("no markers", "x")


def test_every_further_run_has_its_readme_block_and_it_matches():
    text = readme.README.read_text()
    for name, path in readme.further_runs().items():
        assert readme.readme_block(text, *readme.run_markers(name)) == readme.render_run(read_json(path), path), name


def test_a_further_run_is_spliced_between_its_markers(tmp_path):
    ref, md = tmp_path / "reference_quick.json", tmp_path / "README.md"
    ref.write_text(readme.REFERENCE.read_text())
    data = read_json(readme.REFERENCE)
    data["claims"] = [c for c in data["claims"] if c["id"] == "C13"]
    data["meta"]["seeds_per_family"] = 7
    (tmp_path / "run_c13-x.json").write_text(json.dumps(data))
    begin, end = readme.run_markers("c13-x")
    md.write_text(f"{readme.BEGIN}\n{readme.END}\n{begin}\nstale\n{end}\n")
    assert readme.update_readme(ref, md) is True
    block = readme.readme_block(md.read_text(), begin, end)
    assert "stale" not in block and "7 seeds per trained family" in block and "C13" in block and "C1 " not in block
    assert "run_c13-x.json" in block.splitlines()[0]


def test_readme_mutation_block_matches_the_last_mutation_run():
    if not readme.MUTATION_RUN.exists():
        pytest.skip("no mutation run recorded yet (bash scripts/mutation.sh)")
    text = readme.README.read_text()
    run = read_json(readme.MUTATION_RUN)
    assert readme.readme_block(text, readme.MBEGIN, readme.MEND) == readme.render_mutation(run), (
        "README.md's mutation block differs from docs/mutation_run.json: run python -m wavetheory.claims.readme")
    assert run["killed"] + run["survived"] == run["mutants"]
    assert all(e["reason"].strip() for e in run["equivalent"])  # every equivalent mutant says why


def test_readme_bench_block_matches_the_benchmark_record():
    if not readme.BENCH_RUN.exists():
        pytest.skip("no benchmark recorded yet (python benchmarks/bench_train.py protocol)")
    text = readme.README.read_text()
    assert readme.readme_block(text, readme.BBEGIN, readme.BEND) == readme.render_bench(read_json(readme.BENCH_RUN)), (
        "README.md's benchmark block differs from docs/bench_train.json: run python -m wavetheory.claims.readme")


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


def test_readme_prose_quotes_the_seed_counts_in_use():
    # the one place README states the seed counts in prose: it must follow trained_runs, not go stale
    from wavetheory.claims.trained_runs import FULL_SEEDS, QUICK_SEEDS

    text = " ".join(readme.README.read_text().split())
    assert f"statistics over seeds ({QUICK_SEEDS} in quick mode, {FULL_SEEDS} in the full run)" in text
