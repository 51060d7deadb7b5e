"""Title, author and publication date of a page, read before the cleaner runs (on lxml).

Sources, strongest first: the per-site selectors, JSON-LD (``NewsArticle`` & co., inside
``@graph`` or lists), OpenGraph and other ``<meta>``, the visible headline and byline, the
URL, and dates in the visible text.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

from lxml import etree

from crawler.extract.arabic import tokens
from crawler.extract.blocks import Block
from crawler.extract.dates import date_from_url, find_text_dates, parse_machine_date
from crawler.extract.model import Selectors
from crawler.extract.tree import Element, body_of, collapse, select, visible_text

_ARTICLE_TYPES = frozenset({
    "article", "newsarticle", "reportagenews", "analysisnewsarticle", "opinionnewsarticle",
    "backgroundnewsarticle", "reviewnewsarticle", "blogposting", "liveblogposting",
    "scholarlyarticle", "report", "webpage",
})
_TITLE_SEPARATORS = re.compile(r"\s+[|\-–—:»«]{1,2}\s+|\s*\|\s*")
_DATE_META = (
    "article:published_time", "og:published_time", "og:article:published_time",
    "article:published", "datepublished", "pubdate", "publishdate", "publish-date",
    "publish_date", "published_time", "date", "dc.date", "dc.date.issued", "dc.date.created",
    "dcterms.date", "dcterms.created", "dcterms.issued", "sailthru.date", "parsely-pub-date",
    "article.published", "original-publish-date", "datecreated", "created", "citation_date",
    "citation_publication_date",
)
_DATE_ATTR_HINT = re.compile(r"publish|date|time|created|posted|تاريخ", re.I)
# A byline: a word that introduces the writer, then a name. «تقرير», «تحرير», «إعداد»,
# «متابعة» and «حوار» also start sentences («تحرير الموصل استغرق…», «تقرير الأمم المتحدة…»),
# so after them the name must follow a colon or a dash.
_BYLINE = re.compile(
    r"^(?:(?:كتبت|كتبه|كتب|بقلم|حاوره|حاورته|by|written by)\s*[:：\-–]?"
    r"|(?:حوار|إعداد|اعداد|تقرير|تحرير|متابعة)\s*[:：\-–])"
    r"\s*(?P<name>[^\d،,:|!?؟\n]{3,60}?)\s*$",
    re.I,
)
_BYLINE_MAX_WORDS = 6
_AUTHOR_META = ("author", "article:author", "dc.creator", "byl", "sailthru.author", "parsely-author")


@dataclass
class PageMeta:
    """What the page says about itself, gathered once and used by every field."""

    jsonld: list[dict] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)
    site_names: set[str] = field(default_factory=set)
    title_affixes: set[str] = field(default_factory=set)  # short end parts of <title>/og:title
    html_title: str = ""

    @property
    def articles(self) -> list[dict]:
        found = [n for n in self.jsonld if _types(n) & (_ARTICLE_TYPES - {"webpage"})]
        return found or [n for n in self.jsonld if "webpage" in _types(n)]


def read_meta(root: Element, url: str | None) -> PageMeta:
    page = PageMeta()
    for script in root.iter("script"):
        if "ld+json" in (script.get("type") or "").lower():
            page.jsonld.extend(_jsonld_nodes("".join(script.itertext())))
    for tag in root.iter("meta"):
        key = tag.get("property") or tag.get("name") or tag.get("itemprop")
        value = tag.get("content")
        if isinstance(key, str) and isinstance(value, str) and value.strip():
            page.meta.setdefault(key.strip().lower(), html.unescape(value.strip()))
    for key in ("og:site_name", "application-name", "twitter:site", "publisher", "copyright"):
        if page.meta.get(key):
            page.site_names.add(page.meta[key].lstrip("@"))
    for node in page.jsonld:
        if _types(node) & {"organization", "newsmediaorganization", "website"} and node.get("name"):
            page.site_names.add(str(node["name"]))
        publisher = node.get("publisher")
        if isinstance(publisher, dict) and publisher.get("name"):
            page.site_names.add(str(publisher["name"]))
    title = root.find(".//title")
    page.html_title = collapse(" ".join(title.itertext())) if title is not None else ""
    for text in (page.meta.get("og:title"), page.html_title):
        parts = [p.strip() for p in _TITLE_SEPARATORS.split(text or "") if p.strip()]
        if len(parts) >= 2:
            page.title_affixes.update(p for p in (parts[0], parts[-1]) if len(p.split()) <= 4)
    if url:
        host = urlsplit(url).hostname or ""
        labels = [lbl for lbl in host.split(".") if lbl not in ("www", "m", "ar", "arabic")]
        if labels:
            page.site_names.add(max(labels[:-1] or labels, key=len))
    return page


def article_body(page: PageMeta) -> str:
    """JSON-LD's ``articleBody``, when the page gives one."""
    for node in page.articles:
        text = _text(node.get("articleBody"))
        if text:
            return text
    return ""


