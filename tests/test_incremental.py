"""Incremental fetching: a second crawl asks only for what may have changed.

- Every page fetched before is requested conditionally (``If-None-Match`` /
  ``If-Modified-Since``); a ``304 Not Modified`` is counted in the run's ``not_modified`` and
  ``pages``, and is neither re-extracted nor re-stored: no version is written, and the
  article's ``last_seen`` moves to the crawl's time, as for a fetch that found the same content.
- A stored article is asked for again on a schedule that slows with age
  (:func:`crawler.fetchstate.refetch_due`): every crawl in its first two hours, hourly in its
  first day, daily in its first week, then never (tests/test_refetch_budget.py: the budget). Feeds, sitemaps and listing pages are always asked for.
- A never-stored article that a feed or sitemap dates beyond the site's ``max_age`` is not
  fetched; one within it always is.

The crawls run the real spider in a child process against sites served on 127.0.0.1. The
crawl's clock is fixed with the ``RAQIB_NOW`` setting, so the schedule is tested against the
demo's own dates whatever the real date is.
"""

from __future__ import annotations

import shutil
import threading
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from crawl_helpers import CrawlWorld
from crawler.fetchstate import refetch_due, within_window, window_reference
from crawler.sites import SeedError, load_site
from monitor.crawling import LOCAL_SITE_SETTINGS, crawl_sites
from demo.server import DemoServer, demo_seed_toml
from demo.site import DemoSite

UTC = timezone.utc
# The crawl's "now" in these tests: the morning after the demo's first edition.
T = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)


def crawl_at(world: CrawlWorld, now: datetime, **settings: str) -> dict:
    """Crawl the demo site with the crawl's clock at ``now``; the run's row of crawl_runs."""
    outcome = crawl_sites(world.db_path, world.seeds, ["demo"],
                          {**LOCAL_SITE_SETTINGS, "RAQIB_NOW": now.isoformat(), **settings},
                          timeout=120)
    assert outcome.returncode == 0, outcome.messages
    (run,) = outcome.runs
    db = world.db()
    try:
        return db["crawl_runs"].get(run.run_id)
    finally:
        db.close()


def article_statuses(server: DemoServer) -> dict[str, int]:
    """The status each article page was answered with since the last clear_requests()."""
    return {path: status for path, status in server.statuses if path.startswith("/news/")}


# The schedule, as a pure function ---------------------------------------------------------

@pytest.mark.parametrize(("published", "first_seen", "last_fetched", "now", "due"), [
    # first two hours after publication: every crawl
    ("11-29 08:00", "11-29 08:30", "11-29 09:00", "11-29 09:30", True),
    # first day: hourly (a crawl 20 minutes after the last check is not due)
    ("11-29 02:00", "11-29 02:30", "11-29 08:40", "11-29 09:00", False),
    ("11-29 02:00", "11-29 02:30", "11-29 07:55", "11-29 09:00", True),
    # first week: once a day (an hour early still counts, for a daily crawl with jitter)
    ("11-25 08:00", "11-25 09:00", "11-29 09:00", "11-29 21:00", False),
    ("11-25 08:00", "11-25 09:00", "11-29 09:00", "11-30 08:00", True),
    # older than a week: never
    ("11-20 08:00", "11-20 09:00", "11-25 09:00", "11-29 09:00", False),
    # however old the page says it is, an article first seen in the last two hours is
    # checked every crawl
    ("01-01 08:00", "11-29 08:00", "11-29 08:30", "11-29 09:00", True),
    # ... and after that day its age counts from the page's date: never again
    ("01-01 08:00", "11-20 08:00", "11-21 08:30", "11-22 09:00", False),
    # no date, or a date in the future: age counts from when raqib first saw it
    (None, "11-27 09:00", "11-28 09:00", "11-29 09:00", True),
    ("12-25 08:00", "11-27 09:00", "11-28 09:00", "11-29 09:00", True),
    (None, "11-20 09:00", "11-26 09:00", "11-29 09:00", False),
])
def test_a_stored_article_is_due_every_crawl_then_hourly_then_daily_for_a_week_then_never(
        published, first_seen, last_fetched, now, due):
    def at(text):  # "11-29 08:00": a time in 2026, UTC
        if text is None:
            return None
        return datetime.strptime(f"2026-{text}", "%Y-%m-%d %H:%M").replace(tzinfo=UTC)

    assert refetch_due(at(published), at(first_seen), at(last_fetched), at(now)) is due


def test_the_window_counts_back_from_the_newest_listed_date_or_now():
    listed = [T - timedelta(days=3), T - timedelta(days=40), None]
    assert window_reference(listed, T) == T - timedelta(days=3)  # the site's clock lags ours
    assert window_reference([T + timedelta(days=1)], T) == T      # never beyond ours
    assert window_reference([None], T) == T
    assert within_window(T - timedelta(days=29), T, timedelta(days=30))
    assert not within_window(T - timedelta(days=31), T, timedelta(days=30))
    assert within_window(None, T, timedelta(days=30))  # undated: fetch it


