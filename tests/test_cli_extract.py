"""`raqib extract`: the extractor on saved pages, as DESIGN.md specifies."""

import json
from pathlib import Path

from click.testing import CliRunner

from monitor.cli import main

CORPUS = Path(__file__).parent / "fixtures" / "corpus"
PAGES = sorted(CORPUS.glob("ar__*.html"))[:3]


def test_jsonl_prints_one_object_per_file_in_order():
    result = CliRunner().invoke(main, ["extract", *map(str, PAGES), "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.output.splitlines()]
    assert [r["file"] for r in records] == [str(p) for p in PAGES]
    for record, page in zip(records, PAGES):
        gold = json.loads(page.with_suffix(".json").read_text(encoding="utf-8"))
        assert {"file", "url", "title", "body", "published", "author"} <= set(record)
        assert record["title"] == gold["title"]
        assert all(s in record["body"] for s in gold["with"][:1])


def test_explain_shows_each_removed_block_and_its_rule():
    page = Path(__file__).parent / "fixtures" / "furniture_page.html"
    result = CliRunner().invoke(main, ["extract", str(page), "--explain"])
    assert result.exit_code == 0, result.output
    removed = result.output.split("-- removed --", 1)[1]
    assert "شاركها" in removed  # the share bar, with the rule that took it
    assert any(line.startswith("[") and "]" in line for line in removed.splitlines())


def test_explain_json_lists_rules():
    page = Path(__file__).parent / "fixtures" / "furniture_page.html"
    result = CliRunner().invoke(main, ["extract", str(page), "--explain", "--format", "json"])
    record = json.loads(result.output)
    assert record["removed"] and all({"rule", "text"} <= set(r) for r in record["removed"])


def test_explain_names_the_container_and_the_check():
    result = CliRunner().invoke(main, ["extract", str(PAGES[0]), "--explain"])
    assert result.exit_code == 0, result.output
    assert "\ncheck: ok (container " in result.output
    assert "\n[container] " in result.output


def test_site_applies_that_seeds_selectors():
    page = CORPUS / "en__theguardian.com__wcxb-4370.html"
    examples = Path(__file__).resolve().parents[1] / "seeds" / "examples"
    plain = CliRunner().invoke(main, ["extract", str(page), "--format", "json", "--explain"])
    fixed = CliRunner().invoke(main, ["extract", str(page), "--format", "json", "--explain",
                                      "--site", "guardian_books", "--seeds", str(examples)])
    assert plain.exit_code == 0 and fixed.exit_code == 0, fixed.output
    assert not any(r["rule"] == "drop_text" for r in json.loads(plain.output)["removed"])
    assert "Explore more on these topics" not in json.loads(fixed.output)["body"]
    assert any(r["rule"] == "drop_text" for r in json.loads(fixed.output)["removed"])
    unknown = CliRunner().invoke(main, ["extract", str(page), "--site", "nope", "--seeds", str(examples)])
    assert unknown.exit_code != 0 and "no site 'nope'" in unknown.output
