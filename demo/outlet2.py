"""A second demo outlet, «شبكة الرافدين الإخبارية», served on 127.0.0.1 next to the first demo
site, so that raqib meets one story published by two sites.

It differs from :mod:`demo.site` in everything but the language: its own URLs
(``/story/<id>/``), an Atom feed instead of RSS, one listing page (``/latest/``), its own markup
and furniture (ticker, font-size tools, inline ads, "trending" box). Most of its stories are its
own; two are agency copy that the first demo site also runs, each with its own headline, a
different intro sentence, a few words changed and the outlet's own furniture:

* :data:`COPY_OF_MOU` (edition 1 on): the Iraq–Canada renewable energy memorandum, 18008 on the
  first site;
* :data:`COPY_OF_TRAINERS` (edition 2 on): Canada withdrawing 30 military trainers, 18012 on
  the first site (its first version).

Editions::

    1  four own stories and the copy of 18008
    2  edition 1, the copy of 18012 and one more own story
    3  "dark": a redesign moved the stories into a script-driven app: the feed and the listing
       page answer 200 but link nothing, and the old story URLs answer 404 — the crawler
       finds no article, a health problem
    4  "teasers": edition 2's stories behind a paywall, each page shows only its first
       paragraph — bodies much shorter than usual, a health problem

Usage::

    with OutletServer(edition=1) as outlet:
        seeds.joinpath("rafidain.toml").write_text(outlet_seed_toml(outlet.base_url))
        ...crawl...
        outlet.set_edition(2)
"""

from __future__ import annotations

import html
import re
from datetime import datetime
from urllib.parse import urlsplit

from demo import content as first_site
from demo.content import Article
from demo.server import DemoServer
from demo.site import Response, date_line

OUTLET_EDITIONS: tuple[int, ...] = (1, 2, 3, 4)
DARK_EDITION = 3
TEASER_EDITION = 4

_HTML = "text/html; charset=utf-8"
_ATOM = "application/atom+xml; charset=utf-8"
_TEXT = "text/plain; charset=utf-8"


def _e(text: str) -> str:
    return html.escape(text, quote=True)


# --- stories (demo/data/outlet2.toml) ---------------------------------------------------------

_DATA = first_site.load_data("outlet2")
OUTLET_ID: str = _DATA["id"]
OUTLET_NAME: str = _DATA["name"]
OUTLET_EDITION_1: tuple[Article, ...] = first_site.stories_of(_DATA, 1)
OUTLET_EDITION_2: tuple[Article, ...] = first_site.stories_of(_DATA, 2)

# The syndicated copies: this outlet's story id -> the first demo site's story id.
SYNDICATED: dict[str, str] = {s["id"]: s["copy_of"] for s in _DATA["story"] if "copy_of" in s}
_BY_ID = {a.id: a for a in OUTLET_EDITION_2}
# Agency copy of 18008 (edition 1 on) and of 18012's first version (edition 2 on).
COPY_OF_MOU: Article = _BY_ID[next(k for k, v in SYNDICATED.items() if v == "18008")]
COPY_OF_TRAINERS: Article = _BY_ID[next(k for k, v in SYNDICATED.items() if v == "18012")]

SECTION_NAMES: dict[str, str] = dict(_DATA["sections"])


def outlet_articles(edition: int = 1) -> list[Article]:
    """The stories an edition publishes (the dark edition still answers their pages but links
    none of them), newest first."""
    _check(edition)
    stories = OUTLET_EDITION_1 if edition == 1 else OUTLET_EDITION_2
    return sorted(stories, key=lambda a: a.published_at, reverse=True)


def story_path(article: Article) -> str:
    return f"/story/{article.id}/"


def _check(edition: int) -> int:
    if edition not in OUTLET_EDITIONS:
        raise ValueError(f"the second demo outlet has editions {list(OUTLET_EDITIONS)}, "
                         f"not {edition!r}")
    return edition


# --- rendering --------------------------------------------------------------------------------

