"""A crawl that outgrows its interval: a site whose crawls take longer than its ``every``, or
whose refetch budget is reached crawl after crawl (``crawl_runs.refetch_deferred``), is told
to the operator with the figures and what to change in the seed: ``raqib status`` shows it,
and the budget's case is a ``health`` alert (problem ``outgrown``, :mod:`monitor.health`)
raised once and cleared by a crawl within its budget.

``raqib run`` itself never lets crawls pile up: a site's crawl job runs one at a time
(APScheduler's ``max_instances=1``), and runs missed while one was under way are coalesced
into one (``coalesce``), so a crawl that outgrows its interval delays the next, never doubles
it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from crawler.durations import format_duration
from crawler.fetchstate import parse_time

if TYPE_CHECKING:
    import sqlite_utils

RUNS = 3  # the latest finished runs that must all show it


@dataclass(frozen=True)
class Pace:
    """Why a site's crawls outgrow their interval, in words, with the figures."""

    site: str
    problem: str  # "slow" (longer than the interval) | "budget" (refetch budget reached)
    summary: str
    figures: dict


def crawl_pace(db: sqlite_utils.Database, site: str,
               every: timedelta | None = None) -> list[Pace]:
    """What the site's latest :data:`RUNS` finished crawls say about their pace: each took
    longer than ``every`` (when given), each deferred refetches for lack of budget."""
    runs = db.execute(
        "SELECT started, finished, refetch_due, refetch_deferred FROM crawl_runs"
        " WHERE site = ? AND status NOT IN ('running', 'paused') AND finished IS NOT NULL"
        " ORDER BY id DESC LIMIT ?", [site, RUNS]).fetchall()
    if len(runs) < RUNS:
        return []
    found = []
    durations = []
    for started, finished, _, _ in runs:
        start, end = parse_time(started), parse_time(finished)
        durations.append(end - start if start and end else timedelta(0))
    if every is not None and all(d > every for d in durations):
        took = ", ".join(format_duration(d) for d in durations)
        found.append(Pace(site, "slow",
                          f"{site}: each of the last {RUNS} crawls took longer than its interval "
                          f"(took {took}; every {format_duration(every)}): raise `every` in its seed, or "
                          "lower `refetch_budget` or `max_pages`",
                          {"durations_s": [int(d.total_seconds()) for d in durations],
                           "every_s": int(every.total_seconds())}))
    if all(deferred > 0 for _, _, _, deferred in runs):
        due, deferred = runs[0][2], runs[0][3]
        found.append(Pace(site, "budget",
                          f"{site}: each of the last {RUNS} crawls reached its refetch budget "
                          f"({deferred} of {due} due refetches left for the next crawl in the "
                          "last one): raise `refetch_budget` in its seed, or make its `refetch` "
                          "tiers less frequent",
                          {"refetch_due": due, "refetch_deferred": deferred,
                           "deferred_by_run": [r[3] for r in runs]}))
    return found
