"""`raqib sites check --live` follows a redirect only through the crawl's URL door: http(s), on
the site's allowed hosts. A feed that redirects elsewhere is reported, and the other host is
never asked."""

from __future__ import annotations

import threading
from http.server import ThreadingHTTPServer

from crawl_helpers import TextSite
from crawler.sites import load_site
from monitor.status import check_live


def serve(handler) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_a_feed_redirecting_off_site_is_refused_and_the_other_host_never_asked(tmp_path):
    asked: list[str] = []

    class Elsewhere(TextSite):
        def do_GET(self):  # noqa: N802
            asked.append(self.path)
            self._send("<rss version='2.0'><channel><item><link>http://x/1</link></item></channel></rss>",
                       "application/rss+xml")

    other = serve(Elsewhere)
    target = f"http://localhost:{other.server_port}/rss.xml"

    class Redirecting(TextSite):
        def do_GET(self):  # noqa: N802
            self.send_response(302)
            self.send_header("Location", target if self.path == "/away.xml" else "ftp://127.0.0.1:21/feed.xml")
            self.send_header("Content-Length", "0")
            self.end_headers()

    site_server = serve(Redirecting)
    base = f"http://127.0.0.1:{site_server.server_port}"
    seed = tmp_path / "redirecting.toml"
    seed.write_text(f'name = "تحويل"\nallowed_domains = ["127.0.0.1"]\n'
                    f'feeds = ["{base}/away.xml", "{base}/local.xml"]\n', encoding="utf-8")
    try:
        checks = check_live(load_site(seed), timeout=10)
    finally:
        for server in (other, site_server):
            server.shutdown()
            server.server_close()
    assert [c.ok for c in checks] == [False, False]
    assert "host 'localhost' is outside allowed_domains" in checks[0].detail
    assert "scheme 'ftp'" in checks[1].detail
    assert asked == []
