"""Incremental fetching: what raqib remembers about every page it fetched, so that the next
crawl asks only for what may have changed.

Three rules, each a small pure function here, applied by the spider:

- **Conditional requests.** A page's validators (``ETag``, ``Last-Modified``) are sent back as
  ``If-None-Match`` / ``If-Modified-Since``; a ``304 Not Modified`` answer means "as you have
  it": counted, never re-extracted, never re-stored (:func:`conditional_headers`).
- **A window on listed dates.** A feed or news sitemap that dates an article older than the
  site's ``max_age`` keeps it out when raqib has never stored it (:func:`within_window`).
- **A schedule that slows with age, within a budget.** A stored article is asked for again
  only when due by its age tier (:data:`DEFAULT_REFETCH`: every crawl in its first two hours,
  hourly in its first day, daily in its first week, then never; a seed's ``refetch`` sets its
  own), and at most ``refetch_budget`` of them per crawl (:data:`DEFAULT_REFETCH_BUDGET`):
  the youngest first, the oldest due ones wait for the next crawl. New articles never wait
  for refetches (:func:`refetch_due`). The spider asks for them once discovery is done, and
  skips one whose sitemap ``lastmod`` or feed ``updated`` is no later than the one recorded
  when it was last fetched (``listed_updated``; the site's times against each other, never
  against our clock), its slot going to the oldest one waiting.

Feeds, sitemaps and listing pages are always requested (conditionally). Documents that only
point at other documents, robots.txt and sitemap indexes, are always fetched in full: they are
small, and a 304 would hide the children they point at (an index often stays the same while
its child sitemaps change).

The ``fetch_state`` table (created by :mod:`crawler.schema`) has one row per URL:

==============  ==========================================================================
url             the page (the URL it answered from, after redirects)
site            the site id
kind            ``article``, ``feed``, ``sitemap``, ``sitemap_index``, ``listing`` or ``robots``
etag            the ``ETag`` of the last full answer, verbatim
last_modified   the ``Last-Modified`` of the last full answer, verbatim (an HTTP date)
published       the publication date a feed or sitemap listed for the article (ISO-8601)
last_fetched    when the page last answered, 200 or 304 (ISO-8601 UTC, like every store time)
last_changed    articles: when a new version was stored; other pages: their last full answer
status          the HTTP status of the last answer (200 or 304)
listed_updated  the feed entry's ``updated`` or the sitemap's ``lastmod`` when it was last
                fetched (schema 10), verbatim ISO-8601
==============  ==========================================================================

Validators are kept only for a page that was used: an article that was stored, a feed or
sitemap that was read. A page that failed to parse is fetched whole the next time, so its
error is seen again rather than hidden behind a 304. After a crawl of the site that did not
finish cleanly (``failed``: a page could not be stored; ``interrupted``; ``timeout``), the
next one asks for its feeds, sitemaps and listings in full: a story such a crawl found but did
not store is still only in them, and a 304 would hide it until they change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite_utils

NOT_MODIFIED = 304
# Kinds of page always fetched in full (see above).
ALWAYS_FULL = frozenset({"robots", "sitemap_index"})

# When a stored article is due again, by its age: (while younger than, ask at most every),
# the tiers of NewsDiffs' kind; a seed's ``refetch`` replaces them. Age counts from its
# publication or from when raqib first saw it, whichever is earlier.
RefetchTiers = tuple[tuple[timedelta, timedelta], ...]
DEFAULT_REFETCH: RefetchTiers = (
    (timedelta(hours=2), timedelta(0)),       # first two hours: every crawl
    (timedelta(days=1), timedelta(hours=1)),  # first day: hourly
    (timedelta(days=7), timedelta(days=1)),   # first week: daily
)                                             # older: never
# At most this many stored articles are asked for again in one crawl (a seed's
# ``refetch_budget``); the oldest due ones wait for the next crawl, never the new articles.
DEFAULT_REFETCH_BUDGET = 300
REFETCH_DUE = "raqib/refetch_due"            # Scrapy stats: stored articles due for a refetch,
REFETCH_DEFERRED = "raqib/refetch_deferred"  # and of them left for the next crawl (budget)
REFETCH_UNCHANGED = "raqib/refetch_unchanged"  # and of them listed as unchanged: not asked for
LISTED = "raqib/listed"  # Scrapy stats: article links the feeds, sitemaps and listings yielded
# However old the page says it is, an article raqib first saw less than this long ago is
# asked for on every crawl: a page's own date may be wrong, or on another clock.
FRESHLY_SEEN = timedelta(hours=2)
# A crawl "once a day" that comes back a little early (jitter) still counts as a day: a tier
# is due this much early (at most a tenth of its interval).
REFETCH_SLACK = timedelta(hours=1)


@dataclass(frozen=True)
class FetchState:
    """What the store knows about one URL of a site."""

    url: str
    kind: str
    etag: str | None = None
    last_modified: str | None = None
    published: datetime | None = None    # the earliest date a listing or the page gave
    last_fetched: datetime | None = None
    last_changed: datetime | None = None
    first_seen: datetime | None = None   # articles only: when first stored; None: never
    listed_updated: datetime | None = None  # the feed's updated / sitemap's lastmod, last fetch

    @property
    def stored(self) -> bool:
        """Whether this is an article raqib has stored."""
        return self.first_seen is not None


@dataclass
class PageFetched:
    """What the spider yields for a page it used (or found unchanged): the pipeline records
    it in ``fetch_state``, and counts a 304 as ``not_modified`` in the run. An article page
    answered in full carries its ``body``: the pipeline hands it to
    :func:`crawler.pagestore.store_page`, which stores the article and these validators in one
    transaction."""

    url: str
    site: str
    kind: str
    status: int
    fetched: str  # ISO-8601 UTC
    etag: str | None = None
    last_modified: str | None = None
    published: str | None = None  # the date a feed or sitemap listed for the article
    listed_updated: str | None = None  # when the feed or sitemap said the page last changed
    body: bytes | None = None     # an article page answered in full: the page as fetched
    content_type: str | None = None


# The rules -------------------------------------------------------------------------------

def refetch_due(published: datetime | None, first_seen: datetime, last_fetched: datetime | None,
                now: datetime, tiers: RefetchTiers = DEFAULT_REFETCH) -> bool:
    """Whether a stored article should be asked for again at ``now``.

    By the ``tiers`` (default: every crawl while it is less than two hours old or was first
    seen less than two hours ago, hourly in its first day, daily in its first week, never
    after that). Its age counts from ``published`` or ``first_seen``, whichever is earlier (a
    date in the future counts as ``first_seen``).

    >>> t = datetime(2026, 11, 1, tzinfo=timezone.utc)
    >>> refetch_due(None, t, t + timedelta(minutes=30), t + timedelta(hours=1))
    True
    >>> refetch_due(None, t, t + timedelta(hours=3), t + timedelta(hours=3, minutes=30))
    False
    >>> refetch_due(None, t, t + timedelta(hours=3), t + timedelta(hours=4))
    True
    >>> refetch_due(None, t, t + timedelta(days=2), t + timedelta(days=2, hours=2))
    False
    >>> refetch_due(None, t, t + timedelta(days=2), t + timedelta(days=3))
    True
    >>> refetch_due(None, t, t + timedelta(days=6), t + timedelta(days=8))
    False
    """
    if last_fetched is None:
        return True
    if now - first_seen < FRESHLY_SEEN:
        return True
    tier = refetch_tier(published, first_seen, now, tiers)
    if tier == len(tiers):
        return False
    every = tiers[tier][1]
    return every <= timedelta(0) or now - last_fetched >= every - min(REFETCH_SLACK, every / 10)


def refetch_tier(published: datetime | None, first_seen: datetime, now: datetime,
                 tiers: RefetchTiers = DEFAULT_REFETCH) -> int:
    """The index of the tier a stored article is in at ``now`` (0: the youngest; one freshly
    seen counts as 0; ``len(tiers)``: older than every tier)."""
    if now - first_seen < FRESHLY_SEEN:
        return 0
    age = now - refetch_born(published, first_seen)
    return next((i for i, (younger_than, _) in enumerate(tiers) if age < younger_than),
                len(tiers))


def refetch_born(published: datetime | None, first_seen: datetime) -> datetime:
    """When a stored article's age counts from: its publication or its first sight, the
    earlier."""
    return first_seen if published is None else min(published, first_seen)


def within_window(listed: datetime | None, reference: datetime, max_age: timedelta) -> bool:
    """Whether an article a feed or sitemap dates ``listed`` is recent enough to fetch when it
    was never stored: no date, or not older than ``max_age`` before ``reference``."""
    return listed is None or listed >= reference - max_age


def window_reference(listed: list[datetime | None], now: datetime) -> datetime:
    """The time a document's dates are measured against: ``now``, or the newest date the
    document lists when that is earlier. A site's clock (or a frozen demo) may lag ours; what
    it lists as its newest story is new to it, and the window counts back from there."""
    dates = [d for d in listed if d is not None]
    return min(now, max(dates)) if dates else now


def conditional_headers(state: FetchState | None) -> dict[str, str]:
    """``If-None-Match`` / ``If-Modified-Since`` for a page fetched before; none for an
    article never stored (there is nothing to be "not modified" against), nor for robots.txt
    or a sitemap index."""
    if state is None or state.kind in ALWAYS_FULL or (state.kind == "article" and not state.stored):
        return {}
    headers = {}
    if state.etag:
        headers["If-None-Match"] = state.etag
    if state.last_modified:
        headers["If-Modified-Since"] = state.last_modified
    return headers


def parse_time(text: str | None) -> datetime | None:
    """An ISO-8601 time from the store or a listing, in UTC (naive means UTC); None when
    absent or unreadable."""
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def earliest(*times: datetime | None) -> datetime | None:
    """The earliest of the given times that are known."""
    known = [t for t in times if t is not None]
    return min(known) if known else None


# The table -------------------------------------------------------------------------------

def load_fetch_state(db: sqlite_utils.Database, site: str) -> dict[str, FetchState]:
    """Every URL of ``site`` raqib fetched before, with what it knows about it; an article
    stored by a raqib that kept no fetch state is known too (with no validators). When the
    site's last crawl did not finish cleanly (:func:`last_crawl_finished`), its feeds,
    sitemaps and listings are known without validators, so they are fetched in full."""
    discovery_validators = last_crawl_finished(db, site)
    rows = db.execute(
        """
        SELECT f.url, f.kind, f.etag, f.last_modified, f.published, f.last_fetched,
               f.last_changed, a.first_seen, a.published AS page_published, a.last_seen,
               f.listed_updated
        FROM fetch_state f LEFT JOIN articles a ON a.url = f.url
        WHERE f.site = ?
        UNION ALL
        SELECT a.url, 'article', NULL, NULL, NULL, NULL, NULL, a.first_seen, a.published,
               a.last_seen, NULL
        FROM articles a WHERE a.site = ? AND a.url NOT IN (SELECT url FROM fetch_state)
        """,
        [site, site],
    ).fetchall()
    known: dict[str, FetchState] = {}
    for (url, kind, etag, last_modified, listed, last_fetched, last_changed, first_seen,
         page_published, last_seen, listed_updated) in rows:
        if kind != "article" and not discovery_validators:
            etag = last_modified = None
        known[url] = FetchState(
            url=url, kind=kind, etag=etag, last_modified=last_modified,
            published=earliest(parse_time(listed), parse_time(page_published)),
            last_fetched=parse_time(last_fetched) or parse_time(last_seen),
            last_changed=parse_time(last_changed), first_seen=parse_time(first_seen),
            listed_updated=parse_time(listed_updated),
        )
    return known


def last_crawl_finished(db: sqlite_utils.Database, site: str) -> bool:
    """Whether the latest crawl run of ``site`` (if any) ended ``finished``: not failed, not
    interrupted, not stopped at its time limit, not still marked running."""
    row = db.execute("SELECT status FROM crawl_runs WHERE site = ? ORDER BY id DESC LIMIT 1",
                     [site]).fetchone()
    return row is None or row[0] == "finished"


def record_fetch(db: sqlite_utils.Database, page: PageFetched) -> None:
    """Remember one answer: its validators (a 304 keeps the old ones unless it sends new
    ones), when it came, and for a full answer to a feed, sitemap or listing, that it changed."""
    changed = page.fetched if page.status != NOT_MODIFIED and page.kind != "article" else None
    db.execute(
        """
        INSERT INTO fetch_state (url, site, kind, etag, last_modified, published, last_fetched,
                                 last_changed, status, listed_updated)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (url) DO UPDATE SET
            site = excluded.site, kind = excluded.kind,
            etag = COALESCE(excluded.etag, etag),
            last_modified = COALESCE(excluded.last_modified, last_modified),
            published = COALESCE(excluded.published, published),
            last_fetched = excluded.last_fetched,
            last_changed = COALESCE(excluded.last_changed, last_changed),
            status = excluded.status,
            listed_updated = excluded.listed_updated
        """,
        [page.url, page.site, page.kind, page.etag, page.last_modified, page.published,
         page.fetched, changed, page.status, page.listed_updated],
    )


def record_article_changed(db: sqlite_utils.Database, url: str, site: str, when: str) -> None:
    """Remember that a new version of an article was stored at ``when``."""
    db.execute(
        """
        INSERT INTO fetch_state (url, site, kind, last_fetched, last_changed, status)
        VALUES (?, ?, 'article', ?, ?, 200)
        ON CONFLICT (url) DO UPDATE SET last_changed = excluded.last_changed
        """,
        [url, site, when, when],
    )


def record_failed_check(db: sqlite_utils.Database, url: str, site: str, when: str,
                        status: int) -> None:
    """Remember that a stored article was checked at ``when`` and found gone (``status``:
    404, 410, or the redirect's): it is due again by its tier from this check, not on every
    crawl; its validators are kept."""
    db.execute(
        """
        INSERT INTO fetch_state (url, site, kind, last_fetched, status)
        VALUES (?, ?, 'article', ?, ?)
        ON CONFLICT (url) DO UPDATE SET last_fetched = excluded.last_fetched,
                                        status = excluded.status
        """,
        [url, site, when, status],
    )