_STORY_PATH = re.compile(r"^/story/(\d+)/$")
_NOW = {int(edition): now for edition, now in _DATA["now"].items()}


class OutletSite:
    """One edition of the second outlet, writing absolute URLs under ``base_url``. Like
    :class:`demo.site.DemoSite`, ``render(path)`` is a pure function."""

    def __init__(self, edition: int = 1, base_url: str = "http://127.0.0.1") -> None:
        self.edition = _check(edition)
        self.base_url = base_url.rstrip("/")
        self.articles = outlet_articles(edition)
        self._by_id = {a.id: a for a in self.articles}
        self.now = datetime.fromisoformat(_NOW[edition])

    def url(self, path: str) -> str:
        return self.base_url + path

    def article_url(self, article_id: str) -> str:
        return self.url(story_path(self._by_id[article_id]))

    def linked_articles(self) -> list[Article]:
        """The stories the feed and the listing page link to (none in the dark edition)."""
        return [] if self.edition == DARK_EDITION else self.articles

    def render(self, path: str, base_url: str | None = None) -> Response | None:
        if base_url is not None and base_url.rstrip("/") != self.base_url:
            return OutletSite(self.edition, base_url).render(path)
        path = urlsplit(path).path or "/"
        if path in ("/", "/latest/"):
            return self._html(self._listing())
        if path == "/feed.atom":
            return Response(200, _ATOM, self._atom().encode())
        if path == "/robots.txt":
            return Response(200, _TEXT, b"User-agent: *\nDisallow: /admin/\n")
        m = _STORY_PATH.match(path)
        if m and m.group(1) in self._by_id and self.edition != DARK_EDITION:
            return self._html(self._story(self._by_id[m.group(1)]))
        return None

    def not_found(self) -> Response:
        return Response(404, _HTML, self._page("غير موجود", "<p>الصفحة غير موجودة.</p>").encode())

    def _html(self, text: str) -> Response:
        return Response(200, _HTML, text.encode("utf-8"))

    def _page(self, title: str, main: str, head: str = "") -> str:
        nav = "".join(f'<li><a href="{self.url("/latest/")}">{_e(name)}</a></li>'
                      for name in SECTION_NAMES.values())
        trending = "".join(f'<li><a href="{self.url(story_path(a))}">{_e(a.headline)}</a></li>'
                           for a in self.linked_articles()[:3])
        ticker = ("" if not self.linked_articles() else
                  f'<div class="ticker"><b>شريط الأخبار</b> {_e(self.linked_articles()[0].headline)}</div>')
        script = ""
        if self.edition == DARK_EDITION:  # the redesign: stories come from an API at runtime
            script = '<script src="/static/app.js"></script><div id="stories-root" data-api="/api/v2/stories"></div>'
        return f"""<!doctype html>
<html lang="ar" dir="rtl">
<head>
<meta charset="utf-8">
<title>{_e(title)} - {_e(OUTLET_NAME)}</title>
<link rel="alternate" type="application/atom+xml" href="{self.url('/feed.atom')}">
{head}</head>
<body>
<div id="wrapper">
<div class="masthead"><a class="brand" href="{self.url('/')}">{_e(OUTLET_NAME)}</a>
<ul class="nav">{nav}</ul>
<div class="weather">بغداد 18° | البصرة 24°</div></div>
{ticker}
<div class="wrap">
<div class="col-main">
{main}
{script}
</div>
<div class="col-side"><div class="box trending"><h4>الأكثر تداولاً</h4><ul>{trending}</ul></div>
<div class="box app-promo"><p>حمّل تطبيق الرافدين على هاتفك</p></div></div>
</div>
<div class="foot"><p>© {_e(OUTLET_NAME)} - يُمنع النسخ أو إعادة النشر دون إذن</p></div>
</div>
</body>
</html>
"""

    def _listing(self) -> str:
        items = "".join(
            f'<div class="item"><h3><a href="{self.url(story_path(a))}">{_e(a.headline)}</a></h3>'
            f'<p>{_e(a.summary)}</p></div>' for a in self.linked_articles())
        return self._page("آخر الأخبار", f'<h1 class="page-title">آخر الأخبار</h1>'
                                         f'<div class="items">{items}</div>')

    def _story(self, a: Article) -> str:
        paragraphs = a.paragraphs
        paywall = ""
        if self.edition == TEASER_EDITION:
            paragraphs = paragraphs[:1]
            paywall = '<div class="paywall"><p>لمتابعة القراءة اشترك في الرافدين بلس.</p></div>'
        ps = [f"<p>{_e(p)}</p>" for p in paragraphs]
        if len(ps) > 2:
            ps.insert(2, '<div class="inline-ad">إعلان</div>')
        head = (f'<meta property="og:title" content="{_e(a.headline)}">\n'
                f'<meta property="og:type" content="article">\n'
                f'<meta property="article:published_time" content="{a.published}">\n'
                f'<meta name="author" content="{_e(a.author)}">\n')
        main = f"""<div class="story">
<div class="kicker">{_e(SECTION_NAMES[a.section])}</div>
<h1 class="story-headline">{_e(a.headline)}</h1>
<div class="byline">{_e(a.author)} | <span class="stamp">{_e(date_line(a.published_at, "tech"))}</span></div>
<div class="tools"><a href="#">A+</a> <a href="#">A-</a> <a href="#">طباعة</a> <a href="#">إرسال</a></div>
<div class="story-text">
{chr(10).join(ps)}
</div>
{paywall}
<div class="story-tags">كلمات مفتاحية: {_e(SECTION_NAMES[a.section])}</div>
</div>"""
        return self._page(a.headline, main, head)

    def _atom(self) -> str:
        entries = "".join(f"""<entry>
<title>{_e(a.headline)}</title>
<link href="{_e(self.url(story_path(a)))}"/>
<id>{_e(self.url(story_path(a)))}</id>
<published>{a.published}</published>
<updated>{a.published}</updated>
<author><name>{_e(a.author)}</name></author>
<summary>{_e(a.summary)}</summary>
</entry>
""" for a in self.linked_articles())
        return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
