"""Discovery documents: RSS/Atom feeds, sitemaps (plain, index, Google News) and robots.txt.

Pure functions from bytes to records; they never raise on malformed input, they return what
they could read and say what was wrong in ``problem``.
"""

from __future__ import annotations

import calendar
import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone

from lxml import etree

logger = logging.getLogger(__name__)


@dataclass
class Link:
    """One URL a discovery document points at, with what it says about it."""

    url: str
    published: str | None = None  # ISO-8601
    title: str | None = None


@dataclass
class Discovered:
    """What one feed or sitemap yields: article links, child sitemaps, and any problem."""

    links: list[Link] = field(default_factory=list)
    sitemaps: list[str] = field(default_factory=list)
    problem: str | None = None


def parse_feed(data: bytes, base_url: str | None = None) -> Discovered:
    """Entries of an RSS or Atom feed. A feed that is malformed but readable still yields what
    it holds; one that yields nothing reports why."""
    import feedparser  # imported here: a heavy module only the feed path needs

    parsed = feedparser.parse(data, response_headers={"content-location": base_url or ""})
    result = Discovered()
    for entry in parsed.entries:
        url = entry.get("link") or entry.get("id")
        if not url or not url.startswith(("http://", "https://")):
            continue
        stamp = entry.get("published_parsed") or entry.get("updated_parsed")
        published = (
            datetime.fromtimestamp(calendar.timegm(stamp), tz=timezone.utc).isoformat()
            if stamp else None
        )
        result.links.append(Link(url=url.strip(), published=published, title=entry.get("title")))
    if parsed.get("bozo") and not result.links:
        result.problem = f"malformed feed: {parsed.get('bozo_exception')}"
    elif not result.links:
        result.problem = "feed has no entries"
    return result


_SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
_NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"


def parse_sitemap(data: bytes) -> Discovered:
    """URLs of a sitemap or the child sitemaps of a sitemap index; Google News sitemaps give
    each URL's ``news:publication_date`` and ``news:title``."""
    result = Discovered()
    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(data.strip(), parser=parser)
    except etree.XMLSyntaxError as exc:
        result.problem = f"not a sitemap: {exc}"
        return result
    if root is None:
        result.problem = "not a sitemap: empty or unreadable XML"
        return result
    kind = etree.QName(root).localname
    if kind not in ("urlset", "sitemapindex"):
        result.problem = f"not a sitemap: root element is <{kind}>"
        return result
    for node in root:
        if not isinstance(node.tag, str):
            continue
        loc = _child_text(node, "loc")
        if not loc:
            continue
        if kind == "sitemapindex":
            result.sitemaps.append(loc)
            continue
        published = _child_text(node, "publication_date", _NEWS_NS) or _child_text(node, "lastmod")
        title = _child_text(node, "title", _NEWS_NS)
        result.links.append(Link(url=loc, published=published, title=title))
    return result


def _child_text(node: etree._Element, name: str, namespace: str | None = None) -> str | None:
    """Text of the first element named ``name``: a direct child, or anywhere below when a
    namespace is given (``news:publication_date`` sits inside ``news:news``)."""
    candidates = node.iter() if namespace else node
    for child in candidates:
        if not isinstance(child.tag, str):
            continue
        qname = etree.QName(child)
        if qname.localname == name and (namespace is None or qname.namespace == namespace):
            text = (child.text or "").strip()
            return text or None
    return None


def robots_sitemaps(robots_txt: str) -> list[str]:
    """The URLs of the ``Sitemap:`` lines of a robots.txt."""
    found = []
    for line in robots_txt.splitlines():
        key, _, value = line.partition(":")
        if key.strip().lower() == "sitemap" and value.strip().startswith(("http://", "https://")):
            found.append(value.strip())
    return found
