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


@dataclass
class ArticleGone:
    """A stored article that answered 404 or 410, or redirected to the site's home or a page
    that is not an article: recorded by :func:`crawler.removals.record_gone`."""

    site: str
    url: str      # the URL the article is stored under
    status: int   # the HTTP status: 404, 410, or the redirect's
    reason: str   # in words: "HTTP 404", "redirected to the home page http://..."
    checked: str  # ISO-8601 UTC
