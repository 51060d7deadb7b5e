"""`raqib run`: the real command in a real process against the demo site on 127.0.0.1,
stopped with SIGTERM in the middle of a crawl and started again: nothing lost, nothing done
twice, the store intact. And the scheduling rules after a restart, with time passed in."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from apscheduler.triggers.cron import CronTrigger

from crawler.sites import load_site
from monitor.crawling import LOCAL_SITE_SETTINGS
from monitor.demo.server import DEMO_TOPICS_PATH, DemoServer, demo_seed_toml
from monitor.scheduler import first_crawl, first_digest

REPO_ROOT = Path(__file__).resolve().parents[1]


def write_world(world, base_url: str, every: str = "2s", schedule: str = "2s") -> Path:
    """Seeds for the demo site crawled every ``every``, and a config sending a JSON digest
    file on ``schedule``; returns the config's path."""
    world.add_seed("demo", demo_seed_toml(base_url).replace('every = "30m"', f'every = "{every}"'))
    world.add_topics(DEMO_TOPICS_PATH)
    settings = ", ".join(f'{k} = "{v}"' for k, v in LOCAL_SITE_SETTINGS.items())
    config = world.root / "raqib.toml"
    config.write_text(f"""
db = "raqib.db"
seeds = "seeds"
timezone = "Asia/Baghdad"
[digest]
schedule = "{schedule}"
retry = "1s"
[crawl]
timeout = "60s"
jitter = "0"
settings = {{ {settings} }}
[[channel]]
type = "file"
path = "digests"
format = "json"
""", encoding="utf-8")
    return config


def start_run(config: Path, log: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "monitor.cli", "run", "--config", str(config)],
                            cwd=REPO_ROOT, stdout=subprocess.DEVNULL,
                            stderr=log.open("a", encoding="utf-8"))


def wait_for(condition, timeout: float = 60, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def query(world, sql: str) -> list[tuple]:
    db = world.db()
    try:
        return [tuple(row) for row in db.execute(sql).fetchall()]
    finally:
        db.close()


def stop(process: subprocess.Popen) -> int:
    process.send_signal(signal.SIGTERM)
    return process.wait(timeout=90)


def test_run_survives_sigterm_mid_crawl_and_a_restart(world):
    log = world.root / "run.log"
    with DemoServer(edition=1) as server:
        config = write_world(world, server.base_url)

        first = start_run(config, log)
        try:
            wait_for(lambda: world.db_path.exists() and query(
                world, "SELECT COUNT(*) FROM crawl_runs WHERE status = 'running'")[0][0] == 1,
                what="the first crawl to start")
            assert stop(first) == 0          # SIGTERM mid-crawl: a clean exit ...
        finally:
            if first.poll() is None:
                first.kill()
        text = log.read_text(encoding="utf-8")
        assert "SIGTERM received" in text and "stopped" in text
        # ... after letting the crawl finish: nothing half-done
        assert query(world, "SELECT status FROM crawl_runs") == [("finished",)]
        stored = query(world, "SELECT COUNT(*) FROM versions")[0][0]
        assert stored > 0

        server.set_edition(2)                # new stories and an edit while it was down
        second = start_run(config, log)
        try:
            wait_for(lambda: query(world, "SELECT COUNT(*) FROM crawl_runs WHERE status ="
                                          " 'finished'")[0][0] >= 2
                     and query(world, "SELECT COUNT(*) FROM alerts WHERE delivered IS NULL")
                     == [(0,)] and query(world, "SELECT COUNT(*) FROM alerts")[0][0] > 0,
                     timeout=90, what="a crawl of edition 2 and its digest")
            assert stop(second) == 0
        finally:
            if second.poll() is None:
                second.kill()

    assert query(world, "PRAGMA integrity_check") == [("ok",)]
    assert query(world, "SELECT COUNT(*) FROM crawl_runs WHERE status != 'finished'") == [(0,)]
    # No version stored twice: consecutive versions of an article always differ.
    assert query(world, "SELECT COUNT(*) FROM versions a JOIN versions b ON a.url = b.url"
                        " AND b.version = a.version + 1 AND a.content_hash = b.content_hash"
                 ) == [(0,)]
    assert query(world, "SELECT COUNT(*) FROM alerts WHERE kind = 'update'")[0][0] >= 1
    # Alerts raised by a crawl that finished after SIGTERM wait for the next digest: send it.
    flush = subprocess.run([sys.executable, "-m", "monitor.cli", "digest", "--send", "--config",
                            str(config)], cwd=REPO_ROOT, capture_output=True, text=True)
    assert flush.returncode == 0, flush.stderr
    # Every alert went out in exactly one digest file, none twice, none lost.
    files = sorted((world.root / "digests").glob("digest-*.json"))
    digests = [json.loads(f.read_text(encoding="utf-8")) for f in files]
    sent_ids = [alert["id"] for d in digests for alert in d["alerts"]]
    all_ids = [row[0] for row in query(world, "SELECT id FROM alerts ORDER BY id")]
    assert sorted(sent_ids) == all_ids
    assert len(files) == query(world, "SELECT COUNT(*) FROM digests")[0][0]
    text = log.read_text(encoding="utf-8")
    assert "crawl demo:" in text and "pages" in text and "new alert(s)" in text


def test_run_once_does_one_round_for_cron(world):
    with DemoServer(edition=1) as server:
        config = write_world(world, server.base_url)
        command = [sys.executable, "-m", "monitor.cli", "run", "--once", "--config", str(config)]
        done = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "demo:" in done.stdout and "monitor:" in done.stdout and "wrote" in done.stdout
    (written,) = (world.root / "digests").iterdir()
    assert json.loads(written.read_text(encoding="utf-8"))["count"] > 0


# --- the rules after a restart, with time passed in -------------------------------------------

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def site(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text('allowed_domains = ["example.com"]\nfeeds = ["https://example.com/rss"]\n'
                    'every = "30m"\n', encoding="utf-8")
    return load_site(path)


def test_a_site_is_crawled_one_interval_after_its_last_finished_crawl(site):
    recent = {"last_started": "2024-05-01T11:50:00+00:00",
              "last_finished": "2024-05-01T11:51:00+00:00"}
    assert first_crawl(site, recent, NOW) == NOW + timedelta(minutes=20)
    long_ago = {**recent, "last_started": "2024-05-01T08:00:00+00:00"}
    assert first_crawl(site, long_ago, NOW) == NOW          # overdue: once, now
    interrupted = {"last_started": "2024-05-01T11:59:00+00:00", "last_finished": None}
    assert first_crawl(site, interrupted, NOW) == NOW       # never finished: again, now
    assert first_crawl(site, None, NOW) == NOW


def test_a_digest_missed_while_stopped_is_sent_once_on_start():
    seven_baghdad = CronTrigger.from_crontab("0 7 * * *", timezone="Asia/Baghdad")  # 04:00 UTC
    yesterday = {"last_started": "2024-04-30T04:00:00+00:00"}
    assert first_digest(seven_baghdad, yesterday, NOW) == NOW     # today's 07:00 was missed
    today = {"last_started": "2024-05-01T04:00:01+00:00"}
    assert first_digest(seven_baghdad, today, NOW) is None        # already sent today
    assert first_digest(seven_baghdad, None, NOW) is None         # first start: wait for 07:00
