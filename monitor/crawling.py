"""Run crawls in a process of their own (the Twisted reactor cannot restart in one process)
and read back what each run found."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from crawler.store import open_db, record_error, transaction, utcnow

from monitor.words import counted

# Settings for crawling a site we serve ourselves on 127.0.0.1: no politeness delays.
LOCAL_SITE_SETTINGS = {
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "False",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "8",
    "RETRY_TIMES": "1",
    "DOWNLOAD_TIMEOUT": "10",
}


@dataclass
class RunSummary:
    """One site's crawl run, as recorded in ``crawl_runs``."""

    run_id: int
    site: str
    started: str
    finished: str | None
    status: str
    pages: int
    new: int
    changed: int
    errors: int
    error_messages: list[str] = field(default_factory=list)

    def error_lines(self, limit: int | None = 5) -> list[str]:
        """The run's recorded errors, one line each; the rest counted, not listed."""
        shown = self.error_messages if limit is None else self.error_messages[:limit]
        hidden = len(self.error_messages) - len(shown)
        return shown + ([f"... and {hidden} more (table crawl_errors)"] if hidden else [])

    @property
    def failed(self) -> bool:
        """The run fetched nothing but errors, or could not store what it fetched
        (``crawler.store.close_run``)."""
        return self.status == "failed"

    def line(self) -> str:
        return (f"{self.site}: {counted(self.pages, 'page')}, {self.new} new, {self.changed} "
                f"changed, {counted(self.errors, 'error')} ({self.status})")


def every_run_failed(runs: list[RunSummary]) -> str | None:
    """The one line saying that every site's run failed, or None when one did not."""
    if not runs or not all(run.failed for run in runs):
        return None
    errors = sum(run.errors for run in runs)
    sites = ", ".join(dict.fromkeys(run.site for run in runs))
    subject = "every site failed" if len(runs) > 1 else f"the crawl of {sites} failed"
    where = f": {sites}" if len(runs) > 1 else ""
    fetched = "nothing fetched; " if not any(run.pages for run in runs) else ""
    return f"{subject}{where} ({counted(errors, 'error')}, {fetched}table crawl_errors holds them)"


@dataclass
class CrawlOutcome:
    """What one call of ``crawl_sites`` did: the runs it recorded and the process's messages."""

    returncode: int
    runs: list[RunSummary]
    messages: str


@dataclass
class SiteProgress:
    """How far one site's crawl has come, as its process reports it (:mod:`crawler.progress`)."""

    site: str
    fetched: int = 0
    new: int = 0
    changed: int = 0
    errors: int = 0
    done: bool = False

    def line(self) -> str:
        return (f"{self.site}: {self.fetched} fetched, {self.new} new, {self.changed} changed, "
                f"{counted(self.errors, 'error')}")


def crawl_sites(db_path: str | Path, seeds_dir: str | Path, sites: list[str] | None = None,
                overrides: dict[str, str] | None = None, log_level: str = "WARNING",
                timeout: float | None = None,
                on_progress: Callable[[SiteProgress], None] | None = None) -> CrawlOutcome:
    """Crawl ``sites`` (default all) of ``seeds_dir`` into ``db_path`` in a child process.
    ``on_progress``: called with each site's counts as the crawl goes (the child reports
    them only when asked)."""
    before = last_run_id(db_path)
    settings = {"LOG_LEVEL": log_level, **(overrides or {})}
    if on_progress is not None:
        settings["RAQIB_PROGRESS"] = "True"
    command = [sys.executable, "-m", "crawler.run", "--db", str(db_path), "--seeds", str(seeds_dir)]
    for name, value in settings.items():
        command += ["--set", f"{name}={value}"]
    command += list(sites or [])
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    stderr: list[str] = []
    readers = [threading.Thread(target=_read_lines, args=(child.stderr, stderr.append)),
               threading.Thread(target=_read_lines,
                                args=(child.stdout, _progress_reader(on_progress)))]
    for reader in readers:
        reader.start()
    try:
        child.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        _stop(child)
        raise
    finally:
        for reader in readers:
            reader.join()
    return CrawlOutcome(child.returncode, runs_after(db_path, before), "".join(stderr))


def _read_lines(stream, take: Callable[[str], None]) -> None:
    """Hand every line of ``stream`` to ``take`` until the child closes it."""
    with stream:
        for line in stream:
            take(line)


def _progress_reader(on_progress: Callable[[SiteProgress], None] | None):
    """What to do with a line of the child's standard output: its progress reports
    (``crawler.progress.PREFIX`` and JSON) to ``on_progress``; anything else is dropped."""
    from crawler.progress import PREFIX

    def take(line: str) -> None:
        if on_progress is None or not line.startswith(PREFIX):
            return
        try:
            report = json.loads(line[len(PREFIX):])
            progress = SiteProgress(**report)
        except (ValueError, TypeError):
            return
        on_progress(progress)

    return take


GRACE_SECONDS = 30.0


def _stop(child: subprocess.Popen, grace: float = GRACE_SECONDS) -> None:
    """Stop a crawl past its time limit the way Scrapy likes: SIGTERM (it closes the spider, and the pipeline
    closes its run); a crawl still there after ``grace`` seconds is killed (SQLite's
    transactions keep the store whole either way)."""
    if child.poll() is None:
        child.send_signal(signal.SIGTERM)
    try:
        child.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()


def close_timed_out_runs(db_path: str | Path, before: int, timeout: float) -> None:
    """Mark every run recorded after run ``before`` as cut short by the time limit, each with
    an error saying so (the stopped crawl may have closed its runs itself: SIGTERM lets Scrapy
    close the spider; they are still runs cut short)."""
    db = open_db(db_path)
    try:
        for row in list(db.query("SELECT id, site FROM crawl_runs WHERE id > ?", [before])):
            with transaction(db) as conn:
                conn.execute("UPDATE crawl_runs SET status = 'timeout', finished = ? WHERE id = ?",
                             [utcnow(), row["id"]])
            record_error(db, row["site"], "schedule",
                         f"crawl stopped at its time limit of {timeout:.0f}s", run_id=row["id"])
    finally:
        db.close()


def last_run_id(db_path: str | Path) -> int:
    """The id of the latest crawl run recorded (0 for none)."""
    db = open_db(db_path)
    try:
        return db.execute("SELECT COALESCE(MAX(id), 0) FROM crawl_runs").fetchone()[0]
    finally:
        db.close()


def runs_after(db_path: str | Path, run_id: int) -> list[RunSummary]:
    """Crawl runs recorded after run ``run_id``."""
    db = open_db(db_path)
    try:
        rows = db.query(
            "SELECT id AS run_id, site, started, finished, status, pages, new, changed, errors"
            " FROM crawl_runs WHERE id > ? ORDER BY id", [run_id]
        )
        runs = [RunSummary(**row) for row in rows]
        for run in runs:
            run.error_messages = [
                f"error [{e['stage']}] {e['url'] or ''} {e['message']}".replace("  ", " ")
                for e in db.query("SELECT stage, url, message FROM crawl_errors"
                                  " WHERE run_id = ? ORDER BY id", [run.run_id])
            ]
        return runs
    finally:
        db.close()
