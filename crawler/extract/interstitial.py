"""Pages that stand where an article should be: an anti-bot challenge, a consent wall, a login
wall, a paywall teaser, a maintenance page or a soft 404 served with ``200``.

Such a page must never become a version of the article (nor an alert, nor the page's stored
validators). It is recognised from how such pages are *built*, never from one site's strings:

- **Tiny running text**: the page's body is a sentence or two (:data:`TINY_BODY`), where an
  article has paragraphs. Every rule below needs it: a page with an article's text is never
  refused for what else it carries.
- **Structural markers** (:func:`page_markers`), read before scripts are dropped: the
  challenge platform's scripts and elements (``/cdn-cgi/challenge-platform/``,
  ``_cf_chl_opt``, ``challenge-*`` ids, captcha widgets of the common vendors), a consent
  form (``consent``/``gdpr``/``cmp`` in its action or its wrapper's class), a password field
  (a login wall), JSON-LD ``isAccessibleForFree: false`` (a paywall).
- **Generic titles**: the page's title, without the site's name, is one of the words such
  pages carry in any site («Just a moment...», «Access denied», «404», «الصفحة غير موجودة»,
  «الموقع تحت الصيانة», «تسجيل الدخول»), in English or Arabic (:data:`TITLE_PATTERNS`).
- **No article evidence**: no JSON-LD ``Article``, no ``og:type = article``, no article
  container found by its markup (``itemprop=articleBody``, a CMS body class, ``<article>``);
  every marker but a challenge title counts only then (a short article may carry a challenge
  platform's script, a captcha'd comment form, a login box or a consent banner).

What a page says compared with the stored version (a paywall teaser of a page stored whole, a
page that lost most of its text while its title changed) is judged by the store step
(:mod:`crawler.pagestore`), which has the stored version.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from crawler.extract.arabic import normalize
from crawler.extract.tree import Element, attr_words

TINY_BODY = 600  # characters of body: under this a page may be an interstitial

# Vendor challenge platforms, by what their pages load or name (scripts, ids, classes).
_CHALLENGE_SRC = re.compile(
    r"/cdn-cgi/challenge-platform/|challenges\.cloudflare\.com|captcha-delivery\.com"
    r"|/_Incapsula_Resource|ddos-guard|/\.well-known/sgcaptcha", re.I)
# Captcha widgets: on a challenge page, but also on a real article's comment form.
_CAPTCHA_SRC = re.compile(r"hcaptcha\.com|/recaptcha/|turnstile", re.I)
_CHALLENGE_SCRIPT = re.compile(r"_cf_chl_opt|cf_chl_|__ddg|_pxCaptcha|window\._pxAppId|sucuri",
                               re.I)
# Plain words one of which every _CHALLENGE_SCRIPT match holds, looked for in the lower-cased
# script first: inline scripts run to megabytes, and a case-blind pattern scans them slowly.
_CHALLENGE_SCRIPT_WORDS = ("cf_chl_", "__ddg", "_pxcaptcha", "window._pxappid", "sucuri")
_CHALLENGE_ATTR = re.compile(
    r"(?:^|\s)(?:challenge-[\w-]+|cf-[\w-]*(?:challenge|browser-verification)[\w-]*"
    r"|px-captcha|ddos[\w-]*)(?:\s|$)", re.I)
_CAPTCHA_ATTR = re.compile(r"(?:^|\s)(?:g-recaptcha|h-captcha|cf-turnstile|[\w-]*captcha[\w-]*)"
                           r"(?:\s|$)", re.I)
_CONSENT_ATTR = re.compile(r"(?:^|[\s_-])(?:consent|gdpr|cmp|cookie-?wall|privacy-wall)(?:[\s_-]|$)",
                           re.I)
_LOGIN_ACTION = re.compile(r"log-?in|sign-?in|auth|account|session|دخول", re.I)

# Titles of pages that are no article, normalised (crawler.extract.arabic.normalize): the
# words such a page carries on any site, never one site's strings.
TITLE_PATTERNS: dict[str, re.Pattern[str]] = {
    "challenge": re.compile(
        r"^(?:just a moment|one moment|please wait|attention required|access denied"
        r"|security check|checking your browser|ddos protection|are you a robot"
        r"|verify(?:ing)? (?:you are human|your browser)|human verification|captcha"
        r"|يرجي الانتظار|لحظه من فضلك|لحظات من فضلك|التحقق من المتصفح|تحقق امني|التحقق الامني"
        r"|هل انت انسان|تم رفض الوصول|الوصول مرفوض)\b", re.I),
    "consent": re.compile(
        r"^(?:before you continue|we value your privacy|cookie consent|your privacy choices"
        r"|privacy settings|قبل المتابعه|قبل ان تتابع|نحن نحترم خصوصيتك|نهتم بخصوصيتك"
        r"|اعدادات الخصوصيه|ملفات تعريف الارتباط)\b", re.I),
    "login": re.compile(
        r"^(?:log ?in|sign ?in|login required|subscribe to continue|subscribers only"
        r"|تسجيل الدخول|سجل الدخول|دخول المشتركين|للمشتركين فقط|اشترك للمتابعه)\b", re.I),
    "error": re.compile(
        r"^(?:(?:error )?\d{3}\b|(?:page )?not found|page not found|error|server error"
        r"|service unavailable|temporarily unavailable|under maintenance|site maintenance"
        r"|maintenance|down for maintenance|we ll be back soon|be right back|coming soon"
        r"|خطا|الصفحه غير موجوده|الصفحه المطلوبه غير موجوده|لم يتم العثور علي الصفحه"
        r"|صفحه غير موجوده|غير موجود|الموقع تحت الصيانه|تحت الصيانه|صيانه|الخدمه غير متاحه"
        r"|نعود قريبا|سنعود قريبا)", re.I),
}
_TITLE_SEPARATORS = re.compile(r"\s+[|\-–—:»«]{1,2}\s+|\s*\|\s*")
_ARTICLE_TYPES = {"article", "newsarticle", "reportagenewsarticle", "blogposting",
                  "analysisnewsarticle", "opinionnewsarticle", "backgroundnewsarticle"}
# Containers found by article markup (not by density, nor the whole page).
_ARTICLE_CONTAINERS = frozenset({"selector", "itemprop", "json-ld", "cms-class", "article"})
_KIND_WORDS = {"challenge": "challenge page", "consent": "consent wall", "login": "login wall",
               "paywall": "paywall teaser", "error": "error page"}


@dataclass(frozen=True)
class Interstitial:
    """Why a page is not the article: its ``kind`` (challenge | consent | login | paywall |
    error | lost) and the evidence, in words."""

    kind: str
    reason: str

    @property
    def stage(self) -> str:
        """The ``crawl_errors`` stage: ``blocked`` when the site kept the article from raqib
        (a challenge, consent, login or paywall), ``not_article`` when it answered with
        another page (an error or maintenance page, a soft 404, a page that lost its text)."""
        return "blocked" if self.kind in ("challenge", "consent", "login", "paywall") else "not_article"


@dataclass(frozen=True)
class PageMarkers:
    """What the page's structure says about it, read before its scripts are dropped."""

    challenge: str = ""      # the first challenge-platform marker found, as written
    captcha: bool = False    # a captcha widget (also found on comment forms)
    consent: bool = False    # a consent form or wall
    password: bool = False   # a password field (a login form)
    paywalled: bool = False  # JSON-LD isAccessibleForFree: false
    article_evidence: bool = False  # JSON-LD Article, og:type article or itemprop=articleBody


