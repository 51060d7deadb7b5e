"""Feeds as real Arabic outlets serve them (issue 9), read by ``parse_feed`` and crawled.

The fixtures are written here in the shapes real outlets' feeds take: WordPress RSS with no
XML declaration (sometimes after a blank line), a channel dated in ``+0000`` with items in
``+0300``, the WordPress ``<post-id>`` element repeated with one value on every item, teaser
CDATA descriptions, whole articles entity-escaped into ``<description>`` with root-relative
links, root-relative item links, Atom entries each with their own ``xml:base``, a pubDate
stuck at one value on many items, and item dates written the way Arabic pages write them.

Where the feed decides what is crawled — links resolved, items kept apart, dates measured
against ``max_age`` — the feed is served over real HTTP on 127.0.0.1 and crawled by the real
spider, with the crawl's clock fixed by ``RAQIB_NOW``.
"""

from __future__ import annotations

import html
import json
import threading
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from crawl_helpers import CrawlWorld
from crawler.extract.feeds import parse_feed
from monitor.crawling import LOCAL_SITE_SETTINGS, crawl_sites

FEED_URL = "https://www.example-news.com/feed/"

# --- the feeds ----------------------------------------------------------------------------


def wordpress_rss(base: str, items: list[dict], *, declaration: bool = False,
                  channel_date: str = "Thu, 24 Sep 2026 10:05:00 +0000") -> bytes:
    """An RSS 2.0 feed as WordPress writes it, each item from ``items`` (slug, title,
    pubDate, description; ``link`` overrides the item's absolute link)."""
    body = "".join(f"""
	<item>
		<title>{item['title']}</title>
		<link>{item.get('link', f'{base}/news/{item["slug"]}.html')}</link>
		<dc:creator><![CDATA[فريق التحرير]]></dc:creator>
		{f"<pubDate>{item['pubDate']}</pubDate>" if item.get('pubDate') else ''}
		<category><![CDATA[أخبار عربية]]></category>
		<guid isPermaLink="false">{base}/?p={1000 + n}</guid>
		<description>{item['description']}</description>
		<post-id xmlns="com-wordpress:feed-additions:1">48213</post-id>
	</item>""" for n, item in enumerate(items))
    text = f"""<rss version="2.0"
	xmlns:content="http://purl.org/rss/1.0/modules/content/"
	xmlns:wfw="http://wellformedweb.org/CommentAPI/"
	xmlns:dc="http://purl.org/dc/elements/1.1/"
	xmlns:atom="http://www.w3.org/2005/Atom"
	xmlns:sy="http://purl.org/rss/1.0/modules/syndication/">
<channel>
	<title>موقع الأخبار</title>
	<atom:link href="{base}/feed/" rel="self" type="application/rss+xml" />
	<link>{base}</link>
	<description>آخر الأخبار العربية والدولية</description>
	<lastBuildDate>{channel_date}</lastBuildDate>
	<pubDate>{channel_date}</pubDate>
	<language>ar</language>
	<sy:updatePeriod>hourly</sy:updatePeriod>
	<generator>https://wordpress.org/?v=6.4.2</generator>{body}
</channel>
</rss>
"""
    if declaration:
        text = '<?xml version="1.0" encoding="UTF-8"?>' + text
    return text.encode()


def teaser(text: str) -> str:
    return f"<![CDATA[{text} [&#8230;]]]>"


def escaped_article(paragraphs: list[str], related: str) -> str:
    """A whole article's HTML entity-escaped into ``<description>``, as some CMSs do, with a
    root-relative link to another story."""
    inner = "".join(f"<p>{p}</p>" for p in paragraphs)
    inner += f'<p>اقرأ أيضاً: <a href="{related}">خبر ذو صلة</a></p><img src="/uploads/2026/09/a.jpg">'
    return html.escape(inner, quote=False)


