"""Furniture learned per site, in the store pipeline: a paragraph that recurs across a site's
pages is dropped, and learning it never makes a version of its own."""

from types import SimpleNamespace

from crawler.items import ArticleItem
from crawler.pipelines import StorePipeline
from crawler.store import open_db

PLUG = "حمّلوا تطبيق رقيب نيوز على هواتفكم الذكية لمتابعة الأخبار لحظة بلحظة."
STORIES = [
    "افتتح وزير التربية اليوم مدرسة جديدة في حي الكرادة تتسع لألف طالب.",
    "ارتفعت أسعار الذهب في الأسواق المحلية بنسبة اثنين في المئة خلال الأسبوع.",
    "أعلن المنتخب الوطني قائمته النهائية استعدادا لبطولة غرب آسيا المقبلة.",
    "وقعت وزارة الكهرباء عقدا لإنشاء محطة توليد جديدة بطاقة خمسمئة ميغاواط.",
]


def item(n: int, body: str) -> ArticleItem:
    return ArticleItem(url=f"https://example.com/news/{n}", site="example", title=f"خبر {n}",
                       body=body, published=None, author=None,
                       fetched=f"2026-11-28T1{n}:00:00+00:00")


def test_a_recurring_paragraph_is_learned_and_dropped_without_false_versions(tmp_path):
    pipeline = StorePipeline(str(tmp_path / "raqib.db"))
    pipeline.open_spider(SimpleNamespace(site_id="example", name="news"))
    for n, story in enumerate(STORIES):
        pipeline.process_item(item(n, story + "\n\n" + PLUG))
    db = open_db(tmp_path / "raqib.db")
    bodies = {row["url"][-1]: row["body"] for row in db["articles"].rows}
    # the first two pages were stored before the plug had been seen on three pages
    assert PLUG in bodies["0"] and PLUG in bodies["1"]
    assert PLUG not in bodies["2"] and PLUG not in bodies["3"]

    # fetching the first page again, unchanged, makes no version although the plug is now
    # known furniture
    pipeline.process_item(item(0, STORIES[0] + "\n\n" + PLUG))
    assert db.execute("SELECT COUNT(*) FROM versions WHERE url LIKE '%/0'").fetchone()[0] == 1

    # a real edit makes a version, and the new version is clean
    edited = STORIES[0] + " وقال الوزير إن العام الدراسي يبدأ الشهر المقبل."
    pipeline.process_item(item(0, edited + "\n\n" + PLUG))
    latest = db.execute("SELECT body FROM versions WHERE url LIKE '%/0' ORDER BY version DESC"
                        " LIMIT 1").fetchone()[0]
    assert latest == edited
    pipeline.close_spider(None)


def test_a_page_is_never_stripped_bare(tmp_path):
    pipeline = StorePipeline(str(tmp_path / "raqib.db"))
    pipeline.open_spider(SimpleNamespace(site_id="example", name="news"))
    for n in range(4):
        pipeline.process_item(item(n, STORIES[n] + "\n\n" + PLUG))
    pipeline.process_item(item(9, PLUG))  # a page holding nothing but the plug
    db = open_db(tmp_path / "raqib.db")
    assert db["articles"].get("https://example.com/news/9")["body"] == PLUG
    pipeline.close_spider(None)