def page_markers(root: Element, jsonld: list[dict], meta: dict[str, str]) -> PageMarkers:
    """The structural markers of a parsed page (scripts still in it)."""
    challenge = ""
    captcha = consent = password = False
    evidence = meta.get("og:type", "").strip().lower() == "article"
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        tag = el.tag
        if tag == "script":
            src = el.get("src") or ""
            if not challenge and _CHALLENGE_SRC.search(src):
                challenge = src[:120]
            elif _CAPTCHA_SRC.search(src):
                captcha = True
            elif not challenge and not src and el.text and _may_challenge(el.text):
                found = _CHALLENGE_SCRIPT.search(el.text)
                if found:
                    challenge = found.group(0)
            continue
        if tag == "input" and (el.get("type") or "").lower() == "password":
            password = True
        if tag == "form":
            action = el.get("action") or ""
            if _CONSENT_ATTR.search(action.replace("/", " ")):
                consent = True
        if tag == "iframe" and not challenge and _CHALLENGE_SRC.search(el.get("src") or ""):
            challenge = (el.get("src") or "")[:120]
        words = attr_words(el) if (el.get("class") or el.get("id")) else ""
        if words:
            is_challenge, is_captcha, is_consent = _attr_markers(words)
            if not challenge and is_challenge:
                challenge = words[:120]
            captcha = captcha or is_captcha
            consent = consent or is_consent
        if (el.get("itemprop") or "").lower() == "articlebody":
            evidence = True
    paywalled = False
    for node in jsonld:
        kinds = node.get("@type")
        kinds = {k.lower() for k in (kinds if isinstance(kinds, list) else [kinds])
                 if isinstance(k, str)}
        if kinds & _ARTICLE_TYPES:
            evidence = True
        if _false(node.get("isAccessibleForFree")):
            paywalled = True
    return PageMarkers(challenge, captcha, consent, password, paywalled, evidence)


