"""From a page to an ``Article``: find the article first, then clean around it.

1. Parse once with lxml; read title and date from the metadata and the page.
2. Cut the page into text blocks and choose the article container (container.py) before any
   furniture rule runs.
3. Prune furniture inside the container only, guarded so that no rule can take the container,
   an ancestor of it, or more than a bounded share of its text (clean.py).
4. Keep the container's blocks minus headline, captions, link lists and — at the article's
   edges only, where furniture lives — labels, bylines, date lines, disclaimers, copyright.
5. When the result looks wrong (empty, or far shorter than the running text it came from),
   ask trafilatura for a second opinion (second_opinion.py) and record why in ``check``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime

from crawler.extract.arabic import normalize, tokens
from crawler.extract.blocks import GOOD_MAX_LINKS, LIST_LINKS, Block, blocks_of, running_chars
from crawler.extract.clean import BUDGET_SHARE, prune
from crawler.extract.container import Container, find_container
from crawler.extract.counters import is_counter
from crawler.extract.dates import find_text_dates
from crawler.extract.encoding import decode_html
from crawler.extract.interstitial import judge_page, page_markers
from crawler.extract.lexicon import COPYRIGHT, DISCLAIMER_RE, label_match, norm_label, site_phrases
from crawler.extract.metadata import (
    article_body,
    find_author,
    find_published,
    find_title,
    is_byline,
    read_meta,
)
from crawler.extract.model import Article, ExtractionCheck, RemovedBlock, Selectors
from crawler.extract.safetext import sanitised
from crawler.extract.second_opinion import second_opinion
from crawler.extract.tree import (
    INVISIBLE_TAGS,
    Element,
    attr_words,
    body_of,
    collapse,
    drop,
    is_within,
    parse,
    visible_text,
)

_HEADINGS = frozenset({"h2", "h3", "h4", "h5", "h6"})
_ALL_HEADINGS = _HEADINGS | {"h1"}
# A table's cells are data: a short cell («+13.1%») or one repeating another's value is kept.
_CELLS = frozenset({"td", "th"})
_SHORT_KEPT = frozenset({"p", *_HEADINGS, *_CELLS})
# class/id words of the standfirst a CMS prints just above the article text.
_LEAD_HINT = re.compile(r"(?:^|[-_\s])(?:lead|lede|intro|standfirst|summary|excerpt|abstract)(?:$|[-_\s])")
_LEAD_ITEMPROPS = frozenset({"description", "abstract"})
_LEAD_MAX_CHARS = 1200    # longest standfirst taken into the body
_CORE_MIN = 80            # a running-text block this long is the article's own text
_DISCLAIMER_MAX = 600
_COPYRIGHT_MAX = 200
_EMOJI_IMG = re.compile(r"emoji|smiley|wp-smiley", re.I)


@sanitised  # terminal-safe, bidi-override-free, bounded title and body (crawler/extract/safetext.py)
def extract_article(html: bytes | str, url: str | None = None, *, selectors: Selectors | None = None,
                    fetched: datetime | None = None, content_type: str | None = None) -> Article:
    """Extract title, body, date and author from one page. Never raises on bad HTML: a page
    with nothing readable gives an ``Article`` with an empty title and body; an extractor
    error gives the plain text of the page's ``<p>`` elements and ``check.status`` "error"."""
    try:
        return _extract(html, url, selectors, fetched, content_type)
    except Exception as exc:  # noqa: BLE001 — broken input must never stop a crawl
        # not silent: the check says the extractor raised, and the store records it
        check = ExtractionCheck("error", f"{type(exc).__name__}: {exc}"[:300])
        try:
            article = _extract_plain(html, url, content_type)
        except Exception:  # noqa: BLE001
            article = Article(url=url, title="", body="")
        article.check = ExtractionCheck(check.status, check.reason, body_chars=len(article.body))
        return article


