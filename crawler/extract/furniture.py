"""Furniture learned per site: a paragraph that recurs across many pages of one site
(«تابعوا أخبارنا عبر غوغل نيوز», a newsletter plug, a standing disclaimer) is not article text.

The counts live in the store (tables created by :mod:`crawler.schema`), so they survive between
runs. No Scrapy:

    >>> furniture = SiteFurniture(open_db("raqib.db").conn)
    >>> furniture.learn("albayan", url, article)        # once per page (re-crawls count once)
    >>> article = furniture.strip("albayan", article)    # recurring paragraphs removed
"""

from __future__ import annotations

import hashlib
import sqlite3
from dataclasses import replace

from crawler.extract.arabic import normalized_words
from crawler.extract.model import Article, RemovedBlock
from crawler.store import transaction


def block_hash(paragraph: str) -> str:
    """The key of a paragraph: its normalised words, hashed."""
    return hashlib.blake2b(normalized_words(paragraph).encode(), digest_size=12).hexdigest()


class SiteFurniture:
    """Counts, per site, on how many distinct pages each paragraph appears.

    A paragraph is furniture once it has been seen on at least ``min_pages`` pages and on at
    least ``min_share`` of the pages learned from that site.
    """

    def __init__(self, db: sqlite3.Connection, *, min_pages: int = 3, min_share: float = 0.3) -> None:
        self.db = db
        self.min_pages = min_pages
        self.min_share = min_share

    def learn(self, site: str, url: str, article: Article) -> bool:
        """Count the paragraphs of one page; False when this page was already counted."""
        with transaction(self.db) as conn:
            cursor = conn.execute(
                "INSERT OR IGNORE INTO extract_furniture_pages (site, url) VALUES (?, ?)", (site, url))
            if cursor.rowcount == 0:
                return False
            seen: dict[str, str] = {}
            for paragraph in article.paragraphs:
                key = block_hash(paragraph)
                if normalized_words(paragraph):
                    seen.setdefault(key, paragraph)
            conn.executemany(
                "INSERT INTO extract_furniture_blocks (site, hash, pages, text) VALUES (?, ?, 1, ?) "
                "ON CONFLICT (site, hash) DO UPDATE SET pages = pages + 1",
                [(site, key, text[:500]) for key, text in seen.items()],
            )
        return True

    def furniture(self, site: str) -> dict[str, str]:
        """The hashes (and a sample text) of paragraphs that count as furniture on ``site``."""
        (pages,) = self.db.execute(
            "SELECT count(*) FROM extract_furniture_pages WHERE site = ?", (site,)).fetchone()
        threshold = max(self.min_pages, self.min_share * pages)
        rows = self.db.execute(
            "SELECT hash, text FROM extract_furniture_blocks WHERE site = ? AND pages >= ?",
            (site, threshold))
        return dict(rows.fetchall())

    def strip(self, site: str, article: Article) -> Article:
        """The article without its site's recurring paragraphs, each recorded in ``removed``."""
        known = self.furniture(site)
        if not known:
            return article
        kept, removed = [], list(article.removed)
        for paragraph in article.paragraphs:
            if block_hash(paragraph) in known:
                removed.append(RemovedBlock("learned", paragraph[:200]))
            else:
                kept.append(paragraph)
        return replace(article, body="\n\n".join(kept), removed=removed)
