"""The SQLite store: opening it, its one write-transaction helper, and how the crawler writes
articles, versions, runs and errors into it. The tables themselves, their version and their
migrations are :mod:`crawler.schema`'s."""

from __future__ import annotations

import hashlib
import logging
import os
import random
import sqlite3
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Literal

import sqlite_utils

from crawler.extract.arabic import normalized_words
from crawler.faults import reached
from crawler.schema import migrate

logger = logging.getLogger(__name__)

SaveResult = Literal["new", "changed", "same"]


def utcnow() -> str:
    """Now, as the ISO-8601 UTC string the store uses for every timestamp."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass
class StoredArticle:
    """What the pipeline hands to the store: one cleaned article."""

    url: str
    site: str
    title: str
    body: str
    published: str | None = None
    author: str | None = None
    fetched: str = field(default_factory=utcnow)
    raw_html: bytes | None = None  # the page as fetched; kept compressed with each version
    content_type: str | None = None


BUSY_TIMEOUT = 30.0       # seconds a statement waits for another writer's lock
LOCK_RETRIES = 5          # BEGIN IMMEDIATE attempts after the busy timeout gave up
LOCK_BACKOFF = 0.5        # seconds before the first retry; doubles each time, with jitter


@contextmanager
def transaction(db: sqlite_utils.Database | sqlite3.Connection, *,
                retries: int | None = None,
                backoff: float = LOCK_BACKOFF) -> Iterator[sqlite3.Connection]:
    """The one write transaction of the store: ``BEGIN IMMEDIATE`` (retried ``retries`` times,
    default :func:`lock_retries`, with a doubling back-off when another writer holds the lock
    past the busy timeout), ``COMMIT`` when the block ends, ``ROLLBACK`` when it or the
    ``COMMIT`` raises. A rollback that fails itself (SQLite already rolled back after a full
    disk or an I/O error) never hides the error that caused it.

        with transaction(db) as conn:
            conn.execute("INSERT ...")

    A block that decides to write nothing simply returns: committing an empty transaction
    writes nothing. A block run inside another transaction joins it: it is committed or rolled
    back with the outer one (so a function that writes in a transaction of its own, such as
    :func:`record_error`, can also be part of a larger one).
    """
    conn = db.conn if isinstance(db, sqlite_utils.Database) else db
    if conn.in_transaction:
        yield conn
        return
    attempts = (lock_retries() if retries is None else retries) + 1
    delay = backoff
    for attempt in range(attempts):
        try:
            conn.execute("BEGIN IMMEDIATE")
            break
        except sqlite3.OperationalError as exc:
            if not _is_lock_error(exc) or attempt == attempts - 1:
                raise
            logger.warning("store is locked by another writer; retrying in %.1f s", delay)
            reached("store.locked")
            time.sleep(delay * (1 + random.random() / 4))
            delay *= 2
    try:
        yield conn
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            try:
                conn.execute("ROLLBACK")
            except sqlite3.Error as rollback_error:  # the original error is the one to report
                logger.debug("rollback failed after an error: %s", rollback_error)
        raise


def _is_lock_error(exc: sqlite3.OperationalError) -> bool:
    text = str(exc)
    return "locked" in text or "busy" in text


def content_hash(title: str, body: str) -> str:
    """Hash of the normalised title and body: whitespace, diacritics, tatweel, letter forms and
    punctuation never change it."""
    text = normalized_words(title) + "\n" + normalized_words(body)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def busy_timeout() -> float:
    """Seconds a statement waits for another writer's lock before it fails (then the
    transaction helper retries): ``RAQIB_BUSY_TIMEOUT`` in the environment, default 30."""
    return _float_from_env("RAQIB_BUSY_TIMEOUT", BUSY_TIMEOUT)


def lock_retries() -> int:
    """How often :func:`transaction` retries ``BEGIN IMMEDIATE`` after the busy timeout gave up:
    ``RAQIB_LOCK_RETRIES`` in the environment, default :data:`LOCK_RETRIES`."""
    return int(_float_from_env("RAQIB_LOCK_RETRIES", LOCK_RETRIES))


def _float_from_env(name: str, default: float) -> float:
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{name} must be a number of seconds or retries, not {text!r}") from None
    if value < 0:
        raise ValueError(f"{name} must not be negative, not {text!r}")
    return value


def open_db(path: str | Path) -> sqlite_utils.Database:
    """Open (creating when needed) the store at ``path`` in WAL mode, its schema brought up to
    date (:func:`crawler.schema.migrate`)."""
    path = Path(path)
    if path.parent and not path.parent.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
    timeout = busy_timeout()
    conn = sqlite3.connect(str(path), timeout=timeout, isolation_level=None)
    try:
        conn.execute(f"PRAGMA busy_timeout={int(timeout * 1000)}")
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA foreign_keys=ON")
        for step in migrate(conn):
            logger.info("%s: schema version %d: %s", path, step.version, step.summary)
    except BaseException:
        conn.close()
        raise
    return sqlite_utils.Database(conn)


def compress_page(raw: bytes | None) -> bytes | None:
    """The stored form of a fetched page (zlib; a news page shrinks about 5x)."""
    return zlib.compress(raw, 6) if raw else None


def decompress_page(stored: bytes | None) -> bytes | None:
    """The page as fetched, from its stored form."""
    return zlib.decompress(stored) if stored else None


def start_run(db: sqlite_utils.Database, site: str, started: str | None = None) -> int:
    """Record the start of a crawl of ``site``; returns the run id. Runs of the site still
    ``running`` (their crawl was killed before it could close them) are closed first as
    ``interrupted``; a crawl that was in fact still going sets its own status when it ends."""
    now = started or utcnow()
    with transaction(db) as conn:
        conn.execute("UPDATE crawl_runs SET status = 'interrupted', finished = ?"
                     " WHERE site = ? AND status = 'running'", [now, site])
        return conn.execute("INSERT INTO crawl_runs (site, started) VALUES (?, ?)",
                            [site, now]).lastrowid


def finish_run(db: sqlite_utils.Database, run_id: int, status: str = "finished",
               finished: str | None = None) -> None:
    """Close a crawl run."""
    db["crawl_runs"].update(run_id, {"finished": finished or utcnow(), "status": status})


def close_run(db: sqlite_utils.Database, run_id: int, *, pages: int = 0, not_modified: int = 0,
              requests: int = 0, bytes_received: int = 0, unrecorded_errors: int = 0,
              refetch_due: int = 0, refetch_deferred: int = 0, listed: int = 0,
              paused: bool = False) -> dict:
    """Close a crawl run with the counts of its answers (Scrapy's stats: pages fetched, of
    them ``304 Not Modified``, requests sent, bytes received, stored articles due for a
    refetch and of them deferred by the budget, article links its discovery pages yielded);
    returns its row. The run
    ``failed`` when it fetched nothing but errors, when a page could not be stored (a
    ``store`` error), or when errors could not even be recorded (``unrecorded_errors``); else
    ``paused`` when the site asked us to slow down (:mod:`crawler.pauses`)."""
    with transaction(db) as conn:
        conn.execute("UPDATE crawl_runs SET pages = ?, not_modified = ?, requests = ?, bytes = ?,"
                     " refetch_due = ?, refetch_deferred = ?, listed = ? WHERE id = ?",
                     [pages, not_modified, requests, bytes_received, refetch_due,
                      refetch_deferred, listed, run_id])
        (pages, errors), = conn.execute("SELECT pages, errors FROM crawl_runs WHERE id = ?",
                                        [run_id]).fetchall()
        (store_errors,) = conn.execute("SELECT COUNT(*) FROM crawl_errors WHERE run_id = ?"
                                       " AND stage = 'store'", [run_id]).fetchone()
        failed = store_errors > 0 or unrecorded_errors > 0 or (
            pages == 0 and errors > 0 and not paused)
        finish_run(db, run_id, status="failed" if failed else "paused" if paused
                   else "finished")
    return db["crawl_runs"].get(run_id)


def count_in_run(db: sqlite_utils.Database | sqlite3.Connection, run_id: int,
                 column: str) -> None:
    """Add one to a counter of a run that counts rows (new, changed, errors, extracted, and
    unchanged: a stored article found as stored), in the transaction that writes the row; the
    counts of answers come from Scrapy's stats (:func:`close_run`)."""
    if column not in {"new", "changed", "errors", "extracted", "unchanged"}:
        raise ValueError(f"not a run counter: {column}")
    db.execute(f"UPDATE crawl_runs SET {column} = {column} + 1 WHERE id = ?", [run_id])


