"""The digest outbox: every digest built once, delivered once per channel, nothing lost.

Tables (created here; the crawler never needs them)
- ``digests``: one row per digest built (``created`` is also its "generated" time).
- ``digest_alerts``: which digest each alert went into; ``alert_id`` is the primary key, so
  an alert can be in one digest only.
- ``deliveries``: one row per digest and channel: ``pending`` → ``sending`` → ``sent``, or
  ``failed`` with its ``error``, ``attempts`` and ``next_attempt`` (backoff doubling from
  ``[digest] retry`` up to ``retry_max``).

How it keeps its promises
- Building a digest is one transaction: pick the alerts in no digest yet, insert the digest,
  assign the alerts and create a delivery per channel. A crash before the commit builds
  nothing; after it, the digest exists and is delivered later. Nothing is lost.
- A delivery is *claimed* (``pending``/``failed`` → ``sending``, a compare-and-set) before it
  is sent and marked ``sent`` right after, so two processes never send it both. A crash in
  between leaves it ``sending``; after ``CLAIM_LEASE`` it is sent again (rather lost than
  twice? no: rather twice than lost, and the email's Message-ID and the webhook's
  Idempotency-Key are the same on that resend, so receivers can drop it).
- When every delivery of a digest is sent its alerts get ``alerts.delivered``: ``raqib
  digest`` (the preview) shows the alerts not delivered yet.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone, tzinfo
from typing import TYPE_CHECKING, Iterable, Mapping

import sqlite_utils

from crawler.faults import reached
from crawler.redact import scrub_recorded_errors
from crawler.store import transaction

from monitor.alerts import query_alerts
from monitor.digest import with_sources
from monitor.notify import Channel, DigestMessage, failure_reason

if TYPE_CHECKING:
    from monitor.records import DigestSettings

logger = logging.getLogger(__name__)

CLAIM_LEASE = timedelta(minutes=15)

def iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


@dataclass
class Attempt:
    """One delivery tried: which digest, which channel, and how it went."""

    digest_id: int
    channel: str
    ok: bool
    message: str

    def line(self) -> str:
        return f"digest {self.digest_id} → {self.channel}: " + (
            self.message if self.ok else f"FAILED: {self.message}")


@dataclass
class SendReport:
    """What one ``send_digests`` did."""

    built: int | None  # the id of the digest built now, if any
    attempts: list[Attempt]

    @property
    def failed(self) -> list[Attempt]:
        return [a for a in self.attempts if not a.ok]


def build_digest(db: sqlite_utils.Database, channels: Iterable[Channel],
                 now: datetime | None = None) -> int | None:
    """Put every alert not yet in a digest into a new digest, with a delivery per channel,
    in one transaction; the digest's id, or None when there is nothing new."""
    created = iso(now or datetime.now(timezone.utc))
    with transaction(db) as conn:
        ids = [row[0] for row in conn.execute(
            "SELECT id FROM alerts WHERE delivered IS NULL"
            " AND id NOT IN (SELECT alert_id FROM digest_alerts) ORDER BY created, id")]
        if not ids:
            return None
        digest_id = conn.execute("INSERT INTO digests (created, alerts) VALUES (?, ?)",
                                 [created, len(ids)]).lastrowid
        conn.executemany("INSERT INTO digest_alerts (alert_id, digest_id) VALUES (?, ?)",
                         [(alert_id, digest_id) for alert_id in ids])
        conn.executemany(
            "INSERT INTO deliveries (digest_id, channel, next_attempt) VALUES (?, ?, ?)",
            [(digest_id, channel.name, created) for channel in channels])
    logger.info("built digest %d of %d alert(s)", digest_id, len(ids))
    return digest_id


def send_digests(db: sqlite_utils.Database, channels: list[Channel], settings: DigestSettings,
                 now: datetime | None = None, *, build: bool = True,
                 force: bool = False, tz: tzinfo | None = None,
                 names: Mapping[str, str] | None = None) -> SendReport:
    """Build a digest of the alerts not yet in one (when ``build``), then deliver every due
    delivery through its channel: new ones, and failed ones whose backoff has passed (all of
    them when ``force``). Errors recorded before (by an older raqib, which may have let a
    secret through) are first scrubbed of each channel's configured secrets; a channel with
    none has nothing to scrub, since credential shapes were masked once by schema step 5 and
    are masked in every error recorded since (:func:`monitor.notify.failure_reason`). ``tz``:
    the reader's time zone, that digests show times in; ``names``: site id -> the name its
    seed gives, that digests show sites by."""
    now = now or datetime.now(timezone.utc)
    for channel in channels:
        secrets = channel.secrets()
        if secrets:
            with transaction(db) as conn:
                scrub_recorded_errors(conn, secrets, channel=channel.name)
    built = build_digest(db, channels, now) if build else None
    if built is not None:
        reached("digest.built")
    by_name = {channel.name: channel for channel in channels}
    attempts = []
    for row in _due(db, now, force):
        channel = by_name.get(row["channel"])
        if channel is None:
            continue  # a channel no longer in the config: left for `raqib status` to show
        if not _claim(db, row["id"], row["status"], now):
            continue  # another process took it
        reached("digest.claimed")
        attempts.append(_deliver(db, row, channel, settings, now, tz, names))
    return SendReport(built, attempts)


