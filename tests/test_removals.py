"""A tracked story taken down raises one ``removed`` alert, and a ``restored`` one if it comes
back (issue 16 item 1). Over real HTTP on 127.0.0.1: a site whose feed lists two stories, one
about a tracked topic; the crawl's clock moved with ``RAQIB_NOW`` so that two failed checks
are an hour apart without waiting an hour; the monitor runs after each crawl, with the same
clock."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from click.testing import CliRunner

from crawl_helpers import CrawlWorld
from local_site import RSS, TEXT, LocalSite, Page, article_page, rss, story
from monitor.alerts import list_alerts, run_monitor
from monitor.cli import main
from monitor.crawling import LOCAL_SITE_SETTINGS, crawl_sites
from monitor.digest import pending_alerts, render_digest
from monitor.serve import QUERIES
from monitor.status import collect_status, render_status
from monitor.topics import load_topics
from crawler.sites import load_sites

T0 = datetime(2026, 11, 1, 8, 0, tzinfo=timezone.utc)
TOPICS = """
[[topic]]
name = "الكهرباء"
any = ["الكهرباء"]
"""
TRACKED = ["أعلنت وزارة الكهرباء أن ساعات التجهيز سترتفع في بغداد والمحافظات خلال الأسبوع "
           "المقبل بعد إصلاح خطوط النقل التي تضررت في العاصفة الأخيرة.",
           "وقال المتحدث باسم الوزارة إن فرق الصيانة تعمل على مدار الساعة لإعادة التيار إلى "
           "الأحياء التي انقطع عنها منذ يومين."]
EDITED = [*TRACKED, "وأضاف أن الوزارة ستعلن جدولاً جديداً للقطع المبرمج يوم الأحد."]


class Wire:
    """The local site: /news/1 (tracked: about الكهرباء) and /news/2 (untracked)."""

    def __init__(self, site: LocalSite):
        self.site = site
        site.add("/robots.txt", Page(b"User-agent: *\nAllow: /\n", TEXT))
        site.add("/rss.xml", Page(rss([site.url("/news/1"), site.url("/news/2")]), RSS))
        self.serve(1, TRACKED)
        self.serve(2, story(2))

    def serve(self, n: int, paragraphs: list[str]) -> None:
        title = "الكهرباء تعد بساعات تجهيز أطول" if n == 1 else "خبر رقم 2 عن الاقتصاد"
        self.site.add(f"/news/{n}", article_page(title, paragraphs))

    def take_down(self, n: int, status: int = 404) -> None:
        self.site.add(f"/news/{n}", Page(b"not found", TEXT, status))

    def redirect_home(self, n: int) -> None:
        self.site.add(f"/news/{n}", Page(b"", TEXT, 301, {"Location": "/"}))
        self.site.add("/", Page(b'<html lang="ar"><body><h1>\xd8\xa7\xd9\x84\xd8\xb1\xd8\xa6\xd9'
                                b'\x8a\xd8\xb3\xd9\x8a\xd8\xa9</h1></body></html>'))


def seed(site: LocalSite) -> str:
    return (f'name = "موقع"\nallowed_domains = ["127.0.0.1"]\nfeeds = ["{site.url("/rss.xml")}"]\n'
            "article_url = '^http://127\\.0\\.0\\.1:\\d+/news/\\d+'\n"
            'every = "30m"\nmax_age = "3650d"\n')


class Watch:
    """Crawl, then run the monitor, at a given time."""

    def __init__(self, world: CrawlWorld, site: LocalSite):
        world.add_seed("wire", seed(site))
        world.seeds.joinpath("topics.toml").write_text(TOPICS, encoding="utf-8")
        self.world, self.site = world, site
        self.topics = load_topics(world.seeds / "topics.toml")
        self.db = world.db()

    def at(self, minutes: int) -> list:
        now = T0 + timedelta(minutes=minutes)
        outcome = crawl_sites(self.world.db_path, self.world.seeds, ["wire"],
                              {**LOCAL_SITE_SETTINGS, "RAQIB_NOW": now.isoformat()}, timeout=120)
        assert outcome.returncode == 0, outcome.messages
        return run_monitor(self.db, self.topics, now=now.isoformat(timespec="seconds"))

    def url(self, n: int) -> str:
        return self.site.url(f"/news/{n}")

    def removals(self) -> list[tuple]:
        return self.db.execute("SELECT url, status, removed IS NOT NULL, restored IS NOT NULL"
                               " FROM removals ORDER BY id").fetchall()


@pytest.fixture
def watched(world):
    """The site served, its seed and topics written, and the watch over them."""
    with LocalSite() as site:
        watch = Watch(world, site)
        yield Wire(site), watch
    

def kinds(alerts) -> list[tuple[str, str]]:
    return [(a.kind, a.url) for a in alerts]


def test_a_tracked_story_404_twice_an_hour_apart_raises_one_removed_alert(watched, world):
    wire, watch = watched
    assert kinds(watch.at(0)) == [("new", watch.url(1))]
    wire.take_down(1)
    assert watch.at(30) == []                        # one failed check: nothing yet
    assert watch.removals() == [(watch.url(1), 404, 0, 0)]
    (removed,) = watch.at(90)                        # the second, an hour later
    assert (removed.kind, removed.url, removed.topic) == ("removed", watch.url(1), "الكهرباء")
    assert removed.title == "الكهرباء تعد بساعات تجهيز أطول"
    assert removed.details["first_lines"].startswith("أعلنت وزارة الكهرباء")
    assert removed.details["status"] == 404 and removed.details["version"] == 1
    assert removed.details["online_seconds"] >= 0
    assert watch.at(150) == [] and watch.at(300) == []  # still gone: told once
    assert [a.kind for a in list_alerts(watch.db)] == ["new", "removed"]  # no health alert

    digest = pending_alerts(watch.db)
    text = render_digest(digest, "text")
    assert "[removed]" in text and "HTTP 404" in text and "first lines:" in text
    assert "Removed stories" in render_digest(digest, "markdown")
    page = render_digest(digest, "html")
    assert 'class="removed"' in page and "قصص حُذفت" in page and 'dir="rtl"' in page
    (section,) = json.loads(render_digest(digest, "json"))["topics"]
    assert [r["kind"] for r in section["removals"]] == ["removed"]
    assert section["removals"][0]["alert"] == removed.id

    result = CliRunner().invoke(main, ["history", watch.url(1), "--db",
                                       str(world.db_path)])
    assert result.exit_code == 0, result.output
    assert "removed 2026-11-01T09:30:00+00:00 · HTTP 404" in result.output

    result = CliRunner().invoke(main, ["history", watch.url(1), "--format", "json", "--db",
                                       str(world.db_path)])
    assert result.exit_code == 0, result.output
    (version,) = json.loads(result.output)
    (removal,) = version["removals"]  # listed under the version it took down
    assert removal["removed"] == "2026-11-01T09:30:00+00:00" and removal["status"] == 404
    assert removal["restored"] is None and removal["checks"] >= 2


def test_one_404_then_back_raises_nothing(watched):
    wire, watch = watched
    watch.at(0)
    wire.take_down(1)
    assert watch.at(30) == []
    wire.serve(1, TRACKED)
    assert watch.at(60) == [] and watch.at(150) == []
    assert watch.removals() == []  # a transient failure leaves no removal
    assert [a.kind for a in list_alerts(watch.db)] == ["new"]


def test_removed_then_restored_raises_removed_then_restored_with_the_diff(watched):
    wire, watch = watched
    watch.at(0)
    wire.take_down(1, 410)
    watch.at(30)
    assert kinds(watch.at(100)) == [("removed", watch.url(1))]
    wire.serve(1, EDITED)                            # back, with a paragraph more
    (restored,) = watch.at(180)
    assert (restored.kind, restored.url) == ("restored", watch.url(1))
    assert restored.details["changed"] is True
    assert restored.details["diff"]["body"]["changes"][0]["added"] == [
        "وأضاف أن الوزارة ستعلن جدولاً جديداً للقطع المبرمج يوم الأحد."]
    assert [a.kind for a in list_alerts(watch.db)] == ["new", "removed", "restored"]
    assert watch.removals() == [(watch.url(1), 410, 1, 1)]
    text = render_digest(pending_alerts(watch.db), "text")
    assert text.index("[removed]") < text.index("[restored]")
    assert "changed: version 1 → 2" in text


def test_a_story_redirected_to_the_home_page_is_removed_and_back_as_it_was(watched):
    wire, watch = watched
    watch.at(0)
    wire.redirect_home(1)
    watch.at(30)
    (removed,) = watch.at(90)
    assert removed.details["reason"].startswith("redirected to the home page")
    assert watch.db.execute("SELECT COUNT(*) FROM articles").fetchone()[0] == 2  # no home
    wire.serve(1, TRACKED)
    (restored,) = watch.at(150)
    assert restored.kind == "restored" and restored.details["changed"] is False
    assert "came back as it was" in render_digest([restored], "text")


def test_an_untracked_removal_is_recorded_and_listed_not_alerted(watched, world):
    wire, watch = watched
    watch.at(0)
    wire.take_down(2)
    watch.at(30)
    assert watch.at(90) == []
    assert watch.removals() == [(watch.url(2), 404, 1, 0)]
    sites, _ = load_sites(world.seeds)
    status = collect_status(watch.db, sites, now=T0 + timedelta(minutes=90))
    assert status.sites[0].removed_count == 1
    assert "removed stories: 1" in render_status(status)
    listed = watch.db.execute(QUERIES["removed_stories"]["sql"], {"site": "wire"}).fetchall()
    assert [row[2] for row in listed] == [watch.url(2)]
    assert watch.db.execute(QUERIES["removed_stories_by_topic"]["sql"],
                            {"topic": ""}).fetchall() == []
