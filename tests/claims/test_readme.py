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


def test_readme_mutation_block_matches_the_last_mutation_run():
    if not readme.MUTATION_RUN.exists():
        pytest.skip("no mutation run recorded yet (bash scripts/mutation.sh)")
    text = readme.README.read_text()
    run = read_json(readme.MUTATION_RUN)
    assert readme.readme_block(text, readme.MBEGIN, readme.MEND) == readme.render_mutation(run), (
        "README.md's mutation block differs from docs/mutation_run.json: run python -m wavetheory.claims.readme")
    assert run["killed"] + run["survived"] == run["mutants"]
    assert all(e["reason"].strip() for e in run["equivalent"])  # every equivalent mutant says why
