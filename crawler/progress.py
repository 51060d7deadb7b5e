"""How far a site's crawl has come, reported as it goes: a Scrapy extension that, when the
``RAQIB_PROGRESS`` setting is on, writes the site's counts (pages fetched, articles new and
changed, errors) to standard output as one line of JSON after :data:`PREFIX`, at most every
:data:`INTERVAL` seconds and once when the site is done. ``raqib crawl`` asks for it on a
terminal and draws it (:mod:`monitor.crawling` reads the lines); off a terminal nothing is
asked and nothing is written.
"""

from __future__ import annotations

import json
import sys
import time
from typing import TYPE_CHECKING

from scrapy import signals
from scrapy.exceptions import NotConfigured

from crawler.pipelines import CHANGED_ARTICLES, ERRORS, NEW_ARTICLES, PAGES

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler

PREFIX = "raqib-progress "
INTERVAL = 0.2  # seconds between two reports of one site


class Progress:
    """Reports one crawler's counts; every site's crawl has its own."""

    def __init__(self, crawler: Crawler, out=None):
        self.stats = crawler.stats
        self.out = out or sys.stdout
        self.last = 0.0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Progress:
        if not crawler.settings.getbool("RAQIB_PROGRESS"):
            raise NotConfigured
        progress = cls(crawler)
        for signal in (signals.response_received, signals.item_scraped, signals.item_dropped):
            crawler.signals.connect(progress.tick, signal=signal)
        crawler.signals.connect(progress.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(progress.spider_closed, signal=signals.spider_closed)
        return progress

    def spider_opened(self, spider: Spider) -> None:
        self.report(spider)

    def tick(self, spider: Spider, **_) -> None:
        if time.monotonic() - self.last >= INTERVAL:
            self.report(spider)

    def spider_closed(self, spider: Spider) -> None:
        self.report(spider, done=True)

    def report(self, spider: Spider, done: bool = False) -> None:
        value = self.stats.get_value
        line = {"site": getattr(spider, "site_id", spider.name), "fetched": value(PAGES, 0),
                "new": value(NEW_ARTICLES, 0), "changed": value(CHANGED_ARTICLES, 0),
                "errors": value(ERRORS, 0), "done": done}
        self.out.write(PREFIX + json.dumps(line, ensure_ascii=False) + "\n")
        self.out.flush()
        self.last = time.monotonic()
