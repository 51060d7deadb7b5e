"""Real news pages with hand-made gold (tests/fixtures/corpus, development pages: rules may be
written while looking at them): every page's must-have snippets, furniture, title and date, and
a floor on mean body F1. Any number of pages; adding one needs no change here.

A page the extractor is known to get wrong is listed in gold_pages.KNOWN_GAPS with its gap: its
leak and body tests are strict xfails and it stays out of the mean floors until it is fixed.

Scoring as the corpus README defines it: token F1 over normalised word tokens as multisets;
snippets checked on whitespace-collapsed normalised text; titles whitespace-collapsed; dates
on their first ten characters.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from gold_pages import KNOWN_GAPS, GoldPages, body_f1, collapsed

CORPUS = Path(__file__).parent / "fixtures" / "corpus"
PAGES_WITH_GOLD = GoldPages(CORPUS)
PAGES = PAGES_WITH_GOLD.names
ARABIC = [p for p in PAGES if p.startswith("ar__")]
gold, extracted = PAGES_WITH_GOLD.gold, PAGES_WITH_GOLD.extracted


def pages(names: list[str]) -> list:
    """Parameters for the leak and body tests: a known-gap page is a strict xfail naming it."""
    return [pytest.param(n, marks=[pytest.mark.xfail(strict=True, reason=f"issue 8: {KNOWN_GAPS[n]}")]
                         if n in KNOWN_GAPS else []) for n in names]


# Mean body token F1 over the Arabic pages. May only rise.
ARABIC_F1_FLOOR = 0.99
# Mean body token F1 over every page (Arabic and English). May only rise.
ALL_F1_FLOOR = 0.99


def test_every_page_has_gold_and_provenance():
    assert ARABIC and len(PAGES) > len(ARABIC)  # Arabic pages and English ones; any number
    for name in PAGES:
        assert (CORPUS / f"{name}.json").exists() and (CORPUS / f"{name}.source.json").exists()


@pytest.mark.parametrize("name", PAGES)
def test_with_snippets_are_found(name):
    body = collapsed(extracted(name).body)
    missing = [s for s in gold(name).get("with") or [] if collapsed(s) not in body]
    assert not missing


@pytest.mark.parametrize("name", pages(PAGES))
def test_without_snippets_do_not_leak(name):
    body = collapsed(extracted(name).body)
    leaked = [s for s in gold(name).get("without") or [] if collapsed(s) in body]
    assert not leaked


@pytest.mark.parametrize("name", [p for p in PAGES if gold(p).get("title")])
def test_title_is_exact(name):
    assert " ".join(extracted(name).title.split()) == " ".join(gold(name)["title"].split())


@pytest.mark.parametrize("name", [p for p in PAGES if gold(p).get("published")])
def test_published_date(name):
    assert (extracted(name).published or "")[:10] == gold(name)["published"][:10]


@pytest.mark.parametrize("name", pages(ARABIC))
def test_arabic_page_body_is_close_to_gold(name):
    assert body_f1(extracted(name).body, gold(name)["body"]) >= 0.95


def mean_f1(names: list[str]) -> float:
    return sum(body_f1(extracted(n).body, gold(n)["body"]) for n in names) / len(names)


def test_mean_body_f1_floors():
    """The floors over every page without a known gap."""
    assert mean_f1([n for n in ARABIC if n not in KNOWN_GAPS]) >= ARABIC_F1_FLOOR
    assert mean_f1([n for n in PAGES if n not in KNOWN_GAPS]) >= ALL_F1_FLOOR


@pytest.mark.xfail(bool(KNOWN_GAPS), strict=True,
                   reason=f"issue 8: known gaps on {sorted(KNOWN_GAPS)}")
def test_mean_body_f1_floors_over_every_page():
    """The same floors with the known-gap pages counted: this is the goal."""
    assert mean_f1(ARABIC) >= ARABIC_F1_FLOOR
    assert mean_f1(PAGES) >= ALL_F1_FLOOR


def test_known_gaps_are_corpus_pages():
    assert set(KNOWN_GAPS) <= set(PAGES)
