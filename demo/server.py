"""Serve the demo site over real HTTP on 127.0.0.1, in a background thread.

    with DemoServer() as server:          # ephemeral port
        seed = demo_seed_toml(server.base_url)
        ...crawl...
        server.set_edition(2)             # the next request sees edition 2
        ...crawl again...
        server.requests                   # [(method, path), ...] in the order served
        server.statuses                   # [(path, status), ...] as answered (304s included)

Every 200 answer carries an ``ETag`` (a hash of the body) and a ``Last-Modified`` (the
edition's "now"); a request whose ``If-None-Match`` matches, or that has no ``If-None-Match``
and an ``If-Modified-Since`` not before ``Last-Modified``, is answered ``304 Not Modified``.

Standard library only (http.server + threading).
"""

from __future__ import annotations

import hashlib
import re
import threading
from datetime import datetime, timezone
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from demo import content as c
from demo.site import DemoSite, Response

DEMO_TOPICS_PATH: Path = Path(__file__).resolve().with_name("topics.toml")


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    demo: "DemoServer"


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer
    server_version = "RaqibDemo/1.0"
    sys_version = ""
    protocol_version = "HTTP/1.1"
    timeout = 15  # seconds an idle keep-alive connection is held open

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self._serve(head=False)

    def do_HEAD(self) -> None:  # noqa: N802
        self._serve(head=True)

    def _serve(self, head: bool) -> None:
        demo = self.server.demo
        demo._record(self.command, self.path)
        site = demo.site
        try:
            response = site.render(self.path) or site.not_found()
        except Exception as exc:  # a bug in the demo must not hang the crawler
            response = Response(500, "text/plain; charset=utf-8", f"demo site error: {exc!r}".encode())
        if response.status == 200:
            validators = page_validators(response.body, getattr(site, "now", None))
            if not_modified(self.headers, validators):
                demo._record_status(self.path, 304)
                self.send_response(304)
                for name, value in validators.items():
                    self.send_header(name, value)
                self.end_headers()
                return
            response = Response(200, response.content_type, response.body,
                                {**response.headers, **validators})
        demo._record_status(self.path, response.status)
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if not head:
            self.wfile.write(response.body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
        pass


def page_validators(body: bytes, modified: datetime | None) -> dict[str, str]:
    """The ``ETag`` (a hash of the body, stable across runs) and, when the site has a "now",
    the ``Last-Modified`` of a page."""
    validators = {"ETag": '"' + hashlib.sha256(body).hexdigest()[:24] + '"'}
    if modified is not None:
        validators["Last-Modified"] = format_datetime(modified.astimezone(timezone.utc),
                                                      usegmt=True)
    return validators


def not_modified(request_headers, validators: dict[str, str]) -> bool:
    """Whether a conditional request may be answered 304 (RFC 9110: ``If-None-Match`` wins
    over ``If-Modified-Since`` when both are sent)."""
    if_none_match = request_headers.get("If-None-Match")
    if if_none_match is not None:
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return "*" in tags or validators["ETag"] in tags
    if_modified_since = request_headers.get("If-Modified-Since")
    if if_modified_since is None or "Last-Modified" not in validators:
        return False
    try:
        return (parsedate_to_datetime(validators["Last-Modified"])
                <= parsedate_to_datetime(if_modified_since))
    except (TypeError, ValueError):
        return False


class DemoServer:
    """The demo site on ``host`` (default 127.0.0.1) and ``port`` (default 0: any free port).

    Starts on ``start()`` or on entering a ``with`` block; ``base_url`` is known from then on.
    """

    def __init__(self, edition: int = 1, host: str = "127.0.0.1", port: int = 0) -> None:
        if edition not in c.EDITIONS:
            raise ValueError(f"the demo site has editions {list(c.EDITIONS)}, not {edition!r}")
        self.host = host
        self.port = port
        self._edition = edition
        self._lock = threading.Lock()
        self._sites: dict[int, DemoSite] = {}
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.requests: list[tuple[str, str]] = []
        self.statuses: list[tuple[str, int]] = []

    # -- lifecycle --

    def start(self) -> DemoServer:
        if self._httpd is not None:
            return self
        httpd = _HTTPServer((self.host, self.port), _Handler)
        httpd.demo = self
        self.port = httpd.server_address[1]
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
            name=f"raqib-demo-{self.port}", daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        httpd, thread = self._httpd, self._thread
        self._httpd = self._thread = None
        if httpd is not None:
            httpd.shutdown()
            httpd.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> DemoServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._httpd is not None

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``, without a trailing slash."""
        if self._httpd is None:
            raise RuntimeError("DemoServer is not started: use start() or a with block")
        return f"http://{self.host}:{self.port}"

    def url(self, path: str = "/") -> str:
        return self.base_url + path

    # -- editions --

    @property
    def edition(self) -> int:
        return self._edition

    @edition.setter
    def edition(self, edition: int) -> None:
        self.set_edition(edition)

    def set_edition(self, edition: int) -> None:
        """Switch what is served; requests after this call see the new edition."""
        if edition not in c.EDITIONS:
            raise ValueError(f"the demo site has editions {list(c.EDITIONS)}, not {edition!r}")
        with self._lock:
            self._edition = edition

    @property
    def site(self) -> DemoSite:
        """The edition being served, rendering URLs under ``base_url``."""
        base = self.base_url
        with self._lock:
            site = self._sites.get(self._edition)
            if site is None or site.base_url != base:
                site = self._sites[self._edition] = DemoSite(self._edition, base)
            return site

    # -- request log --

    def _record(self, method: str, path: str) -> None:
        with self._lock:
            self.requests.append((method, path))

    def _record_status(self, path: str, status: int) -> None:
        with self._lock:
            self.statuses.append((path, status))

    def requested_paths(self, method: str | None = None) -> list[str]:
        """A snapshot of the paths served so far (of one method, when given)."""
        with self._lock:
            return [p for m, p in self.requests if method is None or m == method]

    def clear_requests(self) -> None:
        with self._lock:
            self.requests.clear()
            self.statuses.clear()


def demo_seed_toml(base_url: str, site_id: str = "demo") -> str:
    """The seed file (``seeds/<site_id>.toml``) for the demo site served at ``base_url``.

    Discovery: the RSS feed, the Google News sitemap and the section listing pages; some old
    stories are only reachable through listing page 2, so ``follow_url`` must cover pagination.
    """
    base = base_url.rstrip("/")
    host = re.sub(r"^https?://", "", base).split("/")[0].rsplit(":", 1)[0]
    root = re.escape(base)
    starts = ",\n".join(f'    "{base}/section/{s.slug}/"' for s in c.SECTIONS)
    return f"""# seeds/{site_id}.toml: the bundled demo site ({c.SITE_NAME}), served by `raqib demo`
id = "{site_id}"
name = "{c.SITE_NAME}"
allowed_domains = ["{host}"]
feeds = ["{base}/rss.xml"]
sitemaps = ["{base}/news-sitemap.xml"]
start_urls = [
{starts},
]
article_url = '^{root}/news/\\d{{4}}/\\d{{2}}/\\d{{2}}/\\d+\\.html$'
follow_url = '^{root}/section/[a-z]+/(page/\\d+/)?$'
every = "30m"
# robots.txt names /sitemap.xml, whose archive child lists every story; not discovering it keeps
# the old stories reachable only through listing page 2, as on many real sites.
discover_sitemaps = false
"""
