"""Small helpers shared by the monitor tests: a real store in a temporary directory and a few
Arabic news stories to put in it."""

from __future__ import annotations

from pathlib import Path

import sqlite_utils

from crawler.store import StoredArticle, open_db, save_article

IRAQ_CANADA = "https://demo.test/news/1"
FOOTBALL = "https://demo.test/sport/2"
WEATHER = "https://demo.test/news/3"

STORY_TITLE = "العراق وكندا يبحثان انسحاب القوات"
STORY_BODY = (
    "أكّد وزير الخارجية العراقي أن بلاده بحثت مع كندا جدول انسحاب القوات.\n\n"
    "وقال إن الاجتماع عُقد في بغداد بحضور السفير الكندي؛ وأضاف أن 30 جندياً سيغادرون."
)
STORY_BODY_EDITED = (
    "أكّد وزير الخارجية العراقي أن بلاده بحثت مع كندا جدول انسحاب القوات.\n\n"
    "وقال إن الاجتماع عُقد في بغداد بحضور السفير الكندي؛ وأضاف أن 45 جندياً سيغادرون.\n\n"
    "وأعلنت أوتاوا لاحقاً أنها ستفتح مكتباً تجارياً في العراق."
)


def new_db(tmp_path: Path) -> sqlite_utils.Database:
    """A fresh store file in ``tmp_path`` (the same file each call, so reopening works)."""
    return open_db(tmp_path / "raqib.db")


def save(db: sqlite_utils.Database, url: str, title: str, body: str, *, site: str = "demo",
         published: str | None = "2024-05-01T08:00:00+00:00",
         fetched: str = "2024-05-01T09:00:00+00:00") -> str:
    """Store one crawled article the way the pipeline does; returns new | changed | same."""
    return save_article(db, StoredArticle(url=url, site=site, title=title, body=body,
                                          published=published, author=None, fetched=fetched))
