"""Page text cannot drive the terminal: escape sequences, control characters and bidi overrides
in a title or body are stripped where the extractor returns and again by every terminal
renderer; a huge title or body is cut, the cut recorded, and the page itself stored whole.

The hostile pages are served over real HTTP on 127.0.0.1, crawled by the real spider into a
real store, monitored, and shown by the real commands; the email goes to a real aiosmtpd server.
"""

from __future__ import annotations

import json
import threading
import zlib
from http.server import ThreadingHTTPServer

import pytest
from click.testing import CliRunner

from crawler.extract import extract_article
from crawler.extract.safetext import MAX_BODY, MAX_TITLE, terminal_safe
from monitor.cli import main
from test_delivery import SmtpServer, write_config
from crawl_helpers import CrawlWorld, TextSite, free_port

ESCAPES = ["\x1b]0;owned\x07", "\x1b[2J", "\x07", "\x1b[31m", "\x9b2J", "\x1bP+q\x1b\\", "\x08"]
BIDI = ["\u202e", "\u202a", "\u202b", "\u202c", "\u202d", "\u2066", "\u2067", "\u2068", "\u2069"]
FORBIDDEN = ["\x1b", "\x07", "\x9b", "\x08", "\r", *BIDI]

HOSTILE_TITLE = ("العراق\x1b]0;owned\x07 وكندا\x1b[2J يوقعان\u202e اتفاقاً\u2066 تجارياً\x07")
HOSTILE_BODY = ("أعلن العراق وكندا\x1b[31m توقيع اتفاق تجاري\x1b[0m جديد في بغداد يوم الأحد.\u202e\n"
                "وقال الوزير\x9b2J إن الاتفاق\x08 يشمل الطاقة والزراعة\x1bP+q\x1b\\ والتعليم.\r"
                "وأضاف أن الاتفاق يدخل حيز التنفيذ العام المقبل.")
LONG_TITLE = "العراق وكندا " * 1600            # 20,800 characters
LONG_BODY = "وقال الوزير إن العراق وكندا اتفقا على التعاون. " * 44_000   # ~2,100,000


def page(title: str, body: str) -> str:
    paragraphs = "".join(f"<p>{line}</p>" for line in body.split("\n"))
    return (f"<html lang='ar' dir='rtl'><head><title>{title}</title>"
            f"<meta property='og:title' content='{title}'></head><body><article><h1>{title}</h1>"
            f"{paragraphs}</article></body></html>")


class HostileSite(TextSite):
    def do_GET(self):  # noqa: N802
        base = f"http://127.0.0.1:{self.server.server_port}"
        if self.path == "/rss.xml":
            items = "".join(f"<item><title>خبر</title><link>{base}/news/{n}</link></item>"
                            for n in (1, 2))
            self._send(f"<rss version='2.0'><channel><title>موقع</title>{items}</channel></rss>",
                       "application/rss+xml")
        elif self.path == "/news/1":
            self._send(page(HOSTILE_TITLE, HOSTILE_BODY), "text/html")
        elif self.path == "/news/2":
            self._send(page(LONG_TITLE, LONG_BODY), "text/html")
        else:
            self.send_error(404)


