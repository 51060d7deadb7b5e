"""What the spider yields besides pages (:class:`crawler.fetchstate.PageFetched`): errors,
recorded by the pipeline."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class CrawlError:
    """Something that went wrong on one URL; recorded in the store, the crawl goes on."""

    site: str
    stage: str  # seed | fetch | feed | sitemap | parse | extract | store
    message: str
    url: str | None = None
