"""kill -9 at every moment that matters leaves an intact store, and the next run finishes the
work with nothing lost and nothing done twice (issue 10).

A day of raqib over the demo site on 127.0.0.1, each step the real command in a process of
its own, with a real SQLite file and a real SMTP server (aiosmtpd): crawl edition 1 and
monitor, send the digest, crawl edition 2 (new stories, an edit) and monitor, send again. In
each case one step is run with ``RAQIB_KILL_AT`` naming one of the points of
:mod:`crawler.faults`, where the process (the crawl's Scrapy process, or the command's own)
kills itself with SIGKILL, as a power cut would. Then the same step is run again, and the day
goes on. At the end the store must pass ``PRAGMA integrity_check``, hold exactly what the same
day without a kill holds (every version, every alert), no alert raised twice, no run left
``running`` (a killed crawl's run is closed as ``interrupted`` by the next crawl of its
site), and every digest delivered: once (a delivery claimed by a killed process is sent
after the claim's lease), or — killed after the mail server took it and before it was marked
sent — sent again after the lease under the same Message-ID, so the receiver drops the copy.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from crawl_helpers import CrawlWorld, free_port
from crawler.faults import KILL_AT, KILL_MARK, POINTS
from demo.server import DEMO_TOPICS_PATH, DemoServer, demo_seed_toml
from monitor.config import load_config
from monitor.crawling import LOCAL_SITE_SETTINGS
from monitor.outbox import CLAIM_LEASE, send_digests
from test_delivery import SmtpServer
from test_schema import V0_FIXTURE, store_from, tables, user_version

REPO_ROOT = Path(__file__).resolve().parents[1]

# The day: (step name, command). ``edition 2`` switches what the demo site serves.
DAY = [("crawl 1", ["crawl", "demo"]), ("send 1", ["digest", "--send"]), ("edition 2", None),
       ("crawl 2", ["crawl", "demo"]), ("send 2", ["digest", "--send"])]

# point → (the step whose process is killed, the time it reaches the point when it is killed)
KILLS = {
    "crawl.started": ("crawl 1", 1),
    "fetch.answered": ("crawl 1", 3),
    "save.learned": ("crawl 1", 4),
    "save.written": ("crawl 2", 2),
    "save.validators": ("crawl 2", 3),
    "save.committed": ("crawl 1", 5),
    "crawl.closing": ("crawl 2", 1),
    "crawl.closed": ("crawl 1", 1),
    "monitor.alerts": ("crawl 1", 1),
    "monitor.committed": ("crawl 2", 1),
    "search.indexing": ("crawl 1", 1),
    "digest.built": ("send 1", 1),
    "digest.claimed": ("send 2", 1),
    "digest.delivered": ("send 1", 1),
}


def test_every_point_of_the_code_is_killed_at():
    assert set(KILLS) | {"migrate.applied", "store.locked"} == set(POINTS)
    marked = Counter()
    for folder in ("crawler", "monitor"):
        for path in (REPO_ROOT / folder).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            for point in POINTS:
                marked[point] += text.count(f'reached("{point}")')
    assert marked == Counter({point: 1 for point in POINTS}), "each point marked once"


class Day:
    """The demo site, a mail server, seeds, a config and a store, and the day's commands."""

    def __init__(self, root: Path, server: DemoServer, smtp: SmtpServer):
        self.world = CrawlWorld(root)
        self.server, self.smtp = server, smtp
        self.world.add_seed("demo", demo_seed_toml(server.base_url))
        self.world.add_topics(DEMO_TOPICS_PATH)
        settings = ", ".join(f'{k} = "{v}"' for k, v in LOCAL_SITE_SETTINGS.items())
        self.config = root / "raqib.toml"
        self.config.write_text(f'''[crawl]
jitter = "0"
settings = {{ {settings} }}
[[channel]]
type = "smtp"
host = "127.0.0.1"
port = {smtp.port}
security = "none"
from = "raqib@example.org"
to = ["analyst@example.org"]
''', encoding="utf-8")
        self.mark = root / "killed-at"

    def step(self, name: str, kill: tuple[str, int] | None = None) -> subprocess.CompletedProcess | None:
        command = dict(DAY)[name]
        if command is None:
            self.server.set_edition(2)
            return None
        env = {k: v for k, v in os.environ.items() if k not in (KILL_AT, KILL_MARK)}
        if kill is not None:
            env.update({KILL_AT: f"{kill[0]}:{kill[1]}", KILL_MARK: str(self.mark)})
        return subprocess.run(
            [sys.executable, "-m", "monitor.cli", *command, "--db", str(self.world.db_path),
             "--seeds", str(self.world.seeds), "--config", str(self.config)],
            cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300)

    def live(self, kill_point: str | None = None) -> None:
        """The whole day, the step named in KILLS killed at its point, then run again."""
        for name, _ in DAY:
            if kill_point is not None and KILLS[kill_point][0] == name:
                killed = self.step(name, (kill_point, KILLS[kill_point][1]))
                assert self.mark.exists() and self.mark.read_text() == kill_point, \
                    (kill_point, killed.stdout, killed.stderr)
                assert integrity(self.world.db_path) == "ok"
            done = self.step(name)
            assert done is None or done.returncode == 0, (name, done.stdout, done.stderr)

    def resend_after_the_lease(self) -> None:
        """What `raqib run` does once a claim's lease has passed: a delivery left ``sending``
        by a kill is sent again."""
        db = self.world.db()
        try:
            config = load_config(self.config)
            send_digests(db, list(config.channels), config.digest,
                         now=datetime.now(timezone.utc) + CLAIM_LEASE + timedelta(minutes=1))
        finally:
            db.close()

    def outcome(self) -> dict:
        """What the day left in the store, URLs without the site's address (a port of the
        moment)."""
        conn = sqlite3.connect(self.world.db_path)
        base = self.server.base_url.rstrip("/")
        conn.create_function("path", 1, lambda url: url.removeprefix(base))
        try:
            return {
                "versions": sorted(conn.execute(
                    "SELECT path(url), version, content_hash FROM versions").fetchall()),
                "articles": sorted(conn.execute("SELECT path(url), content_hash FROM articles")),
                "alerts": sorted(conn.execute(
                    "SELECT kind, topic, path(url), title FROM alerts WHERE kind != 'health'")),
                "alert rows": conn.execute(
                    "SELECT kind, topic, url, version_id FROM alerts").fetchall(),
                "runs": [row[0] for row in conn.execute("SELECT status FROM crawl_runs")],
                "undelivered": conn.execute(
                    "SELECT COUNT(*) FROM alerts WHERE delivered IS NULL").fetchone()[0],
                "digests": conn.execute("SELECT COUNT(*) FROM digests").fetchone()[0],
                "deliveries": [row[0] for row in conn.execute("SELECT status FROM deliveries")],
            }
        finally:
            conn.close()

    def mail(self) -> Counter:
        return Counter(message["Message-ID"] for message in self.smtp.inbox.messages)


