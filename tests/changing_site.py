"""A small Arabic news site on 127.0.0.1 that changes while raqib runs: stories are
published and edited (a paragraph added) from the test, and a page can be *held* (its
answer waits until the test lets it go), which keeps a crawl under way for as long as the
test needs.

    with ChangingSite() as site:
        site.publish("iraq-1", "العراق وكندا ...", ["...", "..."])
        site.edit("iraq-1")                   # a new paragraph: a real edit
        with site.hold("iraq-1") as held:     # the next request for it waits ...
            held.requested.wait(30)           # ... until a crawl asks for it
            ...
        # leaving the block answers it

Pages are built like a news site's: a header menu, the article (headline, time, paragraphs)
and a footer; the feed lists every story, newest first, with its publication time.
Standard library only (http.server + threading)."""

from __future__ import annotations

import html
import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Story:
    slug: str
    title: str
    paragraphs: list[str]
    published: datetime
    edits: int = 0


@dataclass
class Hold:
    """A page whose answers wait until ``release()``; ``requested`` is set by the first
    request for it."""

    path: str
    requested: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)

    def release(self) -> None:
        self.released.set()

    def __enter__(self) -> Hold:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


class ChangingSite:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.stories: dict[str, Story] = {}
        self.holds: dict[str, Hold] = {}
        self.requests: list[str] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                status, kind, body = site.answer(self.path)
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    # -- what the test does --

    def publish(self, slug: str, title: str, paragraphs: list[str]) -> None:
        with self._lock:
            self.stories[slug] = Story(slug, title, list(paragraphs), datetime.now(timezone.utc))

    def edit(self, slug: str) -> int:
        """Add a paragraph to story ``slug`` (an update an editor makes); its edit count."""
        with self._lock:
            story = self.stories[slug]
            story.edits += 1
            # a paragraph of its own (a block repeated on many pages is page furniture)
            story.paragraphs.append(
                f"تحديث رقم {story.edits} بشأن «{story.title}»: أفاد مراسلنا بأن المباحثات "
                f"استمرت حتى ساعة متأخرة، وأن الجانبين اتفقا على جولة جديدة بعد "
                f"{story.edits + 2} أيام.")
            return story.edits

    def hold(self, slug: str) -> Hold:
        """Make the next answers for story ``slug`` wait until the hold is released."""
        hold = Hold(self.path(slug))
        with self._lock:
            self.holds[hold.path] = hold
        return hold

    def path(self, slug: str) -> str:
        return f"/news/{slug}.html"

    def url(self, slug: str) -> str:
        return self.base_url + self.path(slug)

    # -- what the crawler sees --

    def answer(self, path: str) -> tuple[int, str, bytes]:
        with self._lock:
            self.requests.append(path)
            hold = self.holds.get(path)
        if hold is not None:
            hold.requested.set()
            hold.released.wait(120)
            with self._lock:
                self.holds.pop(path, None)
        with self._lock:
            if path == "/robots.txt":
                return 200, "text/plain; charset=utf-8", b"User-agent: *\nAllow: /\n"
            if path == "/rss.xml":
                return 200, "application/rss+xml; charset=utf-8", self._feed().encode()
            slug = path.removeprefix("/news/").removesuffix(".html")
            story = self.stories.get(slug)
            if story is None:
                return 404, "text/html; charset=utf-8", b"<html><body>404</body></html>"
            return 200, "text/html; charset=utf-8", self._article(story).encode()

    def _feed(self) -> str:
        stories = sorted(self.stories.values(), key=lambda s: s.published, reverse=True)
        items = "".join(
            f"<item><title>{html.escape(s.title)}</title><link>{self.url(s.slug)}</link>"
            f"<guid>{self.url(s.slug)}</guid><pubDate>{format_datetime(s.published)}</pubDate>"
            "</item>" for s in stories)
        return ('<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
                f"<title>أخبار المدينة</title><link>{self.base_url}/</link>{items}"
                "</channel></rss>")

    def _article(self, story: Story) -> str:
        paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in story.paragraphs)
        return f"""<!DOCTYPE html>
<html lang="ar" dir="rtl"><head><meta charset="utf-8">
<title>{html.escape(story.title)} | أخبار المدينة</title>
<meta property="og:title" content="{html.escape(story.title)}">
<meta property="article:published_time" content="{story.published.isoformat()}">
</head><body>
<header><nav><a href="/">الرئيسية</a> <a href="/politics/">سياسة</a>
<a href="/economy/">اقتصاد</a> <a href="/sport/">رياضة</a></nav></header>
<main><article>
<h1>{html.escape(story.title)}</h1>
<time datetime="{story.published.isoformat()}">{story.published:%Y-%m-%d %H:%M}</time>
<div class="article-body">{paragraphs}</div>
</article></main>
<footer><p>جميع الحقوق محفوظة لأخبار المدينة</p></footer>
</body></html>"""

    # -- lifecycle --

    def __enter__(self) -> ChangingSite:
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            holds = list(self.holds.values())
        for hold in holds:
            hold.release()
        self.httpd.shutdown()
        self.httpd.server_close()
