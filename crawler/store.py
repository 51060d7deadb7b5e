"""The SQLite store: the schema's owner and the only thing the crawler and monitor share.

Tables
- ``articles``: one row per URL, the latest version's fields.
- ``versions``: one row per distinct normalised content of an article.
- ``crawl_runs``: one row per site per crawl.
- ``crawl_errors``: every error met while crawling (seed, fetch, parse, store).
- ``monitor_state``: key/value checkpoints kept by the monitor.
- ``alerts``: alerts raised by the monitor.
- ``fetch_state``: per-URL validators and fetch times for incremental crawling
  (see :mod:`crawler.fetchstate`).
- ``url_aliases``: the other URLs an article was seen under (a feed's tracked link, the URL
  before a redirect, the fetched URL when the page names another canonical one), each
  pointing at the one URL it is stored under (see :mod:`crawler.urls`).
- ``extraction_problems``: every page whose extraction came out empty or collapsed, needed the
  fallback or raised (see :mod:`crawler.pagestore`).
"""

from __future__ import annotations

import hashlib
import logging
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


LOCK_RETRIES = 5          # BEGIN IMMEDIATE attempts after the busy timeout gave up
LOCK_BACKOFF = 0.5        # seconds before the first retry; doubles each time, with jitter


@contextmanager
def transaction(db: sqlite_utils.Database | sqlite3.Connection, *,
                retries: int = LOCK_RETRIES, backoff: float = LOCK_BACKOFF) -> Iterator[sqlite3.Connection]:
    """The one write transaction of the store: ``BEGIN IMMEDIATE`` (retried with a doubling
    back-off when another writer holds the lock past the busy timeout), ``COMMIT`` when the
    block ends, ``ROLLBACK`` when it raises. A rollback that fails itself (SQLite already
    rolled back after a full disk or an I/O error) never hides the error that caused it.

        with transaction(db) as conn:
            conn.execute("INSERT ...")
    """
    conn = db.conn if isinstance(db, sqlite_utils.Database) else db
    delay = backoff
    for attempt in range(retries + 1):
        try:
            conn.execute("BEGIN IMMEDIATE")
            break
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc) or attempt == retries:
                raise
            logger.warning("store is locked by another writer; retrying in %.1f s", delay)
            time.sleep(delay * (1 + random.random() / 4))
            delay *= 2
    try:
        yield conn
    except BaseException:
        if conn.in_transaction:
            try:
                conn.execute("ROLLBACK")
            except sqlite3.Error as rollback_error:  # the original error is the one to report
                logger.debug("rollback failed after an error: %s", rollback_error)
        raise
    else:
        conn.execute("COMMIT")


def content_hash(title: str, body: str) -> str:
    """Hash of the normalised title and body: whitespace, diacritics, tatweel, letter forms and
    punctuation never change it."""
    text = normalized_words(title) + "\n" + normalized_words(body)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def open_db(path: str | Path) -> sqlite_utils.Database:
    """Open (creating when needed) the store at ``path`` in WAL mode with the schema in place."""
    path = Path(path)
    if path.parent and not path.parent.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), timeout=30, isolation_level=None)
    db = sqlite_utils.Database(conn)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA busy_timeout=30000")
    db.execute("PRAGMA foreign_keys=ON")
    ensure_schema(db)
    return db


