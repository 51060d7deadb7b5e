"""The frozen Arabic evaluation split (tests/fixtures/eval_ar) is well formed.

Structure only: every page has its gold and its provenance, the gold has the corpus's fields,
and its snippets occur in the page's own bytes. No extractor runs here and no quality figure is
asserted: the split is held out, measured as a whole by ``bench/extract_eval.py --all``
(see its README for the selection rule and the sources searched).
"""

from __future__ import annotations

import json
from pathlib import Path

import lxml.html

from crawler.extract.encoding import decode_html
from gold_pages import collapsed

EVAL_AR = Path(__file__).parent / "fixtures" / "eval_ar"
PAGES = sorted(p.stem for p in EVAL_AR.glob("*.html"))
GOLD_FIELDS = {"url": str, "title": str, "published": str, "body": str, "with": list, "without": list}
SOURCE_FIELDS = ("repo", "path", "commit", "license", "original_url", "sha256")


def test_the_split_says_its_rule_and_sources():
    readme = (EVAL_AR / "README.md").read_text(encoding="utf-8")
    assert "Selection rule" in readme and "Sources searched" in readme and "Held out" in readme


def gold(name: str) -> dict:
    return json.loads((EVAL_AR / f"{name}.json").read_text(encoding="utf-8"))


def test_every_page_has_gold_with_the_corpus_fields():
    for name in PAGES:  # none yet: see the README's search record
        assert {k: type(gold(name).get(k)) for k in GOLD_FIELDS} == GOLD_FIELDS, name
        assert name.startswith("ar__") and gold(name)["body"].strip(), name


def test_every_page_records_its_provenance():
    for name in PAGES:
        source = json.loads((EVAL_AR / f"{name}.source.json").read_text(encoding="utf-8"))
        assert [k for k in SOURCE_FIELDS if not source.get(k)] == [], name


def test_with_snippets_are_text_of_the_page_itself():
    """Gold written from the page: every must-have snippet occurs in the page's own text."""
    for name in PAGES:
        html = lxml.html.fromstring(decode_html((EVAL_AR / f"{name}.html").read_bytes()))
        text = collapsed(html.text_content())
        assert [s for s in gold(name)["with"] if collapsed(s) not in text] == [], name
