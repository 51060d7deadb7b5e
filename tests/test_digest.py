"""The digest: alerts grouped by topic, new before updates, in text, markdown, html and json."""

from __future__ import annotations

import json
from html.parser import HTMLParser

import pytest

from monitor.alerts import run_monitor
from monitor.records import Alert
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


def test_text_groups_by_topic_and_keeps_arabic_isolated(db):
    text = render_digest(pending_alerts(db), "text", generated=GENERATED)

    # times are readable, in the reader's zone (UTC when none is given: see test_local_times)
    assert text.startswith(f"raqib digest · generated {FSI}الخميس 2 مايو 2024، 13:00{PDI} (UTC)"
                           " · 5 alerts: 3 new, 2 updates")
    iraq = text.index(f"== {FSI}العراق وكندا{PDI} · 2 new stories (1 edited since) ==")
    baghdad = text.index(f"== {FSI}بغداد{PDI} · 1 new story (1 edited since) ==")
    assert iraq < baghdad
    iraq_section = text[iraq:baghdad]
    assert iraq_section.index("[new]") < iraq_section.index(f"[new] {FSI}{HOSTILE_TITLE}")
    # new and edited in this digest: one item, new, marked edited, with the edit's diff
    assert "[update]" not in text
    assert text.count(f"[new] {FSI}{STORY_TITLE}{PDI}") == 2  # once per topic
    assert "    edited since first seen\n" in iraq_section
    assert IRAQ_CANADA in text and f"published: {FSI}الأربعاء 1 مايو 2024، 08:00{PDI}" in text
    assert f"matched: {FSI}العراق{PDI}" in text
    assert "changed: version 1 → 2" in iraq_section
    assert "+ \u200fوأضاف أن 45 جندياً سيغادرون." in iraq_section
    assert "- \u200fوأضاف أن 30 جندياً سيغادرون." in iraq_section


def test_markdown_has_a_section_per_topic_and_escapes_page_text(db):
    markdown = render_digest(pending_alerts(db), "markdown", generated=GENERATED)

    assert markdown.startswith("# raqib digest")
    assert markdown.index("## العراق وكندا") < markdown.index("## بغداد")
    assert "### New stories" in markdown and "### Updated stories" not in markdown
    assert markdown.count("_edited since first seen_") == 2  # the story, in each topic
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
    assert document["counts"] == {"new": 3, "update": 2, "removed": 0, "restored": 0, "health": 0}
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


def _syndicated_store(tmp_path, *, first_digest_sent: bool) -> list[Alert]:
    """The tracked story on «demo» and, the same day, the agency copy on a second site (its own
    headline, the same body), then the first site's edit; plus a site-health alert. With
    ``first_digest_sent`` the digest of the first day went out before the edit."""
    db = new_db(tmp_path)
    save(db, IRAQ_CANADA, STORY_TITLE, STORY_BODY)
    save(db, WIRE_COPY, WIRE_TITLE, STORY_BODY, site="wire<2>")
    run_monitor(db, TOPICS[:1], now="2024-05-01T12:00:00+00:00")
    if first_digest_sent:
        mark_delivered(db, [a.id for a in pending_alerts(db)], delivered="2024-05-01T13:00:00Z")
    save(db, IRAQ_CANADA, STORY_TITLE, STORY_BODY_EDITED, fetched="2024-05-02T09:00:00+00:00")
    run_monitor(db, TOPICS[:1], now="2024-05-02T12:00:00+00:00")
    alerts = pending_alerts(db)
    health = Alert(id=99, kind="health", topic="", url="https://wire.test/feed", site="wire<2>",
                   title="wire<2>: the last crawl found no articles (3 page(s) fetched)",
                   sources=[], matched=[], details={"problem": "no_articles"},
                   created="2024-05-02T12:00:00+00:00")
    return [health, *alerts]


@pytest.fixture
def syndicated(tmp_path):
    """One digest holding the syndicated story's new alert and its edit's update alert."""
    return _syndicated_store(tmp_path, first_digest_sent=False)


@pytest.fixture
def next_digest(tmp_path):
    """The digest after the one that announced the syndicated story: its edit, an update."""
    return _syndicated_store(tmp_path, first_digest_sent=True)


