"""The one pipeline: what the spider yields goes to the store. An article page answered in
full goes through :func:`crawler.pagestore.store_page` (extract, strip learned furniture,
compare, save with its validators, in one transaction); errors and the other pages' fetches are
recorded.

The run's counts in ``crawl_runs``: what has a row of its own (new and changed articles, pages
extracted, errors) is counted in the transaction that writes the row, so the counts and the
rows always agree, even after a kill; what is only an answer (the pages fetched, the ``304 Not
Modified`` answers, the requests sent and the bytes received) is counted in Scrapy's stats and
written once, when the run closes (a run killed before that is closed as ``interrupted``)."""

from __future__ import annotations

import logging
import sqlite3
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import DropItem

from crawler.extract.furniture import SiteFurniture
from crawler.faults import reached
from crawler.fetchstate import (
    LISTED, NOT_MODIFIED, REFETCH_DEFERRED, REFETCH_DUE, PageFetched, record_failed_check,
    record_fetch,
)
from crawler.items import ArticleGone, CrawlError, SeenUnder
from crawler.pagestore import store_page
from crawler.pauses import PAUSED_DROPPED, end_pauses, record_pause
from crawler.removals import GONE_STATUSES, record_back, record_gone
from crawler.store import (
    close_run, count_in_run, mark_seen, open_db, record_aliases, record_error, start_run,
    transaction,
)

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

# Scrapy stats of the run
STORE_FAILURES = "raqib/store_failures"  # pages whose save failed
PAGES = "raqib/pages"                    # answers below 400 that reached the spider
NOT_MODIFIED_PAGES = "raqib/not_modified"  # of those, 304 Not Modified
NEW_ARTICLES = "raqib/new"               # articles stored for the first time
CHANGED_ARTICLES = "raqib/changed"       # articles stored with a new version
ERRORS = "raqib/errors"                  # errors recorded (crawler.progress reports these)


