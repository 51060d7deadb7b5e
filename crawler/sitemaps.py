"""Sitemaps, read with Scrapy's own reader (robots.txt is :mod:`crawler.robots`').

- :func:`read_sitemap`: a sitemap, a sitemap index or a Google News sitemap, plain or gzipped,
  through ``scrapy.utils.sitemap.Sitemap`` (entities never expanded, no network, iterative);
  a gzipped body is decompressed with a size cap (``scrapy.utils.gz.gunzip``), so a small
  file that unpacks to gigabytes is refused, not read.

Pure functions from bytes to records (:class:`~crawler.extract.feeds.Discovered`); they never
raise on malformed input and say what was wrong in ``problem``. URLs come out as written: the
spider passes each through :mod:`crawler.urls`.
"""

from __future__ import annotations

from typing import Any

import lxml.etree
from scrapy.utils._compression import _DecompressionMaxSizeExceeded
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import Sitemap

from crawler.extract.feeds import Discovered, Link, drop_shared_updates

_GZIP_MAGIC = b"\x1f\x8b"
_NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"


class _NewsSitemap(Sitemap):
    """Scrapy's sitemap reader, which keeps only an entry's direct children, taught to read the
    Google News fields nested in ``<news:news>`` (publication date and title)."""

    def _process_sitemap_element(self, elem: lxml.etree._Element) -> dict[str, Any] | None:
        news = {}
        for name in ("publication_date", "title"):
            found = elem.find(f".//{{{_NEWS_NS}}}{name}")
            if found is not None and (found.text or "").strip():
                news[f"news_{name}"] = found.text.strip()
        entry = super()._process_sitemap_element(elem)
        if entry is not None:
            entry.update(news)
        return entry


def sitemap_body(data: bytes, max_size: int) -> bytes:
    """The sitemap's XML: ``data`` itself, or decompressed when it is gzipped (``.xml.gz``).
    Raises :class:`SitemapTooLarge` when it decompresses to more than ``max_size`` bytes."""
    if not data.startswith(_GZIP_MAGIC):
        return data
    try:
        return gunzip(data, max_size=max_size)
    except _DecompressionMaxSizeExceeded as exc:
        raise SitemapTooLarge(
            f"gzipped sitemap of {len(data)} bytes unpacks to more than {max_size} bytes "
            "(DOWNLOAD_MAXSIZE); not read") from exc


class SitemapTooLarge(ValueError):
    """A gzipped sitemap that decompresses past the size cap."""


def read_sitemap(data: bytes, max_size: int, alternate_links: bool = False) -> Discovered:
    """Article links of a sitemap, or the child sitemaps of a sitemap index. ``lastmod`` or
    ``news:publication_date`` dates each link; ``alternate_links`` also yields the
    ``xhtml:link rel="alternate"`` URLs of each entry."""
    result = Discovered()
    try:
        body = sitemap_body(data, max_size)
    except (SitemapTooLarge, OSError, EOFError) as exc:  # too large, or a corrupt gzip stream
        result.problem = str(exc) if isinstance(exc, SitemapTooLarge) else f"not a sitemap: bad gzip data ({exc})"
        return result
    try:
        sitemap = _NewsSitemap(body.strip())
        kind = sitemap.type
        entries = list(sitemap)
    except (lxml.etree.XMLSyntaxError, StopIteration) as exc:
        result.problem = f"not a sitemap: {exc or 'empty document'}"
        return result
    if kind not in ("urlset", "sitemapindex"):
        result.problem = f"not a sitemap: root element is <{kind}>"
        return result
    for entry in entries:
        loc = entry.get("loc")
        urls = [loc] if loc else []
        if alternate_links:
            urls += entry.get("alternate", [])
        for url in urls:
            if kind == "sitemapindex":
                result.sitemaps.append(url)
            else:
                result.links.append(Link(
                    url=url, published=entry.get("news_publication_date") or entry.get("lastmod"),
                    title=entry.get("news_title"), updated=entry.get("lastmod")))
    drop_shared_updates(result.links)
    return result