def _may_challenge(script: str) -> bool:
    lowered = script.lower()
    return any(word in lowered for word in _CHALLENGE_SCRIPT_WORDS)


@lru_cache(maxsize=4096)
def _attr_markers(words: str) -> tuple[bool, bool, bool]:
    """Whether class/id ``words`` (lower case) name a challenge, a captcha, a consent form.
    Each pattern needs one of a few plain words, looked for first: most elements name none."""
    challenge = captcha = consent = False
    if "challenge" in words or "captcha" in words or "ddos" in words \
            or "browser-verification" in words:
        challenge = _CHALLENGE_ATTR.search(words) is not None
    if "captcha" in words or "turnstile" in words:
        captcha = _CAPTCHA_ATTR.search(words) is not None
    if "consent" in words or "gdpr" in words or "cmp" in words or "cookie" in words \
            or "privacy-wall" in words:
        consent = _CONSENT_ATTR.search(words) is not None
    return challenge, captcha, consent


def generic_title(title: str) -> str:
    """The kind of page a title names (``challenge``, ``consent``, ``login``, ``error``) when
    it is a generic one, else ``""``. The site's name after a separator is ignored."""
    for part in _TITLE_SEPARATORS.split(title or ""):
        text = normalize(part).strip(" .…!؟?-")
        text = re.sub(r"[^\w\s]", " ", text)
        text = " ".join(text.split())
        if not text or len(text.split()) > 6:
            continue
        for kind, pattern in TITLE_PATTERNS.items():
            if pattern.search(text):
                return kind
    return ""


def judge_page(markers: PageMarkers, html_title: str, body: str,
               container_how: str = "") -> Interstitial | None:
    """Whether the page is an interstitial rather than the article, from the page alone.
    ``container_how`` is how the extractor found the article container
    (:mod:`crawler.extract.container`): semantic markup there is article evidence too."""
    if len(body) >= TINY_BODY:
        return None
    quoted = f"«{html_title[:80]}»" if html_title else "no title"
    kind = generic_title(html_title)
    if kind == "challenge":
        return Interstitial("challenge", f"challenge page ({quoted}, {len(body)} characters of text)")
    # A short article may carry a challenge platform's script (some inject one into every
    # page), a captcha'd comment form, a login box or a consent banner: not refused.
    if markers.article_evidence or container_how in _ARTICLE_CONTAINERS:
        return None
    if markers.challenge:
        return Interstitial("challenge", f"challenge page ({quoted}; {markers.challenge})")
    if markers.captcha:
        return Interstitial("challenge", f"challenge page ({quoted}, a captcha, "
                                         f"{len(body)} characters of text)")
    if markers.consent:
        return Interstitial("consent", f"consent wall ({quoted}, a consent form, "
                                       f"{len(body)} characters of text)")
    if markers.password:
        return Interstitial("login", f"login wall ({quoted}, a password form, "
                                     f"{len(body)} characters of text)")
    if kind:
        return Interstitial(kind, f"{_KIND_WORDS[kind]} ({quoted}, {len(body)} characters of text)")
    return None


def _false(value: object) -> bool:
    return value is False or (isinstance(value, str) and value.strip().lower() == "false")
