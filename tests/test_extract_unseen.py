"""Arabic news pages the extractor was not developed on (tests/fixtures/unseen): each page's
must-have snippets, furniture, title and date. The gold was written by hand before any
extractor ran on the page; see each page's .json notes and .source.json provenance.

Scoring as for the corpus: snippets on whitespace-collapsed normalised text, titles
whitespace-collapsed, dates on their first ten characters, body token F1 as multisets.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.extract import extract_article
from gold_pages import GoldPages, body_f1, collapsed

UNSEEN = Path(__file__).parent / "fixtures" / "unseen"
PAGES_WITH_GOLD = GoldPages(UNSEEN)
PAGES = PAGES_WITH_GOLD.names
gold, extracted = PAGES_WITH_GOLD.gold, PAGES_WITH_GOLD.extracted

# Mean body token F1 over the unseen pages. May only rise.
F1_FLOOR = 0.99


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


_PARA = "نص الفقرة الجارية الطويل بما يكفي، وفيه جمل كاملة عن الموضوع وتفاصيله. "


def test_standfirst_above_the_article_body_is_kept():
    """Many CMSs print the story's first paragraph as a lead/standfirst element
    (class «…__lead», «intro», «summary», or itemprop=description) just above the element
    marked as the body, and start the body with the second paragraph."""
    lead = "أعلنت الوزارة اليوم تسجيل حالات جديدة، ليرتفع إجمالي عدد المصابين إلى مئتي حالة."
    for attrs in ("class='story__lead'", "itemprop='description'", "class='article-intro'"):
        html = ("<html><body><div class='story'><h1>عنوان</h1>"
                f"<div {attrs}><p>{lead}</p></div>"
                f"<div itemprop='articleBody'><p>وأوضح المتحدث {_PARA * 3}</p><p>{_PARA * 3}</p></div>"
                "</div><div><a href='/x'>خبر آخر في الموقع</a></div></body></html>")
        body = extract_article(html).body
        assert body.split("\n\n")[0] == lead, attrs


def test_standfirst_is_not_taken_twice_or_from_afar():
    lead = "وأوضح المتحدث " + _PARA
    repeated = ("<html><body><div><div class='lead'><p>" + lead + "</p></div>"
                "<div itemprop='articleBody'><p>" + lead + _PARA + "</p><p>" + _PARA * 3 + "</p></div>"
                "</div></body></html>")
    assert extract_article(repeated).body.count("وأوضح المتحدث") == 1
    # Something readable between the «summary» block and the body: not a standfirst.
    apart = ("<html><body><div><div class='summary'><p>ملخص قسم الأخبار، وفيه جملة كاملة عن الموقع.</p></div>"
             "<div class='box'><p>نشرة الصباح</p></div>"
             "<div itemprop='articleBody'><p>" + _PARA * 3 + "</p><p>" + _PARA * 3 + "</p></div>"
             "</div></body></html>")
    assert "ملخص قسم الأخبار" not in extract_article(apart).body
