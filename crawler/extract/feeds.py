"""RSS/Atom feeds, and the records every discovery document gives (``Link``, ``Discovered``).
Sitemaps are read by :mod:`crawler.sitemaps`, robots.txt by :mod:`crawler.robots`.

Pure functions from bytes to records; they never raise on malformed input, they return what
they could read and say what was wrong in ``problem``.
"""

from __future__ import annotations

import calendar
import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone

from crawler.extract.dates import parse_machine_date

logger = logging.getLogger(__name__)


@dataclass
class Link:
    """One URL a discovery document points at, with what it says about it."""

    url: str
    published: str | None = None  # ISO-8601
    title: str | None = None
    # when the document says the page last changed (a feed entry's own <updated>, a
    # sitemap's <lastmod>), ISO-8601; None when it does not say, or says it of many at once
    updated: str | None = None


@dataclass
class Discovered:
    """What one feed or sitemap yields: article links, child sitemaps, and any problem."""

    links: list[Link] = field(default_factory=list)
    sitemaps: list[str] = field(default_factory=list)
    problem: str | None = None


# A timestamp carried by this many items of one feed is the feed's build time (or a CMS
# default), not when each story was published.
_SHARED_STAMP_ITEMS = 3


def parse_feed(data: bytes, base_url: str | None = None, content_type: str | None = None) -> Discovered:
    """Entries of an RSS or Atom feed. A feed that is malformed but readable still yields what
    it holds; one that yields nothing reports why.

    Links are resolved against ``xml:base`` (per entry in Atom) and ``base_url`` (root-relative
    ``<link>``s). The text is decoded by XML's rules — BOM, then the XML declaration, then UTF-8
    — unless ``content_type`` (the response's header) names a charset. Item dates may be
    RFC 822 in any offset or written as Arabic pages write them («الخميس، 24 سبتمبر 2026 01:00 م»);
    a date that many items share says nothing about any of them and is dropped."""
    import feedparser  # imported here: a heavy module only the feed path needs

    headers = {"content-location": base_url or "", "content-type": _xml_content_type(content_type)}
    # Blank lines before the XML declaration (a PHP/WordPress classic) make it a fatal error.
    parsed = feedparser.parse(data.lstrip(), response_headers=headers)
    result = Discovered()
    for entry in parsed.entries:
        url = (entry.get("link") or entry.get("id") or "").strip()
        if not url.startswith(("http://", "https://")):
            continue
        result.links.append(Link(url=url, published=_entry_date(entry), title=entry.get("title"),
                                 updated=_entry_updated(entry)))
    shared = Counter(link.published for link in result.links if link.published)
    for link in result.links:
        if link.published and shared[link.published] >= _SHARED_STAMP_ITEMS:
            link.published = None
    drop_shared_updates(result.links)
    if parsed.get("bozo") and not result.links:
        result.problem = f"malformed feed: {parsed.get('bozo_exception')}"
    elif not result.links:
        result.problem = "feed has no entries"
    return result


def _xml_content_type(header: str | None) -> str:
    """What feedparser is told the type is: XML, with the header's charset if it has one.
    (Told nothing, it falls back to ISO-8859-1 for a feed without an XML declaration; told
    ``text/xml`` without a charset, to US-ASCII. Either turns Arabic into mojibake.)"""
    charset = None
    for param in (header or "").split(";")[1:]:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset" and value.strip().strip("\"'"):
            charset = value.strip().strip("\"'")
    return f"application/xml; charset={charset}" if charset else "application/xml"


def drop_shared_updates(links: list[Link]) -> None:
    """Forget an ``updated`` time that many links of one document share: it is when the
    document was built, not when each page changed."""
    shared = Counter(link.updated for link in links if link.updated)
    for link in links:
        if link.updated and shared[link.updated] >= _SHARED_STAMP_ITEMS:
            link.updated = None


def _entry_updated(entry) -> str | None:
    """When an entry says it was last updated (its own ``updated``/``modified``, not the
    feedparser fallback to ``published``), as ISO-8601 UTC."""
    stamp = dict.get(entry, "updated_parsed")
    if not stamp:
        return None
    return datetime.fromtimestamp(calendar.timegm(stamp), tz=timezone.utc).isoformat()


def _entry_date(entry) -> str | None:
    """When an entry says it was published, as ISO-8601: feedparser's reading of an RFC 822 /
    ISO date (in UTC), else the date as written, read the way page dates are read."""
    # dict.get: FeedParserDict.get maps a missing "updated" to "published", with a warning.
    stamp = dict.get(entry, "published_parsed") or dict.get(entry, "updated_parsed")
    if stamp:
        return datetime.fromtimestamp(calendar.timegm(stamp), tz=timezone.utc).isoformat()
    for key in ("published", "updated"):
        written = dict.get(entry, key)
        if written:
            found = parse_machine_date(written)
            if found:
                return found
    return None