def test_max_age_is_a_seed_key_with_a_duration(tmp_path):
    seed = tmp_path / "s.toml"
    seed.write_text('allowed_domains = ["example.com"]\nfeeds = ["https://example.com/rss"]\n'
                    'max_age = "2w"\n', encoding="utf-8")
    assert load_site(seed).max_age == timedelta(weeks=2)
    seed.write_text('allowed_domains = ["example.com"]\nfeeds = ["https://example.com/rss"]\n'
                    'max_age = "a month"\n', encoding="utf-8")
    with pytest.raises(SeedError, match=r"s\.toml: max_age: bad duration"):
        load_site(seed)


# The demo site answers conditional requests -------------------------------------------------

def test_the_demo_site_answers_304_to_a_request_for_what_the_client_has():
    def get(url, **headers):
        try:
            with urllib.request.urlopen(urllib.request.Request(url, headers=headers)) as resp:
                return resp.status, resp.headers
        except urllib.error.HTTPError as err:
            return err.code, err.headers

    with DemoServer(edition=1) as server:
        url = server.url("/rss.xml")
        status, headers = get(url)
        etag, modified = headers["ETag"], headers["Last-Modified"]
        assert status == 200 and etag and modified
        assert get(url, **{"If-None-Match": etag})[0] == 304
        assert get(url, **{"If-Modified-Since": modified})[0] == 304
        assert get(url, **{"If-None-Match": '"other"', "If-Modified-Since": modified})[0] == 200
        server.set_edition(2)  # every page changes: new body, later Last-Modified
        assert get(url, **{"If-None-Match": etag})[0] == 200
        assert get(url, **{"If-Modified-Since": modified})[0] == 200


# Crawling an unchanged site again ---------------------------------------------------------

@pytest.fixture(scope="module")
def recrawls(tmp_path_factory):
    """The demo site (edition 1, never changing) crawled at T, an hour later, two days later
    and eight days later, into one store; what each crawl asked for and what it recorded."""
    world = CrawlWorld(tmp_path_factory.mktemp("incremental"))
    crawls = {}
    with DemoServer(edition=1) as server:
        world.add_seed("demo", demo_seed_toml(server.base_url))
        for label, now in (("first", T), ("hour", T + timedelta(hours=1)),
                           ("two days", T + timedelta(days=2)),
                           ("eight days", T + timedelta(days=8))):
            server.clear_requests()
            run = crawl_at(world, now)
            crawls[label] = {"run": run, "now": now, "articles": article_statuses(server),
                             "statuses": list(server.statuses)}
        yield {"world": world, "crawls": crawls, "site": DemoSite(1, server.base_url),
               "server": server}


def test_an_unchanged_article_is_answered_304_and_not_stored_again(recrawls):
    crawls, site = recrawls["crawls"], recrawls["site"]
    stored = {a.path for a in site.articles}
    assert set(crawls["first"]["articles"]) >= stored
    # An hour later every stored article is still in its first day: asked for, conditionally.
    again = crawls["hour"]["articles"]
    assert {path for path, status in again.items() if status == 304} == stored
    run = crawls["hour"]["run"]
    assert run["new"] == 0 and run["changed"] == 0
    assert run["not_modified"] == sum(1 for _, s in crawls["hour"]["statuses"] if s == 304)
    assert run["not_modified"] >= len(stored) and run["pages"] >= run["not_modified"]
    db = recrawls["world"].db()
    try:
        assert db["versions"].count == len(stored)  # one version each, as after the first crawl
        article = db["articles"].get(site.article_url(site.articles[0].id))
    finally:
        db.close()
    # last_seen: the last fetch that found the stored content, a 304 included
    assert article["first_seen"] == T.isoformat()
    assert article["last_seen"] in {crawls[c]["now"].isoformat() for c in crawls}
    assert article["last_seen"] > T.isoformat()


def test_a_second_crawl_receives_a_tenth_of_the_bytes_of_the_first(recrawls):
    first, again = recrawls["crawls"]["first"]["run"], recrawls["crawls"]["hour"]["run"]
    assert first["requests"] > 0 and first["bytes"] > 0
    assert again["bytes"] <= 0.10 * first["bytes"]


def test_stored_articles_are_asked_for_again_less_often_as_they_age(recrawls):
    crawls, site = recrawls["crawls"], recrawls["site"]
    # Two days later: only the stories published in the week before are due (daily).
    now = crawls["two days"]["now"]
    week_old = {a.path for a in site.articles if now - a.published_at < timedelta(days=7)}
    assert week_old and week_old != {a.path for a in site.articles}
    assert set(crawls["two days"]["articles"]) == week_old
    # Eight days later no story is due; feeds, sitemaps and listing pages are still asked for.
    assert crawls["eight days"]["articles"] == {}
    asked = {path for path, _ in crawls["eight days"]["statuses"]}
    assert {"/rss.xml", "/news-sitemap.xml", "/section/politics/"} <= asked
    assert all(status == 304 for path, status in crawls["eight days"]["statuses"]
               if path != "/robots.txt")


