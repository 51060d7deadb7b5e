"""Paragraphs that recur across a site's pages are learned as furniture, in SQLite."""

from __future__ import annotations

from crawler.extract import Article
from crawler.extract.furniture import SiteFurniture
from crawler.store import open_db

PLUG = "تابعوا أخبار الإمارات من البيان عبر غوغل نيوز"


def page(i: int) -> Article:
    return Article(url=f"https://x.com/{i}", title=f"t{i}",
                   body=f"الفقرة الأولى من الخبر رقم {i} وفيها تفاصيل.\n\n{PLUG}")


def test_recurring_paragraph_becomes_furniture_and_persists(tmp_path):
    path = tmp_path / "raqib.db"
    furniture = SiteFurniture(open_db(path).conn)
    for i in range(2):
        furniture.learn("albayan", f"https://x.com/{i}", page(i))
    assert furniture.strip("albayan", page(9)).body == page(9).body  # seen twice: not yet
    furniture.learn("albayan", "https://x.com/2", page(2))
    assert not furniture.learn("albayan", "https://x.com/2", page(2))  # a re-crawl counts once

    reopened = SiteFurniture(open_db(path).conn)
    stripped = reopened.strip("albayan", page(9))
    assert stripped.paragraphs == ["الفقرة الأولى من الخبر رقم 9 وفيها تفاصيل."]
    assert [(b.rule, b.text) for b in stripped.removed] == [("learned", PLUG)]
    assert reopened.strip("other-site", page(9)).body == page(9).body
