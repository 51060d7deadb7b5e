"""``raqib serve``: Datasette on the store, bound to 127.0.0.1, with every table and column
described and canned queries for the questions people ask of it: the latest alerts, edited
stories with their diffs, the sites' health, the crawl history and an Arabic-aware search.

Datasette is an optional extra (``pip install 'raqib[serve]'``). The SQL functions the
queries use (``raqib_fts_query``, ``raqib_snippet``, ``raqib_diff``, ``arabic_normalize``) come
from the plugin in ``monitor/datasette_plugins``.

The ``search`` query reads the FTS5 index of :mod:`monitor.search` (``search_index``, one row per
article, through ``search_docs``): its query goes through ``raqib_fts_query``, which is
:func:`monitor.search.parse_query` — the normalisation and term forms ``raqib search`` uses —
and its rows are ranked by bm25 with the same column weights. :func:`serve` brings the index up
to date before Datasette starts; the monitor keeps it so after each run.
"""

from __future__ import annotations

import importlib.util
import json
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from monitor.search import WEIGHTS as SEARCH_WEIGHTS

PLUGINS_DIR = Path(__file__).resolve().parent / "datasette_plugins"
DEFAULT_PORT = 8001

TABLES: dict[str, tuple[str, dict[str, str]]] = {
    "articles": ("One row per article URL, holding its latest version.", {
        "url": "The article's address (the key)",
        "site": "The site id (its seed file's name)",
        "title": "Title of the latest version",
        "body": "Cleaned text of the latest version: paragraphs, no page furniture",
        "published": "Publication time found on the page (ISO-8601)",
        "author": "Author found on the page",
        "first_seen": "When raqib first stored it (UTC)",
        "last_seen": "When a crawl last saw it (UTC)",
        "content_hash": "Hash of the normalised title and body; a new version only when it changes",
    }),
    "versions": ("Every distinct version of every article, oldest first.", {
        "url": "The article (articles.url)",
        "version": "1 for the first version seen, then 2, 3, …",
        "title": "Title of this version",
        "body": "Cleaned text of this version",
        "seen": "When this version was fetched (UTC)",
        "run_id": "The crawl run that found it (crawl_runs.id)",
        "raw_html": "The page as fetched, zlib-compressed",
        "content_hash": "Hash of the normalised title and body",
    }),
    "crawl_runs": ("One row per site per crawl.", {
        "site": "The site id", "started": "Start (UTC)", "finished": "End (UTC)",
        "pages": "Pages fetched", "new": "New articles stored",
        "changed": "Articles that got a new version", "errors": "Errors recorded",
        "status": "running | finished | failed | interrupted | timeout | paused (the site "
                  "asked us to slow down)",
    }),
    "crawl_errors": ("Every error met while crawling: seed, fetch, parse, store, schedule.", {
        "stage": "Where it happened", "message": "What went wrong", "url": "The page, if any",
        "run_id": "The crawl run (crawl_runs.id)",
    }),
    "alerts": ("Alerts: a new or edited story that touches a tracked topic.", {
        "kind": "new | update | removed | restored | health", "topic": "The topic's name",
        "matched": "JSON: the terms found, with the words as written on the page",
        "details": ("JSON, for updates: from_version, to_version, matches_now, diff; for one"
                    " that left its topic, lost_terms and excluded_terms"),
        "sources": "JSON: URLs of the same story on other sites",
        "created": "When the monitor raised it (UTC)",
        "delivered": "When the digest holding it was sent through every channel (UTC)",
        "version_id": "The version that raised it (versions.id)",
    }),
    "monitor_state": ("Checkpoints of the monitor (versions_checkpoint: last version looked at).",
                      {}),
    "digests": ("The outbox: every digest built, each once.", {
        "created": "When it was built; also its 'generated' time",
        "alerts": "How many alerts it holds",
    }),
    "digest_alerts": ("Which digest each alert went into (an alert is in one digest only).", {}),
    "deliveries": ("The outbox: one row per digest and channel.", {
        "channel": "The channel's name in raqib.toml",
        "status": "pending | sending | sent | failed",
        "attempts": "Tries so far", "next_attempt": "Earliest retry (UTC), backoff doubling",
        "error": "Why the last try failed (secrets removed)", "note": "Where it went",
    }),
    "removals": ("Stored articles taken down: one row per time (crawler.removals).", {
        "url": "The article (articles.url)", "site": "The site id",
        "first_failed": "The first check that found it gone (UTC)",
        "last_failed": "The latest such check (UTC)", "checks": "Failed checks in a row",
        "status": "HTTP status of the last failed check (404, 410, or the redirect's)",
        "reason": "Why it counts as gone: the status, or where it redirects",
        "version_id": "The last version stored before (versions.id)",
        "removed": "When a second failed check, an hour or more after the first, made it "
                   "removed (UTC); empty: one failed check so far",
        "restored": "When it answered again (UTC)",
        "restored_version_id": "The version it came back with (versions.id)",
    }),
    "removal_events": ("Each removal and restoration, in order: what the monitor raises "
                       "removed and restored alerts from.", {"kind": "removed | restored"}),
    "site_pauses": ("Sites that asked us to slow down (429, or 503 with Retry-After): no "
                    "request before `until` (crawler.pauses).", {
        "until": "No request before this (UTC)", "since": "When the site asked (UTC)",
        "status": "The HTTP status it answered", "retry_after": "Its Retry-After, when usable",
        "url": "The page that answered so", "strikes": "Pauses in a row (the back-off doubles)",
    }),
    "schedule_state": ("What `raqib run` last did per job, kept across restarts.", {
        "job": "crawl:<site>, digest", "next_run": "When it runs next (UTC)",
    }),
}

