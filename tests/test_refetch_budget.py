"""Refetches in age tiers, within a budget: a local site publishing 300 articles over a
simulated day (25 every two hours; its feed lists the newest 60) is crawled every two hours of
the crawl's clock (``RAQIB_NOW``). The number of article requests per crawl stays bounded by
the new articles plus the seed's ``refetch_budget``; every new article is fetched in the
crawl that first lists it; an edit made to an article in its first day (the hourly tier) is
still found, because within a tier the longest-unchecked articles go first; the runs record
how many refetches were due and how many the budget left for the next crawl.

Served on 127.0.0.1, crawled by the real spider in a child process."""

from __future__ import annotations

import html
import threading
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from crawl_helpers import CrawlWorld
from crawler.fetchstate import DEFAULT_REFETCH, refetch_due, refetch_tier
from crawler.sites import load_site
from monitor.crawling import LOCAL_SITE_SETTINGS, crawl_sites

pytestmark = pytest.mark.slow  # a simulated day of crawls

START = datetime(2026, 12, 1, 6, 0, tzinfo=timezone.utc)
EVERY = timedelta(hours=2)
PER_CRAWL, CRAWLS, FEED_ITEMS, BUDGET = 25, 12, 60, 40
EDITED, EDIT_AT = 130, 6  # article 130 (published before crawl 6) is edited before crawl 7


class BusySite:
    """Articles ``/news/<n>.html``, each three paragraphs of its own, published at given
    times; an RSS feed of the newest FEED_ITEMS."""

    def __init__(self) -> None:
        self.published: dict[int, datetime] = {}
        self.edited: set[int] = set()
        self.requests: list[str] = []
        self.lock = threading.Lock()
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                status, kind, body = site.answer(self.path)
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def publish(self, n: int, when: datetime) -> None:
        with self.lock:
            self.published[n] = when

    def answer(self, path: str) -> tuple[int, str, bytes]:
        with self.lock:
            self.requests.append(path)
            if path == "/rss.xml":
                newest = sorted(self.published, reverse=True)[:FEED_ITEMS]
                items = "".join(f"<item><title>خبر رقم {n}</title><link>{self.base}/news/{n}.html"
                                f"</link><pubDate>{format_datetime(self.published[n])}</pubDate>"
                                "</item>" for n in newest)
                return 200, "application/rss+xml", (
                    f'<?xml version="1.0"?><rss version="2.0"><channel><title>مدينة</title>'
                    f"{items}</channel></rss>").encode()
            if path.startswith("/news/") and path.endswith(".html"):
                n = int(path[6:-5])
                if n in self.published:
                    return 200, "text/html; charset=utf-8", self.page(n).encode()
            return 404, "text/plain", b"not found"

    def page(self, n: int) -> str:
        paragraphs = [f"قال مسؤول في البلدية إن المشروع رقم {n} في حي {n % 17} سيبدأ الأسبوع "
                      f"المقبل بكلفة تقارب {n * 3} مليون دينار، على أن ينجز خلال عام.",
                      f"وأضاف أن الأعمال في المشروع {n} ستشمل الطرق والمجاري والإنارة، وأن "
                      f"الشركة المنفذة ستعتمد على {n + 40} عاملاً من أبناء المنطقة.",
                      f"وطالب سكان الحي {n % 17} بالإسراع في التنفيذ قبل موسم الأمطار المقبل."]
        if n in self.edited:
            paragraphs.append(f"تحديث: أعلنت البلدية تأجيل بدء المشروع {n} أسبوعين آخرين.")
        ps = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
        when = self.published[n].isoformat()
        return (f'<!doctype html><html lang="ar" dir="rtl"><head><meta charset="utf-8">'
                f"<title>خبر رقم {n}</title>"
                f'<meta property="article:published_time" content="{when}"></head><body>'
                f"<main><article><h1>مشروع جديد رقم {n} في حي {n % 17}</h1>"
                f'<div class="article-body">{ps}</div></article></main></body></html>')

    def __enter__(self) -> BusySite:
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def busy_day(tmp_path_factory):
    world = CrawlWorld(tmp_path_factory.mktemp("busy-day"))
    crawls = []
    with BusySite() as site:
        world.add_seed("busy", f'name = "مدينة"\nallowed_domains = ["127.0.0.1"]\n'
                               f'feeds = ["{site.base}/rss.xml"]\n'
                               f"article_url = '/news/\\d+\\.html$'\ndiscover_sitemaps = false\n"
                               f"refetch_budget = {BUDGET}\n")
        for k in range(CRAWLS):
            now = START + k * EVERY
            new = list(range(k * PER_CRAWL, (k + 1) * PER_CRAWL))
            for i, n in enumerate(new):  # published across the two hours before the crawl
                site.publish(n, now - EVERY + (i + 1) * EVERY / (PER_CRAWL + 1))
            if k == EDIT_AT + 1:
                site.edited.add(EDITED)
            before = len(site.requests)
            outcome = crawl_sites(world.db_path, world.seeds, ["busy"],
                                  {**LOCAL_SITE_SETTINGS, "RAQIB_NOW": now.isoformat()},
                                  timeout=120)
            assert outcome.returncode == 0, outcome.messages
            asked = [p for p in site.requests[before:] if p.startswith("/news/")]
            db = world.db()
            try:
                run = db.execute("SELECT new, refetch_due, refetch_deferred FROM crawl_runs"
                                 " ORDER BY id DESC LIMIT 1").fetchone()
                edited = db.execute("SELECT COUNT(*) FROM versions WHERE url = ?",
                                    [f"{site.base}/news/{EDITED}.html"]).fetchone()[0]
            finally:
                db.close()
            crawls.append({"new": new, "asked": asked, "run": run, "edit_found": edited > 1})
    return crawls


