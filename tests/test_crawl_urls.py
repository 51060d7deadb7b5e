"""Where URLs enter the crawl: one door (crawler/urls.py) that every feed item, sitemap <loc>,
listing link, redirect and canonical link passes, over real HTTP on 127.0.0.1.

An article is stored under one URL however it was reached, with the other URLs it was seen
under in ``url_aliases``; what the door refuses is a ``crawl_errors`` row naming the reason."""

from __future__ import annotations

from monitor.alerts import run_monitor
from monitor.topics import load_topics
from local_site import RSS, LocalSite, Page, article_page, listing_page, rss, story

TOPICS = """
[[topic]]
name = "التعاون الاقتصادي"
any = ["التعاون الاقتصادي"]
"""


def seed(site: LocalSite, **keys: str) -> str:
    lines = ['allowed_domains = ["127.0.0.1"]', "discover_sitemaps = false",
             "article_url = '/news/'"]
    lines += [f"{key} = {value}" for key, value in keys.items()]
    return "\n".join(lines) + "\n"


def rows(world, sql, *args):
    db = world.db()
    try:
        return [tuple(row) for row in db.execute(sql, args).fetchall()]
    finally:
        db.close()


def test_a_tracked_feed_link_and_a_clean_listing_link_are_one_article_and_one_alert(world):
    with LocalSite() as site:
        site.add("/rss.xml", Page(rss([site.url("/news/1?utm_source=rss&utm_medium=feed"),
                                       site.url("/news/2?traffic_source=rss")]), RSS))
        site.add("/section/", listing_page(["/news/1", "/news/2#comments"]))
        site.add("/news/1", article_page("خبر أول", story(1)))
        site.add("/news/2", article_page("خبر ثان", story(2)))
        world.add_seed("outlet", seed(site, feeds=f'["{site.url("/rss.xml")}"]',
                                      start_urls=f'["{site.url("/section/")}"]'))
        (world.seeds / "topics.toml").write_text(TOPICS, encoding="utf-8")
        outcome = world.crawl("outlet")
        base = site.base_url
    assert outcome.returncode == 0, outcome.messages
    assert rows(world, "SELECT url FROM articles ORDER BY url") == [
        (f"{base}/news/1",), (f"{base}/news/2",)]
    db = world.db()
    try:
        alerts = run_monitor(db, load_topics(world.seeds / "topics.toml"))
    finally:
        db.close()
    assert sorted(alert.url for alert in alerts) == [f"{base}/news/1", f"{base}/news/2"]
    aliases = dict(rows(world, "SELECT alias, url FROM url_aliases"))
    assert aliases[f"{base}/news/1?utm_source=rss&utm_medium=feed"] == f"{base}/news/1"
    assert aliases[f"{base}/news/2?traffic_source=rss"] == f"{base}/news/2"


def test_a_seed_names_more_tracking_parameters(world):
    with LocalSite() as site:
        site.add("/rss.xml", Page(rss([site.url("/news/1?from=homepage&id=7")]), RSS))
        site.add("/news/1?id=7", article_page("خبر", story(1)))
        world.add_seed("outlet", seed(site, feeds=f'["{site.url("/rss.xml")}"]',
                                      tracking_parameters='["from"]'))
        world.crawl("outlet")
        base = site.base_url
    assert rows(world, "SELECT url FROM articles") == [(f"{base}/news/1?id=7",)]


def test_the_page_canonical_link_names_the_article(world):
    """Three URLs of one story (a slug, a print view, an AMP page) are one article: the URL its
    <link rel="canonical"> (or og:url) names. A canonical link off the site is refused and
    recorded; that page is stored under the URL it was fetched at."""
    with LocalSite() as site:
        canonical = site.url("/news/1")
        site.add("/section/", listing_page(["/news/1/slug", "/news/1/print", "/news/1/amp",
                                            "/news/2/slug"]))
        site.add("/news/1/slug", article_page("خبر", story(1), canonical=canonical))
        site.add("/news/1/print", article_page("خبر", story(1), canonical="/news/1?utm_campaign=x"))
        site.add("/news/1/amp", article_page("خبر", story(1), og_url=canonical))
        site.add("/news/2/slug", article_page("خبر آخر", story(2),
                                              canonical="https://agency.example/original/2"))
        world.add_seed("outlet", seed(site, start_urls=f'["{site.url("/section/")}"]'))
        world.crawl("outlet")
        base = site.base_url
    assert rows(world, "SELECT url FROM articles ORDER BY url") == [
        (f"{base}/news/1",), (f"{base}/news/2/slug",)]
    assert {alias for (alias,) in rows(world, "SELECT alias FROM url_aliases WHERE url = ?",
                                       f"{base}/news/1")} >= {
        f"{base}/news/1/slug", f"{base}/news/1/print", f"{base}/news/1/amp"}
    (refusal,) = rows(world, "SELECT url, message FROM crawl_errors WHERE stage = 'url'")
    assert refusal[0] == "https://agency.example/original/2"
    assert "outside allowed_domains" in refusal[1]


def test_the_next_crawl_knows_the_other_urls_of_a_stored_article(world):
    """A listing that links an article by a URL it was seen under before asks for the stored
    article (conditionally), not for a new one."""
    with LocalSite() as site:
        site.add("/section/", listing_page(["/news/1/slug"]))
        site.add("/news/1/slug", article_page("خبر", story(1), canonical=site.url("/news/1")))
        site.add("/news/1", article_page("خبر", story(1), canonical=site.url("/news/1")))
        world.add_seed("outlet", seed(site, start_urls=f'["{site.url("/section/")}"]'))
        world.crawl("outlet")
        site.requested.clear()
        world.crawl("outlet")
        second = list(site.requested)
    assert "/news/1" in second and "/news/1/slug" not in second
    assert len(rows(world, "SELECT url FROM articles")) == 1
