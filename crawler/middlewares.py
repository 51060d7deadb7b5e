"""raqib's downloader middlewares (enabled in :mod:`crawler.settings`).

- :class:`UrlDoorMiddleware` and :class:`RedirectDoorMiddleware`: every request the
  downloader is given, the spider's own and every redirect's ``Location``, passes the site's
  door (:mod:`crawler.urls`); a refused one is dropped with its reason, which the spider's
  errback records in ``crawl_errors``.
- :class:`ConditionalRequestMiddleware`: sends a page's stored validators back
  (``If-None-Match`` / ``If-Modified-Since``) and lets a ``304 Not Modified`` through to the
  callback; *which* pages get them is :func:`crawler.fetchstate.conditional_headers`'s rule.
- :class:`BackOffMiddleware`: a ``429``, or a ``503`` with ``Retry-After``, pauses the site
  (:mod:`crawler.pauses`): that answer is not retried and the site's remaining requests are
  dropped for this crawl.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING
from urllib.parse import urljoin

from scrapy.exceptions import IgnoreRequest
from w3lib.url import safe_url_string

from crawler.durations import parse_duration
from crawler.fetchstate import NOT_MODIFIED, conditional_headers
from crawler.pauses import (
    DEFAULT_BACKOFF_BASE, DEFAULT_PAUSE_MAX, PAUSED_DROPPED, Pause, asks_to_pause,
    backoff_period, retry_after_period,
)

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Request, Response

logger = logging.getLogger(__name__)

_REDIRECTS = frozenset({301, 302, 303, 307, 308})


class RefusedUrl(IgnoreRequest):
    """A request the site's URL door refused (scheme, host, user-info, length)."""


class SitePaused(IgnoreRequest):
    """A request not sent, or an answer not retried: the site asked us to wait."""


class _DoorMiddleware:
    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler):
        return cls(crawler)

    def _door(self):
        return getattr(self.crawler.spider, "door", None)


class UrlDoorMiddleware(_DoorMiddleware):
    """Refuses requests the spider's ``door`` (a :class:`crawler.urls.UrlDoor`) does not admit;
    sits before Scrapy's OffsiteMiddleware (50)."""

    def process_request(self, request: Request) -> None:
        door = self._door()
        if door is None:
            return None
        admission = door.admit(request.url)
        if not admission.admitted:
            redirected_from = request.meta.get("redirect_urls")
            if redirected_from:
                raise RefusedUrl(f"redirect from {redirected_from[-1]} to {admission.found} "
                                 f"refused: {admission.refused}")
            raise RefusedUrl(f"refused {admission.found}: {admission.refused}")
        return None


class RedirectDoorMiddleware(_DoorMiddleware):
    """Refuses a redirect whose ``Location`` the door does not admit, before Scrapy's
    RedirectMiddleware (600) follows it: a redirect off the site would otherwise be dropped
    silently by the offsite check when it is scheduled, and one to ``file:`` passed on as a
    bare 3xx."""

    def process_response(self, request: Request, response: Response) -> Response:
        door = self._door()
        location = response.headers.get("Location")
        if (door is None or response.status not in _REDIRECTS or location is None
                or request.meta.get("dont_redirect")):
            return response
        target = urljoin(request.url, safe_url_string(location))
        admission = door.admit(target)
        if not admission.admitted:
            raise RefusedUrl(f"redirect from {request.url} to {admission.found} refused: "
                             f"{admission.refused}")
        return response


class ConditionalRequestMiddleware:
    """Conditional requests for pages fetched before: the validators come from the spider's
    ``known`` fetch state (loaded from the store when the crawl starts); ``-s
    RAQIB_INCREMENTAL=false`` (the spider's ``incremental``) sends none."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ConditionalRequestMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        spider = self.crawler.spider
        if not getattr(spider, "incremental", False) or request.meta.get("raqib_unconditional"):
            return None
        headers = conditional_headers(getattr(spider, "known", {}).get(request.url))
        if headers:
            for name, value in headers.items():
                request.headers.setdefault(name, value)
            allowed = request.meta.setdefault("handle_httpstatus_list", [])
            if NOT_MODIFIED not in allowed:
                allowed.append(NOT_MODIFIED)
        return None


class BackOffMiddleware:
    """Pauses the site on the first answer that asks us to slow down (:mod:`crawler.pauses`):
    sits after Scrapy's RetryMiddleware (550), so it sees the answer first and no retry of
    it is scheduled; every request after it is dropped before it is sent. The pause is left
    on the spider (``spider.pause``) for the pipeline to record when the crawl closes."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        settings = crawler.settings
        self.cap = _duration(settings.get("RAQIB_PAUSE_MAX"), DEFAULT_PAUSE_MAX)
        self.base = _duration(settings.get("RAQIB_BACKOFF_BASE"), DEFAULT_BACKOFF_BASE)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BackOffMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        pause = getattr(self.crawler.spider, "pause", None)
        if pause is not None:
            self.crawler.stats.inc_value(PAUSED_DROPPED)
            raise SitePaused(f"not sent: {pause.describe()}")
        return None

    def process_response(self, request: Request, response: Response) -> Response:
        header = response.headers.get("Retry-After")
        retry_after = header.decode("latin-1", "replace")[:200] if header else None
        if not asks_to_pause(response.status, retry_after):
            return response
        spider = self.crawler.spider
        if getattr(spider, "pause", None) is None:
            now = spider._clock()
            asked = retry_after_period(retry_after, now, self.cap)
            strikes = getattr(spider, "pause_strikes", 0) + 1
            period = asked if asked is not None else backoff_period(strikes, self.base, self.cap)
            spider.pause = Pause(spider.site_id, now + period, now, response.status,
                                 retry_after if asked else None, request.url, strikes)
            logger.warning("%s asks us to slow down: %s; its remaining requests are dropped "
                           "for this crawl", spider.site_id, spider.pause.describe())
        raise SitePaused(f"not retried: {spider.pause.describe()}")


def _duration(value, default):
    if not value:
        return default
    try:
        return parse_duration(str(value))
    except ValueError:
        logger.warning("not a duration: %r; using %s", value, default)
        return default
