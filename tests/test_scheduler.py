"""`raqib run`: the real command in a real process against the demo site on 127.0.0.1,
stopped with SIGTERM in the middle of a crawl and started again: nothing lost, nothing done
twice, the store intact. (The rules for when each job runs after a restart are in
test_schedules.py; restarts over a changing site in test_restart_soak.py.)"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from monitor.crawling import LOCAL_SITE_SETTINGS
from demo.server import DEMO_TOPICS_PATH, DemoServer, demo_seed_toml

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
    assert "crawl demo:" in text and "pages" in text and "new alert" in text


def test_run_once_does_one_round_for_cron(world):
    with DemoServer(edition=1) as server:
        config = write_world(world, server.base_url)
        command = [sys.executable, "-m", "monitor.cli", "run", "--once", "--config", str(config)]
        done = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "demo:" in done.stdout and "monitor:" in done.stdout and "wrote" in done.stdout
    (written,) = (world.root / "digests").iterdir()
    assert json.loads(written.read_text(encoding="utf-8"))["count"] > 0
