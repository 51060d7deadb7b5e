"""The one generic spider: a seed file tells it where a site's feeds, sitemaps and listing
pages are and which links are articles. Parsing lives in ``crawler.extract`` and
``crawler.sitemaps``; article pages are extracted and stored by the pipeline
(:mod:`crawler.pagestore`); every URL found enters through the site's door (:mod:`crawler.urls`):
only http(s) on the site's allowed domains, in canonical form, each refusal a ``crawl_errors``
row (stage ``url``) naming the reason.

- Sitemaps and sitemap indexes, plain or gzipped, are read by Scrapy's sitemap reader with a
  size cap; indexes nest at most the seed's ``max_sitemap_depth`` deep.
- robots.txt is read by Protego (Scrapy's robots.txt parser) over a mended text
  (:mod:`crawler.robots`), for the rules Scrapy obeys and the ``Sitemap:`` lines followed.
- Listing pages give their links through Scrapy's ``LinkExtractor``, with the seed's
  ``article_url`` and ``follow_url`` as its allow rules. Links to other hosts are not
  candidates (listing pages link everywhere); links of another scheme are refused.
- An article is stored under its canonical URL: the page's ``<link rel="canonical">`` or
  ``og:url`` when it is an article URL of the site, else the URL it was fetched at, canonical
  form; the other URLs it was seen under go to the store's ``url_aliases``.
- Every request Scrapy drops (a redirect off the site, too many redirects, a body over
  ``DOWNLOAD_MAXSIZE`` once decompressed, ...) is a ``crawl_errors`` row with the reason. A
  request robots.txt forbids is not: that is the site's wish, logged.

The spider fetches incrementally (the rules live in :mod:`crawler.fetchstate`): a never-stored
article a feed or sitemap dates beyond the site's ``max_age`` is left alone, and a stored
article is asked for again only when :func:`~crawler.fetchstate.refetch_due`. Stored articles
that are due are requested straight from the store once discovery is done (the spider is
idle), so an article whose feed answered ``304`` is still checked for edits, and one whose
sitemap ``lastmod`` or feed ``updated`` is no later than it was when the page was last
fetched is not asked for
(its slot of the budget goes to the oldest due one waiting). A stored article that answers
``404``/``410`` or redirects to the home or a non-article page is a check of its removal
(:mod:`crawler.removals`). The conditional requests themselves (``If-None-Match`` /
``If-Modified-Since``, a ``304`` let through to the callback) are
:class:`crawler.middlewares.ConditionalRequestMiddleware`'s. ``-s RAQIB_INCREMENTAL=false``
fetches everything in full.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

import scrapy
from scrapy import signals
from scrapy.exceptions import DontCloseSpider, IgnoreRequest
from scrapy.http import TextResponse
from scrapy.linkextractors import LinkExtractor
from scrapy.spidermiddlewares.httperror import HttpError

from crawler.extract import extract_article
from crawler.extract.feeds import Discovered, parse_feed
from crawler.extract.interstitial import Interstitial
from crawler.fetchstate import (
    LISTED, NOT_MODIFIED, REFETCH_DEFERRED, REFETCH_DUE, REFETCH_UNCHANGED, FetchState,
    PageFetched, load_fetch_state, parse_time, refetch_due, refetch_tier,
    window_reference, within_window,
)
from crawler.items import ArticleGone, CrawlError, SeenUnder
from crawler.middlewares import RefusedUrl, SitePaused
from crawler.pauses import Pause, strikes_before
from crawler.removals import GONE_STATUSES
from crawler.robots import read_robots
from crawler.sitemaps import read_sitemap
from crawler.sites import Site, load_sites
from crawler.store import load_aliases, open_db
from crawler.urls import UrlDoor

if TYPE_CHECKING:
    from scrapy.http import Response
    from twisted.python.failure import Failure

logger = logging.getLogger(__name__)

ROBOTS_FORBIDDEN = "Forbidden by robots.txt"  # RobotsTxtMiddleware's IgnoreRequest message


class NewsSpider(scrapy.Spider):
    """``scrapy crawl news -a site=ID``: crawl one site of the seeds directory."""

    name = "news"

    def __init__(self, site: Site | str | None = None, seeds: str | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self._site_arg = site
        self._seeds_arg = seeds
        self.site: Site | None = site if isinstance(site, Site) else None
        self.door: UrlDoor | None = None
        self.articles_requested = 0  # never-stored articles: at most the site's max_pages
        self.now = datetime.now(timezone.utc)  # the crawl's clock (RAQIB_NOW sets it)
        self.incremental = True
        self.known: dict[str, FetchState] = {}  # what the store knows of the site's URLs
        self.aliases: dict[str, str] = {}       # other URLs of stored articles -> their URL
        self.seen_as: dict[str, set[str]] = {}  # this crawl: article URL -> URLs it was found as
        self.parsed: set[str] = set()           # articles whose URLs this crawl recorded
        self.articles_considered: set[str] = set()
        self.listed: set[str] = set()  # article URLs the feeds, sitemaps and listings yielded
        self.skipped = {"not_due": 0, "too_old": 0, "deferred": 0, "unchanged": 0}
        self.refetches: list[str] = []  # stored articles this crawl asks for again, youngest first
        self._refetch_set: set[str] = set()
        self._deferred_set: set[str] = set()
        self._deferred: list[str] = []  # due refetches over the budget, in the order they wait
        self._refetches_sent = False
        self.listed_updated: dict[str, datetime] = {}  # what feeds and sitemaps said, this crawl
        self.refetch_due_count = 0
        self.sitemap_max_size = 0
        self.pause: Pause | None = None  # set when the site asks us to slow down
        self.pause_strikes = 0           # pauses in a row before this crawl

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any) -> NewsSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        if spider.site is None:
            spider.site = _find_site(spider._site_arg, spider._seeds_arg
                                     or crawler.settings.get("RAQIB_SEEDS", "seeds"))
        site = spider.site
        spider.allowed_domains = list(site.allowed_domains)
        spider.door = site.door()
        settings = crawler.settings
        spider.sitemap_max_size = settings.getint("DOWNLOAD_MAXSIZE")
        if settings.get("RAQIB_NOW"):
            now = parse_time(settings.get("RAQIB_NOW"))
            if now is None:
                raise ValueError(f"RAQIB_NOW: not an ISO-8601 time: {settings.get('RAQIB_NOW')!r}")
            spider.now = now
        spider.incremental = settings.getbool("RAQIB_INCREMENTAL", True)
        db = open_db(settings.get("RAQIB_DB", "raqib.db"))
        try:
            spider.aliases = load_aliases(db, site.id)
            spider.pause_strikes = strikes_before(db, site.id)
            if spider.incremental:
                spider.known = load_fetch_state(db, site.id)
        finally:
            db.close()
        spider._choose_refetches()
        extractors = {"article": LinkExtractor(allow=_patterns(site.article_url))}
        if site.follow_url is not None:
            extractors["listing"] = LinkExtractor(allow=_patterns(site.follow_url))
        spider.link_extractors = extractors
        crawler.signals.connect(spider._log_skipped, signal=signals.spider_closed)
        crawler.signals.connect(spider._send_refetches, signal=signals.spider_idle)
        return spider

    @property
    def site_id(self) -> str:
        assert self.site is not None
        return self.site.id

    async def start(self) -> AsyncIterator[scrapy.Request]:
        site = self.site
        assert site is not None
        for url in site.feeds:
            yield self._request(self.door.canonical(url), self.parse_feed)
        for url in site.sitemaps:
            yield self._request(self.door.canonical(url), self.parse_sitemap,
                                {"raqib_sitemap_depth": 0})
        if site.discover_sitemaps and not site.sitemaps:
            for root in sorted({_root(u) for u in (*site.feeds, *site.start_urls)}):
                yield self._request(root + "/robots.txt", self.parse_robots)
        for url in site.start_urls:
            yield self._request(self.door.canonical(url), self.parse_listing)
        # Stored articles due for a check are asked for once discovery is done (see
        # _send_refetches), so that what the feeds and sitemaps say of them counts.
        self.crawler.stats.set_value(REFETCH_DUE, self.refetch_due_count)
        self.crawler.stats.set_value(REFETCH_DEFERRED, self.skipped["deferred"])

    def _send_refetches(self, spider: scrapy.Spider) -> None:
        """When discovery is done (the spider is idle): the stored articles due for a check,
        whether or not a listing still links them, except those a feed or sitemap said are
        unchanged since their last fetch; the budget those leave goes to the oldest due ones
        that were waiting."""
        if spider is not self or self._refetches_sent:
            return
        self._refetches_sent = True
        sent = sum(self._crawl(url) for url in self.refetches)
        waiting = iter([url for url in self._deferred if url not in self.articles_considered])
        taken = 0
        while taken < self.skipped["unchanged"]:  # each refetch found unchanged frees a slot
            url = next(waiting, None)
            if url is None:
                break
            taken += 1
            self._refetch_set.add(url)
            self.skipped["deferred"] -= 1
            sent += self._crawl(url)
        self.crawler.stats.set_value(REFETCH_DEFERRED, self.skipped["deferred"])
        if sent:
            raise DontCloseSpider

    def _crawl(self, url: str) -> int:
        """Ask for the stored article ``url`` now (when :meth:`_article_request` says so);
        how many requests that made."""
        sent = 0
        for request in self._article_request(url, from_store=True):
            self.crawler.engine.crawl(request)
            sent += 1
        return sent

    def _choose_refetches(self) -> None:
        """The stored articles this crawl asks for again: those due by the site's tiers
        (:func:`~crawler.fetchstate.refetch_due`), at most its ``refetch_budget``: the
        youngest tier first, and within a tier the longest unchecked first (so every article
        of a tier gets its turn); the oldest due ones wait for the next crawl (counted in the
        stats as ``raqib/refetch_deferred``)."""
        due = sorted((refetch_tier(state.published, state.first_seen, self.now,
                                   self.site.refetch), state.last_fetched or self.now, url)
                     for url, state in self.known.items()
                     if state.stored and self.site.is_article(url)
                     and refetch_due(state.published, state.first_seen, state.last_fetched,
                                     self.now, self.site.refetch))
        budget = self.site.refetch_budget
        self.refetches = [url for _, _, url in due[:budget]]
        self._refetch_set = set(self.refetches)
        self._deferred = [url for _, _, url in due[budget:]]
        self._deferred_set = set(self._deferred)
        self.skipped["deferred"] = len(due) - len(self.refetches)
        self.refetch_due_count = len(due)
        if self.skipped["deferred"]:
            logger.warning("%s: %d stored articles are due for a refetch, over the crawl's "
                           "refetch_budget of %d: the %d oldest wait for the next crawl",
                           self.site_id, len(due), budget, self.skipped["deferred"])

    # Discovery -------------------------------------------------------------------------

    def parse_feed(self, response: Response) -> Iterator[Any]:
        if response.status == NOT_MODIFIED:
            yield self._page_fetched(response, "feed")
            return
        found = parse_feed(response.body, response.url, _header(response, "Content-Type"))
        yield from self._follow_discovered(response, found, "feed")

    def parse_sitemap(self, response: Response) -> Iterator[Any]:
        if response.status == NOT_MODIFIED:
            yield self._page_fetched(response, "sitemap")
            return
        found = read_sitemap(response.body, response.meta.get("download_maxsize",
                                                              self.sitemap_max_size))
        depth = response.meta.get("raqib_sitemap_depth", 0)
        for child in found.sitemaps:
            url, refusal = self._admit(child, response.url, "sitemap index")
            if refusal:
                yield refusal
            elif depth >= self.site.max_sitemap_depth:
                yield CrawlError(
                    self.site_id, "sitemap",
                    f"sitemap index {response.url} nests deeper than max_sitemap_depth = "
                    f"{self.site.max_sitemap_depth}: child sitemap not followed", url)
            else:
                yield self._request(url, self.parse_sitemap, {"raqib_sitemap_depth": depth + 1})
        yield from self._follow_discovered(
            response, found, "sitemap_index" if found.sitemaps and not found.links else "sitemap")

    def parse_robots(self, response: Response) -> Iterator[Any]:
        if response.status == NOT_MODIFIED:
            yield self._page_fetched(response, "robots")
            return
        found = read_robots(response.body, _header(response, "Content-Type"))
        if found.problem:
            yield CrawlError(self.site_id, "robots", found.problem, response.url)
        for line in found.sitemaps:
            url, refusal = self._admit(line, response.url, "robots.txt")
            if refusal:
                yield refusal
            else:
                yield self._request(url, self.parse_sitemap, {"raqib_sitemap_depth": 0})
        yield self._page_fetched(response, "robots")

    def parse_listing(self, response: Response) -> Iterator[Any]:
        if response.status == NOT_MODIFIED:  # unchanged: so are the links it holds
            yield self._page_fetched(response, "listing")
            return
        if not isinstance(response, TextResponse):
            yield CrawlError(self.site_id, "parse", "listing page is not HTML", response.url)
            return
        articles = {link.url for link in self.link_extractors["article"].extract_links(response)}
        for found in sorted(articles):
            url, refusal = self._admit(found, response.url, "listing", quiet_offsite=True)
            if refusal:
                yield refusal
            elif url and self.site.is_article(url):
                yield from self._article_request(url, seen_as=found)
        if "listing" in self.link_extractors:
            for link in self.link_extractors["listing"].extract_links(response):
                if link.url in articles:
                    continue
                url, refusal = self._admit(link.url, response.url, "listing", quiet_offsite=True)
                if refusal:
                    yield refusal
                elif url and self.site.is_followable(url):
                    yield self._request(url, self.parse_listing)
        yield self._page_fetched(response, "listing")

    def _follow_discovered(self, response: Response, found: Discovered, kind: str) -> Iterator[Any]:
        if found.problem:
            yield CrawlError(self.site_id, kind, found.problem, response.url)
        admitted: list[tuple[str, str, datetime | None]] = []
        updates: dict[str, datetime | None] = {}
        for link in found.links:
            url, refusal = self._admit(link.url, response.url, kind)
            if refusal:
                yield refusal
            elif url:
                admitted.append((url, link.url, parse_time(link.published)))
                updates[url] = parse_time(link.updated)
                if updates[url] is not None:
                    self.listed_updated[url] = updates[url]
        reference = window_reference([listed for _, _, listed in admitted], self.now)
        for url, written, listed in admitted:
            if self.site.is_article(url):
                yield from self._article_request(url, listed, reference, seen_as=written,
                                                 updated=updates.get(url))
            elif self.site.is_followable(url):
                yield self._request(url, self.parse_listing)
        if not found.problem:
            yield self._page_fetched(response, kind)

    def _admit(self, found: str, source: str, where: str,
               quiet_offsite: bool = False) -> tuple[str | None, CrawlError | None]:
        """``found`` (a URL ``where`` at ``source`` names) through the site's door: its
        canonical form, or the refusal to record (none for another host's link on a listing
        page with ``quiet_offsite``)."""
        admission = self.door.admit(found, base=source)
        if admission.admitted:
            return admission.url, None
        if admission.offsite and quiet_offsite:
            return None, None
        logger.info("%s: refused %s (in %s %s): %s", self.site_id, admission.found, where,
                    source, admission.refused)
        return None, CrawlError(self.site_id, "url",
                                f"refused {admission.found} (in {where} {source}): "
                                f"{admission.refused}", admission.found)

    # Articles --------------------------------------------------------------------------

    def _article_request(self, url: str, listed: datetime | None = None,
                         reference: datetime | None = None,
                         seen_as: str | None = None, from_store: bool = False,
                         updated: datetime | None = None) -> Iterator[Any]:
        """A request for an article, when it is worth one: a stored article when it is due
        for a check, a never-stored one when its listed date is within the site's window
        (and the crawl's max_pages allows). ``url`` is canonical; a URL a stored article was
        seen under before stands for that article. Every article link the site's pages give
        (not ``from_store``: a due refetch) counts in the stats as listed, asked for or not. A
        due refetch whose feed or sitemap entry says it was ``updated`` no later than the same
        entry said when it was last fetched is not asked for (counted as
        ``raqib/refetch_unchanged``): the site's own times against each other, so a site
        whose clock is not ours is judged rightly."""
        url = self.aliases.get(url, url)
        if not from_store and url not in self.listed:  # a link the site's pages gave
            self.listed.add(url)
            self.crawler.stats.set_value(LISTED, len(self.listed))
        if seen_as and seen_as != url and seen_as not in self.seen_as.get(url, ()):
            self.seen_as.setdefault(url, set()).add(seen_as)
            if url in self.parsed:  # found under one more URL after it was fetched
                yield SeenUnder(self.site_id, url, (seen_as,), self._clock().isoformat(timespec="seconds"))
        if url in self.articles_considered:
            return
        self.articles_considered.add(url)
        state = self.known.get(url) if self.incremental else None
        updated = updated or self.listed_updated.get(url)
        if state is not None and state.stored:
            if url not in self._refetch_set:  # not due, or over the budget (deferred)
                self.skipped["not_due"] += url not in self._deferred_set
                if url in self._deferred_set:  # may still get a slot a skip frees
                    self.articles_considered.discard(url)
                return
            if (updated is not None and state.listed_updated is not None
                    and updated <= state.listed_updated):  # the listing says: as you have it
                self.skipped["unchanged"] += 1
                self.crawler.stats.set_value(REFETCH_UNCHANGED, self.skipped["unchanged"])
                logger.debug("%s: not fetching %s: listed as updated %s, as when last fetched",
                             self.site_id, url, updated)
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
        if updated is not None:
            meta["raqib_updated"] = updated.isoformat(timespec="seconds")
        yield self._request(url, self.parse_article, meta)

    def parse_article(self, response: Response) -> Iterator[Any]:
        """An article page: as fetched, with its validators, under the URL it is stored under
        (see :meth:`_article_url`). A ``304`` is a visit that found it as stored; a full answer
        is extracted and stored by the pipeline (:func:`crawler.pagestore.store_page`),
        validators in the same transaction."""
        gone = self._redirected_away(response)
        if gone is not None:
            yield gone
            return
        url, refusals = self._article_url(response)
        yield from refusals
        if response.status == NOT_MODIFIED:  # as stored: nothing to extract, nothing to store
            yield self._page_fetched(response, "article", url=url)
            return
        page = replace(self._page_fetched(response, "article", url=url), body=response.body,
                       content_type=_header(response, "Content-Type"))
        self.parsed.add(url)
        others = self._other_urls(url, response)
        if others:
            yield SeenUnder(self.site_id, url, others, page.fetched)
        yield page

    def _redirected_away(self, response: Response) -> ArticleGone | None:
        """A stored article whose request was redirected to the site's home page or to a page
        that is not an article of the site (a section, a listing): the story is gone from
        its address, as far as this check can tell."""
        redirects = response.meta.get("redirect_urls")
        if not redirects:
            return None
        asked = self._stored_url(self.door.canonical(redirects[0]))
        if asked is None:
            return None
        landed = self.door.canonical(response.url)
        home = urlparse(landed).path in ("", "/")
        if not home and self.site.is_article(landed):
            return None  # moved to another article URL: the same story, stored as usual
        reasons = [r for r in response.meta.get("redirect_reasons", ()) if isinstance(r, int)]
        where = "the home page" if home else "a page that is not an article"
        return ArticleGone(self.site_id, asked, reasons[0] if reasons else 302,
                           f"redirected to {where} {landed}",
                           self._clock().isoformat(timespec="seconds"))

    def _article_url(self, response: Response) -> tuple[str, list[CrawlError]]:
        """The URL an article is stored under: the page's canonical link (``<link
        rel="canonical">``, else ``og:url``) when the door admits it and it is an article URL
        of the site (never the home page: some sites point every page's canonical there),
        else the URL the page was fetched at, in canonical form."""
        fetched = self.door.canonical(response.url)
        if not isinstance(response, TextResponse):
            return fetched, []
        refusals = []
        for found in _canonical_links(response):
            url, refusal = self._admit(found, response.url, "canonical link of")
            if refusal:
                refusals.append(refusal)
            elif url and self.site.is_article(url) and urlparse(url).path not in ("", "/"):
                return self.aliases.get(url, url), refusals
        return self.aliases.get(fetched, fetched), refusals

    def _other_urls(self, url: str, response: Response) -> tuple[str, ...]:
        """The URLs this crawl found the article under, other than ``url``: as written in a
        feed, sitemap or listing, before redirects, and as fetched."""
        seen = set(self.seen_as.get(url, ()))
        seen.update(response.meta.get("redirect_urls", ()))
        seen.add(response.url)
        for written in list(seen):
            admission = self.door.admit(written)
            if admission.admitted:
                seen.add(admission.url)
        seen.discard(url)
        return tuple(sorted(seen))

    # Plumbing --------------------------------------------------------------------------

    def _request(self, url: str, callback, meta: dict[str, Any] | None = None) -> scrapy.Request:
        """A request for a URL the door admitted (conditional headers are added by
        :class:`crawler.middlewares.ConditionalRequestMiddleware`)."""
        return scrapy.Request(url, callback=callback, errback=self.on_error, meta=meta or {})

    def _clock(self) -> datetime:
        """Now: the real time, or the crawl's fixed RAQIB_NOW."""
        if self.crawler.settings.get("RAQIB_NOW"):
            return self.now
        return datetime.now(timezone.utc)

    def _page_fetched(self, response: Response, kind: str, fetched: datetime | None = None,
                      url: str | None = None) -> PageFetched:
        """What to remember of an answer, under the URL it was asked for (an article: the
        URL it is stored under)."""
        return PageFetched(
            url=url or response.meta.get("redirect_urls", [response.url])[0], site=self.site_id,
            kind=kind, status=response.status,
            fetched=(fetched or self._clock()).isoformat(timespec="seconds"),
            etag=_header(response, "ETag"), last_modified=_header(response, "Last-Modified"),
            published=response.meta.get("raqib_listed"),
            listed_updated=response.meta.get("raqib_updated"),
        )

    def _log_skipped(self, spider: scrapy.Spider) -> None:
        if spider is self and any(self.skipped.values()):
            logger.info("%s: not requested: %s stored articles not due, %s due but over the "
                        "refetch budget, %s due but listed as unchanged since fetched, %s "
                        "never-stored articles listed beyond max_age",
                        self.site_id, self.skipped["not_due"], self.skipped["deferred"],
                        self.skipped["unchanged"], self.skipped["too_old"])

    def on_error(self, failure: Failure) -> Iterator[CrawlError]:
        """Every request that failed or that Scrapy dropped is a ``crawl_errors`` row with the
        reason; only what robots.txt forbids is left out (logged)."""
        request = failure.request
        stage = "fetch"
        if failure.check(HttpError):
            status = failure.value.response.status
            message = f"HTTP {status}"
            gone = self._stored_article_gone(request, status)
            if gone is not None:
                yield gone
            challenge = _challenge_answer(failure.value.response)
            if challenge is not None:  # a challenge or block page: the site keeps us out
                stage, message = challenge.stage, f"{challenge.reason}, HTTP {failure.value.response.status}"
        elif failure.check(RefusedUrl):  # recorded under the URL the crawl asked for
            stage, message = "url", str(failure.value)
            request_url = request.meta.get("redirect_urls", [request.url])[0]
            logger.warning("%s: %s", self.site_id, message)
            yield CrawlError(self.site_id, stage, message, request_url)
            return
        elif failure.check(SitePaused):  # one row for the pause, written when the crawl closes
            logger.debug("%s: %s: %s", self.site_id, request.url, failure.value)
            return
        elif failure.check(IgnoreRequest):
            reason = str(failure.value) or "no reason given"
            if reason == ROBOTS_FORBIDDEN:
                logger.info("%s: %s: %s", self.site_id, request.url, reason)
                return
            message = f"request dropped: {reason}"
        else:
            message = f"{failure.type.__name__}: {failure.getErrorMessage()}"
        logger.warning("%s: %s failed: %s", self.site_id, request.url, message)
        yield CrawlError(self.site_id, stage, message, request.url)

    def _stored_url(self, url: str) -> str | None:
        """The URL the stored article at ``url`` (or at the URL ``url`` stands for) is stored
        under; None when no article is stored there."""
        url = self.aliases.get(url, url)
        state = self.known.get(url)
        return url if state is not None and state.stored else None

    def _stored_article_gone(self, request: scrapy.Request, status: int) -> ArticleGone | None:
        """A 404 or 410 for a stored article: a check that found it gone (recorded as a
        ``crawl_errors`` row as well, like every failed request)."""
        if status not in GONE_STATUSES or request.callback != self.parse_article:
            return None
        url = self._stored_url(request.meta.get("redirect_urls", [request.url])[0])
        if url is None:
            return None
        return ArticleGone(self.site_id, url, status, f"HTTP {status}",
                           self._clock().isoformat(timespec="seconds"))


BLOCKING_STATUSES = frozenset({403, 429, 503})  # what challenge and block pages answer with


def _challenge_answer(response: Response) -> Interstitial | None:
    """What a 403, 429 or 503 answer with an HTML body stands for (a challenge page, a login
    wall, ...), or None for a bare error."""
    if response.status not in BLOCKING_STATUSES or not isinstance(response, TextResponse):
        return None
    article = extract_article(response.body, response.url,
                              content_type=_header(response, "Content-Type"))
    return article.interstitial


def _patterns(pattern) -> tuple:
    return (pattern,) if pattern is not None else ()


def _header(response: Response, name: str) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


def _canonical_links(response: TextResponse) -> Iterable[str]:
    """The page's ``<link rel="canonical">`` hrefs, then its ``og:url``, as written."""
    for link in response.xpath("//head//link[@rel and @href]"):
        if "canonical" in link.attrib["rel"].lower().split():
            yield link.attrib["href"]
    for meta in response.xpath("//head//meta[@property='og:url' and @content]"):
        yield meta.attrib["content"]


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
