"""From a fetched page to a stored article: the one way, shared by the crawl's pipeline,
``raqib reextract`` and anything later.

    >>> stored = store_page(db, page, selectors=site.selectors, run_id=run_id)
    >>> stored.result                     # new | changed | same | no_text

:func:`store_page` does, in order:

1. **Extract** the page (:func:`crawler.extract.extract_article`). An extractor error
   (``check.status == "error"``) is logged, recorded as a ``crawl_errors`` row with stage
   ``extract`` and counted in the run; its plain-text fallback is still stored.
2. **Refuse a page that is not the article** (:func:`not_the_article`): a challenge page, a
   consent or login wall, an error or maintenance page, a soft 404
   (:mod:`crawler.extract.interstitial`), a paywall teaser of a page stored whole, or a page
   that lost most of the stored text while its title changed. It is a ``crawl_errors`` row
   (stage ``blocked`` or ``not_article``, with the reason) and nothing else: no version, no
   validators (so the page stays due and is asked for in full again), no ``last_seen``, no
   learned furniture, no extraction problem. A real rewrite (new title *and* new text of
   about the stored length) is still a version.
3. **Judge** the extraction (:func:`judge_extraction`): a page whose body came out empty or
   collapsed, needed the fallback or made the extractor raise is an ``extraction_problems``
   row, what the site's extraction health is made of (:mod:`monitor.health`). A page with a
   title and no body counts as ``empty`` whatever the extractor said.
4. **Strip learned furniture** (:class:`crawler.extract.furniture.SiteFurniture`): the page's
   paragraphs are counted for its site, and those that recur across the site's pages are
   dropped (never all of them).
5. **One article, one row**: a never-stored URL whose page is an article of its site stored
   within the week under another URL (the same title, the body at least 95% alike: the same
   page under two section paths, or moved to a new permalink without a canonical link) is
   recorded as another address of it (``url_aliases``), not as a story: no second row, no
   second ``new`` alert (:func:`same_article_elsewhere`).
6. **Compare** with the stored version: a page that differs from it only by paragraphs learned
   since keeps the stored text, so learning never makes a version, nor an ``update`` alert.
7. **Save** the article (a version only when its content changed) and, for a crawl, the page's
   validators (``ETag``, ``Last-Modified``), its extraction problem and the run's counters, in
   one transaction; a stored article that was missing is back
   (:func:`crawler.removals.record_back`). A save that fails raises and leaves nothing of the page behind: its
   validators are not kept, so the next crawl fetches it in full and stores it.

Learning (step 4) commits on its own before the save: a page is counted once per site,
however often it is fetched or re-extracted.

A re-extraction (``seen=False``) is not a visit: ``last_seen``, ``fetch_state``, the run's
counters, ``crawl_errors`` and ``extraction_problems`` are left alone; only a changed text
makes a version.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import timedelta
from difflib import SequenceMatcher
from urllib.parse import urlsplit
from typing import TYPE_CHECKING, Literal

from crawler.extract import extract_article
from crawler.extract.furniture import SiteFurniture
from crawler.extract.interstitial import Interstitial
from crawler.extract.model import Article, ExtractionCheck, Selectors
from crawler.extract.arabic import normalized_words
from crawler.faults import reached
from crawler.fetchstate import PageFetched, parse_time, record_article_changed, record_fetch
from crawler.removals import record_back
from crawler.store import (
    StoredArticle, content_hash, count_in_run, mark_seen, record_aliases, record_error,
    transaction, utcnow, write_article,
)

if TYPE_CHECKING:
    import sqlite_utils

logger = logging.getLogger(__name__)

# Extraction statuses that make an ``extraction_problems`` row.
PROBLEM_STATUSES = ("fallback", "collapsed", "empty", "error")
REASON_CHARS = 500  # an exception's message can be long; the row keeps its start

PageResult = Literal["new", "changed", "same", "no_text", "not_article", "alias"]

# A page marked not free to read that holds less than this share of the stored body is a
# paywall teaser of it; a page whose title changed and that holds less than LOST_SHARE of the
# stored body, sharing little of its words (LOST_OVERLAP), is another page.
PAYWALL_SHARE = 0.6
LOST_SHARE = 0.3
LOST_OVERLAP = 0.5
# A never-stored URL whose page has the title of an article of its site first seen within
# DUPLICATE_WINDOW and a body at least this similar to it is that article under another URL.
DUPLICATE_SIMILARITY = 0.95
DUPLICATE_WINDOW = timedelta(days=7)  # the refetch window: older articles are not re-read


@dataclass(frozen=True)
class PageStored:
    """What :func:`store_page` did with one page."""

    url: str
    result: PageResult
    check: ExtractionCheck       # the extraction as judged (see judge_extraction)
    missing: str = ""            # no_text: "title", "body" or "title and body"
    refused: Interstitial | None = None  # not_article: what the page was instead
    alias_of: str = ""           # alias: the stored article this URL is another address of

    @property
    def problem(self) -> bool:
        """Whether the page's extraction is a problem worth recording."""
        return self.check.status in PROBLEM_STATUSES


