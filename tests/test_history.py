"""Every stored version of an article, and the sentence-level diff between consecutive ones."""

from __future__ import annotations

import json

from monitor.history import (
    RLM, article_history, diff_text, diff_versions, render_history, split_sentences,
)
from monitor_helpers import IRAQ_CANADA, STORY_BODY, STORY_BODY_EDITED, STORY_TITLE, new_db, save


def test_sentences_split_on_arabic_and_latin_stops_and_paragraph_breaks():
    text = ("قال الوزير إن النمو بلغ 3.5 بالمئة. هل يستمر؟ الجواب: نعم؛ ربما!\n\n"
            "فقرة ثانية «منتهية.» وبعدها")
    assert split_sentences(text) == [
        "قال الوزير إن النمو بلغ 3.5 بالمئة.",
        "هل يستمر؟",
        "الجواب: نعم؛",
        "ربما!",
        "فقرة ثانية «منتهية.»",
        "وبعدها",
    ]


def test_a_diff_lists_removed_and_added_sentences_in_order():
    diff = diff_text("الأولى. الثانية: 30 قتيلاً. الثالثة.",
                     "الأولى. الثانية: 45 قتيلاً. الثالثة. الرابعة.")
    assert diff == {
        "changes": [
            {"op": "replace", "removed": ["الثانية: 30 قتيلاً."], "added": ["الثانية: 45 قتيلاً."]},
            {"op": "insert", "removed": [], "added": ["الرابعة."]},
        ],
        "removed": ["الثانية: 30 قتيلاً."],
        "added": ["الثانية: 45 قتيلاً.", "الرابعة."],
    }


def test_diacritics_tatweel_and_punctuation_inside_a_sentence_are_not_changes():
    assert diff_text("أكد الوزير أن الاجتماع مهم.", "أكّدَ الوزيـــر، أن الاجتماعَ مهمٌ.") is None


def test_diff_versions_names_only_the_fields_that_changed():
    old = {"title": "عنوان", "body": "نص أول."}
    assert set(diff_versions(old, {"title": "عنوان", "body": "نص ثان."})) == {"body"}
    assert set(diff_versions(old, {"title": "عنوان جديد", "body": "نص أول."})) == {"title"}


def test_history_has_one_entry_per_stored_version_oldest_first(tmp_path):
    db = new_db(tmp_path)
    save(db, IRAQ_CANADA, STORY_TITLE, STORY_BODY, fetched="2024-05-01T09:00:00+00:00")
    save(db, IRAQ_CANADA, STORY_TITLE, STORY_BODY, fetched="2024-05-01T10:00:00+00:00")  # same
    save(db, IRAQ_CANADA, STORY_TITLE + " رسمياً", STORY_BODY_EDITED,
         fetched="2024-05-01T11:00:00+00:00")

    entries = article_history(db, IRAQ_CANADA)

    assert [(e.version, e.seen) for e in entries] == [
        (1, "2024-05-01T09:00:00+00:00"), (2, "2024-05-01T11:00:00+00:00")]
    assert entries[0].diff is None
    assert entries[1].diff["title"]["added"] == [STORY_TITLE + " رسمياً"]
    assert entries[1].diff["body"]["removed"] == [
        "وأضاف أن 30 جندياً سيغادرون."]
    assert entries[1].diff["body"]["added"] == [
        "وأضاف أن 45 جندياً سيغادرون.", "وأعلنت أوتاوا لاحقاً أنها ستفتح مكتباً تجارياً في العراق."]


def test_history_json_is_a_list_with_one_object_per_version(tmp_path):
    db = new_db(tmp_path)
    save(db, IRAQ_CANADA, STORY_TITLE, STORY_BODY)
    save(db, IRAQ_CANADA, STORY_TITLE, STORY_BODY_EDITED, fetched="2024-05-02T09:00:00+00:00")

    listed = json.loads(render_history(article_history(db, IRAQ_CANADA), "json"))

    assert [entry["version"] for entry in listed] == [1, 2]
    assert set(listed[0]) == {"version", "seen", "title", "body", "published", "author",
                              "content_hash", "diff"}
    assert listed[0]["diff"] is None
    assert listed[1]["diff"]["body"]["added"][-1].startswith("وأعلنت أوتاوا")
    assert listed[1]["content_hash"] != listed[0]["content_hash"]


def test_history_text_shows_each_version_its_time_and_the_changed_sentences(tmp_path):
    db = new_db(tmp_path)
    save(db, IRAQ_CANADA, STORY_TITLE, STORY_BODY)
    save(db, IRAQ_CANADA, STORY_TITLE, STORY_BODY_EDITED, fetched="2024-05-02T09:00:00+00:00")

    text = render_history(article_history(db, IRAQ_CANADA))

    assert text.startswith(f"{IRAQ_CANADA} — 2 versions")
    assert "version 1 · seen 2024-05-01T09:00:00+00:00" in text
    assert "version 2 · seen 2024-05-02T09:00:00+00:00" in text
    # each changed sentence on its own line, opened by RLM so it reads right to left
    assert f"  - {RLM}وأضاف أن 30 جندياً سيغادرون." in text
    assert f"  + {RLM}وأضاف أن 45 جندياً سيغادرون." in text


def test_an_unknown_url_has_no_history(tmp_path):
    db = new_db(tmp_path)
    assert article_history(db, "https://nowhere.test/") == []
    assert render_history([], "json") == "[]"
    assert "No stored versions" in render_history([])
