"""Honest health (issue 16 item 2): a crawl that re-read stored articles unchanged has found
articles, whatever its clock says; ``no_articles`` is for a crawl whose feeds and listings
yielded none. Over real HTTP on 127.0.0.1, the crawl's clock set with ``RAQIB_NOW`` (here a
month behind the real one, as when a test or an operator moves it)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from crawl_helpers import CrawlWorld
from local_site import RSS, TEXT, LocalSite, Page, article_page, rss, story
from monitor.crawling import LOCAL_SITE_SETTINGS, crawl_sites
from monitor.health import check_health, open_problems

T0 = datetime(2026, 11, 1, 8, 0, tzinfo=timezone.utc)


def seed(site: LocalSite) -> str:
    return (f'name = "موقع"\nallowed_domains = ["127.0.0.1"]\nfeeds = ["{site.url("/rss.xml")}"]\n'
            "article_url = '^http://127\\.0\\.0\\.1:\\d+/news/\\d+'\n"
            'every = "30m"\nmax_age = "3650d"\n')


def crawl(world: CrawlWorld, now: datetime):
    outcome = crawl_sites(world.db_path, world.seeds, ["wire"],
                          {**LOCAL_SITE_SETTINGS, "RAQIB_NOW": now.isoformat()}, timeout=120)
    assert outcome.returncode == 0, outcome.messages
    return outcome.runs[-1]


def test_a_crawl_that_re_read_stored_articles_unchanged_raises_no_health_alert(world):
    with LocalSite() as site:
        paths = ["/news/1", "/news/2", "/news/3"]
        site.add("/robots.txt", Page(b"User-agent: *\nAllow: /\n", TEXT))
        site.add("/rss.xml", Page(rss([site.url(p) for p in paths]), RSS))
        for n, path in enumerate(paths, 1):
            site.add(path, article_page(f"خبر رقم {n} عن الاقتصاد", story(n)))
        world.add_seed("wire", seed(site))
        first = crawl(world, T0)
        assert first.new == 3
        db = world.db()
        assert check_health(db) == []

        # the third story is taken down; the two others are read again, unchanged
        del site.pages[next(k for k in site.pages if k[0] == "/news/3")]
        second = crawl(world, T0 + timedelta(minutes=30))
        assert (second.new, second.changed, second.errors) == (0, 0, 1)
        row = db.execute("SELECT unchanged, listed FROM crawl_runs WHERE id = ?",
                         [second.run_id]).fetchone()
        assert row == (2, 3)
        assert check_health(db) == [] and open_problems(db) == {}

        # a week later the stored stories are no longer re-read, and the feed lists only
        # them: it named articles, so the site is found as it was
        crawl(world, T0 + timedelta(days=8))
        assert check_health(db) == []

        # the feed empties: the listing pages yield no article, that is no_articles
        site.add("/rss.xml", Page(rss([]), RSS))
        crawl(world, T0 + timedelta(days=9))
        (alert,) = check_health(db)
        assert alert.details["problem"] == "no_articles"
        db.close()