def test_requests_per_crawl_stay_within_new_articles_plus_the_budget(busy_day):
    figures = [(len(c["asked"]), len(c["new"])) for c in busy_day]
    assert all(asked <= new + BUDGET for asked, new in figures), figures
    assert sum(asked for asked, _ in figures) <= CRAWLS * (PER_CRAWL + BUDGET)
    # without the tiers and the budget the last crawl alone would ask for the whole day
    assert figures[-1][0] < (CRAWLS * PER_CRAWL) / 4


def test_every_new_article_is_fetched_in_the_crawl_that_first_lists_it(busy_day):
    for crawl in busy_day:
        assert {f"/news/{n}.html" for n in crawl["new"]} <= set(crawl["asked"])
        assert crawl["run"][0] == PER_CRAWL


def test_the_budget_defers_the_oldest_due_refetches_and_the_run_says_so(busy_day):
    due, deferred = zip(*[(c["run"][1], c["run"][2]) for c in busy_day])
    assert max(deferred) > 0                         # the budget bit as the day filled up
    assert all(d - x <= BUDGET for d, x in zip(due, deferred))
    assert busy_day[0]["run"][1:] == (0, 0)          # nothing stored yet, nothing due


def test_an_edit_in_the_first_day_is_still_found(busy_day):
    found = [c["edit_found"] for c in busy_day]
    assert not any(found[:EDIT_AT + 1]) and found[-1]


def test_the_default_tiers_every_crawl_hourly_daily_then_never():
    t = START
    assert [tier for tier in DEFAULT_REFETCH] == [
        (timedelta(hours=2), timedelta(0)), (timedelta(days=1), timedelta(hours=1)),
        (timedelta(days=7), timedelta(days=1))]
    assert refetch_tier(t, t, t + timedelta(hours=1)) == 0
    assert refetch_tier(t, t, t + timedelta(hours=5)) == 1
    assert refetch_tier(t, t, t + timedelta(days=3)) == 2
    assert refetch_tier(t, t, t + timedelta(days=9)) == 3
    assert not refetch_due(t, t, t + timedelta(hours=5), t + timedelta(hours=5, minutes=20))
    assert refetch_due(t, t, t + timedelta(hours=5), t + timedelta(hours=6))


def test_a_seed_sets_its_own_tiers_and_budget(tmp_path):
    seed = tmp_path / "s.toml"
    seed.write_text('name = "s"\nallowed_domains = ["example.com"]\nfeeds = ["https://example.com/rss"]\n'
                    'refetch = [["6h", "every crawl"], ["3d", "12h"]]\nrefetch_budget = 50\n',
                    encoding="utf-8")
    site = load_site(seed)
    assert site.refetch == ((timedelta(hours=6), timedelta(0)),
                            (timedelta(days=3), timedelta(hours=12)))
    assert site.refetch_budget == 50
    seed.write_text('name = "s"\nallowed_domains = ["example.com"]\nfeeds = ["https://example.com/rss"]\n'
                    'refetch = [["3d", "1h"], ["1d", "1h"]]\n', encoding="utf-8")
    with pytest.raises(Exception, match="refetch: tiers must grow older"):
        load_site(seed)