def test_a_full_recrawl_can_be_asked_for(recrawls, tmp_path):
    """``-s RAQIB_INCREMENTAL=false``: every page asked for in full, whatever the store knows."""
    world = CrawlWorld(tmp_path)  # a copy of the store, so the other tests' store is unchanged
    shutil.copytree(recrawls["world"].seeds, world.seeds)
    shutil.copy(recrawls["world"].db_path, world.db_path)
    server = recrawls["server"]
    server.clear_requests()
    run = crawl_at(world, T + timedelta(days=9), RAQIB_INCREMENTAL="false")
    assert {status for _, status in server.statuses} <= {200, 500}
    assert set(article_statuses(server)) >= {a.path for a in recrawls["site"].articles}
    assert run["not_modified"] == 0 and run["new"] == 0 and run["changed"] == 0


# Feed dates and the window ----------------------------------------------------------------

class FeedSite:
    """A small news site on 127.0.0.1: an RSS feed listing articles with the given dates."""

    def __init__(self, stories: dict[str, datetime]):
        self.stories = stories
        self.requested: list[str] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                site.requested.append(self.path)
                body = site.page(self.path)
                self.send_response(200 if body else 404)
                self.send_header("Content-Type", "application/rss+xml; charset=utf-8"
                                 if self.path.endswith(".xml") else "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def page(self, path: str) -> bytes:
        if path == "/rss.xml":
            items = "".join(
                f"<item><title>خبر {slug}</title><link>{self.base_url}/news/{slug}.html</link>"
                f"<pubDate>{format_datetime(date)}</pubDate></item>"
                for slug, date in self.stories.items())
            return (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
                    f"<title>موقع</title>{items}</channel></rss>").encode()
        if path == "/robots.txt":
            return b"User-agent: *\nAllow: /\n"
        slug = path.removeprefix("/news/").removesuffix(".html")
        if slug in self.stories:
            date = self.stories[slug].isoformat()
            return (f'<html lang="ar"><head><title>خبر {slug}</title>'
                    f'<meta property="article:published_time" content="{date}"></head><body>'
                    f"<article><h1>خبر {slug}</h1><p>قال المتحدث باسم الوزارة إن الاجتماع "
                    f"بحث التعاون الاقتصادي بين البلدين وسبل تطويره في المرحلة المقبلة.</p>"
                    f"<p>وأضاف أن اللجان المشتركة ستواصل عملها خلال الأسابيع القادمة.</p>"
                    f"</article></body></html>").encode()
        return b""

    def __enter__(self):
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


def test_an_article_listed_beyond_the_window_is_not_fetched_while_a_new_one_is(world):
    """The window counts back from the feed's newest story (nine days before the crawl here:
    the site's clock may lag ours), so ``last-month`` is in and ``archive`` is out."""
    newest = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
    stories = {"fresh": newest, "last-month": newest - timedelta(days=25),
               "archive": newest - timedelta(days=90)}
    with FeedSite(stories) as site:
        world.add_seed("demo", f"""
allowed_domains = ["127.0.0.1"]
feeds = ["{site.base_url}/rss.xml"]
article_url = '/news/'
discover_sitemaps = false
max_age = "30d"
""")
        run = crawl_at(world, T)
        requested = set(site.requested)
    assert "/news/fresh.html" in requested and "/news/last-month.html" in requested
    assert "/news/archive.html" not in requested
    assert run["new"] == 2
    db = world.db()
    try:
        assert {row["url"].rsplit("/", 1)[1] for row in db["articles"].rows} == {
            "fresh.html", "last-month.html"}
    finally:
        db.close()


def test_a_sitemap_index_is_fetched_in_full_and_its_children_conditionally(world):
    """An index often stays the same while its child sitemaps change: a 304 on it would hide
    them, so it is always fetched in full (it is small); the children are conditional."""
    with DemoServer(edition=1) as server:
        seed = demo_seed_toml(server.base_url).replace(
            f'sitemaps = ["{server.base_url}/news-sitemap.xml"]',
            f'sitemaps = ["{server.base_url}/sitemap.xml"]')
        assert "/sitemap.xml" in seed
        world.add_seed("demo", seed)
        crawl_at(world, T)
        server.clear_requests()
        crawl_at(world, T + timedelta(hours=1))
        statuses = dict(server.statuses)
    assert statuses["/sitemap.xml"] == 200
    assert statuses["/news-sitemap.xml"] == 304 and statuses["/sitemap-archive.xml"] == 304
