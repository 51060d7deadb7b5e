"""Incremental fetching benchmark: what a second crawl of an unchanged site costs.

    .venv/bin/python bench/incremental.py [--edition 1|2]

Serves the demo site on 127.0.0.1, crawls it into a temporary store with the real spider (in
a child process, as the product does), then crawls it again unchanged: right away, when every
stored story is still in its first day and is asked for again conditionally, and "a week
later" (the crawl's clock set with ``RAQIB_NOW``), when the refetch schedule has let go of the
stories and only feeds, sitemaps and listing pages are asked for. A full recrawl
(``RAQIB_INCREMENTAL=false``) of the same unchanged site is measured in the same run as the
peer. Requests and bytes are Scrapy's ``downloader/request_count`` and
``downloader/response_bytes`` (bodies and headers), as recorded in ``crawl_runs``.
The aim: a second crawl receives at most 10% of the bytes of the first.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crawler.store import open_db  # noqa: E402
from monitor.crawling import LOCAL_SITE_SETTINGS, crawl_sites  # noqa: E402
from demo.server import DemoServer, demo_seed_toml  # noqa: E402

COLUMNS = ("requests", "bytes", "pages", "not_modified", "new", "changed", "errors")


def crawl(db: Path, seeds: Path, **settings: str) -> dict:
    """Crawl the demo site once; the run's row of ``crawl_runs``."""
    outcome = crawl_sites(db, seeds, ["demo"], {**LOCAL_SITE_SETTINGS, **settings}, timeout=300)
    if outcome.returncode != 0 or len(outcome.runs) != 1:
        raise SystemExit(f"crawl failed ({outcome.returncode}):\n{outcome.messages}")
    store = open_db(db)
    try:
        return store["crawl_runs"].get(outcome.runs[0].run_id)
    finally:
        store.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edition", type=int, default=1, help="demo edition to serve (1 or 2)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="raqib-bench-") as tmp, \
            DemoServer(edition=args.edition) as server:
        root = Path(tmp)
        seeds = root / "seeds"
        seeds.mkdir()
        (seeds / "demo.toml").write_text(demo_seed_toml(server.base_url), encoding="utf-8")
        db = root / "raqib.db"

        now = datetime.now(timezone.utc)
        first = crawl(db, seeds, RAQIB_NOW=now.isoformat())
        after_first = root / "after-first.db"
        shutil.copy(db, after_first)

        def from_first(name: str, **settings: str) -> dict:
            copy = root / f"{name}.db"
            shutil.copy(after_first, copy)
            return crawl(copy, seeds, **settings)

        rows = [
            ("first crawl (empty store)", first),
            ("second, an hour later", from_first(
                "hour", RAQIB_NOW=(now + timedelta(hours=1)).isoformat())),
            ("second, a week later", from_first(
                "week", RAQIB_NOW=(now + timedelta(days=8)).isoformat())),
            ("peer: full recrawl", from_first(
                "full", RAQIB_NOW=(now + timedelta(hours=1)).isoformat(),
                RAQIB_INCREMENTAL="false")),
        ]

    print(f"demo site, edition {args.edition}, crawled unchanged; figures per crawl run")
    print(f"{'crawl':<28}" + "".join(f"{c:>13}" for c in COLUMNS) + f"{'bytes/first':>13}"
          + f"{'requests/first':>16}")
    for label, run in rows:
        print(f"{label:<28}" + "".join(f"{run[c]:>13,}" for c in COLUMNS)
              + f"{run['bytes'] / first['bytes']:>13.1%}"
              + f"{run['requests'] / first['requests']:>16.1%}")
    second = rows[1][1]
    aim = second["bytes"] <= 0.10 * first["bytes"]
    print(f"\nsecond crawl received {second['bytes'] / first['bytes']:.1%} of the first crawl's "
          f"bytes (aim: at most 10%): {'met' if aim else 'NOT met'}")
    return 0 if aim else 1


if __name__ == "__main__":
    sys.exit(main())
