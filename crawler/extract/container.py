"""Find the article container before any furniture rule runs.

Evidence, strongest first:

1. the seed's ``[selectors] body``;
2. semantic markup: ``itemprop="articleBody"``, the element holding JSON-LD ``articleBody``'s
   text, the body classes CMSs print (WordPress ``entry-content``, Drupal ``field-name-body``,
   tagDiv ``td-post-content``, JNews ``content-inner``, ``article-body``…), ``<article>`` and
   ``<main>`` — each only when it holds a good share of the page's running text;
3. text density: the element whose blocks weigh most (long punctuated text with few links).

When no element holds most of the running text, the page itself is the container and the
body is its running-text blocks wherever they stand.

What a reader does not see in the article's place — dialogs and hidden elements
(crawler/extract/visibility.py: a site's comment rules in a modal, a login form, a promo
carousel's hidden slides) — is left out of these measures, so it can neither outweigh the
article nor keep any element from holding most of the page's running text. An element that
holds the page's ``<h1>`` or ``<main>``, or nearly all of its running text, is the page's
wrapper, not a dialog, and is measured as usual (a page shown in a popup is still a page).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from crawler.extract.arabic import tokens
from crawler.extract.blocks import Block, running_chars
from crawler.extract.tree import Element, attr_words, collapse, is_within, select
from crawler.extract.visibility import is_dialog, is_styled_hidden

# Body classes that CMSs and themes print around the article text — generic across sites.
CMS_BODY_CLASSES = frozenset({
    "entry-content", "post-content", "post-entry", "entry-body", "post-body", "post-text",
    "field-name-body", "field--name-body", "field-item", "td-post-content", "content-inner",
    "article-body", "article__body", "articlebody", "article_body", "article-content",
    "article__content", "article-text", "article__text", "story-body", "story-content",
    "story__body", "story-text", "news-content", "news-body", "news-text", "itemfulltext",
    "body-text", "text-body", "main-text", "entry__content", "single-content", "post__content",
    "content-body", "detail-body", "details-body", "article-details", "article-detail-body",
})
VALID_SHARE = 0.4      # a semantic candidate must hold this share of the page's running text
SPECIFIC_SHARE = 0.8   # a narrower candidate holding this share of a wider one is preferred
DENSITY_SHARE = 0.55   # the density winner must hold this share, else the page is the container
_SEMANTIC_SHARE = 0.8  # an <article> inside the density winner holding this much wins
_PRIORITY = {"itemprop": 0, "json-ld": 1, "cms-class": 2, "article": 3, "main": 4}
_PAGE_WRAPPER_SHARE = 0.9  # a dialog or hidden element holding this much is the page's wrapper
_SEEN_MIN_SHARE = 0.1      # hidden text is measured when less than this share is left without it
_LISTING_MIN = 3           # sibling comments that make a comment thread
_COMMENT_WORD = re.compile(r"comment(?!ary)", re.I)


@dataclass
class Container:
    """Where the article is, how it was found, and how much running text it holds."""

    roots: list[Element]
    how: str            # selector | itemprop | json-ld | cms-class | article | main | density | page
    detail: str         # the selector, class, or tag that found it
    running_chars: int  # running text inside, before any cleaning
    page_running_chars: int
    running_of: dict[Element, int] = field(default_factory=dict, repr=False)  # every element's

    @property
    def share(self) -> float:
        return self.running_chars / self.page_running_chars if self.page_running_chars else 0.0

    def describe(self) -> str:
        where = f"{self.how} {self.detail}".strip()
        return f"{where}: {self.running_chars} of {self.page_running_chars} running chars ({self.share:.0%})"


class _Tally:
    """Running chars and density score of every element that holds a block, summed from the
    blocks' owners up in one pass over the tree (children before their parents)."""

    def __init__(self, root: Element, blocks: list[Block]) -> None:
        running: dict[Element, int] = {}
        score: dict[Element, float] = {}
        total = 0
        for block in blocks:
            weight = block.weight
            run = len(block.text) if block.is_running_text else 0
            total += run
            if weight or run:
                owner = block.owner
                score[owner] = score.get(owner, 0.0) + weight
                running[owner] = running.get(owner, 0) + run
        for el in reversed(list(root.iter())):
            if el in score:
                parent = el.getparent()
                if parent is not None:
                    score[parent] = score.get(parent, 0.0) + score[el]
                    running[parent] = running.get(parent, 0) + running[el]
        self.running, self.score, self.total = running, score, total
        self._depth: dict[Element, int] = {}

    def chars(self, el: Element) -> int:
        return self.running.get(el, 0)

    def depth(self, el: Element) -> int:
        if el not in self._depth:
            self._depth[el] = sum(1 for _ in el.iterancestors())
        return self._depth[el]


