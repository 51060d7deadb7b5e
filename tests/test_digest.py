"""The digest: alerts grouped by topic, new before updates, in text, markdown, html and json."""

from __future__ import annotations

import json
from html.parser import HTMLParser

import pytest

from monitor.alerts import Alert, run_monitor
from monitor.digest import mark_delivered, pending_alerts, render_digest
from monitor.history import FSI, PDI
from monitor.topics import Topic
from monitor_helpers import IRAQ_CANADA, STORY_BODY, STORY_BODY_EDITED, STORY_TITLE, new_db, save

TOPICS = [Topic(name="العراق وكندا", all=("العراق", "كندا")),
          Topic(name="بغداد", all=("بغداد",))]
GENERATED = "2024-05-02T13:00:00+00:00"
HOSTILE = "https://demo.test/news/9"
HOSTILE_TITLE = '<script>alert("x")</script> كندا & العراق'


@pytest.fixture
def db(tmp_path):
    """A store where one tracked story was published, then edited, and a second story with a
    hostile title arrived: new alerts for both topics and one update."""
    db = new_db(tmp_path)
    save(db, IRAQ_CANADA, STORY_TITLE, STORY_BODY)
    run_monitor(db, TOPICS, now="2024-05-01T12:00:00+00:00")
    save(db, IRAQ_CANADA, STORY_TITLE, STORY_BODY_EDITED, fetched="2024-05-02T09:00:00+00:00")
    save(db, HOSTILE, HOSTILE_TITLE, "نص <b>عادي</b> عن العراق.", site="evil<site>",
         fetched="2024-05-02T09:00:00+00:00")
    run_monitor(db, TOPICS, now="2024-05-02T12:00:00+00:00")
    return db


def test_pending_alerts_are_the_undelivered_ones(db):
    alerts = pending_alerts(db)
    assert [(a.kind, a.topic, a.url) for a in alerts] == [
        ("new", "العراق وكندا", IRAQ_CANADA),
        ("new", "بغداد", IRAQ_CANADA),
        ("update", "العراق وكندا", IRAQ_CANADA),
        ("update", "بغداد", IRAQ_CANADA),
        ("new", "العراق وكندا", HOSTILE),
    ]
    mark_delivered(db, [alerts[0].id, alerts[1].id], delivered=GENERATED)
    assert len(pending_alerts(db)) == 3
    assert len(pending_alerts(db, since="2024-05-02")) == 3
    assert pending_alerts(db, since="2024-05-03") == []


def test_text_groups_by_topic_new_before_updates_and_keeps_arabic_isolated(db):
    text = render_digest(pending_alerts(db), "text", generated=GENERATED)

    assert text.startswith(f"raqib digest · generated {GENERATED} · 5 alerts: 3 new, 2 updates")
    iraq = text.index(f"== {FSI}العراق وكندا{PDI}")
    baghdad = text.index(f"== {FSI}بغداد{PDI}")
    assert iraq < baghdad
    iraq_section = text[iraq:baghdad]
    assert iraq_section.index("[new]") < iraq_section.index(f"[new] {FSI}{HOSTILE_TITLE}")
    assert iraq_section.rindex("[new]") < iraq_section.index("[update]")
    assert f"[new] {FSI}{STORY_TITLE}{PDI}" in text
    assert IRAQ_CANADA in text and "published: 2024-05-01T08:00:00+00:00" in text
    assert f"matched: {FSI}العراق{PDI}" in text
    assert "changed: version 1 → 2" in iraq_section
    assert "+ \u200fوأضاف أن 45 جندياً سيغادرون." in iraq_section
    assert "- \u200fوأضاف أن 30 جندياً سيغادرون." in iraq_section


def test_markdown_has_a_section_per_topic_and_escapes_page_text(db):
    markdown = render_digest(pending_alerts(db), "markdown", generated=GENERATED)

    assert markdown.startswith("# raqib digest")
    assert markdown.index("## العراق وكندا") < markdown.index("## بغداد")
    assert markdown.index("### New stories") < markdown.index("### Updated stories")
    assert f"({'<' + IRAQ_CANADA + '>'})" in markdown
    assert "<script>" not in markdown and r"\<script\>" in markdown
    assert "~~وأضاف أن 30 جندياً سيغادرون.~~" in markdown
    assert "added: وأضاف أن 45 جندياً سيغادرون." in markdown
    assert "**العراق**" in markdown  # the matched word in the title is bold


class _Collect(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def test_html_is_a_right_to_left_arabic_document_with_page_text_escaped(db):
    page = render_digest(pending_alerts(db), "html", generated=GENERATED)

    assert page.startswith("<!DOCTYPE html>")
    assert '<html dir="rtl" lang="ar">' in page and "<style>" in page
    assert "<script>" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert "&amp; " in page
    assert "<b>" not in page and "evil&lt;site&gt;" in page
    parsed = _Collect()
    parsed.feed(page)
    tags = [tag for tag, _ in parsed.tags]
    assert "script" not in tags and "b" not in tags
    assert {"mark", "ins", "del"} <= set(tags)
    assert HOSTILE_TITLE in "".join(parsed.text)  # shown as text, exactly as the page had it
    assert ("a", {"href": IRAQ_CANADA}) in parsed.tags
    assert "<ins>وأضاف أن 45 جندياً سيغادرون.</ins>" in page
    assert "<del>وأضاف أن 30 جندياً سيغادرون.</del>" in page
    assert "<mark>العراق</mark>" in page


def test_json_has_the_generated_time_counts_and_every_alert(db):
    document = json.loads(render_digest(pending_alerts(db), "json", generated=GENERATED))

    assert document["generated"] == GENERATED
    assert document["count"] == 5
    assert document["counts"] == {"new": 3, "update": 2, "health": 0}
    kinds = [(a["kind"], a["topic"]) for a in document["alerts"]]
    assert kinds[0] == ("new", "العراق وكندا")
    update = next(a for a in document["alerts"] if a["kind"] == "update")
    assert update["sources"] == [IRAQ_CANADA]
    assert update["details"]["diff"]["body"]["added"][0] == "وأضاف أن 45 جندياً سيغادرون."


@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
def test_with_no_alerts_every_format_says_so(fmt):
    output = render_digest([], fmt, generated=GENERATED)
    assert ("لا تنبيهات جديدة" if fmt == "html" else "No new alerts.") in output


def test_json_with_no_alerts_is_an_empty_list():
    document = json.loads(render_digest([], "json", generated=GENERATED))
    assert document["count"] == 0 and document["alerts"] == []


def test_an_unknown_format_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown digest format: 'pdf'"):
        render_digest([], "pdf")


def test_highlighting_marks_whole_words_only():
    alert = Alert(
        id=1, kind="update", topic="العراق", url="https://demo.test/x", site="demo",
        title="العراقيون في العراق", sources=["https://demo.test/x"],
        matched=[{"term": "العراق", "field": "title", "text": "العراق"}],
        details={"from_version": 1, "to_version": 2, "matches_now": True,
                 "diff": {"body": {"changes": [{"op": "insert", "removed": [],
                                                "added": ["وفد العراقي زار العراق."]}],
                                   "removed": [], "added": ["وفد العراقي زار العراق."]}}},
        created=GENERATED,
    )
    page = render_digest([alert], "html", generated=GENERATED)
    assert "العراقيون في <mark>العراق</mark></a>" in page
    assert "<ins>وفد العراقي زار <mark>العراق</mark>.</ins>" in page
