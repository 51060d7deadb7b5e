"""Site health: a site whose crawl finds no articles, or whose bodies come back empty or much
shorter than usual, raises one ``health`` alert per problem — not one per crawl."""

from __future__ import annotations

from monitor.alerts import list_alerts, run_monitor
from monitor.health import check_health, open_problems
from crawler.store import StoredArticle, count_in_run, finish_run, save_article, start_run
from monitor_helpers import new_db

PARAGRAPH = ("قال مسؤولون في وزارة المالية إن صعود أسعار النفط خلال الأسابيع الأخيرة سيقلص "
             "العجز الفعلي في الموازنة، بعدما تجاوز سعر خام البصرة 76 دولاراً للبرميل. ")
FULL_BODY = PARAGRAPH * 5  # about 700 characters
TEASER = PARAGRAPH[:120]


class Site:
    """A site crawled run after run; each run stores what it is given, like the pipeline."""

    def __init__(self, db, site="wire"):
        self.db, self.site, self.runs = db, site, 0

    def crawl(self, articles=(), *, pages=8, errors=0, failed=False):
        """One finished crawl run that fetched ``pages`` pages and found ``articles``
        (``(url, body)`` pairs)."""
        self.runs += 1
        started = f"2026-11-01T{self.runs:02d}:00:00+00:00"
        run_id = start_run(self.db, self.site, started=started)
        for url, body in articles:
            result = save_article(self.db, StoredArticle(
                url=url, site=self.site, title=f"خبر {url[-2:]}", body=body,
                fetched=f"2026-11-01T{self.runs:02d}:05:00+00:00"), run_id=run_id)
            if result != "same":
                count_in_run(self.db, run_id, result)
        self.db.execute("UPDATE crawl_runs SET pages = ?, errors = ? WHERE id = ?",
                        [0 if failed else pages, errors, run_id])
        finish_run(self.db, run_id, status="failed" if failed else "finished",
                   finished=f"2026-11-01T{self.runs:02d}:10:00+00:00")
        return run_id


def stories(first, count, body=FULL_BODY):
    return [(f"https://wire.test/story/{n:02d}", body + str(n))
            for n in range(first, first + count)]


def problems(alerts):
    return [(a.site, a.details["problem"]) for a in alerts]


def test_a_healthy_site_raises_nothing(tmp_path):
    db = new_db(tmp_path)
    wire = Site(db)
    wire.crawl(stories(1, 6))
    assert check_health(db) == []
    wire.crawl(stories(1, 6))  # nothing new: the stored articles are seen again
    assert check_health(db) == []


def test_a_crawl_that_finds_no_articles_raises_one_alert_until_the_site_recovers(tmp_path):
    db = new_db(tmp_path)
    wire = Site(db)
    wire.crawl(stories(1, 6))
    check_health(db)

    wire.crawl([], pages=3, errors=6)
    (alert,) = check_health(db, now="2026-11-01T02:15:00+00:00")
    assert (alert.kind, alert.topic, alert.site, alert.details["problem"]) == (
        "health", "", "wire", "no_articles")
    assert alert.title == "wire: the last crawl found no articles (3 page(s) fetched, 6 error(s))"
    assert alert.created == "2026-11-01T02:15:00+00:00" and alert.sources == []

    assert check_health(db) == []  # a rerun
    wire.crawl([], pages=3)
    assert check_health(db) == []  # the problem persists
    wire.crawl(stories(1, 2))  # stored articles re-read, but still nothing new is found
    assert check_health(db) == [] and open_problems(db) == {"wire": "no_articles"}
    wire.crawl(stories(7, 1))  # a new story: the site is back
    assert check_health(db) == [] and open_problems(db) == {}

    wire.crawl([], pages=3)  # and it happens again
    assert problems(check_health(db)) == [("wire", "no_articles")]
    assert len(list_alerts(db)) == 2


def test_a_site_that_answers_nothing_is_unreachable(tmp_path):
    db = new_db(tmp_path)
    Site(db).crawl([], errors=4, failed=True)
    (alert,) = check_health(db)
    assert alert.details["problem"] == "unreachable"
    assert alert.title == "wire: the last crawl reached no page (4 error(s))"


def test_bodies_that_come_back_empty_raise_an_alert(tmp_path):
    db = new_db(tmp_path)
    wire = Site(db)
    wire.crawl(stories(1, 4))
    check_health(db)
    wire.crawl(stories(1, 4, body=""))
    (alert,) = check_health(db)
    assert alert.details["problem"] == "empty_bodies"
    assert alert.title == "wire: 4 of the 4 articles stored by the last crawl have an empty body"


def test_bodies_much_shorter_than_the_sites_usual_raise_an_alert_once(tmp_path):
    db = new_db(tmp_path)
    wire = Site(db)
    wire.crawl(stories(1, 6))
    check_health(db)

    wire.crawl(stories(1, 4, body=TEASER))  # a paywall: only the first lines come back
    (alert,) = check_health(db)
    assert alert.details["problem"] == "short_bodies"
    assert alert.details["median_chars"] < 0.4 * alert.details["usual_chars"]
    assert "much shorter than usual" in alert.title

    wire.crawl(stories(7, 3, body=TEASER))
    assert check_health(db) == []  # still short: the same problem
    wire.crawl(stories(1, 6))  # full bodies again
    assert check_health(db) == [] and open_problems(db) == {}


