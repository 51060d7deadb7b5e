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


# One story on two sites, edit kinds, health apart -------------------------------------------

WIRE_COPY = "https://wire.test/story/77"
WIRE_TITLE = "<i>بغداد</i> وأوتاوا تبحثان جدول انسحاب القوات"


@pytest.fixture
def syndicated(tmp_path):
    """The tracked story on «demo» and, the same day, the agency copy on a second site (its own
    headline, the same body), then the first site's edit; plus a site-health alert."""
    db = new_db(tmp_path)
    save(db, IRAQ_CANADA, STORY_TITLE, STORY_BODY)
    save(db, WIRE_COPY, WIRE_TITLE, STORY_BODY, site="wire<2>")
    run_monitor(db, TOPICS[:1], now="2024-05-01T12:00:00+00:00")
    save(db, IRAQ_CANADA, STORY_TITLE, STORY_BODY_EDITED, fetched="2024-05-02T09:00:00+00:00")
    run_monitor(db, TOPICS[:1], now="2024-05-02T12:00:00+00:00")
    alerts = pending_alerts(db)
    health = Alert(id=99, kind="health", topic="", url="https://wire.test/feed", site="wire<2>",
                   title="wire<2>: the last crawl found no articles (3 page(s) fetched)",
                   sources=[], matched=[], details={"problem": "no_articles"},
                   created="2024-05-02T12:00:00+00:00")
    return [health, *alerts]


def test_a_story_on_two_sites_is_one_item_listing_both_sources(syndicated):
    assert [(a.kind, a.url) for a in syndicated[1:]] == [("new", IRAQ_CANADA),
                                                         ("update", IRAQ_CANADA)]
    assert syndicated[1].sources == [IRAQ_CANADA, WIRE_COPY]
    text = render_digest(syndicated, "text", generated=GENERATED)
    new_item = text[text.index("[new]"):text.index("[update]")]
    assert "sources (2):" in new_item
    assert f"demo · {IRAQ_CANADA}" in new_item
    assert f"wire<2> · {WIRE_COPY}" in new_item
    assert WIRE_TITLE in new_item  # the other site's own headline
    assert text.count(f"[new] {FSI}{STORY_TITLE}{PDI}") == 1

    document = json.loads(render_digest(syndicated, "json", generated=GENERATED))
    (section,) = document["topics"]
    (story,) = section["new"]
    assert story["sources"] == [
        {"site": "demo", "url": IRAQ_CANADA, "title": STORY_TITLE},
        {"site": "wire<2>", "url": WIRE_COPY, "title": WIRE_TITLE}]
    assert story["url"] == IRAQ_CANADA and story["title"] == STORY_TITLE

    markdown = render_digest(syndicated, "markdown", generated=GENERATED)
    assert f"  - demo: <{IRAQ_CANADA}>" in markdown
    assert f"  - wire\\<2\\>: <{WIRE_COPY}> — \\<i\\>" in markdown


def test_updates_show_their_edit_kinds_in_every_format(syndicated):
    text = render_digest(syndicated, "text", generated=GENERATED)
    assert "changed: version 1 → 2 · numbers changed, paragraph added" in text
    markdown = render_digest(syndicated, "markdown", generated=GENERATED)
    assert "_numbers changed, paragraph added_" in markdown
    page = render_digest(syndicated, "html", generated=GENERATED)
    assert '<span class="kind">تغيّرت الأرقام</span><span class="kind">أضيفت فقرة</span>' in page
    document = json.loads(render_digest(syndicated, "json", generated=GENERATED))
    assert document["topics"][0]["updates"][0]["edit_kinds"] == ["numbers_changed",
                                                                 "paragraph_added"]


def test_health_alerts_have_their_own_section_at_the_end(syndicated):
    text = render_digest(syndicated, "text", generated=GENERATED)
    assert "== " + FSI not in text.split("== Site health")[1]
    assert "==  ·" not in text and "== ·" not in text  # no empty topic heading
    assert text.index("[update]") < text.index("== Site health · 1 alert ==")
    assert "problem: no_articles" in text

    markdown = render_digest(syndicated, "markdown", generated=GENERATED)
    assert "## \n" not in markdown and markdown.rindex("## ") == markdown.index("## Site health")
    assert "**wire\\<2\\>**: wire\\<2\\>: the last crawl found no articles" in markdown

    page = render_digest(syndicated, "html", generated=GENERATED)
    assert "<h2></h2>" not in page
    health = page.index("<h2>صحة المواقع</h2>")
    assert health > page.index('<article class="update">')
    assert "لم يُعثر على أي مقال" in page[health:]
    assert "wire&lt;2&gt;" in page[health:] and "wire<2>" not in page

    document = json.loads(render_digest(syndicated, "json", generated=GENERATED))
    assert [t["topic"] for t in document["topics"]] == ["العراق وكندا"]
    assert [a["kind"] for a in document["health"]] == ["health"]
    assert document["counts"] == {"new": 1, "update": 1, "health": 1}


def test_html_sources_are_escaped_and_the_email_keeps_its_layout(syndicated):
    from monitor.notify import email_html

    page = render_digest(syndicated, "html", generated=GENERATED)
    parsed = _Collect()
    parsed.feed(page)
    tags = [tag for tag, _ in parsed.tags]
    assert "i" not in tags
    assert "&lt;i&gt;بغداد&lt;/i&gt;" in page  # the other site's headline, escaped
    assert ("a", {"class": "url", "dir": "ltr", "href": WIRE_COPY}) in parsed.tags
    assert "(المصدر الأول)" in page
    mail = email_html(page)
    assert 'dir="rtl"' in mail and 'lang="ar"' in mail
    assert '<article class="new" style="' in mail and "border-right" in mail
    assert "<mark style=" in mail


def test_alerts_of_one_story_and_kind_are_one_item():
    def update(alert_id, url, site, sources, kinds):
        return Alert(id=alert_id, kind="update", topic="العراق", url=url, site=site,
                     title=f"قصة العراق {alert_id}", sources=sources,
                     matched=[{"term": "العراق", "field": "title", "text": "العراق"}],
                     details={"from_version": 1, "to_version": 2, "matches_now": True,
                              "diff": {"edit_kinds": kinds}},
                     created=GENERATED)

    a, b = "https://a.test/1", "https://b.test/1"
    alerts = [update(1, a, "a", [a, b], ["numbers_changed"]),
              update(2, "https://c.test/9", "c", ["https://c.test/9"], ["wording_changed"]),
              update(3, b, "b", [a, b], ["headline_changed"])]
    document = json.loads(render_digest(alerts, "json", generated=GENERATED))
    stories = document["topics"][0]["updates"]
    assert [s["alerts"] for s in stories] == [[1, 3], [2]]
    assert stories[0]["title"] == "قصة العراق 3"  # an update shows its latest title
    assert stories[0]["sources"] == [{"site": "b", "url": b, "title": "قصة العراق 3"},
                                     {"site": "a", "url": a, "title": "قصة العراق 1"}]
    assert stories[0]["edit_kinds"] == ["headline_changed", "numbers_changed"]
    text = render_digest(alerts, "text", generated=GENERATED, sites={"https://c.test/9": "cee"})
    assert text.count("[update]") == 2 and "source: cee · https://c.test/9" in text
