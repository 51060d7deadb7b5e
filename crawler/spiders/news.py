"""The one generic spider: a seed file tells it where a site's feeds, sitemaps and listing
pages are and which links are articles. Parsing lives in ``crawler.extract``;
article pages are extracted and stored by the pipeline (:mod:`crawler.pagestore`).

The spider fetches incrementally (the rules live in :mod:`crawler.fetchstate`): every request
for a page fetched before is conditional, a ``304`` is recorded and not parsed, a never-stored
article a feed or sitemap dates beyond the site's ``max_age`` is left alone, and a stored
article is asked for again only when :func:`~crawler.fetchstate.refetch_due`. Stored articles
that are due are requested straight from the store, so an article whose feed answered ``304``
is still checked for edits. ``-s RAQIB_INCREMENTAL=false`` fetches everything in full.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

import scrapy
from scrapy import signals
from scrapy.exceptions import IgnoreRequest
from scrapy.spidermiddlewares.httperror import HttpError

from crawler.extract.feeds import Discovered, parse_feed, parse_sitemap, robots_sitemaps
from crawler.fetchstate import (
    NOT_MODIFIED, FetchState, PageFetched, conditional_headers, earliest, load_fetch_state,
    parse_time, refetch_due, window_reference, within_window,
)
from crawler.items import CrawlError
from crawler.sites import Site, load_sites
from crawler.store import open_db

if TYPE_CHECKING:
    from scrapy.http import Response
    from twisted.python.failure import Failure

logger = logging.getLogger(__name__)


class NewsSpider(scrapy.Spider):
    """``scrapy crawl news -a site=ID``: crawl one site of the seeds directory."""

    name = "news"

    def __init__(self, site: Site | str | None = None, seeds: str | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self._site_arg = site
        self._seeds_arg = seeds
        self.site: Site | None = site if isinstance(site, Site) else None
        self.articles_requested = 0  # never-stored articles: at most the site's max_pages
        self.now = datetime.now(timezone.utc)  # the crawl's clock (RAQIB_NOW sets it)
        self.incremental = True
        self.known: dict[str, FetchState] = {}  # what the store knows of the site's URLs
        self.articles_considered: set[str] = set()
        self.skipped = {"not_due": 0, "too_old": 0}

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any) -> NewsSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        if spider.site is None:
            spider.site = _find_site(spider._site_arg, spider._seeds_arg
                                     or crawler.settings.get("RAQIB_SEEDS", "seeds"))
        spider.allowed_domains = list(spider.site.allowed_domains)
        settings = crawler.settings
        if settings.get("RAQIB_NOW"):
            now = parse_time(settings.get("RAQIB_NOW"))
            if now is None:
                raise ValueError(f"RAQIB_NOW: not an ISO-8601 time: {settings.get('RAQIB_NOW')!r}")
            spider.now = now
        spider.incremental = settings.getbool("RAQIB_INCREMENTAL", True)
        if spider.incremental:
            db = open_db(settings.get("RAQIB_DB", "raqib.db"))
            try:
                spider.known = load_fetch_state(db, spider.site.id)
            finally:
                db.close()
        crawler.signals.connect(spider._log_skipped, signal=signals.spider_closed)
        return spider

    @property
    def site_id(self) -> str:
        assert self.site is not None
        return self.site.id

    async def start(self) -> AsyncIterator[scrapy.Request]:
        site = self.site
        assert site is not None
        for url in site.feeds:
            yield self._request(url, self.parse_feed)
        for url in site.sitemaps:
            yield self._request(url, self.parse_sitemap)
        if site.discover_sitemaps and not site.sitemaps:
            for root in sorted({_root(u) for u in (*site.feeds, *site.start_urls)}):
                yield self._request(root + "/robots.txt", self.parse_robots)
        for url in site.start_urls:
            yield self._request(url, self.parse_listing)
        # Stored articles due for a check, whether or not a listing still links them.
        for url in sorted(u for u, state in self.known.items()
                          if state.stored and site.is_article(u)):
            for request in self._article_request(url):
                yield request

    # Discovery -------------------------------------------------------------------------

    def parse_feed(self, response: Response) -> Iterator[Any]:
        if response.status == NOT_MODIFIED:
            yield self._page_fetched(response, "feed")
            return
        yield from self._follow_discovered(response, parse_feed(response.body, response.url), "feed")

    def parse_sitemap(self, response: Response) -> Iterator[Any]:
        if response.status == NOT_MODIFIED:
            yield self._page_fetched(response, "sitemap")
            return
        found = parse_sitemap(response.body)
        for child in found.sitemaps:
            if self.site.on_site(child):
                yield self._request(child, self.parse_sitemap)
        yield from self._follow_discovered(
            response, found, "sitemap_index" if found.sitemaps and not found.links else "sitemap")

    def parse_robots(self, response: Response) -> Iterator[Any]:
        if response.status == NOT_MODIFIED:
            yield self._page_fetched(response, "robots")
            return
        for url in robots_sitemaps(response.text if hasattr(response, "text") else ""):
            if self.site.on_site(url):
                yield self._request(url, self.parse_sitemap)
        yield self._page_fetched(response, "robots")

    def parse_listing(self, response: Response) -> Iterator[Any]:
        if response.status == NOT_MODIFIED:  # unchanged: so are the links it holds
            yield self._page_fetched(response, "listing")
            return
        if not hasattr(response, "css"):
            yield CrawlError(self.site_id, "parse", "listing page is not HTML", response.url)
            return
        for href in response.css("a::attr(href)").getall():
            url = response.urljoin(href.strip()).split("#", 1)[0]
            if self.site.is_article(url):
                yield from self._article_request(url)
            elif self.site.is_followable(url):
                yield self._request(url, self.parse_listing)
        yield self._page_fetched(response, "listing")

    def _follow_discovered(self, response: Response, found: Discovered, kind: str) -> Iterator[Any]:
        if found.problem:
            yield CrawlError(self.site_id, kind, found.problem, response.url)
        listed = {link.url: parse_time(link.published) for link in found.links}
        reference = window_reference(list(listed.values()), self.now)
        for link in found.links:
            if self.site.is_article(link.url):
                yield from self._article_request(link.url, listed[link.url], reference)
            elif self.site.is_followable(link.url):
                yield self._request(link.url, self.parse_listing)
        if not found.problem:
            yield self._page_fetched(response, kind)

    # Articles --------------------------------------------------------------------------

    def _article_request(self, url: str, listed: datetime | None = None,
                         reference: datetime | None = None) -> Iterator[scrapy.Request]:
        """A request for an article, when it is worth one: a stored article when it is due
        for a check, a never-stored one when its listed date is within the site's window
        (and the crawl's max_pages allows)."""
        if url in self.articles_considered:
            return
        self.articles_considered.add(url)
        state = self.known.get(url) if self.incremental else None
        if state is not None and state.stored:
            if not refetch_due(earliest(listed, state.published), state.first_seen,
                               state.last_fetched, self.now):
                self.skipped["not_due"] += 1
                return
        else:
            if self.incremental and not within_window(listed, reference or self.now,
                                                      self.site.max_age):
                self.skipped["too_old"] += 1
                logger.debug("%s: not fetching %s: listed %s, beyond max_age", self.site_id,
                             url, listed)
                return
            if self.articles_requested >= self.site.max_pages:
                return
            self.articles_requested += 1
        meta = {"raqib_listed": listed.isoformat(timespec="seconds")} if listed else {}
        yield self._request(url, self.parse_article, meta)

    def parse_article(self, response: Response) -> Iterator[Any]:
        """An article page: as fetched, with its validators. A ``304`` is a visit that found
        it as stored; a full answer is extracted and stored by the pipeline
        (:func:`crawler.pagestore.store_page`), validators in the same transaction."""
        if response.status == NOT_MODIFIED:  # as stored: nothing to extract, nothing to store
            yield self._page_fetched(response, "article")
            return
        content_type = response.headers.get("Content-Type", b"").decode("latin-1") or None
        yield replace(self._page_fetched(response, "article"), body=response.body,
                      content_type=content_type)

    # Plumbing --------------------------------------------------------------------------

    def _request(self, url: str, callback, meta: dict[str, Any] | None = None) -> scrapy.Request:
        """A request that is conditional when the page was fetched before, and lets a
        ``304 Not Modified`` through to its callback."""
        headers = conditional_headers(self.known.get(url)) if self.incremental else {}
        return scrapy.Request(
            url, callback=callback, errback=self.on_error, headers=headers,
            meta={"handle_httpstatus_list": [NOT_MODIFIED], **(meta or {})},
        )

    def _clock(self) -> datetime:
        """Now: the real time, or the crawl's fixed RAQIB_NOW."""
        if self.crawler.settings.get("RAQIB_NOW"):
            return self.now
        return datetime.now(timezone.utc)

    def _page_fetched(self, response: Response, kind: str,
                      fetched: datetime | None = None) -> PageFetched:
        def header(name: str) -> str | None:
            value = response.headers.get(name)
            return value.decode("latin-1") if value else None

        return PageFetched(
            url=response.url, site=self.site_id, kind=kind, status=response.status,
            fetched=(fetched or self._clock()).isoformat(timespec="seconds"),
            etag=header("ETag"), last_modified=header("Last-Modified"),
            published=response.meta.get("raqib_listed"),
        )

    def _log_skipped(self, spider: scrapy.Spider) -> None:
        if spider is self and any(self.skipped.values()):
            logger.info("%s: not requested: %s stored articles not due, %s never-stored "
                        "articles listed beyond max_age", self.site_id,
                        self.skipped["not_due"], self.skipped["too_old"])

    def on_error(self, failure: Failure) -> Iterator[CrawlError]:
        request = failure.request
        if failure.check(IgnoreRequest) and not failure.check(HttpError):
            logger.debug("ignored %s: %s", request.url, failure.value)
            return
        if failure.check(HttpError):
            status = failure.value.response.status
            message = f"HTTP {status}"
        else:
            message = f"{failure.type.__name__}: {failure.getErrorMessage()}"
        logger.warning("%s: %s failed: %s", self.site_id, request.url, message)
        yield CrawlError(self.site_id, "fetch", message, request.url)


def _root(url: str) -> str:
    parsed = urlparse(url)
    return f"{parsed.scheme}://{parsed.netloc}"


def _find_site(site_id: str | None, seeds_dir: str) -> Site:
    if not site_id:
        raise ValueError("which site? run: scrapy crawl news -a site=ID")
    sites, errors = load_sites(Path(seeds_dir))
    for site in sites:
        if site.id == site_id:
            return site
    for error in errors:
        if error.path.stem == site_id:
            raise ValueError(f"seed file for {site_id!r} is invalid:\n{error}")
    raise ValueError(f"no site {site_id!r} in {seeds_dir} (known: {', '.join(s.id for s in sites)})")