def test_a_story_on_two_sites_is_one_item_listing_both_sources(syndicated):
    assert [(a.kind, a.url) for a in syndicated[1:]] == [("new", IRAQ_CANADA),
                                                         ("update", IRAQ_CANADA)]
    assert syndicated[1].sources == [IRAQ_CANADA, WIRE_COPY]
    text = render_digest(syndicated, "text", generated=GENERATED)
    assert "[update]" not in text  # the edit is shown in the new story's item
    new_item = text[text.index("[new]"):text.index("== Site health")]
    assert "sources (2):" in new_item
    assert f"demo · {IRAQ_CANADA}" in new_item
    assert f"wire<2> · {WIRE_COPY}" in new_item
    assert WIRE_TITLE in new_item  # the other site's own headline
    assert text.count(f"[new] {FSI}{STORY_TITLE}{PDI}") == 1

    document = json.loads(render_digest(syndicated, "json", generated=GENERATED))
    (section,) = document["topics"]
    (story,) = section["new"]
    assert story["sources"] == [
        {"site": "demo", "url": IRAQ_CANADA, "title": STORY_TITLE, "name": "demo"},
        {"site": "wire<2>", "url": WIRE_COPY, "title": WIRE_TITLE, "name": "wire<2>"}]
    assert story["url"] == IRAQ_CANADA and story["title"] == STORY_TITLE

    markdown = render_digest(syndicated, "markdown", generated=GENERATED)
    assert f"  - demo: <{IRAQ_CANADA}>" in markdown
    assert f"  - wire\\<2\\>: <{WIRE_COPY}> — \\<i\\>" in markdown


@pytest.mark.parametrize("fixture", ["next_digest", "syndicated"])
def test_updates_show_their_edit_kinds_in_every_format(fixture, request):
    alerts = request.getfixturevalue(fixture)
    text = render_digest(alerts, "text", generated=GENERATED)
    assert "changed: version 1 → 2 · numbers changed, paragraph added" in text
    markdown = render_digest(alerts, "markdown", generated=GENERATED)
    assert "_numbers changed, paragraph added_" in markdown
    page = render_digest(alerts, "html", generated=GENERATED)
    assert '<span class="kind">تغيّرت الأرقام</span><span class="kind">أضيفت فقرة</span>' in page
    document = json.loads(render_digest(alerts, "json", generated=GENERATED))
    (section,) = document["topics"]
    (story,) = section["new"] if fixture == "syndicated" else section["updates"]
    assert story["edit_kinds"] == ["numbers_changed", "paragraph_added"]
    assert story["edited"] is (fixture == "syndicated")


def test_an_update_of_a_story_announced_in_an_earlier_digest_is_an_update(next_digest):
    assert [a.kind for a in next_digest[1:]] == ["update"]
    text = render_digest(next_digest, "text", generated=GENERATED)
    assert "[new]" not in text and "edited since first seen" not in text
    assert f"[update] {FSI}{STORY_TITLE}{PDI}" in text
    document = json.loads(render_digest(next_digest, "json", generated=GENERATED))
    (section,) = document["topics"]
    assert section["new"] == [] and [s["kind"] for s in section["updates"]] == ["update"]


def test_health_alerts_have_their_own_section_at_the_end(next_digest):
    text = render_digest(next_digest, "text", generated=GENERATED)
    assert "== " + FSI not in text.split("== Site health")[1]
    assert "==  ·" not in text and "== ·" not in text  # no empty topic heading
    assert text.index("[update]") < text.index("== Site health · 1 alert ==")
    assert "problem: no_articles" in text

    markdown = render_digest(next_digest, "markdown", generated=GENERATED)
    assert "## \n" not in markdown and markdown.rindex("## ") == markdown.index("## Site health")
    assert "**wire\\<2\\>**: wire\\<2\\>: the last crawl found no articles" in markdown

    page = render_digest(next_digest, "html", generated=GENERATED)
    assert "<h2></h2>" not in page
    health = page.index("<h2>صحة المواقع</h2>")
    assert health > page.index('<article class="update">')
    assert "لم يُعثر على أي مقال" in page[health:]
    assert "wire&lt;2&gt;" in page[health:] and "wire<2>" not in page

    document = json.loads(render_digest(next_digest, "json", generated=GENERATED))
    assert [t["topic"] for t in document["topics"]] == ["العراق وكندا"]
    assert [a["kind"] for a in document["health"]] == ["health"]
    assert document["counts"] == {"new": 0, "update": 1, "removed": 0, "restored": 0, "health": 1}


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
    assert stories[0]["sources"] == [
        {"site": "b", "url": b, "title": "قصة العراق 3", "name": "b"},  # no seed: name = id
        {"site": "a", "url": a, "title": "قصة العراق 1", "name": "a"}]
    assert stories[0]["edit_kinds"] == ["headline_changed", "numbers_changed"]
    text = render_digest(alerts, "text", generated=GENERATED, sites={"https://c.test/9": "cee"})
    assert text.count("[update]") == 2 and "source: cee · https://c.test/9" in text


