"""An edit that takes a tracked story out of its topic raises an `update` that says why, in
the topic's own terms as written: «no longer mentions كندا» (issue 17, item 2), in every
digest format."""

from __future__ import annotations

import json

from monitor.alerts import run_monitor
from monitor.digest import pending_alerts, render_digest
from monitor.history import FSI, PDI
from monitor.records import Alert
from monitor.topics import Topic, TopicMatcher
from monitor_helpers import IRAQ_CANADA, new_db, save

TOPIC = Topic(name="العراق وكندا", all=("العراق", "كندا"), any=("قوات", "انسحاب"),
              none=("كرة القدم",))
NOW = "2024-05-01T12:00:00+00:00"
LATER = "2024-05-02T12:00:00+00:00"
TITLE = "العراق ولكندا جدول انسحاب"
BODY = "بحث العراق مع كندا جدول انسحاب المدربين من بغداد، وقال الوزير إن القرار نهائي."


def edited(tmp_path, title: str, body: str, topics=(TOPIC,)) -> Alert:
    """The one alert raised by an edit of a tracked story (its first version: TITLE, BODY)."""
    db = new_db(tmp_path)
    save(db, IRAQ_CANADA, TITLE, BODY)
    (new,) = run_monitor(db, list(topics), now=NOW)
    assert new.kind == "new"
    assert save(db, IRAQ_CANADA, title, body, fetched="2024-05-02T09:00:00+00:00") == "changed"
    (update,) = run_monitor(db, list(topics), now=LATER)
    assert update.kind == "update" and update.url == IRAQ_CANADA
    return update


def test_an_update_that_loses_a_term_names_it_as_the_topic_writes_it(tmp_path):
    # the story found «كندا» as «لكندا» and «كندا»; now it speaks only of «الكندي», a
    # derivation the topic does not take
    update = edited(tmp_path, "العراق يبحث جدول انسحاب",
                    "بحث العراق مع الجانب الكندي جدول انسحاب المدربين من بغداد.")

    assert update.details["matches_now"] is False
    assert update.details["lost_terms"] == ["كندا"]
    assert update.details["excluded_terms"] == []


def test_only_the_terms_that_made_it_leave_are_named(tmp_path):
    # «انسحاب» was its only `any` term and is gone; «العراق» and «كندا» are still there. The
    # `any` term it never had («قوات») is not named: it did not lose it.
    update = edited(tmp_path, "العراق وكندا يبحثان جدول المدربين",
                    "بحث العراق مع كندا جدول المدربين في بغداد.")

    assert update.details["lost_terms"] == ["انسحاب"]


def test_every_lost_term_is_named_in_the_topics_order(tmp_path):
    update = edited(tmp_path, "طقس حار في بغداد", "تتجاوز الحرارة 45 درجة في بغداد.")

    assert update.details["lost_terms"] == ["العراق", "كندا", "انسحاب"]


def test_an_update_that_now_holds_an_excluded_term_says_so(tmp_path):
    update = edited(tmp_path, TITLE, BODY + "\n\nوتأجلت مباراة كرة القدم بين البلدين.")

    assert update.details["matches_now"] is False
    assert update.details["lost_terms"] == []
    assert update.details["excluded_terms"] == ["كرة القدم"]


def test_an_update_still_about_the_topic_names_nothing_lost(tmp_path):
    update = edited(tmp_path, TITLE, BODY + "\n\nوأعلنت أوتاوا أنها ستفتح مكتباً في العراق.")

    assert update.details["matches_now"] is True
    assert "lost_terms" not in update.details and "excluded_terms" not in update.details


def test_the_matcher_says_why_a_text_does_not_match():
    matcher = TopicMatcher([TOPIC])
    why = matcher.mismatch(TOPIC.name, title="العراق وكندا", body="مباراة كرة القدم في بغداد")
    assert (why.missing, why.excluded, why.other_site) == (("قوات", "انسحاب"), ("كرة القدم",),
                                                            False)
    assert matcher.mismatch(TOPIC.name, title=TITLE, body=BODY).missing == ()


# --- in the digest ---------------------------------------------------------------------------


