"""A page cut into text blocks: paragraph-sized runs of text and the element each belongs to.

A new block starts at every block-level element and every ``<br>``; text inside links is
counted as link text; text inside a figure or a caption-named element is marked as caption.
Running text — long or punctuated, with few links (Arabic punctuation counts) — is what the
article container is found by and measured in.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from functools import lru_cache

from crawler.extract.tree import Element, attr_words, collapse

# Elements that start a new paragraph. Everything else is inline and joins its neighbours.
BLOCK_LEVEL = frozenset({
    "p", "div", "section", "article", "main", "li", "ul", "ol", "dl", "dd", "dt", "h1", "h2",
    "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tfoot", "tr", "td", "th", "blockquote",
    "figure", "figcaption", "header", "footer", "aside", "nav", "center", "pre", "address",
    "hr", "body", "html", "form", "fieldset", "details", "summary", "caption", "picture",
    "video", "audio", "img",
})
_SKIP = frozenset({"script", "style", "noscript", "template", "svg", "head", "title", "iframe"})
_CAPTION_HINT = re.compile(r"caption|credit|photo-?(?:desc|info)|img-?desc|wp-caption", re.I)
SENTENCE_PUNCT = re.compile(r"[.!?؟،,؛;:«»\"]")

GOOD_MIN_CHARS = 40       # a block this long, with few links, is running text
GOOD_MAX_LINKS = 0.35     # link share above which a block is not running text
LIST_LINKS = 0.5          # link share above which a block is a link list
CAPTION_MAX_CHARS = 1500  # text of the longest element a caption-like class marks as caption


@dataclass
class Block:
    """One paragraph-sized run of text and the element it belongs to."""

    text: str
    owner: Element
    link_chars: int
    in_caption: bool

    @property
    def link_share(self) -> float:
        return self.link_chars / len(self.text) if self.text else 0.0

    @property
    def is_running_text(self) -> bool:
        n = len(self.text)
        if self.in_caption or self.link_share > GOOD_MAX_LINKS:
            return False
        return n >= GOOD_MIN_CHARS or (n >= 20 and SENTENCE_PUNCT.search(self.text) is not None)

    @property
    def weight(self) -> float:
        """How much this block argues for the container holding it."""
        n = len(self.text)
        if self.is_running_text:
            punct = len(SENTENCE_PUNCT.findall(self.text))
            return n * (1 - self.link_share) + 10 * min(punct, n / 25)
        if self.link_share >= LIST_LINKS:
            return -0.5 * n
        return 0.0


@lru_cache(maxsize=4096)
def _is_caption_attr(words: str) -> bool:
    return _CAPTION_HINT.search(words) is not None


def _is_picture_figure(el: Element) -> bool:
    """A ``<figure>`` of a picture, whose text is its caption — not one holding a table or a
    code listing (WordPress' «wp-block-table»), whose text is the article's."""
    return next(el.iter("table", "pre"), None) is None


def _is_caption_sized(el: Element) -> bool:
    """A caption is a line or two under a picture: an element named like one that holds a
    heading or more text than a long caption is a wrapper whose class says something else
    (WordPress prints ``category-tax-credits`` on the ``<article>`` itself)."""
    if len("".join(el.itertext())) > CAPTION_MAX_CHARS:
        return False
    return next(el.iter("h1", "h2", "h3", "h4", "h5", "h6"), None) is None


def blocks_of(root: Element) -> list[Block]:
    """Cut an element into paragraph blocks."""
    blocks: list[Block] = []
    builder = _BlockBuilder(blocks)
    limit = sys.getrecursionlimit()
    try:
        sys.setrecursionlimit(max(limit, 4000))
        builder.walk(root, root, root.tag == "a", False)
    finally:
        sys.setrecursionlimit(limit)
    builder.flush()
    return blocks


def running_chars(blocks: list[Block]) -> int:
    return sum(len(b.text) for b in blocks if b.is_running_text)


class _BlockBuilder:
    def __init__(self, blocks: list[Block]) -> None:
        self.blocks = blocks
        self.parts: list[str] = []
        self.link_chars = 0
        self.owner: Element | None = None
        self.caption = False

    def flush(self) -> None:
        if self.parts and self.owner is not None:
            text = collapse("".join(self.parts))
            if text:
                links = min(self.link_chars, len(text))
                self.blocks.append(Block(text, self.owner, links, self.caption))
        self.parts, self.link_chars = [], 0

    def text(self, text: str, owner: Element, in_link: bool, in_caption: bool) -> None:
        if not text.strip():
            if self.parts:
                self.parts.append(" ")
            return
        if self.owner is not owner:
            self.flush()
            self.owner, self.caption = owner, in_caption
        self.parts.append(text)
        if in_link:
            self.link_chars += len(collapse(text))

    def walk(self, el: Element, owner: Element, in_link: bool, in_caption: bool) -> None:
        if el.text:
            self.text(el.text, owner, in_link, in_caption)
        for child in el:
            name = child.tag
            if isinstance(name, str) and name not in _SKIP:
                if name == "br":
                    self.flush()
                else:
                    caption = in_caption or name == "figcaption" or (name == "figure" and _is_picture_figure(child)) or (
                        (child.get("class") or child.get("id")) is not None
                        and _is_caption_attr(attr_words(child)) and _is_caption_sized(child))
                    link = in_link or name == "a"
                    if name in BLOCK_LEVEL:
                        self.flush()
                        self.walk(child, child, link, caption)
                        self.flush()
                        self.owner = None
                    else:
                        self.walk(child, owner, link, caption)
            if child.tail:
                self.text(child.tail, owner, in_link, in_caption)
