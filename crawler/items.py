"""What the spider yields besides pages (:class:`crawler.fetchstate.PageFetched`): errors and
the other URLs of articles, recorded by the pipeline."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class CrawlError:
    """Something that went wrong on one URL; recorded in the store, the crawl goes on."""

    site: str
    # seed | url | fetch | robots | feed | sitemap | parse | extract | store | blocked | not_article
    stage: str
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
