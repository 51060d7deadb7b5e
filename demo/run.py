"""The walk-through ``raqib demo`` runs: both demo sites served on 127.0.0.1, crawled and
monitored at edition 1, switched to edition 2, crawled and monitored again. What it tells its
reader between the steps is data (``demo/data/narrative.toml``); how a crawl and a monitor pass
run is the caller's (the CLI passes its own step in), so the demo stays a user of the product.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from demo.content import load_data
from demo.outlet2 import OUTLET_ID, OUTLET_NAME, OutletServer, outlet_seed_toml
from demo.server import DEMO_TOPICS_PATH, DemoServer, demo_seed_toml


@dataclass(frozen=True)
class DemoPaths:
    """Where a walk-through keeps its store, its seeds and its topics file."""

    db: Path
    seeds: Path
    topics: Path


SITES: tuple[str, ...] = ("demo", OUTLET_ID)

# crawl(paths, sites): crawl the named sites into paths.db, then run the monitor
CrawlStep = Callable[[DemoPaths, list[str]], None]


def prepare(workdir: str | Path) -> DemoPaths:
    """A clean store (earlier runs' files removed) and the bundled topics, under ``workdir``."""
    work = Path(workdir).resolve()
    seeds = work / "seeds"
    seeds.mkdir(parents=True, exist_ok=True)
    for stale in work.glob("raqib.db*"):
        stale.unlink()
    shutil.copy(DEMO_TOPICS_PATH, seeds / "topics.toml")
    return DemoPaths(db=work / "raqib.db", seeds=seeds, topics=seeds / "topics.toml")


def walk_through(paths: DemoPaths, crawl: CrawlStep, say: Callable[[str], None]) -> None:
    """Serve both sites, write their seeds, crawl edition 1, switch both to edition 2, crawl
    again; ``say`` gets the narrative line by line."""
    lines = load_data("narrative")
    with DemoServer(edition=1) as server, OutletServer(edition=1) as outlet:
        (paths.seeds / "demo.toml").write_text(demo_seed_toml(server.base_url), encoding="utf-8")
        (paths.seeds / f"{OUTLET_ID}.toml").write_text(outlet_seed_toml(outlet.base_url),
                                                       encoding="utf-8")
        names = {"demo_url": server.base_url, "outlet_id": OUTLET_ID,
                 "outlet_name": OUTLET_NAME, "outlet_url": outlet.base_url, "db": paths.db}
        for line in lines["edition_1"]:
            say(line.format(**names))
        crawl(paths, list(SITES))
        server.set_edition(2)
        outlet.set_edition(2)
        for line in lines["edition_2"]:
            say(line.format(**names))
        crawl(paths, list(SITES))


def closing_lines(paths: DemoPaths) -> list[str]:
    """What the walk-through says after the digest: where the store is, what to try next."""
    return [line.format(db=paths.db, raqib=command_name("raqib"),
                        sqlite_utils=command_name("sqlite-utils"))
            for line in load_data("narrative")["end"]]


def command_name(name: str) -> str:
    """How the user can type the command ``name`` installed beside this Python: its bare name
    when that is what their PATH finds, else its path (``.venv/bin/raqib`` after the README's
    set-up, where the environment is not activated)."""
    beside = Path(sys.executable).parent / name
    found = shutil.which(name)
    if not beside.exists() or (found and Path(found).resolve() == beside.resolve()):
        return name
    try:
        return str(beside.relative_to(Path.cwd()))
    except ValueError:
        return str(beside)
