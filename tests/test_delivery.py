"""Digests delivered exactly once: a real SMTP server (aiosmtpd) and a real HTTP receiver on
127.0.0.1, the real `raqib digest --send`, and the outbox in a real SQLite file."""

from __future__ import annotations

import email
import email.policy
import json
import threading
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from click.testing import CliRunner

from crawl_helpers import free_port
from monitor.alerts import run_monitor
from monitor.cli import main
from monitor.config import load_config
from monitor.notify import email_html
from monitor.outbox import send_digests
from monitor.topics import Topic
from monitor_helpers import IRAQ_CANADA, STORY_BODY, STORY_BODY_EDITED, STORY_TITLE, new_db, save

TOPICS = [Topic(name="العراق وكندا", all=("العراق", "كندا"))]
HOSTILE = "https://demo.test/news/9"
HOSTILE_TITLE = '<script>alert("x")</script> كندا & العراق'


# --- real receivers -------------------------------------------------------------------------


class Inbox:
    """aiosmtpd handler: keeps every message it accepts."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.messages.append(email.message_from_bytes(envelope.content,
                                                      policy=email.policy.default))
        return "250 Message accepted"


class SmtpServer:
    """An SMTP server on 127.0.0.1:``port`` that can be started and stopped."""

    def __init__(self, port: int):
        self.port, self.inbox, self.controller = port, Inbox(), None

    def start(self) -> SmtpServer:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


class WebhookReceiver:
    """An HTTP server on 127.0.0.1 that records every POST (headers and JSON body)."""

    def __init__(self):
        received = self.received = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                received.append((dict(self.headers), json.loads(body.decode("utf-8"))))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def smtp():
    server = SmtpServer(free_port()).start()
    yield server
    server.stop()


@pytest.fixture
def webhook():
    receiver = WebhookReceiver()
    yield receiver
    receiver.stop()


# --- a store with alerts, and a config --------------------------------------------------------


@pytest.fixture
def store(tmp_path):
    """A store with three alerts waiting: a tracked story, its edit, and a hostile title."""
    db = new_db(tmp_path)
    save(db, IRAQ_CANADA, STORY_TITLE, STORY_BODY)
    save(db, HOSTILE, HOSTILE_TITLE, "نص عن العراق.", fetched="2024-05-01T10:00:00+00:00")
    run_monitor(db, TOPICS)
    save(db, IRAQ_CANADA, STORY_TITLE, STORY_BODY_EDITED, fetched="2024-05-02T09:00:00+00:00")
    run_monitor(db, TOPICS)
    db.close()
    return tmp_path / "raqib.db"


def write_config(tmp_path: Path, smtp_port: int | None = None, webhook_url: str | None = None,
                 extra: str = "") -> Path:
    parts = ['timezone = "Asia/Baghdad"', "[digest]", 'retry = "1m"']
    if smtp_port:
        parts += ["[[channel]]", 'type = "smtp"', 'host = "127.0.0.1"', f"port = {smtp_port}",
                  'security = "none"', 'from = "raqib@example.org"',
                  'to = ["analyst@example.org"]']
    if webhook_url:
        parts += ["[[channel]]", 'type = "webhook"', f'url = "{webhook_url}"']
    path = tmp_path / "raqib.toml"
    path.write_text("\n".join(parts) + "\n" + extra, encoding="utf-8")
    return path


def raqib(*args: str, env: dict | None = None):
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def rows(db_path: Path, sql: str) -> list[tuple]:
    db = new_db(db_path.parent)
    try:
        return [tuple(r) for r in db.execute(sql).fetchall()]
    finally:
        db.close()


# --- the promises ---------------------------------------------------------------------------


def test_a_digest_arrives_once_by_email_and_once_by_webhook(tmp_path, store, smtp, webhook):
    config = write_config(tmp_path, smtp.port, webhook.url)

    sent = raqib("digest", "--send", "--db", str(store), "--config", str(config))
    assert sent.exit_code == 0, sent.output
    assert "built digest 1" in sent.output

    (mail,) = smtp.inbox.messages
    assert mail["Subject"] == "رقيب: 3 تنبيهات"           # UTF-8, decoded back intact
    assert mail.get_content_type() == "multipart/alternative"
    plain = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    # new and edited within one digest: one item, marked as edited, with its diff
    assert STORY_TITLE in plain and "edited since first seen" in plain
    assert "changed: version 1 → 2" in plain
    assert 'dir="rtl"' in html and 'lang="ar"' in html
    assert "<script>" not in html and "&lt;script&gt;" in html   # page strings escaped
    assert "<del" in html and "<ins" in html                      # the edit, marked

    ((headers, payload),) = webhook.received
    assert headers["Idempotency-Key"] == "raqib-digest-1"
    assert payload["digest_id"] == 1 and payload["count"] == 3
    assert {a["kind"] for a in payload["alerts"]} == {"new", "update"}

    again = raqib("digest", "--send", "--db", str(store), "--config", str(config))
    assert again.exit_code == 0 and "nothing new to send" in again.output
    assert len(smtp.inbox.messages) == 1 and len(webhook.received) == 1

    preview = raqib("digest", "--db", str(store), "--config", str(config))
    assert "No new alerts." in preview.output   # every alert delivered


def test_the_preview_marks_nothing(tmp_path, store):
    first = raqib("digest", "--db", str(store))
    second = raqib("digest", "--db", str(store))
    assert STORY_TITLE in first.output
    assert first.output.split("\n", 1)[1] == second.output.split("\n", 1)[1]
    assert rows(store, "SELECT COUNT(*) FROM alerts WHERE delivered IS NOT NULL") == [(0,)]


def test_with_the_mail_server_down_the_digest_is_kept_and_later_arrives_once(tmp_path, store,
                                                                              webhook):
    port = free_port()   # nothing listens here yet
    config = write_config(tmp_path, port, webhook.url)

    down = raqib("digest", "--send", "--db", str(store), "--config", str(config))
    assert down.exit_code == 1
    assert f"cannot reach the mail server 127.0.0.1:{port}" in down.output
    assert "will be retried" in down.output
    ((status, attempts, error),) = rows(
        store, "SELECT status, attempts, error FROM deliveries WHERE channel = 'smtp'")
    assert (status, attempts) == ("failed", 1) and "127.0.0.1" in error
    assert len(webhook.received) == 1                   # the other channel went out
    status_out = raqib("status", "--db", str(store), "--config", str(config),
                       "--seeds", str(tmp_path / "none"))
    assert "digest 1 (3 alerts" in status_out.output and "failed after 1 attempt" in status_out.output

    server = SmtpServer(port).start()
    try:
        back = raqib("digest", "--send", "--db", str(store), "--config", str(config))
        assert back.exit_code == 0, back.output
        assert len(server.inbox.messages) == 1
        assert "Canada" not in server.inbox.messages[0]["Subject"]
        once_more = raqib("digest", "--send", "--db", str(store), "--config", str(config))
        assert "nothing new to send" in once_more.output
        assert len(server.inbox.messages) == 1
    finally:
        server.stop()
    assert len(webhook.received) == 1                   # never sent twice
    assert rows(store, "SELECT COUNT(*) FROM alerts WHERE delivered IS NULL") == [(0,)]


def test_failed_deliveries_wait_for_their_backoff_unless_sent_by_hand(tmp_path, store):
    port = free_port()
    settings = load_config(write_config(tmp_path, port))
    db = new_db(tmp_path)
    start = datetime(2024, 5, 1, 7, 0, tzinfo=timezone.utc)
    try:
        first = send_digests(db, list(settings.channels), settings.digest, start)
        assert [a.ok for a in first.attempts] == [False]
        # 30 s later the 1-minute backoff has not passed: nothing is tried.
        early = send_digests(db, list(settings.channels), settings.digest,
                             start + timedelta(seconds=30), build=False)
        assert early.attempts == []
        # after it, the retry is tried (and fails again: the backoff doubles to 2 minutes)
        later = send_digests(db, list(settings.channels), settings.digest,
                             start + timedelta(minutes=1), build=False)
        assert len(later.attempts) == 1
        (next_attempt,) = db.execute("SELECT next_attempt FROM deliveries").fetchone()
        assert next_attempt == "2024-05-01T07:03:00+00:00"
        forced = send_digests(db, list(settings.channels), settings.digest,
                              start + timedelta(minutes=1, seconds=5), build=False, force=True)
        assert len(forced.attempts) == 1
    finally:
        db.close()


def test_new_alerts_go_into_a_new_digest_and_old_ones_never_again(tmp_path, store, smtp):
    config = write_config(tmp_path, smtp.port)
    raqib("digest", "--send", "--db", str(store), "--config", str(config))
    db = new_db(tmp_path)
    save(db, "https://demo.test/news/77", "كندا ترحب بقرار العراق", "نص عن كندا والعراق.",
         fetched="2024-05-03T09:00:00+00:00")
    run_monitor(db, TOPICS)
    db.close()
    raqib("digest", "--send", "--db", str(store), "--config", str(config))
    first, second = smtp.inbox.messages
    assert "كندا ترحب" not in first.get_body(("plain",)).get_content()
    second_text = second.get_body(("plain",)).get_content()
    assert "كندا ترحب" in second_text and STORY_TITLE not in second_text
    assert rows(store, "SELECT digest_id, COUNT(*) FROM digest_alerts GROUP BY digest_id") == [
        (1, 3), (2, 1)]


def test_secrets_come_from_the_environment_and_are_never_recorded(tmp_path, store, smtp):
    config = write_config(tmp_path)
    config.write_text(config.read_text(encoding="utf-8") + f"""
