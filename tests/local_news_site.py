"""A small Arabic news site served over real HTTP on 127.0.0.1, whose layout can change between
crawls, for the tests of the page→store path and of extraction health.

    with NewsSite() as site:
        world.add_seed("rafid", site.seed_toml())
        world.crawl("rafid")
        site.layout = "script"        # the next request sees the redesign

Layouts:

``article``
    each story in ``<article>`` with its paragraphs in ``<p>``, as most news CMSs render it;
    every story ends with the same plug for the site's app (a paragraph raqib can only learn
    is furniture by seeing it on many pages of the site).
``script``
    a redesign into a script-rendered app: the page keeps its ``<title>``, header and headline,
    but the story's paragraphs move into a JSON blob that a script renders in the browser —
    the extractor finds no body.

Every answer carries an ``ETag`` (a hash of the body) and honours ``If-None-Match``; ``build``
is written into every page (as real sites embed a build id), so a new build changes every
page's bytes; ``edits`` adds a sentence to a story (an edit). ``requests`` lists ``(path, If-None-Match, status)`` as served.
"""

from __future__ import annotations

import hashlib
import html
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SITE_NAME = "صحيفة الرافد"
PLUG = "حمّلوا تطبيق صحيفة الرافد على هواتفكم الذكية لمتابعة الأخبار العاجلة لحظة بلحظة."

# (headline, paragraphs): one story a page.
STORIES = [
    ("افتتاح مدرسة جديدة في حي الكرادة تتسع لألف طالب", [
        "افتتح وزير التربية صباح اليوم مدرسة جديدة في حي الكرادة وسط بغداد، تتسع لألف طالب "
        "وتضم ثلاثين صفاً ومختبرين للعلوم والحاسوب.",
        "وقال الوزير في كلمة خلال الافتتاح إن الوزارة تعمل على إنشاء مئة وخمسين مدرسة "
        "جديدة هذا العام للتخفيف من الدوام المزدوج في المدن المكتظة.",
        "وأضاف أن العام الدراسي المقبل سيشهد توزيع الكتب المنهجية قبل بدء الدوام بأسبوعين.",
    ]),
    ("ارتفاع أسعار الذهب في الأسواق المحلية خلال الأسبوع", [
        "ارتفعت أسعار الذهب في الأسواق المحلية بنسبة اثنين في المئة خلال الأسبوع الماضي، "
        "متأثرة بصعود الأسعار العالمية وتراجع سعر صرف الدينار.",
        "وقال تجار في سوق الصاغة إن الإقبال على الشراء تراجع مع ارتفاع الأسعار، فيما زاد "
        "عدد من يبيعون مصوغاتهم القديمة.",
        "ويتوقع متعاملون أن تستقر الأسعار في الأسابيع المقبلة إذا هدأت الأسواق العالمية.",
    ]),
    ("المنتخب الوطني يعلن قائمته النهائية لبطولة غرب آسيا", [
        "أعلن مدرب المنتخب الوطني لكرة القدم قائمته النهائية المؤلفة من ثلاثة وعشرين لاعباً "
        "استعداداً لبطولة غرب آسيا التي تنطلق الشهر المقبل.",
        "وضمت القائمة خمسة لاعبين محترفين في الدوريات الخليجية وثلاثة وجوه جديدة من "
        "الدوري المحلي، فيما غاب قائد الفريق بسبب الإصابة.",
        "ويخوض المنتخب مباراتين وديتين قبل البطولة، الأولى أمام الأردن والثانية أمام سوريا.",
    ]),
    ("وزارة الكهرباء توقع عقداً لإنشاء محطة توليد جديدة", [
        "وقعت وزارة الكهرباء عقداً مع شركة دولية لإنشاء محطة توليد جديدة بطاقة خمسمئة "
        "ميغاواط في محافظة البصرة، على أن تنجز خلال ثلاثين شهراً.",
        "وقال المتحدث باسم الوزارة إن المحطة ستعمل بالغاز المصاحب لاستخراج النفط، مما يقلل "
        "حرق الغاز في الحقول ويخفض كلفة التشغيل.",
        "وأضاف أن الوزارة تسعى إلى إضافة ألفي ميغاواط إلى الشبكة الوطنية قبل صيف العام المقبل.",
    ]),
    ("أمطار غزيرة تغمر شوارع الموصل وتعطل الدوام", [
        "غمرت أمطار غزيرة شوارع مدينة الموصل منذ ساعات الفجر، ما دفع الحكومة المحلية إلى "
        "تعطيل الدوام الرسمي في الدوائر والمدارس.",
        "وأعلنت مديرية الدفاع المدني أن فرقها سحبت المياه من عشرات المنازل في الأحياء "
        "المنخفضة، ولم تسجل أي إصابات.",
        "وتتوقع هيئة الأنواء الجوية استمرار هطول الأمطار حتى مساء الغد مع انخفاض في درجات الحرارة.",
    ]),
    ("معرض بغداد الدولي للكتاب يفتح أبوابه بمشاركة أربعمئة دار نشر", [
        "افتتح معرض بغداد الدولي للكتاب دورته الجديدة بمشاركة أربعمئة دار نشر عربية وأجنبية، "
        "ويستمر عشرة أيام في أرض المعارض.",
        "وقالت إدارة المعرض إن الدورة تحتفي بالشعر العراقي الحديث، وتضم برنامجاً من الندوات "
        "والأمسيات وتواقيع الكتب.",
        "وخصصت الإدارة جناحاً لكتب الأطفال وآخر للكتب المترجمة حديثاً إلى العربية.",
    ]),
]


