"""Dates as Arabic news pages write them -> ISO-8601."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from crawler.extract import extract_article
from crawler.extract.dates import date_from_url, parse_machine_date, parse_text_date

FETCHED = datetime(2024, 5, 1, 12, 0, tzinfo=timezone(timedelta(hours=3)))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Egyptian / Gulf
        ("الإثنين، 24 أغسطس 2020 09:23 ص", "2020-08-24T09:23"),
        ("03 يونيو 2020", "2020-06-03"),
        ("الخميس 5 ابريل 2018", "2018-04-05"),
        # Levantine, alone and paired with the Egyptian name
        ("الخميس 14 تشرين الثاني 2019", "2019-11-14"),
        ("تم نشره الجمعة 24 نيسان / أبريل 2020 09:22 مساءً", "2020-04-24T21:22"),
        ("الأحد، 04 آب/اغسطس 2013", "2013-08-04"),
        ("1 كانون الأول 2022", "2022-12-01"),
        # Maghrebi: Algerian/Tunisian and Moroccan
        ("الجمعة 8 فيفري 2019", "2019-02-08"),
        ("3 جويلية 2021", "2021-07-03"),
        ("15 أوت 2020", "2020-08-15"),
        ("12 شتنبر 2021", "2021-09-12"),
        ("7 غشت 2019", "2019-08-07"),
        ("20 يوليوز 2022", "2022-07-20"),
        ("2 دجنبر 2020", "2020-12-02"),
        # Arabic-Indic digits
        ("١٢ مارس ٢٠٢١", "2021-03-12"),
        # Hijri, converted
        ("الأربعاء 11 شوال 1441 هـ", "2020-06-03"),
        ("1 رمضان 1445", "2024-03-11"),
        # numeric
        ("نشر بتاريخ 24/08/2020", "2020-08-24"),
        ("2019/02/09", "2019-02-09"),
        # relative to the fetch time
        ("منذ 3 ساعات", "2024-05-01T09:00+03:00"),
        ("منذ ساعتين", "2024-05-01T10:00+03:00"),
        ("منذ يومين", "2024-04-29"),
        ("منذ 10 دقائق", "2024-05-01T11:50+03:00"),
        ("August 24, 2020", "2020-08-24"),
    ],
)
def test_text_dates(text, expected):
    assert parse_text_date(text, FETCHED) == expected


def test_relative_dates_need_a_fetch_time():
    assert parse_text_date("منذ 3 ساعات") is None


def test_text_without_a_date():
    assert parse_text_date("قالت الوزارة إن 25 شخصا أصيبوا") is None
    assert parse_text_date("") is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2020-06-03T03:01+0400", "2020-06-03T03:01+04:00"),
        ("2020-08-24T09:23:13Z", "2020-08-24T09:23:13+00:00"),
        ("2019-02-08T00:00:00+01:00", "2019-02-08T00:00:00+01:00"),
        ("2023-10-17", "2023-10-17"),
        ("Mon, 24 Aug 2020 09:23:13 +0200", "2020-08-24T09:23:13+02:00"),
        ("2020-06-03 20:18:45", "2020-06-03T20:18:45"),
        ("not a date", None),
        ("", None),
    ],
)
def test_machine_dates_keep_time_and_offset(value, expected):
    assert parse_machine_date(value) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.youm7.com/story/2020/8/24/وزير/4943459", "2020-08-24"),
        ("http://arabic.cnn.com/2013/middle_east/8/3/syria.clashes/index.html", "2013-08-03"),
        ("https://example.com/news/2020-06-03-1.3874341", "2020-06-03"),
        ("https://example.com/2021/12/05/story", "2021-12-05"),
        ("https://example.com/archive/20190208/story", "2019-02-08"),
        ("https://www.theguardian.com/books/2025/dec/05/best-books", "2025-12-05"),
        ("https://example.com/news/4943459", None),
        (None, None),
    ],
)
def test_dates_in_urls(url, expected):
    assert date_from_url(url) == expected


def test_page_date_sources_in_order():
    jsonld = ('<script type="application/ld+json">{"@context":"https://schema.org","@graph":'
              '[{"@type":"WebSite","name":"x"},{"@type":"NewsArticle","headline":"h",'
              '"datePublished":"2021-01-02T10:00:00+02:00"}]}</script>')
    body = "<body><h1>h</h1><p>الأحد 5 مارس 2023</p></body>"
    assert extract_article(f"<html><head>{jsonld}</head>{body}</html>").published == "2021-01-02T10:00:00+02:00"
    meta = '<meta property="article:published_time" content="2022-02-03T04:05:00Z">'
    assert extract_article(f"<html><head>{meta}</head>{body}</html>").published == "2022-02-03T04:05:00+00:00"
    assert extract_article(f"<html>{body}</html>", "https://x.com/2020/1/2/a").published == "2020-01-02"
    assert extract_article(f"<html>{body}</html>").published == "2023-03-05"
    relative = "<body><h1>h</h1><span class='time'>منذ 3 ساعات</span></body>"
    assert extract_article(relative, fetched=FETCHED).published == "2024-05-01T09:00+03:00"


# Real-world formats (issue 9): how Arabic outlets' pages and feeds print a date and time.
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Egyptian CMSs: day name, Arabic comma, 12-hour time with ص/م
        ("الخميس، 24 سبتمبر 2026 01:00 م", "2026-09-24T13:00"),
        ("الخميس، 24 سبتمبر 2026 01:00 ص", "2026-09-24T01:00"),
        ("الخميس، 24 سبتمبر 2026 12:30 ص", "2026-09-24T00:30"),
        # dd/MM/yyyy hh:mm:ss with ص/م, Western or Arabic-Indic digits
        ("24/09/2026 01:15:30 م", "2026-09-24T13:15"),
        ("24/09/2026 11:15:30 ص", "2026-09-24T11:15"),
        ("03/12/2026 12:05:00 م", "2026-12-03T12:05"),
        ("٢٤/٠٩/٢٠٢٦ ٠١:١٥:٣٠ م", "2026-09-24T13:15"),
        ("2026/09/24 - 13:15", "2026-09-24T13:15"),
        # E , dd MMM yyyy - HH:mm
        ("الخميس , 24 سبتمبر 2026 - 13:00", "2026-09-24T13:00"),
        ("Thu , 24 Sep 2026 - 13:00", "2026-09-24T13:00"),
        # Moroccan months
        ("الجمعة 15 ماي 2026 - 10:30", "2026-05-15T10:30"),
        ("الجمعة 3 يوليوز 2026", "2026-07-03"),
        ("الخميس 20 غشت 2026 - 09:00", "2026-08-20T09:00"),
        ("الخميس , 24 شتنبر 2026 - 13:00", "2026-09-24T13:00"),
    ],
)
def test_real_world_date_formats(text, expected):
    assert parse_text_date(text) == expected


def test_am_pm_letters_count_only_as_words_of_their_own():
    """«م» that starts the next word («مكة») is not «مساءً»; a numeric date takes a time only
    right after it, not one further along the line."""
    assert parse_text_date("الخميس، 24 سبتمبر 2026 01:00 مكة المكرمة") == "2026-09-24T01:00"
    assert parse_text_date("12/04/2020 وفي الشوط الثاني 3:15") == "2020-04-12"


def test_a_moroccan_page_gets_its_date_and_time_from_its_date_line():
    html = ("<html><body><h1>عنوان الخبر</h1><div class='date'>الجمعة 15 ماي 2026 - 10:30</div>"
            "<div><p>" + "نص الخبر الطويل بما يكفي، وفيه جمل كاملة عن الموضوع. " * 5 + "</p></div>"
            "</body></html>")
    assert extract_article(html).published == "2026-05-15T10:30"
