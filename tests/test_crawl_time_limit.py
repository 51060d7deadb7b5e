"""A crawl past its time limit is stopped the way Scrapy likes (SIGTERM: the spider closes and
its run is closed), killed only if it lingers, and recorded as cut short."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from http.server import ThreadingHTTPServer
from pathlib import Path

from crawl_helpers import TextSite
from monitor.crawling import LOCAL_SITE_SETTINGS

REPO_ROOT = Path(__file__).resolve().parents[1]


class SlowSite(TextSite):
    """A feed that answers at once, listing articles that take 9 s each to answer."""

    def do_GET(self):  # noqa: N802 (http.server's naming)
        base = f"http://127.0.0.1:{self.server.server_port}"
        if self.path == "/rss.xml":
            items = "".join(f"<item><title>خبر {n}</title><link>{base}/news/{n}</link></item>"
                            for n in range(6))
            self._send(f"<rss version='2.0'><channel><title>بطيء</title>{items}</channel></rss>",
                       "application/rss+xml")
        elif self.path.startswith("/news/"):
            time.sleep(9)
            self._send("<html lang='ar'><body><h1>خبر بطيء</h1><p>" + "نص الخبر. " * 40
                       + "</p></body></html>", "text/html")
        else:
            self.send_error(404)


def test_a_crawl_past_its_time_limit_is_stopped_and_recorded(world):
    server = ThreadingHTTPServer(("127.0.0.1", 0), SlowSite)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        world.add_seed("slow", f'''name = "بطيء"
allowed_domains = ["127.0.0.1"]
feeds = ["{base}/rss.xml"]
article_url = '/news/\\d+$'
''')
        (world.seeds / "topics.toml").write_text('[[topic]]\nname = "خبر"\nall = ["خبر"]\n',
                                                 encoding="utf-8")
        settings = ", ".join(f'{k} = "{v}"' for k, v in LOCAL_SITE_SETTINGS.items())
        config = world.root / "raqib.toml"
        config.write_text(f'''db = "raqib.db"
seeds = "seeds"
[crawl]
timeout = "5s"
jitter = "0"
settings = {{ {settings} }}
''', encoding="utf-8")
        started = time.monotonic()
        done = subprocess.run([sys.executable, "-m", "monitor.cli", "run", "--once",
                               "--no-digest", "--config", str(config)],
                              cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
        elapsed = time.monotonic() - started
    finally:
        server.shutdown()
    assert done.returncode == 0, done.stderr
    # the stop was graceful: the requests in flight were let finish, well within the grace
    assert elapsed < 30
    db = world.db()
    runs = list(db.query("SELECT status FROM crawl_runs"))
    errors = [row["message"] for row in db.query("SELECT message FROM crawl_errors")]
    db.close()
    assert [run["status"] for run in runs] == ["timeout"]
    assert any("time limit" in message for message in errors)