# A story new and edited within one digest is one item ------------------------------------

FIRST_TITLE = "كندا تعلن سحب 30 مدرباً من العراق"
SECOND_TITLE = "كندا تعلن سحب 45 مدرباً من العراق"
LATEST_TITLE = "كندا تعلن سحب 45 مدرباً من العراق <i>عاجل</i> & تحديث"
THIRD_PARAGRAPH = "وأوضح مسؤول <b>كندي</b> أن الدفعة الأولى تغادر في كانون الثاني."


@pytest.fixture
def edited_twice(tmp_path):
    """A tracked story first seen, then edited twice (headline and body) before any digest was
    sent, and another new story: every alert is in one digest; plus a site-health alert."""
    db = new_db(tmp_path)
    body = STORY_BODY.replace("30 جندياً", "30 مدرباً")
    save(db, IRAQ_CANADA, FIRST_TITLE, body)
    run_monitor(db, TOPICS[:1], now="2024-05-01T12:00:00+00:00")
    body = body.replace("30 مدرباً", "45 مدرباً")
    save(db, IRAQ_CANADA, SECOND_TITLE, body, fetched="2024-05-01T15:00:00+00:00")
    save(db, WIRE_COPY, "العراق وكندا: وفد تجاري في أوتاوا", "وصل وفد من العراق إلى كندا.",
         site="wire", published="2024-05-01T14:00:00+00:00")
    run_monitor(db, TOPICS[:1], now="2024-05-01T16:00:00+00:00")
    save(db, IRAQ_CANADA, LATEST_TITLE, body + "\n\n" + THIRD_PARAGRAPH,
         fetched="2024-05-01T18:00:00+00:00")
    run_monitor(db, TOPICS[:1], now="2024-05-01T19:00:00+00:00")
    health = Alert(id=99, kind="health", topic="", url="https://wire.test/feed", site="wire",
                   title="wire: the last crawl found no articles (3 page(s) fetched)",
                   sources=[], matched=[], details={"problem": "no_articles"},
                   created="2024-05-01T19:00:00+00:00")
    return [*pending_alerts(db), health]


def test_a_story_new_and_edited_in_one_digest_is_one_new_item_in_text(edited_twice):
    assert [(a.kind, a.url) for a in edited_twice] == [
        ("new", IRAQ_CANADA), ("update", IRAQ_CANADA), ("new", WIRE_COPY),
        ("update", IRAQ_CANADA), ("health", "https://wire.test/feed")]
    text = render_digest(edited_twice, "text", generated=GENERATED)

    assert text.startswith(f"raqib digest · generated {FSI}الخميس 2 مايو 2024، 13:00{PDI} (UTC)"
                           " · 5 alerts: 2 new, 2 updates")
    assert "· 2 new stories (1 edited since) ==" in text
    assert "[update]" not in text
    assert text.count(IRAQ_CANADA) == 1  # one item, one source line
    item = text[text.index(f"[new] {FSI}{LATEST_TITLE}{PDI}"):text.index("== Site health")]
    assert "[new]" not in item[5:]  # the other story comes first: published later
    assert "    edited since first seen (2 edits)\n" in item
    assert "changed: version 1 → 2 · headline changed, numbers changed" in item
    assert "changed: version 2 → 3 · headline changed, paragraph added" in item
    assert f"- \u200f{FIRST_TITLE}" in item and f"+ \u200f{SECOND_TITLE}" in item
    assert f"+ \u200f{THIRD_PARAGRAPH}" in item
    assert text.index("[new]") < text.index(f"[new] {FSI}{LATEST_TITLE}")  # newest first
    assert text.index("edited since first seen") < text.index("== Site health · 1 alert ==")