def find_container(root: Element, body: Element, blocks: list[Block], *, selector: str | None,
                   article_body: str = "") -> Container:
    tally = _Tally(root, blocks)
    dialogs, hidden = _unseen(root, tally, is_dialog), _unseen(root, tally, is_styled_hidden)
    dialogs |= _comment_items(root)
    # The furniture rules' guard weighs an element by its text outside dialogs, hidden text
    # included: a dialog is never the article, a hidden part of it («read more») may be.
    if dialogs:
        blocks = [b for b in blocks if b.owner not in dialogs]
        tally = _Tally(root, blocks)
    running_of = tally.running
    if hidden:
        seen = [b for b in blocks if b.owner not in hidden]
        if running_chars(seen) >= _SEEN_MIN_SHARE * tally.total:
            blocks, tally = seen, _Tally(root, seen)
    found = _find(root, body, blocks, tally, selector, article_body)
    found.running_of = running_of
    return found


def _unseen(root: Element, tally: _Tally, kind: Callable[[Element], bool]) -> set[Element]:
    """Every element inside an element of ``kind`` that is not the page itself: one that holds
    the page's ``<h1>`` or ``<main>``, or nearly all of its running text, is a wrapper of the
    page (Drupal's «dialog-off-canvas-main-canvas», a body hidden until its scripts run)."""
    inside: set[Element] = set()
    for el in root.iter():
        if not isinstance(el.tag, str) or el in inside or not tally.chars(el) or not kind(el):
            continue
        if tally.chars(el) >= _PAGE_WRAPPER_SHARE * tally.total or el.find(".//h1") is not None \
                or el.find(".//main") is not None:
            continue
        inside.update(e for e in el.iter() if isinstance(e.tag, str))
    return inside


def _comment_items(root: Element) -> set[Element]:
    """Every element inside a reader's comment: one of three or more siblings whose class or id
    names a comment (WordPress' «comment even depth-1», Slashdot's «comment full»), holding no
    ``<h1>`` or ``<main>``. A long thread can outweigh the story it hangs under; it is never
    the story, so it is left out of the measures like a dialog."""
    inside: set[Element] = set()
    for parent in root.iter():
        if not isinstance(parent.tag, str) or len(parent) < _LISTING_MIN or parent in inside:
            continue
        items = [el for el in parent if isinstance(el.tag, str) and (el.get("class") or el.get("id"))
                 and _COMMENT_WORD.search(attr_words(el))]
        if len(items) < _LISTING_MIN:
            continue
        for item in items:
            if item.find(".//h1") is None and item.find(".//main") is None:
                inside.update(e for e in item.iter() if isinstance(e.tag, str))
    return inside


def _find(root: Element, body: Element, blocks: list[Block], tally: _Tally, selector: str | None,
          article_body: str) -> Container:
    total = tally.total
    if selector:
        found = _outermost(select(root, selector))
        if found and any(collapse(" ".join(el.itertext())) for el in found):
            chars = sum(tally.chars(el) for el in found)
            return Container(found, "selector", selector, chars, total)
    semantic = _semantic(root, blocks, tally, article_body)
    if semantic is not None:
        return semantic
    return _density(body, tally)


