"""Every stored version of an article, and the sentence-level diff between consecutive ones."""

from __future__ import annotations

import json

import click

from monitor.history import (
    FSI, PDI, RLM, article_history, diff_text, diff_versions, render_history, split_sentences,
)
from monitor_helpers import IRAQ_CANADA, STORY_BODY, STORY_BODY_EDITED, STORY_TITLE, new_db, save


def test_the_diff_functions_are_still_importable_from_history():
    # monitor.alerts and the datasette plugin import them from here
    diff = diff_text("الأولى. الثانية: 30 قتيلاً. الثالثة.",
                     "الأولى. الثانية: 45 قتيلاً. الثالثة. الرابعة.")
    assert diff == {
        "changes": [
            {"op": "replace", "removed": ["الثانية: 30 قتيلاً."], "added": ["الثانية: 45 قتيلاً."],
             "edit_kinds": ["numbers_changed"]},
            {"op": "insert", "removed": [], "added": ["الرابعة."],
             "edit_kinds": ["paragraph_added"]},
        ],
        "removed": ["الثانية: 30 قتيلاً."],
        "added": ["الثانية: 45 قتيلاً.", "الرابعة."],
        "edit_kinds": ["numbers_changed", "paragraph_added"],
    }
    assert split_sentences("أ. ب") == ["أ.", "ب"]
    old = {"title": "عنوان", "body": "نص أول."}
    assert set(diff_versions(old, {"title": "عنوان", "body": "نص ثان."})) == {"body", "edit_kinds"}


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
                              "content_hash", "diff", "edit_kinds", "removals"}
    assert listed[0]["removals"] == []  # never taken down
    assert listed[0]["diff"] is None and listed[0]["edit_kinds"] == []
    assert listed[1]["edit_kinds"] == ["numbers_changed", "paragraph_added"]
    assert listed[1]["diff"]["edit_kinds"] == listed[1]["edit_kinds"]
    assert [c["edit_kinds"] for c in listed[1]["diff"]["body"]["changes"]] == [
        ["numbers_changed"], ["paragraph_added"]]
    assert listed[1]["diff"]["body"]["added"][-1].startswith("وأعلنت أوتاوا")
    assert listed[1]["content_hash"] != listed[0]["content_hash"]


def test_history_text_shows_each_version_its_time_and_the_changed_sentences(tmp_path):
    db = new_db(tmp_path)
    save(db, IRAQ_CANADA, STORY_TITLE, STORY_BODY)
    save(db, IRAQ_CANADA, STORY_TITLE, STORY_BODY_EDITED, fetched="2024-05-02T09:00:00+00:00")

    text = render_history(article_history(db, IRAQ_CANADA))

    assert text.startswith(f"{IRAQ_CANADA} — 2 versions")
    assert "version 1 · seen 2024-05-01T09:00:00+00:00" in text
    # edit kinds by the labels the digest uses (monitor.diff.EDIT_KIND_LABELS: issue 12)
    assert "version 2 · seen 2024-05-02T09:00:00+00:00 · numbers changed, paragraph added" in text
    # each change headed by its kinds; each changed sentence on its own line, opened by RLM so
    # it reads right to left
    assert ("    [numbers changed]\n"
            f"    - {RLM}وأضاف أن 30 جندياً سيغادرون.\n"
            f"    + {RLM}وأضاف أن 45 جندياً سيغادرون.\n"
            "    [paragraph added]\n"
            f"    + {RLM}وأعلنت أوتاوا لاحقاً أنها ستفتح مكتباً تجارياً في العراق.") in text
    # Arabic inside an English line is isolated, so its punctuation stays in place
    assert f"  title: {FSI}{STORY_TITLE}{PDI}" in text
    assert "\x1b[" not in text


def test_history_text_in_colour_styles_removed_added_and_kinds_but_keeps_the_text(tmp_path):
    db = new_db(tmp_path)
    save(db, IRAQ_CANADA, STORY_TITLE, STORY_BODY)
    save(db, IRAQ_CANADA, STORY_TITLE, STORY_BODY_EDITED, fetched="2024-05-02T09:00:00+00:00")
    entries = article_history(db, IRAQ_CANADA)

    coloured = render_history(entries, color=True)

    assert click.style(f"    - {RLM}وأضاف أن 30 جندياً سيغادرون.", fg="red") in coloured
    assert click.style(f"    + {RLM}وأضاف أن 45 جندياً سيغادرون.", fg="green") in coloured
    assert click.style("[numbers changed]", fg="yellow") in coloured
    assert click.unstyle(coloured) == render_history(entries)


def test_an_unknown_url_has_no_history(tmp_path):
    db = new_db(tmp_path)
    assert article_history(db, "https://nowhere.test/") == []
    assert render_history([], "json") == "[]"
    assert "No stored versions" in render_history([])


def test_history_finds_the_article_under_the_url_a_user_pastes(tmp_path):
    # a URL copied from `sqlite-utils --csv` ends with CRLF; one from a feed or a share button
    # carries tracking parameters; an old address of the article is one of its other URLs
    from click.testing import CliRunner

    from crawler.store import record_aliases
    from monitor.cli import main

    db = new_db(tmp_path)
    save(db, IRAQ_CANADA, STORY_TITLE, STORY_BODY)
    record_aliases(db, IRAQ_CANADA, "demo", ("https://demo.test/old/1",), "2024-05-01T09:00:00+00:00")
    db.close()
    for pasted in (f" {IRAQ_CANADA}\r\n", f"{IRAQ_CANADA}?utm_source=rss&fbclid=x",
                   "https://demo.test/old/1"):
        result = CliRunner().invoke(main, ["history", pasted, "--format", "json",
                                           "--db", str(tmp_path / "raqib.db")])
        assert result.exit_code == 0, (pasted, result.output)
        (version,) = json.loads(result.output)
        assert version["version"] == 1 and version["title"] == STORY_TITLE
    result = CliRunner().invoke(main, ["history", "https://demo.test/news/404",
                                       "--db", str(tmp_path / "raqib.db")])
    assert result.exit_code == 1 and "no stored article at https://demo.test/news/404" in result.output
