"""New and changed stories × topics -> alerts, raised from a checkpoint.

``run_monitor`` reads the versions stored since its checkpoint (``monitor_state`` key
``versions_checkpoint``: the highest ``versions.id`` already looked at), in id order:

- version 1 of an article that matches a topic raises a ``new`` alert;
- a later version raises an ``update`` alert for each topic that it matches or that the
  version before it matched (a tracked story edited so that it no longer matches is worth
  knowing too); ``details`` holds ``from_version``, ``to_version``, ``matches_now`` and the
  sentence-level ``diff`` per field (see ``monitor.history``), and for a version that no
  longer matches, why: ``lost_terms`` (the topic's terms, as written, that the version before
  had and this one lacks) and ``excluded_terms`` (its ``none`` terms this one holds).

One story on many sites is one alert: each batch's articles are clustered
(``monitor.cluster``) and an alert's ``sources`` are the urls of its cluster; a ``new`` alert
for a story whose cluster already has a ``new`` alert for the topic adds its url to that
alert's ``sources`` instead of raising another.

Clusters, alerts and the new checkpoint are written in one transaction, and ``INSERT OR
IGNORE`` on UNIQUE(kind, topic, url, version_id) makes a rerun — or two monitors racing — raise
nothing twice; a crash before the commit leaves the checkpoint where it was, so nothing is
lost. After the versions, the tracked stories taken down or back since the last run raise
``removed`` and ``restored`` alerts (``monitor.removals``; a version a story came back with
raises its ``restored`` alert, with the diff, not an ``update``); then each site's latest crawl is checked (``monitor.health``: ``health``
alerts) and the search index is brought up to date (``monitor.search``).
"""

from __future__ import annotations

import json
import logging
from typing import Any, Iterator

import sqlite_utils

from crawler.faults import reached
from crawler.store import transaction, utcnow

from monitor.checkpoints import advance_checkpoint
from monitor.checkpoints import read_checkpoint as read_stage_checkpoint
from monitor.cluster import StoryClusters, merge_into_story_alert
from monitor.health import check_health
from monitor.history import diff_versions
from monitor.records import Alert
from monitor.removals import raise_removal_alerts
from monitor.search import sync_search_index
from monitor.topics import Topic, TopicMatch, TopicMatcher

logger = logging.getLogger(__name__)

CHECKPOINT_KEY = "versions_checkpoint"
BATCH_SIZE = 500
KINDS = ("new", "update", "removed", "restored", "health")


def run_monitor(db: sqlite_utils.Database, topics: list[Topic],
                now: str | None = None) -> list[Alert]:
    """Match every version stored since the checkpoint against ``topics``, then check each
    site's health; returns the alerts newly raised (none on a rerun)."""
    matcher = TopicMatcher(topics)
    clusters = StoryClusters(db)
    created = now or utcnow()
    raised: list[Alert] = []
    for batch in _batches_after(db, read_checkpoint(db)):
        candidates = [alert for version in batch for alert in _alerts_for(db, matcher, version,
                                                                          created)]
        raised.extend(_commit(db, candidates, checkpoint=batch[-1]["id"], batch=batch,
                              clusters=clusters))
        reached("monitor.committed")
    raised.extend(raise_removal_alerts(db, matcher, created))
    raised.extend(check_health(db, now=created))
    sync_search_index(db)
    if raised:
        logger.info("raised %d alert(s)", len(raised))
    return raised


def read_checkpoint(db: sqlite_utils.Database) -> int:
    """The id of the last version the monitor has looked at (0 before the first run)."""
    return read_stage_checkpoint(db, CHECKPOINT_KEY)


def list_alerts(db: sqlite_utils.Database, since: str | None = None) -> list[Alert]:
    """Every alert raised (created at or after ``since``, an ISO UTC string), oldest first."""
    return query_alerts(db, since=since)


def query_alerts(db: sqlite_utils.Database, *, since: str | None = None,
                 pending: bool = False) -> list[Alert]:
    """Alerts created at or after ``since``; only undelivered ones when ``pending``."""
    where, params = [], []
    if since:
        where.append("a.created >= ?")
        params.append(since)
    if pending:
        where.append("a.delivered IS NULL")
    sql = (
        "SELECT a.id, a.kind, a.topic, a.url, a.site, a.title, a.sources, a.matched, a.details,"
        " a.created, a.delivered, a.version_id, v.published"
        " FROM alerts a LEFT JOIN versions v"
        " ON v.id = COALESCE(a.version_id, json_extract(a.details, '$.version_id'))"
        + (" WHERE " + " AND ".join(where) if where else "")
        + " ORDER BY a.created, a.id"
    )
    alerts = []
    for row in db.execute(sql, params).fetchall():
        (id_, kind, topic, url, site, title, sources, matched, details, created, delivered,
         version_id, published) = row
        alerts.append(Alert(
            id=id_, kind=kind, topic=topic, url=url, site=site, title=title,
            sources=json.loads(sources or "[]"), matched=json.loads(matched or "[]"),
            details=json.loads(details or "{}"), created=created, delivered=delivered,
            version_id=version_id, published=published,
        ))
    return alerts


