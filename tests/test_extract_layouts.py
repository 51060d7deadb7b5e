"""Layouts the corpus does not show: the rules must hold on any Arabic news page."""

from __future__ import annotations

import pytest

from crawler.extract import extract_article

P1 = "قالت مصادر مطلعة إن المفاوضات بين الطرفين دخلت مرحلة حاسمة، وإن الأيام المقبلة ستشهد إعلان اتفاق نهائي."
P2 = "وأضافت المصادر أن الوسطاء قدموا مقترحاً جديداً يتضمن وقفاً لإطلاق النار لمدة ستة أسابيع؛ فيما لم يصدر تعليق رسمي."
P3 = "من جهته، أكد المتحدث باسم الخارجية أن بلاده «ملتزمة بالحل السلمي»، داعياً المجتمع الدولي إلى دعم الجهود."
NAV = '<ul class="main-links"><li><a href="/">الرئيسية</a></li><li><a href="/a">عربي ودولي</a></li></ul>'
TEASERS = "".join(
    f'<div class="card"><a href="/n/{i}"><h3>عنوان خبر آخر رقم {i} عن موضوع مختلف تماما</h3></a>'
    f"<p>ملخص قصير للخبر الآخر رقم {i} يتحدث عن أحداث أخرى في المنطقة، وتطورات جديدة.</p></div>"
    for i in range(8)
)

LAYOUTS = {
    "text split by <br><br> in one div": (
        f'<div id="c"><h1>عنوان الخبر</h1><div class="txt">{P1}<br><br>{P2}<br><br>{P3}</div></div>'
        f"<div>{TEASERS}</div>", [P1, P2, P3]),
    "body split across sibling divs around an ad": (
        f'<h1>عنوان الخبر</h1><div class="a"><p>{P1}</p></div><div class="adslot">إعلان</div>'
        f'<div class="b"><p>{P2}</p><p>{P3}</p></div><footer>© 2024</footer>', [P1, P2, P3]),
    "inline read-also lines and a watch-also box": (
        f'<article><h1>عنوان الخبر</h1><p>{P1}</p><p>اقرأ أيضا: <a href="/x">الرئيس يستقبل وفدا رفيعا '
        f'من الاتحاد الأوروبي في القصر</a></p><p>{P2}</p><div><h4>شاهد أيضاً</h4><ul><li><a href="/v">'
        f"فيديو عن الحدث الأول</a></li></ul></div><p>{P3}</p></article>", [P1, P2, P3]),
    "a short story beside a long teaser rail": (
        f'<h1>عنوان الخبر</h1><div class="post"><p>{P1}</p></div><section>{TEASERS}</section>', [P1]),
    "in-body subheadings are kept": (
        f"<article><h1>عنوان الخبر</h1><p>{P1}</p><h2>ردود الفعل</h2><p>{P2}</p>"
        f"<p><strong>موقف الحكومة</strong></p><p>{P3}</p></article>",
        [P1, "ردود الفعل", P2, "موقف الحكومة", P3]),
    "an old table layout": (
        f'<table><tr><td>{NAV}</td><td><h1>عنوان الخبر</h1><span class="date">2021/03/04</span><br>'
        f"{P1}<br><br>{P2}<br><br>{P3}</td></tr></table>", [P1, P2, P3]),
    "byline, date line and caption inside the body": (
        f'<div class="story"><h1>عنوان الخبر</h1><p>بقلم: سمير خوري</p><p>الخميس 14 تشرين الثاني 2019</p>'
        f'<div class="pic"><img src="a.jpg"><span>الوزير خلال المؤتمر الصحفي</span></div>'
        f"<p>{P1}</p><p>{P2}</p><p>{P3}</p></div>", [P1, P2, P3]),
    "comment disclaimer and share labels": (
        f'<article><h1>عنوان الخبر</h1><p>{P1}</p><p>{P2}</p><p>{P3}</p><div class="x">مشاركة</div>'
        f"<p>الآراء الواردة في التعليقات لا تعبر عن رأي الموقع بل عن رأي أصحابها.</p></article>",
        [P1, P2, P3]),
}


@pytest.mark.parametrize("name", LAYOUTS)
def test_layout(name):
    html, paragraphs = LAYOUTS[name]
    article = extract_article(f"<html><body>{NAV}{html}</body></html>".encode())
    assert article.title == "عنوان الخبر"
    assert article.paragraphs == paragraphs


def test_byline_and_levantine_date_from_the_page():
    html, _ = LAYOUTS["byline, date line and caption inside the body"]
    article = extract_article(f"<html><body>{html}</body></html>")
    assert article.author == "سمير خوري"
    assert article.published == "2019-11-14"


def test_site_name_is_not_an_author():
    head = ('<title>المدينة نيوز - خبر اليوم</title><meta name="author" content="المدينة نيوز">'
            '<meta property="og:site_name" content="المدينة نيوز">')
    article = extract_article(f"<html><head>{head}</head><body><h1>خبر اليوم</h1><p>{P1}</p></body></html>")
    assert article.author is None
    assert article.title == "خبر اليوم"


def test_title_from_json_ld_graph_and_stripped_title():
    ld = ('<script type="application/ld+json">[{"@context":"https://schema.org","@graph":[{"@type":'
          '"ReportageNews","headline":"عنوان من البيانات المنظمة","author":{"@type":"Person",'
          '"name":"ليلى حسن"}}]}]</script>')
    article = extract_article(f"<html><head>{ld}</head><body><p>{P1}</p></body></html>")
    assert article.title == "عنوان من البيانات المنظمة"
    assert article.author == "ليلى حسن"
    page = f"<html><head><title>عنوان الصفحة الطويل هنا | موقع الأخبار</title></head><body><p>{P1}</p></body></html>"
    assert extract_article(page).title == "عنوان الصفحة الطويل هنا"
