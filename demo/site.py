"""Render the demo news site: HTML pages, RSS, sitemaps and robots.txt, as bytes.

``DemoSite(edition, base_url).render(path)`` is a pure function of its arguments: no clock, no
randomness, no I/O. The server in :mod:`demo.server` is a thin HTTP shell around it.

Paths::

    /                                   home: sections, top stories, a link to /private/
    /section/<slug>/                    listing page 1 (newest first, PAGE_SIZE cards)
    /section/<slug>/page/<n>/           listing page n >= 2
    /news/<yyyy>/<mm>/<dd>/<id>.html    an article
    /rss.xml                            RSS 2.0, the FEED_SIZE newest articles
    /sitemap.xml                        sitemap index -> news-sitemap.xml, sitemap-archive.xml
    /news-sitemap.xml                   Google News sitemap, articles of the last 2 days
    /sitemap-archive.xml                plain urlset of every article, with lastmod
    /robots.txt                         Disallow: /private/ and the Sitemap line
    /private/drafts/                    an editors' page robots.txt forbids
    /about/                             a static page

Furniture (menus, share bars, review widgets, most-viewed lists, cookie notices…) surrounds and
partly sits inside every article body; edition 2 changes all of it without changing any story
text. Articles only reachable through listing page 2 are never linked from anywhere else.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import format_datetime
from urllib.parse import quote, urlsplit

from demo import content as c
from demo.content import Article, Section

PAGE_SIZE = 4
FEED_SIZE = 10
NEWS_SITEMAP_WINDOW = timedelta(days=2)
HOME_TOP_STORIES = 6

_HTML = "text/html; charset=utf-8"
_XML = "application/xml; charset=utf-8"
_RSS = "application/rss+xml; charset=utf-8"
_TEXT = "text/plain; charset=utf-8"


@dataclass
class Response:
    """What the server sends back for one path."""

    status: int
    content_type: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


def _e(text: str) -> str:
    return html.escape(text, quote=True)


# --- Arabic dates and numbers for the visible page --------------------------------------------

_MONTHS = ("يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر",
           "أكتوبر", "نوفمبر", "ديسمبر")
_MONTHS_LEVANT = ("كانون الثاني", "شباط", "آذار", "نيسان", "أيار", "حزيران", "تموز", "آب",
                  "أيلول", "تشرين الأول", "تشرين الثاني", "كانون الأول")
_WEEKDAYS = ("الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأحد")
_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def _clock12(d: datetime) -> str:
    hour = d.hour % 12 or 12
    return f"{hour:02d}:{d:%M} {'م' if d.hour >= 12 else 'ص'}"


def date_line(d: datetime, style: str) -> str:
    """The visible date of an article, in the style its section's template uses."""
    if style == "p":  # Iraqi/Levantine month names next to the Egyptian ones
        return (f"{_WEEKDAYS[d.weekday()]}، {d.day} {_MONTHS_LEVANT[d.month - 1]}/"
                f"{_MONTHS[d.month - 1]} {d.year} - {d:%H:%M}")
    if style == "br":
        return f"{d:%d/%m/%Y} {_clock12(d)}"
    if style == "plain":
        return f"{_WEEKDAYS[d.weekday()]} {d.day} {_MONTHS[d.month - 1]} {d.year} - {_clock12(d)}"
    if style == "styled":  # Arabic-Indic digits
        return f"نُشر في {d.day} {_MONTHS[d.month - 1]} {d.year} الساعة {d:%H:%M}".translate(_INDIC)
    return f"{d.day} {_MONTHS[d.month - 1]}، {d.year}"


