"""Sitemaps and robots.txt read with Scrapy's parsers (crawler/sitemaps.py, crawler/robots.py),
without a crawl."""

import gzip

from crawler.robots import lenient_robots, read_robots
from crawler.sitemaps import read_sitemap

CAP = 1 << 20
NEWS = """<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"
        xmlns:xhtml="http://www.w3.org/1999/xhtml">
  <url><loc>https://example.com/news/1</loc>
    <xhtml:link rel="alternate" hreflang="en" href="https://example.com/en/news/1"/>
    <news:news><news:publication_date>2026-12-03T08:00:00+03:00</news:publication_date>
      <news:title>عنوان الخبر</news:title></news:news></url>
  <url><loc>https://example.com/news/2</loc><lastmod>2026-12-02</lastmod></url>
</urlset>""".encode()


def test_a_news_sitemap_dates_and_titles_its_links():
    found = read_sitemap(NEWS, CAP)
    assert [(l.url, l.published, l.title) for l in found.links] == [
        ("https://example.com/news/1", "2026-12-03T08:00:00+03:00", "عنوان الخبر"),
        ("https://example.com/news/2", "2026-12-02", None)]
    assert found.problem is None


def test_alternate_links_are_read_when_asked_for():
    urls = [link.url for link in read_sitemap(NEWS, CAP, alternate_links=True).links]
    assert "https://example.com/en/news/1" in urls


def test_a_gzipped_sitemap_index_is_read():
    index = (b'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap>'
             b"<loc>https://example.com/sitemap?yyyy=2026&amp;mm=12&amp;dd=03</loc></sitemap>"
             b"</sitemapindex>")
    found = read_sitemap(gzip.compress(index), CAP)
    assert found.sitemaps == ["https://example.com/sitemap?yyyy=2026&mm=12&dd=03"]


def test_a_gzip_that_unpacks_past_the_cap_is_not_read():
    found = read_sitemap(gzip.compress(b"<urlset>" + b" " * (2 * CAP) + b"</urlset>"), CAP)
    assert found.links == [] and "unpacks to more than" in found.problem


def test_what_is_not_a_sitemap_says_so():
    assert read_sitemap(b"<html><body>404</body></html>", CAP).problem.startswith("not a sitemap")
    assert read_sitemap(b"", CAP).problem.startswith("not a sitemap")
    assert read_sitemap(b"\x1f\x8bnot gzip", CAP).problem.startswith("not a sitemap")


def test_entities_are_never_expanded():
    bomb = (b'<?xml version="1.0"?><!DOCTYPE u [<!ENTITY a "aaaaaaaaaa">'
            b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]>'
            b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            b"<url><loc>https://example.com/&c;</loc></url></urlset>")
    for link in read_sitemap(bomb, CAP).links:
        assert "aaaa" not in link.url


def test_robots_sitemap_lines_as_real_sites_write_them():
    robots = (b"User-Agent : *\r\nAllow /\r\nDisallow: private/\r\nSitemap : https://example.com/a.xml\r\n"
              b"sitemap:https://cdn.example.net/b.xml")
    assert read_robots(robots).sitemaps == ["https://example.com/a.xml", "https://cdn.example.net/b.xml"]


def test_an_html_page_in_place_of_robots_txt_is_reported():
    wall = b"<!DOCTYPE html><html><body>Checking your browser... Sitemap: https://x/</body></html>"
    found = read_robots(wall, "text/html")
    assert found.sitemaps == [] and "HTML page" in found.problem


def test_robots_txt_mistakes_are_mended_before_protego_reads_them():
    mended = lenient_robots("User-Agent : *\r\nAllow /\r\nDisallow private/\r\nDisallow: *.pdf$")
    assert mended.splitlines() == ["User-Agent: *", "Allow: /", "Disallow: /private/",
                                   "Disallow: *.pdf$"]
    assert lenient_robots("<html><body>Disallow: /</body></html>") == ""