QUERIES: dict[str, dict[str, str]] = {
    "latest_alerts": {
        "title": "Latest alerts",
        "description": "The 100 most recent alerts, newest first.",
        "sql": "SELECT created, kind, topic, title, url, site, delivered\n"
               "FROM alerts ORDER BY created DESC, id DESC LIMIT 100",
    },
    "edited_stories": {
        "title": "Edited stories with their diffs",
        "description": "Versions after the first, with the sentences removed (-) and added (+).",
        "sql": "SELECT v.seen, a.site, v.url, v.version, v.title,\n"
               "  raqib_diff(p.title, v.title) AS title_diff,\n"
               "  raqib_diff(p.body, v.body) AS body_diff\n"
               "FROM versions v\n"
               "JOIN versions p ON p.url = v.url AND p.version = v.version - 1\n"
               "LEFT JOIN articles a ON a.url = v.url\n"
               "ORDER BY v.seen DESC, v.id DESC LIMIT 100",
    },
    "sites_health": {
        "title": "Sites' health",
        "description": "Per site: the last crawl and the errors of the last day.",
        "sql": "SELECT r.site, r.started AS last_crawl, r.status, r.pages, r.new, r.changed,\n"
               "  r.errors,\n"
               "  (SELECT COUNT(*) FROM crawl_errors e WHERE e.site = r.site\n"
               "     AND e.created >= datetime('now', '-1 day')) AS errors_24h,\n"
               "  (SELECT message FROM crawl_errors e WHERE e.site = r.site\n"
               "     ORDER BY e.id DESC LIMIT 1) AS last_error,\n"
               "  (SELECT COUNT(*) FROM articles x WHERE x.site = r.site) AS articles\n"
               "FROM crawl_runs r\n"
               "WHERE r.id = (SELECT MAX(id) FROM crawl_runs WHERE site = r.site)\n"
               "ORDER BY r.site",
    },
    "crawl_history": {
        "title": "Crawl history",
        "description": "Every crawl run, newest first (give a site id, or leave it empty).",
        "sql": "SELECT id, site, started, finished, status, pages, new, changed, errors\n"
               "FROM crawl_runs WHERE :site = '' OR site = :site\n"
               "ORDER BY id DESC LIMIT 500",
    },
    "search": {
        "title": "Search articles (Arabic-aware)",
        "description": "Words as you would write them: diacritics, hamza forms, tatweel, ta "
                       "marbuta and attached و ف ب ل ك ال do not matter; every word must "
                       "occur; \"quoted phrases\" as written. Best matches first (bm25, the "
                       "title weighing most), as `raqib search` ranks them.",
        "sql": "SELECT a.url, a.site, a.title, a.published,\n"
               "  raqib_snippet(a.body, a.title, :q) AS snippet,\n"
               f"  -bm25(search_index, {', '.join(map(str, SEARCH_WEIGHTS))}) AS score\n"
               "FROM search_index\n"
               "JOIN search_docs d ON d.id = search_index.rowid\n"
               "JOIN articles a ON a.url = d.url\n"
               "WHERE search_index MATCH raqib_fts_query(:q)\n"
               "ORDER BY score DESC LIMIT 100",
    },
    "removed_stories": {
        "title": "Removed stories, per site",
        "description": "Stored articles taken down and not back (404/410, or redirected to "
                       "the home or a section page on two checks an hour apart), the latest "
                       "first; give a site id, or leave it empty. tracked: it raised an alert.",
        "sql": "SELECT r.removed, r.site, r.url, COALESCE(v.title, a.title) AS last_title,\n"
               "  r.reason, r.first_failed, a.first_seen, a.last_seen,\n"
               "  EXISTS (SELECT 1 FROM alerts x WHERE x.url = r.url AND x.topic != '')"
               " AS tracked\n"
               "FROM removals r LEFT JOIN articles a ON a.url = r.url\n"
               "LEFT JOIN versions v ON v.id = r.version_id\n"
               "WHERE r.removed IS NOT NULL AND r.restored IS NULL\n"
               "  AND (:site = '' OR r.site = :site)\n"
               "ORDER BY r.removed DESC, r.id DESC LIMIT 500",
    },
    "removed_stories_by_topic": {
        "title": "Removed and restored stories, per topic",
        "description": "The removed and restored alerts of tracked stories, the latest "
                       "first; give a topic, or leave it empty.",
        "sql": "SELECT created, kind, topic, site, title, url,\n"
               "  json_extract(details, '$.reason') AS reason,\n"
               "  json_extract(details, '$.removed') AS removed,\n"
               "  json_extract(details, '$.restored') AS restored\n"
               "FROM alerts WHERE kind IN ('removed', 'restored')\n"
               "  AND (:topic = '' OR topic = :topic)\n"
               "ORDER BY created DESC, id DESC LIMIT 500",
    },
    "outbox": {
        "title": "Digest deliveries",
        "description": "Every digest and how each channel's delivery went.",
        "sql": "SELECT d.id AS digest, d.created, d.alerts, x.channel, x.status, x.attempts,\n"
               "  x.sent, x.error, x.next_attempt\n"
               "FROM digests d JOIN deliveries x ON x.digest_id = d.id\n"
               "ORDER BY d.id DESC, x.channel",
    },
}


