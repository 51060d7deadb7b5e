"""The one generic spider: a seed file tells it where a site's feeds, sitemaps and listing
pages are and which links are articles. Parsing lives in ``crawler.extract``."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.spidermiddlewares.httperror import HttpError

from crawler.extract import extract_article
from crawler.extract.feeds import Discovered, parse_feed, parse_sitemap, robots_sitemaps
from crawler.items import ArticleItem, CrawlError
from crawler.sites import Site, load_sites

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
        self.articles_requested = 0

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any) -> NewsSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        if spider.site is None:
            spider.site = _find_site(spider._site_arg, spider._seeds_arg
                                     or crawler.settings.get("RAQIB_SEEDS", "seeds"))
        spider.allowed_domains = list(spider.site.allowed_domains)
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

    # Discovery -------------------------------------------------------------------------

    def parse_feed(self, response: Response) -> Iterator[Any]:
        yield from self._follow_discovered(response, parse_feed(response.body, response.url), "feed")

    def parse_sitemap(self, response: Response) -> Iterator[Any]:
        found = parse_sitemap(response.body)
        for child in found.sitemaps:
            if self.site.on_site(child):
                yield self._request(child, self.parse_sitemap)
        yield from self._follow_discovered(response, found, "sitemap")

    def parse_robots(self, response: Response) -> Iterator[Any]:
        for url in robots_sitemaps(response.text if hasattr(response, "text") else ""):
            if self.site.on_site(url):
                yield self._request(url, self.parse_sitemap)

    def parse_listing(self, response: Response) -> Iterator[Any]:
        if not hasattr(response, "css"):
            yield CrawlError(self.site_id, "parse", "listing page is not HTML", response.url)
            return
        for href in response.css("a::attr(href)").getall():
            url = response.urljoin(href.strip()).split("#", 1)[0]
            if self.site.is_article(url):
                yield from self._article_request(url)
            elif self.site.is_followable(url):
                yield self._request(url, self.parse_listing)

    def _follow_discovered(self, response: Response, found: Discovered, kind: str) -> Iterator[Any]:
        if found.problem:
            yield CrawlError(self.site_id, kind, found.problem, response.url)
        for link in found.links:
            if self.site.is_article(link.url):
                yield from self._article_request(link.url)
            elif self.site.is_followable(link.url):
                yield self._request(link.url, self.parse_listing)

    # Articles --------------------------------------------------------------------------

    def _article_request(self, url: str) -> Iterator[scrapy.Request]:
        if self.articles_requested >= self.site.max_pages:
            return
        self.articles_requested += 1
        yield self._request(url, self.parse_article)

    def parse_article(self, response: Response) -> Iterator[Any]:
        fetched = datetime.now(timezone.utc)
        content_type = response.headers.get("Content-Type", b"").decode("latin-1") or None
        try:
            article = extract_article(response.body, response.url, selectors=self.site.selectors,
                                      fetched=fetched, content_type=content_type)
        except Exception as exc:  # the extractor must not raise; if it does, record and go on
            logger.exception("extractor failed on %s", response.url)
            yield CrawlError(self.site_id, "parse", f"extractor failed: {exc!r}", response.url)
            return
        if not article.title.strip() or not article.body.strip():
            missing = " and ".join(
                name for name, value in (("title", article.title), ("body", article.body))
                if not value.strip()
            )
            yield CrawlError(self.site_id, "parse", f"no article {missing} found on the page",
                             response.url)
            return
        yield ArticleItem(
            url=response.url, site=self.site_id, title=article.title, body=article.body,
            published=article.published, author=article.author,
            fetched=fetched.isoformat(timespec="seconds"), raw_html=response.body,
            content_type=content_type,
        )

    # Plumbing --------------------------------------------------------------------------

    def _request(self, url: str, callback) -> scrapy.Request:
        return scrapy.Request(url, callback=callback, errback=self.on_error)

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
