"""The one pipeline: validate what the spider yields and write it to the store, counting the
run's pages, new and changed articles, errors and ``304 Not Modified`` answers in
``crawl_runs``, with the requests sent and the bytes received (Scrapy's downloader stats)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from dataclasses import replace

from scrapy import signals
from scrapy.exceptions import DropItem

from crawler.extract.furniture import SiteFurniture
from crawler.extract.model import Article

from crawler.fetchstate import NOT_MODIFIED, PageFetched, record_article_changed, record_fetch
from crawler.items import ArticleItem, CrawlError, SeenUnder
from crawler.store import (
    StoredArticle, content_hash, count_in_run, finish_run, mark_seen, open_db, record_aliases,
    record_error, save_article, start_run,
)

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class StorePipeline:
    """Stores articles (a version only when their content changed) and errors."""

    def __init__(self, db_path: str, stats=None):
        self.db_path = db_path
        self.stats = stats
        self.db = None
        self.run_id: int | None = None
        self.site_id = "?"

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        pipeline = cls(crawler.settings.get("RAQIB_DB", "raqib.db"), crawler.stats)
        crawler.signals.connect(pipeline.response_received, signal=signals.response_received)
        return pipeline

    def open_spider(self, spider: Spider) -> None:
        self.site_id = getattr(spider, "site_id", spider.name)
        self.db = open_db(self.db_path)
        self.run_id = start_run(self.db, self.site_id)
        self.furniture = SiteFurniture(self.db.conn)
        logger.info("crawl run %s of %s started, storing in %s", self.run_id, self.site_id,
                    self.db_path)

    def close_spider(self, spider: Spider) -> None:
        if self.db is None or self.run_id is None:
            return
        if self.stats is not None:
            self.db["crawl_runs"].update(self.run_id, {
                "requests": self.stats.get_value("downloader/request_count", 0),
                "bytes": self.stats.get_value("downloader/response_bytes", 0),
            })
        run = self.db["crawl_runs"].get(self.run_id)
        failed = run["pages"] == 0 and run["errors"] > 0
        finish_run(self.db, self.run_id, status="failed" if failed else "finished")
        logger.info("crawl run %s of %s: %s pages (%s not modified), %s new, %s changed, "
                    "%s errors; %s requests, %s bytes received", self.run_id, self.site_id,
                    run["pages"], run["not_modified"], run["new"], run["changed"],
                    run["errors"], run["requests"], run["bytes"])
        self.db.close()

    def response_received(self, response, request, spider) -> None:
        if self.db is not None and self.run_id is not None and response.status < 400:
            count_in_run(self.db, self.run_id, "pages")

    def process_item(self, item: Any, spider: Spider | None = None) -> Any:
        if isinstance(item, CrawlError):
            record_error(self.db, item.site, item.stage, item.message, url=item.url,
                         run_id=self.run_id)
            return item
        if isinstance(item, PageFetched):
            self._record_fetch(item)
            return item
        if isinstance(item, SeenUnder):
            record_aliases(self.db, item.url, item.site, item.aliases, item.seen)
            return item
        if not isinstance(item, ArticleItem):
            raise DropItem(f"not an article: {type(item).__name__}")
        item = self._without_learned_furniture(item)
        try:
            result = save_article(self.db, StoredArticle(
                url=item.url, site=item.site, title=item.title, body=item.body,
                published=item.published, author=item.author, fetched=item.fetched,
                raw_html=item.raw_html, content_type=item.content_type,
            ), run_id=self.run_id)
        except Exception as exc:
            logger.exception("could not store %s", item.url)
            record_error(self.db, item.site, "store", f"could not store: {exc!r}", url=item.url,
                         run_id=self.run_id)
            raise DropItem(str(exc)) from exc
        if result in ("new", "changed"):
            count_in_run(self.db, self.run_id, result)
            record_article_changed(self.db, item.url, item.site, item.fetched)
        logger.debug("%s: %s", result, item.url)
        return item

    def _without_learned_furniture(self, item: ArticleItem) -> ArticleItem:
        """Learn the page's paragraphs for its site, and drop those that recur across the
        site's pages (a standing plug, a disclaimer the cleaner did not know).

        A paragraph can become furniture after an article was stored with it; when the page
        differs from the stored text only by such paragraphs, the stored text is kept, so
        learning never makes a version of its own."""
        article = Article(url=item.url, title=item.title, body=item.body)
        self.furniture.learn(item.site, item.url, article)
        stripped = self.furniture.strip(item.site, article)
        if not stripped.paragraphs:
            return item  # never strip a page bare
        stored = self.db.execute("SELECT title, body FROM articles WHERE url = ?",
                                 [item.url]).fetchone()
        if stored is not None:
            stored_stripped = self.furniture.strip(item.site, Article(item.url, *stored))
            if (content_hash(stored_stripped.title, stored_stripped.body)
                    == content_hash(stripped.title, stripped.body)):
                return replace(item, title=stored[0], body=stored[1])
        if stripped.body != item.body:
            logger.debug("%s: dropped %d learned furniture paragraph(s)", item.url,
                         len(stripped.removed) - len(article.removed))
        return replace(item, body=stripped.body)

    def _record_fetch(self, page: PageFetched) -> None:
        """Remember a page's validators; a 304 is counted, and for an article it is a visit
        that found it as stored (``last_seen`` moves, no version is written)."""
        if page.status == NOT_MODIFIED:
            count_in_run(self.db, self.run_id, "not_modified")
            if page.kind == "article":
                mark_seen(self.db, page.url, page.fetched)
        record_fetch(self.db, page)