def integrity(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


@pytest.fixture(scope="module")
def unbroken(tmp_path_factory) -> dict:
    """The same day with no kill: what every killed day must end with."""
    smtp = SmtpServer(free_port()).start()
    try:
        with DemoServer(edition=1) as server:
            day = Day(tmp_path_factory.mktemp("unbroken"), server, smtp)
            day.live()
            outcome, mail = day.outcome(), day.mail()
    finally:
        smtp.stop()
    assert outcome["alerts"] and outcome["digests"] == 2 and set(mail.values()) == {1}
    return {**outcome, "mail": len(mail)}


@pytest.mark.parametrize("point", list(KILLS))
def test_a_kill_at_any_point_loses_nothing_and_does_nothing_twice(tmp_path, unbroken, point):
    smtp = SmtpServer(free_port()).start()
    try:
        with DemoServer(edition=1) as server:
            day = Day(tmp_path, server, smtp)
            day.live(kill_point=point)
            if "sending" in day.outcome()["deliveries"]:  # claimed by the killed process
                assert point in ("digest.claimed", "digest.delivered")
                day.resend_after_the_lease()
            outcome, mail = day.outcome(), day.mail()
    finally:
        smtp.stop()
    assert integrity(day.world.db_path) == "ok"
    for key in ("versions", "articles", "alerts", "digests"):
        assert outcome[key] == unbroken[key], key
    rows = outcome["alert rows"]
    assert len(rows) == len(set(rows)), "an alert raised twice"
    assert "running" not in outcome["runs"]
    if point.startswith(("crawl.", "fetch.", "save.")) and point != "crawl.closed":
        assert "interrupted" in outcome["runs"], "the killed crawl's run was closed"
    assert outcome["undelivered"] == 0 and set(outcome["deliveries"]) == {"sent"}
    assert len(mail) == unbroken["mail"], "each digest reached the inbox"
    twice = {message_id for message_id, count in mail.items() if count > 1}
    if point == "digest.delivered":  # sent, killed before it was marked: sent again, same id
        assert len(twice) == 1 and mail[twice.pop()] == 2
    else:
        assert not twice, "a digest delivered twice"


def test_a_kill_in_the_middle_of_a_migration_leaves_the_old_store_which_migrates_next_time(
        tmp_path):
    old = store_from(V0_FIXTURE, tmp_path / "raqib.db")
    (tmp_path / "reference").mkdir()
    reference = store_from(V0_FIXTURE, tmp_path / "reference" / "raqib.db")
    before = tables(old)

    def status(store: Path) -> list[str]:
        return [sys.executable, "-m", "monitor.cli", "status", "--db", str(store),
                "--seeds", str(tmp_path / "no-seeds")]

    mark = tmp_path / "killed-at"
    env = {**os.environ, KILL_AT: "migrate.applied", KILL_MARK: str(mark)}
    killed = subprocess.run(status(old), cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    assert killed.returncode == -9 and mark.read_text() == "migrate.applied", killed.stderr
    assert integrity(old) == "ok"
    assert user_version(old) == 0 and tables(old) == before  # the step never happened
    done = subprocess.run(status(old), cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    subprocess.run(status(reference), cwd=REPO_ROOT,
                   capture_output=True, text=True, timeout=120, check=True)
    assert integrity(old) == "ok"
    assert tables(old) == tables(reference)  # migrated as if never killed
