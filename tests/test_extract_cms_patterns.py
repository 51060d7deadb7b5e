"""Patterns of Arabic news CMSs the extractor must read, each shown on a small page: a body
broken up by <br><br> with subheadings, numeric dates with spaced slashes and Arabic-Indic
digits, a «الكلمات الدالة» tags line, a standfirst printed above the element marked as the body.

(These tests were written beside five Arabic pages once kept in tests/fixtures/unseen; those
pages are now complete development pages in tests/fixtures/corpus, checked by
tests/test_extract_corpus.py.)
"""

from __future__ import annotations

from crawler.extract import extract_article


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
