"""The store's schema: every table raqib keeps, its version, and the steps that bring an older
store up to date in place.

The database carries its schema version in ``PRAGMA user_version`` (``sqlite3 raqib.db
'PRAGMA user_version'`` prints it). :func:`migrate` runs, in one write transaction, every
step between the store's version and :data:`SCHEMA_VERSION`; a new store is an old one at
version 0, so it is built by the same steps. A step only adds (tables, columns, indexes) or
moves data; nothing stored is dropped. A store newer than this raqib is refused, never
touched.

Version 0 is every store made before versions were kept, whichever of its tables it already
had (``tests/fixtures/store_v0.sql`` is the last such release's store).

Tables (version 1)
- ``articles``: one row per URL, the latest version's fields.
- ``versions``: one row per distinct normalised content of an article, with its page.
- ``crawl_runs``: one row per site per crawl; ``status`` running | finished | failed |
  interrupted (left running by a crawl that was killed) | timeout | paused (the site asked
  us to slow down, since version 9).
- ``crawl_errors``: every error met while crawling (seed, fetch, parse, store, ...).
- ``fetch_state``: per-URL validators and fetch times for incremental crawling
  (:mod:`crawler.fetchstate`).
- ``extract_furniture_pages``, ``extract_furniture_blocks``: paragraphs learned as a site's
  furniture (:mod:`crawler.extract.furniture`).
- ``monitor_state``: key/value checkpoints kept by the monitor.
- ``alerts``: alerts raised by the monitor.
- ``clusters``, ``cluster_members``: one story across sites (``monitor.cluster``).
- ``search_docs``, ``search_index`` (FTS5): the search index (``monitor.search``).
- ``digests``, ``digest_alerts``, ``deliveries``: the outbox (``monitor.outbox``).
- ``schedule_state``: when each job of ``raqib run`` last ran and runs next
  (``monitor.scheduler``).

Version 2
- ``extraction_problems``: every page whose extraction came out empty or collapsed, needed the
  fallback or raised (``crawler.pagestore``); ``crawl_runs.extracted``: pages extracted.

Version 3
- ``url_aliases``: the other URLs an article was seen under (a feed's tracked link, the URL
  before a redirect, the fetched URL when the page names another canonical one), each pointing
  at the one URL it is stored under (``crawler.urls``).

Version 4
- Every stored URL in canonical form (:mod:`crawler.canonical_store`): an article stored under
  a tracked or otherwise non-canonical URL moves to its canonical URL, the old one kept in
  ``url_aliases``; articles whose URLs share a canonical form are merged with every version
  kept.

Version 5
- Delivery errors recorded by an older raqib are scrubbed of whatever has a credential's shape
  (URL user-info, ``Bearer``/``Authorization`` values, SMTP ``AUTH`` arguments, credential-named
  query parameters; :func:`crawler.redact.scrub_recorded_errors`); the outbox scrubs them of
  each channel's configured secrets as well.

Version 6
- ``crawl_runs.refetch_due``, ``crawl_runs.refetch_deferred``: the stored articles due for a
  refetch in the run, and of them those its ``refetch_budget`` left for the next crawl
  (``crawler.fetchstate``); ``crawl_runs`` is how ``raqib status`` tells a crawl that
  outgrows its interval.

Version 7
- ``crawl_runs.unchanged``: stored articles the run found as stored (read again unchanged, or
  answered ``304 Not Modified``), counted with the row they touch; ``crawl_runs.listed``: the
  article links the run's feeds, sitemaps and listing pages yielded, fetched or not. Health
  (``monitor.health``) judges "found no articles" from them, not from clocks.

Version 8
- ``removals``: a stored article that stopped answering (404 or 410, or a redirect to the
  site's home or a section page): one row per episode, from its first failed check; marked
  ``removed`` by a second failed check at least an hour later, ``restored`` when it answers
  again, the last version kept (:mod:`crawler.removals`); ``removal_events``: each removal
  and restoration, in order, what the monitor raises ``removed`` and ``restored`` alerts from.

Version 9
- ``site_pauses``: a site that answered ``429``, or ``503`` with ``Retry-After``, is paused
  until the time it asked for (or an exponential back-off), at most ``RAQIB_PAUSE_MAX``; one
  row per paused site, with the answer and the pauses in a row (:mod:`crawler.pauses`).

Version 10
- ``fetch_state.listed_updated``: what the feed entry's ``updated`` or the sitemap's
  ``lastmod`` said of an article when it was last fetched; a due refetch is skipped while the
  listing still says the same (``crawler.fetchstate``).

To change the schema, append a step to :data:`MIGRATIONS` (never edit a released one) and
describe it here; ``tests/test_schema.py`` opens the version-0 fixture with every step. Every
step must also be safe on a store that already has what it adds (``IF NOT EXISTS``,
:func:`add_missing_columns`): a store copied out by ``raqib doctor --recover`` comes back at
version 0 with its tables.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from crawler.canonical_store import canonicalise_stored_urls
from crawler.redact import scrub_recorded_errors


class SchemaError(sqlite3.DatabaseError):
    """The store cannot be used by this raqib (made by a newer one)."""


# Version 1: the tables of the last release without versions, now created in one place. Every
# statement is IF NOT EXISTS: a version-0 store may hold any of them already.
_VERSION_1 = (
    """CREATE TABLE IF NOT EXISTS articles (
        url TEXT PRIMARY KEY,
        site TEXT NOT NULL,
        title TEXT NOT NULL,
        body TEXT NOT NULL,
        published TEXT,
        author TEXT,
        first_seen TEXT NOT NULL,
        last_seen TEXT NOT NULL,
        content_hash TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS articles_site ON articles(site)",
    """CREATE TABLE IF NOT EXISTS versions (
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
    )""",
    """CREATE TABLE IF NOT EXISTS crawl_runs (
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
        bytes INTEGER NOT NULL DEFAULT 0
    )""",
    "CREATE INDEX IF NOT EXISTS crawl_runs_site ON crawl_runs(site, started)",
    """CREATE TABLE IF NOT EXISTS crawl_errors (
        id INTEGER PRIMARY KEY,
        run_id INTEGER REFERENCES crawl_runs(id),
        site TEXT NOT NULL,
        url TEXT,
        stage TEXT NOT NULL,
        message TEXT NOT NULL,
        created TEXT NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS monitor_state (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS alerts (
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
    )""",
    "CREATE INDEX IF NOT EXISTS alerts_created ON alerts(created)",
    """CREATE TABLE IF NOT EXISTS fetch_state (
        url TEXT PRIMARY KEY,
        site TEXT NOT NULL,
        kind TEXT NOT NULL,
        etag TEXT,
        last_modified TEXT,
        published TEXT,
        last_fetched TEXT,
        last_changed TEXT,
        status INTEGER
    )""",
    "CREATE INDEX IF NOT EXISTS fetch_state_site ON fetch_state(site)",
    """CREATE TABLE IF NOT EXISTS extract_furniture_pages (
        site TEXT NOT NULL, url TEXT NOT NULL, PRIMARY KEY (site, url)
    )""",
    """CREATE TABLE IF NOT EXISTS extract_furniture_blocks (
        site TEXT NOT NULL, hash TEXT NOT NULL, pages INTEGER NOT NULL, text TEXT NOT NULL,
        PRIMARY KEY (site, hash)
    )""",
    """CREATE TABLE IF NOT EXISTS clusters (
        id INTEGER PRIMARY KEY,
        first_url TEXT NOT NULL,
        title TEXT NOT NULL,
        created TEXT NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS cluster_members (
        url TEXT PRIMARY KEY,
        cluster_id INTEGER NOT NULL REFERENCES clusters(id),
        site TEXT,
        similarity REAL,
        joined_via TEXT,
        seen TEXT NOT NULL,
        signature BLOB
    )""",
    "CREATE INDEX IF NOT EXISTS cluster_members_cluster ON cluster_members(cluster_id)",
    "CREATE INDEX IF NOT EXISTS cluster_members_seen ON cluster_members(seen)",
    """CREATE TABLE IF NOT EXISTS search_docs (
        id INTEGER PRIMARY KEY,
        url TEXT NOT NULL UNIQUE,
        version_id INTEGER NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS digests (
        id INTEGER PRIMARY KEY,
        created TEXT NOT NULL,
        alerts INTEGER NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS digest_alerts (
        alert_id INTEGER PRIMARY KEY REFERENCES alerts(id),
        digest_id INTEGER NOT NULL REFERENCES digests(id)
    )""",
    "CREATE INDEX IF NOT EXISTS digest_alerts_digest ON digest_alerts(digest_id)",
    """CREATE TABLE IF NOT EXISTS deliveries (
        id INTEGER PRIMARY KEY,
        digest_id INTEGER NOT NULL REFERENCES digests(id),
        channel TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'pending',
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt TEXT NOT NULL,
        claimed TEXT,
        sent TEXT,
        error TEXT,
        note TEXT,
        UNIQUE (digest_id, channel)
    )""",
    """CREATE TABLE IF NOT EXISTS schedule_state (
        job TEXT PRIMARY KEY,
        last_started TEXT,
        last_finished TEXT,
        last_status TEXT,
        last_summary TEXT,
        next_run TEXT
    )""",
)