def test_a_new_site_with_short_stories_is_not_short_of_anything(tmp_path):
    db = new_db(tmp_path)
    Site(db).crawl(stories(1, 5, body=TEASER))
    assert check_health(db) == []


def test_one_short_story_among_usual_ones_is_news_not_a_problem(tmp_path):
    db = new_db(tmp_path)
    wire = Site(db)
    wire.crawl(stories(1, 6))
    wire.crawl(stories(7, 1, body=TEASER) + stories(8, 3))
    assert check_health(db) == []


def test_each_site_is_judged_on_its_own(tmp_path):
    db = new_db(tmp_path)
    wire, daily = Site(db, "wire"), Site(db, "daily")
    wire.crawl(stories(1, 3))
    daily.crawl([], pages=2)
    assert problems(check_health(db)) == [("daily", "no_articles")]


def test_the_monitor_raises_health_alerts_after_the_versions(tmp_path):
    db = new_db(tmp_path)
    wire = Site(db)
    wire.crawl(stories(1, 3))
    assert run_monitor(db, [], now="2026-11-01T02:00:00+00:00") == []
    wire.crawl([], pages=3)

    (alert,) = run_monitor(db, [], now="2026-11-01T03:00:00+00:00")
    assert alert.kind == "health"
    assert run_monitor(db, [], now="2026-11-01T04:00:00+00:00") == []
    assert [a.to_json()["kind"] for a in list_alerts(db)] == ["health"]


def test_a_crawl_still_running_is_not_judged(tmp_path):
    db = new_db(tmp_path)
    start_run(db, "wire", started="2026-11-01T01:00:00+00:00")
    assert check_health(db) == []


def test_a_crawl_whose_pages_answered_not_modified_has_not_lost_its_articles(tmp_path):
    """A quiet site: the feed answers 304 and no stored article is due for a re-fetch."""
    db = new_db(tmp_path)
    wire = Site(db)
    wire.crawl(stories(1, 3))
    run_id = wire.crawl([], pages=2)
    db.execute("UPDATE crawl_runs SET not_modified = 2 WHERE id = ?", [run_id])
    assert check_health(db) == []


def test_a_crawl_that_re_read_stored_articles_has_found_articles_whatever_its_clock(tmp_path):
    """The run counts the stored articles it found as stored (``crawl_runs.unchanged``): a
    crawl whose clock is behind the run's start (``RAQIB_NOW``) is not judged by it."""
    db = new_db(tmp_path)
    wire = Site(db)
    wire.crawl(stories(1, 3))
    run_id = wire.crawl([], pages=3, errors=1)
    db.execute("UPDATE crawl_runs SET unchanged = 2 WHERE id = ?", [run_id])
    assert check_health(db) == []


def test_a_crawl_whose_listings_named_only_stored_articles_not_due_has_found_articles(tmp_path):
    db = new_db(tmp_path)
    wire = Site(db)
    wire.crawl(stories(1, 3))
    run_id = wire.crawl([], pages=1)
    db.execute("UPDATE crawl_runs SET listed = 3 WHERE id = ?", [run_id])
    assert check_health(db) == []


# Each health reason and the test that raises it (a new reason needs its test).
REASON_TESTS = {
    "unreachable": "tests/test_health.py::test_a_site_that_answers_nothing_is_unreachable",
    "blocked": "tests/test_bad_days.py::"
               "test_a_bad_day_raises_no_update_alert_only_one_health_alert_per_site",
    "outgrown": "tests/test_pace.py::"
                "test_a_budget_reached_crawl_after_crawl_raises_one_alert_that_clears",
    "extraction": "tests/test_extraction_health.py::"
                  "test_a_redesign_raises_one_health_alert_after_one_crawl_naming_the_pages",
    "no_articles": "tests/test_honest_health.py::"
                   "test_a_crawl_that_re_read_stored_articles_unchanged_raises_no_health_alert",
    "empty_bodies": "tests/test_health.py::test_bodies_that_come_back_empty_raise_an_alert",
    "short_bodies": "tests/test_health.py::"
                    "test_bodies_much_shorter_than_the_sites_usual_raise_an_alert_once",
}


def test_every_health_reason_has_a_test_that_raises_it():
    from pathlib import Path

    from monitor.health import PROBLEMS

    assert set(REASON_TESTS) == set(PROBLEMS)
    root = Path(__file__).parent.parent
    for reason, where in REASON_TESTS.items():
        path, _, name = where.partition("::")
        text = (root / path).read_text(encoding="utf-8")
        assert f'"{reason}"' in text, (reason, path)
        assert not name or f"def {name}(" in text, (reason, where)
