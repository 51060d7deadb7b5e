"""The article comes out whole whatever class words its container carries (issue 8).

Built from the real Arabic pages with hand-made gold (tests/fixtures/corpus),
never from toy pages: the element that holds the gold body is found from the gold alone
(tests/gold_container.py, not the extractor), and the page is rewritten so that this element
carries a class or attribute that real sites give their article container — WordPress
``post_class()``, Elementor, Bootstrap, Alpine/AngularJS wrappers, RTL theme classes of Arabic
CMSs. Each rewritten page must still give its gold body (token F1 ≥ 0.9 and not far below the
unmodified page's) with none of the page's known furniture.

Cases that fail on the current extractor are marked ``xfail(strict=True)`` with the rule
that breaks them: a mark must go as soon as its case passes.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Callable

import lxml.html
import pytest
from lxml import etree

from crawler.extract import extract_article
from gold_container import GoldContainerPage
from gold_pages import KNOWN_GAPS, GoldPages, body_f1, collapsed

FIXTURES = Path(__file__).parent / "fixtures"
SOURCES = {directory: GoldPages(FIXTURES / directory) for directory in ("corpus",)}
PAGES = [(directory, name) for directory, pages in SOURCES.items()
         for name in pages.names if name.startswith("ar__")]

F1_MIN = 0.9          # the rewritten page's body against the gold
F1_DROP_MAX = 0.05    # and against the unmodified page's body


def gold(page: tuple[str, str]) -> dict:
    directory, name = page
    return SOURCES[directory].gold(name)


@cache
def located(page: tuple[str, str]) -> GoldContainerPage:
    """Each page is parsed and its container located once for the whole module."""
    directory, name = page
    return GoldContainerPage((FIXTURES / directory / f"{name}.html").read_bytes(), gold(page)["body"])


@cache
def unmodified_f1(page: tuple[str, str]) -> float:
    located_page = located(page)
    html = located_page.serialise(located_page.copy())
    return body_f1(extract_article(html, gold(page)["url"]).body, gold(page)["body"])


# --- how a container is rewritten ---------------------------------------------------------

def add_classes(words: str) -> Callable[[etree._Element], None]:
    def rewrite(container: etree._Element) -> None:
        container.set("class", " ".join(filter(None, [container.get("class"), words])))
    return rewrite


def wrapped_in(**attrs: str) -> Callable[[etree._Element], None]:
    """The container moved into a new ``<div>`` carrying ``attrs`` (a JS framework's root)."""
    def rewrite(container: etree._Element) -> None:
        wrapper = etree.Element("div", {name.replace("_", "-"): value for name, value in attrs.items()})
        container.addprevious(wrapper)
        wrapper.tail, container.tail = container.tail, None
        wrapper.append(container)
    return rewrite


def fragment(html: str) -> etree._Element:
    return lxml.html.fragment_fromstring(html)


JEG_SHARE = (
    '<div class="jeg_share_top_container"><div class="jeg_share_button clearfix">'
    '<div class="jeg_share_stats"><div class="jeg_share_count"><div class="counts">24</div>'
    '<span class="sharetext">مشاركة</span></div></div><div class="jeg_sharelist">'
    '<a href="https://www.facebook.com/sharer.php?u=x" class="jeg_btn-facebook expanded">'
    '<i class="fa fa-facebook-official"></i><span>فيسبوك</span></a>'
    '<a href="https://twitter.com/intent/tweet?url=x" class="jeg_btn-twitter expanded">'
    '<i class="fa fa-twitter"></i><span>تويتر</span></a>'
    '<a href="whatsapp://send?text=x" class="jeg_btn-whatsapp"><span>واتساب</span></a>'
    '</div></div></div>'
)
POST_TAGS = (
    '<div class="post-tags"><span>الوسوم:</span> '
    '<a href="/tag/%d8%a7%d9%84%d8%b9%d8%b1%d8%a7%d9%82/" rel="tag">العراق</a> '
    '<a href="/tag/elections/" rel="tag">الانتخابات البرلمانية</a> '
    '<a href="/tag/baghdad/" rel="tag">بغداد</a></div>'
)


def with_share_sibling(container: etree._Element) -> None:
    """JNews: the share bar stands beside the ``content-inner`` that holds the article."""
    add_classes("content-inner")(container)
    container.addprevious(fragment(JEG_SHARE))


def with_post_tags_inside(container: etree._Element) -> None:
    container.append(fragment(POST_TAGS))


# name -> (rewrite, text that rewrite adds and that must not reach the body)
VARIANTS: dict[str, tuple[Callable[[etree._Element], None], tuple[str, ...]]] = {
    "wordpress post_class": (add_classes("post-123 post type-post status-publish format-standard "
                                         "hentry category-politics tag-iraq"), ()),
    "elementor post content widget": (add_classes("elementor-element elementor-widget "
                                                  "elementor-widget-theme-post-content"), ()),
    "content-area has-sidebar": (add_classes("content-area has-sidebar"), ()),
    "article-body readmore-js-section": (add_classes("article-body readmore-js-section"), ()),
    "story share-enabled": (add_classes("story share-enabled"), ()),
    "article-with-comments": (add_classes("article-with-comments"), ()),
    "post-meta-wrap": (add_classes("post-meta-wrap"), ()),
    "alpine x-data wrapper": (wrapped_in(x_data="{ shareOpen: false, fontSize: 18 }"), ()),
    "angularjs ng-controller wrapper": (wrapped_in(ng_controller="ArticleController as vm"), ()),
    "bootstrap d-none d-md-block": (add_classes("d-none d-md-block"), ()),
    "entry-content no-share": (add_classes("entry-content no-share"), ()),
    "td-post-content tagdiv-type": (add_classes("td-post-content tagdiv-type"), ()),
    "jeg_share_top_container beside content-inner": (with_share_sibling, ("فيسبوك", "واتساب")),
    "post-tags inside the body wrapper": (with_post_tags_inside, ("الوسوم", "الانتخابات البرلمانية")),
    "rtl": (add_classes("rtl"), ()),
    "single-post-rtl": (add_classes("single-post-rtl"), ()),
    "post-content-rtl": (add_classes("post-content-rtl"), ()),
}

# (variant, page name) -> the rule that deletes the article. Every case passes since the
# container is chosen before any furniture rule runs (issue 8); add an entry, with its reason,
# only for a case that is known to fail (the marks are strict).
FAILING: dict[tuple[str, str], str] = {}


def _case(variant: str, page: tuple[str, str]):
    # a page whose unmodified body is already a known gap cannot keep it whole either
    reason = FAILING.get((variant, page[1])) or KNOWN_GAPS.get(page[1])
    marks = [pytest.mark.xfail(strict=True, reason=f"issue 8: {reason}")] if reason else []
    return pytest.param(variant, page, marks=marks, id=f"{variant}-{page[1]}")


def rewritten(page: tuple[str, str], variant: str) -> str:
    located_page = located(page)
    tree = located_page.copy()
    VARIANTS[variant][0](located_page.container_in(tree))
    return located_page.serialise(tree)


def test_every_arabic_page_with_gold_is_used():
    assert len(PAGES) >= 10
    for page in PAGES:
        assert located(page).path.startswith("/html")


@pytest.mark.parametrize(("variant", "page"), [_case(v, p) for v in VARIANTS for p in PAGES])
def test_container_class_keeps_the_body_whole(variant, page):
    article = extract_article(rewritten(page, variant), gold(page)["url"])
    f1 = body_f1(article.body, gold(page)["body"])
    assert f1 >= F1_MIN
    assert f1 >= unmodified_f1(page) - F1_DROP_MAX
    body = collapsed(article.body)
    gold_body = collapsed(gold(page)["body"])
    furniture = [*gold(page).get("without", []), *VARIANTS[variant][1]]
    assert [s for s in furniture if collapsed(s) in body and collapsed(s) not in gold_body] == []