_VERSION_COLUMNS = ("id", "url", "version", "title", "body", "published", "author", "site")


def _batches_after(db: sqlite_utils.Database, checkpoint: int) -> Iterator[list[dict]]:
    while True:
        rows = db.execute(
            "SELECT v.id, v.url, v.version, v.title, v.body, v.published, v.author, a.site"
            " FROM versions v LEFT JOIN articles a ON a.url = v.url"
            " WHERE v.id > ? ORDER BY v.id LIMIT ?", [checkpoint, BATCH_SIZE]
        ).fetchall()
        if not rows:
            return
        batch = [dict(zip(_VERSION_COLUMNS, row)) for row in rows]
        yield batch
        checkpoint = batch[-1]["id"]


def _alerts_for(db: sqlite_utils.Database, matcher: TopicMatcher, version: dict,
                created: str) -> list[Alert]:
    matches = {m.topic: m for m in _match(matcher, version)}
    if version["version"] > 1 and db.execute(  # by url: the removals_url index, not a scan
            "SELECT 1 FROM removals WHERE url = ? AND restored_version_id = ?",
            [version["url"], version["id"]]).fetchone():
        return []  # the version a removed story came back with: its restored alert tells it
    if version["version"] == 1:
        return [_alert("new", match, version, created) for match in matches.values()]

    previous_row = db.execute(
        "SELECT title, body, published, author FROM versions WHERE url = ? AND version < ?"
        " ORDER BY version DESC LIMIT 1", [version["url"], version["version"]]
    ).fetchone()
    if previous_row is None:  # earlier versions missing: treat as a first sighting
        return [_alert("new", match, version, created) for match in matches.values()]
    previous = dict(zip(("title", "body", "published", "author"), previous_row))
    previous_matches = {m.topic: m for m in _match(matcher, {**version, **previous})}

    diff = diff_versions(previous, version)
    alerts = []
    for topic in [t.name for t in matcher.topics]:
        if topic not in matches and topic not in previous_matches:
            continue
        match = matches.get(topic) or previous_matches[topic]
        details = {
            "from_version": version["version"] - 1,
            "to_version": version["version"],
            "matches_now": topic in matches,
            "diff": diff,
        }
        if topic not in matches:
            details.update(_why_no_longer(matcher, previous_matches[topic], version))
        alerts.append(_alert("update", match, version, created, details))
    return alerts


def _why_no_longer(matcher: TopicMatcher, previous: TopicMatch, version: dict) -> dict:
    """Why a version left a topic its previous version matched, in the topic's terms as
    written: ``lost_terms`` those the previous version had and this one lacks (the reason it
    no longer matches: «no longer mentions العراق»), ``excluded_terms`` the topic's ``none``
    terms it now holds."""
    mismatch = matcher.mismatch(previous.topic, title=version["title"], body=version["body"],
                                site=version["site"])
    had = {term.term for term in previous.terms}
    return {"lost_terms": [term for term in mismatch.missing if term in had],
            "excluded_terms": list(mismatch.excluded)}


def _match(matcher: TopicMatcher, version: dict) -> list[TopicMatch]:
    return matcher.match(title=version["title"], body=version["body"], site=version["site"])


def _alert(kind: str, match: TopicMatch, version: dict, created: str,
           details: dict | None = None) -> Alert:
    return Alert(
        id=None, kind=kind, topic=match.topic, url=version["url"], site=version["site"],
        title=version["title"], sources=[version["url"]],
        matched=[term.to_json() for term in match.terms], details=details or {},
        created=created, version_id=version["id"], published=version["published"],
    )


def _commit(db: sqlite_utils.Database, candidates: list[Alert], checkpoint: int,
            batch: list[dict] | None = None, clusters: StoryClusters | None = None) -> list[Alert]:
    """Cluster the batch's articles, insert the alerts (or add their url to their story's
    alert) and move the checkpoint, in one transaction; returns the alerts inserted."""
    inserted: list[Alert] = []
    with transaction(db) as conn:
        sources = clusters.assign(conn, batch) if clusters is not None and batch else {}
        for alert in candidates:
            alert.sources = sources.get(alert.url, alert.sources)
            if merge_into_story_alert(conn, alert):
                continue
            cursor = conn.execute(
                "INSERT OR IGNORE INTO alerts (kind, topic, url, site, title, version_id,"
                " sources, matched, details, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [alert.kind, alert.topic, alert.url, alert.site, alert.title, alert.version_id,
                 _dumps(alert.sources), _dumps(alert.matched), _dumps(alert.details),
                 alert.created],
            )
            if cursor.rowcount == 1:
                alert.id = cursor.lastrowid
                inserted.append(alert)
        reached("monitor.alerts")
        # Never move the checkpoint backwards (another monitor may have gone further).
        advance_checkpoint(conn, CHECKPOINT_KEY, checkpoint)
    return inserted


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)
