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

Bad days (every story page answers with one of these instead of the story, shaped like the
real pages):

``challenge``
    an anti-bot interstitial with ``200``: «Just a moment...», «Checking if the site
    connection is secure», «Enable JavaScript and cookies to continue», the challenge
    platform's script and ids (``challenge_status`` sets another status, e.g. 403);
``consent``
    a consent wall: a privacy notice and an accept/reject form, nothing of the story;
``login``
    a login wall: «تسجيل الدخول», an e-mail and a password field;
``paywall``
    the story's template, headline and first paragraph, a subscribe box, and JSON-LD saying
    the article is not free to read (``isAccessibleForFree: false``);
``maintenance``
    «الموقع تحت الصيانة», a sentence and a logo;
``soft404``
    the site's own template, «الصفحة المطلوبة غير موجودة», a link home and a list of the
    latest stories.

``counters = True`` puts the counters of Arabic CMS themes inside every story's body — views
(«عدد المشاهدات: 1234», a bare count in a ``post-views`` span), reading time («وقت القراءة:
3 دقائق»), shares and comments — each a new figure on every request; ``replace[n] = (old,
new)`` changes words of story ``n`` (a number in a sentence, say).

``copies[m] = n`` serves story ``n`` under a second URL ``/news/m.html`` too (one article
under two section paths, no canonical link), listed in the feed; ``followups[m] = (n,
paragraph)`` publishes at ``/news/m.html`` a follow-up of story ``n``: its headline and text
and one paragraph more.

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
        self.challenge_status = 200
        self.counters = False
        self.views = 1000  # moves on every story page served with counters
        self.replace: dict[int, tuple[str, str]] = {}
        self.copies: dict[int, int] = {}
        self.followups: dict[int, tuple[int, str]] = {}
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
            if number.isdigit() and int(number) in self.copies:
                return 200, "text/html; charset=utf-8", self._story(self.copies[int(number)]).encode()
            if number.isdigit() and int(number) in self.followups:
                story, paragraph = self.followups[int(number)]
                page = self._story(story, more=paragraph)
                return 200, "text/html; charset=utf-8", page.encode()
            if number.isdigit() and int(number) < len(STORIES):
                if self.layout in BAD_DAYS:
                    status = self.challenge_status if self.layout == "challenge" else 200
                    page = BAD_DAYS[self.layout](self, int(number))
                    return status, "text/html; charset=utf-8", page.encode()
                return 200, "text/html; charset=utf-8", self._story(int(number)).encode()
        return 404, "text/plain; charset=utf-8", b"not found"

    def _rss(self) -> str:
        listed = [(n, headline, n) for n, (headline, _) in enumerate(STORIES)]
        listed += [(m, STORIES[n][0], n) for m, n in self.copies.items()]
        listed += [(m, STORIES[n][0], n) for m, (n, _) in self.followups.items()]
        items = "".join(
            f"<item><title>{html.escape(headline)}</title><link>{self.story_url(m)}</link>"
            f"<pubDate>Thu, 03 Dec 2026 0{n}:00:00 +0300</pubDate></item>"
            for m, headline, n in listed)
        return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
                f"<title>{SITE_NAME}</title><link>{self.base_url}/</link>{items}</channel></rss>")

    def _story(self, n: int, more: str = "") -> str:
        headline, paragraphs = STORIES[n]
        if more:
            paragraphs = [*paragraphs, more]
        if n in self.edits:
            paragraphs = [*paragraphs[:-1], f"{paragraphs[-1]} {self.edits[n]}"]
        if n in self.replace:
            old, new = self.replace[n]
            paragraphs = [p.replace(old, new) for p in paragraphs]
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
        parts = [f"<p>{html.escape(p)}</p>" for p in paragraphs + [PLUG]]
        if self.counters:
            self.views += 37
            views = self.views
            parts.insert(1, f'<div class="post-meta-info"><span class="meta-views">'
                            f'<i class="fa fa-eye"></i> عدد المشاهدات: {views:,}</span></div>')
            parts.insert(3, f'<p class="reading-time">وقت القراءة: {1 + views % 4} دقائق</p>')
            parts.insert(4, f'<div><span class="post-views-count">{views}</span></div>')
            parts.append(f'<div class="td-social-sharing"><span>{views // 100}</span> مشاركة</div>'
                         f'<div><a href="#comments">{views % 13} تعليقات</a></div>')
        body = "".join(parts)
        return (f'<!doctype html><html lang="ar" dir="rtl"><head>{head}</head><body>{header}'
                f'<main><article><h1>{html.escape(headline)}</h1>'
                f'<time datetime="2026-12-03T0{n}:00:00+03:00">3 ديسمبر 2026</time>'
                f'<div class="article-body">{body}</div></article></main>'
                f"<footer><p>جميع الحقوق محفوظة لـ{SITE_NAME} 2026</p></footer></body></html>")


