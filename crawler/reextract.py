"""Run the current extractor again over the pages kept in the store.

Each article's latest stored page goes through :func:`crawler.pagestore.store_page`, as in a
crawl: extracted, its site's learned furniture stripped, compared with the stored version. A new
version is recorded only where the cleaned text changes (an improved cleaner that drops a
leftover share bar makes a version; one that changes nothing makes none, and neither does
furniture learned since the page was stored).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping

import sqlite_utils

from crawler.extract.furniture import SiteFurniture
from crawler.extract.model import Selectors
from crawler.fetchstate import PageFetched
from crawler.pagestore import store_page
from crawler.store import decompress_page, utcnow

logger = logging.getLogger(__name__)


def reextract(db: sqlite_utils.Database, site: str | None = None,
              selectors: Mapping[str, Selectors] | None = None) -> Counter:
    """Re-extract the latest stored page of every article (of ``site``, when given).

    Returns counts of ``changed``, ``same``, ``no_page`` (stored before pages were kept),
    ``empty`` (the extractor now finds no text: the stored version is kept, nothing is lost),
    ``not_article`` (the stored page now reads as a challenge or error page: kept likewise)
    and ``problems`` (pages whose extraction is now empty, collapsed, a fallback or an error)."""
    counts: Counter = Counter()
    furniture = SiteFurniture(db.conn)
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
        stored = store_page(db, PageFetched(
            url=row["url"], site=row["site"], kind="article", status=200, fetched=utcnow(),
            body=page, content_type=row["content_type"],
        ), selectors=(selectors or {}).get(row["site"]), seen=False, furniture=furniture)
        if stored.problem:
            counts["problems"] += 1
        if stored.result == "no_text":
            logger.warning("re-extraction found no %s on %s; keeping the stored version",
                           stored.missing, row["url"])
            counts["empty"] += 1
        elif stored.result == "not_article":  # a stored page the extractor now refuses
            logger.warning("re-extraction takes %s for no article (%s); keeping the stored "
                           "version", row["url"], stored.refused.reason)
            counts["not_article"] += 1
        else:
            counts["changed" if stored.result == "changed" else "same"] += 1
    return counts