[[channel]]
type = "smtp"
host = "127.0.0.1"
port = {smtp.port}
security = "none"
from = "raqib@example.org"
to = ["analyst@example.org"]
username_env = "RAQIB_TEST_USER"
password_env = "RAQIB_TEST_PASSWORD"
""", encoding="utf-8")
    secret = "s3cret-Pa55-word"
    result = raqib("digest", "--send", "--db", str(store), "--config", str(config),
                   env={"RAQIB_TEST_USER": "me", "RAQIB_TEST_PASSWORD": secret})
    # this test server offers no AUTH: the login fails, and says so without the password
    assert result.exit_code == 1 and "AUTH" in result.output
    assert secret not in result.output
    for path in tmp_path.glob("raqib.db*"):
        assert secret.encode() not in path.read_bytes()

    missing = raqib("digest", "--send", "--db", str(store), "--config", str(config),
                    env={"RAQIB_TEST_USER": "me", "RAQIB_TEST_PASSWORD": None})
    assert "environment variable RAQIB_TEST_PASSWORD is not set" in missing.output


def test_the_file_channel_writes_one_file_per_digest(tmp_path, store):
    config = write_config(tmp_path, extra='[[channel]]\ntype = "file"\npath = "digests"\n'
                                          'format = "markdown"\n')
    raqib("digest", "--send", "--db", str(store), "--config", str(config))
    raqib("digest", "--send", "--db", str(store), "--config", str(config))
    (written,) = (tmp_path / "digests").iterdir()
    assert written.name.startswith("digest-000001-") and written.suffix == ".md"
    assert "# raqib digest" in written.read_text(encoding="utf-8")


def test_a_delivered_json_digest_says_which_digest_and_delivery_each_alert_is_in(tmp_path,
                                                                                 store):
    config = write_config(tmp_path, extra='[[channel]]\ntype = "file"\nname = "archive"\n'
                                          'path = "digests"\nformat = "json"\n')
    raqib("digest", "--send", "--db", str(store), "--config", str(config))
    (written,) = (tmp_path / "digests").iterdir()
    document = json.loads(written.read_text(encoding="utf-8"))
    ((digest_id, created),) = rows(store, "SELECT id, created FROM digests")
    ((delivery_id,),) = rows(store, "SELECT id FROM deliveries WHERE channel = 'archive'")
    assert (document["digest"], document["generated"]) == (digest_id, created)
    assert (document["delivery"], document["channel"]) == (delivery_id, "archive")
    assert len(document["alerts"]) == document["count"] == 3
    for alert in document["alerts"]:
        assert (alert["digest"], alert["delivery"]) == (digest_id, delivery_id)
        assert "delivered" not in alert          # no `null` standing for "delivered"

    # the preview of what no digest holds yet says so
    preview = raqib("digest", "--format", "json", "--db", str(store), "--config", str(config))
    assert json.loads(preview.output)["digest"] is None


def test_without_channels_send_says_what_to_configure(tmp_path, store):
    result = raqib("digest", "--send", "--db", str(store), "--config",
                   str(write_config(tmp_path)))
    assert result.exit_code == 1 and "no delivery channel configured" in result.output


def test_the_email_html_carries_its_css_inline_and_right_to_left():
    html = email_html('<html dir="rtl" lang="ar"><head><style>mark { background: #ff0; }\n'
                      "article.update { color: red; }</style></head><body><article class="
                      '"update"><mark>كندا</mark></article></body></html>')
    assert '<mark style="background: #ff0">' in html
    assert 'class="update" style="color: red"' in html
    assert '<div dir="rtl" lang="ar"' in html


def test_an_apprise_channel_without_the_package_fails_with_a_clear_message(tmp_path, store):
    try:
        import apprise  # noqa: F401
        pytest.skip("apprise is installed")
    except ImportError:
        pass
    config = write_config(tmp_path, extra='[[channel]]\ntype = "apprise"\n'
                                          'url_env = "RAQIB_TEST_APPRISE"\n')
    result = raqib("digest", "--send", "--db", str(store), "--config", str(config),
                   env={"RAQIB_TEST_APPRISE": "tgram://123:abc/456"})
    assert result.exit_code == 1
    assert "the apprise package is not installed (pip install apprise)" in result.output
    assert "123:abc" not in result.output