class NewsSite:
    """The site, on an ephemeral port of 127.0.0.1, in a background thread."""

    def __init__(self, layout: str = "article", build: int = 1) -> None:
        self.layout = layout
        self.build = build
        self.edits: dict[int, str] = {}  # story number -> a sentence added to its end
        self.requests: list[tuple[str, str | None, int]] = []
        self.on_request = None  # called with each path before it is answered (fault tests)
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._server.site = self  # type: ignore[attr-defined]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> NewsSite:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def story_url(self, n: int) -> str:
        return f"{self.base_url}/news/{n}.html"

    def seed_toml(self, site_id: str = "rafid") -> str:
        return (f'id = "{site_id}"\nname = "{SITE_NAME}"\nallowed_domains = ["127.0.0.1"]\n'
                f'feeds = ["{self.base_url}/rss.xml"]\n'
                f"article_url = '/news/\\d+\\.html$'\ndiscover_sitemaps = false\n")

    # Pages ------------------------------------------------------------------------------

    def render(self, path: str) -> tuple[int, str, bytes]:
        if path == "/rss.xml":
            return 200, "application/rss+xml; charset=utf-8", self._rss().encode()
        if path.startswith("/news/") and path.endswith(".html"):
            number = path[len("/news/"):-len(".html")]
            if number.isdigit() and int(number) < len(STORIES):
                return 200, "text/html; charset=utf-8", self._story(int(number)).encode()
        return 404, "text/plain; charset=utf-8", b"not found"

    def _rss(self) -> str:
        items = "".join(
            f"<item><title>{html.escape(headline)}</title><link>{self.story_url(n)}</link>"
            f"<pubDate>Thu, 03 Dec 2026 0{n}:00:00 +0300</pubDate></item>"
            for n, (headline, _) in enumerate(STORIES))
        return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
                f"<title>{SITE_NAME}</title><link>{self.base_url}/</link>{items}</channel></rss>")

    def _story(self, n: int) -> str:
        headline, paragraphs = STORIES[n]
        if n in self.edits:
            paragraphs = [*paragraphs[:-1], f"{paragraphs[-1]} {self.edits[n]}"]
        head = (f'<meta charset="utf-8"><title>{html.escape(headline)} | {SITE_NAME}</title>'
                f'<meta property="og:title" content="{html.escape(headline)}">'
                f'<meta name="build" content="{self.build}">'
                f'<meta property="article:published_time" content="2026-12-03T0{n}:00:00+03:00">')
        header = (f'<header><a href="/">{SITE_NAME}</a><nav><a href="/section/local/">محليات</a>'
                  f' <a href="/section/sport/">رياضة</a></nav></header>')
        if self.layout == "script":
            blob = json.dumps({"story": {"headline": headline, "paragraphs": paragraphs + [PLUG]}},
                              ensure_ascii=False)
            return (f'<!doctype html><html lang="ar" dir="rtl"><head>{head}</head><body>'
                    f'<div id="app">{header}<h1>{html.escape(headline)}</h1>'
                    f'<div id="story-root"></div></div>'
                    f'<script id="story-data" type="application/json">{blob}</script>'
                    f"<script>const s = JSON.parse(document.getElementById('story-data')"
                    f".textContent).story; document.getElementById('story-root').innerHTML ="
                    f" s.paragraphs.map(p => '<p>' + p + '</p>').join('');</script>"
                    f"</body></html>")
        body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs + [PLUG])
        return (f'<!doctype html><html lang="ar" dir="rtl"><head>{head}</head><body>{header}'
                f'<main><article><h1>{html.escape(headline)}</h1>'
                f'<time datetime="2026-12-03T0{n}:00:00+03:00">3 ديسمبر 2026</time>'
                f'<div class="article-body">{body}</div></article></main>'
                f"<footer><p>جميع الحقوق محفوظة لـ{SITE_NAME} 2026</p></footer></body></html>")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        site: NewsSite = self.server.site  # type: ignore[attr-defined]
        if site.on_request is not None:
            site.on_request(self.path)
        with site._lock:
            status, content_type, body = site.render(self.path)
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        asked = self.headers.get("If-None-Match")
        if status == 200 and asked == etag:
            status = 304
        with site._lock:
            site.requests.append((self.path, asked, status))
        self.send_response(status)
        if status == 304:
            self.send_header("ETag", etag)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        if status == 200:
            self.send_header("ETag", etag)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:  # quiet
        pass