def datasette_metadata(db_path: str | Path, allowed_hosts: list[str] | None = None,
                       password_env: str | None = None) -> dict:
    """Datasette metadata for the store at ``db_path``: descriptions and canned queries, and
    the plugin's guard (the hosts it answers for, the variable holding its password)."""
    name = Path(db_path).stem
    plugin = {"allowed_hosts": allowed_hosts or ["127.0.0.1", "localhost"]}
    if password_env:
        plugin["password_env"] = password_env
    return {
        "title": "رقيب raqib",
        "plugins": {"raqib": plugin},
        "description": "Every version of every article raqib crawled, its alerts and digests.",
        "databases": {name: {
            "tables": {table: {"description": description, "columns": columns}
                       for table, (description, columns) in TABLES.items()},
            "queries": QUERIES,
        }},
    }


def datasette_available() -> bool:
    return importlib.util.find_spec("datasette") is not None


def serve_command(db_path: str | Path, metadata_file: Path, port: int = DEFAULT_PORT,
                  host: str = "127.0.0.1") -> list[str]:
    return [sys.executable, "-m", "datasette", "serve", str(db_path), "--host", host,
            "--port", str(port), "--metadata", str(metadata_file),
            "--plugins-dir", str(PLUGINS_DIR), "--setting", "sql_time_limit_ms", "5000"]


def sync_search(db_path: str | Path) -> None:
    """Bring the store's search index up to date (creating it when missing), so the ``search``
    query finds every stored article."""
    from crawler.store import open_db
    from monitor.search import sync_search_index

    store = open_db(db_path)
    try:
        sync_search_index(store)
    finally:
        store.close()


def serve(db_path: str | Path, port: int = DEFAULT_PORT, host: str = "127.0.0.1",
          password_env: str | None = None) -> int:
    """Run Datasette on ``db_path`` on ``host`` until interrupted; its exit code. It answers
    only requests whose Host header names 127.0.0.1, localhost or ``host``; with
    ``password_env``, only those with that variable's password (HTTP basic auth)."""
    sync_search(db_path)
    allowed = ["127.0.0.1", "localhost"] + ([host] if host not in ("127.0.0.1", "localhost")
                                            else [])
    with tempfile.TemporaryDirectory(prefix="raqib-serve-") as tmp:
        metadata_file = Path(tmp) / "metadata.json"
        metadata_file.write_text(json.dumps(datasette_metadata(db_path, allowed, password_env),
                                            ensure_ascii=False), encoding="utf-8")
        child = subprocess.Popen(serve_command(db_path, metadata_file, port, host))

        def stop(signum, frame) -> None:
            child.terminate()

        previous = signal.signal(signal.SIGTERM, stop)
        try:
            return child.wait()
        except KeyboardInterrupt:  # Ctrl-C reached Datasette too; let it finish
            return child.wait()
        finally:
            signal.signal(signal.SIGTERM, previous)
