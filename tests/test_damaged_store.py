"""A damaged or foreign store: one clear line and a non-zero exit from every command, the file
left as it was; `raqib doctor` says what is damaged and copies out what is readable; `raqib
backup` takes a consistent copy while a crawl writes to the store.

Every store here is a real SQLite file, filled the way raqib fills it and then damaged on
purpose, the ways disks, copies and people damage files.
"""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from crawl_helpers import CrawlWorld, free_port
from crawler.faults import Pause
from monitor.alerts import run_monitor
from monitor.cli import main
from demo.server import DEMO_TOPICS_PATH, DemoServer, demo_seed_toml
from monitor.topics import Topic
from monitor_helpers import new_db, save

PAGE = 4096
ARTICLES = 300


def raqib(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def healthy(tmp_path_factory) -> Path:
    """A store of 300 articles with alerts, closed cleanly (no WAL left beside it)."""
    root = tmp_path_factory.mktemp("healthy")
    db = new_db(root)
    for n in range(ARTICLES):
        save(db, f"https://demo.test/news/{n}", f"العراق وكندا: الخبر {n}",
             "نص عن العراق وكندا والاتفاق التجاري بينهما. " * 40 + str(n))
    run_monitor(db, [Topic(name="العراق", all=("العراق",))])
    db.close()
    return root / "raqib.db"


def truncated(data: bytearray) -> bytes:
    return bytes(data[: len(data) // 2])


def cut_short(data: bytearray) -> bytes:
    """A copy that stopped three quarters of the way."""
    return bytes(data[: len(data) * 3 // 4])


def cut_to_a_fragment(data: bytearray) -> bytes:
    return bytes(data[:1000])


def scribbled_pages(data: bytearray) -> bytes:
    chance = random.Random(7)
    for page in range(5, len(data) // PAGE, 7):
        at = page * PAGE + chance.randrange(0, PAGE - 64)
        data[at:at + 64] = bytes(chance.randrange(256) for _ in range(64))
    return bytes(data)


def scribbled_data_pages(data: bytearray) -> bytes:
    """Pages past the schema's scribbled: the tables are damaged, the schema can be read."""
    chance = random.Random(7)
    for page in range(40, len(data) // PAGE, 9):
        at = page * PAGE + chance.randrange(0, PAGE - 64)
        data[at:at + 64] = bytes(chance.randrange(256) for _ in range(64))
    return bytes(data)


def header_overwritten(data: bytearray) -> bytes:
    data[:100] = b"\xff" * 100
    return bytes(data)


def page_size_zeroed(data: bytearray) -> bytes:
    data[16:18] = b"\x00\x00"
    return bytes(data)


def not_a_database(data: bytearray) -> bytes:
    return "this is a note someone saved as raqib.db\n".encode() * 200


def first_table_page_zeroed(data: bytearray) -> bytes:
    data[PAGE:2 * PAGE] = bytes(PAGE)   # page 2: the root of the first table
    return bytes(data)


DAMAGE = [truncated, cut_short, cut_to_a_fragment, scribbled_pages, scribbled_data_pages, header_overwritten, page_size_zeroed,
          not_a_database, first_table_page_zeroed]


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Path:
    """Seeds with one site (nothing listens at its address) and a topics file."""
    root = tmp_path_factory.mktemp("world")
    seeds = root / "seeds"
    seeds.mkdir()
    (seeds / "local.toml").write_text(f'''name = "محلي"
allowed_domains = ["127.0.0.1"]
feeds = ["http://127.0.0.1:{free_port()}/rss.xml"]
''', encoding="utf-8")
    (seeds / "topics.toml").write_text('[[topic]]\nname = "العراق"\nall = ["العراق"]\n',
                                       encoding="utf-8")
    (root / "raqib.toml").write_text('[[channel]]\ntype = "file"\npath = "digests"\n',
                                     encoding="utf-8")  # a channel, for `digest --send`
    return seeds


COMMANDS = [
    ["alerts"], ["digest"], ["search", "العراق"], ["status"], ["status", "--format", "json"],
    ["history", "https://demo.test/news/1"], ["monitor"], ["crawl", "local"],
    ["topics", "test"], ["reextract"], ["run", "--once", "--no-digest"], ["serve"],
    ["digest", "--send"], ["backup", "{tmp}/copy-of-the-store.db"],
]


def command_line(command: list[str], tmp_path: Path) -> list[str]:
    return [word.format(tmp=tmp_path) for word in command]


@pytest.mark.parametrize("damage", DAMAGE, ids=lambda f: f.__name__)
def test_every_command_stops_on_a_damaged_store_with_one_line(tmp_path, healthy, world,
                                                                damage):
    store = tmp_path / "raqib.db"
    store.write_bytes(damage(bytearray(healthy.read_bytes())))
    before = store.read_bytes()
    for command in COMMANDS:
        result = raqib(*command_line(command, tmp_path), "--db", str(store), "--seeds",
                       str(world), "--config", str(world.parent / "raqib.toml"))
        lines = result.output.strip().splitlines()
        assert result.exit_code != 0, (command, result.output)
        assert len(lines) == 1, (command, result.output)
        assert lines[0].startswith(f"{store}: the database is damaged ("), (command, lines)
        assert lines[0].endswith("); restore it from a backup or run raqib doctor")
    assert store.read_bytes() == before            # nothing written to the damaged file
    assert not (tmp_path / "copy-of-the-store.db").exists()  # nor a copy of it made


def test_another_programs_database_is_not_taken_for_a_store(tmp_path, world):
    store = tmp_path / "places.sqlite"
    conn = sqlite3.connect(store)
    conn.execute("CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT)")
    conn.execute("INSERT INTO moz_places (url) VALUES ('https://example.org/')")
    conn.commit()
    conn.close()
    for command in COMMANDS:
        result = raqib(*command_line(command, tmp_path), "--db", str(store), "--seeds",
                       str(world), "--config", str(world.parent / "raqib.toml"))
        assert result.exit_code != 0, (command, result.output)
        assert result.output.strip() == (
            f"{store}: not a raqib store: it holds another program's tables (moz_places); "
            "name raqib's store with --db"), command
    conn = sqlite3.connect(store)
    assert [r[0] for r in conn.execute("SELECT name FROM sqlite_master")] == ["moz_places"]
    conn.close()


def test_a_healthy_store_passes_the_doctor(healthy):
    result = raqib("doctor", "--db", str(healthy))
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"{healthy}: integrity_check ok, quick_check ok")
    assert f"articles: {ARTICLES} rows" in result.output


def test_the_doctor_names_the_damage_and_recovers_what_is_readable(tmp_path, healthy):
    store = tmp_path / "raqib.db"
    store.write_bytes(scribbled_data_pages(bytearray(healthy.read_bytes())))

    found = raqib("doctor", "--db", str(store))
    assert found.exit_code == 1
    assert "the database is damaged" in found.output
    assert "integrity_check:" in found.output and "problem(s)" in found.output
    assert "damaged: " in found.output and "table " in found.output

    rescued = tmp_path / "rescued.db"
    recovered = raqib("doctor", "--db", str(store), "--recover", str(rescued))
    assert recovered.exit_code == 0, recovered.output
    assert f"into {rescued} by " in recovered.output
    assert ".recover (sqlite3 command)" in recovered.output and "iterdump" in recovered.output
    # the new store is whole, and raqib works on it
    assert raqib("doctor", "--db", str(rescued)).exit_code == 0
    conn = sqlite3.connect(rescued)
    (articles,) = conn.execute("SELECT COUNT(*) FROM articles").fetchone()
    conn.close()
    assert ARTICLES // 2 < articles <= ARTICLES
    listed = raqib("alerts", "--db", str(rescued))
    assert listed.exit_code == 0 and "العراق" in listed.output

    again = raqib("doctor", "--db", str(store), "--recover", str(rescued))
    assert again.exit_code == 1 and "exists: name a new file" in again.output


def test_the_doctor_recovers_a_truncated_store_by_iterdump_without_the_sqlite3_command(
        tmp_path, healthy, monkeypatch):
    store = tmp_path / "raqib.db"
    store.write_bytes(cut_short(bytearray(healthy.read_bytes())))
    monkeypatch.setenv("PATH", str(tmp_path / "no-commands-here"))
    rescued = tmp_path / "rescued.db"
    result = raqib("doctor", "--db", str(store), "--recover", str(rescued))
    assert result.exit_code == 0, result.output
    assert "by iterdump" in result.output
    assert ".recover (sqlite3 command): failed (the sqlite3 command is not installed)" in \
        result.output
    assert raqib("doctor", "--db", str(rescued)).exit_code == 0


def test_the_doctor_on_a_file_that_is_no_database(tmp_path):
    store = tmp_path / "raqib.db"
    store.write_bytes(not_a_database(bytearray()))
    result = raqib("doctor", "--db", str(store))
    assert result.exit_code == 1
    assert "cannot be read as a database: file is not a database" in result.output


def consistent(path: Path) -> sqlite3.Connection:
    """The copy at ``path``, checked to be one instant of a store: whole, no article without
    its versions, no version ahead of its article, no error of a run the copy does not hold."""
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert conn.execute("SELECT COUNT(*) FROM articles a WHERE NOT EXISTS"
                        " (SELECT 1 FROM versions v WHERE v.url = a.url)").fetchone() == (0,)
    assert conn.execute("SELECT COUNT(*) FROM versions v WHERE NOT EXISTS"
                        " (SELECT 1 FROM articles a WHERE a.url = v.url)").fetchone() == (0,)
    assert conn.execute("SELECT COUNT(*) FROM crawl_errors e WHERE run_id IS NOT NULL"
                        " AND run_id NOT IN (SELECT id FROM crawl_runs)").fetchone() == (0,)
    return conn


def test_a_backup_is_consistent_while_a_crawl_writes(tmp_path):
    """``raqib backup`` taken while the crawl stands inside its third save's transaction (the
    article and its version written, not committed: ``RAQIB_PAUSE_AT=save.written:3``) holds
    the two stories committed before it, whole, and nothing of the third; the crawl then goes
    on and a backup taken after it holds everything the store holds."""
    world = CrawlWorld(tmp_path)
    pause = Pause(tmp_path / "pause", "save.written:3")
    held = tmp_path / "held.db"
    with DemoServer(edition=1) as server:
        world.add_seed("demo", demo_seed_toml(server.base_url))
        world.add_topics(DEMO_TOPICS_PATH)
        crawl = world.crawl_process("demo", env=pause.env)
        try:
            assert pause.wait("save.written", crawl), "the crawl reached its third save"
            result = raqib("backup", str(held), "--db", str(world.db_path))
            assert result.exit_code == 0, result.output
            pause.go("save.written")
            _, log = crawl.communicate(timeout=120)
        finally:
            if crawl.poll() is None:
                crawl.kill()
    assert crawl.returncode == 0, log
    conn = consistent(held)
    try:
        assert conn.execute("SELECT COUNT(*) FROM articles").fetchone() == (2,)
        assert conn.execute("SELECT COUNT(*) FROM versions").fetchone() == (2,)
        assert conn.execute("SELECT status FROM crawl_runs").fetchall() == [("running",)]
    finally:
        conn.close()
    final = tmp_path / "final.db"
    assert raqib("backup", str(final), "--db", str(world.db_path)).exit_code == 0
    live = world.db()
    try:
        expected = live.execute("SELECT COUNT(*) FROM versions").fetchone()
    finally:
        live.close()
    conn = consistent(final)
    try:
        assert conn.execute("SELECT COUNT(*) FROM versions").fetchone() == expected
        assert expected[0] > 3
    finally:
        conn.close()
    refused = raqib("backup", str(final), "--db", str(world.db_path))
    assert refused.exit_code == 1 and "exists: name a new file" in refused.output