def _semantic(root: Element, blocks: list[Block], tally: _Tally, article_body: str) -> Container | None:
    total = tally.total
    if not total:
        return None
    candidates: list[tuple[Element, str, str]] = []
    for el in root.xpath("//*[@itemprop or @role='main'] | //article | //main"):
        if el.get("itemprop", "").lower() == "articlebody":
            candidates.append((el, "itemprop", "articleBody"))
        if el.tag == "article":
            candidates.append((el, "article", "<article>"))
        elif el.tag == "main" or el.get("role") == "main":
            candidates.append((el, "main", f"<{el.tag}>"))
    for el in root.xpath("//*[@class]"):
        hit = _cms_class(el.get("class"))
        if hit:
            candidates.append((el, "cms-class", hit))
    holder = _json_ld_holder(blocks, tally, article_body)
    if holder is not None:
        candidates.append((holder, "json-ld", "articleBody"))
    valid = [c for c in candidates if tally.chars(c[0]) >= VALID_SHARE * total]
    if not valid:
        return None
    widest = max(tally.chars(c[0]) for c in valid)
    close = [c for c in valid if tally.chars(c[0]) >= SPECIFIC_SHARE * widest]
    el, how, detail = min(close, key=lambda c: (tally.chars(c[0]), _PRIORITY[c[1]]))
    if how == "main":  # <main> holds the page's teasers too: look for the article inside it
        inner = _density(el, tally, within=el)
        if inner.how == "density" and inner.running_chars >= SPECIFIC_SHARE * tally.chars(el):
            el, how, detail = inner.roots[0], "main+density", f"<{inner.roots[0].tag}> in <main>"
    return Container([el], how, detail, tally.chars(el), total)


@lru_cache(maxsize=4096)
def _cms_class(value: str) -> str:
    """The CMS body class among an element's classes, or ""."""
    hit = CMS_BODY_CLASSES.intersection(value.lower().split())
    return min(hit) if hit else ""


def _json_ld_holder(blocks: list[Block], tally: _Tally, article_body: str) -> Element | None:
    """The element whose text is JSON-LD's ``articleBody``: found from the block that starts
    it, widened until it holds most of that text."""
    text = collapse(article_body)
    probe = " ".join(tokens(text)[:8])
    if len(text) < 200 or len(probe) < 20:
        return None
    for block in blocks:
        if block.is_running_text and probe in " ".join(tokens(block.text)):
            for el in [block.owner, *block.owner.iterancestors()]:
                if tally.chars(el) >= 0.7 * len(text):
                    return el
            return None
    return None


def _density(body: Element, tally: _Tally, within: Element | None = None) -> Container:
    total = tally.total
    scores = {el: s for el, s in tally.score.items() if within is None or is_within(el, within)}
    if not scores:
        return Container([body], "page", "no running text", tally.chars(body), total)
    top = max(round(v, 3) for v in scores.values())
    best = max((el for el, v in scores.items() if round(v, 3) == top), key=tally.depth)
    if scores[best] <= 0:
        return Container([body], "page", "no running text", tally.chars(body), total)
    marked = [el for el in scores
              if (el.tag == "article" or el.get("itemprop", "").lower() == "articlebody")
              and scores[el] >= _SEMANTIC_SHARE * scores[best] and is_within(el, best)]
    if marked:
        best = max(marked, key=lambda el: (tally.depth(el), scores[el]))
    outer = tally.chars(within) if within is not None else total
    if tally.chars(best) < DENSITY_SHARE * outer:
        if within is not None:
            return Container([within], "page", "", tally.chars(within), total)
        return Container([body], "page", "no single container", tally.chars(body), total)
    return Container([best], "density", f"<{best.tag}{_label(best)}>", tally.chars(best), total)


def _label(el: Element) -> str:
    cls = (el.get("class") or "").split()
    ident = el.get("id")
    return (f" id={ident}" if ident else "") + (f" class={' '.join(cls[:3])}" if cls else "")


def _outermost(els: list[Element]) -> list[Element]:
    return [el for el in els if not _has_ancestor_in(el, els)]


def _has_ancestor_in(el: Element, els: list[Element]) -> bool:
    if not els:
        return False
    ids = {id(e) for e in els if e is not el}
    return any(id(a) in ids for a in el.iterancestors())
