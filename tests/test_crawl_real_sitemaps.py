"""Sitemaps and robots.txt in the shapes real Arabic outlets serve them (issue 9), each crawled
over real HTTP on 127.0.0.1: daily child sitemaps addressed by query, sitemap URLs without
``.xml``, percent-encoded Arabic slugs, gzipped sitemaps and indexes, and robots.txt files
with the mistakes and extensions found in the wild."""

from __future__ import annotations

from urllib.parse import quote, unquote

from crawl_helpers import crawl_errors as errors
from local_site import (
    GZIP, HTML, TEXT, XML, LocalSite, Page, article_page, gzipped, listing_page, sitemap_index,
    story, urlset,
)

SLUGS = ["وزير-الخارجية-يبحث-التعاون-مع-كندا", "ارتفاع-أسعار-النفط-في-الأسواق",
         "افتتاح-معرض-الكتاب-الدولي", "المنتخب-يتأهل-إلى-النهائي"]


def seed(**keys: str) -> str:
    lines = ['allowed_domains = ["127.0.0.1"]', "article_url = '/news/'"]
    lines += [f"{key} = {value}" for key, value in keys.items()]
    return "\n".join(lines) + "\n"


def stored_urls(world) -> list[str]:
    db = world.db()
    try:
        return sorted(row["url"] for row in db.query("SELECT url FROM articles"))
    finally:
        db.close()


def article_path(day: str, slug: str) -> str:
    return f"/news/2026/12/{day}/{quote(slug)}"


def add_articles(site: LocalSite, day: str, slugs: list[str]) -> list[str]:
    paths = []
    for number, slug in enumerate(slugs):
        path = article_path(day, slug)
        site.add(path, article_page(slug.replace("-", " "), story(int(day) * 10 + number)))
        paths.append(path)
    return paths


def test_a_sitemap_index_of_daily_sitemaps_addressed_by_query(world):
    """``/sitemap`` (no ``.xml``, served as text/html as some CMSs do) lists one child per day at
    ``/sitemap?yyyy=2026&amp;mm=12&amp;dd=03``; the children list percent-encoded Arabic
    slugs, one in lower-case hex. Every article is stored once, under one URL."""
    with LocalSite() as site:
        days = {"03": SLUGS[:2], "02": SLUGS[2:]}
        site.add("/sitemap", Page(sitemap_index(
            [site.url(f"/sitemap?yyyy=2026&amp;mm=12&amp;dd={day}") for day in days]), HTML))
        expected = []
        for day, slugs in days.items():
            paths = add_articles(site, day, slugs)
            locs = [site.url(p) for p in paths]
            locs[0] = locs[0].lower()  # %d8%a7...: lower-case hex, as some CMSs write it
            site.add(f"/sitemap?yyyy=2026&mm=12&dd={day}", Page(urlset(locs), XML))
            expected += [site.url(p) for p in paths]
        world.add_seed("outlet", seed(sitemaps=f'["{site.url("/sitemap")}"]',
                                      discover_sitemaps="false"))
        outcome = world.crawl("outlet")
    assert outcome.returncode == 0, outcome.messages
    assert stored_urls(world) == sorted(expected)  # percent-encoded, upper-case hex
    assert sorted(unquote(u).rsplit("/", 1)[1] for u in stored_urls(world)) == sorted(SLUGS)
    assert errors(world) == []