def record_error(db: sqlite_utils.Database, site: str, stage: str, message: str,
                 url: str | None = None, run_id: int | None = None) -> None:
    """Record an error met while crawling; counted in its run when there is one."""
    with transaction(db) as conn:
        conn.execute(
            "INSERT INTO crawl_errors (run_id, site, url, stage, message, created)"
            " VALUES (?, ?, ?, ?, ?, ?)", [run_id, site, url, stage, message, utcnow()])
        if run_id is not None:
            count_in_run(conn, run_id, "errors")


def mark_seen(db: sqlite_utils.Database, url: str, seen: str) -> None:
    """A fetch found an article as stored without reading it again (the site answered
    ``304 Not Modified``): only ``last_seen`` moves, as when the same content is fetched."""
    db.execute("UPDATE articles SET last_seen = ? WHERE url = ?", [seen, url])


def save_article(db: sqlite_utils.Database, article: StoredArticle,
                 run_id: int | None = None, seen: bool = True) -> SaveResult:
    """Store one fetched article in a transaction of its own (see :func:`write_article`)."""
    with transaction(db) as conn:
        return write_article(conn, article, run_id=run_id, seen=seen)


def write_article(conn: sqlite3.Connection, article: StoredArticle,
                  run_id: int | None = None, seen: bool = True) -> SaveResult:
    """Write one fetched article inside the caller's transaction. A new version is written
    only when the normalised title or body differs from the latest stored version; otherwise
    only ``last_seen`` moves (and not even that with ``seen=False``, for re-extraction of a
    stored page)."""
    digest = content_hash(article.title, article.body)
    row = conn.execute(
        "SELECT content_hash FROM articles WHERE url = ?", [article.url]
    ).fetchone()
    if row is not None and row[0] == digest:
        if seen:
            conn.execute("UPDATE articles SET last_seen = ? WHERE url = ?",
                         [article.fetched, article.url])
        return "same"
    fields = [article.site, article.title, article.body, article.published,
              article.author, article.fetched, digest]
    if row is None:
        conn.execute(
            "INSERT INTO articles (site, title, body, published, author, last_seen,"
            " content_hash, first_seen, url) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            fields + [article.fetched, article.url],
        )
        result: SaveResult = "new"
    else:
        conn.execute(
            "UPDATE articles SET site = ?, title = ?, body = ?, published = ?,"
            " author = ?, last_seen = ?, content_hash = ? WHERE url = ?",
            fields + [article.url],
        )
        result = "changed"
    (latest,) = conn.execute(
        "SELECT COALESCE(MAX(version), 0) FROM versions WHERE url = ?", [article.url]
    ).fetchone()
    conn.execute(
        "INSERT INTO versions (url, version, title, body, published, author,"
        " content_hash, seen, run_id, raw_html, content_type)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [article.url, latest + 1, article.title, article.body, article.published,
         article.author, digest, article.fetched, run_id,
         compress_page(article.raw_html), article.content_type],
    )
    return result


def record_aliases(db: sqlite_utils.Database, url: str, site: str, aliases: tuple[str, ...],
                   seen: str) -> None:
    """Remember the other URLs the article stored under ``url`` was seen under at ``seen``."""
    if not aliases:
        return
    with transaction(db) as conn:
        conn.executemany(
            "INSERT INTO url_aliases (alias, url, site, first_seen, last_seen)"
            " VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (alias) DO UPDATE SET url = excluded.url, last_seen = excluded.last_seen",
            [(alias, url, site, seen, seen) for alias in aliases if alias != url],
        )


def load_aliases(db: sqlite_utils.Database, site: str) -> dict[str, str]:
    """Every other URL a stored article of ``site`` was seen under, to the URL it is stored
    under."""
    return dict(db.execute("SELECT alias, url FROM url_aliases WHERE site = ?", [site]).fetchall())
