"""Where a saved page keeps its article, found from the hand-made gold and not from the
extractor: the smallest element whose visible text holds at least 90% of the gold body's
normalised tokens (as a multiset). Tests rewrite that element to try the extractor on the
layouts real sites give their article container.

    >>> page = GoldContainerPage(html_bytes, gold_body)
    >>> tree = page.copy()                      # a fresh lxml tree of the page
    >>> container = page.container_in(tree)     # the same element in that copy
    >>> container.set("class", "entry-content no-share")
    >>> html = page.serialise(tree)
"""

from __future__ import annotations

from collections import Counter
from copy import deepcopy

import lxml.html
from lxml import etree

from crawler.extract.arabic import tokens

COVERAGE = 0.9  # share of the gold body's tokens the container must hold
_NO_TEXT = frozenset({"script", "style", "noscript", "template", "head", "title", "svg"})


def visible_text(el: etree._Element) -> str:
    """The text of an element as a reader sees it: no script, style or comments."""
    parts: list[str] = []

    def walk(node: etree._Element) -> None:
        if isinstance(node.tag, str) and node.tag.lower() not in _NO_TEXT:
            if node.text:
                parts.append(node.text)
            for child in node:
                walk(child)
                if child.tail:
                    parts.append(child.tail)

    walk(el)
    return " ".join(parts)


def _covered(el_tokens: Counter, gold: Counter) -> int:
    return sum((el_tokens & gold).values())


class GoldContainerPage:
    """One saved page parsed once with lxml, and the path to its gold body's container."""

    def __init__(self, html: bytes, gold_body: str):
        self.tree = lxml.html.document_fromstring(html)
        gold = Counter(tokens(gold_body))
        need = COVERAGE * sum(gold.values())
        best: etree._Element | None = None
        best_size = None
        for el in self.tree.iter():
            if not isinstance(el.tag, str) or el.tag.lower() in _NO_TEXT:
                continue
            words = Counter(tokens(visible_text(el)))
            size = sum(words.values())
            if size < need or (best_size is not None and size >= best_size):
                continue
            if _covered(words, gold) >= need:
                best, best_size = el, size
        if best is None:
            raise LookupError("no element holds 90% of the gold body")
        self.path = self.tree.getroottree().getpath(best)

    def copy(self) -> etree._Element:
        return deepcopy(self.tree)

    def container_in(self, tree: etree._Element) -> etree._Element:
        (el,) = tree.getroottree().xpath(self.path)
        return el

    @staticmethod
    def serialise(tree: etree._Element) -> str:
        """The page as text: its bytes' declared charset no longer applies."""
        return lxml.html.tostring(tree, encoding="unicode", doctype="<!DOCTYPE html>")