def atom(base: str, entries: list[tuple[str, str, str, str]]) -> bytes:
    """An Atom feed whose entries each carry their own ``xml:base`` (base, href, title, updated)."""
    body = "".join(f"""
  <entry xml:base="{entry_base}">
    <title type="html">{title}</title>
    <link rel="alternate" type="text/html" href="{href}"/>
    <id>tag:news,2026:{n}</id>
    <updated>{updated}</updated>
    <summary type="html">{html.escape('<p>ملخص الخبر</p>')}</summary>
  </entry>""" for n, (entry_base, href, title, updated) in enumerate(entries))
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="ar" xml:base="{base}/">
  <title>موقع الأخبار - العالم</title>
  <link rel="self" href="{base}/feeds/world.atom"/>
  <id>tag:news,2026:world</id>
  <updated>2026-09-24T10:00:00+03:00</updated>{body}
</feed>
""".encode()


PARAS = ["قال المتحدث باسم الوزارة إن الاجتماع بحث التعاون الاقتصادي بين البلدين وسبل تطويره.",
         "وأضاف أن اللجان المشتركة ستواصل عملها خلال الأسابيع القادمة لاستكمال الاتفاقات."]


# --- parse_feed on its own ----------------------------------------------------------------

def test_rss_without_xml_declaration_or_bom_is_read_as_utf8():
    """Told nothing about the encoding, feedparser would read such a feed as ISO-8859-1 and
    turn every Arabic title and date into mojibake."""
    feed = wordpress_rss("https://www.example-news.com", [
        {"slug": "a", "title": "بدء الاقتراع في الانتخابات البرلمانية",
         "pubDate": "الخميس، 24 سبتمبر 2026 01:00 م", "description": teaser("بدأ الاقتراع")}])
    assert not feed.startswith((b"<?xml", b"\xef\xbb\xbf"))
    (link,) = parse_feed(feed, FEED_URL).links
    assert link.title == "بدء الاقتراع في الانتخابات البرلمانية"
    assert link.published == "2026-09-24T13:00"


def test_blank_lines_before_the_xml_declaration_are_ignored():
    feed = b"\n\n" + wordpress_rss("https://www.example-news.com", [
        {"slug": "a", "title": "خبر", "pubDate": "Thu, 24 Sep 2026 13:00:00 +0300",
         "description": teaser("نص")}], declaration=True)
    found = parse_feed(feed, FEED_URL)
    assert [link.url for link in found.links] == ["https://www.example-news.com/news/a.html"]


def test_a_header_charset_decodes_a_feed_without_declaration():
    feed = wordpress_rss("https://www.example-news.com", [
        {"slug": "a", "title": "خبر عاجل", "description": "نص"}]).decode().encode("cp1256")
    (link,) = parse_feed(feed, FEED_URL, "text/xml; charset=windows-1256").links
    assert link.title == "خبر عاجل"


def test_item_dates_keep_their_own_offset_and_never_take_the_channels():
    feed = wordpress_rss("https://www.example-news.com", [
        {"slug": "a", "title": "أ", "pubDate": "Thu, 24 Sep 2026 13:00:00 +0300", "description": "ن"},
        {"slug": "b", "title": "ب", "description": "ن"}],
        channel_date="Thu, 24 Sep 2026 10:05:00 +0000")
    assert [link.published for link in parse_feed(feed, FEED_URL).links] == [
        "2026-09-24T10:00:00+00:00", None]


def test_items_sharing_one_post_id_stay_apart():
    feed = wordpress_rss("https://www.example-news.com", [
        {"slug": s, "title": f"خبر {s}", "description": teaser("نص")} for s in "abc"])
    assert feed.count(b">48213</post-id>") == 3
    assert [link.url for link in parse_feed(feed, FEED_URL).links] == [
        f"https://www.example-news.com/news/{s}.html" for s in "abc"]


def test_teaser_cdata_descriptions_and_titles():
    feed = wordpress_rss("https://www.example-news.com", [
        {"slug": "a", "title": "<![CDATA[ «الصحة»: لا إصابات جديدة ]]>",
         "description": teaser("أعلنت وزارة الصحة اليوم")}])
    (link,) = parse_feed(feed, FEED_URL).links
    assert link.title == "«الصحة»: لا إصابات جديدة"
    assert link.url == "https://www.example-news.com/news/a.html"


def test_root_relative_item_links_are_resolved_and_description_links_are_not_items():
    feed = wordpress_rss("https://www.example-news.com", [
        {"slug": "a", "title": "أ", "link": "/news/a.html",
         "description": escaped_article(PARAS, "/news/related.html")}])
    assert b"&lt;a href=\"/news/related.html\"&gt;" in feed
    assert [link.url for link in parse_feed(feed, FEED_URL).links] == [
        "https://www.example-news.com/news/a.html"]


def test_atom_entries_resolve_against_their_own_xml_base():
    feed = atom("https://www.example-news.com", [
        ("https://www.example-news.com/ar/news/2026/09/", "24/story-a.html", "أ", "2026-09-24T13:00:00+03:00"),
        ("/ar/world/", "story-b.html", "ب", "2026-09-24T09:00:00Z"),
        ("", "/ar/sport/story-c.html", "ج", "2026-09-24T08:00:00Z")])
    found = parse_feed(feed, "https://www.example-news.com/feeds/world.atom")
    assert [(link.url, link.published) for link in found.links] == [
        ("https://www.example-news.com/ar/news/2026/09/24/story-a.html", "2026-09-24T10:00:00+00:00"),
        ("https://www.example-news.com/ar/world/story-b.html", "2026-09-24T09:00:00+00:00"),
        ("https://www.example-news.com/ar/sport/story-c.html", "2026-09-24T08:00:00+00:00")]


def test_a_pubdate_shared_by_many_items_is_no_items_date():
    """A feed cache or a CMS default stamps every item alike; that stamp says nothing about
    when any one story was published. Two stories of one minute keep their date."""
    stuck = "Mon, 01 Jun 2026 00:00:00 +0000"
    feed = wordpress_rss("https://www.example-news.com", [
        *({"slug": f"s{i}", "title": "خ", "pubDate": stuck, "description": "ن"} for i in range(4)),
        *({"slug": f"t{i}", "title": "خ", "pubDate": "Thu, 24 Sep 2026 13:00:00 +0300",
           "description": "ن"} for i in range(2))])
    assert [link.published for link in parse_feed(feed, FEED_URL).links] == [
        None, None, None, None, "2026-09-24T10:00:00+00:00", "2026-09-24T10:00:00+00:00"]


@pytest.mark.parametrize(("written", "expected"), [
    ("الخميس، 24 سبتمبر 2026 01:00 م", "2026-09-24T13:00"),
    ("24/09/2026 01:15:30 م", "2026-09-24T13:15"),
    ("24/09/2026 11:15:30 ص", "2026-09-24T11:15"),
    ("الخميس , 24 سبتمبر 2026 - 13:00", "2026-09-24T13:00"),
    ("الخميس , 24 شتنبر 2026 - 13:00", "2026-09-24T13:00"),
    ("الجمعة 15 ماي 2026 - 10:30", "2026-05-15T10:30"),
    ("3 يوليوز 2026", "2026-07-03"),
    ("الخميس 20 غشت 2026 09:00", "2026-08-20T09:00"),
])
def test_item_dates_written_as_arabic_pages_write_them(written, expected):
    feed = wordpress_rss("https://www.example-news.com", [
        {"slug": "a", "title": "خبر", "pubDate": written, "description": "ن"}])
    (link,) = parse_feed(feed, FEED_URL).links
    assert link.published == expected


# --- crawled over HTTP --------------------------------------------------------------------

class Outlet:
    """A news site on 127.0.0.1 serving fixed documents and an article page for any
    ``/…/news/…`` or ``/ar/…`` path; records every path asked for."""

    def __init__(self):
        self.documents: dict[str, tuple[str, bytes]] = {}
        self.requested: list[str] = []
        outlet = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                outlet.requested.append(self.path)
                content_type, body = outlet.answer(self.path)
                self.send_response(200 if body else 404)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def answer(self, path: str) -> tuple[str, bytes]:
        if path in self.documents:
            return self.documents[path]
        if path == "/robots.txt":
            return "text/plain", b"User-agent: *\nAllow: /\n"
        if path.endswith(".html") and ("/news/" in path or path.startswith("/ar/")):
            slug = path.rsplit("/", 1)[1].removesuffix(".html")
            page = (f'<!DOCTYPE html><html lang="ar" dir="rtl"><head><meta charset="utf-8">'
                    f"<title>خبر {slug}</title></head><body><article><h1>خبر {slug}</h1>"
                    + "".join(f"<p>{p} ({slug})</p>" for p in PARAS) + "</article></body></html>")
            return "text/html; charset=utf-8", page.encode()
        return "text/plain", b""

    def __enter__(self):
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


NOW = datetime(2026, 9, 25, 9, 0, tzinfo=timezone.utc)


def crawl(world: CrawlWorld, outlet: Outlet, feeds: list[str]) -> dict:
    world.add_seed("outlet", f"""
