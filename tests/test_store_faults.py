"""The store under faults: a full disk, another writer holding the lock past the timeout, a crawl
killed before it closed its run. Nothing stored is lost, the real error is the one recorded,
and what could not be saved is saved by the next crawl."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading

import pytest

from crawler.faults import Pause
from crawler.run import STORE_FAILED
from crawler.store import StoredArticle, open_db, record_error, save_article, start_run
from monitor.crawling import LOCAL_SITE_SETTINGS
from local_news_site import STORIES, NewsSite


def article(n: int, body: str = "نص الخبر.") -> StoredArticle:
    return StoredArticle(url=f"https://example.com/news/{n}", site="example",
                         title=f"خبر رقم {n}", body=body)


def fill_the_disk(db) -> None:
    """The store may not grow any more: SQLite answers SQLITE_FULL, as on a full disk."""
    (pages,) = db.execute("PRAGMA page_count").fetchone()
    db.execute(f"PRAGMA max_page_count = {pages}")


def test_a_full_disk_is_the_error_reported_and_nothing_is_half_written(tmp_path):
    db = open_db(tmp_path / "raqib.db")
    save_article(db, article(1))
    fill_the_disk(db)
    with pytest.raises(sqlite3.OperationalError, match="full") as raised:
        save_article(db, article(2, "فقرة طويلة " * 20000))
    assert "rollback" not in str(raised.value)
    assert not db.conn.in_transaction
    assert [row["url"] for row in db["articles"].rows] == ["https://example.com/news/1"]
    assert db.execute("SELECT COUNT(*) FROM versions").fetchone()[0] == 1
    db.execute("PRAGMA max_page_count = 1073741823")  # room again: the store works on
    assert save_article(db, article(2, "فقرة طويلة " * 20000)) == "new"
    db.close()


def test_an_error_recorded_on_a_full_disk_reports_the_full_disk(tmp_path):
    db = open_db(tmp_path / "raqib.db")
    fill_the_disk(db)
    with pytest.raises(sqlite3.OperationalError, match="full"):
        record_error(db, "example", "store", "x" * 200000, run_id=None)
    assert not db.conn.in_transaction
    db.close()


def test_a_run_left_running_by_a_killed_crawl_is_closed_as_interrupted_by_the_next(tmp_path):
    db = open_db(tmp_path / "raqib.db")
    killed = start_run(db, "example")  # its crawl never closed it
    other_site = start_run(db, "other")
    next_run = start_run(db, "example")
    status = {row["id"]: row for row in db["crawl_runs"].rows}
    assert status[killed]["status"] == "interrupted" and status[killed]["finished"]
    assert status[other_site]["status"] == "running"  # another site's crawl is left alone
    assert status[next_run]["status"] == "running"
    db.close()


class WriteLockHolder:
    """Another process's writer, as SQLite sees it: a connection in ``BEGIN IMMEDIATE``."""

    def __init__(self, path) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.held = threading.Event()
        self._once = threading.Lock()

    def take(self) -> None:
        with self._once:
            if not self.held.is_set():
                self.conn.execute("BEGIN IMMEDIATE")
                self.held.set()

    def release(self) -> None:
        with self._once:
            if self.held.is_set() and self.conn.in_transaction:
                self.conn.execute("ROLLBACK")

    def close(self) -> None:
        self.release()
        self.conn.close()


def test_a_lock_held_past_the_timeout_fails_the_save_and_the_next_crawl_stores_the_edit(world):
    """Another writer takes the store's write lock as the crawl fetches the first story and
    keeps it past the busy timeout and every retry. That save fails: it is a ``store`` error
    with SQLite's own message, the run is marked failed and the crawl exits non-zero; no
    validator of the page was kept, so the next crawl fetches it in full and stores the edit."""
    with NewsSite() as site:
        world.add_seed("rafid", site.seed_toml())
        first = world.crawl("rafid")
        assert first.returncode == 0, first.messages
        for n in range(len(STORIES)):
            site.edits[n] = "وفي وقت لاحق أعلن عن تفاصيل جديدة."

        holder = WriteLockHolder(world.db_path)
        site.on_request = lambda path: holder.take() if path.startswith("/news/") else None
        crawl = world.crawl_process(
            "rafid", env={"RAQIB_BUSY_TIMEOUT": "0.2", "RAQIB_LOCK_RETRIES": "1"},
            settings={"CONCURRENT_REQUESTS": "1"})
        log = []
        for line in crawl.stderr:  # the lock goes once the crawl has said the save failed
            log.append(line)
            if "could not store" in line:
                holder.release()
        crawl.wait(timeout=120)
        holder.close()
        assert holder.held.is_set(), "the lock was taken during the crawl"
        assert crawl.returncode == STORE_FAILED, "".join(log)

        db = world.db()
        try:
            (failed_run,) = db.query("SELECT * FROM crawl_runs ORDER BY id DESC LIMIT 1")
            assert failed_run["status"] == "failed"
            errors = [dict(row) for row in db.query(
                "SELECT url, message FROM crawl_errors WHERE run_id = ? AND stage = 'store'",
                [failed_run["id"]])]
            assert errors and all("database is locked" in e["message"] for e in errors)
            unsaved = {e["url"] for e in errors}
            for url in unsaved:
                (versions,) = db.execute("SELECT COUNT(*) FROM versions WHERE url = ?",
                                         [url]).fetchone()
                assert versions == 1, "the failed save left no version"
        finally:
            db.close()

        site.on_request = None
        third = world.crawl("rafid")
        assert third.returncode == 0, third.messages
        assert third.runs[-1].status == "finished"

    db = world.db()
    try:
        for n in range(len(STORIES)):
            body = db.execute("SELECT body FROM articles WHERE url = ?",
                              [site.story_url(n)]).fetchone()[0]
            assert "تفاصيل جديدة" in body, f"story {n}: the edit is stored"
        (versions,) = db.execute("SELECT COUNT(*) FROM versions").fetchone()
        assert versions == 2 * len(STORIES)
    finally:
        db.close()


