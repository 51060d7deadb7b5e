"""Remove page furniture around and inside the article container, recording each removal.

The cleaner runs after the container is chosen (crawler/extract/container.py). It is a pipeline of small named rules; each yields the elements it wants gone and
a ``Guard`` decides: the container and its ancestors are never removed, an element holding
more than a small share of the container's text is refused, and so is any removal that would
take the rules past a bounded share of the container's text in all — whatever rule asked.
Every removal, and every refusal, is recorded as a ``RemovedBlock(rule, text)``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

from crawler.extract.lexicon import COMMENT_NOTICE
from crawler.extract.arabic import normalize
from crawler.extract.model import RemovedBlock
from crawler.extract.tree import (
    Element,
    attr_words,
    drop,
    raw_text,
    select,
    visible_text,
)
from crawler.extract.visibility import is_hidden

_FURNITURE_TAGS = frozenset({"nav", "header", "footer", "aside", "form", "button", "menu", "dialog"})
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
_TOKEN_SPLIT = re.compile(r"[-_\s]+")

_LISTING_MIN = 3         # siblings of one shape that make a teaser list
_TEASER_MAX = 400        # longest text of one teaser
_BOX_TITLE_MAX = 60      # what may be left of a teaser box once its teasers are gone
_NOTICE_MAX = 300        # longest comment notice
SMALL_SHARE = 0.34       # an element holding more of the container's running text is kept
BUDGET_SHARE = 0.5       # the rules together may remove at most this share of it
LAYOUT_SHARE = 0.5       # a class name worn by elements holding more of it is layout, not furniture


@lru_cache(maxsize=4096)
def is_furniture_attr(words: str) -> bool:
    if not words:
        return False
    if any(tok in _FURNITURE_TOKENS for tok in _TOKEN_SPLIT.split(words)):
        return True
    return bool(_FURNITURE_SUBSTRINGS.search(words))


class Guard:
    """What the rules may remove: anything outside the container except its ancestors; inside
    it, only blocks holding a small share of its running text, and no more than a bounded share
    of it in all. ``running_of`` gives each element's running text (measured before cleaning)."""

    def __init__(self, roots: list[Element], running_of: dict[Element, int], *,
                 budget: float | None = BUDGET_SHARE) -> None:
        self.roots = roots
        self.running_of = running_of
        self.protected: set[Element] = set()
        for root in roots:
            self.protected.add(root)
            self.protected.update(root.iterancestors())
        self.size = sum(running_of.get(r, 0) for r in roots)
        self.budget = budget
        self.spent = 0

    def inside(self, el: Element) -> bool:
        for a in el.iterancestors():
            if a in self.protected:
                return any(a is r for r in self.roots)
        return False

    def refusal(self, el: Element) -> str | None:
        """None when ``el`` may go, else why not (and nothing is spent)."""
        if el in self.protected:
            return "it holds the article container"
        chars = self.running_of.get(el, 0)
        if not chars or not self.size or not self.inside(el):
            return None
        if chars > SMALL_SHARE * self.size:
            return f"it holds {chars / self.size:.0%} of the container's running text"
        if self.budget is not None and self.spent + chars > self.budget * self.size:
            return f"the rules would remove over {self.budget:.0%} of the container's running text"
        self.spent += chars
        return None


# --- the rules ----------------------------------------------------------------------------

Finder = Callable[[list[Element]], Iterable[Element]]


@dataclass(frozen=True)
class Rule:
    name: str
    find: Finder


def _structural(tags: list[Element]) -> Iterator[Element]:
    return (el for el in tags if el.tag in _FURNITURE_TAGS)


def _hidden(tags: list[Element]) -> Iterator[Element]:
    return (el for el in tags if is_hidden(el))


_DIRECTIVE_START = ("v-", ":", "@", "ng-", "data-ng-", "x-")


def _directives(tags: list[Element]) -> Iterator[Element]:
    for el in tags:
        for name in el.keys():
            if name.startswith(_DIRECTIVE_START) and _DIRECTIVE_ATTR.match(name):
                yield el
                break


