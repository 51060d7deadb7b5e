"""From a page to an ``Article``: metadata first, then clean, then the body.

The body is found by cutting the cleaned page into text blocks (paragraph boundaries at
block-level elements and at ``<br>``), scoring every element by the running text inside it
(long, punctuated, few links — Arabic punctuation counts), taking the best-scoring element as
the article container, and keeping its blocks minus headline, date lines, bylines and
captions. When no single container holds most of the running text, the good blocks of the
whole page are taken instead.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, replace
from datetime import datetime

from bs4 import BeautifulSoup, Comment, NavigableString, Tag

from crawler.extract.arabic import normalize, tokens
from crawler.extract.clean import attr_words, clean, collapse, is_label_block
from crawler.extract.dates import find_text_dates
from crawler.extract.encoding import decode_html
from crawler.extract.safetext import sanitised
from crawler.extract.metadata import (
    find_author,
    find_published,
    find_title,
    is_byline,
    read_meta,
)
from crawler.extract.model import Article, ExtractionCheck, RemovedBlock, Selectors

# Elements that start a new paragraph. Everything else is inline and joins its neighbours.
_BLOCK_LEVEL = frozenset({
    "p", "div", "section", "article", "main", "li", "ul", "ol", "dl", "dd", "dt", "h1", "h2",
    "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tfoot", "tr", "td", "th", "blockquote",
    "figure", "figcaption", "header", "footer", "aside", "nav", "center", "pre", "address",
    "hr", "body", "html", "form", "fieldset", "details", "summary", "caption", "picture",
    "video", "audio", "img",
})
_SKIP = frozenset({"script", "style", "noscript", "template", "svg", "head", "title", "iframe"})
_CAPTION_HINT = re.compile(r"caption|credit|photo-?(?:desc|info)|img-?desc|wp-caption", re.I)
_SENTENCE_PUNCT = re.compile(r"[.!?؟،,؛;:«»\"]")
_HEADINGS = frozenset({"h2", "h3", "h4", "h5", "h6"})
# class/id words of the standfirst a CMS prints just above the article text.
_LEAD_HINT = re.compile(r"(?:^|[-_\s])(?:lead|lede|intro|standfirst|summary|excerpt|abstract)(?:$|[-_\s])")
_LEAD_ITEMPROPS = frozenset({"description", "abstract"})
_LEAD_MAX_CHARS = 1200    # longest standfirst taken into the body

_GOOD_MIN_CHARS = 40      # a block this long, with few links, is running text
_GOOD_MAX_LINKS = 0.35    # link share above which a block is not running text
_LIST_LINKS = 0.5         # link share above which a block is a link list
_FALLBACK_SHARE = 0.55    # the container must hold this share of the page's running text
_SEMANTIC_SHARE = 0.8     # an <article> inside the best container that holds this much wins


@dataclass
class Block:
    """One paragraph-sized run of text and the element it belongs to."""

    text: str
    owner: Tag
    link_chars: int
    in_caption: bool

    @property
    def link_share(self) -> float:
        return self.link_chars / len(self.text) if self.text else 0.0

    @property
    def is_running_text(self) -> bool:
        n = len(self.text)
        if self.in_caption or self.link_share > _GOOD_MAX_LINKS:
            return False
        return n >= _GOOD_MIN_CHARS or (n >= 20 and _SENTENCE_PUNCT.search(self.text) is not None)

    @property
    def weight(self) -> float:
        """How much this block argues for the container holding it."""
        n = len(self.text)
        if self.is_running_text:
            punct = len(_SENTENCE_PUNCT.findall(self.text))
            return n * (1 - self.link_share) + 10 * min(punct, n / 25)
        if self.link_share >= _LIST_LINKS:
            return -0.5 * n
        return 0.0


@sanitised  # terminal-safe, bidi-override-free, bounded title and body (crawler/extract/safetext.py)
def extract_article(html: bytes | str, url: str | None = None, *, selectors: Selectors | None = None,
                    fetched: datetime | None = None, content_type: str | None = None) -> Article:
    """Extract title, body, date and author from one page. Never raises on bad HTML: a page
    with nothing readable gives an ``Article`` with an empty title and body."""
    try:
        return _extract(html, url, selectors, fetched, content_type)
    except RecursionError:
        return Article(url=url, title="", body="")
    except Exception as exc:  # noqa: BLE001 — broken input must never stop a crawl
        # not silent: the check says the extractor raised, and the store records it
        check = ExtractionCheck(status="error", reason=f"{type(exc).__name__}: {exc}")
        try:
            return replace(_extract_plain(html, url, content_type), check=check)
        except Exception:  # noqa: BLE001
            return Article(url=url, title="", body="", check=check)


def _extract(html: bytes | str, url: str | None, selectors: Selectors | None,
             fetched: datetime | None, content_type: str | None) -> Article:
    text = decode_html(html, content_type) if isinstance(html, bytes) else html
    text = text.replace("\x00", "")
    if not text.strip():
        return Article(url=url, title="", body="")
    soup = BeautifulSoup(text, "lxml")
    page = read_meta(soup, url)
    title = find_title(soup, page, selectors)
    published = find_published(soup, page, url, selectors, fetched)
    author = find_author(soup, page, selectors)
    removed = clean(soup, selectors)
    body = _body(soup, title, selectors, removed)
    return Article(url=url, title=title, body=body, published=published, author=author, removed=removed)


def _extract_plain(html: bytes | str, url: str | None, content_type: str | None) -> Article:
    """Last resort for input the tree builder chokes on: the text of its <p> elements."""
    text = decode_html(html, content_type) if isinstance(html, bytes) else html
    soup = BeautifulSoup(text, "html.parser")
    paragraphs = [collapse(p.get_text(" ")) for p in soup.find_all("p")]
    title = collapse(soup.title.get_text(" ")) if soup.title else ""
    return Article(url=url, title=title, body="\n\n".join(p for p in paragraphs if p))


# --- body ----------------------------------------------------------------------------------

def _body(soup: BeautifulSoup, title: str, selectors: Selectors | None,
          removed: list[RemovedBlock]) -> str:
    root: Tag | None = None
    if selectors and selectors.body:
        try:
            found = soup.select(selectors.body)
        except Exception:  # a bad selector in a seed file: fall back to finding the body
            found = []
        if found:
            blocks = [b for el in found for b in blocks_of(el)]
            return _join(b.text for b in _keep(blocks, title, removed, strict=False))
    root = soup.body or soup
    blocks = blocks_of(root)
    if not blocks:
        return ""
    container = _best_container(blocks)
    inside = [b for b in blocks if container is not None and _within(b.owner, container)]
    good_total = sum(len(b.text) for b in blocks if b.is_running_text)
    good_inside = sum(len(b.text) for b in inside if b.is_running_text)
    if container is None or good_total == 0 or good_inside < _FALLBACK_SHARE * good_total:
        chosen = _fallback_blocks(blocks)
        removed.append(RemovedBlock("fallback", "no single container; running-text blocks kept"))
    else:
        chosen = _lead_blocks(blocks, container, inside) + inside
    return _join(b.text for b in _keep(chosen, title, removed, strict=True))


def blocks_of(root: Tag) -> list[Block]:
    """Cut an element into paragraph blocks: a new block at every block-level element and
    every ``<br>``; text inside links counted as link text."""
    blocks: list[Block] = []
    builder = _BlockBuilder(blocks)
    limit = sys.getrecursionlimit()
    try:
        sys.setrecursionlimit(max(limit, 4000))
        builder.walk(root, root, False, False)
    finally:
        sys.setrecursionlimit(limit)
    builder.flush()
    return blocks


class _BlockBuilder:
    def __init__(self, blocks: list[Block]) -> None:
        self.blocks = blocks
        self.parts: list[str] = []
        self.link_chars = 0
        self.owner: Tag | None = None
        self.caption = False

    def flush(self) -> None:
        if self.parts and self.owner is not None:
            text = collapse("".join(self.parts))
            if text:
                links = min(self.link_chars, len(text))
                self.blocks.append(Block(text, self.owner, links, self.caption))
        self.parts, self.link_chars = [], 0

    def walk(self, el: Tag, owner: Tag, in_link: bool, in_caption: bool) -> None:
        for child in el.children:
            if isinstance(child, NavigableString):
                if isinstance(child, Comment) or type(child).__name__ in ("Doctype", "Declaration",
                                                                          "ProcessingInstruction", "CData"):
                    continue
                text = str(child)
                if not text.strip():
                    if self.parts:
                        self.parts.append(" ")
                    continue
                if self.owner is not owner:
                    self.flush()
                    self.owner, self.caption = owner, in_caption
                self.parts.append(text)
                if in_link:
                    self.link_chars += len(collapse(text))
                continue
            if not isinstance(child, Tag):
                continue
            name = child.name
            if name in _SKIP:
                continue
            if name == "br":
                self.flush()
                continue
            caption = in_caption or name in ("figcaption", "figure") or bool(
                child.attrs and _CAPTION_HINT.search(attr_words(child)))
            if name in _BLOCK_LEVEL:
                self.flush()
                self.walk(child, child, in_link or name == "a", caption)
                self.flush()
                self.owner = None
            else:
                self.walk(child, owner, in_link or name == "a", caption)


def _best_container(blocks: list[Block]) -> Tag | None:
    """The element whose blocks weigh most; among equals, the deepest."""
    scores: dict[int, float] = {}
    elements: dict[int, Tag] = {}
    depth: dict[int, int] = {}
    for block in blocks:
        weight = block.weight
        if not weight:
            continue
        el: Tag | None = block.owner
        level = 0
        chain = []
        while el is not None and el.name != "[document]":
            chain.append(el)
            el = el.parent
        for level, anc in enumerate(reversed(chain)):
            key = id(anc)
            scores[key] = scores.get(key, 0.0) + weight
            elements[key] = anc
            depth[key] = level
    if not scores:
        return None
    best = max(scores, key=lambda k: (round(scores[k], 3), depth[k]))
    if scores[best] <= 0:
        return None
    # Semantic markup wins when it holds nearly all of it: <main> around <article> + teasers.
    marked = [k for k, el in elements.items()
              if (el.name == "article" or el.get("itemprop") == "articleBody")
              and scores[k] >= _SEMANTIC_SHARE * scores[best] and _within(el, elements[best])]
    if marked:
        best = max(marked, key=lambda k: (depth[k], scores[k]))
    return elements[best]


def _lead_blocks(blocks: list[Block], container: Tag, inside: list[Block]) -> list[Block]:
    """The standfirst just above the article text: the element right before the container
    (or before one of its near ancestors), with nothing readable between them, marked as a
    lead by its class/id («…__lead», «article-intro», «summary») or by
    ``itemprop=description``, holding running text that the body does not repeat. Many CMSs
    print the first paragraph of the story there and start the body with the second."""
    el: Tag | None = container
    for _ in range(3):
        if el is None or el.name in ("body", "html", "[document]"):
            return []
        sib = el.find_previous_sibling(True)
        while sib is not None and not collapse(sib.get_text(" ")):
            sib = sib.find_previous_sibling(True)
        if sib is not None:
            break
        el = el.parent
    else:
        return []
    itemprop = sib.get("itemprop")
    if not (_LEAD_HINT.search(attr_words(sib))
            or (isinstance(itemprop, str) and itemprop.lower() in _LEAD_ITEMPROPS)):
        return []
    lead = [b for b in blocks if _within(b.owner, sib)]
    chars = sum(len(b.text) for b in lead)
    if (not lead or chars > _LEAD_MAX_CHARS or any(b.in_caption for b in lead)
            or not any(b.is_running_text for b in lead)
            or sum(b.link_chars for b in lead) > _GOOD_MAX_LINKS * chars):
        return []
    said = set(tokens(" ".join(b.text for b in inside[:3])))
    words = tokens(" ".join(b.text for b in lead))
    if not words or sum(w in said for w in words) >= 0.8 * len(words):
        return []
    return lead


def _within(el: Tag, container: Tag) -> bool:
    if el is container:
        return True
    return any(parent is container for parent in el.parents)


def _fallback_blocks(blocks: list[Block]) -> list[Block]:
    """Running-text blocks wherever they are, with the short blocks (subheadings) that
    sit between two of them."""
    keep = [b.is_running_text for b in blocks]
    for i in range(1, len(blocks) - 1):
        if not keep[i] and keep[i - 1] and keep[i + 1] and blocks[i].link_share < _LIST_LINKS:
            keep[i] = True
    return [b for b, k in zip(blocks, keep) if k]


def _keep(blocks: list[Block], title: str, removed: list[RemovedBlock], *, strict: bool) -> list[Block]:
    """Drop the headline, date and byline lines, captions, link lists and labels."""
    title_norm = " ".join(tokens(title))
    kept: list[Block] = []
    seen: set[str] = set()
    for i, block in enumerate(blocks):
        rule = _drop_reason(block, title_norm, strict)
        if rule == "short" and _is_inline_subheading(blocks, i):
            rule = None
        if rule:
            removed.append(RemovedBlock(rule, block.text[:200]))
            continue
        key = " ".join(tokens(block.text))
        if key in seen and len(key) > 0:
            removed.append(RemovedBlock("duplicate", block.text[:200]))
            continue
        seen.add(key)
        kept.append(block)
    return kept


def _drop_reason(block: Block, title_norm: str, strict: bool) -> str | None:
    text = block.text
    norm = " ".join(tokens(text))
    if not norm:
        return "no-words"
    if block.owner.name == "h1" or (title_norm and norm == title_norm):
        return "headline"
    if block.in_caption or _is_image_caption(block):
        return "caption"
    if is_byline(text):
        return "byline"
    if _is_date_line(text):
        return "date-line"
    if is_label_block(block.owner) and len(text) < 80:
        return "label"
    if not strict:
        return None
    if block.link_share >= _LIST_LINKS and len(text) < 300:
        return "link-list"
    if len(text) < 20 and block.owner.name not in ("p", *_HEADINGS) and len(norm.split()) <= 2:
        return "short"
    return None


def _is_inline_subheading(blocks: list[Block], i: int) -> bool:
    """A short line cut out of a running text by ``<br>`` — the in-body subheading of the
    CMSs that write a whole article into one element («…<br><br>روايات وهمية<br><br>…»):
    the same element holds running text just before and just after it."""
    if i == 0 or i == len(blocks) - 1:
        return False
    block, before, after = blocks[i], blocks[i - 1], blocks[i + 1]
    return (block.link_chars == 0 and before.owner is block.owner and after.owner is block.owner
            and before.is_running_text and after.is_running_text)


def _is_image_caption(block: Block) -> bool:
    """A short text that shares a small wrapper with an image and nothing else."""
    if len(block.text) > 250:
        return False
    el: Tag | None = block.owner
    for _ in range(3):
        if el is None or el.name in ("body", "article", "main"):
            return False
        if el.find("img") is not None:
            return len(collapse(el.get_text(" "))) <= len(block.text) + 40
        el = el.parent
    return False


def _is_date_line(text: str) -> bool:
    """A short line that is mostly a date («الجمعة 8 فيفري 2019», «تم نشره … 09:22 مساءً»)."""
    if len(text) > 90 or not re.search(r"\d", text):
        return False
    if not find_text_dates(text):
        return False
    words = [w for w in normalize(text).split() if re.search(r"[^\W\d_]", w)]
    return len(words) <= 8


def _join(paragraphs) -> str:
    return "\n\n".join(p for p in paragraphs if p)
