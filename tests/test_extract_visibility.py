"""What a reader does not see in the article's place — a dialog, a hidden block — cannot
outweigh the article when the container is chosen (issue 8).

Built from real pages only: Sputnik Arabic's comment-rules dialog (about 3,000 characters of
rules, more running text than the article beside it there and on most other pages) is taken
from its saved page and put at the end of every other Arabic page of the corpus, marked in
each of the ways real sites mark a dialog or a hidden block. Each page must still give its gold body, without the rules.
"""

from __future__ import annotations

import copy
from functools import cache
from pathlib import Path

import lxml.html
import pytest
from lxml import etree

from crawler.extract import extract_article
from gold_pages import GoldPages, body_f1, collapsed

CORPUS = GoldPages(Path(__file__).parent / "fixtures" / "corpus")
SPUTNIK = "ar__arabic.sputniknews.com__htmldate-1550981615"
RULES = ("يتم حذف تعليق المستخدم في الحالات الآتية", "إذا كان التعليق لا يتفق مع محتوى المنشور")
PAGES = [n for n in CORPUS.names if n.startswith("ar__") and n != SPUTNIK]


@cache
def rules_dialog() -> etree._Element:
    """Sputnik's own comment-rules dialog, as its page has it."""
    tree = lxml.html.fromstring((CORPUS.directory / f"{SPUTNIK}.html").read_bytes())
    (dialog,) = tree.xpath("//div[contains(@class, 'window-comments-rules')]")
    return dialog


def marked(how: str) -> etree._Element:
    dialog = copy.deepcopy(rules_dialog())
    dialog.tail = None
    if how == "modal class":
        return dialog
    for name in list(dialog.attrib):
        del dialog.attrib[name]
    if how == "<dialog>":
        dialog.tag = "dialog"
    elif how == "role=dialog":
        dialog.set("role", "dialog")
        dialog.set("aria-modal", "true")
    elif how == "display:none":
        dialog.set("style", "display: none")
    elif how == "hidden class":
        dialog.set("class", "terms hidden")
    return dialog


def with_dialog(name: str, how: str) -> bytes:
    tree = lxml.html.fromstring((CORPUS.directory / f"{name}.html").read_bytes())
    tree.find("body").append(marked(how))
    return lxml.html.tostring(tree, encoding="utf-8")


def test_the_rules_outweigh_the_article_of_most_pages():
    """The test means something: the dialog holds more text than most pages' gold body."""
    rules = " ".join(rules_dialog().itertext())
    outweighed = [n for n in PAGES if len(rules) > len(CORPUS.gold(n)["body"])]
    assert len(outweighed) >= 0.7 * len(PAGES)


@pytest.mark.parametrize("how", ["modal class", "<dialog>", "role=dialog", "display:none", "hidden class"])
@pytest.mark.parametrize("name", PAGES)
def test_a_dialog_or_hidden_block_does_not_outweigh_the_article(name, how):
    gold = CORPUS.gold(name)
    article = extract_article(with_dialog(name, how), gold["url"])
    assert body_f1(article.body, gold["body"]) >= body_f1(CORPUS.extracted(name).body, gold["body"]) - 0.01
    body = collapsed(article.body)
    assert [s for s in RULES if collapsed(s) in body] == []


def test_a_page_shown_in_a_dialog_is_still_read():
    """When a dialog holds nearly all of the page's text, that text is the page's."""
    gold = CORPUS.gold(PAGES[0])
    tree = lxml.html.fromstring((CORPUS.directory / f"{PAGES[0]}.html").read_bytes())
    body = tree.find("body")
    popup = etree.SubElement(body, "div", {"class": "popup-article", "role": "dialog"})
    for child in list(body)[:-1]:
        popup.append(child)
    article = extract_article(lxml.html.tostring(tree, encoding="utf-8"), gold["url"])
    assert body_f1(article.body, gold["body"]) >= 0.9
