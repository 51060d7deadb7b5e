"""Furniture learned per site, on the way from page to store: a paragraph that recurs across a
site's pages is dropped, and learning it never makes a version of its own."""

from types import SimpleNamespace

from crawler.fetchstate import PageFetched
from crawler.pipelines import StorePipeline
from crawler.store import open_db
from local_news_site import PLUG, STORIES, NewsSite

SITE = NewsSite()


def page(n: int, html: str | None = None) -> PageFetched:
    """Story ``n`` of the local news site as fetched (``html`` in place of its page)."""
    body = html.encode() if html is not None else SITE.render(f"/news/{n}.html")[2]
    return PageFetched(url=f"https://rafid.example/news/{n}.html", site="rafid", kind="article",
                       status=200, fetched=f"2026-12-03T0{n}:00:00+00:00", body=body,
                       content_type="text/html; charset=utf-8")


def pipeline_for(tmp_path) -> StorePipeline:
    pipeline = StorePipeline(str(tmp_path / "raqib.db"))
    pipeline.open_spider(SimpleNamespace(site_id="rafid", name="news"))
    return pipeline


def test_a_recurring_paragraph_is_learned_and_dropped_without_false_versions(tmp_path):
    pipeline = pipeline_for(tmp_path)
    for n in range(4):
        pipeline.process_item(page(n))
    db = open_db(tmp_path / "raqib.db")
    bodies = {row["url"][-6]: row["body"] for row in db["articles"].rows}
    # the first two pages were stored before the plug had been seen on three pages
    assert PLUG in bodies["0"] and PLUG in bodies["1"]
    assert PLUG not in bodies["2"] and PLUG not in bodies["3"]

    # fetching the first page again, unchanged, makes no version although the plug is now
    # known furniture
    pipeline.process_item(page(0))
    assert db.execute("SELECT COUNT(*) FROM versions WHERE url LIKE '%/0.html'").fetchone()[0] == 1

    # a real edit makes a version, and the new version is clean
    added = "وقال الوزير إن العام الدراسي يبدأ الشهر المقبل."
    last = STORIES[0][1][-1]
    edited = SITE.render("/news/0.html")[2].decode().replace(last, f"{last} {added}")
    pipeline.process_item(page(0, edited))
    latest = db.execute("SELECT body FROM versions WHERE url LIKE '%/0.html'"
                        " ORDER BY version DESC LIMIT 1").fetchone()[0]
    assert added in latest and PLUG not in latest
    pipeline.close_spider(None)


def test_a_page_is_never_stripped_bare(tmp_path):
    pipeline = pipeline_for(tmp_path)
    for n in range(4):
        pipeline.process_item(page(n))
    html = SITE.render("/news/0.html")[2].decode()
    start, end = html.index("<p>"), html.index(f"<p>{PLUG}")
    pipeline.process_item(page(5, html[:start] + html[end:]))  # nothing but the plug
    db = open_db(tmp_path / "raqib.db")
    assert db["articles"].get("https://rafid.example/news/5.html")["body"] == PLUG
    pipeline.close_spider(None)