def _extract(html: bytes | str, url: str | None, selectors: Selectors | None,
             fetched: datetime | None, content_type: str | None) -> Article:
    text = decode_html(html, content_type) if isinstance(html, bytes) else html
    text = text.replace("\x00", "")
    root = parse(text) if text.strip() else None
    if root is None:
        return Article(url=url, title="", body="", check=ExtractionCheck("empty", "no HTML to read"))
    page = read_meta(root, url)
    title = find_title(root, page, selectors)
    published = find_published(root, page, url, selectors, fetched)
    markers = page_markers(root, page.jsonld, page.meta)
    for el in list(root.iter(*INVISIBLE_TAGS)):
        drop(el)
    body_el = body_of(root)
    blocks = blocks_of(body_el)
    author = find_author(root, blocks, page, selectors)
    container = find_container(root, body_el, blocks, selector=selectors.body if selectors else None,
                               article_body=article_body(page))
    removed = [RemovedBlock("container", container.describe())]
    lead = _lead_blocks(container) if container.how not in ("page", "selector") else []
    whole_page = container.how == "page" or container.roots[0].tag in ("body", "html")
    prune(root, container.roots, container.running_of, selectors.drop if selectors else (), removed,
          budget=None if whole_page else BUDGET_SHARE)
    inside = [b for el in container.roots for b in blocks_of(el)]
    if container.how == "page":
        chosen = _fallback_blocks(inside)
    else:
        chosen = lead + inside
    phrases = site_phrases(selectors.drop_text) if selectors else None
    kept = _keep(chosen, title, removed, strict=container.how != "selector", phrases=phrases)
    if container.how != "page":
        _record_outside(blocks, container, removed)
    body = _join(b.text for b in kept)
    article = Article(url=url, title=title, body=body, published=published, author=author,
                      removed=removed, paywalled=markers.paywalled,
                      interstitial=judge_page(markers, page.html_title or title, body,
                                                   container.how))
    article.check = second_opinion(article, text, url, container,
                                 pruned_running=running_chars(inside), page_running=container.page_running_chars,
                                 page_text=sum(len(b.text) for b in blocks))
    return article


def _record_outside(blocks: list[Block], container: Container, removed: list[RemovedBlock]) -> None:
    """For ``--explain``: the furniture labels that stood outside the container (they are not
    in the body; the record says what they were)."""
    roots = container.roots
    for block in blocks:
        if (len(block.text) < 120 and label_match(block.text, block.link_share, at_edge=True)
                and not any(is_within(block.owner, r) for r in roots)):
            removed.append(RemovedBlock("label", block.text[:200]))


def _extract_plain(html: bytes | str, url: str | None, content_type: str | None) -> Article:
    """Last resort for input the tree builder chokes on: the text of its <p> elements."""
    from bs4 import BeautifulSoup  # only on this error path

    text = decode_html(html, content_type) if isinstance(html, bytes) else html
    soup = BeautifulSoup(text, "html.parser")
    paragraphs = [collapse(p.get_text(" ")) for p in soup.find_all("p")]
    title = collapse(soup.title.get_text(" ")) if soup.title else ""
    return Article(url=url, title=title, body="\n\n".join(p for p in paragraphs if p))


# --- body ----------------------------------------------------------------------------------

def _lead_blocks(container: Container) -> list[Block]:
    """The standfirst just above the article text: the element right before the container
    (or before one of its near ancestors), with nothing readable between them, marked as a
    lead by its class/id («…__lead», «article-intro», «summary») or by
    ``itemprop=description``, holding running text that the body does not repeat. Many CMSs
    print the first paragraph of the story there and start the body with the second."""
    el: Element | None = container.roots[0]
    sib = None
    for _ in range(3):
        if el is None or el.tag in ("body", "html"):
            return []
        sib = el.getprevious()
        while sib is not None and (not isinstance(sib.tag, str) or not visible_text(sib)):
            sib = sib.getprevious()
        if sib is not None:
            break
        el = el.getparent()
    if sib is None:
        return []
    itemprop = sib.get("itemprop")
    if not (_LEAD_HINT.search(attr_words(sib)) or (itemprop and itemprop.lower() in _LEAD_ITEMPROPS)):
        return []
    lead = blocks_of(sib)
    chars = sum(len(b.text) for b in lead)
    if (not lead or chars > _LEAD_MAX_CHARS or any(b.in_caption for b in lead)
            or not any(b.is_running_text for b in lead)
            or sum(b.link_chars for b in lead) > GOOD_MAX_LINKS * chars):
        return []
    said = set(tokens(" ".join(b.text for b in blocks_of(container.roots[0])[:3])))
    words = tokens(" ".join(b.text for b in lead))
    if not words or sum(w in said for w in words) >= 0.8 * len(words):
        return []
    return lead


def _fallback_blocks(blocks: list[Block]) -> list[Block]:
    """Running-text blocks wherever they are, with the short blocks (subheadings) that
    sit between two of them."""
    keep = [b.is_running_text for b in blocks]
    for i in range(1, len(blocks) - 1):
        if not keep[i] and keep[i - 1] and keep[i + 1] and blocks[i].link_share < LIST_LINKS:
            keep[i] = True
    return [b for b, k in zip(blocks, keep) if k]


