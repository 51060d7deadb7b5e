"""One way from a fetched page to a stored article (crawler.pagestore.store_page), used by the
crawl's pipeline and by ``raqib reextract``: extract, strip the site's learned furniture, compare
with the stored version, save the article with the page's validators in one transaction.

The crawls run the real spider in a child process against a site served on 127.0.0.1."""

from __future__ import annotations

from types import SimpleNamespace

from click.testing import CliRunner

from crawler.extract.furniture import SiteFurniture, block_hash
from crawler.fetchstate import PageFetched
from crawler.pipelines import StorePipeline
from crawler.store import open_db
from local_news_site import PLUG, STORIES, NewsSite
from monitor.cli import main

TOPICS = """
[[topic]]
name = "الكهرباء والطقس"
any = ["الكهرباء", "الأمطار", "الذهب"]
"""


def stored_bodies(world) -> dict[str, str]:
    db = world.db()
    try:
        return {row["url"]: row["body"] for row in db["articles"].rows}
    finally:
        db.close()


def run(world, *args: str):
    result = CliRunner().invoke(main, [*args, "--db", str(world.db_path),
                                       "--seeds", str(world.seeds)])
    assert result.exit_code == 0, result.output
    return result.output


def test_reextract_right_after_a_crawl_changes_nothing_and_raises_no_alert(world):
    """The crawl learns the app plug as the site's furniture part-way through: the first pages
    are stored with it, the later ones without. Re-extracting every stored page with the same
    extractor goes through the same furniture step, so no page changes and no ``update``
    alert is raised (before, re-extraction put the plug back into the later pages)."""
    with NewsSite() as site:
        world.add_seed("rafid", site.seed_toml())
        world.seeds.joinpath("topics.toml").write_text(TOPICS, encoding="utf-8")
        outcome = world.crawl("rafid")
        assert outcome.returncode == 0, outcome.messages
        assert [(r.new, r.errors) for r in outcome.runs] == [(len(STORIES), 0)]
        run(world, "monitor")

    bodies = stored_bodies(world)
    db = world.db()
    learned = SiteFurniture(db.conn).furniture("rafid")
    alerts_before = [(a["kind"], a["url"]) for a in db["alerts"].rows]
    versions_before = db["versions"].count
    db.close()
    assert block_hash(PLUG) in learned
    with_plug = [url for url, body in bodies.items() if PLUG in body]
    assert 0 < len(with_plug) < len(STORIES)  # learned part-way through the crawl
    assert {kind for kind, _ in alerts_before} == {"new"}

    output = run(world, "reextract")
    assert f"0 changed, {len(STORIES)} unchanged" in output

    db = world.db()
    assert db["versions"].count == versions_before
    assert [(a["kind"], a["url"]) for a in db["alerts"].rows] == alerts_before
    db.close()
    assert stored_bodies(world) == bodies
    run(world, "monitor")  # and a monitor run after it finds nothing to tell either
    db = world.db()
    assert [(a["kind"], a["url"]) for a in db["alerts"].rows] == alerts_before
    db.close()


def test_a_save_that_fails_keeps_no_validators_so_the_edit_is_stored_by_the_next_crawl(world):
    """Issue 10's lost edit: the page's new ETag used to be stored even when its article could
    not be, so every later crawl got ``304`` and the edit was never stored. Now the validators
    are written in the article's own transaction: a failed save records neither."""
    with NewsSite() as site:
        world.add_seed("rafid", site.seed_toml())
        assert world.crawl("rafid").returncode == 0
        url = site.story_url(1)
        db = world.db()
        (first_etag,) = db.execute("SELECT etag FROM fetch_state WHERE url = ?", [url]).fetchone()
        # the store refuses every new version, as a full disk would
        db.execute("CREATE TRIGGER refuse_versions BEFORE INSERT ON versions"
                   " BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END")
        db.close()

        site.edits[1] = "وأكد الوزير أن المدرسة ستفتح أبوابها للطلاب مطلع الأسبوع المقبل."
        world.crawl("rafid")
        db = world.db()
        (etag,) = db.execute("SELECT etag FROM fetch_state WHERE url = ?", [url]).fetchone()
        errors = [(e["stage"], e["url"]) for e in db["crawl_errors"].rows]
        db.execute("DROP TRIGGER refuse_versions")
        db.close()
        assert etag == first_etag  # the failed save kept the old validators
        assert ("store", url) in errors

        site.requests.clear()
        world.crawl("rafid")
        answered = {path: status for path, _, status in site.requests}
        assert answered["/news/1.html"] == 200  # asked with the old ETag: the page came whole
        db = world.db()
        (versions,) = db.execute("SELECT COUNT(*) FROM versions WHERE url = ?", [url]).fetchone()
        (etag,) = db.execute("SELECT etag FROM fetch_state WHERE url = ?", [url]).fetchone()
        db.close()
        assert versions == 2 and etag != first_etag