# Columns that stores of still older releases lack (added to their tables by releases before
# versions were kept): table -> (column, its declaration).
_VERSION_1_COLUMNS = {
    "versions": (("raw_html", "BLOB"), ("content_type", "TEXT")),
    "crawl_runs": (("not_modified", "INTEGER NOT NULL DEFAULT 0"),
                   ("requests", "INTEGER NOT NULL DEFAULT 0"),
                   ("bytes", "INTEGER NOT NULL DEFAULT 0")),
}


# Version 2: extraction health (``crawler.pagestore``): every page whose extraction came out
# empty or collapsed, needed the fallback or raised; the pages extracted in each run.
_VERSION_2 = (
    """CREATE TABLE IF NOT EXISTS extraction_problems (
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
    )""",
    "CREATE INDEX IF NOT EXISTS extraction_problems_run ON extraction_problems(run_id)",
)


def _create_search_index(conn: sqlite3.Connection) -> None:
    """The FTS5 search index. A store copied out of a damaged one can hold the index's shadow
    tables without the index itself; the index is derived data (``monitor.search`` rebuilds
    it from ``versions``), so such leftovers are dropped and the index made anew."""
    if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'search_index'").fetchone():
        return
    leftovers = [row[0] for row in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'search\\_index\\_%'"
        " ESCAPE '\\'")]
    for name in leftovers:
        conn.execute(f'DROP TABLE "{name}"')
    if leftovers:
        conn.execute("DELETE FROM search_docs")
        conn.execute("DELETE FROM monitor_state WHERE key = 'search_checkpoint'")
    conn.execute("CREATE VIRTUAL TABLE search_index USING fts5(title, body, forms)")


