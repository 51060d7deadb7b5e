"""`raqib serve` reads the whole store to whoever reaches it, so it answers only requests that
name its own host (a DNS-rebinding page names its own), asks for a password when told to, and
its SQL functions bound their own work (Datasette's time limit never interrupts them).
The real Datasette server on 127.0.0.1, over real HTTP."""

from __future__ import annotations

import base64
import http.client
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from crawl_helpers import free_port
from monitor.datasette_plugins.raqib_sql import TOO_LONG, raqib_diff
from monitor_helpers import IRAQ_CANADA, STORY_BODY, STORY_TITLE, new_db, save

REPO_ROOT = Path(__file__).resolve().parents[1]
PASSWORD = 'sé"sa\\me كلمة'
HUGE = "وقال الوزير إن العراق وكندا اتفقا على التعاون. " * 44_000


def request(port: int, path: str, host: str, auth: str | None = None) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Host": host}
    if auth is not None:
        headers["Authorization"] = "Basic " + base64.b64encode(auth.encode()).decode()
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


@pytest.fixture
def served(tmp_path):
    """Start `raqib serve` with extra arguments; stop it afterwards."""
    db = new_db(tmp_path)
    save(db, IRAQ_CANADA, STORY_TITLE, STORY_BODY)
    save(db, IRAQ_CANADA, STORY_TITLE, HUGE, fetched="2024-05-02T09:00:00+00:00")
    db.close()
    children = []

    def start(*args: str, env: dict | None = None) -> int:
        port = free_port()
        child = subprocess.Popen([sys.executable, "-m", "monitor.cli", "serve", "--port",
                                  str(port), "--db", str(tmp_path / "raqib.db"), *args],
                                 cwd=REPO_ROOT, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.PIPE, env=env)
        children.append(child)
        deadline = time.monotonic() + 30
        while True:
            try:
                request(port, "/", f"127.0.0.1:{port}", auth=PASSWORD)
                return port
            except OSError:
                if time.monotonic() > deadline or child.poll() is not None:
                    raise
                time.sleep(0.2)

    yield start
    for child in children:
        child.send_signal(signal.SIGTERM)
        child.wait(timeout=15)


def test_only_requests_naming_localhost_are_answered(served):
    port = served()
    assert request(port, "/raqib.json", f"127.0.0.1:{port}")[0] == 200
    assert request(port, "/raqib.json", f"localhost:{port}")[0] == 200
    status, body = request(port, "/raqib/articles.json", f"rebound.example:{port}")
    assert status == 421 and b"127.0.0.1, localhost only" in body
    assert STORY_TITLE.encode() not in body


def test_naming_the_host_does_not_open_it_to_every_host(served):
    port = served("--host", "127.0.0.1")
    assert request(port, "/raqib.json", "evil.example")[0] == 421


def test_with_a_password_every_request_must_carry_it(served):
    import os

    port = served("--password-env", "RAQIB_TEST_SERVE_PASSWORD",
                  env={**os.environ, "RAQIB_TEST_SERVE_PASSWORD": PASSWORD})
    host = f"127.0.0.1:{port}"
    status, _ = request(port, "/raqib/articles.json", host)
    assert status == 401
    assert request(port, "/raqib/articles.json", host, auth="raqib:wrong")[0] == 401
    status, body = request(port, "/raqib/articles.json?_shape=array", host, auth=f"x:{PASSWORD}")
    assert status == 200 and json.loads(body)[0]["url"] == IRAQ_CANADA


def test_a_diff_too_long_for_a_query_is_not_run_in_it(served):
    port = served()
    status, body = request(port, "/raqib/edited_stories.json?_shape=array", f"127.0.0.1:{port}")
    assert status == 200, body
    (edited,) = json.loads(body)
    assert edited["body_diff"] == TOO_LONG
    assert raqib_diff("قال الوزير.", "قال الوزير إن الاتفاق تم.").startswith("- ")


def test_serve_refuses_a_password_variable_that_is_not_set(tmp_path):
    done = subprocess.run([sys.executable, "-m", "monitor.cli", "serve", "--password-env",
                           "RAQIB_TEST_UNSET_VARIABLE", "--db", str(tmp_path / "raqib.db")],
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "environment variable RAQIB_TEST_UNSET_VARIABLE is not set" in done.stderr