def test_a_lock_released_during_the_back_off_lets_the_save_through(world, tmp_path):
    """Another writer takes the store's write lock just before the crawl's first save and
    lets it go while that save backs off (``RAQIB_PAUSE_AT`` stops the crawl after the page's
    furniture is counted, and again once the save has found the lock held past the busy
    timeout). The retry stores the page: every story is stored once, with one version, no
    error is recorded, the run is finished and the crawl exits 0."""
    pause = Pause(tmp_path / "pause", "save.learned:1", "store.locked:1")
    with NewsSite() as site:
        world.add_seed("rafid", site.seed_toml())
        holder = WriteLockHolder(world.db_path)
        crawl = world.crawl_process("rafid", env={"RAQIB_BUSY_TIMEOUT": "0.2", **pause.env},
                                    settings={"CONCURRENT_REQUESTS": "1"})
        try:
            assert pause.wait("save.learned", crawl), "the crawl reached its first save"
            holder.take()
            pause.go("save.learned")
            assert pause.wait("store.locked", crawl), "the save found the store locked"
            holder.release()
            pause.go("store.locked")
            _, log = crawl.communicate(timeout=120)
        finally:
            if crawl.poll() is None:
                crawl.kill()
            holder.close()
        assert crawl.returncode == 0, log
        assert "store is locked by another writer; retrying" in log

    db = world.db()
    try:
        (run,) = db.query("SELECT * FROM crawl_runs")
        assert run["status"] == "finished" and run["new"] == len(STORIES)
        assert list(db.query("SELECT stage, message FROM crawl_errors")) == []
        counts = {row["url"]: row["n"] for row in db.query(
            "SELECT url, COUNT(*) AS n FROM versions GROUP BY url")}
        assert counts == {site.story_url(n): 1 for n in range(len(STORIES))}
        (articles,) = db.execute("SELECT COUNT(*) FROM articles").fetchone()
        assert articles == len(STORIES)
    finally:
        db.close()


def raqib_crawl(world, site_id: str) -> subprocess.CompletedProcess:
    """``raqib crawl SITE`` as a user runs it: the command in a process of its own."""
    command = [sys.executable, "-m", "monitor.cli", "crawl", site_id,
               "--db", str(world.db_path), "--seeds", str(world.seeds)]
    for name, value in LOCAL_SITE_SETTINGS.items():
        command += ["--set", f"{name}={value}"]
    return subprocess.run(command, capture_output=True, text=True, timeout=300)


def test_raqib_crawl_exits_non_zero_when_a_page_could_not_be_stored(world):
    """The store refuses one story's save (a trigger aborts it, as a full disk or a broken
    file would): ``raqib crawl`` itself says so and exits 1, the other stories are stored and
    monitored. Once the store takes writes again the next ``raqib crawl`` stores the story and
    exits 0, although the story was never stored and its feed has not changed since: after a
    failed run the feed is asked for in full, not answered ``304``."""
    with NewsSite() as site:
        world.add_seed("rafid", site.seed_toml())
        (world.seeds / "topics.toml").write_text('[[topic]]\nname = "بغداد"\nall = ["بغداد"]\n',
                                                 encoding="utf-8")
        refused = site.story_url(0)
        db = world.db()
        try:
            db.execute(f"CREATE TRIGGER refuse_one BEFORE INSERT ON versions"
                       f" WHEN NEW.url = '{refused}'"
                       f" BEGIN SELECT RAISE(ABORT, 'the store refused this page'); END")
        finally:
            db.close()
        failed = raqib_crawl(world, "rafid")
        assert failed.returncode == 1, failed.stdout + failed.stderr
        assert "some pages could not be stored" in failed.stderr
        assert "monitor: " in failed.stdout
        db = world.db()
        try:
            stored = {row["url"] for row in db.query("SELECT url FROM articles")}
            assert refused not in stored and len(stored) == len(STORIES) - 1
            (run,) = db.query("SELECT * FROM crawl_runs")
            assert run["status"] == "failed"
            (error,) = db.query("SELECT url, message FROM crawl_errors WHERE stage = 'store'")
            assert error["url"] == refused and "the store refused this page" in error["message"]
            db.execute("DROP TRIGGER refuse_one")
        finally:
            db.close()

        again = raqib_crawl(world, "rafid")
    assert again.returncode == 0, again.stdout + again.stderr
    db = world.db()
    try:
        assert db.execute("SELECT COUNT(*) FROM articles WHERE url = ?", [refused]).fetchone()[0] == 1
    finally:
        db.close()