def test_a_story_new_and_edited_in_one_digest_is_one_new_item_in_markdown(edited_twice):
    markdown = render_digest(edited_twice, "markdown", generated=GENERATED)

    assert "### Updated stories" not in markdown
    assert markdown.count(f"(<{IRAQ_CANADA}>)") == 1
    assert "  _edited since first seen (2 edits)_  " in markdown
    assert "\\<i\\>عاجل\\</i\\> \\& تحديث" in markdown and "<i>" not in markdown
    assert "removed: ~~**كندا** تعلن سحب 30 مدرباً من **العراق**~~" in markdown
    assert "\\<b\\>كندي\\</b\\>" in markdown and "<b>" not in markdown
    assert markdown.index("_edited since first seen") < markdown.index("## Site health")


def test_a_story_new_and_edited_in_one_digest_is_one_new_item_in_html(edited_twice):
    page = render_digest(edited_twice, "html", generated=GENERATED)

    assert '<html dir="rtl" lang="ar">' in page
    parsed = _Collect()
    parsed.feed(page)
    tags = [tag for tag, _ in parsed.tags]
    assert "i" not in tags and "b" not in tags
    articles = [attrs["class"] for tag, attrs in parsed.tags if tag == "article"]
    assert articles == ["new", "new", "health"]  # no separate update item
    assert '<p class="edited">عُدّلت منذ رصدها أول مرة (2 تعديلات)</p>' in page
    assert "&lt;i&gt;عاجل&lt;/i&gt; &amp; تحديث" in page  # the latest title, escaped
    heading = page[page.index(f'<h4><a href="{IRAQ_CANADA}">'):]
    assert heading.index("&lt;i&gt;عاجل") < heading.index("</h4>")
    assert '<span class="kind">تغيّر العنوان</span>' in page
    assert "<ins>وأوضح مسؤول &lt;b&gt;كندي&lt;/b&gt;" in page
    assert page.index('class="edited"') < page.index("<h2>صحة المواقع</h2>")

    from monitor.notify import email_html
    assert '<p class="edited" style="' in email_html(page)


def test_a_story_new_and_edited_in_one_digest_is_one_new_story_in_json(edited_twice):
    document = json.loads(render_digest(edited_twice, "json", generated=GENERATED))

    assert document["count"] == 5 and len(document["alerts"]) == 5  # every alert is kept
    assert document["counts"] == {"new": 2, "update": 2, "removed": 0, "restored": 0, "health": 1}
    (section,) = document["topics"]
    assert section["updates"] == []
    wire, story = section["new"]
    assert wire["url"] == WIRE_COPY and wire["edited"] is False
    ids = [a["id"] for a in document["alerts"] if a["url"] == IRAQ_CANADA]
    assert story["alerts"] == ids and len(ids) == 3
    assert story["kind"] == "new" and story["edited"] is True
    assert story["title"] == LATEST_TITLE and story["url"] == IRAQ_CANADA
    assert story["edit_kinds"] == ["headline_changed", "numbers_changed", "paragraph_added",
                                   "wording_changed"]
    assert [h["kind"] for h in document["health"]] == ["health"]


def test_an_edit_of_another_source_of_a_new_story_joins_it():
    """The agency copy (a source of the new story) edited in the same digest: one new item,
    its title still the primary url's."""
    a, b = "https://a.test/1", "https://b.test/1"
    matched = [{"term": "العراق", "field": "title", "text": "العراق"}]
    alerts = [
        Alert(id=1, kind="new", topic="العراق", url=a, site="a", title="قصة العراق",
              sources=[a, b], matched=matched, details={}, created=GENERATED),
        Alert(id=2, kind="update", topic="العراق", url=b, site="b", title="قصة العراق المعدلة",
              sources=[b], matched=matched,
              details={"from_version": 1, "to_version": 2, "matches_now": True,
                       "diff": {"edit_kinds": ["wording_changed"]}}, created=GENERATED),
    ]
    document = json.loads(render_digest(alerts, "json", generated=GENERATED))
    (story,) = document["topics"][0]["new"]
    assert story["alerts"] == [1, 2] and story["title"] == "قصة العراق" and story["url"] == a
    assert story["edited"] is True and document["topics"][0]["updates"] == []