# Bad days: what a story URL answers instead of the story -----------------------------------

def _challenge(site: NewsSite, n: int) -> str:
    host = site.base_url.split("//")[1]
    return f"""<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title>
<meta http-equiv="Content-Type" content="text/html; charset=UTF-8">
<meta http-equiv="X-UA-Compatible" content="IE=Edge"><meta name="robots" content="noindex,nofollow">
<meta name="viewport" content="width=device-width,initial-scale=1">
<style>*{{box-sizing:border-box;margin:0;padding:0}}html{{line-height:1.15}}</style>
<meta http-equiv="refresh" content="390"></head>
<body class="no-js"><div class="main-wrapper" role="main"><div class="main-content">
<noscript><div id="challenge-error-title"><div class="h2"><span id="challenge-error-text">
Enable JavaScript and cookies to continue</span></div></div></noscript>
<h1 class="zone-name-title h1">{host}</h1>
<h2 class="h2" id="challenge-running">Checking if the site connection is secure</h2>
<div id="challenge-stage"></div>
<div id="challenge-body-text" class="core-msg spacer">{host} needs to review the security of
your connection before proceeding.</div></div></div>
<script>(function(){{window._cf_chl_opt={{cvId: '2',cZone: "{host}",cType: 'managed',
cRay: '7d1e2c3b4a5f6e7d'}};var cpo=document.createElement('script');
cpo.src='/cdn-cgi/challenge-platform/h/g/orchestrate/managed/v1?ray=7d1e2c3b4a5f6e7d';
document.getElementsByTagName('head')[0].appendChild(cpo);}}());</script>
<div class="footer" role="contentinfo"><div class="footer-inner">
<div class="clearfix diagnostic-wrapper"><div class="ray-id">Ray ID: <code>7d1e2c3b4a5f6e7d</code>
</div></div><div class="text-center" id="footer-text">Performance &amp; security by
<a rel="noopener noreferrer" href="https://www.cloudflare.com?utm_source=challenge">Cloudflare</a>
</div></div></div></body></html>"""


def _consent(site: NewsSite, n: int) -> str:
    return f"""<!doctype html><html lang="ar" dir="rtl"><head><meta charset="utf-8">
<title>قبل المتابعة | {SITE_NAME}</title></head><body>
<div id="consent-page" class="consent-wall"><img src="/logo.png" alt="{SITE_NAME}">
<h1>نحن نهتم بخصوصيتك</h1>
<p>نستخدم نحن وشركاؤنا ملفات تعريف الارتباط لتخصيص المحتوى والإعلانات وقياس الزيارات.</p>
<form method="post" action="/consent/collect"><input type="hidden" name="continue"
value="/news/{n}.html"><button name="set" value="accept">قبول الكل</button>
<button name="set" value="reject">رفض الكل</button></form>
<a href="/privacy">إدارة الخيارات</a></div></body></html>"""