allowed_domains = ["127.0.0.1"]
feeds = {json.dumps([outlet.base_url + path for path in feeds])}
article_url = '/(news|ar)/'
discover_sitemaps = false
max_age = "30d"
""")
    outcome = crawl_sites(world.db_path, world.seeds, ["outlet"],
                          {**LOCAL_SITE_SETTINGS, "RAQIB_NOW": NOW.isoformat()}, timeout=120)
    assert outcome.returncode == 0, outcome.messages
    db = world.db()
    try:
        (run,) = outcome.runs
        return {"run": db["crawl_runs"].get(run.run_id),
                "articles": {row["url"] for row in db["articles"].rows},
                "errors": [row["message"] for row in db["crawl_errors"].rows],
                "requested": set(outlet.requested)}
    finally:
        db.close()


@pytest.fixture(scope="module")
def wordpress_and_atom(tmp_path_factory):
    """One crawl of an outlet with a WordPress RSS feed (no declaration, blank line first,
    one post-id on every item, root-relative links, whole articles escaped in descriptions)
    and an Atom feed with per-entry ``xml:base``."""
    with Outlet() as outlet:
        base = outlet.base_url
        outlet.documents["/feed/"] = ("application/rss+xml; charset=UTF-8", b"\n" + wordpress_rss(base, [
            {"slug": "vote", "title": "بدء الاقتراع", "link": "/news/vote.html",
             "pubDate": "Thu, 24 Sep 2026 13:00:00 +0300",
             "description": escaped_article(PARAS, "/news/related-1.html")},
            {"slug": "health", "title": "<![CDATA[«الصحة»: لا إصابات]]>",
             "pubDate": "Thu, 24 Sep 2026 12:00:00 +0300", "description": teaser("أعلنت الوزارة")},
            {"slug": "oil", "title": "النفط", "link": "/news/oil.html",
             "pubDate": "Thu, 24 Sep 2026 11:00:00 +0300",
             "description": escaped_article(PARAS, "/news/related-2.html")},
        ]))
        outlet.documents["/feeds/world.atom"] = ("application/atom+xml", atom(base, [
            (f"{base}/ar/news/2026/09/", "24/story-a.html", "أ", "2026-09-24T13:00:00+03:00"),
            ("/ar/world/", "story-b.html", "ب", "2026-09-24T09:00:00Z"),
        ]))
        yield base, crawl(CrawlWorld(tmp_path_factory.mktemp("wp")), outlet, ["/feed/", "/feeds/world.atom"])


def test_every_item_of_a_shared_post_id_feed_is_its_own_article(wordpress_and_atom):
    base, seen = wordpress_and_atom
    assert {f"{base}/news/{slug}.html" for slug in ("vote", "health", "oil")} <= seen["articles"]
    assert seen["errors"] == []


def test_root_relative_and_xml_base_links_are_fetched_resolved(wordpress_and_atom):
    base, seen = wordpress_and_atom
    assert {"/news/vote.html", "/news/oil.html", "/ar/news/2026/09/24/story-a.html",
            "/ar/world/story-b.html"} <= seen["requested"]
    assert {f"{base}/ar/news/2026/09/24/story-a.html", f"{base}/ar/world/story-b.html"} <= seen["articles"]
    assert len(seen["articles"]) == 5 and seen["run"]["new"] == 5


@pytest.fixture(scope="module")
def dated_feed(tmp_path_factory):
    """One crawl of a feed whose items are dated as Arabic outlets write dates, some within
    the site's 30-day ``max_age`` and some beyond, and four items stuck on one old stamp."""
    stuck = "Mon, 01 Jun 2026 00:00:00 +0000"
    items = {
        "written": "الخميس، 24 سبتمبر 2026 01:00 م",      # in
        "numeric": "23/09/2026 11:15:30 م",                # in
        "moroccan-e": "الاثنين , 31 غشت 2026 - 14:30",     # in (24 days before the newest)
        "moroccan-july": "3 يوليوز 2026 10:00",            # beyond
        "moroccan-may": "الجمعة 15 ماي 2026 - 10:30",      # beyond
        "numeric-old": "12/05/2026 09:00:00 ص",            # beyond
        **{f"stuck-{i}": stuck for i in range(4)},         # no date: fetched
    }
    with Outlet() as outlet:
        outlet.documents["/rss"] = ("text/xml", wordpress_rss(outlet.base_url, [
            {"slug": slug, "title": f"خبر {slug}", "pubDate": date, "description": teaser("نص")}
            for slug, date in items.items()], declaration=True))
        yield crawl(CrawlWorld(tmp_path_factory.mktemp("dates")), outlet, ["/rss"])