# Version 3: the other URLs an article was seen under (``crawler.urls``).
_VERSION_3 = (
    """CREATE TABLE IF NOT EXISTS url_aliases (
        alias TEXT PRIMARY KEY,
        url TEXT NOT NULL,
        site TEXT NOT NULL,
        first_seen TEXT NOT NULL,
        last_seen TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS url_aliases_url ON url_aliases(url)",
)


# Version 8: stored articles taken down, and back (``crawler.removals``).
_VERSION_8 = (
    """CREATE TABLE IF NOT EXISTS removals (
        id INTEGER PRIMARY KEY,
        url TEXT NOT NULL,
        site TEXT NOT NULL,
        first_failed TEXT NOT NULL,
        last_failed TEXT NOT NULL,
        checks INTEGER NOT NULL DEFAULT 1,
        status INTEGER NOT NULL,
        reason TEXT NOT NULL,
        version_id INTEGER REFERENCES versions(id),
        removed TEXT,
        restored TEXT,
        restored_version_id INTEGER REFERENCES versions(id)
    )""",
    "CREATE INDEX IF NOT EXISTS removals_url ON removals(url)",
    "CREATE INDEX IF NOT EXISTS removals_site ON removals(site, removed)",
    """CREATE TABLE IF NOT EXISTS removal_events (
        id INTEGER PRIMARY KEY,
        removal_id INTEGER NOT NULL REFERENCES removals(id),
        kind TEXT NOT NULL,
        created TEXT NOT NULL
    )""",
)


# Version 9: sites that asked us to slow down (``crawler.pauses``).
_VERSION_9 = (
    """CREATE TABLE IF NOT EXISTS site_pauses (
        site TEXT PRIMARY KEY,
        until TEXT NOT NULL,
        since TEXT NOT NULL,
        status INTEGER NOT NULL,
        retry_after TEXT,
        url TEXT,
        strikes INTEGER NOT NULL DEFAULT 1
    )""",
)


@dataclass(frozen=True)
class Migration:
    """One step, applied inside the migration's transaction: its statements, then the columns
    it adds to tables that lack them, then anything more it must do."""

    version: int  # the version the store has after this step
    summary: str  # for the log
    statements: tuple[str, ...] = ()
    columns: Mapping[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)
    more: Callable[[sqlite3.Connection], None] | None = None

    def apply(self, conn: sqlite3.Connection) -> None:
        for statement in self.statements:
            conn.execute(statement)
        for table, columns in self.columns.items():
            add_missing_columns(conn, table, columns)
        if self.more is not None:
            self.more(conn)


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "every table in one schema, versioned", _VERSION_1, _VERSION_1_COLUMNS,
              _create_search_index),
    Migration(2, "extraction health: extraction_problems, crawl_runs.extracted", _VERSION_2,
              {"crawl_runs": (("extracted", "INTEGER NOT NULL DEFAULT 0"),)}),
    Migration(3, "url_aliases: the other URLs of an article", _VERSION_3),
    Migration(4, "stored URLs in canonical form, old ones kept as aliases",
              more=canonicalise_stored_urls),
    Migration(5, "delivery errors scrubbed of credentials", more=scrub_recorded_errors),
    Migration(6, "refetch tiers and budget: crawl_runs.refetch_due, refetch_deferred",
              columns={"crawl_runs": (("refetch_due", "INTEGER NOT NULL DEFAULT 0"),
                                      ("refetch_deferred", "INTEGER NOT NULL DEFAULT 0"))}),
    Migration(7, "honest health: crawl_runs.unchanged, crawl_runs.listed",
              columns={"crawl_runs": (("unchanged", "INTEGER NOT NULL DEFAULT 0"),
                                      ("listed", "INTEGER NOT NULL DEFAULT 0"))}),
    Migration(8, "removed and restored articles: removals, removal_events", _VERSION_8),
    Migration(9, "sites that asked us to slow down: site_pauses", _VERSION_9),
    Migration(10, "refetches the listing says are unchanged: fetch_state.listed_updated",
              columns={"fetch_state": (("listed_updated", "TEXT"),)}),
)
SCHEMA_VERSION = MIGRATIONS[-1].version


def add_missing_columns(conn: sqlite3.Connection, table: str,
                        columns: tuple[tuple[str, str], ...]) -> None:
    """Add to ``table`` the columns (name, declaration) it does not have yet."""
    present = {row[1] for row in conn.execute(f'PRAGMA table_info("{table}")')}
    for name, declaration in columns:
        if name not in present:
            conn.execute(f'ALTER TABLE "{table}" ADD COLUMN "{name}" {declaration}')


def schema_version(conn: sqlite3.Connection) -> int:
    """The store's schema version (0: made before versions were kept, or empty)."""
    return conn.execute("PRAGMA user_version").fetchone()[0]


def migrate(conn: sqlite3.Connection) -> list[Migration]:
    """Bring the store up to :data:`SCHEMA_VERSION` in one write transaction (nothing when it
    is there already); returns the steps applied. Two processes opening an old store at once
    are safe: the version is read again under the write lock, so the second applies nothing.

    Raises :class:`SchemaError` for a store made by a newer raqib."""
    if _check(schema_version(conn)) == SCHEMA_VERSION:
        return []
    from crawler.faults import reached
    from crawler.store import transaction

    with transaction(conn):
        current = _check(schema_version(conn))
        steps = [step for step in MIGRATIONS if step.version > current]
        for step in steps:
            step.apply(conn)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        reached("migrate.applied")
    return steps


def _check(version: int) -> int:
    if version > SCHEMA_VERSION:
        raise SchemaError(f"the store has schema version {version}, newer than this raqib's "
                          f"{SCHEMA_VERSION}: upgrade raqib to open it")
    return version
