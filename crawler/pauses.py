"""A site that asks us to slow down is left alone until it said: the ``site_pauses`` table
(:mod:`crawler.schema`, step 9) and the rules that fill it.

A site asks with ``429 Too Many Requests``, or ``503 Service Unavailable`` with a
``Retry-After`` header (a 503 without one is a server's failure: retried as any other).
:class:`crawler.middlewares.BackOffMiddleware` turns the first such answer of a crawl into a
pause of the whole site:

- the answer is not retried, and every request of the site still to go is dropped for this
  crawl (counted in the stats as ``raqib/paused_dropped``), so no URL is asked for twice;
- the period is the answer's ``Retry-After`` (seconds, or an HTTP date), at most
  ``RAQIB_PAUSE_MAX`` (default 6 h); a value that is not one (garbage), or a date already
  past, counts as absent. Without one, the period doubles with each pause in a row
  (``RAQIB_BACKOFF_BASE``, default 60 s: 1, 2, 4, 8 … minutes), again at most the cap;
- when the crawl closes, the pipeline writes ONE ``crawl_errors`` row (stage ``paused``) that
  names the answer, the period and the requests dropped, records the pause here, and closes
  the run as ``paused`` (so the next crawl reads the site's feeds and listings in full, and
  site health does not judge it). Nothing of the pages left is recorded: they stay due;
- a crawl that is not paused ends the run of pauses (the next back-off starts from the base).

:func:`paused_until` is what ``crawler.run`` and ``raqib run``'s scheduler ask before they
start a site: neither sends it a request before the pause ends.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING

from crawler.fetchstate import parse_time
from crawler.store import open_db

if TYPE_CHECKING:
    import sqlite3

    import sqlite_utils

PAUSE_STATUSES = frozenset({429, 503})
DEFAULT_PAUSE_MAX = timedelta(hours=6)
DEFAULT_BACKOFF_BASE = timedelta(seconds=60)
PAUSED_DROPPED = "raqib/paused_dropped"  # Scrapy stats: requests dropped by a pause
_SECONDS = re.compile(r"\s*(\d+)\s*")


@dataclass(frozen=True)
class Pause:
    """A site asked us to wait: until when, and why."""

    site: str
    until: datetime
    since: datetime
    status: int
    retry_after: str | None  # the header as sent (None: there was none, or it was unusable)
    url: str
    strikes: int = 1         # pauses in a row (the back-off doubles with each)

    def describe(self) -> str:
        asked = (f"Retry-After: {self.retry_after}" if self.retry_after
                 else f"no usable Retry-After: back-off {self.strikes}")
        return (f"HTTP {self.status} ({asked}) at {self.url}: paused until "
                f"{self.until.isoformat(timespec='seconds')}")


def asks_to_pause(status: int, retry_after: str | None) -> bool:
    """Whether an answer asks us to slow down: a 429, or a 503 that says when to come back."""
    return status == 429 or (status == 503 and bool(retry_after and retry_after.strip()))


def retry_after_period(value: str | None, now: datetime,
                       cap: timedelta = DEFAULT_PAUSE_MAX) -> timedelta | None:
    """The wait a ``Retry-After`` header asks for, at most ``cap``: delay-seconds or an HTTP
    date (RFC 9110 10.2.3). None when absent or unusable: not a number nor a date, a negative
    number or zero, a date already past.

    >>> now = datetime(2026, 12, 4, 12, 0, tzinfo=timezone.utc)
    >>> retry_after_period("120", now)
    datetime.timedelta(seconds=120)
    >>> retry_after_period("Fri, 04 Dec 2026 12:05:00 GMT", now)
    datetime.timedelta(seconds=300)
    >>> retry_after_period("99999999999", now)
    datetime.timedelta(seconds=21600)
    >>> retry_after_period("-5", now), retry_after_period("soon", now), retry_after_period("0", now)
    (None, None, None)
    """
    if not value:
        return None
    seconds = _SECONDS.fullmatch(value)
    if seconds:
        digits = seconds.group(1).lstrip("0")
        if not digits:
            return None  # "come back now": no period given, the back-off decides
        return cap if len(digits) > 9 else min(timedelta(seconds=int(digits)), cap)
    try:
        when = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    if when <= now:
        return None
    return min(when - now, cap)


def backoff_period(strikes: int, base: timedelta = DEFAULT_BACKOFF_BASE,
                   cap: timedelta = DEFAULT_PAUSE_MAX) -> timedelta:
    """The wait after the ``strikes``-th pause in a row without a usable ``Retry-After``:
    ``base`` doubled each time, at most ``cap``."""
    return min(base * (2 ** min(max(strikes, 1) - 1, 30)), cap)


def strikes_before(db: sqlite_utils.Database | sqlite3.Connection, site: str) -> int:
    """How many pauses in a row the site has had (0: its last crawl was not paused)."""
    row = db.execute("SELECT strikes FROM site_pauses WHERE site = ?", [site]).fetchone()
    return row[0] if row else 0


def record_pause(conn: sqlite3.Connection, pause: Pause) -> None:
    """Remember ``pause`` (replacing the site's last one)."""
    conn.execute(
        "INSERT INTO site_pauses (site, until, since, status, retry_after, url, strikes)"
        " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (site) DO UPDATE SET until = excluded.until,"
        " since = excluded.since, status = excluded.status, retry_after = excluded.retry_after,"
        " url = excluded.url, strikes = excluded.strikes",
        [pause.site, _iso(pause.until), _iso(pause.since), pause.status, pause.retry_after,
         pause.url, pause.strikes])


def end_pauses(conn: sqlite3.Connection, site: str) -> None:
    """A crawl of ``site`` went through without being asked to wait: its run of pauses ends."""
    conn.execute("DELETE FROM site_pauses WHERE site = ?", [site])


def paused_until(db: sqlite_utils.Database | sqlite3.Connection, site: str,
                 now: datetime) -> Pause | None:
    """The pause of ``site`` still running at ``now``, or None."""
    row = db.execute("SELECT until, since, status, retry_after, url, strikes FROM site_pauses"
                     " WHERE site = ?", [site]).fetchone()
    if row is None:
        return None
    until = parse_time(row[0])
    if until is None or until <= now:
        return None
    return Pause(site, until, parse_time(row[1]) or now, row[2], row[3], row[4] or "", row[5])


def paused_sites(db_path: str, site_ids: list[str], now: datetime) -> dict[str, Pause]:
    """The sites among ``site_ids`` paused at ``now``, each with its pause: what a crawl
    (``crawler.run``) and ``raqib run``'s crawl job ask before they start."""
    db = open_db(db_path)
    try:
        pauses = {site: paused_until(db, site, now) for site in site_ids}
    finally:
        db.close()
    return {site: pause for site, pause in pauses.items() if pause is not None}


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")