def store_page(db: sqlite_utils.Database, page: PageFetched, *, selectors: Selectors | None = None,
               run_id: int | None = None, seen: bool = True,
               furniture: SiteFurniture | None = None) -> PageStored:
    """Extract ``page`` (an article page answered in full), strip its site's learned
    furniture, compare it with the stored version and save it (see the module's docstring).
    Raises when the save fails; nothing of the page is then recorded."""
    if page.body is None:
        raise ValueError(f"{page.url}: store_page needs the page as fetched")
    article = _extract(page, selectors)
    check = judge_extraction(article)
    if check.status == "error":
        logger.warning("%s: the extractor failed on %s (%s); %s", page.site, page.url,
                       check.reason, "storing its fallback text" if article.body.strip()
                       else "nothing to store")
    missing = " and ".join(name for name, value in (("title", article.title),
                                                    ("body", article.body)) if not value.strip())
    refused = not_the_article(db, page.url, article)
    if refused is not None:
        logger.warning("%s: %s is not the article: %s; nothing stored", page.site, page.url,
                       refused.reason)
        if seen:
            record_error(db, page.site, refused.stage, f"{refused.reason}; no version stored",
                         url=page.url, run_id=run_id)
        return PageStored(page.url, "not_article", check, refused=refused)
    furniture = furniture if furniture is not None else SiteFurniture(db.conn)
    if not missing:
        furniture.learn(page.site, page.url, article)
    reached("save.learned")
    with transaction(db) as conn:
        if seen:
            _record_extraction(db, page, check, run_id)
        if missing:
            if seen and check.status != "error":  # an extractor error is recorded already
                record_error(db, page.site, "parse", f"no article {missing} found on the page",
                             url=page.url, run_id=run_id)
            return PageStored(page.url, "no_text", check, missing)
        title, body = _without_learned_furniture(conn, furniture, page, article)
        duplicate = (same_article_elsewhere(conn, page.site, page.url, title, body, page.fetched,
                                            furniture) if seen else None)
        if duplicate is not None:  # one article under another URL: an address, not a story
            logger.info("%s: %s is %s under another URL", page.site, page.url, duplicate)
            record_aliases(conn, duplicate, page.site, (page.url,), page.fetched)
            mark_seen(conn, duplicate, page.fetched)
            if run_id is not None:
                count_in_run(conn, run_id, "unchanged")
            return PageStored(page.url, "alias", check, alias_of=duplicate)
        result = write_article(conn, StoredArticle(
            url=page.url, site=page.site, title=title, body=body, published=article.published,
            author=article.author, fetched=page.fetched, raw_html=page.body,
            content_type=page.content_type,
        ), run_id=run_id, seen=seen)
        reached("save.written")
        if seen:
            if run_id is not None:
                count_in_run(db, run_id, "unchanged" if result == "same" else result)
            if result in ("new", "changed"):
                record_article_changed(db, page.url, page.site, page.fetched)
            record_fetch(db, page)
            record_back(conn, page.url, page.fetched)
        reached("save.validators")
    reached("save.committed")
    return PageStored(page.url, result, check)


def same_article_elsewhere(conn, site: str, url: str, title: str, body: str, fetched: str,
                           furniture: SiteFurniture | None = None) -> str | None:
    """The URL of the article of ``site`` that a never-stored ``url`` is another address of:
    on the same host, first seen within :data:`DUPLICATE_WINDOW` before ``fetched``, the same normalised title
    and a normalised body at least :data:`DUPLICATE_SIMILARITY` alike (word by word; both
    without the site's learned ``furniture``, which may have grown since it was stored). A
    follow-up that repeats a story and adds a paragraph falls short of it and stays a story
    of its own. None when ``url`` is stored already or no such article exists."""
    if conn.execute("SELECT 1 FROM articles WHERE url = ?", [url]).fetchone():
        return None
    when = parse_time(fetched)
    since = (when - DUPLICATE_WINDOW).isoformat(timespec="seconds") if when else ""
    digest = content_hash(title, body)
    candidates = conn.execute(
        "SELECT url, title, body, content_hash FROM articles WHERE site = ? AND url != ?"
        " AND (title = ? OR content_hash = ?) AND first_seen >= ? ORDER BY first_seen",
        [site, url, title, digest, since]).fetchall()
    norm_title, words = normalized_words(title), None
    host = urlsplit(url).netloc.lower()
    for other_url, other_title, other_body, other_hash in candidates:
        if urlsplit(other_url).netloc.lower() != host:
            continue  # another host (a mirror, an old address): not this site's other URL
        if other_hash == digest:
            return other_url
        if normalized_words(other_title) != norm_title:
            continue
        if furniture is not None:
            other_body = furniture.strip(site, Article(other_url, other_title, other_body)).body
        words = words if words is not None else normalized_words(body).split()
        matcher = SequenceMatcher(None, words, normalized_words(other_body).split(), autojunk=False)
        if matcher.real_quick_ratio() >= DUPLICATE_SIMILARITY and \
                matcher.quick_ratio() >= DUPLICATE_SIMILARITY and \
                matcher.ratio() >= DUPLICATE_SIMILARITY:
            return other_url
    return None