def layout_words(roots: list[Element], running_of: dict[Element, int]) -> frozenset[str]:
    """Furniture words that the article's own text wears: the small elements inside the
    container whose class names carry one hold more than half of its running text (a page builder calls
    every block a widget — Elementor's «elementor-widget» on each paragraph; a theme prints
    «has-sidebar» on the story's wrapper). On this page such a word says how it is laid out,
    not what an element is, so it removes nothing; the element's other words still count.
    Not when the container is the whole page: there every widget would wear them."""
    size = sum(running_of.get(r, 0) for r in roots)
    if not size or any(r.tag in ("body", "html") for r in roots):  # the page's words are its own
        return frozenset()
    carried: dict[str, int] = {}
    for root in roots:
        _carriers(root, running_of, carried, frozenset(), SMALL_SHARE * size)
    return frozenset(word for word, chars in carried.items() if chars > LAYOUT_SHARE * size)


def _carriers(el: Element, running_of: dict[Element, int], carried: dict[str, int],
              above: frozenset[str], small: float) -> None:
    """Add each furniture word's running text over the elements the guard would let go (each
    holding a small share of the container), counting an element only when no such ancestor
    already carries the same word. A large element wearing the word is kept by the guard
    anyway; the word is layout when the article's text is spread over many small ones."""
    chars = running_of.get(el, 0)
    if not chars:
        return
    if chars <= small and (el.get("class") or el.get("id")):
        words = furniture_words(attr_words(el))
        for word in words - above:
            carried[word] = carried.get(word, 0) + chars
        above = above | words
    for child in el:
        if isinstance(child.tag, str):
            _carriers(child, running_of, carried, above, small)


@lru_cache(maxsize=4096)
def furniture_words(words: str) -> frozenset[str]:
    """The furniture words found in an element's class/id words (tokens and substrings)."""
    if not words:
        return frozenset()
    found = {tok for tok in _TOKEN_SPLIT.split(words) if tok in _FURNITURE_TOKENS}
    found.update(m.group(0).strip("-") for m in _FURNITURE_SUBSTRINGS.finditer(words))
    return frozenset(found)


def _class_id(tags: list[Element], layout: frozenset[str] = frozenset()) -> Iterator[Element]:
    for el in tags:
        if el.tag in ("html", "body", "main", "head") or not (el.get("class") or el.get("id")):
            continue
        words = attr_words(el)
        if is_furniture_attr(words) and (not layout or not furniture_words(words) <= layout):
            if "comment" in words:
                notice = el.getprevious()
                while notice is not None and not isinstance(notice.tag, str):
                    notice = notice.getprevious()
                if notice is not None and _is_comment_notice(notice):
                    yield notice
            yield el


def _is_comment_notice(el: Element) -> bool:
    """The short block just before a comment section that says how comments work — words
    about comments («التعليقات», «أضف تعليقك», "comments"), not «تعليق» alone, which also
    means a suspension («تعليق الرحلات»)."""
    text = visible_text(el)
    return 0 < len(text) < _NOTICE_MAX and COMMENT_NOTICE.search(normalize(text)) is not None


def _listings(tags: list[Element]) -> Iterator[Element]:
    """Teaser lists: three or more sibling elements of one shape (tag and class), each short
    and led by a link to another story — "related", "more from", category rails."""
    for parent in tags:
        if len(parent) < _LISTING_MIN:
            continue
        groups: dict[tuple, list[Element]] = {}
        for child in parent:
            if isinstance(child.tag, str):
                key = (child.tag, child.get("class") or "")
                groups.setdefault(key, []).append(child)
        for members in groups.values():
            if len(members) >= _LISTING_MIN and all(_is_teaser(m) for m in members):
                yield from members


def _is_teaser(el: Element) -> bool:
    raw = raw_text(el)
    if len(raw) > 3 * _TEASER_MAX:
        return False
    text = " ".join(raw.split())
    if not text or len(text) > _TEASER_MAX:
        return False
    links = [len(visible_text(a)) for a in el.iter("a")]
    if not links or max(links) < 15:
        return False
    return sum(links) / len(text) >= 0.25