def _jsonld_nodes(text: str) -> Iterator[dict]:
    try:
        data = json.loads(text.strip().rstrip(";"), strict=False)
    except (ValueError, RecursionError):
        return
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(reversed(item))
        elif isinstance(item, dict):
            yield item
            if "@graph" in item:
                stack.append(item["@graph"])


def _types(node: dict) -> set[str]:
    kind = node.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return {k.lower() for k in kinds if isinstance(k, str)}


def _text(value: object) -> str:
    if isinstance(value, list):
        value = value[0] if value else ""
    if isinstance(value, dict):
        value = value.get("name") or value.get("@value") or ""
    return collapse(html.unescape(str(value))) if value else ""


def _select_text(root: Element, css: str | None) -> str:
    if not css:
        return ""
    found = select(root, css)
    if not found:
        return ""
    el = found[0]
    return collapse(el.get("content") or el.get("datetime") or " ".join(el.itertext()))


# --- title ---------------------------------------------------------------------------------

def find_title(root: Element, page: PageMeta, selectors: Selectors | None = None) -> str:
    """The headline: the visible ``<h1>`` that agrees with the metadata, else JSON-LD
    headline, OpenGraph, then ``<title>`` with the site name stripped."""
    chosen = _select_text(root, selectors.title if selectors else None)
    if chosen:
        return chosen
    strong = [strip_site_name(t, page.site_names) for t in _meta_titles(page) if t]
    weak = [strip_site_name(page.html_title, page.site_names)] if page.html_title else []
    weak = [t for t in weak if t]
    headings = [visible_text(h) for h in body_of(root).iter("h1")]
    headings = [h for h in headings if 3 <= len(h) <= 400 and not _is_site_name(h, page)]
    best, best_score = "", 0.0
    for heading in headings:
        score = max((_similarity(heading, t) for t in strong + weak), default=0.0)
        if score > best_score:
            best, best_score = heading, score
    if best and best_score >= 0.6:
        return best
    if strong:
        return strong[0]
    if headings:
        return headings[0]
    return weak[0] if weak else ""


def _meta_titles(page: PageMeta) -> Iterator[str]:
    for node in page.articles:
        yield _text(node.get("headline") or node.get("name"))
    for key in ("og:title", "twitter:title", "title", "dc.title", "headline"):
        if page.meta.get(key):
            yield collapse(page.meta[key])


def strip_site_name(title: str, site_names: set[str]) -> str:
    """«خبر ما - اليوم السابع» -> «خبر ما»: drop the parts of a title that name the site,
    or, when none does, short end parts beside a much longer headline part."""
    parts = [p.strip() for p in _TITLE_SEPARATORS.split(title) if p.strip()]
    if len(parts) < 2:
        return title.strip()
    names = {" ".join(tokens(n)) for n in site_names if n}
    names = {n for n in names if n}

    def is_site(part: str) -> bool:
        norm = " ".join(tokens(part))
        squashed = norm.replace(" ", "")
        return any(norm == n or squashed == n.replace(" ", "") or (len(norm) > 2 and norm in n)
                   or (len(n) > 3 and n in norm and len(norm) <= len(n) + 12) for n in names)

    kept = [p for p in parts if not is_site(p)]
    if kept and len(kept) < len(parts):
        return _rejoin(title, kept)
    longest = max(parts, key=len)
    others = [p for p in parts if p is not longest]
    if all(len(p.split()) <= 4 for p in others):
        # "|" nearly always separates a site or section name; dashes do so less surely.
        if "|" in title or len(longest) >= 2 * max(len(p) for p in others):
            return longest
    return title.strip()


def _rejoin(title: str, kept: list[str]) -> str:
    """The span of the original title from the first to the last kept part."""
    start = title.find(kept[0])
    end = title.rfind(kept[-1]) + len(kept[-1])
    if start < 0 or end <= start:
        return kept[0]
    return title[start:end].strip()


def _similarity(a: str, b: str) -> float:
    ta, tb = set(tokens(a)), set(tokens(b))
    if not ta or not tb:
        return 0.0
    return len(ta & tb) / max(len(ta), len(tb))


# --- author --------------------------------------------------------------------------------

def find_author(root: Element, blocks: list[Block], page: PageMeta,
                selectors: Selectors | None = None) -> str | None:
    """A person's name: selectors, JSON-LD author, a byline element («كتب …», «بقلم …»,
    «تحرير: …»), meta author — never just the site or organisation, never a sentence."""
    chosen = _select_text(root, selectors.author if selectors else None)
    if chosen:
        return _byline_name(chosen) or chosen
    for node in page.articles:
        names = _author_names(node.get("author"))
        if names:
            return ", ".join(names)
    byline = find_byline(blocks)
    if byline:
        return byline
    for key in _AUTHOR_META:
        value = page.meta.get(key)
        if value and not value.startswith("http") and not _is_site_name(value, page):
            return collapse(value)
    return None