class StorePipeline:
    """Stores articles (a version only when their content changed) and errors."""

    def __init__(self, db_path: str, stats=None):
        self.db_path = db_path
        self.stats = stats
        self.db = None
        self.run_id: int | None = None
        self.site_id = "?"
        self.selectors = None
        self.unrecorded: list[CrawlError] = []  # errors the store refused (locked, full)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        pipeline = cls(crawler.settings.get("RAQIB_DB", "raqib.db"), crawler.stats)
        crawler.signals.connect(pipeline.response_received, signal=signals.response_received)
        return pipeline

    def open_spider(self, spider: Spider) -> None:
        self.site_id = getattr(spider, "site_id", spider.name)
        self.selectors = getattr(getattr(spider, "site", None), "selectors", None)
        self.db = open_db(self.db_path)
        self.run_id = start_run(self.db, self.site_id)
        self.furniture = SiteFurniture(self.db.conn)
        reached("crawl.started")
        logger.info("crawl run %s of %s started, storing in %s", self.run_id, self.site_id,
                    self.db_path)

    def close_spider(self, spider: Spider) -> None:
        if self.db is None or self.run_id is None:
            return
        reached("crawl.closing")
        self._record_unrecorded()
        stats = self.stats.get_value if self.stats is not None else (lambda name, default: default)
        pause = getattr(spider, "pause", None)
        try:
            self._record_pause(pause, stats(PAUSED_DROPPED, 0))
            run = close_run(self.db, self.run_id, paused=pause is not None,
                            pages=stats(PAGES, 0), not_modified=stats(NOT_MODIFIED_PAGES, 0),
                            requests=stats("downloader/request_count", 0),
                            bytes_received=stats("downloader/response_bytes", 0),
                            unrecorded_errors=len(self.unrecorded),
                            refetch_due=stats(REFETCH_DUE, 0),
                            refetch_deferred=stats(REFETCH_DEFERRED, 0),
                            listed=stats(LISTED, 0))
        except sqlite3.Error as exc:  # left running: the next crawl closes it as interrupted
            logger.error("could not close crawl run %s of %s: %s", self.run_id, self.site_id, exc)
            self.db.close()
            return
        reached("crawl.closed")
        (problems,) = self.db.execute("SELECT COUNT(*) FROM extraction_problems WHERE run_id = ?",
                                      [self.run_id]).fetchone()
        logger.info("crawl run %s of %s: %s pages (%s not modified), %s new, %s changed, "
                    "%s errors; %s extracted, %s with an extraction problem; %s requests, "
                    "%s bytes received", self.run_id, self.site_id, run["pages"],
                    run["not_modified"], run["new"], run["changed"], run["errors"],
                    run["extracted"], problems, run["requests"], run["bytes"])
        self.db.close()

    def _record_pause(self, pause, dropped: int) -> None:
        """The crawl's pause (:mod:`crawler.pauses`): its one ``crawl_errors`` row and the
        site's pause, or, for a crawl not paused, the end of the site's pauses in a row."""
        if pause is None:
            with transaction(self.db) as conn:
                end_pauses(conn, self.site_id)
            return
        with transaction(self.db) as conn:
            record_pause(conn, pause)
            record_error(self.db, self.site_id, "paused",
                         f"the site asked us to slow down: {pause.describe()}; "
                         f"{dropped} request(s) of this crawl not sent, its pages stay due",
                         url=pause.url, run_id=self.run_id)

    def response_received(self, response, request, spider) -> None:
        if self.stats is not None and response.status < 400:
            self.stats.inc_value(PAGES)
            if response.status == NOT_MODIFIED:
                self.stats.inc_value(NOT_MODIFIED_PAGES)

    def process_item(self, item: Any, spider: Spider | None = None) -> Any:
        self._record_unrecorded()
        if isinstance(item, CrawlError):
            self._record_error(item)
            return item
        if isinstance(item, ArticleGone):
            self._record_gone(item)
            return item
        if isinstance(item, SeenUnder):
            record_aliases(self.db, item.url, item.site, item.aliases, item.seen)
            return item
        if not isinstance(item, PageFetched):
            raise DropItem(f"not a page: {type(item).__name__}")
        if item.kind == "article" and item.status != NOT_MODIFIED:
            reached("fetch.answered")
            self._store(item)
        else:
            self._record_fetch(item)
        return item

    def _store(self, page: PageFetched) -> None:
        try:
            stored = store_page(self.db, page, selectors=self.selectors, run_id=self.run_id,
                                furniture=self.furniture)
        except Exception as exc:
            logger.exception("could not store %s", page.url)
            if self.stats is not None:
                self.stats.inc_value(STORE_FAILURES)
            self._record_error(CrawlError(page.site, "store",
                                          f"could not store: {type(exc).__name__}: {exc}",
                                          page.url))
            raise DropItem(str(exc)) from exc
        logger.debug("%s: %s (extraction %s)", stored.result, page.url, stored.check.status)
        counter = {"new": NEW_ARTICLES, "changed": CHANGED_ARTICLES}.get(stored.result)
        if counter and self.stats is not None:
            self.stats.inc_value(counter)

    def _record_error(self, error: CrawlError) -> None:
        """Record an error; one the store refuses (still locked, or full) is kept to be
        recorded at the next write, and at the latest when the run closes."""
        try:
            record_error(self.db, error.site, error.stage, error.message, url=error.url,
                         run_id=self.run_id)
            if self.stats is not None:
                self.stats.inc_value(ERRORS)
        except sqlite3.Error as exc:
            logger.error("could not record %s error on %s (%s): %s", error.stage, error.url,
                         exc, error.message)
            self.unrecorded.append(error)

    def _record_unrecorded(self) -> None:
        pending, self.unrecorded = self.unrecorded, []
        for error in pending:
            self._record_error(error)

    def _record_fetch(self, page: PageFetched) -> None:
        """Remember a page's validators; a 304 for an article is a visit that found it as
        stored (``last_seen`` moves, no version is written; a removed one is back)."""
        with transaction(self.db) as conn:
            if page.status == NOT_MODIFIED and page.kind == "article":
                mark_seen(self.db, page.url, page.fetched)
                record_back(conn, page.url, page.fetched)
                if self.run_id is not None:
                    count_in_run(self.db, self.run_id, "unchanged")
            record_fetch(self.db, page)

    def _record_gone(self, gone: ArticleGone) -> None:
        """A stored article found gone: a check of its removal (:mod:`crawler.removals`); a
        redirect away is a ``crawl_errors`` row too (a 404 or 410 is one already)."""
        try:
            with transaction(self.db) as conn:
                result = record_gone(conn, gone.url, gone.site, gone.status, gone.reason,
                                     gone.checked)
                record_failed_check(self.db, gone.url, gone.site, gone.checked, gone.status)
        except sqlite3.Error as exc:
            logger.error("could not record that %s is gone (%s): %s", gone.url, gone.reason, exc)
            return
        logger.info("%s: %s: %s (%s)", gone.site, gone.url, gone.reason, result)
        if gone.status not in GONE_STATUSES:
            self._record_error(CrawlError(gone.site, "fetch", f"{gone.reason} ({result})",
                                          gone.url))