def digests(tmp_path) -> dict[str, str]:
    """Every format of the digest of a story that lost «العراق» and «كندا» in an edit."""
    db = new_db(tmp_path)
    save(db, IRAQ_CANADA, TITLE, BODY)
    run_monitor(db, [TOPIC], now=NOW)
    save(db, IRAQ_CANADA, "جدول انسحاب المدربين", "أعلنت الوزارة جدول انسحاب المدربين.",
         fetched="2024-05-02T09:00:00+00:00")
    run_monitor(db, [TOPIC], now=LATER)
    alerts = pending_alerts(db)
    assert [a.kind for a in alerts] == ["new", "update"]
    return {fmt: render_digest(alerts, fmt, generated=LATER)
            for fmt in ("text", "markdown", "html", "json")}


def test_the_text_digest_names_the_lost_terms_each_isolated(tmp_path):
    text = digests(tmp_path)["text"]
    # each Arabic term in its own isolate: the line is left-to-right English, and the terms keep
    # their order in it whatever the reader's terminal does with the Arabic
    assert (f"    (the new version no longer mentions {FSI}العراق{PDI} or {FSI}كندا{PDI})"
            in text.splitlines())
    assert "no longer matches this topic" not in text


def test_the_markdown_digest_names_the_lost_terms(tmp_path):
    markdown = digests(tmp_path)["markdown"]
    assert f"(no longer mentions {FSI}العراق{PDI} or {FSI}كندا{PDI})" in markdown
    assert "no longer matches this topic" not in markdown


def test_the_html_digest_says_it_in_arabic(tmp_path):
    page = digests(tmp_path)["html"]
    assert ('<p class="left-topic">لم تعد النسخة الجديدة تطابق هذا الموضوع: لم يعد يذكر'
            ' «<bdi>العراق</bdi>» ولا «<bdi>كندا</bdi>».</p>') in page


def test_the_json_digest_carries_the_lost_terms(tmp_path):
    document = json.loads(digests(tmp_path)["json"])
    (update,) = [a for a in document["alerts"] if a["kind"] == "update"]
    assert update["details"]["matches_now"] is False
    assert update["details"]["lost_terms"] == ["العراق", "كندا"]
    assert update["details"]["excluded_terms"] == []


def test_an_excluded_term_is_named_in_every_format(tmp_path):
    update = edited(tmp_path, TITLE, BODY + "\n\nوتأجلت مباراة كرة القدم بين البلدين.")
    text = render_digest([update], "text", generated=LATER)
    markdown = render_digest([update], "markdown", generated=LATER)
    page = render_digest([update], "html", generated=LATER)
    assert (f"(the new version now mentions {FSI}كرة القدم{PDI}, which the topic excludes)"
            in text)
    assert f"(now mentions {FSI}كرة القدم{PDI}, which the topic excludes)" in markdown
    assert ("لم تعد النسخة الجديدة تطابق هذا الموضوع: صار يذكر «<bdi>كرة القدم</bdi>»"
            " وهو من الكلمات المستبعدة في هذا الموضوع.") in page


def test_a_hostile_term_is_escaped_in_html_and_markdown():
    alert = Alert(id=1, kind="update", topic="t", url="https://demo.test/news/1", site="demo",
                  title="عنوان", sources=["https://demo.test/news/1"], matched=[],
                  details={"from_version": 1, "to_version": 2, "matches_now": False,
                           "lost_terms": ["<b>كندا</b>"], "excluded_terms": [], "diff": {}},
                  created=LATER)
    assert "«<bdi>&lt;b&gt;كندا&lt;/b&gt;</bdi>»" in render_digest([alert], "html",
                                                                  generated=LATER)
    assert "<b>" not in render_digest([alert], "markdown", generated=LATER)


def test_an_alert_raised_before_the_terms_were_kept_still_says_it_left(tmp_path):
    alert = Alert(id=1, kind="update", topic="t", url="https://demo.test/news/1", site="demo",
                  title="عنوان", sources=["https://demo.test/news/1"], matched=[],
                  details={"from_version": 1, "to_version": 2, "matches_now": False, "diff": {}},
                  created=LATER)
    assert "(the new version no longer matches this topic)" in render_digest(
        [alert], "text", generated=LATER)
    assert "لم تعد النسخة الجديدة تطابق هذا الموضوع." in render_digest(
        [alert], "html", generated=LATER)
