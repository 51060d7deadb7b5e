"""The store's schema has one owner and a version: a new store is made at the current version,
and a store made by the release before versions were kept (``fixtures/store_v0.sql``) is
brought forward in place when it is opened, with nothing lost, and then works like a new one."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from types import SimpleNamespace

import pytest

from crawler.schema import MIGRATIONS, SCHEMA_VERSION, SchemaError
from crawler.store import open_db
from monitor.alerts import run_monitor
from demo.server import DEMO_TOPICS_PATH, DemoServer, demo_seed_toml
from monitor.outbox import build_digest
from monitor.search import search, sync_search_index
from monitor.topics import load_topics

V0_FIXTURE = Path(__file__).parent / "fixtures" / "store_v0.sql"


def store_from(sql: Path, path: Path) -> Path:
    conn = sqlite3.connect(path)
    conn.executescript(sql.read_text(encoding="utf-8"))
    conn.close()
    return path


def user_version(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("PRAGMA user_version").fetchone()[0]
    finally:
        conn.close()


def tables(path: Path) -> dict[str, list[dict]]:
    """Every table's rows (FTS5 tables by their visible columns), as dicts in rowid order."""
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    try:
        names = [row[0] for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'search_index_%'"
            " ORDER BY name")]
        return {name: [dict(row) for row in conn.execute(
            f'SELECT rowid AS _rowid, * FROM "{name}" ORDER BY rowid')] for name in names}
    finally:
        conn.close()


def columns(path: Path) -> dict[str, list[str]]:
    conn = sqlite3.connect(path)
    try:
        names = [row[0] for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'index')"
            " AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        return {name: sorted(row[1] for row in conn.execute(f'PRAGMA table_info("{name}")'))
                for name in names}
    finally:
        conn.close()


def test_a_new_store_is_made_at_the_current_version(tmp_path):
    open_db(tmp_path / "raqib.db").close()
    assert user_version(tmp_path / "raqib.db") == SCHEMA_VERSION == MIGRATIONS[-1].version


def test_every_table_is_made_by_opening_the_store(tmp_path):
    """No module creates a table of its own: opening the store makes all of them."""
    open_db(tmp_path / "raqib.db").close()
    made = set(columns(tmp_path / "raqib.db"))
    assert {"articles", "versions", "crawl_runs", "crawl_errors", "fetch_state",
            "extract_furniture_pages", "extract_furniture_blocks", "monitor_state", "alerts",
            "clusters", "cluster_members", "search_docs", "search_index", "digests",
            "digest_alerts", "deliveries", "schedule_state", "extraction_problems",
            "url_aliases"} <= made


def test_the_previous_release_store_is_migrated_in_place_with_nothing_lost(tmp_path):
    path = store_from(V0_FIXTURE, tmp_path / "raqib.db")
    assert user_version(path) == 0
    before = tables(path)
    assert all(before[name] for name in before), "the fixture has rows in every table"

    open_db(path).close()

    assert user_version(path) == SCHEMA_VERSION
    after = tables(path)
    for name, rows in before.items():
        kept = [{column: row[column] for column in old} for row, old in zip(after[name], rows)]
        assert kept == rows, f"{name} changed"
    fresh = tmp_path / "fresh.db"
    open_db(fresh).close()
    assert columns(path) == columns(fresh), "the migrated store has the new store's schema"


TRACKED = "?utm_source=rss&utm_medium=feed"


def store_with_tracked_urls(path: Path) -> tuple[str, str]:
    """The previous release's store with two articles as a release before canonical URLs
    could leave them: one stored (with its versions, alerts, cluster, search row, fetch state
    and learned page) under a feed's tracked link, and one story stored twice, under its
    clean URL and again under a tracked one with a fragment, each with its own version, alert,
    cluster membership, search row and fetch state. Returns the two stories' canonical URLs."""
    store_from(V0_FIXTURE, path)
    conn = sqlite3.connect(path)
    renamed = next(u for (u,) in conn.execute("SELECT url FROM articles") if u.endswith("18012.html"))
    twice = next(u for (u,) in conn.execute("SELECT url FROM articles") if u.endswith("18006.html"))
    for table, column in (("articles", "url"), ("versions", "url"), ("alerts", "url"),
                          ("cluster_members", "url"), ("search_docs", "url"),
                          ("fetch_state", "url"), ("extract_furniture_pages", "url"),
                          ("clusters", "first_url")):
        conn.execute(f"UPDATE {table} SET {column} = ? WHERE {column} = ?", [renamed + TRACKED, renamed])
    copy = twice + "?traffic_source=rss#comments"
    conn.execute("INSERT INTO articles SELECT ?, site, title, body || ' (تحديث)', published, author,"
                 " first_seen, '2026-12-03T15:00:00+00:00', 'copy-hash' FROM articles WHERE url = ?",
                 [copy, twice])
    version = conn.execute(
        "INSERT INTO versions (url, version, title, body, published, author, content_hash, seen,"
        " run_id, raw_html, content_type) SELECT ?, 1, title, body || ' (تحديث)', published,"
        " author, 'copy-hash', '2026-12-03T15:00:00+00:00', run_id, raw_html, content_type"
        " FROM versions WHERE url = ?", [copy, twice]).lastrowid
    conn.execute("INSERT INTO alerts (kind, topic, url, site, title, version_id, created)"
                 " SELECT 'update', topic, ?, site, title, ?, '2026-12-03T15:00:01+00:00'"
                 " FROM alerts WHERE url = ?", [copy, version, twice])
    conn.execute("INSERT INTO cluster_members (url, cluster_id, site, seen) SELECT ?, cluster_id,"
                 " site, '2026-12-03T15:00:00+00:00' FROM cluster_members WHERE url = ?", [copy, twice])
    conn.execute("INSERT INTO search_docs (url, version_id) VALUES (?, ?)", [copy, version])
    conn.execute("INSERT INTO fetch_state (url, site, kind, etag, last_fetched, status)"
                 " VALUES (?, 'demo', 'article', '\"copy\"', '2026-12-03T15:00:00+00:00', 200)", [copy])
    conn.commit()
    conn.close()
    return renamed, twice


