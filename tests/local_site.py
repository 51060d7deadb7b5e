"""A small site served on 127.0.0.1 from a table of pages, for crawl tests that need files in
the shape real outlets serve them (sitemaps, robots.txt, redirects, gzip) or as an attacker
would. Standard library only.

    with LocalSite() as site:
        site.add("/robots.txt", Page(b"User-agent: *\\nAllow: /\\n", TEXT))
        site.add("/news/1", article_page("عنوان", ["فقرة ..."]))
        ...crawl...
        site.requested                        # the paths asked for, in order

A page's path may carry a query: it matches a request with the same path (percent-encoded or
not) and the same query arguments in any order, as servers read them.
"""

from __future__ import annotations

import gzip
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, unquote, urlsplit

HTML = "text/html; charset=utf-8"
TEXT = "text/plain; charset=utf-8"
XML = "application/xml; charset=utf-8"
RSS = "application/rss+xml; charset=utf-8"
GZIP = "application/x-gzip"


@dataclass
class Page:
    """One answer: body, type, status and any extra headers."""

    body: bytes = b""
    content_type: str = HTML
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


def _key(path: str) -> tuple[str, frozenset]:
    """A request path as a server reads it: percent-decoded, query arguments in any order."""
    parts = urlsplit(path)
    return unquote(parts.path), frozenset(parse_qsl(parts.query, keep_blank_values=True))


class LocalSite:
    """A table of pages served over real HTTP on 127.0.0.1 (port chosen by the system)."""

    def __init__(self) -> None:
        self.pages: dict[tuple[str, frozenset], Page | Callable[[str], Page]] = {}
        self.requested: list[str] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):  # noqa: N802 (http.server's naming)
                site.requested.append(self.path)
                page = site.pages.get(_key(self.path))
                if callable(page):
                    page = page(self.path)
                if page is None:
                    page = Page(b"not found", TEXT, 404)
                self.send_response(page.status)
                self.send_header("Content-Type", page.content_type)
                self.send_header("Content-Length", str(len(page.body)))
                for name, value in page.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(page.body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def add(self, path: str, page: Page | Callable[[str], Page]) -> None:
        self.pages[_key(path)] = page

    def was_requested(self, path: str) -> bool:
        return _key(path) in {_key(p) for p in self.requested}

    def __enter__(self) -> LocalSite:
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class SilentServer:
    """A TCP server on 127.0.0.1 that accepts connections and never says a word (an FTP
    server that hangs its clients)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.connections: list[socket.socket] = []

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections.append(conn)

    def __enter__(self) -> SilentServer:
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.sock.close()
        for conn in self.connections:
            conn.close()


# Page makers ------------------------------------------------------------------------------

def article_page(title: str, paragraphs: list[str], *, canonical: str | None = None,
                 og_url: str | None = None, published: str = "2026-12-03T08:00:00+03:00") -> Page:
    """An Arabic news article as outlets build them: head metadata, one <article>."""
    head = [f"<title>{title}</title>",
            f'<meta property="article:published_time" content="{published}">']
    if canonical:
        head.append(f'<link rel="canonical" href="{canonical}">')
    if og_url:
        head.append(f'<meta property="og:url" content="{og_url}">')
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    html = (f'<!DOCTYPE html><html lang="ar" dir="rtl"><head><meta charset="utf-8">'
            f'{"".join(head)}</head><body><header><nav><a href="/">الرئيسية</a></nav></header>'
            f"<main><article><h1>{title}</h1>{body}</article></main>"
            f"<footer>جميع الحقوق محفوظة</footer></body></html>")
    return Page(html.encode())


def story(number: int) -> list[str]:
    """Two paragraphs of a distinct story, long enough to be an article body."""
    return [f"قال المتحدث باسم الوزارة في البيان رقم {number} إن الاجتماع بحث التعاون "
            "الاقتصادي بين البلدين وسبل تطويره في المرحلة المقبلة بما يخدم مصالح الشعبين.",
            f"وأضاف أن اللجان المشتركة ستواصل عملها خلال الأسابيع القادمة لمتابعة الملف {number} "
            "وتنفيذ ما اتفق عليه الجانبان في الجولة الأخيرة من المحادثات."]


def listing_page(hrefs: list[str]) -> Page:
    links = "".join(f'<li><a href="{href}">خبر</a></li>' for href in hrefs)
    return Page(f'<html lang="ar"><body><ul>{links}</ul></body></html>'.encode())


def urlset(locs: list[str], lastmod: str = "2026-12-03T08:00:00+03:00") -> bytes:
    """A sitemap (``<urlset>``); ``locs`` are written as given (escape ``&`` yourself)."""
    entries = "".join(f"<url><loc>{loc}</loc><lastmod>{lastmod}</lastmod></url>" for loc in locs)
    return (f'<?xml version="1.0" encoding="UTF-8"?>'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</urlset>').encode()


def sitemap_index(locs: list[str]) -> bytes:
    """A sitemap index (``<sitemapindex>``); ``locs`` are written as given."""
    entries = "".join(f"<sitemap><loc>{loc}</loc></sitemap>" for loc in locs)
    return (f'<?xml version="1.0" encoding="UTF-8"?><sitemapindex '
            f'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</sitemapindex>').encode()


def gzipped(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=9)


def rss(links: list[str], title: str = "موقع") -> bytes:
    items = "".join(f"<item><title>خبر</title><link>{link}</link>"
                    "<pubDate>Thu, 03 Dec 2026 08:00:00 +0300</pubDate></item>" for link in links)
    return (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
            f"<title>{title}</title>{items}</channel></rss>").encode()