def test_written_arabic_feed_dates_decide_max_age(dated_feed):
    requested = dated_feed["requested"]
    for slug in ("written", "numeric", "moroccan-e"):
        assert f"/news/{slug}.html" in requested
    for slug in ("moroccan-july", "moroccan-may", "numeric-old"):
        assert f"/news/{slug}.html" not in requested


def test_a_stamp_stuck_on_many_items_is_not_measured_against_max_age(dated_feed):
    assert {f"/news/stuck-{i}.html" for i in range(4)} <= dated_feed["requested"]
    assert dated_feed["run"]["new"] == 7


def test_a_feed_whose_charset_is_only_in_the_header_is_crawled_as_that_charset(tmp_path):
    """A windows-1256 feed with no XML declaration, its charset named only in the response's
    ``Content-Type``: the spider hands the header to ``parse_feed``, so the Arabic slug is
    fetched as written and a written Arabic date beyond ``max_age`` keeps its item out (read
    as UTF-8, the slug would be mojibake and the date unreadable, hence fetched)."""
    with Outlet() as outlet:
        base = outlet.base_url
        outlet.documents["/rss"] = ("application/rss+xml; charset=windows-1256", wordpress_rss(base, [
            {"slug": "انتخابات", "title": "بدء الاقتراع", "pubDate": "الخميس، 24 سبتمبر 2026 01:00 م",
             "description": teaser("بدأ الاقتراع")},
            {"slug": "old", "title": "خبر قديم", "pubDate": "الجمعة 15 ماي 2026 - 10:30",
             "description": teaser("نص")},
        ]).decode().encode("cp1256"))
        seen = crawl(CrawlWorld(tmp_path), outlet, ["/rss"])
    slug = "%D8%A7%D9%86%D8%AA%D8%AE%D8%A7%D8%A8%D8%A7%D8%AA"  # انتخابات, UTF-8 percent-encoded
    assert f"/news/{slug}.html" in seen["requested"]
    assert seen["articles"] == {f"{base}/news/{slug}.html"}
    assert "/news/old.html" not in seen["requested"]
    assert seen["errors"] == []
