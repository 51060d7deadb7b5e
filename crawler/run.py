"""Crawl sites in this process: ``python -m crawler.run --db raqib.db --seeds seeds [SITE...]``.

The Twisted reactor cannot restart inside one process, so the product runs every crawl through
this module in a process of its own. Bad seed files are reported and recorded; the other sites
are crawled. A site paused because it asked us to slow down (:mod:`crawler.pauses`) is not
crawled before its pause ends (the clock: ``RAQIB_NOW`` when set).
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, timezone
from pathlib import Path

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from crawler.fetchstate import parse_time
from crawler.pauses import paused_sites
from crawler.pipelines import STORE_FAILURES
from crawler.sites import Site, load_sites
from crawler.store import open_db, record_error


STORE_FAILED = 3  # exit status: a page could not be stored


def crawl_settings(db: str, seeds: str, overrides: dict[str, str] | None = None) -> Settings:
    """The project's settings with raqib's paths and any ``NAME=VALUE`` overrides."""
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.set("RAQIB_DB", db, priority="cmdline")
    settings.set("RAQIB_SEEDS", seeds, priority="cmdline")
    for name, value in (overrides or {}).items():
        settings.set(name, value, priority="cmdline")
    return settings


def choose_sites(seeds: str, wanted: list[str], db_path: str,
                 include_internet: bool = True) -> tuple[list[Site], list[str]]:
    """The sites to crawl and the problems found on the way (each also recorded in the store)."""
    sites, errors = load_sites(Path(seeds))
    problems: list[str] = []
    db = open_db(db_path)
    try:
        for error in errors:
            problems.append(str(error))
            record_error(db, error.path.stem, "seed", str(error), url=str(error.path))
        if wanted:
            known = {site.id: site for site in sites}
            broken = {error.path.stem for error in errors}
            for site_id in wanted:
                if site_id not in known and site_id not in broken:
                    problems.append(f"no site {site_id!r} in {seeds}")
            sites = [known[s] for s in wanted if s in known]
        if not include_internet:
            sites = [site for site in sites if not site.needs_internet]
    finally:
        db.close()
    return sites, problems


def without_paused(sites: list[Site], db_path: str, now: datetime) -> tuple[list[Site], list[str]]:
    """``sites`` less those paused at ``now`` because they asked us to slow down
    (:mod:`crawler.pauses`), and a line for each of those."""
    pauses = paused_sites(db_path, [site.id for site in sites], now)
    lines = [f"{site_id} is paused: {pause.describe()}; not crawled"
             for site_id, pause in pauses.items()]
    return [site for site in sites if site.id not in pauses], lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crawler.run", description=__doc__)
    parser.add_argument("sites", nargs="*", help="site ids (default: every site)")
    parser.add_argument("--db", default="raqib.db")
    parser.add_argument("--seeds", default="seeds")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="override a Scrapy setting")
    args = parser.parse_args(argv)

    overrides = {}
    for item in args.set:
        name, sep, value = item.partition("=")
        if not sep:
            parser.error(f"--set takes NAME=VALUE, not {item!r}")
        overrides[name] = value

    sites, problems = choose_sites(args.seeds, args.sites, args.db)
    for problem in problems:
        print(f"raqib: {problem}", file=sys.stderr)
    now = parse_time(overrides.get("RAQIB_NOW")) or datetime.now(timezone.utc)
    wanted = bool(sites)
    sites, paused = without_paused(sites, args.db, now)
    for line in paused:
        print(f"raqib: {line}", file=sys.stderr)
    if wanted and not sites:
        return 0
    if not sites:
        print("raqib: no site to crawl", file=sys.stderr)
        return 1
    process = CrawlerProcess(crawl_settings(args.db, args.seeds, overrides), install_root_handler=True)
    from crawler.spiders.news import NewsSpider

    crawlers = []
    for site in sites:
        crawler = process.create_crawler(NewsSpider)
        crawlers.append(crawler)
        process.crawl(crawler, site=site)
    process.start()
    unsaved = sum(crawler.stats.get_value(STORE_FAILURES, 0) for crawler in crawlers)
    if unsaved:
        print(f"raqib: {unsaved} page(s) could not be stored (table crawl_errors, stage store);"
              " they are fetched again by the next crawl", file=sys.stderr)
        return STORE_FAILED
    return 2 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
