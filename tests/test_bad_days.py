"""A bad day never becomes a version: a site that answers its story URLs for one crawl with an
anti-bot challenge, a consent wall, a login wall, a paywall teaser, a maintenance page or a
soft 404 — shaped like the real ones (tests/local_news_site.py) — and recovers on the next
crawl leaves every article with exactly the versions it had, raises no ``update`` alert,
keeps the pages' validators as they were, records each refused page as a ``crawl_errors`` row
(stage ``blocked`` or ``not_article``, with the reason), and raises one ``health`` alert per
site that clears on recovery.

Seven sites, one bad day each, served on 127.0.0.1 and crawled together by the real spider
in a child process: before, during and after the bad day; the monitor runs after each crawl.
"""

from __future__ import annotations

import pytest

from crawl_helpers import CrawlWorld
from local_news_site import STORIES, NewsSite
from monitor.alerts import run_monitor
from monitor.health import open_problems
from monitor.topics import load_topics

TOPICS = """
[[topic]]
name = "الكهرباء"
any = ["الكهرباء"]
"""

# site id -> (layout of its bad day, status of that answer, stage recorded, words of the alert)
BAD_DAYS = {
    "challenge": ("challenge", 200, "blocked", "a challenge page"),
    "challenge403": ("challenge", 403, "blocked", "a challenge page"),
    "consent": ("consent", 200, "blocked", "a consent wall"),
    "login": ("login", 200, "blocked", "a login wall"),
    "paywall": ("paywall", 200, "blocked", "a paywall teaser"),
    "maintenance": ("maintenance", 200, "not_article", "an error page"),
    "soft404": ("soft404", 200, "not_article", "an error page"),
}


def snapshot(db) -> dict:
    return {
        "versions": {url: n for url, n in db.execute(
            "SELECT url, COUNT(*) FROM versions GROUP BY url")},
        "etags": {url: etag for url, etag in db.execute(
            "SELECT url, etag FROM fetch_state WHERE kind = 'article'")},
        "titles": {url: title for url, title in db.execute("SELECT url, title FROM articles")},
    }


@pytest.fixture(scope="module")
def bad_day(tmp_path_factory):
    world = CrawlWorld(tmp_path_factory.mktemp("bad-days"))
    world.seeds.mkdir(parents=True)
    world.seeds.joinpath("topics.toml").write_text(TOPICS, encoding="utf-8")
    topics = load_topics(world.seeds / "topics.toml")
    sites = {site_id: NewsSite() for site_id in BAD_DAYS}
    steps: dict[str, dict] = {}

    def crawl(step: str) -> None:
        outcome = world.crawl(*BAD_DAYS)
        assert outcome.returncode == 0, outcome.messages
        db = world.db()
        try:
            steps[step] = {"alerts": run_monitor(db, topics), "problems": open_problems(db),
                           **snapshot(db), "errors": [
                               dict(row) for row in db.query(
                                   "SELECT e.site, e.url, e.stage, e.message FROM crawl_errors e"
                                   " JOIN crawl_runs r ON r.id = e.run_id WHERE r.id IN ("
                                   " SELECT MAX(id) FROM crawl_runs GROUP BY site)")]}
        finally:
            db.close()

    for site in sites.values():
        site.__enter__()
    try:
        for site_id, site in sites.items():
            world.add_seed(site_id, site.seed_toml(site_id))
        crawl("before")
        for site_id, (layout, status, _, _) in BAD_DAYS.items():
            sites[site_id].layout, sites[site_id].challenge_status = layout, status
        before_recovery = {sid: len(site.requests) for sid, site in sites.items()}
        crawl("bad day")
        for site in sites.values():
            site.layout = "article"
        before_recovery = {sid: len(site.requests) for sid, site in sites.items()}
        crawl("recovered")
        recovery_requests = {sid: site.requests[before_recovery[sid]:]
                             for sid, site in sites.items()}
    finally:
        for site in sites.values():
            site.__exit__(None, None, None)
    return {"steps": steps, "sites": sites, "recovery_requests": recovery_requests}


def site_of(url: str, sites: dict) -> str:
    (site_id,) = [sid for sid, site in sites.items() if url.startswith(site.base_url + "/")]
    return site_id


def test_the_usual_crawl_stores_every_story_once_and_alerts_the_tracked_one(bad_day):
    before = bad_day["steps"]["before"]
    assert set(before["versions"].values()) == {1}
    assert len(before["versions"]) == len(BAD_DAYS) * len(STORIES)
    assert {a.kind for a in before["alerts"]} == {"new"}
    assert before["errors"] == [] and before["problems"] == {}


@pytest.mark.parametrize("site_id", BAD_DAYS)
def test_a_bad_day_stores_no_version_no_title_and_no_validator(bad_day, site_id):
    steps, sites = bad_day["steps"], bad_day["sites"]
    for name in ("bad day", "recovered"):
        for key in ("versions", "etags", "titles"):
            mine = {u: v for u, v in steps[name][key].items() if site_of(u, sites) == site_id}
            was = {u: v for u, v in steps["before"][key].items() if site_of(u, sites) == site_id}
            assert mine == was, (name, key)


@pytest.mark.parametrize("site_id", BAD_DAYS)
def test_every_refused_page_is_recorded_with_its_reason(bad_day, site_id):
    _, status, stage, _ = BAD_DAYS[site_id]
    errors = [e for e in bad_day["steps"]["bad day"]["errors"] if e["site"] == site_id]
    assert sorted(e["url"] for e in errors) == sorted(
        bad_day["sites"][site_id].story_url(n) for n in range(len(STORIES)))
    assert {e["stage"] for e in errors} == {stage}
    message = errors[0]["message"]
    if site_id == "challenge403":
        assert message.startswith("challenge page") and "HTTP 403" in message
    else:
        assert "no version stored" in message


def test_a_bad_day_raises_no_update_alert_only_one_health_alert_per_site(bad_day):
    alerts = bad_day["steps"]["bad day"]["alerts"]
    assert {a.kind for a in alerts} == {"health"}
    by_site = {a.site: a for a in alerts}
    assert sorted(by_site) == sorted(BAD_DAYS) and len(alerts) == len(BAD_DAYS)
    for site_id, (_, _, _, words) in BAD_DAYS.items():
        alert = by_site[site_id]
        assert alert.details["problem"] == "blocked"
        assert alert.title.startswith(f"{site_id} answers with {words} since ")
        assert alert.details["blocked"] == len(STORIES)
    assert bad_day["steps"]["bad day"]["problems"] == {sid: "blocked" for sid in BAD_DAYS}


def test_recovery_clears_the_problem_and_raises_nothing(bad_day):
    recovered = bad_day["steps"]["recovered"]
    assert recovered["alerts"] == [] and recovered["problems"] == {}
    assert recovered["errors"] == []


def test_the_recovered_pages_are_asked_for_with_the_validators_of_before(bad_day):
    """No validator of the bad day was kept: the site answers 304, the stories as stored."""
    for site_id, requests in bad_day["recovery_requests"].items():
        stories = [(path, asked, status) for path, asked, status in requests
                   if path.startswith("/news/")]
        assert len(stories) == len(STORIES), site_id
        assert {status for _, _, status in stories} == {304}, site_id