def _due(db: sqlite_utils.Database, now: datetime, force: bool) -> list[dict]:
    stale = iso(now - CLAIM_LEASE)
    sql = ("SELECT id, digest_id, channel, status, attempts FROM deliveries"
           " WHERE (status IN ('pending', 'failed')"
           + ("" if force else " AND next_attempt <= :now")
           + ") OR (status = 'sending' AND claimed <= :stale) ORDER BY digest_id, id")
    return [dict(row) for row in db.query(sql, {"now": iso(now), "stale": stale})]


def _claim(db: sqlite_utils.Database, delivery_id: int, status: str, now: datetime) -> bool:
    cursor = db.conn.execute(
        "UPDATE deliveries SET status = 'sending', claimed = ? WHERE id = ? AND status = ?",
        [iso(now), delivery_id, status])
    return cursor.rowcount == 1


def _deliver(db: sqlite_utils.Database, row: dict, channel: Channel,
             settings: DigestSettings, now: datetime, tz: tzinfo | None = None,
             names: Mapping[str, str] | None = None) -> Attempt:
    message = replace(load_message(db, row["digest_id"], settings), delivery=row["id"],
                      channel=channel.name, tz=tz, names=names)
    try:
        note = channel.send(message)
        reached("digest.delivered")
    except Exception as exc:  # any failure is recorded and retried, never a crash of the run
        reason = failure_reason(exc, channel.secrets())
        attempts = row["attempts"] + 1
        wait = min(settings.retry * 2 ** (attempts - 1), settings.retry_max)
        db.conn.execute(
            "UPDATE deliveries SET status = 'failed', attempts = ?, error = ?, next_attempt = ?"
            " WHERE id = ?", [attempts, reason, iso(now + wait), row["id"]])
        logger.warning("digest %d → %s failed (attempt %d, next in %s): %s", row["digest_id"],
                       channel.name, attempts, wait, reason)
        return Attempt(row["digest_id"], channel.name, False, reason)
    sent = iso(datetime.now(timezone.utc))
    with transaction(db) as conn:
        conn.execute("UPDATE deliveries SET status = 'sent', sent = ?, attempts = attempts + 1,"
                     " error = NULL, note = ? WHERE id = ?", [sent, note, row["id"]])
        (unsent,) = conn.execute("SELECT COUNT(*) FROM deliveries WHERE digest_id = ?"
                                 " AND status != 'sent'", [row["digest_id"]]).fetchone()
        if unsent == 0:
            conn.execute("UPDATE alerts SET delivered = ? WHERE delivered IS NULL AND id IN"
                         " (SELECT alert_id FROM digest_alerts WHERE digest_id = ?)",
                         [sent, row["digest_id"]])
    logger.info("digest %d → %s: %s", row["digest_id"], channel.name, note)
    return Attempt(row["digest_id"], channel.name, True, note)


def load_message(db: sqlite_utils.Database, digest_id: int,
                 settings: DigestSettings) -> DigestMessage:
    """Digest ``digest_id`` as it was built: its alerts and its time."""
    (created,) = db.execute("SELECT created FROM digests WHERE id = ?", [digest_id]).fetchone()
    ids = {row[0] for row in db.execute(
        "SELECT alert_id FROM digest_alerts WHERE digest_id = ?", [digest_id])}
    (oldest,) = db.execute("SELECT MIN(created) FROM alerts WHERE id IN (SELECT alert_id FROM"
                           " digest_alerts WHERE digest_id = ?)", [digest_id]).fetchone()
    alerts = with_sources(db, [a for a in query_alerts(db, since=oldest) if a.id in ids])
    return DigestMessage(id=digest_id, generated=created, alerts=alerts,
                         subject=settings.subject)


@dataclass
class OutboxState:
    """What is waiting: alerts in no digest yet, and deliveries not sent."""

    unbuilt_alerts: int
    undelivered: list[dict]


def outbox_state(db: sqlite_utils.Database) -> OutboxState:
    (unbuilt,) = db.execute(
        "SELECT COUNT(*) FROM alerts WHERE delivered IS NULL"
        " AND id NOT IN (SELECT alert_id FROM digest_alerts)").fetchone()
    rows = [dict(row) for row in db.query(
        "SELECT d.digest_id, g.alerts, g.created, d.channel, d.status, d.attempts, d.error,"
        " d.next_attempt FROM deliveries d JOIN digests g ON g.id = d.digest_id"
        " WHERE d.status != 'sent' ORDER BY d.digest_id, d.id")]
    return OutboxState(unbuilt, rows)
