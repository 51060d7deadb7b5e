"""What is an article and what stands where it should be (crawler.extract.interstitial and
crawler.pagestore.not_the_article): the pages a site serves on a bad day are refused; a short
article that carries a login box, a captcha'd comment form or a challenge platform's script
is not; a real rewrite is a version, a page that lost its text and its title is not.

The page-level rules are tested on saved markup; the store-level ones through store_page on a
real SQLite file."""

from __future__ import annotations

import html

import pytest

from crawler.extract import extract_article
from crawler.extract.interstitial import generic_title
from crawler.fetchstate import PageFetched
from crawler.pagestore import store_page
from crawler.store import open_db
from local_news_site import BAD_DAYS, STORIES, NewsSite

URL = "http://127.0.0.1:8000/news/2.html"
BRIEF = ("عاجل: أعلنت وزارة الكهرباء عودة التيار إلى أحياء شرق بغداد بعد انقطاع استمر "
         "ست ساعات بسبب عطل في محطة التحويل الرئيسية.")


def brief_page(extra: str, head: str = '<meta property="og:type" content="article">') -> str:
    """A short real news brief (one sentence) in a theme that carries ``extra``."""
    return (f'<!doctype html><html lang="ar" dir="rtl"><head><meta charset="utf-8">'
            f"<title>عودة التيار الكهربائي إلى شرق بغداد | صحيفة</title>{head}</head><body>"
            f'<header><a href="/">صحيفة</a>{extra}</header><main><article>'
            f"<h1>عودة التيار الكهربائي إلى شرق بغداد</h1>"
            f'<div class="article-body"><p>{html.escape(BRIEF)}</p></div></article></main>'
            f"<footer><p>جميع الحقوق محفوظة</p></footer></body></html>")


@pytest.mark.parametrize("layout", sorted(BAD_DAYS))
def test_every_bad_day_page_is_recognised(layout):
    site = NewsSite(layout=layout)
    article = extract_article(site.render("/news/2.html")[2], URL)
    if layout == "paywall":  # an article still, but marked not free to read: see below
        assert article.interstitial is None and article.paywalled
    else:
        assert article.interstitial is not None
        assert article.interstitial.stage == ("not_article" if layout in ("maintenance", "soft404")
                                              else "blocked")


@pytest.mark.parametrize("extra", [
    '<form class="login" action="/account/login"><input type="email"><input type="password">'
    "</form>",
    '<div class="comments"><form action="/comment"><textarea></textarea>'
    '<div class="g-recaptcha" data-sitekey="x"></div></form></div>',
    "<script>(function(){var c=document.createElement('script');"
    "c.src='/cdn-cgi/challenge-platform/scripts/jsd/main.js';})();</script>",
    '<div id="cookie-consent" class="cmp-banner"><p>نستخدم ملفات تعريف الارتباط</p>'
    '<form action="/consent"><button>موافق</button></form></div>',
], ids=["login-box", "comment-captcha", "cloudflare-jsd-script", "consent-banner"])
def test_a_short_article_with_a_widget_of_a_wall_is_still_an_article(extra):
    article = extract_article(brief_page(extra), URL)
    assert article.interstitial is None
    assert BRIEF in article.body


def test_generic_titles_in_arabic_and_english():
    assert generic_title("Just a moment...") == "challenge"
    assert generic_title("الصفحة غير موجودة | صحيفة الرافد") == "error"
    assert generic_title("404 - Not Found") == "error"
    assert generic_title("تسجيل الدخول - الموقع") == "login"
    assert generic_title("وزارة الكهرباء تعلن خطة صيانة المحطات قبل الصيف") == ""
    assert generic_title("خطأ طبي يودي بحياة طفل في مستشفى البصرة") == ""


# Compared with the stored version ----------------------------------------------------------

def page(url: str, text: str) -> PageFetched:
    return PageFetched(url=url, site="rafid", kind="article", status=200,
                       fetched="2026-12-04T10:00:00+00:00", body=text.encode())


def story_page(title: str, paragraphs: list[str], head: str = "") -> str:
    ps = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return (f'<!doctype html><html lang="ar" dir="rtl"><head><meta charset="utf-8">'
            f"<title>{html.escape(title)}</title>{head}</head><body><main><article>"
            f'<h1>{html.escape(title)}</h1><div class="article-body">{ps}</div>'
            f"</article></main></body></html>")


@pytest.fixture
def db(tmp_path):
    database = open_db(tmp_path / "raqib.db")
    headline, paragraphs = STORIES[3]
    assert store_page(database, page(URL, story_page(headline, paragraphs))).result == "new"
    yield database
    database.close()


def versions(db) -> int:
    return db.execute("SELECT COUNT(*) FROM versions WHERE url = ?", [URL]).fetchone()[0]


def test_a_real_rewrite_new_title_and_new_text_is_a_version(db):
    _, paragraphs = STORIES[3]
    rewritten = [p.replace("خمسمئة", "ستمئة").replace("البصرة", "ذي قار") + " وأكد الوزير ذلك."
                 for p in paragraphs]
    stored = store_page(db, page(URL, story_page("العقد الجديد لمحطة ذي قار يرفع الطاقة", rewritten)))
    assert stored.result == "changed" and versions(db) == 2


def test_a_page_that_lost_its_text_and_title_is_not_a_version(db):
    stored = store_page(db, page(URL, story_page("أخبار المدينة", [
        "تابعوا آخر الأخبار المحلية والعالمية على مدار الساعة مع فريقنا."])))
    assert stored.result == "not_article" and stored.refused.kind == "lost"
    assert versions(db) == 1
    (stage, message), = db.execute("SELECT stage, message FROM crawl_errors").fetchall()
    assert stage == "not_article" and "the title changed" in message


def test_a_shortened_article_with_its_title_is_still_a_version(db):
    headline, paragraphs = STORIES[3]
    assert store_page(db, page(URL, story_page(headline, paragraphs[:1]))).result == "changed"


def test_a_paywall_teaser_of_a_stored_article_is_not_a_version(db):
    headline, paragraphs = STORIES[3]
    marked = ('<script type="application/ld+json">{"@type": "NewsArticle", '
              '"isAccessibleForFree": false}</script>')
    stored = store_page(db, page(URL, story_page(headline, paragraphs[:1], marked)))
    assert stored.result == "not_article" and stored.refused.stage == "blocked"
    assert versions(db) == 1
