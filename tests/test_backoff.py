"""Back off when asked (issue 16 item 3): a site answering ``429`` (or ``503``) with
``Retry-After`` is paused: no URL asked for twice in that crawl, one ``crawl_errors`` row naming
the pause, its pages still due, no request from ``raqib run``'s crawl job before the period
ends (its clock moved with ``RAQIB_NOW``), crawled as usual after it. Over real HTTP on
127.0.0.1; the test server counts every request."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from zoneinfo import ZoneInfo

import pytest

from crawl_helpers import CrawlWorld
from crawler.pauses import DEFAULT_PAUSE_MAX, backoff_period, paused_until, retry_after_period
from crawler.sites import load_sites
from local_site import RSS, TEXT, LocalSite, Page, article_page, rss, story
from monitor.config import Config
from monitor.crawling import LOCAL_SITE_SETTINGS, crawl_sites
from monitor.scheduler import RunPlan, crawl_job
from monitor.status import collect_status, render_status

T0 = datetime(2026, 11, 1, 8, 0, tzinfo=timezone.utc)
ARTICLES = [f"/news/{n}" for n in range(1, 7)]


class BusySite:
    """A site whose article pages answer ``busy`` (a Page) until ``calm()``."""

    def __init__(self, site: LocalSite, busy: Page):
        self.site = site
        site.add("/robots.txt", Page(b"User-agent: *\nAllow: /\n", TEXT))
        site.add("/rss.xml", Page(rss([site.url(p) for p in ARTICLES]), RSS))
        for path in ARTICLES:
            site.add(path, busy)

    def calm(self) -> None:
        for n, path in enumerate(ARTICLES, 1):
            self.site.add(path, article_page(f"خبر رقم {n} عن الاقتصاد", story(n)))

    def article_requests(self, since: int = 0) -> Counter:
        return Counter(p for p in self.site.requested[since:] if p.startswith("/news/"))


def seed(site: LocalSite) -> str:
    return (f'name = "موقع"\nallowed_domains = ["127.0.0.1"]\nfeeds = ["{site.url("/rss.xml")}"]\n'
            "article_url = '^http://127\\.0\\.0\\.1:\\d+/news/\\d+'\n"
            'every = "30m"\nmax_age = "3650d"\n')


def crawl(world: CrawlWorld, now: datetime, **settings: str):
    outcome = crawl_sites(world.db_path, world.seeds, ["wire"],
                          {**LOCAL_SITE_SETTINGS, "RETRY_TIMES": "2",
                           "RAQIB_NOW": now.isoformat(), **settings}, timeout=120)
    assert outcome.returncode == 0, outcome.messages
    return outcome


def pause_of(world: CrawlWorld, now: datetime):
    db = world.db()
    try:
        return paused_until(db, "wire", now)
    finally:
        db.close()


def paused_rows(world: CrawlWorld) -> list[str]:
    db = world.db()
    try:
        return [m for (m,) in db.execute("SELECT message FROM crawl_errors WHERE stage = 'paused'")]
    finally:
        db.close()


def plan_at(world: CrawlWorld, now: datetime) -> RunPlan:
    return RunPlan(db=str(world.db_path), seeds=str(world.seeds),
                   topics=str(world.seeds / "topics.toml"), config=Config(),
                   overrides={**LOCAL_SITE_SETTINGS, "RAQIB_NOW": now.isoformat()})


def test_429_retry_after_120_pauses_the_site_for_120_seconds_of_the_schedulers_clock(world):
    with LocalSite() as site:
        busy = BusySite(site, Page(b"slow down", TEXT, 429, {"Retry-After": "120"}))
        world.add_seed("wire", seed(site))
        outcome = crawl(world, T0)
        asked = busy.article_requests()
        assert asked and max(asked.values()) == 1          # no URL asked for twice: no retry
        (run,) = outcome.runs
        assert (run.status, run.new, run.errors) == ("paused", 0, 1)
        (row,) = paused_rows(world)                        # ONE row names the pause
        assert "HTTP 429 (Retry-After: 120)" in row and "2026-11-01T08:02:00+00:00" in row
        assert pause_of(world, T0).until == T0 + timedelta(seconds=120)

        db = world.db()
        sites, _ = load_sites(world.seeds)
        text = render_status(collect_status(db, sites, now=T0 + timedelta(seconds=30),
                                            tz=ZoneInfo("Asia/Baghdad")),
                             tz=ZoneInfo("Asia/Baghdad"))
        db.close()
        # readable, in the configured zone (issue 12)
        assert "paused until \u2068الأحد 1 نوفمبر 2026، 11:02\u2069" in text
        assert text.startswith("times in Asia/Baghdad\n")

        busy.calm()
        before = len(site.requested)
        for seconds in (1, 60, 119):                       # the scheduler's crawl job: nothing
            summary = crawl_job(plan_at(world, T0 + timedelta(seconds=seconds)), ["wire"],
                                "crawl:wire")
            assert "paused" in summary
        assert site.requested[before:] == []
        assert crawl(world, T0 + timedelta(seconds=100)).runs == []  # raqib crawl waits too
        assert site.requested[before:] == []

        summary = crawl_job(plan_at(world, T0 + timedelta(seconds=121)), ["wire"], "crawl:wire")
        assert "6 new" in summary                          # the pages stayed due
        assert set(busy.article_requests(before)) == set(ARTICLES)
        assert pause_of(world, T0 + timedelta(seconds=121)) is None


def test_an_http_date_retry_after_and_a_503_that_names_one(world):
    when = format_datetime(T0 + timedelta(minutes=5), usegmt=True)
    with LocalSite() as site:
        busy = BusySite(site, Page(b"maintenance", TEXT, 503, {"Retry-After": when}))
        world.add_seed("wire", seed(site))
        crawl(world, T0)
        assert max(busy.article_requests().values()) == 1
        assert pause_of(world, T0).until == T0 + timedelta(minutes=5)
        assert f"HTTP 503 (Retry-After: {when})" in paused_rows(world)[0]


def test_a_503_without_retry_after_is_a_failure_retried_not_a_pause(world):
    with LocalSite() as site:
        busy = BusySite(site, Page(b"oops", TEXT, 503))
        world.add_seed("wire", seed(site))
        crawl(world, T0)
        assert set(busy.article_requests().values()) == {3}   # RETRY_TIMES = 2
        assert paused_rows(world) == [] and pause_of(world, T0) is None


@pytest.mark.parametrize("header, period", [
    ("99999999999999999999999", timedelta(hours=1)),   # huge: the cap (RAQIB_PAUSE_MAX=1h)
    ("-120", timedelta(seconds=60)),                   # negative: ignored, back-off
    ("soon, I promise", timedelta(seconds=60)),        # garbage: ignored, back-off
    ("Thu, 01 Jan 1970 00:00:00 GMT", timedelta(seconds=60)),  # a date past: back-off
])
def test_a_hostile_retry_after_is_capped_or_ignored(world, header, period):
    with LocalSite() as site:
        busy = BusySite(site, Page(b"slow down", TEXT, 429, {"Retry-After": header}))
        world.add_seed("wire", seed(site))
        crawl(world, T0, RAQIB_PAUSE_MAX="1h")
        assert max(busy.article_requests().values()) == 1
        assert pause_of(world, T0).until == T0 + period
        assert len(paused_rows(world)) == 1


def test_without_retry_after_the_back_off_doubles_with_each_pause_in_a_row(world):
    with LocalSite() as site:
        busy = BusySite(site, Page(b"slow down", TEXT, 429))
        world.add_seed("wire", seed(site))
        crawl(world, T0)
        assert pause_of(world, T0).until == T0 + timedelta(seconds=60)
        crawl(world, T0 + timedelta(seconds=61))
        assert pause_of(world, T0).until == T0 + timedelta(seconds=61 + 120)
        busy.calm()
        crawl(world, T0 + timedelta(seconds=200))       # a crawl not paused ends the run
        site.add("/news/1", Page(b"slow down", TEXT, 429))
        site.add("/rss.xml", Page(rss([site.url("/news/1")]), RSS))
        crawl(world, T0 + timedelta(hours=3))
        assert pause_of(world, T0 + timedelta(hours=3)).until == T0 + timedelta(hours=3,
                                                                                seconds=60)


def test_retry_after_values():
    now = T0
    assert retry_after_period(" 120 ", now) == timedelta(seconds=120)
    assert retry_after_period("0", now) is None
    assert retry_after_period("", now) is None and retry_after_period(None, now) is None
    assert retry_after_period("1e9", now) is None
    assert retry_after_period("9" * 5000, now) == DEFAULT_PAUSE_MAX
    assert retry_after_period(format_datetime(now + timedelta(days=30), usegmt=True),
                              now) == DEFAULT_PAUSE_MAX
    assert [backoff_period(n).total_seconds() for n in (1, 2, 3, 4)] == [60, 120, 240, 480]
    assert backoff_period(10_000) == DEFAULT_PAUSE_MAX
