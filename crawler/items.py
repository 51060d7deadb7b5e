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
    seen_as: tuple[str, ...] = ()  # other URLs it was found or fetched under (url_aliases)


@dataclass
class CrawlError:
    """Something that went wrong on one URL; recorded in the store, the crawl goes on."""

    site: str
    stage: str  # url | fetch | robots | feed | sitemap | parse | store
    message: str
    url: str | None = None
