"""Scrapy settings: polite defaults for crawling news sites.

Override any of them per run with ``scrapy crawl news -s NAME=VALUE`` or
``raqib crawl --set NAME=VALUE``.
"""

import os

BOT_NAME = "raqib"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# Who we are, and manners.
USER_AGENT = "raqib/0.1 (Arabic news change monitor; +https://pypi.org/project/raqib/)"
ROBOTSTXT_OBEY = True
# Protego over robots.txt as real sites write it (a missing colon, a path without its "/")
ROBOTSTXT_PARSER = "crawler.robots.RobotsParser"
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

# Failures: retry what may pass on a second try; never wait forever or read a huge page.
RETRY_ENABLED = True
RETRY_TIMES = 2
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 8 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False

ITEM_PIPELINES = {"crawler.pipelines.StorePipeline": 300}
# Each site's counts as the crawl goes, on standard output, when RAQIB_PROGRESS is on
# (raqib crawl on a terminal asks for it; crawler/progress.py)
EXTENSIONS = {"crawler.progress.Progress": 500}
RAQIB_PROGRESS = False

# Only http(s): Scrapy's other download handlers (local files, FTP, S3, data: URIs) are off,
# so no URL a page names can read this machine's files or hang on an FTP server.
DOWNLOAD_HANDLERS = {"file": None, "ftp": None, "s3": None, "data": None}
DOWNLOADER_MIDDLEWARES = {
    # every request and redirect through the site's URL door (crawler/urls.py), before
    # Scrapy's own offsite check (50)
    "crawler.middlewares.UrlDoorMiddleware": 40,
    # a redirect's Location through the same door, before RedirectMiddleware (600) follows it
    "crawler.middlewares.RedirectDoorMiddleware": 650,
    # If-None-Match / If-Modified-Since from the store's fetch state (crawler/fetchstate.py)
    "crawler.middlewares.ConditionalRequestMiddleware": 450,
    # 429, or 503 with Retry-After: pause the site (crawler/pauses.py); after RetryMiddleware
    # (550), so the answer is seen before a retry of it is scheduled
    "crawler.middlewares.BackOffMiddleware": 560,
}
REDIRECT_MAX_TIMES = 20

# Where raqib keeps things (raqib's own settings).
RAQIB_DB = os.environ.get("RAQIB_DB", "raqib.db")
RAQIB_SEEDS = os.environ.get("RAQIB_SEEDS", "seeds")
# Incremental fetching (crawler/fetchstate.py): conditional requests, the max_age window and
# the refetch schedule. False fetches every page in full, whatever the store knows.
RAQIB_INCREMENTAL = True
# The crawl's clock, as an ISO-8601 time; empty: the real time. For tests and benchmarks that
# crawl "a day later" without waiting a day.
RAQIB_NOW = ""

# A site that asks us to slow down (429, or 503 with Retry-After) is paused for the period it
# asks, at most RAQIB_PAUSE_MAX; without a usable Retry-After, RAQIB_BACKOFF_BASE doubled with
# each pause in a row (crawler/pauses.py).
RAQIB_PAUSE_MAX = "6h"
RAQIB_BACKOFF_BASE = "60s"

LOG_LEVEL = "INFO"
FEED_EXPORT_ENCODING = "utf-8"