RULES: tuple[Rule, ...] = (
    Rule("structure", _structural),
    Rule("hidden", _hidden),
    Rule("directive", _directives),
    Rule("class-id", _class_id),
    Rule("listing", _listings),
)


def prune(page: Element, roots: list[Element], running_of: dict[Element, int], drop_css: tuple[str, ...],
          removed: list[RemovedBlock], *, budget: float | None = BUDGET_SHARE) -> None:
    """Remove furniture from the page in place, guarded around the article container ``roots``."""
    guard = Guard(roots, running_of, budget=budget)
    for css in drop_css:  # the seed's own furniture: only the container is out of reach
        for el in select(page, css):
            if el in guard.protected:
                removed.append(RemovedBlock(f"refused:selector:{css}", "it holds the article container"))
            elif el.getparent() is not None:
                _remove(el, f"selector:{css}", removed)
    body = page.find("body")
    body = body if body is not None else page
    emptied: list[Element] = []
    layout = layout_words(roots, running_of)
    for rule in RULES:
        tags = [el for el in body.iterdescendants() if isinstance(el.tag, str)]
        gone: set[Element] = set()
        found = _class_id(tags, layout) if rule.find is _class_id else rule.find(tags)
        for el in found:
            if el in gone or el.getparent() is None or any(a in gone for a in el.iterancestors()):
                continue
            name = _rule_name(rule, el)
            why = guard.refusal(el)
            if why:
                removed.append(RemovedBlock(f"refused:{name}", f"{why} — {visible_text(el)[:150]}"))
                continue
            gone.add(el)
            parent = el.getparent()
            _remove(el, name, removed)
            if rule.name == "listing" and parent is not None:
                emptied.append(parent)
    for parent in dict.fromkeys(emptied):  # a teaser box's title, its teasers gone: «مواضيع أخرى»
        box = _box_left(parent)
        if box is None:
            continue
        why = guard.refusal(box)
        if why:
            removed.append(RemovedBlock("refused:listing-title", f"{why} — {visible_text(box)[:150]}"))
        else:
            _remove(box, "listing-title", removed)
    _strip_template_text(body, guard, removed)


def _box_left(el: Element) -> Element | None:
    """The largest element around ``el`` that now says only a few words (a box title)."""
    box = None
    while el is not None and el.getparent() is not None and el.tag not in ("body", "html", "main", "article"):
        if len(visible_text(el)) > _BOX_TITLE_MAX:
            break
        box = el
        el = el.getparent()
    return box


def _rule_name(rule: Rule, el: Element) -> str:
    if rule.name == "structure":
        return f"structure:{el.tag}"
    if rule.name == "class-id":
        return f"class-id:{attr_words(el)[:60]}"
    return rule.name


def _remove(el: Element, rule: str, removed: list[RemovedBlock]) -> None:
    text = visible_text(el)
    if text:
        removed.append(RemovedBlock(rule, text[:200]))
    drop(el)


def _strip_template_text(root: Element, guard: Guard, removed: list[RemovedBlock]) -> None:
    """Unrendered ``{{ … }}``, ``{% … %}`` and ``${…}``: drop the element when the template
    is all it says, else cut the template out of the text."""
    for el in list(root.iter()):
        if not isinstance(el.tag, str) or el.getparent() is None and el is not root:
            continue
        for attr in ("text", "tail"):
            value = getattr(el, attr)
            if not value or not _TEMPLATE_TEXT.search(value):
                continue
            if attr == "text":
                rest = " ".join(_TEMPLATE_TEXT.sub(" ", raw_text(el)).split())
                if len(rest) < 20 and el.tag not in ("body", "html") and guard.refusal(el) is None:
                    _remove(el, "template", removed)
                    break
            removed.append(RemovedBlock("template", " ".join(value.split())[:200]))
            setattr(el, attr, _TEMPLATE_TEXT.sub(" ", value))
