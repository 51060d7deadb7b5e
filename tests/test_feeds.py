"""Discovery documents: feeds, sitemaps and robots.txt, including broken ones."""

from crawler.extract.feeds import parse_feed
from crawler.robots import read_robots
from crawler.sitemaps import read_sitemap

MAX = 1_000_000

RSS = """<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>أخبار</title>
<item><title>العراق وكندا</title><link>https://example.com/news/1</link>
<pubDate>Sat, 28 Nov 2026 10:00:00 +0300</pubDate></item>
<item><title>النفط</title><link>https://example.com/news/2</link></item>
</channel></rss>""".encode()

ATOM = """<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">
<title>أخبار</title><entry><title>خبر</title><link href="https://example.com/news/3"/>
<id>tag:example.com,2026:3</id><updated>2026-11-28T07:00:00Z</updated></entry></feed>""".encode()

NEWS_SITEMAP = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
<url><loc>https://example.com/news/4</loc><news:news><news:publication>
<news:name>Example</news:name><news:language>ar</news:language></news:publication>
<news:publication_date>2026-11-28T09:00:00+03:00</news:publication_date>
<news:title>\xd8\xae\xd8\xa8\xd8\xb1</news:title></news:news></url></urlset>"""

INDEX = b"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>https://example.com/news-sitemap.xml</loc></sitemap>
<sitemap><loc>https://example.com/archive.xml</loc></sitemap></sitemapindex>"""


def test_rss_items_give_links_and_dates():
    found = parse_feed(RSS)
    assert [l.url for l in found.links] == ["https://example.com/news/1", "https://example.com/news/2"]
    assert found.links[0].published == "2026-11-28T07:00:00+00:00"
    assert found.links[0].title == "العراق وكندا"
    assert found.problem is None


def test_atom_entries_give_links():
    assert [l.url for l in parse_feed(ATOM).links] == ["https://example.com/news/3"]


def test_a_malformed_feed_is_reported_not_raised():
    found = parse_feed(b"<rss><channel><item><title>broken")
    assert found.links == [] and found.problem


def test_google_news_sitemap_gives_publication_dates_and_titles():
    found = read_sitemap(NEWS_SITEMAP, MAX)
    assert [(l.url, l.published, l.title) for l in found.links] == [
        ("https://example.com/news/4", "2026-11-28T09:00:00+03:00", "خبر")]


def test_sitemap_index_gives_child_sitemaps():
    found = read_sitemap(INDEX, MAX)
    assert found.sitemaps == ["https://example.com/news-sitemap.xml", "https://example.com/archive.xml"]
    assert found.links == []


def test_html_served_as_a_sitemap_is_reported():
    assert read_sitemap(b"<html><body>not found</body></html>", MAX).problem.startswith("not a sitemap")


def test_robots_txt_sitemap_lines():
    robots = "User-agent: *\nDisallow: /private/\nSitemap: https://example.com/sitemap.xml\nsitemap:https://example.com/b.xml\n"
    assert read_robots(robots.encode()).sitemaps == ["https://example.com/sitemap.xml", "https://example.com/b.xml"]
