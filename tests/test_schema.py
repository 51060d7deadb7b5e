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
from monitor.demo.server import DEMO_TOPICS_PATH, DemoServer, demo_seed_toml
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
        assert any(url.endswith("18004.html") and not url.startswith(base_url) for url in hits)
        assert any(url.endswith("18004.html") and url.startswith(base_url) for url in hits)
        digest = build_digest(db, [SimpleNamespace(name="file")])
        in_digest = {row[0] for row in db.execute(
            "SELECT alert_id FROM digest_alerts WHERE digest_id = ?", [digest])}
        assert in_digest == {alert.id for alert in raised}
    finally:
        db.close()
