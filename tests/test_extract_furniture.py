"""The extractor keeps the article and drops the furniture around it, whatever the bytes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from crawler.extract import Selectors, extract_article
from crawler.extract.arabic import normalize

FIXTURES = Path(__file__).parent / "fixtures"
PAGE = (FIXTURES / "furniture_page.html").read_bytes()

PARAGRAPHS = [
    "أعلنت الحكومة، صباح اليوم الثلاثاء، عن خطة جديدة لدعم المزارعين في المحافظات الجنوبية، "
    "تشمل قروضاً ميسرة وبذوراً محسنة وتوسيع شبكات الري.",
    "وقال وزير الزراعة في مؤتمر صحفي إن الخطة ستنفذ على ثلاث مراحل، تبدأ الأولى في الربيع "
    "المقبل؛ وتستهدف أكثر من عشرين ألف مزارع.",
    "تمويل الخطة",
    "وأوضح الوزير أن تمويل الخطة سيأتي من الموازنة العامة ومن منح دولية، مؤكداً أن «الأولوية "
    "للمزارعين الصغار».",
    "ومن المتوقع أن تعلن الوزارة تفاصيل التقديم خلال الأسبوع المقبل عبر موقعها الرسمي.",
]
FURNITURE = [
    "شاركها", "فيسبوك", "واتساب", "{{", "}}", "reviewsTotal", "singularReviewCountLabel",
    "userData", "الأكثر مشاهدة", "فوز المنتخب الوطني", "Scroll to Top", "سياسة", "رياضة",
    "جميع الحقوق محفوظة", "سياسة الخصوصية", "التعليقات", "أضف تعليقك", "إرسال", "اقرأ أيضاً",
    "ارتفاع أسعار القمح", "الوسوم", "محاصيل شتوية", "أسواق الحبوب", "كتب أحمد سالم", "مزارعون في حقل قمح",
    "الثلاثاء 5 مارس 2024",
]


@pytest.fixture(scope="module")
def article():
    return extract_article(PAGE, "https://example.com/news/2024/03/05/farmers")


def test_every_paragraph_is_kept_in_order(article):
    assert article.paragraphs == PARAGRAPHS


@pytest.mark.parametrize("furniture", FURNITURE)
def test_furniture_is_dropped(article, furniture):
    assert furniture not in article.body


def test_metadata(article):
    assert article.title == "الحكومة تعلن خطة جديدة لدعم المزارعين في الجنوب"
    assert article.published == "2024-03-05T10:30:00+03:00"
    assert article.author == "أحمد سالم"


def test_removed_blocks_name_their_rules(article):
    rules = {block.rule.split(":")[0] for block in article.removed}
    assert {"structure", "directive", "label", "template"} <= rules
    labelled = " ".join(b.text for b in article.removed if b.rule == "label")
    assert "الأكثر مشاهدة" in labelled
    assert all(len(block.text) <= 200 for block in article.removed)


def test_body_paragraphs_are_separated_by_one_blank_line(article):
    assert "\n\n\n" not in article.body
    assert all(p == " ".join(p.split()) for p in article.body.split("\n\n"))


def test_site_selectors_override_everything():
    selectors = Selectors(title=".story-meta .date", body=".story-body h2", drop=(".share-bar",))
    article = extract_article(PAGE, selectors=selectors)
    assert article.title == "الثلاثاء 5 مارس 2024"
    assert article.body == "تمويل الخطة"


def test_extract_package_imports_no_scrapy():
    code = ("import sys, crawler.extract; crawler.extract.extract_article(b'<p>x</p>'); "
            "assert not any(m.startswith('scrapy') for m in sys.modules), 'scrapy imported'")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parent.parent)


# --- encodings -----------------------------------------------------------------------------

ARABIC_PAGE = """<html><head>{meta}<title>خبر عاجل</title></head><body><article>
<h1>ارتفاع منسوب نهر النيل في موسم الفيضان</h1>
<p>قالت وزارة الموارد المائية والري إن منسوب مياه النيل ارتفع خلال الأيام الماضية، وإن السد يعمل بكفاءة.</p>
<p>وأضافت الوزارة في بيان، أن غرفة العمليات تتابع الموقف على مدار الساعة؛ فهل تتأثر الأراضي الزراعية؟</p>
</article></body></html>"""
EXPECTED_BODY = normalize(
    "قالت وزارة الموارد المائية والري إن منسوب مياه النيل ارتفع خلال الأيام الماضية، وإن السد "
    "يعمل بكفاءة.\n\nوأضافت الوزارة في بيان، أن غرفة العمليات تتابع الموقف على مدار الساعة؛ فهل "
    "تتأثر الأراضي الزراعية؟"
)


def _page(codec: str, declared: str | None) -> bytes:
    meta = f'<meta http-equiv="Content-Type" content="text/html; charset={declared}">' if declared else ""
    return ARABIC_PAGE.format(meta=meta).encode(codec)


@pytest.mark.parametrize(
    ("codec", "declared", "header"),
    [
        ("windows-1256", "windows-1256", None),
        ("windows-1256", "iso-8859-1", None),
        ("windows-1256", "utf-8", None),
        ("windows-1256", None, None),
        ("windows-1256", None, "text/html; charset=utf-8"),
        ("iso-8859-6", "iso-8859-6", None),
        ("iso-8859-6", "windows-1256", None),
        ("iso-8859-6", None, None),
        ("utf-8", "windows-1256", None),
        ("utf-8", None, "text/html; charset=iso-8859-6"),
        ("utf-8-sig", None, None),
    ],
)
def test_arabic_pages_decode_whatever_they_declare(codec, declared, header):
    article = extract_article(_page(codec, declared), content_type=header)
    assert article.title == "ارتفاع منسوب نهر النيل في موسم الفيضان"
    assert normalize(article.body) == EXPECTED_BODY


# --- broken input ----------------------------------------------------------------------------

@pytest.mark.parametrize(
    "html",
    [
        b"", "", b"   ", b"\x00\x01\x02\xff\xfe", b"<", b"<html><body><p>",
        b"<html><head><title>x</title></head><body><div><p>\xd8\xa7\xd9\x84", b"<<<>>>&&&;;",
        "<p>" * 5000, "<div>" * 3000 + "نص" + "</div>" * 10,
        "<script>never closed", b"\xef\xbb\xbf", b"<html><body><!-- unterminated comment",
        "<table><tr><td><p>خلية</td></tr>", '<html><body><script type="application/ld+json">{bad',
    ],
)
def test_broken_html_never_raises(html):
    article = extract_article(html, "https://example.com/x")
    assert isinstance(article.title, str) and isinstance(article.body, str)


def test_empty_page_gives_empty_article():
    article = extract_article(b"")
    assert (article.title, article.body) == ("", "")


ENCODED = FIXTURES / "encodings"


@pytest.mark.parametrize("path", sorted(ENCODED.glob("*.html")), ids=lambda p: p.stem)
def test_saved_pages_in_arabic_charsets_decode(path):
    """Saved bytes in windows-1256 / ISO-8859-6, declared rightly, wrongly or not at all."""
    article = extract_article(path.read_bytes())
    assert article.title == "الصحة تدعو إلى أخذ لقاح الإنفلونزا"
    assert article.paragraphs[1] == ("وقال المتحدث باسم الوزارة إن \"الوضع تحت السيطرة\"، مضيفاً أن "
                                     "المستشفيات جاهزة لاستقبال الحالات؟")
