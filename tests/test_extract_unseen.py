"""Arabic news pages the extractor was not developed on (tests/fixtures/unseen): each page's
must-have snippets, furniture, title and date. The gold was written by hand before any
extractor ran on the page; see each page's .json notes and .source.json provenance.

Scoring as for the corpus: snippets on whitespace-collapsed normalised text, titles
whitespace-collapsed, dates on their first ten characters, body token F1 as multisets.
"""

from __future__ import annotations

import json
from collections import Counter
from functools import cache
from pathlib import Path

import pytest

from crawler.extract import Article, extract_article
from crawler.extract.arabic import normalize, tokens

UNSEEN = Path(__file__).parent / "fixtures" / "unseen"
PAGES = sorted(p.stem for p in UNSEEN.glob("*.html"))

# Mean body token F1 over the unseen pages. May only rise.
F1_FLOOR = 0.98


def gold(name: str) -> dict:
    return json.loads((UNSEEN / f"{name}.json").read_text(encoding="utf-8"))


@cache
def extracted(name: str) -> Article:
    return extract_article((UNSEEN / f"{name}.html").read_bytes(), gold(name)["url"])


def collapsed(text: str) -> str:
    return " ".join(normalize(text).split())


def body_f1(predicted: str, expected: str) -> float:
    got, want = Counter(tokens(predicted)), Counter(tokens(expected))
    common = sum((got & want).values())
    if not common:
        return 0.0
    precision, recall = common / sum(got.values()), common / sum(want.values())
    return 2 * precision * recall / (precision + recall)


def test_every_page_has_gold_and_provenance():
    assert len(PAGES) >= 3
    for name in PAGES:
        assert (UNSEEN / f"{name}.json").exists() and (UNSEEN / f"{name}.source.json").exists()


@pytest.mark.parametrize("name", PAGES)
def test_with_snippets_are_found(name):
    body = collapsed(extracted(name).body)
    assert [s for s in gold(name)["with"] if collapsed(s) not in body] == []


@pytest.mark.parametrize("name", PAGES)
def test_without_snippets_do_not_leak(name):
    body = collapsed(extracted(name).body)
    assert [s for s in gold(name)["without"] if collapsed(s) in body] == []


@pytest.mark.parametrize("name", PAGES)
def test_title_is_exact(name):
    assert " ".join(extracted(name).title.split()) == " ".join(gold(name)["title"].split())


@pytest.mark.parametrize("name", PAGES)
def test_published_date(name):
    assert (extracted(name).published or "")[:10] == gold(name)["published"][:10]


@pytest.mark.parametrize("name", PAGES)
def test_body_is_close_to_gold(name):
    assert body_f1(extracted(name).body, gold(name)["body"]) >= 0.95


def test_mean_body_f1_floor():
    scores = [body_f1(extracted(n).body, gold(n)["body"]) for n in PAGES]
    assert sum(scores) / len(scores) >= F1_FLOOR


def test_brokenup_body_keeps_its_subheadings():
    """A body written as one element with <br><br> between paragraphs keeps the short
    subheading lines that stand between two paragraphs of it, and drops short lines
    elsewhere."""
    html = ("<html><body><div class='x'>"
            + "<br><br>".join([
                "فقرة أولى طويلة بما يكفي لتكون نصا جاريا، وفيها فواصل وجمل كاملة عن الموضوع.",
                "عنوان فرعي",
                "فقرة ثانية طويلة بما يكفي لتكون نصا جاريا، وفيها فواصل وجمل كاملة عن الحدث.",
            ])
            + "</div><div>مشاركة</div></body></html>")
    body = extract_article(html).body
    assert "عنوان فرعي" in body.split("\n\n")
    assert "مشاركة" not in body


def test_numeric_dates_with_spaced_slashes_and_arabic_indic_digits():
    """«الاحد 12 / 04 / 2020» and «٠٢:٠٠ الثلاثاء ١ / ١٢ / ٢٠٢٠» are how several Arabic CMSs
    print a date; a page without date metadata still gets its date from such a line."""
    from crawler.extract.dates import find_text_dates

    assert find_text_dates("الاحد 12 / 04 / 2020") == ["2020-04-12"]
    assert find_text_dates("٠٢:٠٠ الثلاثاء ١ / ١٢ / ٢٠٢٠") == ["2020-12-01"]
    assert find_text_dates("النتيجة 3 - 1 في 2020") == []
    html = ("<html><body><h1>عنوان الخبر</h1><div class='date'><time>٠٢:٠٠</time>الثلاثاء ١ / ١٢ / ٢٠٢٠"
            "</div><div><p>" + "نص الخبر الطويل بما يكفي، وفيه جمل كاملة. " * 5 + "</p></div></body></html>")
    assert (extract_article(html).published or "")[:10] == "2020-12-01"


def test_tags_label_is_dropped():
    html = ("<html><body><div><p>" + "نص الخبر الطويل بما يكفي، وفيه جمل كاملة. " * 5 + "</p>"
            "<div><span>الكلمات الدالة :</span> <a href='/t/1'>النمر</a> <a href='/t/2'>السيرك</a></div>"
            "</div></body></html>")
    body = extract_article(html).body
    assert "الكلمات الدالة" not in body and "النمر" not in body