def test_stored_urls_are_made_canonical_with_old_ones_kept_and_nothing_lost(tmp_path):
    path = tmp_path / "raqib.db"
    renamed, twice = store_with_tracked_urls(path)
    before = tables(path)

    open_db(path).close()

    after = tables(path)
    articles = {row["url"]: row for row in after["articles"]}
    assert set(articles) == {row["url"] for row in before["articles"]
                             if "?" not in row["url"]} | {renamed}
    aliases = {row["alias"]: row["url"] for row in after["url_aliases"]}
    assert aliases == {renamed + TRACKED: renamed, twice + "?traffic_source=rss#comments": twice}
    # every version, alert and page kept, each under the canonical URL
    assert len(after["versions"]) == len(before["versions"])
    assert len(after["alerts"]) == len(before["alerts"])
    assert sorted(v["raw_html"] for v in after["versions"]) == sorted(v["raw_html"] for v in before["versions"])
    assert {a["url"] for a in after["alerts"]} <= set(articles)
    assert {v["url"] for v in after["versions"]} == set(articles)
    # the story stored twice is one article: both versions in the order seen, the later one's text
    merged = [(v["version"], v["content_hash"]) for v in after["versions"] if v["url"] == twice]
    assert merged[-1] == (2, "copy-hash") and [n for n, _ in merged] == [1, 2]
    assert articles[twice]["content_hash"] == "copy-hash"
    assert articles[twice]["last_seen"] == "2026-12-03T15:00:00+00:00"
    assert [m["url"] for m in after["cluster_members"]].count(twice) == 1
    assert [d["url"] for d in after["search_docs"]].count(twice) == 1
    (state,) = [f for f in after["fetch_state"] if f["url"] == twice]
    assert state["etag"] is None  # fetched in full next time
    assert len(after["fetch_state"]) == len(before["fetch_state"]) - 1
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        conn.close()


def test_a_migrated_store_is_opened_again_without_any_step(tmp_path):
    path = store_from(V0_FIXTURE, tmp_path / "raqib.db")
    open_db(path).close()
    with open(path, "rb") as stored:
        first = stored.read()
    open_db(path).close()
    with open(path, "rb") as stored:
        assert stored.read() == first


def test_a_store_from_a_newer_raqib_is_refused_untouched(tmp_path):
    path = tmp_path / "raqib.db"
    open_db(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(SchemaError, match="newer than this raqib"):
        open_db(path)
    assert user_version(path) == SCHEMA_VERSION + 1


def test_the_migrated_store_crawls_monitors_searches_and_digests(world):
    """After the migration the old store works as a new one: a crawl of the demo site over
    HTTP adds its stories next to the old ones, the monitor raises alerts only for the new
    ones, search finds old and new, and a digest holds only alerts not in the old digest."""
    store_from(V0_FIXTURE, world.db_path)
    old = tables(world.db_path)
    topics = load_topics(DEMO_TOPICS_PATH)

    db = world.db()
    try:
        assert run_monitor(db, topics) == []  # everything stored was monitored by v0
    finally:
        db.close()

    with DemoServer(edition=1) as server:
        base_url = server.base_url + "/"  # with its slash: port 3375 is not port 33753
        world.add_seed("demo", demo_seed_toml(server.base_url))
        outcome = world.crawl("demo")
    assert outcome.returncode == 0, outcome.messages
    (run,) = outcome.runs
    assert run.status == "finished" and run.new == 18 and run.run_id > len(old["crawl_runs"])

    db = world.db()
    try:
        raised = run_monitor(db, topics)
        assert raised and all(alert.url.startswith(base_url) for alert in raised)
        assert {a["url"] for a in old["articles"]} < {a["url"] for a in db["articles"].rows}
        sync_search_index(db)
        hits = {hit.url for hit in search(db, "معرض بغداد الدولي للكتاب")}
        assert any(url.endswith("18004.html") and not url.startswith(base_url) for url in hits), hits
        assert any(url.endswith("18004.html") and url.startswith(base_url) for url in hits), hits
        digest = build_digest(db, [SimpleNamespace(name="file")])
        in_digest = {row[0] for row in db.execute(
            "SELECT alert_id FROM digest_alerts WHERE digest_id = ?", [digest])}
        assert in_digest == {alert.id for alert in raised}
    finally:
        db.close()