<title>{_e(OUTLET_NAME)}</title>
<id>{_e(self.url('/'))}</id>
<updated>{self.now.isoformat()}</updated>
<link href="{_e(self.url('/'))}"/>
{entries}</feed>
"""


# --- serving ----------------------------------------------------------------------------------


class OutletServer(DemoServer):
    """The second outlet over real HTTP on 127.0.0.1: :class:`DemoServer`'s HTTP shell, serving
    :class:`OutletSite` editions (1–4) instead of the first demo site's."""

    def __init__(self, edition: int = 1, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__(edition=1, host=host, port=port)
        self._edition = _check(edition)

    def set_edition(self, edition: int) -> None:
        with self._lock:
            self._edition = _check(edition)

    @property
    def site(self) -> OutletSite:  # type: ignore[override]
        base = self.base_url
        with self._lock:
            site = self._sites.get(self._edition)
            if site is None or site.base_url != base:
                site = self._sites[self._edition] = OutletSite(self._edition, base)
            return site


def outlet_seed_toml(base_url: str, site_id: str = OUTLET_ID) -> str:
    """The seed file (``seeds/<site_id>.toml``) for the second outlet served at ``base_url``:
    its Atom feed, its listing page, and selectors for its story text (its news ticker sits
    right above the story and changes with every edition)."""
    base = base_url.rstrip("/")
    host = re.sub(r"^https?://", "", base).split("/")[0].rsplit(":", 1)[0]
    root = re.escape(base)
    return f"""# seeds/{site_id}.toml: the second demo outlet ({OUTLET_NAME})
id = "{site_id}"
name = "{OUTLET_NAME}"
allowed_domains = ["{host}"]
feeds = ["{base}/feed.atom"]
start_urls = ["{base}/latest/"]
article_url = '^{root}/story/\\d+/$'
every = "30m"
discover_sitemaps = false
[selectors]
title = "h1.story-headline"
body = ".story-text"
drop = [".inline-ad"]
"""