def not_the_article(db: sqlite_utils.Database, url: str, article: Article) -> Interstitial | None:
    """Why the page fetched for ``url`` is not its article, or None when it is: an
    interstitial the extractor recognised, a paywall teaser of an article stored whole, or a
    page that lost most of the stored text while its title changed (see the module's
    docstring)."""
    if article.interstitial is not None:
        return article.interstitial
    stored = db.execute("SELECT title, body FROM articles WHERE url = ?", [url]).fetchone()
    if stored is None or not stored[1]:
        return None
    stored_title, stored_body = stored
    chars, stored_chars = len(article.body), len(stored_body)
    if article.paywalled and chars < PAYWALL_SHARE * stored_chars:
        return Interstitial("paywall", f"paywall teaser (marked not free to read; {chars} of "
                                       f"the {stored_chars} characters stored)")
    if (chars < LOST_SHARE * stored_chars
            and normalized_words(article.title) != normalized_words(stored_title)):
        words = set(normalized_words(article.body).split())
        kept = words & set(normalized_words(stored_body).split())
        if not words or len(kept) < LOST_OVERLAP * len(words):
            return Interstitial("lost", f"another page: the title changed to "
                                        f"«{article.title[:80]}» and {chars} of the "
                                        f"{stored_chars} characters stored are left")
    return None


def judge_extraction(article: Article) -> ExtractionCheck:
    """The extractor's own check, except that a page with a title whose body came out empty
    is ``empty`` whatever the extractor said (an ``error`` stays an error)."""
    check = article.check
    if (not article.body.strip() and article.title.strip()
            and check.status not in ("empty", "error")):
        return replace(check, status="empty", body_chars=0,
                       reason=check.reason or "the page has a title but its body came out empty")
    return check


def _extract(page: PageFetched, selectors: Selectors | None) -> Article:
    try:
        return extract_article(page.body, page.url, selectors=selectors,
                               fetched=parse_time(page.fetched), content_type=page.content_type)
    except Exception as exc:  # the extractor must never raise; if it does, the crawl goes on
        logger.exception("%s: the extractor raised on %s", page.site, page.url)
        return Article(url=page.url, title="", body="", check=ExtractionCheck(
            status="error", reason=f"{type(exc).__name__}: {exc}"))


def _record_extraction(db: sqlite_utils.Database, page: PageFetched, check: ExtractionCheck,
                       run_id: int | None) -> None:
    """Count the page in its run's ``extracted``; record an extractor error (stage
    ``extract``) and any extraction problem."""
    if run_id is not None:
        count_in_run(db, run_id, "extracted")
    reason = check.reason[:REASON_CHARS]
    if check.status == "error":
        record_error(db, page.site, "extract", f"extractor failed: {reason}", url=page.url,
                     run_id=run_id)
    if check.status in PROBLEM_STATUSES:
        db.execute(
            "INSERT INTO extraction_problems (site, url, status, reason, container,"
            " container_chars, body_chars, run_id, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [page.site, page.url, check.status, reason, check.container, check.container_chars,
             check.body_chars, run_id, utcnow()])


def _without_learned_furniture(conn, furniture: SiteFurniture, page: PageFetched,
                               article: Article) -> tuple[str, str]:
    """The title and body to store: the page without its site's recurring paragraphs, or the
    stored text when the page differs from it only by such paragraphs."""
    stripped = furniture.strip(page.site, article)
    if not stripped.paragraphs:
        return article.title, article.body  # never strip a page bare
    stored = conn.execute("SELECT title, body FROM articles WHERE url = ?", [page.url]).fetchone()
    if stored is not None:
        stored_stripped = furniture.strip(page.site, Article(page.url, *stored))
        if (content_hash(stored_stripped.title, stored_stripped.body)
                == content_hash(stripped.title, stripped.body)):
            return stored[0], stored[1]
    if stripped.body != article.body:
        logger.debug("%s: dropped %d learned furniture paragraph(s)", page.url,
                     len(stripped.removed) - len(article.removed))
    return stripped.title, stripped.body