def test_an_extractor_error_is_recorded_and_its_fallback_text_is_stored(tmp_path, monkeypatch):
    """A bug in the extractor does not degrade silently: the page's plain-text fallback is
    stored, the error is logged, counted in the site's run and kept as a ``crawl_errors`` row
    with stage ``extract``, and the page is an extraction problem of its site."""
    import crawler.extract.article as article_module

    def broken(*args, **kwargs):
        raise RuntimeError("a regression in the cleaner")

    monkeypatch.setattr(article_module, "_extract", broken)
    site = NewsSite()
    page = PageFetched(url="https://rafid.example/news/3.html", site="rafid", kind="article",
                       status=200, fetched="2026-12-03T09:00:00+00:00", etag='"v1"',
                       body=site.render("/news/3.html")[2],
                       content_type="text/html; charset=utf-8")
    pipeline = StorePipeline(str(tmp_path / "raqib.db"))
    pipeline.open_spider(SimpleNamespace(site_id="rafid", name="news"))
    pipeline.process_item(page)
    run_id = pipeline.run_id
    pipeline.close_spider(None)

    db = open_db(tmp_path / "raqib.db")
    article = db["articles"].get(page.url)
    headline, paragraphs = STORIES[3]
    assert article["title"].startswith(headline)
    assert paragraphs[0] in article["body"]  # the fallback text, stored
    (error,) = db.query("SELECT stage, url, message, run_id FROM crawl_errors")
    assert (error["stage"], error["url"], error["run_id"]) == ("extract", page.url, run_id)
    assert "RuntimeError: a regression in the cleaner" in error["message"]
    run = db["crawl_runs"].get(run_id)
    assert (run["site"], run["errors"], run["new"], run["extracted"]) == ("rafid", 1, 1, 1)
    (problem,) = db.query("SELECT site, url, status, reason, run_id FROM extraction_problems")
    assert (problem["site"], problem["status"], problem["run_id"]) == ("rafid", "error", run_id)
    assert db.execute("SELECT etag FROM fetch_state WHERE url = ?",
                      [page.url]).fetchone() == ('"v1"',)
    db.close()


def test_the_runs_answer_counts_come_from_scrapy_stats_written_once_at_the_close(world):
    """Pages fetched and ``304`` answers are counted in Scrapy's stats, not by an UPDATE of
    the run per response: while the second crawl fetches its last story, its run row still
    counts no page; closed, it counts every answer below 400 the site gave, and every 304."""
    with NewsSite() as site:
        world.add_seed("rafid", site.seed_toml())
        assert world.crawl("rafid").returncode == 0
        site.edits[0] = "وفي وقت لاحق أعلن عن تفاصيل جديدة."
        served_before = len(site.requests)
        seen_during = []

        def look_at_the_run(path: str) -> None:
            if path == "/news/0.html":  # asked for after the feed has answered
                db = world.db()
                try:
                    seen_during.append(db.execute(
                        "SELECT pages, not_modified, status FROM crawl_runs"
                        " ORDER BY id DESC LIMIT 1").fetchone())
                finally:
                    db.close()

        site.on_request = look_at_the_run
        second = world.crawl("rafid")
        assert second.returncode == 0, second.messages
        served = site.requests[served_before:]
    assert seen_during == [(0, 0, "running")]
    db = world.db()
    try:
        run = db.execute("SELECT pages, not_modified, changed FROM crawl_runs"
                         " ORDER BY id DESC LIMIT 1").fetchone()
    finally:
        db.close()
    assert run == (sum(1 for _, _, status in served if status < 400),
                   sum(1 for _, _, status in served if status == 304), 1)
    assert run[1] >= len(STORIES) - 1
