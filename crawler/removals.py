"""Stored articles taken down, and back: the ``removals`` table (:mod:`crawler.schema`, step 8).

A stored article is *gone* from a check when it answers ``404 Not Found`` or ``410 Gone``, or
redirects to the site's home page or to a page that is not an article of the site (a section
or listing page): outlets take a story down either way. One such check proves nothing (a
deploy, a cache, a mistyped rule on the site's side); two consecutive ones at least
:data:`CONFIRM_AFTER` apart do:

- the first failed check opens a removal (``first_failed``; ``removed`` still empty: pending),
  keeping the id of the last version stored;
- a later failed check counts in ``checks``; the first that comes :data:`CONFIRM_AFTER` or more
  after ``first_failed`` marks the article ``removed`` (the time, the status, the reason) and
  appends a ``removed`` event;
- a check that finds the article again (a full answer that is the article, or ``304 Not
  Modified``) closes the removal: a pending one is forgotten (a transient failure, nothing to
  tell), a removed one is ``restored`` (the time, the version it came back with) with a
  ``restored`` event.

``removal_events`` is the order in which removals and restorations happened: the monitor reads
it from a checkpoint and tells the user about the tracked ones (``monitor.removals``); every
removal, tracked or not, stays listed in ``removals``. A failed check also moves the page's
``fetch_state`` (:func:`crawler.fetchstate.record_failed_check`), so a removed article is
checked again on its age tier's schedule, not on every crawl.
"""

from __future__ import annotations

import logging
import sqlite3
from datetime import timedelta
from typing import Literal

from crawler.fetchstate import parse_time

logger = logging.getLogger(__name__)

GONE_STATUSES = frozenset({404, 410})
# Two failed checks at least this far apart make a removal.
CONFIRM_AFTER = timedelta(hours=1)

GoneResult = Literal["pending", "removed", "still_removed"]
BackResult = Literal["transient", "restored"]


def record_gone(conn: sqlite3.Connection, url: str, site: str, status: int, reason: str,
                when: str) -> GoneResult:
    """A check at ``when`` found the stored article ``url`` gone (``status``: the HTTP status,
    ``reason`` in words); returns ``pending`` (not proven yet), ``removed`` (this check
    proves it) or ``still_removed``. Call inside the transaction of the check."""
    row = _open_removal(conn, url)
    if row is None:
        version = conn.execute("SELECT MAX(id) FROM versions WHERE url = ?", [url]).fetchone()
        conn.execute(
            "INSERT INTO removals (url, site, first_failed, last_failed, checks, status, reason,"
            " version_id) VALUES (?, ?, ?, ?, 1, ?, ?, ?)",
            [url, site, when, when, status, reason, version[0] if version else None])
        return "pending"
    removal_id, first_failed, removed = row
    conn.execute("UPDATE removals SET last_failed = ?, checks = checks + 1, status = ?,"
                 " reason = ? WHERE id = ?", [when, status, reason, removal_id])
    if removed is not None:
        return "still_removed"
    first, now = parse_time(first_failed), parse_time(when)
    if first is None or now is None or now - first < CONFIRM_AFTER:
        return "pending"
    conn.execute("UPDATE removals SET removed = ? WHERE id = ?", [when, removal_id])
    conn.execute("INSERT INTO removal_events (removal_id, kind, created) VALUES (?, 'removed', ?)",
                 [removal_id, when])
    logger.warning("%s: %s is removed (%s since %s)", site, url, reason, first_failed)
    return "removed"


def record_back(conn: sqlite3.Connection, url: str, when: str) -> BackResult | None:
    """A check at ``when`` found the stored article ``url`` answering again (its version
    stored already); returns ``transient`` (a pending removal forgotten), ``restored``, or
    None when it was not missing. Call inside the transaction of the check."""
    row = _open_removal(conn, url)
    if row is None:
        return None
    removal_id, _, removed = row
    if removed is None:
        conn.execute("DELETE FROM removals WHERE id = ?", [removal_id])
        return "transient"
    version = conn.execute("SELECT MAX(id) FROM versions WHERE url = ?", [url]).fetchone()
    conn.execute("UPDATE removals SET restored = ?, restored_version_id = ? WHERE id = ?",
                 [when, version[0] if version else None, removal_id])
    conn.execute("INSERT INTO removal_events (removal_id, kind, created)"
                 " VALUES (?, 'restored', ?)", [removal_id, when])
    logger.warning("%s is back (removed since %s)", url, removed)
    return "restored"


def _open_removal(conn: sqlite3.Connection, url: str) -> tuple | None:
    """The removal of ``url`` not closed yet (pending or removed): (id, first_failed, removed)."""
    return conn.execute(
        "SELECT id, first_failed, removed FROM removals WHERE url = ? AND restored IS NULL"
        " ORDER BY id DESC LIMIT 1", [url]).fetchone()
