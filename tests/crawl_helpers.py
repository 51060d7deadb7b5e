"""Helpers for tests that crawl local sites over real HTTP on 127.0.0.1."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from crawler.store import open_db
from monitor.crawling import LOCAL_SITE_SETTINGS, CrawlOutcome, crawl_sites


@dataclass
class CrawlWorld:
    """A seeds directory and a store in a temporary directory, for crawling local sites."""

    root: Path

    @property
    def seeds(self) -> Path:
        return self.root / "seeds"

    @property
    def db_path(self) -> Path:
        return self.root / "raqib.db"

    def add_seed(self, site_id: str, text: str) -> Path:
        self.seeds.mkdir(parents=True, exist_ok=True)
        path = self.seeds / f"{site_id}.toml"
        path.write_text(text, encoding="utf-8")
        return path

    def add_topics(self, source: Path) -> Path:
        self.seeds.mkdir(parents=True, exist_ok=True)
        return Path(shutil.copy(source, self.seeds / "topics.toml"))

    def crawl(self, *sites: str) -> CrawlOutcome:
        outcome = crawl_sites(self.db_path, self.seeds, list(sites), LOCAL_SITE_SETTINGS,
                              timeout=120)
        return outcome

    def crawl_process(self, *sites: str, env: dict[str, str] | None = None,
                      settings: dict[str, str] | None = None) -> subprocess.Popen:
        """The crawl of ``sites`` started in a process of its own (``python -m crawler.run``)
        with more environment (``RAQIB_PAUSE_AT``, ``RAQIB_BUSY_TIMEOUT``...) and settings;
        its standard error is a text pipe."""
        command = [sys.executable, "-m", "crawler.run", "--db", str(self.db_path),
                   "--seeds", str(self.seeds), *sites]
        for name, value in {"LOG_LEVEL": "WARNING", **LOCAL_SITE_SETTINGS,
                            **(settings or {})}.items():
            command += ["--set", f"{name}={value}"]
        return subprocess.Popen(command, stderr=subprocess.PIPE, text=True,
                                env={**os.environ, **(env or {})})

    def db(self):
        return open_db(self.db_path)

    def copy(self, root: Path) -> CrawlWorld:
        """A world of its own at ``root``: the seeds copied, the store copied by SQLite's
        backup API (whole, WAL included), so a crawl made once per module serves tests that
        write to their store."""
        import sqlite3

        root.mkdir(parents=True, exist_ok=True)
        other = CrawlWorld(root)
        if self.seeds.exists():
            shutil.copytree(self.seeds, other.seeds)
        source, target = sqlite3.connect(self.db_path), sqlite3.connect(other.db_path)
        try:
            source.backup(target)
        finally:
            source.close()
            target.close()
        return other


def _crawl_measured(world: CrawlWorld, sites: tuple[str, ...]) -> tuple[CrawlOutcome, float]:
    import resource

    outcome = world.crawl(*sites)
    return outcome, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def crawl_with_peak_memory(world: CrawlWorld, *sites: str) -> tuple[CrawlOutcome, float]:
    """``world.crawl(*sites)`` and the crawl process's peak resident size in MiB. The crawl is
    started from a fresh process of its own, so the peak is this crawl's, not that of any
    earlier child of the test process (``RUSAGE_CHILDREN`` keeps the largest ever)."""
    import multiprocessing

    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(_crawl_measured, (world, sites))


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (for 'the site is down')."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def crawl_errors(world: CrawlWorld) -> list[tuple[str, str, str]]:
    """Every ``crawl_errors`` row of the world's store as (stage, url, message)."""
    db = world.db()
    try:
        return [(r["stage"], r["url"] or "", r["message"])
                for r in db.query("SELECT stage, url, message FROM crawl_errors")]
    finally:
        db.close()


class TextSite(BaseHTTPRequestHandler):
    """A quiet local site whose handlers answer with ``self._send(text, content_type)``."""

    def _send(self, text: str, kind: str) -> None:
        body = text.encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", f"{kind}; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass

