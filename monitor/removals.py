"""Tracked stories taken down, and back: ``removed`` and ``restored`` alerts.

The crawler records every stored article that stopped answering (:mod:`crawler.removals`:
two failed checks at least an hour apart make a removal, a check that finds it again a
restoration) and appends each to ``removal_events``. :func:`raise_removal_alerts` reads those
events from its checkpoint (``monitor_state`` key ``removals_checkpoint``) and raises, for a
*tracked* article — one that raised an alert for a topic, or whose last version matches a
topic now — one alert per topic:

- ``removed``: the last stored title, its first lines (``details["first_lines"]``), how long it
  was online (``online_since`` … ``last_seen``, ``online_seconds``), the status and reason of
  the failed checks, the last version kept;
- ``restored``: the title it came back with, how long it was gone, and the diff between the
  last version before the removal and the one it came back with (``details["diff"]``, empty
  when it came back as it was).

An untracked removal raises nothing: it stays listed in ``removals`` (``raqib status``,
Datasette's ``removed_stories``). The alerts and the checkpoint are written in one transaction,
and an alert already raised for the same removal, kind and topic is not raised again, so a
rerun or two racing monitors tell nothing twice.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import TYPE_CHECKING

from crawler.fetchstate import parse_time
from crawler.store import transaction

from monitor.checkpoints import advance_checkpoint, read_checkpoint
from monitor.diff import diff_versions
from monitor.records import Alert

if TYPE_CHECKING:
    import sqlite_utils

    from monitor.topics import TopicMatcher

logger = logging.getLogger(__name__)

CHECKPOINT_KEY = "removals_checkpoint"
REMOVAL_KINDS = ("removed", "restored")
FIRST_LINES_CHARS = 300
# Kinds of alert that make an article tracked for their topic.
_TRACKING_KINDS = ("new", "update", "removed", "restored")


def raise_removal_alerts(db: sqlite_utils.Database, matcher: TopicMatcher,
                         created: str) -> list[Alert]:
    """``removed`` and ``restored`` alerts for the tracked articles among the removal events
    since the checkpoint; returns the alerts raised (none on a rerun)."""
    raised: list[Alert] = []
    with transaction(db) as conn:
        checkpoint = read_checkpoint(conn, CHECKPOINT_KEY)
        events = conn.execute(
            "SELECT e.id, e.kind, e.created, r.id, r.url, r.site, r.first_failed, r.removed,"
            " r.restored, r.status, r.reason, r.version_id, r.restored_version_id, r.checks"
            " FROM removal_events e JOIN removals r ON r.id = e.removal_id"
            " WHERE e.id > ? ORDER BY e.id", [checkpoint]).fetchall()
        if not events:
            return []
        for event in events:
            for alert in _alerts_for(conn, matcher, event, created):
                if _raised_already(conn, alert):
                    continue
                cursor = conn.execute(
                    "INSERT INTO alerts (kind, topic, url, site, title, version_id, sources,"
                    " matched, details, created) VALUES (?, ?, ?, ?, ?, NULL, ?, ?, ?, ?)",
                    [alert.kind, alert.topic, alert.url, alert.site, alert.title,
                     _dumps(alert.sources), _dumps(alert.matched), _dumps(alert.details),
                     alert.created])
                alert.id = cursor.lastrowid
                raised.append(alert)
        advance_checkpoint(conn, CHECKPOINT_KEY, events[-1][0])
    return raised


def tracked_topics(conn, url: str) -> list[str]:
    """The topics ``url`` raised an alert for (its own, or as a source of its story's)."""
    rows = conn.execute(
        "SELECT DISTINCT a.topic FROM alerts a WHERE a.kind IN (%s) AND a.topic != ''"
        " AND (a.url = ? OR EXISTS (SELECT 1 FROM json_each(a.sources) s WHERE s.value = ?))"
        " ORDER BY a.id" % ", ".join("?" for _ in _TRACKING_KINDS),
        [*_TRACKING_KINDS, url, url]).fetchall()
    return [row[0] for row in rows]


def _alerts_for(conn, matcher: TopicMatcher, event: tuple, created: str) -> list[Alert]:
    (_, kind, _, removal_id, url, site, first_failed, removed, restored, status, reason,
     version_id, restored_version_id, checks) = event
    last = _version(conn, version_id) or _latest_version(conn, url)
    if last is None:
        return []
    article = conn.execute("SELECT first_seen, last_seen, published FROM articles WHERE url = ?",
                           [url]).fetchone()
    first_seen, last_seen, published = article if article else (None, None, None)
    current = _version(conn, restored_version_id) if kind == "restored" else None
    current = current or last
    matches = {m.topic: m for m in matcher.match(title=last["title"], body=last["body"],
                                                 site=site)}
    if current is not last:
        matches.update({m.topic: m for m in matcher.match(title=current["title"],
                                                          body=current["body"], site=site)
                        if m.topic not in matches})
    topics = list(dict.fromkeys([*tracked_topics(conn, url), *matches]))
    if not topics:
        return []
    if kind == "removed":
        since = _earliest(published, first_seen)
        details = {
            "removal_id": removal_id, "status": status, "reason": reason, "checks": checks,
            "first_failed": first_failed, "removed": removed, "version": last["version"],
            "version_id": last["id"], "online_since": since, "last_seen": last_seen,
            "online_seconds": _seconds(since, last_seen),
            "first_lines": first_lines(last["body"]),
        }
        title = last["title"]
    else:
        diff = diff_versions(last, current) if current["id"] != last["id"] else {}
        details = {
            "removal_id": removal_id, "status": status, "reason": reason, "removed": removed,
            "restored": restored, "offline_seconds": _seconds(first_failed, restored),
            "from_version": last["version"], "to_version": current["version"],
            "version_id": current["id"], "changed": current["id"] != last["id"], "diff": diff,
            "first_lines": first_lines(current["body"]),
        }
        title = current["title"]
    alerts = []
    for topic in topics:
        match = matches.get(topic)
        alerts.append(Alert(
            id=None, kind=kind, topic=topic, url=url, site=site, title=title, sources=[url],
            matched=[term.to_json() for term in match.terms] if match else [],
            details={**details, "matches_now": topic in matches}, created=created,
            published=current["published"]))
    return alerts


def first_lines(body: str, limit: int = FIRST_LINES_CHARS) -> str:
    """The start of a body: its first paragraphs, up to ``limit`` characters (cut at a word)."""
    text = " ".join(line.strip() for line in body.splitlines() if line.strip())
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[:cut if cut > limit // 2 else limit].rstrip() + " …"


def describe_span(seconds: float | None) -> str:
    """``3 days 4 hours``, ``2 hours 5 minutes``, ``40 minutes`` ("" when unknown)."""
    if seconds is None or seconds < 0:
        return ""
    minutes = int(seconds // 60)
    days, rest = divmod(minutes, 1440)
    hours, minutes = divmod(rest, 60)
    parts = [(days, "day"), (hours, "hour")] if days else [(hours, "hour"), (minutes, "minute")]
    words = [f"{n} {unit}{'s' if n != 1 else ''}" for n, unit in parts if n]
    return " ".join(words) or "less than a minute"


def _raised_already(conn, alert: Alert) -> bool:
    return conn.execute(
        "SELECT 1 FROM alerts WHERE kind = ? AND topic = ? AND url = ?"
        " AND json_extract(details, '$.removal_id') = ?",
        [alert.kind, alert.topic, alert.url, alert.details["removal_id"]]).fetchone() is not None


def _version(conn, version_id: int | None) -> dict | None:
    if version_id is None:
        return None
    row = conn.execute("SELECT id, version, title, body, published, author FROM versions"
                       " WHERE id = ?", [version_id]).fetchone()
    return dict(zip(("id", "version", "title", "body", "published", "author"), row)) if row else None


def _latest_version(conn, url: str) -> dict | None:
    row = conn.execute("SELECT MAX(id) FROM versions WHERE url = ?", [url]).fetchone()
    return _version(conn, row[0] if row else None)


def _earliest(*times: str | None) -> str | None:
    known = [(parse_time(t), t) for t in times if parse_time(t) is not None]
    return min(known)[1] if known else None


def _seconds(start: str | None, end: str | None) -> float | None:
    a, b = parse_time(start), parse_time(end)
    return (b - a).total_seconds() if isinstance(a, datetime) and isinstance(b, datetime) else None


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False)
