"""The store keeps one row per article and a version only when the normalised content changes."""

from crawler.store import StoredArticle, open_db, save_article

BODY = "أكد وزير الخارجية العراقي أن العلاقات مع كندا تشهد تطورا.\n\nوأضاف أن الزيارة المقبلة ستبحث التعاون."


def article(**changes) -> StoredArticle:
    fields = dict(url="https://example.com/news/1", site="example", title="العراق وكندا",
                  body=BODY, published="2026-11-28T10:00:00+03:00", author="رقيب")
    fields.update(changes)
    return StoredArticle(**fields)


def test_the_first_fetch_is_new_and_makes_version_one(tmp_path):
    db = open_db(tmp_path / "raqib.db")
    assert save_article(db, article()) == "new"
    assert db["articles"].count == 1
    assert [v["version"] for v in db["versions"].rows] == [1]


def test_the_same_content_again_makes_no_version(tmp_path):
    db = open_db(tmp_path / "raqib.db")
    save_article(db, article(fetched="2026-11-28T10:00:00+00:00"))
    assert save_article(db, article(fetched="2026-11-28T11:00:00+00:00")) == "same"
    assert db["versions"].count == 1
    row = db["articles"].get("https://example.com/news/1")
    assert row["first_seen"] == "2026-11-28T10:00:00+00:00"
    assert row["last_seen"] == "2026-11-28T11:00:00+00:00"


def test_whitespace_diacritics_tatweel_and_punctuation_make_no_version(tmp_path):
    db = open_db(tmp_path / "raqib.db")
    save_article(db, article())
    retouched = BODY.replace("أكد", "أكّد").replace("وزير", "وزيـــر").replace(".", " . ")
    assert save_article(db, article(body="  " + retouched + "\n")) == "same"
    assert db["versions"].count == 1


def test_a_real_edit_makes_a_new_version_and_keeps_the_old(tmp_path):
    db = open_db(tmp_path / "raqib.db")
    save_article(db, article())
    edited = BODY + "\n\nوأشار إلى أن عدد الجنود ارتفع إلى 45."
    assert save_article(db, article(body=edited)) == "changed"
    versions = list(db.query("SELECT version, body FROM versions ORDER BY version"))
    assert [v["version"] for v in versions] == [1, 2]
    assert versions[0]["body"] == BODY and versions[1]["body"] == edited
    assert db["articles"].get("https://example.com/news/1")["body"] == edited


def test_the_store_is_in_wal_mode_with_every_table(tmp_path):
    db = open_db(tmp_path / "raqib.db")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert {"articles", "versions", "crawl_runs", "crawl_errors", "alerts"} <= set(db.table_names())
