"""`raqib status` (each site's last and next crawl, errors, the pending digest) and `raqib
serve` (Datasette on 127.0.0.1 with descriptions and canned queries), on real stores."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from crawl_helpers import free_port
from crawler.store import finish_run, record_error, start_run
from monitor.alerts import run_monitor
from monitor.cli import main
from monitor.serve import datasette_available, datasette_metadata
from monitor.topics import Topic
from monitor_helpers import IRAQ_CANADA, STORY_BODY, STORY_BODY_EDITED, STORY_TITLE, new_db, save

REPO_ROOT = Path(__file__).resolve().parents[1]
TOPICS = [Topic(name="العراق وكندا", all=("العراق", "كندا"))]


@pytest.fixture
def store(tmp_path):
    """A site crawled twice (the second time with an error), one story edited, alerts."""
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "demo.toml").write_text('name = "ديمو"\nallowed_domains = ["demo.test"]\n'
                                     'feeds = ["https://demo.test/rss"]\nevery = "30m"\n',
                                     encoding="utf-8")
    db = new_db(tmp_path)
    run = start_run(db, "demo", started="2024-05-01T09:00:00+00:00")
    save(db, IRAQ_CANADA, STORY_TITLE, STORY_BODY)
    finish_run(db, run, finished="2024-05-01T09:01:00+00:00")
    run = start_run(db, "demo", started="2024-05-02T09:00:00+00:00")
    save(db, IRAQ_CANADA, STORY_TITLE, STORY_BODY_EDITED, fetched="2024-05-02T09:00:30+00:00")
    record_error(db, "demo", "fetch", "HTTP 503", url="https://demo.test/news/2", run_id=run)
    finish_run(db, run, finished="2024-05-02T09:01:00+00:00")
    run_monitor(db, TOPICS)
    db.close()
    return tmp_path


def test_status_shows_each_sites_crawls_and_errors_and_the_pending_digest(store):
    result = CliRunner().invoke(main, ["status", "--db", str(store / "raqib.db"),
                                       "--seeds", str(store / "seeds")])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "demo (every 30m)" in out
    # readable times, in the configured zone (UTC without a config: issue 12)
    assert out.startswith("times in UTC\n")
    assert ("last crawl: \u2068الخميس 2 مايو 2024، 09:00\u2069 finished: 0 pages, 0 new,"
            " 0 changed, 1 error") in out   # counted in the singular (issue 12)
    assert "next crawl: due now" in out          # its 30 minutes are long past
    assert "[fetch] https://demo.test/news/2: HTTP 503" in out
    db = new_db(store)
    (waiting,) = db.execute("SELECT COUNT(*) FROM alerts").fetchone()   # none sent yet
    db.close()
    assert waiting >= 2 and f"alerts waiting for the next digest: {waiting}" in out

    as_json = CliRunner().invoke(main, ["status", "--format", "json", "--db",
                                        str(store / "raqib.db"), "--seeds", str(store / "seeds")])
    data = json.loads(as_json.output)
    assert data["sites"][0]["site"] == "demo" and data["unbuilt_alerts"] == waiting


def test_serve_metadata_describes_every_table_and_has_the_canned_queries(tmp_path):
    metadata = datasette_metadata(tmp_path / "raqib.db")["databases"]["raqib"]
    assert {"articles", "versions", "alerts", "crawl_runs", "deliveries"} <= set(metadata["tables"])
    assert metadata["tables"]["alerts"]["columns"]["delivered"]
    assert {"latest_alerts", "edited_stories", "sites_health", "crawl_history",
            "search"} <= set(metadata["queries"])


CONFIRMED = "https://demo.test/news/5"   # «أكد», written without shadda
TO_CANADA = "https://demo.test/news/6"   # «لكندا» only: كندا with a clitic


@pytest.mark.skipif(not datasette_available(), reason="datasette (the serve extra) not installed")
def test_serve_runs_datasette_on_localhost_with_the_canned_queries(store):
    db = new_db(store)  # stored after the monitor's last run: serve brings the index up to date
    save(db, CONFIRMED, "الوزير أكد نجاح الزيارة", "أكد الوزير أن الزيارة كانت ناجحة.")
    save(db, TO_CANADA, "وفد تجاري يسافر غداً", "يتوجه الوفد التجاري لكندا صباح الغد.")
    db.close()
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "monitor.cli", "serve", "--port", str(port),
                               "--db", str(store / "raqib.db")], cwd=REPO_ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}/raqib"

    def get(path: str):
        with urllib.request.urlopen(base + path, timeout=10) as response:
            return json.loads(response.read())

    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                alerts = get("/latest_alerts.json?_shape=array")
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.2)
        assert {"new", "update"} <= {a["kind"] for a in alerts}
        edited = get("/edited_stories.json?_shape=array")
        assert edited[0]["version"] == 2 and "+ " in edited[0]["body_diff"]
        # The FTS index, queried as `raqib search` queries it: «اكد» without hamza or shadda
        # finds «أكّد» and «أكد»; «أكّد» finds «أكد»; «كندا» finds «لكندا»; bm25 ranks them.
        def search(q: str) -> list[dict]:
            return get("/search.json?_shape=array&q=" + urllib.parse.quote(q))

        assert {row["url"] for row in search("اكد")} == {IRAQ_CANADA, CONFIRMED}
        found = search("أكّد")
        assert {row["url"] for row in found} == {IRAQ_CANADA, CONFIRMED}
        assert found[0]["url"] == CONFIRMED  # in its title too: it ranks first
        assert [row["score"] for row in found] == sorted((r["score"] for r in found),
                                                         reverse=True)
        assert "[أكد]" in found[0]["snippet"]  # the original words, matches marked
        found = search("كندا")
        assert TO_CANADA in {row["url"] for row in found}
        assert next(r for r in found if r["url"] == TO_CANADA)["snippet"].count("[لكندا]") == 1
        assert [row["url"] for row in search("كندا التجاري")] == [TO_CANADA]
        assert search("بريطانيا") == [] and search("") == [] and search("،") == []
        health = get("/sites_health.json?_shape=array")
        assert health[0]["site"] == "demo" and health[0]["errors"] == 1
        history = get("/crawl_history.json?_shape=array&site=")
        assert len(history) == 2
    finally:
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=15) is not None
