"""The bundled demo news site (demo): what it serves, over real HTTP on 127.0.0.1.

These tests document the site the rest of the suite and `raqib demo` crawl: its pages, feed,
sitemaps and robots.txt; how stories can be discovered; what edition 2 changes; and the page
furniture the extractor has to strip.
"""

from __future__ import annotations

import json
import re
import tomllib
import urllib.error
import urllib.request
import urllib.robotparser
from collections import deque
from urllib.parse import urlsplit

import feedparser
import pytest
from bs4 import BeautifulSoup
from lxml import etree

from crawler.extract.arabic import clitic_forms, normalized_words, strip_diacritics, term_form, tokens
from demo import DEMO_TOPICS_PATH, DemoServer, DemoSite, demo_seed_toml
from demo import content as c

SM = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS = "http://www.google.com/schemas/sitemap-news/0.9"
NS = {"sm": SM, "news": NEWS}


@pytest.fixture
def server():
    with DemoServer() as srv:
        yield srv


def fetch(url: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(urllib.request.Request(url, method=method), timeout=10) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


def get_ok(url: str) -> bytes:
    status, _, body = fetch(url)
    assert status == 200, url
    return body


def soup_of(body: bytes) -> BeautifulSoup:
    return BeautifulSoup(body, "lxml")


# --- the server ----------------------------------------------------------------------------


def test_server_listens_on_an_ephemeral_localhost_port(server):
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", server.base_url)
    assert server.port != 0
    status, headers, body = fetch(server.url("/"))
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert c.SITE_NAME in body.decode()


def test_base_url_is_unknown_until_started():
    srv = DemoServer()
    with pytest.raises(RuntimeError):
        srv.base_url
    srv.start()
    try:
        assert fetch(srv.url("/robots.txt"))[0] == 200
    finally:
        srv.stop()


def test_head_get_404_and_request_log(server):
    path = c.article(1, "18012").path
    status, headers, body = fetch(server.url(path), method="HEAD")
    assert status == 200 and body == b""
    assert int(headers["Content-Length"]) == len(get_ok(server.url(path)))
    assert fetch(server.url("/no/such/page.html"))[0] == 404
    assert fetch(server.url("/section/politics/page/9/"))[0] == 404
    status, headers, _ = fetch(server.url("/section/politics"))
    assert status == 301 and headers["Location"] == server.url("/section/politics/")
    assert server.requests[:3] == [("HEAD", path), ("GET", path), ("GET", "/no/such/page.html")]


def test_absolute_urls_use_the_address_the_server_listens_on(server):
    html = get_ok(server.url("/")).decode()
    hrefs = [a["href"] for a in soup_of(html.encode()).find_all("a", href=True)]
    internal = [h for h in hrefs if not h.startswith("#") and "example.com" not in h]
    assert internal and all(h.startswith(server.base_url + "/") for h in internal)


def test_set_edition_switches_what_is_served(server):
    new_story = server.url(c.article(2, "18019").path)
    assert fetch(new_story)[0] == 404
    server.set_edition(2)
    assert server.edition == 2
    assert "رئيس الوزراء العراقي" in get_ok(new_story).decode()
    with pytest.raises(ValueError):
        server.set_edition(3)


# --- article pages ----------------------------------------------------------------------------


def test_article_page_carries_the_metadata_real_sites_carry(server):
    a = c.article(1, "18012")
    body = get_ok(server.url(a.path))
    text = body.decode()
    assert '<html lang="ar" dir="rtl">' in text and '<meta charset="utf-8">' in text
    soup = soup_of(body)
    assert soup.title.string == f"{a.headline} | {c.SITE_NAME}"
    assert soup.find("meta", property="og:title")["content"] == a.headline
    assert soup.find("meta", property="og:type")["content"] == "article"
    assert soup.find("meta", property="article:published_time")["content"] == a.published
    assert soup.find("link", rel="canonical")["href"] == server.url(a.path)
    graph = [json.loads(s.string) for s in soup.find_all("script", type="application/ld+json")]
    news = next(g for g in graph if g["@type"] == "NewsArticle")
    assert news["headline"] == a.headline
    assert news["datePublished"] == "2026-11-27T12:30:00+03:00"
    assert news["dateModified"] == a.date_modified
    assert news["author"]["name"] == "أحمد الموسوي"
    assert soup.h1.get_text(strip=True) == a.headline
    assert f"كتب: {a.author}" in soup.find(class_="byline").get_text()
    assert "تشرين الثاني/نوفمبر 2026" in soup.find("time", class_="date").get_text()


@pytest.mark.parametrize("edition", c.EDITIONS)
def test_every_article_body_holds_exactly_its_paragraphs_plus_furniture(edition):
    site = DemoSite(edition, "http://127.0.0.1:1")
    for a in site.articles:
        body = soup_of(site.render(a.path).body).select_one("div.article-body")
        text = normalized_words(body.get_text(" "))
        for p in a.paragraphs:
            assert normalized_words(p) in text, (a.id, p[:40])


def test_section_templates_differ_like_real_sites():
    site = DemoSite(1, "http://127.0.0.1:1")
    economy = site.render(c.article(1, "18017").path).text
    assert "<br><br>" in economy and "<p>بغداد" not in economy  # one div, no <p> per paragraph
    sports = site.render(c.article(1, "18011").path).text
    assert "<p><strong>اقرأ أيضا:</strong>" in sports and "<p>&nbsp;</p>" in sports
    culture = site.render(c.article(1, "18018").path).text
    assert '<span style="font-size: 16px;">' in culture and "٢٨ نوفمبر ٢٠٢٦" in culture
    tech = site.render(c.article(1, "18015").path).text
    assert '<div class="entry-content clearfix">' in tech


def test_stories_read_like_wire_copy():
    for edition in c.EDITIONS:
        for a in c.articles(edition):
            assert 3 <= len(a.paragraphs) <= 6, a.id
            for p in a.paragraphs:
                assert 25 <= len(p.split()) <= 80, (a.id, len(p.split()), p[:40])
            assert "رقيب نيوز" in a.paragraphs[0].split(":")[0], a.id  # the dateline
            assert a.published.startswith("2026-11-") and a.published.endswith("+03:00")
    assert len(c.articles(1)) >= 15
    assert {s.slug for s in c.SECTIONS} >= {"politics", "economy", "sports", "culture", "tech"}


# --- furniture --------------------------------------------------------------------------------

FURNITURE = [
    '<nav class="main-menu"',
    'class="breadcrumb"',
    "شاركها",
    "فيسبوك",
    "تويتر",
    "واتساب",
    '<div class="reviews" v-if="reviewsEnabled">{{ reviewsTotal }}{{ options.labels.singularReviewCountLabel }}</div>',
    "<p>{{ userData.canReview.message }}</p>",
    "اقرأ أيضا:",
    "أخبار ذات صلة",
    "الأكثر مشاهدة",
    "الوسوم:",
    "أضف تعليقك",
    'id="cookie-notice"',
    "النشرة البريدية",
    "جميع الحقوق محفوظة © 2026",
    "Scroll to Top",
    "منذ ",
    c.EXTERNAL_URL,
]


@pytest.mark.parametrize("edition", c.EDITIONS)
def test_every_article_page_carries_all_the_furniture(edition):
    site = DemoSite(edition, "http://127.0.0.1:1")
    for a in site.articles:
        html = site.render(a.path).text
        missing = [f for f in FURNITURE if f not in html]
        assert not missing, (a.id, missing)


def test_some_furniture_sits_inside_the_article_body():
    site = DemoSite(1, "http://127.0.0.1:1")
    for a in site.articles:
        body = soup_of(site.render(a.path).body).select_one("div.article-body")
        html = str(body)
        assert "اقرأ أيضا:" in html and "شاركها" in html and "{{ userData.canReview.message }}" in html


def test_most_viewed_headlines_would_fool_a_sloppy_extractor():
    """An untracked story's page still shows «العراق» and «كندا» around its body."""
    site = DemoSite(1, "http://127.0.0.1:1")
    a = c.article(1, "18003")  # mentions Iraq only
    assert "كندا" not in a.text
    soup = soup_of(site.render(a.path).body)
    assert "كندا" in soup.select_one(".most-viewed").get_text()
    assert "كندا" in soup.select_one("div.article-body").get_text()  # via «اقرأ أيضا:»


def test_edition_2_churns_widgets_on_every_page_without_touching_unedited_stories():
    one, two = DemoSite(1, "http://127.0.0.1:1"), DemoSite(2, "http://127.0.0.1:1")
    edited = {c.EDITED_TRACKED_ID, c.EDITED_UNTRACKED_ID, c.DIACRITICS_ONLY_ID}
    for a in one.articles:
        b = two.article(a.id)
        if a.id not in edited:
            assert b == a, a.id
        h1, h2 = soup_of(one.render(a.path).body), soup_of(two.render(a.path).body)
        for widget in (".most-viewed", ".share-bar", ".rating-count", "#cookie-notice", ".post-meta"):
            assert h1.select_one(widget).get_text() != h2.select_one(widget).get_text(), (a.id, widget)
    times = [soup_of(s.render(c.article(1, "18016").path).body).select_one(".post-meta .time-ago").get_text()
             for s in (one, two)]
    assert times == ["منذ 5 ساعات", "منذ يوم"]


# --- edition 2 --------------------------------------------------------------------------------


def test_edition_2_adds_three_stories():
    ids1 = {a.id for a in c.articles(1)}
    ids2 = {a.id for a in c.articles(2)}
    assert ids2 - ids1 == set(c.NEW_IN_EDITION_2) and ids1 < ids2
    assert all(c.article(2, i).published > max(a.published for a in c.articles(1))
               for i in c.NEW_IN_EDITION_2)


def test_edition_2_edits_the_tracked_troops_story(server):
    old, new = c.article(1, c.EDITED_TRACKED_ID), c.article(2, c.EDITED_TRACKED_ID)
    assert "30 مدرباً" in old.headline and "45 مدرباً" in new.headline
    assert "30 مدرباً" in old.paragraphs[0] and "45 مدرباً" in new.paragraphs[0]
    assert len(new.paragraphs) == len(old.paragraphs) + 1
    assert new.path == old.path and new.published == old.published
    assert new.date_modified > old.date_modified
    url = server.url(old.path)
    before = get_ok(url).decode()
    server.set_edition(2)
    after = get_ok(url).decode()
    assert "وفي تحديث لاحق" not in before and "وفي تحديث لاحق" in after
    assert '"dateModified": "2026-11-29T10:20:00+03:00"' in after


def test_edition_2_adds_a_paragraph_to_an_untracked_story():
    old, new = c.article(1, c.EDITED_UNTRACKED_ID), c.article(2, c.EDITED_UNTRACKED_ID)
    assert new.paragraphs[:-1] == old.paragraphs and len(new.paragraphs) == len(old.paragraphs) + 1
    assert new.headline == old.headline


def test_edition_2_touches_one_story_with_diacritics_only():
    old, new = c.article(1, c.DIACRITICS_ONLY_ID), c.article(2, c.DIACRITICS_ONLY_ID)
    assert old.text != new.text
    assert strip_diacritics(old.text) == strip_diacritics(new.text)
    assert normalized_words(old.text) == normalized_words(new.text)
    assert old.date_modified == new.date_modified
    assert "ستُوجَّه" in new.paragraphs[1]


# --- topics -----------------------------------------------------------------------------------


def _has(term: str, text: str) -> bool:
    """The DESIGN.md rule, minimally: every word of the term, in order, each possibly behind a
    clitic; diacritics, hamza forms and ta marbuta folded."""
    want = [term_form(t) for t in tokens(term)]
    words = [{term_form(f) for f in clitic_forms(t)} for t in tokens(text)]
    return any(all(w in words[i + k] for k, w in enumerate(want)) for i in range(len(words) - len(want) + 1))


def _matches(topic: dict, text: str) -> bool:
    return (all(_has(t, text) for t in topic.get("all", []))
            and (not topic.get("any") or any(_has(t, text) for t in topic["any"]))
            and not any(_has(t, text) for t in topic.get("none", [])))


@pytest.mark.parametrize("edition", c.EDITIONS)
def test_demo_topics_match_the_stories_they_were_designed_for(edition):
    topics = tomllib.loads(DEMO_TOPICS_PATH.read_text(encoding="utf-8"))["topic"]
    assert [t["name"] for t in topics] == [c.TOPIC_IRAQ_CANADA, c.TOPIC_OIL]
    got = {t["name"]: tuple(sorted(a.id for a in c.articles(edition) if _matches(t, a.text))) for t in topics}
    assert got == c.EXPECTED_MATCHES[edition]


def test_one_tracked_story_names_iraq_and_canada_only_with_clitics():
    text = c.article(1, "18005").text
    words = tokens(text)
    assert "كندا" not in words and "العراق" not in words
    assert {"بكندا", "لكندا", "بالعراق"} <= set(words)


def test_the_football_story_is_excluded_by_none():
    a = c.article(1, "18007")
    assert _has("العراق", a.text) and _has("كندا", a.text) and _has("كرة القدم", a.text)


# --- discovery: feed, sitemaps, listings, robots ----------------------------------------------


def test_rss_feed_parses_cleanly(server):
    feed = feedparser.parse(get_ok(server.url("/rss.xml")))
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.feed.title == c.SITE_NAME and feed.feed.language == "ar"
    assert len(feed.entries) == 10
    newest = c.articles(1)[:10]
    assert [e.link for e in feed.entries] == [server.url(a.path) for a in newest]
    assert [e.title for e in feed.entries] == [a.headline for a in newest]
    first = feed.entries[0]
    assert first.id == first.link and first.summary == newest[0].summary
    assert first.published == "Sat, 28 Nov 2026 13:00:00 +0300"


def test_news_sitemap_lists_the_last_two_days_with_google_news_fields(server):
    root = etree.fromstring(get_ok(server.url("/news-sitemap.xml")))
    assert root.tag == f"{{{SM}}}urlset" and root.nsmap["news"] == NEWS
    urls = root.findall("sm:url", NS)
    site = DemoSite(1, server.base_url)
    expected = site.news_sitemap_articles()
    assert [u.findtext("sm:loc", namespaces=NS) for u in urls] == [site.url(a.path) for a in expected]
    assert {a.id for a in expected} == {"18010", "18011", "18012", "18013", "18014", "18015",
                                       "18016", "18017", "18018"}
    first = urls[0]
    assert first.findtext("news:news/news:publication_date", namespaces=NS) == expected[0].published
    assert first.findtext("news:news/news:title", namespaces=NS) == expected[0].headline
    assert first.findtext("news:news/news:publication/news:language", namespaces=NS) == "ar"


def test_sitemap_index_points_at_the_news_and_archive_sitemaps(server):
    index = etree.fromstring(get_ok(server.url("/sitemap.xml")))
    assert index.tag == f"{{{SM}}}sitemapindex"
    locs = [e.text for e in index.findall("sm:sitemap/sm:loc", NS)]
    assert locs == [server.url("/news-sitemap.xml"), server.url("/sitemap-archive.xml")]
    archive = etree.fromstring(get_ok(locs[1]))
    assert archive.tag == f"{{{SM}}}urlset"
    entries = {u.findtext("sm:loc", namespaces=NS): u.findtext("sm:lastmod", namespaces=NS)
               for u in archive.findall("sm:url", NS)}
    assert entries == {server.url(a.path): a.date_modified for a in c.articles(1)}


def test_robots_txt_forbids_private_and_names_the_sitemap(server):
    status, headers, body = fetch(server.url("/robots.txt"))
    text = body.decode()
    assert status == 200 and headers["Content-Type"].startswith("text/plain")
    assert "User-agent: *" in text and "Disallow: /private/" in text
    assert f"Sitemap: {server.base_url}/sitemap.xml" in text
    robots = urllib.robotparser.RobotFileParser()
    robots.parse(text.splitlines())
    assert not robots.can_fetch("raqib", server.url(c.PRIVATE_PATH))
    assert robots.can_fetch("raqib", server.url(c.article(1, "18001").path))


def test_listing_pages_paginate(server):
    page1 = soup_of(get_ok(server.url("/section/politics/")))
    assert page1.find("a", rel="next")["href"] == server.url("/section/politics/page/2/")
    page2 = soup_of(get_ok(server.url("/section/politics/page/2/")))
    linked = {a["href"] for a in page2.select(".article-list a")}
    assert linked == {server.url(c.article(1, i).path) for i in ("18003", "18001")}
    assert page2.find("a", rel="prev")["href"] == server.url("/section/politics/")


@pytest.mark.parametrize("edition", c.EDITIONS)
def test_every_story_is_in_the_feed_the_news_sitemap_or_a_listing_page(edition):
    site = DemoSite(edition, "http://127.0.0.1:1")
    found = {a.id for a in site.feed_articles()} | {a.id for a in site.news_sitemap_articles()}
    for s in c.SECTIONS:
        for page in site.listing_pages(s.slug):
            found |= {a.id for a in page}
    assert found == {a.id for a in site.articles}


def _reachable(site: DemoSite, *, follow_page_2: bool) -> set[str]:
    """Article ids a crawler finds from the feed, the news sitemap and the listing pages,
    following only links that are articles or listing pages."""
    seed = DemoServerlessSeed(site)
    queue = deque(["/rss.xml", "/news-sitemap.xml", "/"] + [f"/section/{s.slug}/" for s in c.SECTIONS])
    seen: set[str] = set()
    articles: set[str] = set()
    while queue:
        path = queue.popleft()
        if path in seen:
            continue
        seen.add(path)
        if "/page/" in path and not follow_page_2:
            continue
        response = site.render(path)
        if response is None or response.status != 200:
            continue
        for url in re.findall(r"(?:href=\"|<loc>|<link>)(http[^\"<]+)", response.text):
            url = url.replace("&amp;", "&")
            if seed.is_article(url):
                articles.add(url.rsplit("/", 1)[1].removesuffix(".html"))
                queue.append(urlsplit(url).path)
            elif seed.is_followable(url):
                queue.append(urlsplit(url).path)
    return articles & {a.id for a in site.articles}


class DemoServerlessSeed:
    def __init__(self, site: DemoSite):
        seed = tomllib.loads(demo_seed_toml(site.base_url))
        self.article = re.compile(seed["article_url"])
        self.follow = re.compile(seed["follow_url"])

    def is_article(self, url: str) -> bool:
        return bool(self.article.search(url))

    def is_followable(self, url: str) -> bool:
        return bool(self.follow.search(url))


@pytest.mark.parametrize("edition, only_on_page_2", [
    (1, {"18001", "18002", "18003"}),
    (2, {"18001", "18002", "18003", "18005", "18006"}),
])
def test_some_old_stories_are_only_reachable_through_listing_page_2(edition, only_on_page_2):
    site = DemoSite(edition, "http://127.0.0.1:1")
    everything = {a.id for a in site.articles}
    assert _reachable(site, follow_page_2=True) == everything
    assert everything - _reachable(site, follow_page_2=False) == only_on_page_2
    assert not only_on_page_2 & {a.id for a in site.feed_articles()}


# --- pages for the crawler's error handling ---------------------------------------------------


def test_broken_article_is_truncated_garbled_html_without_a_body(server):
    path = c.BROKEN_ARTICLE.path
    assert server.url(path) in get_ok(server.url("/section/culture/")).decode()
    body = get_ok(server.url(path))
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    assert b"article-body" not in body and b"</html>" not in body


def test_failing_article_answers_500(server):
    path = c.ERROR_ARTICLE.path
    assert server.url(path) in get_ok(server.url("/section/economy/")).decode()
    assert fetch(server.url(path))[0] == 500


def test_private_page_is_linked_from_home_but_forbidden_by_robots(server):
    home = get_ok(server.url("/")).decode()
    assert server.url(c.PRIVATE_PATH) in home
    assert fetch(server.url(c.PRIVATE_PATH))[0] == 200
    assert c.EXTERNAL_URL in home


def test_error_pages_match_the_article_pattern_and_private_does_not(server):
    seed = tomllib.loads(demo_seed_toml(server.base_url))
    article, follow = re.compile(seed["article_url"]), re.compile(seed["follow_url"])
    for a in c.articles(2):
        assert article.search(server.url(a.path))
    for special in c.SPECIAL_LINKS:
        assert article.search(server.url(special.path))
    for path in ("/", c.PRIVATE_PATH, "/rss.xml", "/section/politics/", "/about/"):
        assert not article.search(server.url(path))
    assert follow.search(server.url("/section/politics/")) and follow.search(server.url("/section/economy/page/2/"))
    assert not follow.search(server.url(c.article(1, "18001").path)) and not follow.search(server.url(c.PRIVATE_PATH))


# --- the seed file and topics file --------------------------------------------------------------


def test_seed_file_loads_with_the_crawlers_seed_loader(server, tmp_path):
    from crawler.sites import load_site

    path = tmp_path / "demo.toml"
    path.write_text(demo_seed_toml(server.base_url), encoding="utf-8")
    site = load_site(path)
    assert site.id == "demo" and site.name == c.SITE_NAME
    assert site.allowed_domains == ("127.0.0.1",)
    assert site.feeds == (server.url("/rss.xml"),)
    assert site.sitemaps == (server.url("/news-sitemap.xml"),)
    assert len(site.start_urls) == len(c.SECTIONS)
    assert site.is_article(server.url(c.article(1, "18005").path))
    assert not site.is_article(c.EXTERNAL_URL)
    assert site.is_followable(server.url("/section/tech/"))


def test_topics_file_is_packaged_next_to_the_demo():
    assert DEMO_TOPICS_PATH.is_file() and DEMO_TOPICS_PATH.name == "topics.toml"
    assert DEMO_TOPICS_PATH.parent.name == "demo"


def test_rendering_is_deterministic():
    a, b = DemoSite(2, "http://127.0.0.1:9"), DemoSite(2, "http://127.0.0.1:9")
    for path in a.paths():
        assert a.render(path) == b.render(path), path