def _keep(blocks: list[Block], title: str, removed: list[RemovedBlock], *, strict: bool,
          phrases: re.Pattern[str] | None) -> list[Block]:
    """Drop the headline, captions, link lists and labels; at the edges of the article also
    bylines, date lines, disclaimers and copyright lines."""
    title_norm = " ".join(tokens(title))
    core = [i for i, b in enumerate(blocks)
            if b.is_running_text and len(b.text) >= _CORE_MIN and b.owner.tag not in _ALL_HEADINGS
            and _edge_phrase(b) is None]
    first, last = (core[0], core[-1]) if core else (len(blocks), -1)
    kept: list[Block] = []
    seen: set[str] = set()
    pictures = _Pictures()
    for i, block in enumerate(blocks):
        at_edge = not first < i < last
        rule = _drop_reason(block, title_norm, strict, at_edge, phrases, pictures)
        if rule == "short" and _is_inline_subheading(blocks, i):
            rule = None
        if rule:
            removed.append(RemovedBlock(rule, block.text[:200]))
            continue
        key = " ".join(tokens(block.text))
        if key in seen and len(key) > 0 and block.owner.tag not in _CELLS:
            removed.append(RemovedBlock("duplicate", block.text[:200]))
            continue
        seen.add(key)
        kept.append(block)
    return kept


def _drop_reason(block: Block, title_norm: str, strict: bool, at_edge: bool,
                 phrases: re.Pattern[str] | None, pictures: _Pictures) -> str | None:
    text = block.text
    norm = " ".join(tokens(text))
    if not norm:
        return "no-words"
    if block.owner.tag == "h1" or (title_norm and norm == title_norm):
        return "headline"
    if block.in_caption or _is_image_caption(block, pictures):
        return "caption"
    if is_counter(text, attr_words(block.owner)):  # views, reading time...: wherever it stands
        return "counter"
    if phrases is not None and len(text) < 1000 and phrases.search(norm_label(text)):
        return "drop_text"
    if len(text) < 120 and label_match(text, block.link_share, at_edge=at_edge):
        return "label"
    if at_edge:
        rule = _edge_phrase(block)
        if rule:
            return rule
    if not strict:
        return None
    if block.link_share >= LIST_LINKS and len(text) < 300:
        return "link-list"
    if len(text) < 20 and block.owner.tag not in _SHORT_KEPT and len(norm.split()) <= 2:
        return "short"
    return None


def _edge_phrase(block: Block) -> str | None:
    """The phrase rules that hold only where furniture lives: outside the container or at its
    edges, never on a sentence in the middle of the article."""
    text = block.text
    if len(text) < 120 and label_match(text, block.link_share, at_edge=True):
        return "label"
    if is_byline(text):
        return "byline"
    if _is_date_line(text):
        return "date-line"
    if len(text) < _COPYRIGHT_MAX and COPYRIGHT.search(normalize(text)):
        return "copyright"
    if len(text) < _DISCLAIMER_MAX and DISCLAIMER_RE.search(norm_label(text)):
        return "disclaimer"
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


class _Pictures:
    """Whether an element holds a picture, and its text's length, each worked out once per
    page: every short block asks about the same few wrappers (the tree no longer changes)."""

    def __init__(self) -> None:
        self._holds: dict[Element, bool] = {}
        self._chars: dict[Element, int] = {}

    def holds_picture(self, el: Element) -> bool:
        holds = self._holds.get(el)
        if holds is None:
            holds = self._holds[el] = any(_is_picture(img) for img in el.iter("img"))
        return holds

    def chars(self, el: Element) -> int:
        chars = self._chars.get(el)
        if chars is None:
            chars = self._chars[el] = len(visible_text(el))
        return chars


def _is_image_caption(block: Block, pictures: _Pictures) -> bool:
    """A short text that shares a small wrapper with a picture (not an emoji) and nothing else."""
    if len(block.text) > 250:
        return False
    el: Element | None = block.owner
    for _ in range(3):
        if el is None or el.tag in ("body", "article", "main"):
            return False
        if pictures.holds_picture(el):
            return pictures.chars(el) <= len(block.text) + 40
        el = el.getparent()
    return False


def _is_picture(img: Element) -> bool:
    """An image that shows something — not an emoji or a smiley drawn as ``<img>``."""
    if _EMOJI_IMG.search(f"{img.get('class') or ''} {img.get('src') or ''}"):
        return False
    for size in (img.get("width"), img.get("height")):
        if size and size.strip().isdigit() and int(size) <= 32:
            return False
    alt = (img.get("alt") or "").strip()
    return not (alt and len(alt) <= 2 and not alt.isalnum())


def _is_date_line(text: str) -> bool:
    """A short line that is mostly a date («الجمعة 8 فيفري 2019», «تم نشره … 09:22 مساءً»),
    not a sentence ending in a full stop."""
    if len(text) > 90 or not re.search(r"\d", text) or text.rstrip().endswith((".", "!", "؟", "?")):
        return False
    if not find_text_dates(text):
        return False
    words = [w for w in normalize(text).split() if re.search(r"[^\W\d_]", w)]
    return len(words) <= 8


def _join(paragraphs: Iterable[str]) -> str:
    return "\n\n".join(p for p in paragraphs if p)
