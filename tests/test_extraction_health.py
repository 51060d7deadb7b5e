"""Extraction health the user can see: every page whose body came out empty or collapsed,
needed the fallback or made the extractor raise is an ``extraction_problems`` row of its site;
a site whose extraction breaks after a redesign raises a ``health`` alert after that one crawl,
shows in ``raqib status`` (text and json) and the digest's health section with the pages, and
the problem clears when extraction recovers.

The crawls run the real spider in a child process against a site served on 127.0.0.1; its
redesign moves each story into a JSON blob rendered by script, so the bodies come out empty.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from crawler.pagestore import PROBLEM_STATUSES
from crawl_helpers import CrawlWorld
from local_news_site import STORIES, NewsSite
from monitor.cli import main
from monitor.health import check_health, extraction_health, open_problems
from crawler.store import StoredArticle, count_in_run, finish_run, save_article, start_run

TOPICS = """
[[topic]]
name = "الكهرباء"
any = ["الكهرباء"]
"""


def raqib(world, *args: str) -> str:
    result = CliRunner().invoke(main, [*args, "--db", str(world.db_path),
                                       "--seeds", str(world.seeds)])
    assert result.exit_code == 0, result.output
    return result.output


def health_alerts(world) -> list[dict]:
    db = world.db()
    try:
        return [{**row, "details": json.loads(row["details"])}
                for row in db.query("SELECT * FROM alerts WHERE kind = 'health' ORDER BY id")]
    finally:
        db.close()


@pytest.fixture(scope="module")
def redesigned(tmp_path_factory):
    """The site crawled in its usual layout, once after its redesign, then back in its usual
    layout; the monitor run after each crawl. Yields the world, the site and what each step
    showed."""
    world = CrawlWorld(tmp_path_factory.mktemp("redesign"))
    steps = {}
    with NewsSite() as site:
        world.add_seed("rafid", site.seed_toml())
        world.seeds.joinpath("topics.toml").write_text(TOPICS, encoding="utf-8")
        assert world.crawl("rafid").returncode == 0
        raqib(world, "monitor")
        db = world.db()
        steps["usual"] = {"alerts": health_alerts(world), "status": raqib(world, "status"),
                          "versions": db["versions"].count,
                          "problems": db["extraction_problems"].count}
        db.close()

        site.layout = "script"
        world.crawl("rafid")
        raqib(world, "monitor")
        db = world.db()
        steps["redesign"] = {"alerts": health_alerts(world), "status": raqib(world, "status"),
                             "json": json.loads(raqib(world, "status", "--format", "json")),
                             "digest": raqib(world, "digest"),
                             "html": raqib(world, "digest", "--format", "html"),
                             "versions": db["versions"].count,
                             "bodies": [row["body"] for row in db["articles"].rows],
                             "problems": list(db.query(
                                 "SELECT p.site, p.url, p.status, p.body_chars, r.extracted"
                                 " FROM extraction_problems p"
                                 " JOIN crawl_runs r ON r.id = p.run_id"))}
        db.close()
        raqib(world, "monitor")
        steps["redesign rerun"] = {"alerts": health_alerts(world)}

        site.layout, site.build = "article", 3  # the usual layout is back, in a new build
        assert world.crawl("rafid").returncode == 0
        raqib(world, "monitor")
        db = world.db()
        steps["recovered"] = {"alerts": health_alerts(world), "status": raqib(world, "status"),
                              "open": open_problems(db),
                              "health": extraction_health(db, "rafid")}
        db.close()
    yield world, site, steps


def test_the_usual_layout_extracts_well_and_raises_nothing(redesigned):
    world, site, steps = redesigned
    assert steps["usual"]["alerts"] == []
    assert steps["usual"]["problems"] == 0
    assert "extraction:" not in steps["usual"]["status"]


def test_a_redesign_that_empties_bodies_is_recorded_page_by_page(redesigned):
    world, site, steps = redesigned
    rows = steps["redesign"]["problems"]
    assert sorted(row["url"] for row in rows) == sorted(site.story_url(n)
                                                       for n in range(len(STORIES)))
    assert {row["site"] for row in rows} == {"rafid"}
    assert {row["status"] for row in rows} <= set(PROBLEM_STATUSES)
    assert {row["extracted"] for row in rows} == {len(STORIES)}


def test_a_redesign_raises_one_health_alert_after_one_crawl_naming_the_pages(redesigned):
    world, site, steps = redesigned
    (alert,) = steps["redesign"]["alerts"]
    assert (alert["site"], alert["topic"], alert["details"]["problem"]) == (
        "rafid", "", "extraction")
    assert f"on {len(STORIES)} of {len(STORIES)} pages of rafid since " in alert["title"]
    assert sorted(alert["details"]["urls"]) == sorted(site.story_url(n)
                                                      for n in range(len(STORIES)))
    assert steps["redesign rerun"]["alerts"] == [alert]  # once per problem


def test_raqib_status_shows_the_sites_extraction_problem_with_its_pages(redesigned):
    world, site, steps = redesigned
    text = steps["redesign"]["status"]
    (alert,) = steps["redesign"]["alerts"]
    assert f"    extraction: {alert['title']}" in text
    for n in range(len(STORIES)):
        assert f"      {site.story_url(n)}" in text
    (status,) = [s for s in steps["redesign"]["json"]["sites"] if s["site"] == "rafid"]
    extraction = status["extraction"]
    assert extraction["summary"] == alert["title"]
    assert (extraction["pages"], extraction["problems"], extraction["runs"]) == (
        len(STORIES), len(STORIES), 1)
    assert sum(extraction["by_status"].values()) == len(STORIES)
    assert len(extraction["urls"]) == len(STORIES)


def test_the_digest_health_section_names_the_problem_and_the_pages(redesigned):
    world, site, steps = redesigned
    (alert,) = steps["redesign"]["alerts"]
    text, html = steps["redesign"]["digest"], steps["redesign"]["html"]
    assert "== Site health · 1 alert ==" in text and alert["title"] in text
    assert "تعذّر استخراج نصوص المقالات" in html
    for n in range(len(STORIES)):
        assert site.story_url(n) in text and site.story_url(n) in html


def test_nothing_stored_is_lost_to_the_redesign(redesigned):
    world, site, steps = redesigned
    assert steps["redesign"]["versions"] == steps["usual"]["versions"]
    bodies = steps["redesign"]["bodies"]
    assert len(bodies) == len(STORIES) and all(len(body) > 200 for body in bodies)


def test_the_problem_clears_when_extraction_recovers(redesigned):
    world, site, steps = redesigned
    recovered = steps["recovered"]
    assert recovered["open"] == {} and recovered["health"] is None
    assert "extraction:" not in recovered["status"]
    assert recovered["alerts"] == steps["redesign"]["alerts"]  # recovery raises nothing


def test_a_run_that_reads_no_article_page_is_no_proof_of_recovery(tmp_path):
    """A crawl whose article pages all answered ``304`` (or were not due) extracted nothing:
    the site's extraction problem stays open until a run extracts pages well."""
    from crawler.store import open_db

    db = open_db(tmp_path / "raqib.db")

    def crawl(hour: int, extracted: int, problems: int) -> None:
        run_id = start_run(db, "wire", started=f"2026-12-03T{hour:02d}:00:00+00:00")
        for n in range(extracted):
            url = f"https://wire.test/{n}"
            save_article(db, StoredArticle(url=url, site="wire", title="خبر", body="نص " * 50,
                                           fetched=f"2026-12-03T{hour:02d}:01:00+00:00"),
                         run_id=run_id)
            count_in_run(db, run_id, "extracted")
            if n < problems:
                db.execute("INSERT INTO extraction_problems (site, url, status, run_id, created)"
                           " VALUES ('wire', ?, 'collapsed', ?, ?)",
                           [url, run_id, f"2026-12-03T{hour:02d}:01:00+00:00"])
        db.execute("UPDATE crawl_runs SET pages = 5, not_modified = 5 WHERE id = ?", [run_id])
        finish_run(db, run_id, finished=f"2026-12-03T{hour:02d}:10:00+00:00")

    crawl(1, extracted=4, problems=0)
    assert check_health(db) == []
    crawl(2, extracted=4, problems=3)
    (alert,) = check_health(db)
    assert alert.title == ("extraction collapsed on 3 of 4 pages of wire since "
                           "2026-12-03T02:00:00+00:00")
    crawl(3, extracted=0, problems=0)  # every page answered 304
    assert check_health(db) == [] and open_problems(db) == {"wire": "extraction"}
    crawl(4, extracted=4, problems=1)  # one page in four is not a broken site: recovered
    assert check_health(db) == [] and open_problems(db) == {}
    db.close()