def test_gzipped_sitemap_indexes_and_sitemaps(world):
    """A ``.xml.gz`` index (application/x-gzip) of a ``.xml.gz`` child and a plain child served
    with ``Content-Encoding: gzip``: all read, nothing refused as "not a sitemap"."""
    with LocalSite() as site:
        first = add_articles(site, "03", SLUGS[:2])
        second = add_articles(site, "02", SLUGS[2:])
        site.add("/sitemap_index.xml.gz", Page(gzipped(sitemap_index(
            [site.url("/sitemap-1.xml.gz"), site.url("/sitemap-2.xml")])), GZIP))
        site.add("/sitemap-1.xml.gz", Page(gzipped(urlset([site.url(p) for p in first])), GZIP))
        site.add("/sitemap-2.xml", Page(gzipped(urlset([site.url(p) for p in second])), XML,
                                        headers={"Content-Encoding": "gzip"}))
        world.add_seed("outlet", seed(sitemaps=f'["{site.url("/sitemap_index.xml.gz")}"]',
                                      discover_sitemaps="false"))
        outcome = world.crawl("outlet")
        expected = sorted(site.url(p) for p in first + second)
    assert outcome.returncode == 0, outcome.messages
    assert stored_urls(world) == expected
    assert errors(world) == []


def robots_in_the_wild(site: LocalSite) -> bytes:
    """CRLF line ends, a comment, a rule-less group, ``User-Agent :`` and ``Sitemap :`` with a
    space before the colon, ``Allow /`` without its colon, a ``Disallow`` path without its
    leading ``/``, ``*`` and ``$`` wildcards, two ``Sitemap:`` lines on different hosts, no
    final newline."""
    lines = [
        "# robots.txt",
        "User-agent: Mediapartners-Google",
        "",
        "User-Agent : *",
        "Allow /",
        "Disallow: private/",
        "Disallow: /*?print=1$",
        "Disallow: /*.pdf$",
        "Disallow: /news/*/draft",
        "",
        f"Sitemap : {site.url('/sitemap')}",
        f"Sitemap: http://localhost:{site.port}/cdn-sitemap.xml",
    ]
    return "\r\n".join(lines).encode()


def test_robots_txt_as_real_sites_write_it(world):
    with LocalSite() as site:
        articles = add_articles(site, "03", SLUGS[:2])
        listed = add_articles(site, "02", SLUGS[2:3])
        forbidden = ["/private/news/1", "/news/5?print=1", "/news/report.pdf", "/news/7/draft"]
        for path in forbidden:
            site.add(path, article_page("صفحة ممنوعة", story(99)))
        site.add("/robots.txt", Page(robots_in_the_wild(site), TEXT))
        site.add("/sitemap", Page(urlset([site.url(p) for p in articles]), XML))
        site.add("/section/", listing_page([*listed, *forbidden]))
        world.add_seed("outlet", seed(start_urls=f'["{site.url("/section/")}"]'))
        outcome = world.crawl("outlet")
        requested = list(site.requested)
        expected = sorted(site.url(p) for p in articles + listed)
        other_host_sitemap = f"http://localhost:{site.port}/cdn-sitemap.xml"
    assert outcome.returncode == 0, outcome.messages
    assert "/sitemap" in requested  # the Sitemap : line on the site's host is followed
    assert stored_urls(world) == expected
    for path in forbidden:
        assert not site.was_requested(path), path
    assert "/cdn-sitemap.xml" not in requested
    (refused,) = [e for e in errors(world) if e[1] == other_host_sitemap]
    assert refused[0] == "url" and "outside allowed_domains" in refused[2]


def test_an_html_anti_bot_page_in_place_of_robots_txt(world):
    """A 200 HTML challenge page at /robots.txt: recorded as such, read as no rules and no
    sitemaps (never as rules out of markup), and the site's listing is still crawled."""
    wall = (b"<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>"
            b"<p>Checking your browser before accessing the site.</p>"
            b"<p>Disallow: /</p></body></html>")
    with LocalSite() as site:
        articles = add_articles(site, "03", SLUGS[:2])
        site.add("/robots.txt", Page(wall, HTML))
        site.add("/section/", listing_page(articles))
        world.add_seed("outlet", seed(start_urls=f'["{site.url("/section/")}"]'))
        outcome = world.crawl("outlet")
        expected = sorted(site.url(p) for p in articles)
    assert outcome.returncode == 0, outcome.messages
    assert stored_urls(world) == expected
    (wall_error,) = [e for e in errors(world) if e[1].endswith("/robots.txt")]
    assert wall_error[0] == "robots" and "HTML page" in wall_error[2]