def _login(site: NewsSite, n: int) -> str:
    return f"""<!doctype html><html lang="ar" dir="rtl"><head><meta charset="utf-8">
<title>تسجيل الدخول | {SITE_NAME}</title></head><body>
<header><a href="/">{SITE_NAME}</a></header>
<main><div class="login-box"><h1>سجّل الدخول لمتابعة القراءة</h1>
<form action="/account/login" method="post"><label>البريد الإلكتروني
<input type="email" name="email"></label><label>كلمة المرور
<input type="password" name="password"></label><button>دخول</button></form>
<p><a href="/account/register">إنشاء حساب جديد</a></p></div></main>
<footer><p>جميع الحقوق محفوظة لـ{SITE_NAME} 2026</p></footer></body></html>"""


def _paywall(site: NewsSite, n: int) -> str:
    headline, paragraphs = STORIES[n]
    ld = json.dumps({"@context": "https://schema.org", "@type": "NewsArticle",
                     "headline": headline, "isAccessibleForFree": False,
                     "hasPart": {"@type": "WebPageElement", "isAccessibleForFree": False,
                                 "cssSelector": ".paywalled"}}, ensure_ascii=False)
    return (f'<!doctype html><html lang="ar" dir="rtl"><head><meta charset="utf-8">'
            f'<title>{html.escape(headline)} | {SITE_NAME}</title>'
            f'<meta property="og:title" content="{html.escape(headline)}">'
            f'<meta property="og:type" content="article">'
            f'<script type="application/ld+json">{ld}</script></head><body>'
            f'<header><a href="/">{SITE_NAME}</a></header><main><article>'
            f'<h1>{html.escape(headline)}</h1><div class="article-body">'
            f'<p>{html.escape(paragraphs[0])}</p></div>'
            f'<div class="paywalled"><p>هذا المحتوى متاح للمشتركين فقط.</p>'
            f'<a href="/subscribe">اشترك الآن</a></div></article></main>'
            f'<footer><p>جميع الحقوق محفوظة لـ{SITE_NAME} 2026</p></footer></body></html>')


def _maintenance(site: NewsSite, n: int) -> str:
    return ("<!doctype html><html lang=\"ar\" dir=\"rtl\"><head><meta charset=\"utf-8\">"
            "<title>الموقع تحت الصيانة</title></head><body><div class=\"wrap\">"
            f'<img src="/logo.png" alt="{SITE_NAME}"><h1>نعود قريباً</h1>'
            "<p>نقوم حالياً بأعمال صيانة مجدولة للموقع. نعتذر عن الإزعاج.</p></div></body></html>")


def _soft404(site: NewsSite, n: int) -> str:
    latest = "".join(f'<li><a href="/news/{i}.html">{html.escape(h)}</a></li>'
                     for i, (h, _) in enumerate(STORIES))
    return (f'<!doctype html><html lang="ar" dir="rtl"><head><meta charset="utf-8">'
            f'<title>الصفحة غير موجودة | {SITE_NAME}</title></head><body>'
            f'<header><a href="/">{SITE_NAME}</a><nav><a href="/section/local/">محليات</a>'
            f' <a href="/section/sport/">رياضة</a></nav></header><main>'
            f'<h1>عذراً، الصفحة المطلوبة غير موجودة</h1>'
            f'<p>ربما نُقلت الصفحة أو حُذفت. يمكنك العودة إلى <a href="/">الصفحة الرئيسية</a>.</p>'
            f'<div class="latest"><h3>آخر الأخبار</h3><ul>{latest}</ul></div></main>'
            f"<footer><p>جميع الحقوق محفوظة لـ{SITE_NAME} 2026</p></footer></body></html>")


BAD_DAYS = {"challenge": _challenge, "consent": _consent, "login": _login, "paywall": _paywall,
            "maintenance": _maintenance, "soft404": _soft404}


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
