"""A crawl that outgrows its interval is told (monitor/pace.py): a busy site whose refetch
budget is reached crawl after crawl raises one ``health`` alert (problem ``outgrown``) with
the figures and what to change in the seed, shown by ``raqib status`` and the digest's health
section, cleared by a crawl within its budget; crawls that take longer than the site's
interval show in ``raqib status``.

The busy site of tests/test_refetch_budget.py is served on 127.0.0.1 and crawled by the real
spider in a child process, the crawl's clock moved with ``RAQIB_NOW``."""

from __future__ import annotations

from datetime import timedelta

import pytest
from click.testing import CliRunner

from crawl_helpers import CrawlWorld
from crawler.store import finish_run, open_db, start_run
from monitor.alerts import run_monitor
from monitor.cli import main
from monitor.digest import pending_alerts, render_digest
from monitor.health import open_problems
from monitor.pace import crawl_pace
from monitor.topics import load_topics
from monitor.crawling import LOCAL_SITE_SETTINGS, crawl_sites
from test_refetch_budget import EVERY, PER_CRAWL, START, BusySite

pytestmark = pytest.mark.slow  # a simulated day of crawls


def seed(site: BusySite, budget: int) -> str:
    return (f'name = "مدينة"\nallowed_domains = ["127.0.0.1"]\nfeeds = ["{site.base}/rss.xml"]\n'
            f"article_url = '/news/\\d+\\.html$'\ndiscover_sitemaps = false\n"
            f"refetch_budget = {budget}\n")


def test_a_budget_reached_crawl_after_crawl_raises_one_alert_that_clears(tmp_path):
    world = CrawlWorld(tmp_path)
    world.seeds.mkdir(parents=True)
    world.seeds.joinpath("topics.toml").write_text("", encoding="utf-8")
    topics = load_topics(world.seeds / "topics.toml")
    raised = []
    with BusySite() as site:
        world.add_seed("busy", seed(site, 5))
        for k in range(6):
            if k == 5:
                world.add_seed("busy", seed(site, 500))  # the operator raised the budget
            now = START + k * EVERY
            for i in range(PER_CRAWL):
                site.publish(k * PER_CRAWL + i, now - EVERY + (i + 1) * EVERY / (PER_CRAWL + 1))
            outcome = crawl_sites(world.db_path, world.seeds, ["busy"],
                                  {**LOCAL_SITE_SETTINGS, "RAQIB_NOW": now.isoformat()},
                                  timeout=120)
            assert outcome.returncode == 0, outcome.messages
            db = world.db()
            try:
                raised.append([a for a in run_monitor(db, topics) if a.kind == "health"])
                if k == 4:
                    problems_before_raise = open_problems(db)
                    status = CliRunner().invoke(main, ["status", "--db", str(world.db_path),
                                                       "--seeds", str(world.seeds)]).output
                    digest = render_digest(pending_alerts(db), "text")
            finally:
                db.close()
    # crawls 2, 3 and 4 deferred refetches: one alert, after the third
    assert [len(r) for r in raised] == [0, 0, 0, 1, 0, 0]
    (alert,) = raised[3]
    assert alert.details["problem"] == "outgrown" and alert.details["refetch_deferred"] > 0
    assert "reached its refetch budget" in alert.title and "raise `refetch_budget`" in alert.title
    assert problems_before_raise == {"busy": "outgrown"}
    assert "outgrown: busy: each of the last 3 crawls reached its refetch budget" in status
    assert "reached its refetch budget" in digest
    db = open_db(world.db_path)
    try:
        assert open_problems(db) == {}  # the crawl within its new budget cleared it
    finally:
        db.close()


def test_crawls_longer_than_the_interval_show_in_status(tmp_path):
    db = open_db(tmp_path / "raqib.db")
    for hour in range(3):
        run = start_run(db, "busy", started=f"2026-12-01T0{hour * 2}:00:00+00:00")
        finish_run(db, run, finished=f"2026-12-01T0{hour * 2 + 1}:10:00+00:00")
    (pace,) = crawl_pace(db, "busy", timedelta(minutes=30))
    assert pace.problem == "slow" and pace.figures["durations_s"] == [4200] * 3
    assert "took 1h10m, 1h10m, 1h10m; every 30m" in pace.summary and "raise `every`" in pace.summary
    assert crawl_pace(db, "busy", timedelta(hours=2)) == []
    db.close()
