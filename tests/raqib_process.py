"""`raqib run` as an operator runs it, for the tests that restart it: the real command in its
own process (all of its output in one log), a world of seeds and config around a local site,
read-only looks at the store while raqib writes it, and a watcher of every digest run.

Nothing here waits on a fixed sleep: each step waits for what the store, the site or the log
says, with deadlines generous enough for a busy machine."""

from __future__ import annotations

import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from changing_site import ChangingSite
from monitor.crawling import LOCAL_SITE_SETTINGS

REPO_ROOT = Path(__file__).resolve().parents[1]
DEADLINE = 90          # seconds any one condition may take on a slow machine
TOPIC = """
[[topic]]
name = "العراق وكندا"
all = ["العراق", "كندا"]
"""


# --- the world: a site, seeds, a config --------------------------------------------------------


def write_world(root: Path, site: ChangingSite, *, crawl_every: str | None,
                digest_every: str) -> Path:
    seeds = root / "seeds"
    seeds.mkdir()
    if crawl_every:
        (seeds / "city.toml").write_text(f"""
name = "أخبار المدينة"
allowed_domains = ["127.0.0.1"]
feeds = ["{site.base_url}/rss.xml"]
article_url = '/news/'
discover_sitemaps = false
every = "{crawl_every}"
""", encoding="utf-8")
        (seeds / "topics.toml").write_text(TOPIC, encoding="utf-8")
    # a held page answers when the test lets it: Scrapy must wait for it
    settings = {**LOCAL_SITE_SETTINGS, "DOWNLOAD_TIMEOUT": "120"}
    config = root / "raqib.toml"
    config.write_text(f"""
db = "raqib.db"
seeds = "seeds"
timezone = "Asia/Baghdad"
[digest]
schedule = "{digest_every}"
retry = "1s"
[crawl]
timeout = "150s"
jitter = "0"
settings = {{ {", ".join(f'{k} = "{v}"' for k, v in settings.items())} }}
[[channel]]
type = "file"
name = "archive"
path = "digests"
format = "json"
""", encoding="utf-8")
    return config


def wait_for(condition, what: str, timeout: float = DEADLINE) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Store:
    """Read-only queries on the store while raqib writes it (WAL: readers never block)."""

    def __init__(self, path: Path):
        self.path = path

    def rows(self, sql: str, params: tuple = ()) -> list[tuple]:
        if not self.path.exists():
            return []
        conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=30)
        try:
            return conn.execute(sql, params).fetchall()
        except sqlite3.OperationalError as exc:
            if "no such table" in str(exc):
                return []
            raise
        finally:
            conn.close()

    def value(self, sql: str, params: tuple = ()):
        rows = self.rows(sql, params)
        return rows[0][0] if rows else None

    def last_digest(self) -> datetime | None:
        text = self.value("SELECT last_started FROM schedule_state WHERE job = 'digest'")
        return datetime.fromisoformat(text) if text else None

    def versions(self, url: str) -> list[str]:
        return [row[0] for row in self.rows(
            "SELECT body FROM versions WHERE url = ? ORDER BY version", (url,))]


class DigestWatcher(threading.Thread):
    """Every digest run, as the store records it (runs are seconds apart; it looks 10 times a
    second)."""

    def __init__(self, store: Store):
        super().__init__(daemon=True)
        self.store = store
        self.runs: list[datetime] = []
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            self.look()
            time.sleep(0.1)

    def look(self) -> None:
        try:
            last = self.store.last_digest()
        except sqlite3.Error:
            return   # the store is being created
        if last is not None and (not self.runs or last != self.runs[-1]):
            self.runs.append(last)

    def runs_since(self, moment: datetime) -> list[datetime]:
        return [run for run in list(self.runs) if run >= moment.replace(microsecond=0)]

    def stop(self) -> None:
        self._stop_event.set()
        self.join(timeout=10)
        self.look()


@dataclass
class Life:
    """One `raqib run` process: when it was ready (its schedule read from the store) and
    when it was told to stop."""

    process: subprocess.Popen
    ready: datetime | None = None
    stopped: datetime | None = None
    caught_up: bool = False     # it found a digest due while raqib was down


@dataclass
class Raqib:
    """Starts and stops `raqib run --config CONFIG`, all of its output in one log."""

    config: Path
    log: Path
    lives: list[Life] = field(default_factory=list)

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8") if self.log.exists() else ""

    def _count(self, pattern: str) -> int:
        return len(re.findall(pattern, self.log_text()))

    READY = r"raqib\.run: digest: [^\n]*, first at [^\n]*"   # its schedule, read from the store

    def start(self) -> Life:
        ready_lines = self._count(self.READY)
        process = subprocess.Popen(
            [sys.executable, "-m", "monitor.cli", "run", "--config", str(self.config)],
            cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=self.log.open("a", encoding="utf-8"))
        life = Life(process)
        self.lives.append(life)
        try:
            wait_for(lambda: self._count(self.READY) > ready_lines
                     or process.poll() is not None, "raqib run to read its schedule")
        except AssertionError:
            process.kill()
            raise
        assert process.poll() is None, self.log_text()[-3000:]
        life.ready = utcnow()
        line = re.findall(self.READY, self.log_text())[-1]
        life.caught_up = "sending now" in line
        return life

    def stop(self, life: Life, before_exit=None) -> None:
        """SIGTERM; ``before_exit()`` runs once raqib says it is stopping; exit code 0."""
        stopping = self._count("SIGTERM received")
        life.stopped = utcnow()
        life.process.send_signal(signal.SIGTERM)
        wait_for(lambda: self._count("SIGTERM received") > stopping, "raqib to take SIGTERM")
        if before_exit is not None:
            before_exit()
        assert life.process.wait(timeout=DEADLINE + 60) == 0, self.log_text()[-3000:]

    def kill_all(self) -> None:
        for life in self.lives:
            if life.process.poll() is None:
                life.process.kill()
                life.process.wait()


