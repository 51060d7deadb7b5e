"""A crawl past its time limit is stopped the way Scrapy likes (SIGTERM: the spider closes and
its run is closed), killed only if it lingers, and recorded as cut short: what it stored is
kept, the page it was waiting for is not stored, and the next crawl asks for that page again.

The site is served on 127.0.0.1 and holds one story's answer until the test lets it go (after
the crawl has ended), so the crawl is always cut while it waits for that page; nothing here
sleeps and nothing measures how long the crawl took."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections import Counter
from http.server import ThreadingHTTPServer
from pathlib import Path

from crawl_helpers import TextSite
from monitor.crawling import LOCAL_SITE_SETTINGS

REPO_ROOT = Path(__file__).resolve().parents[1]

STORIES = [
    ("وزير الخارجية العراقي يزور أوتاوا", "بحث وزير الخارجية العراقي في أوتاوا مع نظيرته"
     " الكندية التعاون في مجالات التعليم والطاقة، واتفق الجانبان على لجنة مشتركة تجتمع"
     " مرتين في العام."),
    ("افتتاح معرض بغداد الدولي للكتاب", "افتتح في بغداد معرض الكتاب الدولي بمشاركة مئات دور"
     " النشر العربية والأجنبية، ويستمر عشرة أيام تقام خلالها ندوات وأمسيات شعرية."),
    ("أمطار غزيرة تغمر شوارع البصرة", "غمرت أمطار غزيرة شوارع البصرة صباح اليوم، وأعلنت"
     " السلطات المحلية تعطيل الدوام الرسمي ودعت السكان إلى تجنب الطرق المنخفضة."),
]
HELD = len(STORIES) - 1  # the story whose answer waits for the test


class HeldSite:
    """A feed of three stories on 127.0.0.1 whose last story is not answered until
    :meth:`release` (every request for it is counted in :attr:`requests`)."""

    def __init__(self) -> None:
        self.released = threading.Event()
        self.requests: Counter[str] = Counter()
        site = self

        class Handler(TextSite):
            def do_GET(self):  # noqa: N802 (http.server's naming)
                site.requests[self.path] += 1
                base = f"http://127.0.0.1:{self.server.server_port}"
                if self.path == "/rss.xml":
                    items = "".join(f"<item><title>{title}</title><link>{base}/news/{n}</link>"
                                    "</item>" for n, (title, _) in enumerate(STORIES))
                    self._send(f"<rss version='2.0'><channel><title>موقع</title>{items}"
                               "</channel></rss>", "application/rss+xml")
                elif self.path.startswith("/news/") and self.path[6:].isdigit():
                    n = int(self.path[6:])
                    if n == HELD:
                        site.released.wait(timeout=300)
                    title, body = STORIES[n]
                    self._send(f"<html lang='ar'><body><article><h1>{title}</h1>"
                               f"<p>{body}</p><p>{body}</p></article></body></html>",
                               "text/html")
                else:
                    self.send_error(404)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, n: int) -> str:
        return f"{self.base}/news/{n}"

    def seed_toml(self) -> str:
        return f'''name = "موقع"
allowed_domains = ["127.0.0.1"]
feeds = ["{self.base}/rss.xml"]
article_url = '/news/\\d+$'
'''

    def release(self) -> None:
        self.released.set()

    def __enter__(self) -> HeldSite:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
        self.server.shutdown()
        self.server.server_close()


# The stop comes while the held story is asked for: the other two are fetched and stored in
# the first seconds, and a download of the held one outlasts the limit (so it is cut by the
# stop, never by its own timeout, and the spider closes once it gives up after the stop).
LIMIT = "15s"
HELD_SETTINGS = {**LOCAL_SITE_SETTINGS, "DOWNLOAD_TIMEOUT": "20", "RETRY_TIMES": "0"}


def stored_urls(world) -> set[str]:
    db = world.db()
    try:
        return {row["url"] for row in db.query("SELECT url FROM articles")}
    finally:
        db.close()


def assert_cut_by_its_time_limit(world, site: HeldSite, limit_text: str) -> None:
    """The run is recorded as cut by the limit, the two answered stories are stored and the
    held one is not."""
    db = world.db()
    try:
        assert [r["status"] for r in db.query("SELECT status FROM crawl_runs")] == ["timeout"]
        assert any(f"time limit of {limit_text}" in r["message"]
                   for r in db.query("SELECT message FROM crawl_errors"))
    finally:
        db.close()
    assert site.requests[f"/news/{HELD}"] >= 1, "the crawl asked for the held story"
    assert stored_urls(world) == {site.url(n) for n in range(HELD)}


def crawl_command(world, *options: str) -> list[str]:
    command = [sys.executable, "-m", "monitor.cli", "crawl", "site", *options,
               "--db", str(world.db_path), "--seeds", str(world.seeds)]
    for name, value in HELD_SETTINGS.items():
        command += ["--set", f"{name}={value}"]
    return command


def test_raqib_crawl_stops_at_its_time_limit_and_keeps_what_it_found(world):
    with HeldSite() as site:
        world.add_seed("site", site.seed_toml())
        (world.seeds / "topics.toml").write_text('[[topic]]\nname = "بغداد"\nall = ["بغداد"]\n',
                                                 encoding="utf-8")
        done = subprocess.run(crawl_command(world, "--timeout", LIMIT), cwd=REPO_ROOT,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 1, done.stdout + done.stderr
        assert f"the crawl was stopped at its time limit of {LIMIT}" in done.stderr
        assert "monitor: " in done.stdout               # what it stored was monitored
        assert_cut_by_its_time_limit(world, site, LIMIT)
        db = world.db()
        try:  # the story stored before the stop raised its alert
            assert [r["url"] for r in db.query("SELECT url FROM alerts")] == [site.url(1)]
        finally:
            db.close()

        site.release()  # the next crawl asks for the held story again, and stores it
        held_requests = site.requests[f"/news/{HELD}"]
        again = subprocess.run(crawl_command(world), cwd=REPO_ROOT, capture_output=True,
                               text=True, timeout=300)
        assert again.returncode == 0, again.stdout + again.stderr
        assert site.requests[f"/news/{HELD}"] == held_requests + 1
        assert stored_urls(world) == {site.url(n) for n in range(len(STORIES))}


def test_raqib_run_stops_a_crawl_past_its_time_limit_and_records_it(world):
    """``raqib run --once`` with ``[crawl] timeout``: the same stop, recorded the same way; the
    round itself goes on (exit 0)."""
    with HeldSite() as site:
        world.add_seed("site", site.seed_toml())
        (world.seeds / "topics.toml").write_text('[[topic]]\nname = "بغداد"\nall = ["بغداد"]\n',
                                                 encoding="utf-8")
        settings = ", ".join(f'{k} = "{v}"' for k, v in HELD_SETTINGS.items())
        config = world.root / "raqib.toml"
        config.write_text(f'''db = "raqib.db"
seeds = "seeds"
[crawl]
timeout = "{LIMIT}"
jitter = "0"
settings = {{ {settings} }}
''', encoding="utf-8")
        done = subprocess.run([sys.executable, "-m", "monitor.cli", "run", "--once",
                               "--no-digest", "--config", str(config)],
                              cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        assert_cut_by_its_time_limit(world, site, LIMIT)
