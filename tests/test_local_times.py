"""Times as an Arabic reader reads them: in raqib.toml's ``timezone``, as «الخميس 3 ديسمبر
2026، 12:48», in every digest a person reads (text, markdown, html, email) and in ``raqib
alerts``; the html keeps the stored ISO value in ``<time datetime=…>`` and json keeps ISO."""

from __future__ import annotations

import json
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from crawl_helpers import free_port
from monitor.alerts import run_monitor
from monitor.cli import main
from monitor.history import FSI, PDI
from monitor.localtime import arabic_time
from monitor.topics import Topic
from monitor_helpers import IRAQ_CANADA, STORY_BODY, STORY_TITLE, new_db, save
from test_delivery import SmtpServer

TOPICS = [Topic(name="العراق وكندا", all=("العراق", "كندا"))]
PUBLISHED = "2026-12-03T09:48:53+00:00"           # a Thursday, 12:48 in Baghdad (UTC+3)
PUBLISHED_BAGHDAD = "الخميس 3 ديسمبر 2026، 12:48"
RAISED = "2026-12-03T22:05:00+00:00"              # already Friday in Baghdad
RAISED_BAGHDAD = "الجمعة 4 ديسمبر 2026، 01:05"


@pytest.fixture
def store(tmp_path):
    db = new_db(tmp_path)
    save(db, IRAQ_CANADA, STORY_TITLE, STORY_BODY, published=PUBLISHED,
         fetched="2026-12-03T10:00:00+00:00")
    run_monitor(db, TOPICS, now=RAISED)
    db.close()
    return tmp_path / "raqib.db"


def write_config(tmp_path, extra: str = ""):
    path = tmp_path / "raqib.toml"
    path.write_text('timezone = "Asia/Baghdad"\n' + extra, encoding="utf-8")
    return path


def raqib(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_the_readable_form_names_the_weekday_and_month_in_arabic_in_the_zone():
    assert arabic_time(PUBLISHED, ZoneInfo("Asia/Baghdad")) == PUBLISHED_BAGHDAD
    assert arabic_time(PUBLISHED) == "الخميس 3 ديسمبر 2026، 09:48"          # UTC by default
    assert arabic_time("2026-01-05T00:30:00+00:00", ZoneInfo("Asia/Riyadh")) == \
        "الاثنين 5 يناير 2026، 03:30"
    assert arabic_time("2026-12-03") == "الخميس 3 ديسمبر 2026"              # a date alone
    assert arabic_time("yesterday") == "yesterday"                          # not a time: as is


def test_the_text_digest_shows_times_in_the_configured_zone(tmp_path, store):
    result = raqib("digest", "--db", str(store), "--config", str(write_config(tmp_path)))
    assert result.exit_code == 0, result.output
    assert f"published: {FSI}{PUBLISHED_BAGHDAD}{PDI}" in result.output
    assert "(Asia/Baghdad)" in result.output.splitlines()[0]
    assert "+00:00" not in result.output


def test_the_markdown_digest_shows_times_in_the_configured_zone(tmp_path, store):
    result = raqib("digest", "--format", "markdown", "--db", str(store),
                   "--config", str(write_config(tmp_path)))
    assert f"published {PUBLISHED_BAGHDAD}" in result.output
    assert "+00:00" not in result.output


def test_the_html_digest_shows_readable_times_and_keeps_iso_in_datetime(tmp_path, store):
    result = raqib("digest", "--format", "html", "--db", str(store),
                   "--config", str(write_config(tmp_path)))
    assert f'<time datetime="{PUBLISHED}">{PUBLISHED_BAGHDAD}</time>' in result.output
    assert "(<span dir=\"ltr\">Asia/Baghdad</span>)" in result.output


def test_the_json_digest_keeps_iso_times(tmp_path, store):
    result = raqib("digest", "--format", "json", "--db", str(store),
                   "--config", str(write_config(tmp_path)))
    document = json.loads(result.output)
    (alert,) = document["alerts"]
    assert alert["published"] == PUBLISHED and alert["created"] == RAISED
    assert document["generated"].endswith("+00:00")
    assert "ديسمبر" not in result.output


def test_alerts_lists_times_in_the_configured_zone_and_json_keeps_iso(tmp_path, store):
    config = str(write_config(tmp_path))
    text = raqib("alerts", "--db", str(store), "--config", config)
    assert text.output.startswith(f"{FSI}{RAISED_BAGHDAD}{PDI}  new")
    document = json.loads(raqib("alerts", "--format", "json", "--db", str(store),
                                "--config", config).output)
    assert document[0]["created"] == RAISED


def test_the_email_shows_times_in_the_configured_zone(tmp_path, store):
    smtp = SmtpServer(free_port()).start()
    try:
        config = write_config(tmp_path, "\n".join([
            "[[channel]]", 'type = "smtp"', 'host = "127.0.0.1"', f"port = {smtp.port}",
            'security = "none"', 'from = "raqib@example.org"', 'to = ["analyst@example.org"]',
            ""]))
        sent = raqib("digest", "--send", "--db", str(store), "--config", str(config))
        assert sent.exit_code == 0, sent.output
        (mail,) = smtp.inbox.messages
    finally:
        smtp.stop()
    plain = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert f"published: {FSI}{PUBLISHED_BAGHDAD}{PDI}" in plain
    assert f"datetime=\"{PUBLISHED}\"" in html and PUBLISHED_BAGHDAD in html


def test_status_shows_times_in_the_configured_zone_and_json_keeps_iso(tmp_path, store):
    from crawler.store import finish_run, start_run

    db = new_db(tmp_path)
    run = start_run(db, "demo", started=PUBLISHED)
    finish_run(db, run, finished=RAISED)
    db.close()
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "demo.toml").write_text('name = "ديمو"\nallowed_domains = ["demo.test"]\n'
                                     'feeds = ["https://demo.test/rss"]\nevery = "30m"\n',
                                     encoding="utf-8")
    config = str(write_config(tmp_path))
    text = raqib("status", "--db", str(store), "--seeds", str(seeds), "--config", config)
    assert text.exit_code == 0, text.output
    assert text.output.startswith("times in Asia/Baghdad\n")
    assert f"last crawl: {FSI}{PUBLISHED_BAGHDAD}{PDI} finished" in text.output
    document = json.loads(raqib("status", "--format", "json", "--db", str(store),
                                "--seeds", str(seeds), "--config", config).output)
    assert "ديسمبر" not in json.dumps(document, ensure_ascii=False)