def relative_time(then: datetime, now: datetime) -> str:
    """«منذ 3 ساعات» and friends, with the Arabic dual and plural forms."""
    minutes = max(0, int((now - then).total_seconds() // 60))
    if minutes < 60:
        if minutes <= 1:
            return "منذ دقيقة"
        if minutes == 2:
            return "منذ دقيقتين"
        return f"منذ {minutes} {'دقائق' if minutes <= 10 else 'دقيقة'}"
    hours = minutes // 60
    if hours < 24:
        if hours == 1:
            return "منذ ساعة"
        if hours == 2:
            return "منذ ساعتين"
        return f"منذ {hours} {'ساعات' if hours <= 10 else 'ساعة'}"
    days = hours // 24
    if days == 1:
        return "منذ يوم"
    if days == 2:
        return "منذ يومين"
    return f"منذ {days} {'أيام' if days <= 10 else 'يوماً'}"


def _count(n: int) -> str:
    """Share counters the way widgets print them: 987, 1.2 ألف."""
    if n < 1000:
        return str(n)
    return f"{n / 1000:.1f} ألف".replace(".0 ", " ")


def _views(n: int) -> str:
    return f"{n:,} مشاهدة"


# --- the site ---------------------------------------------------------------------------------

_ARTICLE_PATH = re.compile(r"^/news/(\d{4})/(\d{2})/(\d{2})/(\d+)\.html$")
_SECTION_PATH = re.compile(r"^/section/([a-z]+)/(?:page/(\d+)/)?$")


class DemoSite:
    """One edition of the demo site, writing absolute URLs under ``base_url``."""

    def __init__(self, edition: int = 1, base_url: str = "http://127.0.0.1") -> None:
        if edition not in c.EDITIONS:
            raise ValueError(f"the demo site has editions {list(c.EDITIONS)}, not {edition!r}")
        self.edition = edition
        self.base_url = base_url.rstrip("/")
        self.furniture = c.furniture(edition)
        self.now = datetime.fromisoformat(self.furniture.now)
        self.articles: list[Article] = c.articles(edition)  # newest first
        self._by_id = {a.id: a for a in self.articles}
        self._by_path = {a.path: a for a in self.articles}
        self._special_by_path = {s.path: s for s in c.SPECIAL_LINKS}

    # -- queries the tests and the demo command use --

    def url(self, path: str) -> str:
        return self.base_url + path

    def article(self, article_id: str) -> Article | None:
        return self._by_id.get(article_id)

    def article_url(self, article_id: str) -> str:
        return self.url(self._by_id[article_id].path)

    def feed_articles(self) -> list[Article]:
        """The articles of /rss.xml: the FEED_SIZE most recently published."""
        return self.articles[:FEED_SIZE]

    def news_sitemap_articles(self) -> list[Article]:
        """The articles of /news-sitemap.xml: published in the 2 days before the edition's now."""
        return [a for a in self.articles if self.now - a.published_at <= NEWS_SITEMAP_WINDOW]

    def section_articles(self, slug: str) -> list[Article]:
        return [a for a in self.articles if a.section == slug]

    def listing_pages(self, slug: str) -> list[list[Article]]:
        """The articles of each listing page of a section, page 1 first."""
        items = self.section_articles(slug)
        return [items[i:i + PAGE_SIZE] for i in range(0, len(items), PAGE_SIZE)] or [[]]

    @staticmethod
    def listing_path(slug: str, page: int = 1) -> str:
        return f"/section/{slug}/" if page == 1 else f"/section/{slug}/page/{page}/"

    def paths(self) -> list[str]:
        """Every path the site answers (200, or 500 for the failing article)."""
        out = ["/", "/about/", c.PRIVATE_PATH, "/robots.txt", "/rss.xml", "/sitemap.xml",
               "/news-sitemap.xml", "/sitemap-archive.xml"]
        for s in c.SECTIONS:
            out += [self.listing_path(s.slug, n) for n in range(1, len(self.listing_pages(s.slug)) + 1)]
        out += [a.path for a in self.articles]
        out += [s.path for s in c.SPECIAL_LINKS]
        return out

    # -- dispatch --

    def render(self, path: str, base_url: str | None = None) -> Response | None:
        """The response for ``path`` (query strings ignored), or None for an unknown path."""
        if base_url is not None and base_url.rstrip("/") != self.base_url:
            return DemoSite(self.edition, base_url).render(path)
        path = urlsplit(path).path or "/"
        if path in ("/", "/index.html"):
            return self._html(self._home())
        if path == "/robots.txt":
            return Response(200, _TEXT, self._robots().encode())
        if path == "/rss.xml":
            return Response(200, _RSS, self._rss().encode())
        if path == "/sitemap.xml":
            return Response(200, _XML, self._sitemap_index().encode())
        if path == "/news-sitemap.xml":
            return Response(200, _XML, self._news_sitemap().encode())
        if path == "/sitemap-archive.xml":
            return Response(200, _XML, self._archive_sitemap().encode())
        if path == c.PRIVATE_PATH:
            return self._html(self._private())
        if path == "/about/":
            return self._html(self._about())
        if path in self._by_path:
            return self._html(self._article(self._by_path[path]))
        special = self._special_by_path.get(path)
        if special is c.BROKEN_ARTICLE:
            return Response(200, _HTML, self._broken())
        if special is c.ERROR_ARTICLE:
            return Response(500, _HTML, self._error_page().encode())
        m = _SECTION_PATH.match(path)
        if m and m.group(1) in c.SECTIONS_BY_SLUG:
            page = int(m.group(2) or 1)
            pages = self.listing_pages(m.group(1))
            if m.group(2) is not None and page == 1:
                return self._redirect(self.listing_path(m.group(1)))
            if 1 <= page <= len(pages):
                return self._html(self._listing(c.SECTIONS_BY_SLUG[m.group(1)], page, pages))
            return None
        if re.fullmatch(r"/section/[a-z]+", path) and path[9:] in c.SECTIONS_BY_SLUG:
            return self._redirect(path + "/")
        return None

    def not_found(self) -> Response:
        return Response(404, _HTML, self._not_found().encode())

    def _html(self, text: str) -> Response:
        return Response(200, _HTML, text.encode("utf-8"))

    def _redirect(self, path: str) -> Response:
        return Response(301, _HTML, b"", {"Location": self.url(path)})

    # -- shared page parts --

    def _pool(self, exclude: str | None = None) -> list[Article]:
        """Stories other pages may link to: those in the feed (never a page-2-only story)."""
        return [a for a in self.feed_articles() if a.id != exclude]

    def _counter(self, article_id: str, salt: int, low: int, high: int) -> int:
        x = (int(article_id) * 7919 + self.furniture.counter_seed * 104729 + salt * 1299709)
        return low + x % (high - low)

    def _page(self, *, title: str, main: str, head: str = "", body_class: str = "",
              description: str = c.SITE_TAGLINE, canonical: str = "/") -> str:
        f = self.furniture
        nav = "".join(
            f'<li class="menu-item"><a href="{self.url(self.listing_path(s.slug))}">{_e(s.name)}</a></li>'
            for s in c.SECTIONS
        )
        newest = self.articles[0]
        return f"""<!DOCTYPE html>
<html lang="ar" dir="rtl">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(title)}</title>
<meta name="description" content="{_e(description)}">
<link rel="canonical" href="{_e(self.url(canonical))}">
<link rel="alternate" type="application/rss+xml" title="{_e(c.SITE_NAME)}" href="{self.url('/rss.xml')}">
{head}<style>
body {{ font-family: Tahoma, Arial, sans-serif; margin: 0; background: #f5f5f5; }}
.container {{ display: flex; gap: 24px; max-width: 1100px; margin: auto; }}
.post, .listing {{ flex: 3; background: #fff; padding: 16px; }} .sidebar {{ flex: 1; }}
.cookie-notice {{ position: fixed; bottom: 0; width: 100%; background: #222; color: #fff; }}
</style>
</head>
<body class="{body_class}" id="top">
<div class="top-bar"><span class="today">{_e(date_line(self.now, "plain").rsplit(" - ", 1)[0])}</span>
<a href="{self.url('/about/')}">من نحن</a> <a href="{self.url(c.PRIVATE_PATH)}" class="editors">منطقة المحررين</a></div>
<header class="site-header">
<a class="logo" href="{self.url('/')}">{_e(c.SITE_NAME)}</a>
<nav class="main-menu" role="navigation"><ul><li class="menu-item home"><a href="{self.url('/')}">الرئيسية</a></li>{nav}</ul></nav>
</header>
<div class="breaking-news"><strong>{_e(f.breaking_label)}:</strong> <a href="{self.url(newest.path)}">{_e(newest.headline)}</a></div>
<main class="container">
{main}
{self._sidebar()}
</main>
<footer class="site-footer">
<div class="footer-links"><a href="{self.url('/')}">الرئيسية</a> | <a href="{self.url('/about/')}">من نحن</a> | <a href="{self.url('/rss.xml')}">RSS</a> | <a href="{c.EXTERNAL_URL}" rel="nofollow noopener" target="_blank">شركاؤنا</a></div>
<p class="copyright">جميع الحقوق محفوظة © 2026 {_e(c.SITE_NAME)}</p>
</footer>
<div class="cookie-notice" id="cookie-notice" role="dialog"><p>{_e(f.cookie_notice)}</p><button type="button" class="accept">موافق</button> <a href="{self.url('/about/')}">سياسة الخصوصية</a></div>
<a href="#top" id="scroll-top" class="scroll-to-top" title="Scroll to Top"><span>Scroll to Top</span></a>
<script>window.siteConfig = {{"edition": {self.edition}, "reviewsEnabled": false, "lang": "ar"}};</script>
</body>
</html>
"""

    def _sidebar(self) -> str:
        items = []
        for rank, (aid, views) in enumerate(self.furniture.most_viewed, 1):
            a = self._by_id[aid]
            items.append(f'<li><span class="rank">{rank}</span> <a href="{self.url(a.path)}">{_e(a.headline)}</a> '
                         f'<span class="views">{_views(views)}</span></li>')
        return f"""<aside class="sidebar">
<div class="widget most-viewed"><h3 class="widget-title">الأكثر مشاهدة</h3><ol>{''.join(items)}</ol></div>
<div class="widget newsletter"><h3 class="widget-title">النشرة البريدية</h3><p>اشترك في نشرتنا البريدية ليصلك ملخص أهم الأخبار كل صباح.</p>
<form class="newsletter-form" action="#" method="post"><input type="email" name="email" placeholder="بريدك الإلكتروني"><button type="submit">اشترك الآن</button></form></div>
<div class="widget follow-us"><h3 class="widget-title">تابعونا</h3><p>فيسبوك · تويتر · يوتيوب · تيليجرام</p></div>
</aside>"""

    def _card(self, a: Article, tag: str = "h2") -> str:
        return (f'<article class="card card-{a.section}"><{tag} class="card-title"><a href="{self.url(a.path)}">{_e(a.headline)}</a></{tag}>'
                f'<p class="excerpt">{_e(a.summary)}</p><div class="card-meta"><span class="author">{_e(a.author)}</span> '
                f'<time datetime="{a.published}">{_e(date_line(a.published_at, "tech"))}</time> '
                f'<span class="time-ago">{relative_time(a.published_at, self.now)}</span></div></article>')

    # -- pages --

    def _home(self) -> str:
        top = "".join(self._card(a) for a in self.articles[:HOME_TOP_STORIES])
        blocks = []
        for s in c.SECTIONS:
            items = self.section_articles(s.slug)[:3]
            links = "".join(f'<li><a href="{self.url(a.path)}">{_e(a.headline)}</a></li>' for a in items)
            blocks.append(f'<section class="home-section section-{s.slug}"><h2><a href="{self.url(self.listing_path(s.slug))}">{_e(s.name)}</a></h2><ul>{links}</ul>'
                          f'<a class="more" href="{self.url(self.listing_path(s.slug))}">المزيد من {_e(s.name)}</a></section>')
        main = f"""<div class="listing home">
<h1 class="screen-reader-text">{_e(c.SITE_NAME)}</h1>
<section class="top-stories"><h2>أهم الأخبار</h2>{top}</section>
{''.join(blocks)}
</div>"""
        return self._page(title=f"{c.SITE_NAME} | الصفحة الرئيسية", main=main, body_class="home",
                          head='<meta property="og:type" content="website">\n')

    def _listing(self, s: Section, page: int, pages: list[list[Article]]) -> str:
        cards = "".join(self._card(a) for a in pages[page - 1])
        picks = ""
        if page == 1:
            specials = [sp for sp in c.SPECIAL_LINKS if sp.section == s.slug]
            if specials:
                picks = '<section class="editor-picks"><h3>مختارات المحرر</h3><ul>' + "".join(
                    f'<li><a href="{self.url(sp.path)}">{_e(sp.headline)}</a></li>' for sp in specials
                ) + "</ul></section>"
        nav = []
        if page > 1:
            nav.append(f'<a class="prev" rel="prev" href="{self.url(self.listing_path(s.slug, page - 1))}">« السابق</a>')
        for n in range(1, len(pages) + 1):
            nav.append(f'<span class="current">{n}</span>' if n == page else
                       f'<a class="page-numbers" href="{self.url(self.listing_path(s.slug, n))}">{n}</a>')
        if page < len(pages):
            nav.append(f'<a class="next" rel="next" href="{self.url(self.listing_path(s.slug, page + 1))}">التالي »</a>')
        title = s.name if page == 1 else f"{s.name} - صفحة {page}"
        main = f"""<div class="listing section-{s.slug}">
<nav class="breadcrumb"><a href="{self.url('/')}">الرئيسية</a> » <span>{_e(s.name)}</span></nav>
<h1 class="section-title">{_e(title)}</h1>
<div class="article-list">{cards}</div>
{picks}
<nav class="pagination">{''.join(nav)} <span class="pages">صفحة {page} من {len(pages)}</span></nav>
</div>"""
        head = ""
        if page < len(pages):
            head += f'<link rel="next" href="{self.url(self.listing_path(s.slug, page + 1))}">\n'
        return self._page(title=f"{title} | {c.SITE_NAME}", main=main, head=head,
                          body_class=f"archive section-{s.slug}",
                          canonical=self.listing_path(s.slug, page))

    def _share_bar(self, a: Article, where: str) -> str:
        u = quote(self.url(a.path), safe="")
        fb, tw, wa = (self._counter(a.id, k, 40, 4800) for k in (1, 2, 3))
        return (f'<div class="share-bar share-{where}"><span class="share-title">شاركها</span> '
                f'<a class="fb" href="https://www.facebook.com/sharer/sharer.php?u={u}">فيسبوك <span class="count">{_count(fb)}</span></a> '
                f'<a class="tw" href="https://twitter.com/intent/tweet?url={u}">تويتر <span class="count">{_count(tw)}</span></a> '
                f'<a class="wa" href="https://wa.me/?text={u}">واتساب <span class="count">{_count(wa)}</span></a> '
                f'<span class="total-shares">{_count(fb + tw + wa)} مشاركة</span></div>')

    def _reviews(self, a: Article) -> str:
        rating = self._counter(a.id, 4, 30, 50) / 10
        votes = self._counter(a.id, 5, 12, 640)
        return ('<div class="post-rating" id="reviews-app">'
                '<div class="reviews" v-if="reviewsEnabled">{{ reviewsTotal }}{{ options.labels.singularReviewCountLabel }}</div>'
                '<p>{{ userData.canReview.message }}</p>'
                f'<span class="rating-value">{rating:.1f}</span> <span class="rating-count">({votes} تقييم)</span>'
                '</div>')

    def _read_also(self, a: Article, markup: str) -> str:
        target = next(self._by_id[i] for i, _ in self.furniture.most_viewed if i != a.id)
        link = f'<a href="{self.url(target.path)}">{_e(target.headline)}</a>'
        if markup == "plain":  # no class at all, as many CMS pastes do
            return f"<p><strong>اقرأ أيضا:</strong> {link}</p>"
        return f'<div class="read-also"><span class="read-also-title">اقرأ أيضا:</span> {link}</div>'

    def _body(self, a: Article, markup: str) -> str:
        paras = list(a.paragraphs)
        read_also = self._read_also(a, markup)
        tail = self._reviews(a) + "\n" + self._share_bar(a, "bottom")
        if markup == "br":
            first, rest = paras[0].split(":", 1) if ":" in paras[0][:60] else ("", paras[0])
            paras[0] = f"<strong>{_e(first)}:</strong>{_e(rest)}" if first else _e(paras[0])
            chunks = [paras[0]] + [_e(p) for p in paras[1:]]
            inner = "<br><br>\n".join(chunks[:2]) + "\n" + read_also + "\n" + "<br><br>\n".join(chunks[2:])
            return f'<div class="article-body" itemprop="articleBody">\n{inner}\n{tail}\n</div>'
        if markup == "plain":
            first, rest = paras[0].split(":", 1)
            ps = [f"<p><strong>{_e(first)}:</strong>{_e(rest)}</p>"] + [f"<p>{_e(p)}</p>" for p in paras[1:]]
            ps.insert(2, read_also)
            ps.insert(1, "<p>&nbsp;</p>")
            return f'<div class="article-body">\n' + "\n".join(ps) + f"\n{tail}\n</div>"
        if markup == "styled":
            ps = [f'<p dir="rtl" style="text-align: justify;"><span style="font-size: 16px;">{_e(p)}</span></p>' for p in paras]
            ps.insert(2, read_also)
            return f'<div class="article-body">\n' + "\n".join(ps) + f"\n{tail}\n</div>"
        ps = [f"<p>{_e(p)}</p>" for p in paras]
        ps.insert(2, read_also)
        inner = "\n".join(ps)
        if markup == "nested":
            inner = f'<div class="entry-content clearfix">\n{inner}\n</div>'
        return f'<div class="article-body">\n{inner}\n{tail}\n</div>'

    def _article(self, a: Article) -> str:
        s = c.SECTIONS_BY_SLUG[a.section]
        url = self.url(a.path)
        ld = {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "mainEntityOfPage": {"@type": "WebPage", "@id": url},
            "headline": a.headline,
            "description": a.summary,
            "datePublished": a.published,
            "dateModified": a.date_modified,
            "author": {"@type": "Person", "name": a.author},
            "publisher": {"@type": "Organization", "name": c.SITE_NAME,
                          "logo": {"@type": "ImageObject", "url": self.url("/static/logo.png")}},
            "articleSection": s.name,
            "keywords": list(a.tags),
            "inLanguage": "ar",
        }
        crumbs = {
            "@context": "https://schema.org",
            "@type": "BreadcrumbList",
            "itemListElement": [
                {"@type": "ListItem", "position": 1, "name": "الرئيسية", "item": self.url("/")},
                {"@type": "ListItem", "position": 2, "name": s.name, "item": self.url(self.listing_path(s.slug))},
            ],
        }

        def ld_json(obj: dict) -> str:
            return json.dumps(obj, ensure_ascii=False, indent=1).replace("</", "<\\/")

        head = "".join([
            '<meta property="og:type" content="article">\n',
            f'<meta property="og:site_name" content="{_e(c.SITE_NAME)}">\n',
            f'<meta property="og:title" content="{_e(a.headline)}">\n',
            f'<meta property="og:description" content="{_e(a.summary)}">\n',
            f'<meta property="og:url" content="{_e(url)}">\n',
            '<meta property="og:locale" content="ar_AR">\n',
            f'<meta property="article:published_time" content="{a.published}">\n',
            f'<meta property="article:modified_time" content="{a.date_modified}">\n',
            f'<meta property="article:section" content="{_e(s.name)}">\n',
            "".join(f'<meta property="article:tag" content="{_e(t)}">\n' for t in a.tags),
            f'<meta name="author" content="{_e(a.author)}">\n',
            f'<script type="application/ld+json">\n{ld_json(ld)}\n</script>\n',
            f'<script type="application/ld+json">{ld_json(crumbs)}</script>\n',
        ])
        when = (f'<time class="date" datetime="{a.published}">{_e(date_line(a.published_at, s.markup))}</time>'
                if s.markup == "p" else f'<span class="date">{_e(date_line(a.published_at, s.markup))}</span>')
        updated = ""
        if a.modified:
            updated = f' <span class="updated">آخر تحديث: {_e(date_line(a.modified_at, s.markup))}</span>'
        figure = ""
        if s.markup == "p":
            figure = (f'<figure class="featured-image"><img src="{self.url(f"/static/img/{a.id}.jpg")}" alt="{_e(a.headline)}">'
                      '<figcaption>صورة أرشيفية - رقيب نيوز</figcaption></figure>')
        related = "".join(
            f'<li><a href="{self.url(r.path)}">{_e(r.headline)}</a> <span class="time-ago">{relative_time(r.published_at, self.now)}</span></li>'
            for r in self._related(a)
        )
        tags = " ".join(f'<a href="{self.url("/tag/" + quote(t) + "/")}" rel="tag">{_e(t)}</a>' for t in a.tags)
        comments = self._counter(a.id, 6, 0, 60)
        main = f"""<article class="post post-{a.id} section-{s.slug}" id="post-{a.id}">
<nav class="breadcrumb" aria-label="breadcrumb"><a href="{self.url('/')}">الرئيسية</a> » <a href="{self.url(self.listing_path(s.slug))}">{_e(s.name)}</a> » <span>{_e(a.headline)}</span></nav>
<header class="post-header">
<span class="post-category"><a href="{self.url(self.listing_path(s.slug))}">{_e(s.name)}</a></span>
<h1 class="post-title">{_e(a.headline)}</h1>
<div class="post-meta"><span class="byline">كتب: <a class="author" href="{self.url('/about/')}">{_e(a.author)}</a></span> {when}{updated} <span class="time-ago">{relative_time(a.modified_at, self.now)}</span> <span class="views">{_views(self._counter(a.id, 7, 150, 25000))}</span> <span class="comments-count">{comments} تعليق</span></div>
</header>
{self._share_bar(a, "top")}
{figure}
{self._body(a, s.markup)}
<div class="post-tags"><span class="tags-title">الوسوم:</span> {tags}</div>
<section class="related-posts"><h3>أخبار ذات صلة</h3><ul>{related}</ul></section>
<section class="comments" id="comments"><h3>أضف تعليقك</h3>
<form class="comment-form" action="#" method="post"><textarea name="comment" placeholder="اكتب تعليقك هنا"></textarea>
<input type="text" name="name" placeholder="الاسم"> <input type="email" name="email" placeholder="البريد الإلكتروني">
<button type="submit">إرسال التعليق</button></form>
<p class="comments-note">التعليقات المنشورة تعبّر عن آراء أصحابها ولا تعبّر بالضرورة عن رأي الموقع.</p></section>
</article>"""
        return self._page(title=f"{a.headline} | {c.SITE_NAME}", main=main, head=head,
                          body_class=f"single single-post section-{s.slug}",
                          description=a.summary, canonical=a.path)

    def _related(self, a: Article) -> list[Article]:
        pool = self._pool(exclude=a.id)
        same = [r for r in pool if r.section == a.section]
        other = [r for r in pool if r.section != a.section]
        return (same + other)[:3]

    def _private(self) -> str:
        main = """<div class="listing private">
<h1>مسودات غير منشورة</h1>
<p>هذه الصفحة مخصصة لفريق التحرير ولا يجوز أرشفتها.</p>
<p>مسودة: مصادر تتحدث عن زيارة مرتقبة لوزير الدفاع الكندي إلى العراق الشهر المقبل.</p>
</div>"""
        return self._page(title=f"منطقة المحررين | {c.SITE_NAME}", main=main, canonical=c.PRIVATE_PATH,
                          head='<meta name="robots" content="noindex, nofollow">\n')

    def _about(self) -> str:
        main = f"""<div class="listing about">
<h1>من نحن</h1>
<p>{_e(c.SITE_NAME)} موقع إخباري تجريبي لا وجود له خارج هذا البرنامج؛ كل ما فيه من أخبار وأسماء وأرقام متخيَّل، كُتب لاختبار أداة رقيب لرصد المواقع الإخبارية.</p>
</div>"""
        return self._page(title=f"من نحن | {c.SITE_NAME}", main=main, canonical="/about/")

    def _not_found(self) -> str:
        return self._page(title=f"الصفحة غير موجودة | {c.SITE_NAME}",
                          main='<div class="listing error-404"><h1>404 - الصفحة غير موجودة</h1>'
                               '<p>عذراً، الصفحة التي تبحث عنها غير موجودة أو ربما نُقلت.</p></div>')

    def _error_page(self) -> str:
        return ('<!DOCTYPE html><html lang="ar" dir="rtl"><head><meta charset="utf-8">'
                '<title>500 - خطأ داخلي في الخادم</title></head><body><h1>خطأ داخلي في الخادم</h1>'
                '<p>حدث خطأ غير متوقع أثناء معالجة طلبك. يرجى المحاولة لاحقاً.</p></body></html>')

    def _broken(self) -> bytes:
        """A page cut off mid-transfer: a head, a title, no article body, a torn UTF-8 sequence."""
        sp = c.BROKEN_ARTICLE
        start = (f'<!DOCTYPE html>\n<html lang="ar" dir="rtl">\n<head>\n<meta charset="utf-8">\n'
                 f"<title>{_e(sp.headline)} | {_e(c.SITE_NAME)}</title>\n"
                 f'<meta property="og:type" content="article">\n<script type="application/ld+json">{{"@context": "https://schema.org", "@type": "NewsArt').encode()
        return start + b'\n</head>\n<body class="single">\n<div class="post"><h1 class="post-ti\xd8\xaa\xd8\x00\x1b\xfe\xff<di'

    # -- machine-readable documents --

    def _robots(self) -> str:
        return (f"# robots.txt for {self.base_url}\n"
                "User-agent: *\n"
                "Disallow: /private/\n"
                "Crawl-delay: 0\n"
                "\n"
                f"Sitemap: {self.url('/sitemap.xml')}\n")

    def _rss(self) -> str:
        items = []
        for a in self.feed_articles():
            items.append(f"""<item>
<title>{_e(a.headline)}</title>
<link>{_e(self.url(a.path))}</link>
<guid isPermaLink="true">{_e(self.url(a.path))}</guid>
<pubDate>{format_datetime(a.published_at)}</pubDate>
<dc:creator>{_e(a.author)}</dc:creator>
<category>{_e(c.SECTIONS_BY_SLUG[a.section].name)}</category>
<description>{_e(a.summary)}</description>
</item>""")
        return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel>
<title>{_e(c.SITE_NAME)}</title>
<link>{_e(self.url('/'))}</link>
<description>{_e(c.SITE_TAGLINE)}</description>
<language>ar</language>
<lastBuildDate>{format_datetime(self.now)}</lastBuildDate>
<atom:link href="{_e(self.url('/rss.xml'))}" rel="self" type="application/rss+xml"/>
{chr(10).join(items)}
</channel>
</rss>
"""

    def _sitemap_index(self) -> str:
        newest = max(a.modified_at for a in self.articles).isoformat()
        return f"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>{_e(self.url('/news-sitemap.xml'))}</loc><lastmod>{newest}</lastmod></sitemap>
<sitemap><loc>{_e(self.url('/sitemap-archive.xml'))}</loc><lastmod>{newest}</lastmod></sitemap>
</sitemapindex>
"""

    def _news_sitemap(self) -> str:
        urls = "".join(f"""<url>
<loc>{_e(self.url(a.path))}</loc>
<lastmod>{a.date_modified}</lastmod>
<news:news>
<news:publication><news:name>{_e(c.SITE_NAME)}</news:name><news:language>ar</news:language></news:publication>
<news:publication_date>{a.published}</news:publication_date>
<news:title>{_e(a.headline)}</news:title>
</news:news>
</url>
""" for a in self.news_sitemap_articles())
        return f"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
{urls}</urlset>
"""

    def _archive_sitemap(self) -> str:
        urls = "".join(f"<url><loc>{_e(self.url(a.path))}</loc><lastmod>{a.date_modified}</lastmod></url>\n"
                       for a in self.articles)
        return f"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
{urls}</urlset>
"""
