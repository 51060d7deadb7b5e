"""Remove page furniture from a parsed page, recording what each rule removed.

The cleaner is a pipeline of small named stages over one BeautifulSoup tree. Each stage
yields the elements it wants gone; ``clean`` removes them (unless the element holds most of
the page's running text — the guard that keeps a page-wide ``<form>`` or a mislabelled
wrapper from taking the article with it) and records a ``RemovedBlock(rule, text)`` for each.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from bs4 import BeautifulSoup, Comment, NavigableString, Tag

from crawler.extract.arabic import normalize
from crawler.extract.model import RemovedBlock, Selectors

# --- what counts as furniture ------------------------------------------------------------

# Tags that never hold article text. Removed silently when they hold no visible text.
_INVISIBLE_TAGS = ("script", "style", "noscript", "template", "svg", "link", "meta", "object",
                   "embed", "canvas", "map", "select", "option", "input", "textarea")
_FURNITURE_TAGS = ("nav", "header", "footer", "aside", "form", "iframe", "button", "menu", "dialog")
_INVISIBLE_TAG_SET = frozenset(_INVISIBLE_TAGS)
_FURNITURE_TAG_SET = frozenset(_FURNITURE_TAGS)

_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_HIDDEN_CLASSES = frozenset({"d-none", "hidden", "hide", "is-hidden", "invisible", "sr-only",
                             "visually-hidden", "visuallyhidden", "screen-reader-text"})

# Unrendered client-side template directives: Vue (v-*, :prop, @event), Angular (ng-*),
# Alpine (x-*). Their text is a template, not content.
_DIRECTIVE_ATTR = re.compile(
    r"^(?:v-[a-z]|:[a-z]|@[a-z]|(?:data-)?ng-[a-z]|x-(?:data|show|if|for|bind|on|text|html|"
    r"model|init|cloak|effect|ref|transition)\b)",
    re.I,
)
_TEMPLATE_TEXT = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\$\{[^}]*\}", re.S)

# class/id words that name furniture. Whole tokens (split on - _ and camelCase) ...
_FURNITURE_TOKENS = frozenset({
    "ad", "ads", "adv", "advert", "adverts", "advertisement", "advertising", "adsbygoogle", "dfp",
    "banner", "banners", "promo", "sponsor", "sponsored", "nav", "navbar", "navigation", "menu",
    "tags", "tag", "keywords", "breadcrumb", "breadcrumbs", "share", "sharing", "social",
    "related", "popular", "trending", "comments", "comment", "newsletter", "subscribe",
    "subscription", "widget", "widgets", "sidebar", "cookie", "cookies", "consent", "gdpr",
    "footer", "pagination", "pager", "outbrain", "taboola", "recommended", "recommendations",
    "toolbar", "modal", "popup", "overlay", "rating", "poll", "weather", "prev", "next",
    "previous", "meta", "metadata", "byline", "timestamp", "disclaimer",
})
# ... and words found anywhere inside a class or id.
_FURNITURE_SUBSTRINGS = re.compile(
    r"share|social|related|comment(?!ary)|breadcrumb|newsletter|sidebar|widget|cookie|advert|"
    r"sponsor|outbrain|taboola|most-?(?:read|viewed|view|popular|shared|commented)|"
    r"scroll-?(?:to-?)?top|back-?to-?top|go-?top|read-?also|read-?more|more-?news|"
    r"latest-?news|(?:^|-)tags(?:$|-)|author-?box|follow-?us|print-?(?:btn|button|page)",
    re.I,
)
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_TOKEN_SPLIT = re.compile(r"[-_\s]+")

# Arabic (and a few English) labels of furniture blocks: a short block that is one of these
# is furniture, and so is the list that follows it.
FURNITURE_LABELS: tuple[str, ...] = (
    "شارك", "شاركها", "شارك الخبر", "شارك هذا الخبر", "شارك المقال", "مشاركة", "مشاركه",
    "تابعونا", "تابعونا على", "تابعنا على", "تابعنا", "تابعوا", "انضم الى",
    "اقرأ أيضا", "اقرأ أيضاً", "إقرأ أيضاً", "إقرأ أيضا", "اقرأ ايضا", "اقرا كمان", "اقرأ المزيد",
    "اقرأ كذلك", "شاهد أيضا", "شاهد أيضاً", "طالع أيضا", "المزيد", "مواضيع أخرى",
    "الأكثر مشاهدة", "الأكثر قراءة", "الأكثر تصفحا", "الأكثر تصفحاً", "الأكثر شعبية",
    "الأكثر تداولا", "الأكثر تعليقا", "الأكثر مشاركة", "الأكثر قراءه",
    "أخبار ذات صلة", "مواضيع ذات صلة", "مقالات ذات صلة", "موضوعات ذات صلة", "ذات صلة",
    "مواضيع ذات علاقة", "أخبار متعلقة", "الموضوعات المتعلقة", "أخبار مشابهة", "اخترنا لكم",
    "مختارات", "زوارنا يقرأون الآن", "آخر الأخبار", "أحدث الأخبار", "أخبار عاجلة",
    "التعليقات", "تعليقات", "أضف تعليقك", "أضف تعليق", "اضف تعليقاً", "اترك تعليقاً",
    "اترك تعليقا", "إضافة تعليق", "إضافة تعليق جديد", "لا توجد تعليقات",
    "جميع الحقوق محفوظة", "الوسوم", "الكلمات المفتاحية", "كلمات مفتاحية", "وسوم",
    "الكلمات الدالة", "كلمات دالة", "اكثر قراءة", "الأكثر زيارة", "موضوعات متعلقة",
    "مقالات مختارة", "شريط الأخبار",
    "إعلان", "اعلان", "استطلاع الرأي", "النشرة البريدية", "اشترك في النشرة",
    "Scroll to Top", "Back to top", "Share", "Share this", "Share this article", "Related",
    "Related stories", "Related articles", "Read more", "Read also", "Most read",
    "Most popular", "Most viewed", "Comments", "Advertisement", "Sponsored", "Tags",
    "Trending", "Recommended", "Follow us", "Sign up", "Subscribe", "Newsletter",
    "Skip to main content", "Sponsor Message", "التالي", "السابق", "الخبر التالي",
    "الخبر السابق", "المقال التالي", "المقال السابق", "End of Article", "Explore more on these topics",
    "This article is more than",
)
# Disclaimers that stand above comment sections and under opinion pieces: a short block
# containing one of these is furniture.
DISCLAIMERS: tuple[str, ...] = (
    "لا تعبر عن رأي", "لا يعبر عن رأي", "لا تعبر بالضرورة عن رأي", "لا يعبر بالضرورة عن رأي",
    "لا تعكس بالضرورة", "الآراء الواردة", "تعبر عن رأي أصحابها", "تعبر عن وجهة نظر أصحابها",
    "مراجعة التعليقات قبل نشرها", "بروتوكول نشر التعليقات", "شروط التعليق",
    "do not necessarily reflect", "comments are moderated",
)
# Lines that are furniture wherever they stand and however long the rest of the line is.
_COPYRIGHT = re.compile(r"جميع الحقوق محفوظه|الحقوق محفوظه|حقوق النشر محفوظه|all rights reserved|©", re.I)

_LABEL_MAX = 40          # extra characters a label block may carry after its label
_LINK_HEAVY = 0.5        # share of a block's text inside links that makes it a link list
_LISTING_MIN = 3         # siblings of one shape that make a teaser list
_TEASER_MAX = 400        # longest text of one teaser
_GUARD_SHARE = 0.4       # an element holding this share of the page's unlinked text is kept

_BLOCK_TAGS = frozenset({
    "p", "div", "section", "article", "li", "ul", "ol", "dl", "dd", "dt", "h1", "h2", "h3",
    "h4", "h5", "h6", "table", "tbody", "tr", "td", "th", "blockquote", "figure", "figcaption",
    "header", "footer", "aside", "nav", "main", "form", "center", "pre", "address", "span",
    "strong", "b", "a",
})


def _norm_label(text: str) -> str:
    return " ".join(re.findall(r"\w+", normalize(text)))


_SOCIAL_WORDS = frozenset(_norm_label(
    "فيسبوك فيس بوك تويتر اكس واتساب واتس اب تيليجرام تلغرام تليجرام لينكدان لينكد ان انستغرام "
    "انستجرام يوتيوب تيك توك بريد الكتروني طباعه طباعة نسخ الرابط facebook twitter x whatsapp "
    "telegram linkedin instagram youtube tiktok email e mail print copy link messenger reddit"
).split())
_LABELS = sorted({_norm_label(label) for label in FURNITURE_LABELS}, key=len, reverse=True)
_DISCLAIMER_RE = re.compile("|".join(re.escape(_norm_label(d)) for d in DISCLAIMERS))
_LABEL_RE = re.compile(r"^(?:" + "|".join(re.escape(lbl) for lbl in _LABELS) + r")(?!\w)")


# --- helpers ------------------------------------------------------------------------------

def collapse(text: str) -> str:
    """Whitespace (NBSP and zero-width marks included) collapsed to single spaces."""
    return " ".join(text.replace("\u200c", " ").replace("\u200f", "").replace("\u200e", "").split())


def visible_text(el: Tag) -> str:
    return collapse(el.get_text(" "))


def link_density(el: Tag, text_len: int | None = None) -> float:
    total = text_len if text_len is not None else len(visible_text(el))
    if not total:
        return 0.0
    linked = sum(len(visible_text(a)) for a in el.find_all("a"))
    return min(1.0, linked / total)


def attr_words(el: Tag) -> str:
    """class and id of an element as one lower-case string, camelCase split with hyphens."""
    classes = el.get("class") or []
    if isinstance(classes, str):
        classes = classes.split()
    ident = el.get("id") or ""
    raw = " ".join([*classes, ident if isinstance(ident, str) else ""])
    return _CAMEL.sub("-", raw).lower()


def is_furniture_attr(words: str) -> bool:
    if not words:
        return False
    if any(tok in _FURNITURE_TOKENS for tok in _TOKEN_SPLIT.split(words)):
        return True
    return bool(_FURNITURE_SUBSTRINGS.search(words))


# --- the pipeline -------------------------------------------------------------------------

Stage = Callable[[BeautifulSoup, list[Tag]], Iterable[Tag]]


@dataclass(frozen=True)
class Rule:
    name: str
    find: Stage
    guarded: bool = True


def _invisible(soup: BeautifulSoup, tags: list[Tag]) -> Iterator[Tag]:
    return (el for el in tags if el.name in _INVISIBLE_TAG_SET)


def _structural(soup: BeautifulSoup, tags: list[Tag]) -> Iterator[Tag]:
    return (el for el in tags if el.name in _FURNITURE_TAG_SET and not _gone(el))


def _hidden(soup: BeautifulSoup, tags: list[Tag]) -> Iterator[Tag]:
    for el in tags:
        if _gone(el):
            continue
        attrs = el.attrs
        if not attrs:
            continue
        if "hidden" in attrs or attrs.get("aria-hidden") == "true":
            yield el
            continue
        style = attrs.get("style")
        if style and _HIDDEN_STYLE.search(style):
            yield el
            continue
        classes = attrs.get("class")
        if classes and not _HIDDEN_CLASSES.isdisjoint(c.lower() for c in classes):
            yield el


def _directives(soup: BeautifulSoup, tags: list[Tag]) -> Iterator[Tag]:
    for el in tags:
        if not _gone(el) and el.attrs and any(_DIRECTIVE_ATTR.match(name) for name in el.attrs):
            yield el


def _class_id(soup: BeautifulSoup, tags: list[Tag]) -> Iterator[Tag]:
    for el in tags:
        if el.name in ("html", "body", "main", "head") or _gone(el):
            continue
        if el.attrs:
            words = attr_words(el)
            if is_furniture_attr(words):
                if "comment" in words:
                    notice = el.find_previous_sibling(True)
                    if notice is not None and _is_comment_notice(notice):
                        yield notice
                yield el


def _is_comment_notice(el: Tag) -> bool:
    """The short block just before a comment section that says how comments work."""
    text = visible_text(el)
    return 0 < len(text) < 800 and re.search(r"تعليق|comment", normalize(text)) is not None


def _listings(soup: BeautifulSoup, tags: list[Tag]) -> Iterator[Tag]:
    """Teaser lists: three or more sibling elements of one shape (tag and class), each short
    and led by a link to another story — "related", "more from", category rails."""
    seen: set[int] = set()
    for parent in tags:
        if _gone(parent) or id(parent) in seen:
            continue
        seen.add(id(parent))
        groups: dict[tuple, list[Tag]] = {}
        for child in parent.contents:
            if isinstance(child, Tag):
                key = (child.name, tuple(sorted(child.attrs.get("class") or ())))
                groups.setdefault(key, []).append(child)
        for members in groups.values():
            if len(members) >= _LISTING_MIN and all(_is_teaser(m) for m in members):
                yield from members


def _is_teaser(el: Tag) -> bool:
    if len(el.get_text()) > 3 * _TEASER_MAX:
        return False
    text = visible_text(el)
    if not text or len(text) > _TEASER_MAX:
        return False
    links = [len(visible_text(a)) for a in el.find_all("a")]
    if not links or max(links) < 15:
        return False
    return sum(links) / len(text) >= 0.25


def _labelled_blocks(soup: BeautifulSoup, tags: list[Tag]) -> Iterator[Tag]:
    """Short blocks that are a furniture label («اقرأ أيضاً», «الأكثر مشاهدة», "Share"…),
    inline "read also: <a>…</a>" lines, copyright lines, and the link lists labels head."""
    body = soup.body or soup
    for node in list(body.descendants):
        if type(node) is not NavigableString or node.parent is None:
            continue
        stripped = node.strip()
        if not stripped or len(stripped) > 400:
            continue
        if len(stripped) > 20 and _DISCLAIMER_RE.search(_norm_label(stripped)):
            block = _nearest_block(node)
            if block is not None and len(visible_text(block)) < 600:
                yield block
            continue
        if len(stripped) > 120:
            continue
        copyright_line = _COPYRIGHT.search(normalize(stripped)) is not None
        if not copyright_line and not _LABEL_RE.match(_norm_label(stripped)):
            continue
        block = _label_block(node, len(_norm_label(stripped)) + _LABEL_MAX)
        if block is None:
            continue
        if copyright_line:
            yield block
            continue
        if not is_label_block(block):
            continue
        yield block
        following = block.find_next_sibling(True)
        if following is not None and _is_link_list(following):
            yield following
        parent = block.parent
        if parent is not None and parent.name not in ("body", "html", "main", "article", "[document]"):
            text = visible_text(parent)
            if len(text) < 2000 and link_density(parent, len(text)) >= _LINK_HEAVY:
                yield parent


def is_label_block(el: Tag) -> bool:
    """Whether a block is a furniture label: exactly a label, a label followed by social
    network names or links, or a multi-word label («اقرأ أيضاً: …») with a short tail."""
    text = visible_text(el)
    norm = _norm_label(text)
    match = _LABEL_RE.match(norm)
    if not match:
        return False
    rest = norm[match.end():].split()
    if not rest or all(word in _SOCIAL_WORDS for word in rest):
        return True
    if link_density(el, len(text)) >= _LINK_HEAVY:
        return True
    return " " in match.group(0) and len(" ".join(rest)) <= _LABEL_MAX


def _label_block(node: NavigableString, max_len: int) -> Tag | None:
    """The largest element around a text node whose text is still no longer than
    ``max_len``, or, for an inline "read also: <a>headline</a>" line, the link-heavy block
    holding it."""
    block: Tag | None = None
    el = node.parent
    while el is not None and el.name not in ("body", "html", "[document]"):
        text = visible_text(el)
        if len(_norm_label(text)) <= max_len:
            block = el
        elif el.name in _BLOCK_TAGS and len(text) < 400 and link_density(el, len(text)) >= _LINK_HEAVY:
            return el
        else:
            break
        el = el.parent
    return block


def _nearest_block(node: NavigableString) -> Tag | None:
    el = node.parent
    while el is not None and el.name not in _BLOCK_TAGS - {"span", "strong", "b", "a"}:
        el = el.parent
    return el if el is not None and el.name not in ("body", "html", "[document]") else None


def _is_link_list(el: Tag) -> bool:
    if el.name in ("ul", "ol"):
        return True
    text = visible_text(el)
    return bool(text) and link_density(el, len(text)) >= _LINK_HEAVY


RULES: tuple[Rule, ...] = (
    Rule("invisible", _invisible, guarded=False),
    Rule("structure", _structural),
    Rule("hidden", _hidden),
    Rule("directive", _directives),
    Rule("class-id", _class_id),
    Rule("label", _labelled_blocks),
    Rule("listing", _listings),
)


def clean(soup: BeautifulSoup, selectors: Selectors | None = None) -> list[RemovedBlock]:
    """Remove furniture from ``soup`` in place; return what was removed, rule by rule."""
    removed: list[RemovedBlock] = []
    guard = _Guard(soup)
    if selectors and selectors.drop:
        for css in selectors.drop:
            for el in _select(soup, css):
                if not _gone(el):
                    _remove(el, f"selector:{css}", removed)
    tags = [el for el in soup.descendants if isinstance(el, Tag)]
    for rule in RULES:
        for el in list(rule.find(soup, tags)):
            if _gone(el) or el.parent is None:
                continue
            if rule.guarded and guard.protects(el):
                continue
            _remove(el, _rule_name(rule, el), removed)
    removed.extend(_strip_template_text(soup, guard))
    return removed


def _gone(el: Tag) -> bool:
    """Whether ``el`` was decomposed (read from __dict__: bs4's attribute lookup would search
    for a child tag of that name)."""
    return el.__dict__.get("_decomposed", False)


def _rule_name(rule: Rule, el: Tag) -> str:
    if rule.name in ("structure", "invisible"):
        return f"{rule.name}:{el.name}"
    if rule.name == "class-id":
        return f"class-id:{attr_words(el)[:60]}"
    return rule.name


def _remove(el: Tag, rule: str, removed: list[RemovedBlock]) -> None:
    if not rule.startswith("invisible"):
        text = visible_text(el)
        if text:
            removed.append(RemovedBlock(rule, text[:200]))
    el.decompose()


def _strip_template_text(soup: BeautifulSoup, guard: _Guard) -> list[RemovedBlock]:
    """Unrendered ``{{ … }}``, ``{% … %}`` and ``${…}``: drop the element when the template
    is all it says, else cut the template out of the text."""
    removed: list[RemovedBlock] = []
    for node in list(soup.find_all(string=_TEMPLATE_TEXT)):
        if isinstance(node, Comment) or node.parent is None:
            continue
        rest = collapse(_TEMPLATE_TEXT.sub(" ", str(node)))
        parent = node.parent
        parent_rest = collapse(_TEMPLATE_TEXT.sub(" ", parent.get_text(" ")))
        if len(parent_rest) < 20 and parent.name not in ("body", "html") and not guard.protects(parent):
            _remove(parent, "template", removed)
        else:
            removed.append(RemovedBlock("template", collapse(str(node))[:200]))
            node.replace_with(rest)
    return removed


def _select(soup: BeautifulSoup, css: str) -> list[Tag]:
    try:
        return soup.select(css)
    except Exception:  # a bad selector in a seed file must not stop extraction
        return []


class _Guard:
    """Keeps elements that hold most of the page's text outside links — a page-wide
    ``<form>``, a wrapper whose class happens to say "widget"."""

    def __init__(self, soup: BeautifulSoup) -> None:
        self.soup = soup
        self.total: int | None = None

    def protects(self, el: Tag) -> bool:
        if el.name in ("html", "body"):
            return True
        if self.total is None:  # measured after the invisible tags (scripts) are gone
            self.total = _unlinked_chars(self.soup.body or self.soup)
        if self.total < 200:
            return False
        needed = _GUARD_SHARE * self.total
        return len(el.get_text()) >= needed and _unlinked_chars(el) >= needed


def _unlinked_chars(el: Tag) -> int:
    total = len(el.get_text())
    return total - sum(len(a.get_text()) for a in el.find_all("a"))
