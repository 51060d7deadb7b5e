"""Run the current extractor again over the pages kept in the store.

Each article's latest stored page is extracted again; a new version is recorded only where the
cleaned text changes (an improved cleaner that drops a leftover share bar makes a version; one
that changes nothing makes none).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping

import sqlite_utils

from crawler.extract import extract_article
from crawler.extract.model import Selectors
from crawler.store import StoredArticle, decompress_page, save_article, utcnow

logger = logging.getLogger(__name__)


def reextract(db: sqlite_utils.Database, site: str | None = None,
              selectors: Mapping[str, Selectors] | None = None) -> Counter:
    """Re-extract the latest stored page of every article (of ``site``, when given).

    Returns counts of ``changed``, ``same``, ``no_page`` (stored before pages were kept) and
    ``empty`` (the extractor now finds no text: the stored version is kept, nothing is lost)."""
    counts: Counter = Counter()
    where, params = ("WHERE a.site = ?", [site]) if site else ("", [])
    rows = db.query(
        f"""SELECT a.url, a.site, v.raw_html, v.content_type
            FROM articles a JOIN versions v ON v.url = a.url
             AND v.version = (SELECT MAX(version) FROM versions WHERE url = a.url)
            {where} ORDER BY a.url""", params)
    for row in list(rows):
        page = decompress_page(row["raw_html"])
        if page is None:
            counts["no_page"] += 1
            continue
        article = extract_article(page, row["url"], content_type=row["content_type"],
                                  selectors=(selectors or {}).get(row["site"]))
        if not article.title.strip() or not article.body.strip():
            logger.warning("re-extraction found no text on %s; keeping the stored version",
                           row["url"])
            counts["empty"] += 1
            continue
        result = save_article(db, StoredArticle(
            url=row["url"], site=row["site"], title=article.title, body=article.body,
            published=article.published, author=article.author, fetched=utcnow(),
            raw_html=page, content_type=row["content_type"],
        ), seen=False)
        counts["changed" if result == "changed" else "same"] += 1
    return counts
