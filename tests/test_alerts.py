"""Alerts from stored versions × topics: raised once, from a checkpoint, never lost."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from monitor.alerts import CHECKPOINT_KEY, list_alerts, read_checkpoint, run_monitor
from monitor.timeparse import parse_since
from monitor.topics import Topic
from monitor_helpers import (
    FOOTBALL, IRAQ_CANADA, STORY_BODY, STORY_BODY_EDITED, STORY_TITLE, WEATHER, new_db, save,
)

TOPICS = [Topic(name="العراق وكندا", all=("العراق", "كندا"), any=("قوات", "انسحاب"),
                none=("كرة القدم",))]
NOW = "2024-05-01T12:00:00+00:00"
LATER = "2024-05-02T12:00:00+00:00"


def crawl_first_edition(db):
    save(db, IRAQ_CANADA, STORY_TITLE, STORY_BODY)
    save(db, FOOTBALL, "العراق يفوز على كندا", "فاز منتخب العراق لكرة القدم على كندا.")
    save(db, WEATHER, "طقس حار في بغداد", "تتجاوز الحرارة 45 درجة.")


def test_a_first_version_that_matches_raises_a_new_alert(tmp_path):
    db = new_db(tmp_path)
    crawl_first_edition(db)

    (alert,) = run_monitor(db, TOPICS, now=NOW)

    assert (alert.kind, alert.topic, alert.url, alert.site) == (
        "new", "العراق وكندا", IRAQ_CANADA, "demo")
    assert alert.title == STORY_TITLE
    assert alert.sources == [IRAQ_CANADA]
    assert alert.created == NOW and alert.delivered is None and alert.id is not None
    assert {"term": "كندا", "field": "body", "text": "كندا"} in alert.matched
    assert {"term": "العراق", "field": "title", "text": "العراق"} in alert.matched
    assert [a.to_json() for a in list_alerts(db)] == [alert.to_json()]


def test_alert_json_has_the_documented_keys(tmp_path):
    db = new_db(tmp_path)
    crawl_first_edition(db)
    (alert,) = run_monitor(db, TOPICS, now=NOW)
    data = alert.to_json()
    assert {"kind", "topic", "url", "title", "sources", "matched", "created",
            "details"} <= set(data)
    assert data["published"] == "2024-05-01T08:00:00+00:00"


def test_an_edit_to_a_tracked_story_raises_an_update_with_the_diff(tmp_path):
    db = new_db(tmp_path)
    crawl_first_edition(db)
    run_monitor(db, TOPICS, now=NOW)

    save(db, IRAQ_CANADA, STORY_TITLE, STORY_BODY_EDITED, fetched=LATER)
    (update,) = run_monitor(db, TOPICS, now=LATER)

    assert (update.kind, update.url, update.created) == ("update", IRAQ_CANADA, LATER)
    assert update.details["from_version"] == 1 and update.details["to_version"] == 2
    assert update.details["matches_now"] is True
    body = update.details["diff"]["body"]
    assert body["removed"] == ["وأضاف أن 30 جندياً سيغادرون."]
    assert body["added"] == ["وأضاف أن 45 جندياً سيغادرون.",
                             "وأعلنت أوتاوا لاحقاً أنها ستفتح مكتباً تجارياً في العراق."]
    assert "title" not in update.details["diff"]


def test_an_edit_to_an_untracked_story_is_stored_but_raises_nothing(tmp_path):
    db = new_db(tmp_path)
    crawl_first_edition(db)
    run_monitor(db, TOPICS, now=NOW)

    assert save(db, WEATHER, "طقس حار في بغداد", "تتجاوز الحرارة 47 درجة.") == "changed"
    assert run_monitor(db, TOPICS, now=LATER) == []
    assert db["versions"].count == 4


def test_an_edit_that_removes_the_topic_from_a_tracked_story_is_reported(tmp_path):
    db = new_db(tmp_path)
    crawl_first_edition(db)
    run_monitor(db, TOPICS, now=NOW)

    save(db, IRAQ_CANADA, "العراق يبحث انسحاب القوات", "بحث العراق جدول انسحاب القوات.")
    (update,) = run_monitor(db, TOPICS, now=LATER)

    assert update.kind == "update" and update.details["matches_now"] is False


def test_a_story_that_starts_to_match_after_an_edit_raises_an_update(tmp_path):
    db = new_db(tmp_path)
    save(db, WEATHER, "طقس حار", "موجة حر.")
    assert run_monitor(db, TOPICS, now=NOW) == []
    save(db, WEATHER, "طقس حار يؤخر انسحاب القوات", "أجّل العراق وكندا انسحاب القوات بسبب الحر.")
    (update,) = run_monitor(db, TOPICS, now=LATER)
    assert update.kind == "update" and update.details["matches_now"] is True


def test_a_rerun_raises_nothing_twice(tmp_path):
    db = new_db(tmp_path)
    crawl_first_edition(db)
    assert len(run_monitor(db, TOPICS, now=NOW)) == 1
    assert run_monitor(db, TOPICS, now=LATER) == []
    assert db["alerts"].count == 1


def test_even_a_reset_checkpoint_raises_nothing_twice(tmp_path):
    db = new_db(tmp_path)
    crawl_first_edition(db)
    run_monitor(db, TOPICS, now=NOW)
    db.execute("DELETE FROM monitor_state")

    assert run_monitor(db, TOPICS, now=LATER) == []
    assert db["alerts"].count == 1


def test_the_checkpoint_survives_reopening_the_store(tmp_path):
    db = new_db(tmp_path)
    crawl_first_edition(db)
    run_monitor(db, TOPICS, now=NOW)
    checkpoint = read_checkpoint(db)
    assert checkpoint == 3
    db.conn.close()

    reopened = new_db(tmp_path)
    assert read_checkpoint(reopened) == checkpoint
    assert run_monitor(reopened, TOPICS, now=LATER) == []
    save(reopened, IRAQ_CANADA, STORY_TITLE, STORY_BODY_EDITED, fetched=LATER)
    assert [a.kind for a in run_monitor(reopened, TOPICS, now=LATER)] == ["update"]
    assert read_checkpoint(reopened) == 4


def test_a_failure_while_writing_alerts_loses_nothing(tmp_path):
    db = new_db(tmp_path)
    crawl_first_edition(db)
    # A real failure inside the transaction: the store refuses the alert insert.
    db.execute("CREATE TRIGGER refuse BEFORE INSERT ON alerts BEGIN"
               " SELECT RAISE(ABORT, 'disk says no'); END")
    with pytest.raises(Exception, match="disk says no"):
        run_monitor(db, TOPICS, now=NOW)
    assert db["alerts"].count == 0
    assert db.execute("SELECT count(*) FROM monitor_state WHERE key = ?",
                      [CHECKPOINT_KEY]).fetchone()[0] == 0

    db.execute("DROP TRIGGER refuse")
    assert [a.url for a in run_monitor(db, TOPICS, now=LATER)] == [IRAQ_CANADA]


def test_list_alerts_since_a_time_or_a_duration(tmp_path):
    db = new_db(tmp_path)
    crawl_first_edition(db)
    run_monitor(db, TOPICS, now=NOW)
    save(db, IRAQ_CANADA, STORY_TITLE, STORY_BODY_EDITED, fetched=LATER)
    run_monitor(db, TOPICS, now=LATER)

    assert [a.kind for a in list_alerts(db)] == ["new", "update"]
    assert [a.kind for a in list_alerts(db, since=parse_since("2024-05-02"))] == ["update"]
    now = datetime(2024, 5, 2, 13, 0, tzinfo=timezone.utc)
    assert [a.kind for a in list_alerts(db, since=parse_since("2h", now=now))] == ["update"]
    assert [a.kind for a in list_alerts(db, since=parse_since("1d2h", now=now))] == [
        "new", "update"]


@pytest.mark.parametrize("text,expected", [
    ("2h", "2024-05-02T11:00:00+00:00"),
    ("30m", "2024-05-02T12:30:00+00:00"),
    ("1d", "2024-05-01T13:00:00+00:00"),
    ("2024-05-01", "2024-05-01T00:00:00+00:00"),
    ("2024-05-01T08:00", "2024-05-01T08:00:00+00:00"),
    ("2024-05-01T08:00:00+03:00", "2024-05-01T05:00:00+00:00"),
    ("2024-05-01T08:00:00Z", "2024-05-01T08:00:00+00:00"),
])
def test_parse_since_gives_a_utc_time_in_the_stores_format(text, expected):
    now = datetime(2024, 5, 2, 13, 0, tzinfo=timezone.utc)
    assert parse_since(text, now=now) == expected


@pytest.mark.parametrize("text", ["yesterday", "", "2h ago", "2024-13-01"])
def test_parse_since_rejects_anything_else_with_a_clear_message(text):
    with pytest.raises(ValueError, match="duration such as 30m, 2h, 1d"):
        parse_since(text)