def _author_names(value: object) -> list[str]:
    items = value if isinstance(value, list) else [value]
    names = []
    for item in items:
        if isinstance(item, dict):
            if _types(item) & {"organization", "newsmediaorganization"}:
                continue
            name = _text(item.get("name"))
        else:
            name = _text(item) if item else ""
        if name and not name.startswith("http"):
            names.append(name)
    return names


def find_byline(blocks: list[Block]) -> str | None:
    """The name in the first byline element: a whole short block, or a short inline element
    of one («<span class="byline">كتب …</span> <span>date</span>») — not the start of a sentence."""
    for block in blocks:
        if block.owner.tag == "a" or block.link_share > 0.6 or len(block.text) > 200:
            continue
        name = _byline_name(block.text)
        if name:
            return name
        for el in block.owner.iterdescendants():
            if isinstance(el.tag, str) and el.tag not in ("a", "script", "style") and el.text:
                name = _byline_name(visible_text(el))
                if name:
                    return name
    return None


def _byline_name(text: str) -> str | None:
    if len(text) > 70:
        return None
    match = _BYLINE.match(text)
    if not match:
        return None
    name = collapse(match["name"])
    return name if len(name.split()) <= _BYLINE_MAX_WORDS else None


def is_byline(text: str) -> bool:
    return _byline_name(text) is not None


def _is_site_name(value: str, page: PageMeta) -> bool:
    norm = " ".join(tokens(value))
    if any(norm == " ".join(tokens(affix)) for affix in page.title_affixes):
        return True
    for name in page.site_names:
        other = " ".join(tokens(name))
        if other and (norm == other or norm in other or other in norm):
            return True
    return False


# --- published -----------------------------------------------------------------------------

def find_published(root: Element, page: PageMeta, url: str | None,
                   selectors: Selectors | None = None, fetched: datetime | None = None) -> str | None:
    """When the article was published: selectors, JSON-LD, meta, ``itemprop``/RDFa,
    ``<time>``, the URL, then a date written near the headline or anywhere visible."""
    chosen = _select_text(root, selectors.published if selectors else None)
    if chosen:
        found = parse_machine_date(chosen) or _first(find_text_dates(chosen, fetched))
        if found:
            return found
    for node in page.articles:
        found = parse_machine_date(_text(node.get("datePublished") or node.get("dateCreated")))
        if found:
            return found
    for key in _DATE_META:
        found = parse_machine_date(page.meta.get(key))
        if found:
            return found
    for el in root.iter():
        itemprop = el.get("itemprop")
        if itemprop and _ITEMPROP_DATE.search(itemprop):
            found = parse_machine_date(el.get("content") or el.get("datetime") or " ".join(el.itertext()))
            if found:
                return found
    for el in root.iter():
        prop = el.get("property")
        if prop and _RDFA_DATE.match(prop):
            found = parse_machine_date(el.get("content") or " ".join(el.itertext()))
            if found:
                return found
    for el in root.iter("time"):
        found = parse_machine_date(el.get("datetime") or "") or _first(
            find_text_dates(" ".join(el.itertext()), fetched))
        if found:
            return found
    found = date_from_url(url)
    if found:
        return found
    return _visible_date(body_of(root), fetched)


_ITEMPROP_DATE = re.compile("datePublished|dateCreated", re.I)
_RDFA_DATE = re.compile(r"^(dc|dcterms):(date|created|issued)$", re.I)
_NO_TEXT = frozenset({"script", "style", "noscript", "a", "option", "template"})


def _text_nodes(body: Element) -> Iterator[tuple[str, Element]]:
    """Every piece of text in document order with the element it stands in."""
    for event, el in etree.iterwalk(body, events=("start", "end")):
        if not isinstance(el.tag, str):
            continue
        if event == "start":
            if el.text and el.tag not in _NO_TEXT:
                yield el.text, el
        elif el.tail and el is not body:
            parent = el.getparent()
            if parent is not None and parent.tag not in _NO_TEXT:
                yield el.tail, parent


def _visible_date(body: Element, fetched: datetime | None) -> str | None:
    """A date written in an element named for dates, after the headline; else the first
    date written after the headline; else anywhere."""
    h1 = body.find(".//h1")
    hinted: list[str] = []
    after: list[str] = []
    anywhere: list[str] = []
    seen_h1 = h1 is None
    for text, parent in _text_nodes(body):
        if h1 is not None and not seen_h1 and (parent is h1 or any(a is h1 for a in parent.iterancestors())):
            seen_h1 = True
            continue
        text = text.strip()
        if len(text) < 6 or len(text) > 200 or not re.search(r"\d", text):
            continue
        dates = find_text_dates(text, fetched)
        if not dates:
            continue
        anywhere.append(dates[0])
        if seen_h1:
            after.append(dates[0])
            if any(_DATE_ATTR_HINT.search(f"{p.get('class') or ''} {p.get('id') or ''}")
                   for p in [parent, *list(parent.iterancestors())[:2]]):
                hinted.append(dates[0])
    return _first(hinted) or _first(after) or _first(anywhere)


def _first(items: list[str]) -> str | None:
    return items[0] if items else None