def raqib(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def assert_clean(text: str, where: str) -> None:
    for bad in FORBIDDEN:
        assert bad not in text, f"{bad!r} in {where}"


def assert_shown_clean(text: str, where: str) -> None:
    """Rendered output: clean, but for raqib's own first-strong isolates (U+2068 … U+2069)
    around Arabic in a left-to-right line, which come in pairs on each line."""
    for line in text.splitlines():
        assert line.count("\u2068") == line.count("\u2069"), (where, line)
    assert_clean(text.replace("\u2068", "").replace("\u2069", ""), where)


@pytest.fixture(scope="module")
def crawled_once(tmp_path_factory):
    """The hostile site crawled and monitored once for the module."""
    world = CrawlWorld(tmp_path_factory.mktemp("hostile"))
    server = ThreadingHTTPServer(("127.0.0.1", 0), HostileSite)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    world.add_seed("hostile", f'''name = "موقع معاد"
allowed_domains = ["127.0.0.1"]
feeds = ["http://127.0.0.1:{server.server_port}/rss.xml"]
article_url = '/news/\\d+$'
''')
    (world.seeds / "topics.toml").write_text(
        '[[topic]]\nname = "العراق وكندا"\nall = ["العراق", "كندا"]\n', encoding="utf-8")
    try:
        outcome = world.crawl("hostile")
    finally:
        server.shutdown()
        server.server_close()
    assert [run.pages for run in outcome.runs] == [3], outcome.messages
    assert raqib("monitor", "--db", str(world.db_path), "--seeds", str(world.seeds)).exit_code == 0
    return world


@pytest.fixture
def crawled(crawled_once, tmp_path):
    """A copy of the crawled world for one test (some send digests, some write the store)."""
    return crawled_once.copy(tmp_path / "world")


def test_stored_titles_and_bodies_hold_no_escape_control_or_bidi_override(crawled):
    db = crawled.db()
    try:
        rows = list(db.query("SELECT url, title, body FROM versions ORDER BY url"))
        raw = {r["url"]: zlib.decompress(r["raw_html"]).decode("utf-8")
               for r in db.query("SELECT url, raw_html FROM versions")}
    finally:
        db.close()
    hostile, long = rows
    for row in rows:
        assert_clean(row["title"] + row["body"], row["url"])
    assert hostile["title"] == "العراق وكندا يوقعان اتفاقاً تجارياً"
    assert "توقيع اتفاق تجاري جديد" in hostile["body"]
    # the page as fetched is kept whole, escapes and all: nothing of it is lost
    assert "\x1b]0;owned" in raw[hostile["url"]]


def test_a_huge_title_and_body_are_cut_and_the_page_kept_whole(crawled):
    db = crawled.db()
    try:
        (row,) = db.query("SELECT title, body, raw_html FROM versions WHERE url LIKE '%/news/2'")
    finally:
        db.close()
    assert 0.9 * MAX_TITLE < len(row["title"]) <= MAX_TITLE
    assert 0.9 * MAX_BODY < len(row["body"]) <= MAX_BODY
    assert LONG_BODY.strip().startswith(row["body"][:1000])
    assert len(zlib.decompress(row["raw_html"]).decode("utf-8")) > len(LONG_BODY)


def test_the_cut_is_recorded_by_the_extractor():
    article = extract_article(page(LONG_TITLE, LONG_BODY).encode("utf-8"),
                              "https://demo.test/news/2")
    assert f"title cut to {len(article.title)} of" in article.check.reason
    assert f"body cut to {len(article.body)} of" in article.check.reason
    assert [r.rule for r in article.removed if r.rule == "cap"] == ["cap", "cap"]


def test_every_terminal_renderer_shows_clean_text(crawled):
    db, seeds = str(crawled.db_path), str(crawled.seeds)
    hostile = f"http://127.0.0.1:{_port_of(crawled)}/news/1"
    shown = {
        "alerts": raqib("alerts", "--db", db, "--seeds", seeds),
        "digest": raqib("digest", "--db", db, "--seeds", seeds),
        "digest markdown": raqib("digest", "--format", "markdown", "--db", db, "--seeds", seeds),
        "search": raqib("search", "اتفاق", "--db", db, "--seeds", seeds),
        "history": raqib("history", hostile, "--db", db, "--seeds", seeds),
        "status": raqib("status", "--db", db, "--seeds", seeds),
    }
    for name, result in shown.items():
        assert result.exit_code == 0, (name, result.output)
        assert name == "status" or "العراق" in result.output, name
        assert_shown_clean(result.output, name)


def test_renderers_clean_text_that_reached_the_store_by_another_way(crawled):
    """A store written before this check, or by hand: the renderers clean it again."""
    db = crawled.db()
    try:
        db.execute("UPDATE alerts SET title = ?", [HOSTILE_TITLE])
        db.execute("UPDATE articles SET title = ?, body = ?", [HOSTILE_TITLE, HOSTILE_BODY])
        db.execute("UPDATE versions SET title = ?, body = ?", [HOSTILE_TITLE, HOSTILE_BODY])
        db.execute("INSERT INTO crawl_errors (site, url, stage, message, created) VALUES"
                   " ('hostile', 'http://127.0.0.1/x', 'fetch', ?, datetime('now'))",
                   ["server said \x1b]0;owned\x07\x1b[2J"])
    finally:
        db.close()
    test_every_terminal_renderer_shows_clean_text(crawled)


def test_the_email_text_part_is_clean(crawled, tmp_path):
    smtp = SmtpServer(free_port()).start()
    try:
        db = crawled.db()
        try:
            db.execute("UPDATE alerts SET title = ?", [HOSTILE_TITLE])
        finally:
            db.close()
        config = write_config(tmp_path, smtp.port)
        sent = raqib("digest", "--send", "--db", str(crawled.db_path), "--config", str(config),
                     "--seeds", str(crawled.seeds))
        assert sent.exit_code == 0, sent.output
        (mail,) = smtp.inbox.messages
    finally:
        smtp.stop()
    plain = mail.get_body(("plain",)).get_content()
    assert "العراق" in plain
    assert_shown_clean(plain.replace("\r\n", "\n"), "the email's text part")


def test_terminal_safe_keeps_tabs_newlines_and_arabic_marks():
    assert terminal_safe("أ\tب\nج\u200fد\u061cه") == "أ\tب\nج\u200fد\u061cه"
    for escape in ESCAPES + BIDI:
        assert terminal_safe(f"قبل{escape}بعد") == "قبلبعد", repr(escape)
    assert json.dumps(terminal_safe("\x1b]8;;http://x\x1b\\رابط\x1b]8;;\x1b\\")) == \
        json.dumps("رابط")


def _port_of(world) -> int:
    db = world.db()
    try:
        (url,) = db.execute("SELECT url FROM articles WHERE url LIKE '%/news/1'").fetchone()
    finally:
        db.close()
    return int(url.split(":")[2].split("/")[0])


C0_C1 = [chr(c) for c in (*range(0x00, 0x09), *range(0x0b, 0x20), *range(0x7f, 0xa0))]
HOSTILE_C1_TITLE = "العراق\x9d0;owned\x9c وكندا\x9b2J يوقعان\x85 اتفاقاً\x90q\x9c\x1b[2J"


def strings_in(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from strings_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings_in(item)


def test_every_json_output_holds_no_control_character_raw_or_escaped(crawled):
    """``--format json`` is read by programs and by people through ``jq -r``, which turns
    ``\\u001b`` back into an escape: no C0 or C1 control character (but tab and newline) is in
    the JSON, neither as a character nor in any decoded string. C1 controls are what
    ``json.dumps`` would let through as they are."""
    db = crawled.db()
    try:
        db.execute("UPDATE alerts SET title = ?", [HOSTILE_C1_TITLE])
        db.execute("UPDATE articles SET title = ?, body = ?", [HOSTILE_C1_TITLE, HOSTILE_BODY])
        db.execute("UPDATE versions SET title = ?, body = ?", [HOSTILE_C1_TITLE, HOSTILE_BODY])
        db.execute("INSERT INTO crawl_errors (site, url, stage, message, created) VALUES"
                   " ('hostile', 'http://127.0.0.1/x', 'fetch', ?, datetime('now'))",
                   ["server said \x9d0;owned\x9c\x1b[2J\x85"])
    finally:
        db.close()
    page_file = crawled.db_path.parent / "hostile.html"
    page_file.write_text(page(HOSTILE_C1_TITLE, HOSTILE_BODY), encoding="utf-8")
    db, seeds = str(crawled.db_path), str(crawled.seeds)
    hostile = f"http://127.0.0.1:{_port_of(crawled)}/news/1"
    shown = {
        "alerts": raqib("alerts", "--format", "json", "--db", db, "--seeds", seeds),
        "digest": raqib("digest", "--format", "json", "--db", db, "--seeds", seeds),
        "search": raqib("search", "اتفاق", "--format", "json", "--db", db, "--seeds", seeds),
        "history": raqib("history", hostile, "--format", "json", "--db", db, "--seeds", seeds),
        "status": raqib("status", "--format", "json", "--db", db, "--seeds", seeds),
        "topics test": raqib("topics", "test", "--format", "json", "--db", db, "--seeds", seeds,
                             "--topics", str(crawled.seeds / "topics.toml")),
        "extract": raqib("extract", str(page_file), "--format", "json", "--explain"),
    }
    jsonl = raqib("extract", str(page_file), "--format", "jsonl")
    for name, result in shown.items():
        assert result.exit_code == 0, (name, result.output)
        documents = [json.loads(result.output)]
        if name == "extract":
            documents.append(json.loads(jsonl.output))
        assert "العراق" in result.output or name == "status", name
        for bad in C0_C1:
            assert bad not in result.output.replace("\n", ""), (name, repr(bad))
        for text in (s for document in documents for s in strings_in(document)):
            assert_clean(text, name)
            assert not any(bad in text for bad in C0_C1), (name, text)
