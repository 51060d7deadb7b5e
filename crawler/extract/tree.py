"""The parsed page: one lxml parse per page and the small text helpers every stage shares.

lxml builds the tree in C; BeautifulSoup's tree builder cost as much as the whole of
trafilatura, so the extractor works on lxml elements throughout.
"""

from __future__ import annotations

import re
from functools import lru_cache

from lxml import etree

Element = etree._Element

_PARSER = etree.HTMLParser(remove_comments=True, remove_pis=True, encoding="utf-8",
                           no_network=True)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*>", re.I)
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")

# Tags that never hold visible article text: dropped from the tree right after parsing.
INVISIBLE_TAGS = ("script", "style", "noscript", "template", "svg", "link", "meta", "object",
                  "embed", "canvas", "map", "select", "option", "input", "textarea", "head",
                  "title", "iframe")


def parse(text: str) -> Element | None:
    """The page as an lxml tree (the ``<html>`` element), or None when nothing parses."""
    text = _XML_DECLARATION.sub("", text, count=1)
    if not text.strip():
        return None
    try:
        root = etree.fromstring(text.encode("utf-8", "replace"), _PARSER)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        return None
    return root


def body_of(root: Element) -> Element:
    body = root.find("body")
    return body if body is not None else root


def collapse(text: str) -> str:
    """Whitespace (NBSP and zero-width marks included) collapsed to single spaces."""
    return " ".join(text.replace("\u200c", " ").replace("\u200f", "").replace("\u200e", "").split())


def raw_text(el: Element) -> str:
    return "".join(el.itertext())


def visible_text(el: Element) -> str:
    """The element's text, collapsed (text only: call after the invisible tags are dropped)."""
    return collapse(" ".join(el.itertext()))


def link_chars(el: Element) -> int:
    """Characters of text inside links (the element itself counts when it is a link)."""
    if el.tag == "a":
        return len(raw_text(el))
    return sum(len(raw_text(a)) for a in el.iter("a"))


def unlinked_chars(el: Element) -> int:
    return len(raw_text(el)) - link_chars(el)


def link_density(el: Element, text_len: int | None = None) -> float:
    total = text_len if text_len is not None else len(visible_text(el))
    if not total:
        return 0.0
    linked = sum(len(visible_text(a)) for a in el.iter("a"))
    return min(1.0, linked / total)


def attr_words(el: Element) -> str:
    """class and id of an element as one lower-case string, camelCase split with hyphens.
    Utility classes with a variant (Tailwind's ``lg:mt-md``, ``[&_figcaption]:mt-xs``) are left
    out: they style the element or its descendants and do not name what it is — an article
    whose class styles its ``figcaption``s is not a caption."""
    return _words(el.get("class") or "", el.get("id") or "")


@lru_cache(maxsize=4096)
def _words(cls: str, ident: str) -> str:
    if ":" in cls or "[" in cls:
        cls = " ".join(c for c in cls.split() if ":" not in c and "[" not in c)
    raw = f"{cls} {ident}".strip()
    return _CAMEL.sub("-", raw).lower() if raw else ""


def classes(el: Element) -> list[str]:
    return (el.get("class") or "").lower().split()


def drop(el: Element) -> None:
    """Remove an element from the tree, keeping the text that follows it (its tail)."""
    parent = el.getparent()
    if parent is None:
        return
    tail = el.tail
    if tail:
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(el)


def is_within(el: Element, ancestor: Element) -> bool:
    if el is ancestor:
        return True
    return any(a is ancestor for a in el.iterancestors())


@lru_cache(maxsize=256)
def _compiled(css: str):
    from lxml.cssselect import CSSSelector

    return CSSSelector(css, translator="html")


def select(root: Element, css: str) -> list[Element]:
    """Elements matching a CSS selector; none for a selector that does not compile."""
    try:
        return list(_compiled(css)(root))
    except Exception:  # noqa: BLE001 — a bad selector in a seed file must not stop extraction
        return []


def check_selector(css: str) -> None:
    """Raise ValueError when ``css`` is not a selector the extractor can use."""
    try:
        _compiled(css)
    except Exception as exc:  # noqa: BLE001 — cssselect raises SelectorSyntaxError & co.
        raise ValueError(str(exc)) from exc
