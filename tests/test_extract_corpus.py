"""Real news pages with hand-made gold (tests/fixtures/corpus, see its README upstream):
every page's must-have snippets, furniture, title and date, and a floor on mean body F1.

Scoring as the corpus README defines it: token F1 over normalised word tokens as multisets;
snippets checked on whitespace-collapsed normalised text; titles whitespace-collapsed; dates
on their first ten characters.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from gold_pages import GoldPages, body_f1, collapsed

CORPUS = Path(__file__).parent / "fixtures" / "corpus"
PAGES_WITH_GOLD = GoldPages(CORPUS)
PAGES = PAGES_WITH_GOLD.names
ARABIC = [p for p in PAGES if p.startswith("ar__")]
gold, extracted = PAGES_WITH_GOLD.gold, PAGES_WITH_GOLD.extracted

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


@pytest.mark.parametrize("name", PAGES)
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


@pytest.mark.parametrize("name", ARABIC)
def test_arabic_page_body_is_close_to_gold(name):
    assert body_f1(extracted(name).body, gold(name)["body"]) >= 0.95


def test_mean_body_f1_floors():
    arabic = [body_f1(extracted(n).body, gold(n)["body"]) for n in ARABIC]
    every = [body_f1(extracted(n).body, gold(n)["body"]) for n in PAGES]
    assert sum(arabic) / len(arabic) >= ARABIC_F1_FLOOR
    assert sum(every) / len(every) >= ALL_F1_FLOOR
