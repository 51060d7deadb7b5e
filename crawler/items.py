"""What the spider yields: cleaned articles and errors, both stored by the pipeline."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class ArticleItem:
    """One article page, fetched and cleaned."""

    url: str
    site: str
    title: str
    body: str
    published: str | None
    author: str | None
    fetched: str
    raw_html: bytes | None = None
    content_type: str | None = None


@dataclass
class CrawlError:
    """Something that went wrong on one URL; recorded in the store, the crawl goes on."""

    site: str
    stage: str  # url | fetch | robots | feed | sitemap | parse | store
    message: str
    url: str | None = None


@dataclass
class SeenUnder:
    """Other URLs an article was found or fetched under (a feed's tracked link, the URL
    before a redirect or a canonical link); recorded in ``url_aliases``."""

    site: str
    url: str  # the URL the article is stored under
    aliases: tuple[str, ...]
    seen: str  # ISO-8601 UTC
