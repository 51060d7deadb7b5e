"""A webhook digest goes only where it was configured, and no secret is ever printed or stored.

Real receivers on 127.0.0.1: an HTTP server that answers 302 to another loopback host (which
counts what reaches it), and an aiosmtpd server that offers AUTH and refuses every login. The
secrets hold backslashes, both quotes and non-ASCII letters, the characters whose escaped forms
(repr, percent-encoding, JSON) used to slip past a plain search-and-replace.
"""

from __future__ import annotations

import base64
import json
import logging
import sqlite3
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from crawl_helpers import free_port
from crawler.redact import scrub, secret_forms
from test_delivery import Inbox, raqib, rows, store, write_config  # noqa: F401 (store: fixture)

PASSWORD = 'pa\\ss "wö\'rd" كلمة'
TOKEN = 'tok\\en"\'سر-ß'                   # in a URL's user-info (percent-encoded there)
BEARER = 'be\\ar"er\'-ß'                    # an HTTP header carries Latin-1 at most


class Receiver:
    """An HTTP server on ``host`` that records every request (method, path, headers, body)
    and answers with ``answer`` (a status, and headers)."""

    def __init__(self, host: str = "127.0.0.1", answer: tuple[int, dict] = (204, {})):
        self.requests: list[tuple[str, str, dict, bytes]] = []
        self.answer = answer
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def _any(self):
                length = int(self.headers.get("Content-Length") or 0)
                receiver.requests.append((self.command, self.path, dict(self.headers),
                                          self.rfile.read(length)))
                status, headers = receiver.answer
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_GET = do_POST = do_PUT = _any  # noqa: N815

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer((host, 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.base = f"http://{host}:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def elsewhere():
    """Another host: 127.0.0.2 (all of 127/8 is loopback), counting whatever reaches it."""
    receiver = Receiver("127.0.0.2")
    yield receiver
    receiver.stop()


@pytest.fixture
def hook(elsewhere):
    """A webhook that answers 302 to ``elsewhere``, until told otherwise."""
    receiver = Receiver(answer=(302, {"Location": f"{elsewhere.base}/stolen"}))
    yield receiver
    receiver.stop()


def webhook_config(tmp_path: Path, url: str, token_env: str | None = "RAQIB_TEST_TOKEN") -> Path:
    extra = "[[channel]]\ntype = \"webhook\"\n" + f"url = {json.dumps(url)}\n"
    if token_env:
        extra += f'token_env = "{token_env}"\n'
    return write_config(tmp_path, extra=extra)


def everything_shown(tmp_path: Path, store: Path, config: Path, *outputs: str) -> str:
    """Every place a secret could end up: the outputs given, `raqib status` as text and JSON,
    and every byte of the store and its WAL."""
    seen = list(outputs)
    for fmt in ("text", "json"):
        shown = raqib("status", "--db", str(store), "--config", str(config), "--seeds",
                      str(tmp_path / "no-seeds"), "--format", fmt)
        seen.append(shown.output)
    for path in tmp_path.glob("raqib.db*"):
        seen.append(path.read_bytes().decode("utf-8", "replace"))
    return "\n".join(seen)


def assert_no_form_of(secret: str, text: str) -> None:
    for form in secret_forms(secret):
        assert form not in text, f"{form!r} shown"


# --- webhooks go where they were told, or not at all -----------------------------------------


def test_a_webhook_redirect_is_a_failed_delivery_and_the_token_goes_nowhere_else(
        tmp_path, store, hook, elsewhere):
    config = webhook_config(tmp_path, f"{hook.base}/hook")
    env = {"RAQIB_TEST_TOKEN": BEARER}

    first = raqib("digest", "--send", "--db", str(store), "--config", str(config), env=env)

    assert first.exit_code == 1
    assert f"answered HTTP 302, a redirect to {elsewhere.base}/stolen" in first.output
    assert elsewhere.requests == []                     # nothing reached the other host
    ((method, path, headers, body),) = hook.requests
    assert (method, path) == ("POST", "/hook") and json.loads(body)["digest_id"] == 1
    ((status, attempts, error),) = rows(
        store, "SELECT status, attempts, error FROM deliveries WHERE channel = 'webhook'")
    assert (status, attempts) == ("failed", 1)
    assert f"redirect to {elsewhere.base}/stolen" in error
    assert rows(store, "SELECT COUNT(*) FROM alerts WHERE delivered IS NULL") == [(3,)]

    hook.answer = (204, {})                             # the endpoint is fixed: the retry lands
    retry = raqib("digest", "--send", "--db", str(store), "--config", str(config), env=env)
    assert retry.exit_code == 0, retry.output
    assert len(hook.requests) == 2 and elsewhere.requests == []
    assert hook.requests[1][2]["Authorization"] == f"Bearer {BEARER}"
    assert rows(store, "SELECT status FROM deliveries WHERE channel = 'webhook'") == [("sent",)]
    assert rows(store, "SELECT COUNT(*) FROM alerts WHERE delivered IS NULL") == [(0,)]


def test_user_info_in_a_webhook_url_is_sent_as_basic_auth_to_that_host_only(
        tmp_path, store, hook, elsewhere):
    hook.answer = (204, {})
    url = f"http://raqib:{quote(TOKEN, safe='')}@{hook.server.server_address[0]}:" \
          f"{hook.server.server_address[1]}/hook"
    config = webhook_config(tmp_path, url, token_env=None)

    sent = raqib("digest", "--send", "--db", str(store), "--config", str(config))

    assert sent.exit_code == 0, sent.output
    ((_, _, headers, _),) = hook.requests
    expected = base64.b64encode(f"raqib:{TOKEN}".encode()).decode()
    assert headers["Authorization"] == f"Basic {expected}"
    assert_no_form_of(TOKEN, everything_shown(tmp_path, store, config, sent.output))


# --- secrets never printed or stored -----------------------------------------------------------


def test_a_token_in_the_webhook_url_never_reaches_an_error_the_log_or_status(
        tmp_path, store, hook, elsewhere, caplog):
    # The endpoint redirects to a Location that quotes the token back, in user-info and query.
    hook.answer = (302, {"Location": f"http://u:{quote(TOKEN, safe='')}@127.0.0.2/x?"
                                     f"key={quote(TOKEN, safe='')}"})
    url = f"http://raqib:{quote(TOKEN, safe='')}@127.0.0.1:{hook.server.server_address[1]}/hook"
    down = f"http://raqib:{quote(TOKEN, safe='')}@127.0.0.1:{free_port()}/hook?t={quote(TOKEN)}"
    outputs = []
    for target in (url, down):
        config = webhook_config(tmp_path, target, token_env=None)
        with caplog.at_level(logging.INFO):
            result = raqib("digest", "--send", "--db", str(store), "--config", str(config))
        assert result.exit_code == 1
        outputs.append(result.output)
    assert "answered HTTP 302" in outputs[0] and "cannot reach the webhook" in outputs[1]
    errors = rows(store, "SELECT error FROM deliveries")
    assert errors and all(error for (error,) in errors)
    assert_no_form_of(TOKEN, everything_shown(tmp_path, store, config, *outputs, caplog.text))


def test_a_token_no_http_header_can_carry_is_refused_by_name_not_quoted(tmp_path, store, hook):
    config = webhook_config(tmp_path, f"{hook.base}/hook")
    result = raqib("digest", "--send", "--db", str(store), "--config", str(config),
                   env={"RAQIB_TEST_TOKEN": TOKEN})
    assert result.exit_code == 1 and hook.requests == []
    assert "$RAQIB_TEST_TOKEN holds characters an HTTP header cannot carry" in result.output
    assert_no_form_of(TOKEN, everything_shown(tmp_path, store, config, result.output))


class RefuseEveryLogin:
    """aiosmtpd authenticator: records the credentials it was given, accepts none."""

    def __init__(self):
        self.tried: list[tuple[bytes, bytes]] = []

    def __call__(self, server, session, envelope, mechanism, auth_data):
        self.tried.append((auth_data.login, auth_data.password))
        return AuthResult(success=False, handled=False)


@pytest.fixture
def refusing_smtp():
    authenticator = RefuseEveryLogin()
    controller = Controller(Inbox(), hostname="127.0.0.1", port=free_port(),
                            authenticator=authenticator, auth_require_tls=False)
    controller.start()
    yield controller, authenticator
    controller.stop()


def test_a_refused_smtp_login_names_the_server_never_the_password(tmp_path, store,
                                                                   refusing_smtp, caplog):
    controller, authenticator = refusing_smtp
    config = write_config(tmp_path, extra=f"""[[channel]]
type = "smtp"
host = "127.0.0.1"
port = {controller.port}
security = "none"
from = "raqib@example.org"
to = ["analyst@example.org"]
username_env = "RAQIB_TEST_USER"
password_env = "RAQIB_TEST_PASSWORD"
""")
    env = {"RAQIB_TEST_USER": "راقب", "RAQIB_TEST_PASSWORD": PASSWORD}
    with caplog.at_level(logging.INFO):
        result = raqib("digest", "--send", "--db", str(store), "--config", str(config),
                       env=env)

    assert result.exit_code == 1
    assert f"the mail server 127.0.0.1:{controller.port} refused the login (535)" in result.output
    # the non-ASCII login did reach the server, as UTF-8 (RFC 4616), and was refused there
    assert authenticator.tried == [("راقب".encode(), PASSWORD.encode())]
    (error,) = rows(store, "SELECT error FROM deliveries")[0]
    assert "refused the login" in error
    assert_no_form_of(PASSWORD, everything_shown(tmp_path, store, config, result.output,
                                                 caplog.text))


def test_every_escaped_form_of_a_secret_is_masked():
    import urllib.parse

    escaped = [PASSWORD, repr(PASSWORD), ascii(PASSWORD), json.dumps(PASSWORD),
               json.dumps(PASSWORD, ensure_ascii=False), urllib.parse.quote(PASSWORD),
               urllib.parse.quote_plus(PASSWORD), repr(PASSWORD.encode()),
               repr(("\0me\0" + PASSWORD,)), repr({"password": PASSWORD})]
    for text in escaped:
        assert PASSWORD[:4] not in scrub(f"login failed: {text} (535)", [PASSWORD]), text
        assert scrub(f"login failed: {text} (535)", [PASSWORD]).startswith("login failed: ")


# --- errors an older raqib stored with a secret in them ---------------------------------------


LEAKED = [
    f"URLError: <urlopen error [Errno 111] Connection refused> (http://raqib:{quote(TOKEN, safe='')}"
    f"@127.0.0.1:9/hook?token={quote(TOKEN, safe='')}&channel=news)",
    f"HTTPError: HTTP Error 401 (sent Authorization: Bearer {quote(BEARER, safe='')})",
    f"SMTPAuthenticationError: (535, b'AUTH PLAIN {base64.b64encode(PASSWORD.encode()).decode()}"
    " refused')",
]


def test_old_delivery_errors_holding_secrets_are_scrubbed_when_the_store_is_opened(tmp_path):
    """Errors recorded by a release that let secrets through: opening the store (schema step 5)
    masks what has a credential's shape (URL user-info, a credential-named query value, a
    Bearer value, an SMTP AUTH argument) and keeps the rest of each message."""
    from crawler.store import open_db
    from test_schema import V0_FIXTURE, store_from

    path = store_from(V0_FIXTURE, tmp_path / "raqib.db")
    conn = sqlite3.connect(path)
    (delivery,) = conn.execute("SELECT id FROM deliveries WHERE status != 'sent'").fetchone()
    conn.execute("UPDATE deliveries SET error = ? WHERE id = ?", ["\n".join(LEAKED), delivery])
    conn.execute("UPDATE schedule_state SET last_summary = ?", [LEAKED[0]])
    conn.commit()
    conn.close()

    open_db(path).close()

    (error,) = rows(path, f"SELECT error FROM deliveries WHERE id = {delivery}")[0]
    summaries = [summary for (summary,) in rows(path, "SELECT last_summary FROM schedule_state")]
    for secret in (TOKEN, quote(TOKEN, safe=""), BEARER, quote(BEARER, safe=""),
                   base64.b64encode(PASSWORD.encode()).decode()):
        for text in (error, *summaries):
            assert_no_form_of(secret, text)
    assert "Connection refused" in error and "http://***@127.0.0.1:9/hook?token=***&channel=news" in error
    assert "Bearer ***" in error and "AUTH PLAIN *** refused" in error
    assert all("http://***@127.0.0.1:9/hook" in summary for summary in summaries)
    assert_no_form_of(TOKEN, "\n".join(p.read_bytes().decode("utf-8", "replace")
                                       for p in tmp_path.glob("raqib.db*")))


def test_old_delivery_errors_are_scrubbed_of_the_configured_secrets(tmp_path, store,
                                                                    refusing_smtp, monkeypatch):
    """A secret with no credential's shape (an SMTP password quoted by an encoding error) is
    known once the config names it: the outbox's next round scrubs it from every error of that
    channel already stored, even one whose retry is not due yet, and from the file."""
    from crawler.store import open_db
    from monitor.config import load_config
    from monitor.outbox import send_digests

    controller, _ = refusing_smtp
    config = write_config(tmp_path, extra=f"""[[channel]]
type = "smtp"
host = "127.0.0.1"
port = {controller.port}
security = "none"
from = "raqib@example.org"
to = ["analyst@example.org"]
username_env = "RAQIB_TEST_USER"
password_env = "RAQIB_TEST_PASSWORD"
""")
    old_error = (f"UnicodeEncodeError: 'ascii' codec can't encode characters in position 4-6: "
                 f"{PASSWORD!r} / {ascii(PASSWORD)}")
    conn = sqlite3.connect(store)
    digest = conn.execute("INSERT INTO digests (created, alerts) VALUES"
                          " ('2024-05-01T00:00:00+00:00', 0)").lastrowid
    conn.execute("INSERT INTO deliveries (digest_id, channel, status, attempts, next_attempt,"
                 " error) VALUES (?, 'smtp', 'failed', 3, '2999-01-01T00:00:00+00:00', ?)",
                 [digest, old_error])
    conn.commit()
    conn.close()
    monkeypatch.setenv("RAQIB_TEST_USER", "راقب")
    monkeypatch.setenv("RAQIB_TEST_PASSWORD", PASSWORD)
    settings = load_config(config)

    db = open_db(store)
    try:  # the round raqib run makes: the old delivery is not due, the new digest fails
        report = send_digests(db, list(settings.channels), settings.digest)
    finally:
        db.close()

    assert [attempt.ok for attempt in report.attempts] == [False]
    (status, attempts, error) = rows(store, "SELECT status, attempts, error FROM deliveries"
                                            f" WHERE digest_id = {digest}")[0]
    assert (status, attempts) == ("failed", 3)  # not retried: only scrubbed
    assert error.startswith("UnicodeEncodeError: 'ascii' codec can't encode") and "***" in error
    assert_no_form_of(PASSWORD, everything_shown(tmp_path, store, config))