def ensure_schema(db: sqlite_utils.Database) -> None:
    """Create every table and index the product uses; a no-op when they exist."""
    db.executescript(
        """
        CREATE TABLE IF NOT EXISTS articles (
            url TEXT PRIMARY KEY,
            site TEXT NOT NULL,
            title TEXT NOT NULL,
            body TEXT NOT NULL,
            published TEXT,
            author TEXT,
            first_seen TEXT NOT NULL,
            last_seen TEXT NOT NULL,
            content_hash TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS articles_site ON articles(site);
        CREATE TABLE IF NOT EXISTS versions (
            id INTEGER PRIMARY KEY,
            url TEXT NOT NULL REFERENCES articles(url),
            version INTEGER NOT NULL,
            title TEXT NOT NULL,
            body TEXT NOT NULL,
            published TEXT,
            author TEXT,
            content_hash TEXT NOT NULL,
            seen TEXT NOT NULL,
            run_id INTEGER REFERENCES crawl_runs(id),
            raw_html BLOB,
            content_type TEXT,
            UNIQUE (url, version)
        );
        CREATE TABLE IF NOT EXISTS crawl_runs (
            id INTEGER PRIMARY KEY,
            site TEXT NOT NULL,
            started TEXT NOT NULL,
            finished TEXT,
            pages INTEGER NOT NULL DEFAULT 0,
            new INTEGER NOT NULL DEFAULT 0,
            changed INTEGER NOT NULL DEFAULT 0,
            errors INTEGER NOT NULL DEFAULT 0,
            status TEXT NOT NULL DEFAULT 'running',
            not_modified INTEGER NOT NULL DEFAULT 0,
            requests INTEGER NOT NULL DEFAULT 0,
            bytes INTEGER NOT NULL DEFAULT 0,
            extracted INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX IF NOT EXISTS crawl_runs_site ON crawl_runs(site, started);
        CREATE TABLE IF NOT EXISTS crawl_errors (
            id INTEGER PRIMARY KEY,
            run_id INTEGER REFERENCES crawl_runs(id),
            site TEXT NOT NULL,
            url TEXT,
            stage TEXT NOT NULL,
            message TEXT NOT NULL,
            created TEXT NOT NULL
        );
        CREATE TABLE IF NOT EXISTS monitor_state (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        CREATE TABLE IF NOT EXISTS alerts (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,
            topic TEXT NOT NULL,
            url TEXT NOT NULL,
            site TEXT,
            title TEXT NOT NULL,
            version_id INTEGER REFERENCES versions(id),
            sources TEXT NOT NULL DEFAULT '[]',
            matched TEXT NOT NULL DEFAULT '[]',
            details TEXT NOT NULL DEFAULT '{}',
            created TEXT NOT NULL,
            delivered TEXT,
            UNIQUE (kind, topic, url, version_id)
        );
        CREATE INDEX IF NOT EXISTS alerts_created ON alerts(created);
        CREATE TABLE IF NOT EXISTS fetch_state (
            url TEXT PRIMARY KEY,
            site TEXT NOT NULL,
            kind TEXT NOT NULL,
            etag TEXT,
            last_modified TEXT,
            published TEXT,
            last_fetched TEXT,
            last_changed TEXT,
            status INTEGER
        );
        CREATE INDEX IF NOT EXISTS fetch_state_site ON fetch_state(site);
        CREATE TABLE IF NOT EXISTS url_aliases (
            alias TEXT PRIMARY KEY,
            url TEXT NOT NULL,
            site TEXT NOT NULL,
            first_seen TEXT NOT NULL,
            last_seen TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS url_aliases_url ON url_aliases(url);
        CREATE TABLE IF NOT EXISTS extraction_problems (
            id INTEGER PRIMARY KEY,
            site TEXT NOT NULL,
            url TEXT NOT NULL,
            status TEXT NOT NULL,
            reason TEXT NOT NULL DEFAULT '',
            container TEXT NOT NULL DEFAULT '',
            container_chars INTEGER NOT NULL DEFAULT 0,
            body_chars INTEGER NOT NULL DEFAULT 0,
            run_id INTEGER REFERENCES crawl_runs(id),
            created TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS extraction_problems_run ON extraction_problems(run_id);
        """
    )
    _add_missing_columns(db, "versions", {"raw_html": bytes, "content_type": str})
    _add_missing_columns(db, "crawl_runs", {"not_modified": int, "requests": int, "bytes": int,
                                            "extracted": int},
                         not_null_default=0)


def _add_missing_columns(db: sqlite_utils.Database, table: str, columns: dict[str, type],
                         not_null_default: object = None) -> None:
    """Bring a store made by an older raqib up to date: add the columns it lacks."""
    present = set(db[table].columns_dict)
    for name, kind in columns.items():
        if name not in present:
            db[table].add_column(name, kind, not_null_default=not_null_default)


def compress_page(raw: bytes | None) -> bytes | None:
    """The stored form of a fetched page (zlib; a news page shrinks about 5x)."""
    return zlib.compress(raw, 6) if raw else None


def decompress_page(stored: bytes | None) -> bytes | None:
    """The page as fetched, from its stored form."""
    return zlib.decompress(stored) if stored else None


def start_run(db: sqlite_utils.Database, site: str, started: str | None = None) -> int:
    """Record the start of a crawl of ``site``; returns the run id."""
    return db["crawl_runs"].insert({"site": site, "started": started or utcnow()}).last_pk


def finish_run(db: sqlite_utils.Database, run_id: int, status: str = "finished",
               finished: str | None = None) -> None:
    """Close a crawl run."""
    db["crawl_runs"].update(run_id, {"finished": finished or utcnow(), "status": status})


def count_in_run(db: sqlite_utils.Database, run_id: int, column: str) -> None:
    """Add one to a counter (pages, new, changed, errors, not_modified, extracted) of a run."""
    if column not in {"pages", "new", "changed", "errors", "not_modified", "extracted"}:
        raise ValueError(f"not a run counter: {column}")
    db.execute(f"UPDATE crawl_runs SET {column} = {column} + 1 WHERE id = ?", [run_id])


def record_error(db: sqlite_utils.Database, site: str, stage: str, message: str,
                 url: str | None = None, run_id: int | None = None) -> None:
    """Record an error met while crawling; counted in its run when there is one."""
    db["crawl_errors"].insert(
        {"run_id": run_id, "site": site, "url": url, "stage": stage,
         "message": message, "created": utcnow()}
    )
    if run_id is not None:
        count_in_run(db, run_id, "errors")


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
