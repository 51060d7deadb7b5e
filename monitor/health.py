"""Site health: a site that stops yielding articles, or whose articles come back empty or much
shorter than usual, raises a ``health`` alert for the operator instead of failing silently.

After each monitor run, :func:`check_health` looks at each site's latest finished crawl run
(``crawl_runs``) that it has not judged yet and names at most one problem, most serious first:

``unreachable``
    the run failed: no page answered and there were errors;
``no_articles``
    pages answered, but the run neither stored a new or changed article nor saw a stored one
    again (``articles.last_seen`` within the run) — the feed and listings lead nowhere, or
    every article page fails. A run in which some page answered ``304 Not Modified``
    (``crawl_runs.not_modified``) is not judged so: the site is as it was when it last
    yielded articles (a quiet site whose stored articles are no longer due for a re-fetch);
``empty_bodies``
    at least :data:`MIN_VERSIONS_EMPTY` versions were stored by the run and at least half of
    them have a body under :data:`EMPTY_BODY_CHARS` characters;
``short_bodies``
    at least :data:`MIN_VERSIONS_SHORT` versions were stored by the run, the site has at least
    :data:`MIN_BASELINE` earlier versions, and the median body length of the run is under
    :data:`SHORT_RATIO` of the median of the site's last :data:`BASELINE_VERSIONS` versions
    stored before it (a paywall, or a layout change the extractor half-understands).

An alert is raised once per problem: the site's state (``monitor_state`` key
``health:<site>``) remembers the open problem, and the alert and the state are written in one
transaction. While the problem lasts nothing more is raised; a different problem raises again.
A site recovers from a body problem with a run whose bodies look usual, and from
``unreachable``/``no_articles`` only with a run that stores a new or changed article — a run
that merely re-reads stored articles is not proof that new stories are found again, and would
make the alert flap. After recovery, the same problem raises a new alert.

The alert: kind ``health``, topic ``""``, ``site`` the site id, url the first URL the run
failed on (or ``""``), title the reason in plain words, ``details`` the problem and the run's
figures.
"""

from __future__ import annotations

import json
import logging
import statistics
from dataclasses import dataclass
from typing import TYPE_CHECKING

from crawler.store import transaction, utcnow

if TYPE_CHECKING:
    import sqlite_utils

    from monitor.alerts import Alert

logger = logging.getLogger(__name__)

STATE_PREFIX = "health:"
EMPTY_BODY_CHARS = 40
MIN_VERSIONS_EMPTY = 2
MIN_VERSIONS_SHORT = 3
MIN_BASELINE = 5
BASELINE_VERSIONS = 50
SHORT_RATIO = 0.4

PROBLEMS = ("unreachable", "no_articles", "empty_bodies", "short_bodies")
_ARTICLE_PROBLEMS = ("unreachable", "no_articles")


@dataclass
class Diagnosis:
    """What one crawl run says about its site: a problem (or None) and the figures behind it."""

    site: str
    run_id: int
    problem: str | None
    reason: str
    details: dict
    url: str = ""
    stored: int = 0  # new + changed articles of the run


def diagnose_run(db: sqlite_utils.Database, run: dict) -> Diagnosis:
    """Judge one finished crawl run (a ``crawl_runs`` row as a dict)."""
    site, run_id = run["site"], run["id"]
    figures = {"run_id": run_id, "pages": run["pages"], "new": run["new"],
               "changed": run["changed"], "errors": run["errors"]}
    stored = run["new"] + run["changed"]
    first_error = db.execute("SELECT url FROM crawl_errors WHERE run_id = ? AND url IS NOT NULL"
                             " ORDER BY id LIMIT 1", [run_id]).fetchone()
    error_url = first_error[0] if first_error and first_error[0] else ""

    def found(problem: str, reason: str, **more) -> Diagnosis:
        return Diagnosis(site, run_id, problem, reason, {"problem": problem, **figures, **more},
                         url=error_url, stored=stored)

    if run["status"] == "failed" or (run["pages"] == 0 and run["errors"] > 0):
        return found("unreachable", f"{site}: the last crawl reached no page "
                                    f"({run['errors']} error(s))")
    (seen,) = db.execute(
        "SELECT COUNT(*) FROM articles WHERE site = ? AND last_seen >= ?",
        [site, run["started"]]).fetchone()
    if stored == 0 and seen == 0 and not run.get("not_modified"):
        return found("no_articles", f"{site}: the last crawl found no articles "
                                    f"({run['pages']} page(s) fetched, {run['errors']} error(s))")

    lengths = [n for (n,) in db.execute(
        "SELECT LENGTH(v.body) FROM versions v JOIN articles a ON a.url = v.url"
        " WHERE v.run_id = ? AND a.site = ?", [run_id, site])]
    empty = sum(1 for n in lengths if n < EMPTY_BODY_CHARS)
    if len(lengths) >= MIN_VERSIONS_EMPTY and empty * 2 >= len(lengths):
        return found("empty_bodies", f"{site}: {empty} of the {len(lengths)} articles stored "
                                     "by the last crawl have an empty body",
                     versions=len(lengths), empty=empty)
    if len(lengths) >= MIN_VERSIONS_SHORT:
        baseline = [n for (n,) in db.execute(
            "SELECT LENGTH(v.body) FROM versions v JOIN articles a ON a.url = v.url"
            " WHERE a.site = ? AND (v.run_id IS NULL OR v.run_id < ?)"
            " ORDER BY v.id DESC LIMIT ?", [site, run_id, BASELINE_VERSIONS])]
        if len(baseline) >= MIN_BASELINE:
            usual, now = statistics.median(baseline), statistics.median(lengths)
            if now < SHORT_RATIO * usual:
                return found("short_bodies",
                             f"{site}: articles of the last crawl are much shorter than usual "
                             f"(median {int(now)} characters, usually {int(usual)})",
                             versions=len(lengths), median_chars=int(now),
                             usual_chars=int(usual))
    return Diagnosis(site, run_id, None, "healthy", figures, stored=stored)


def check_health(db: sqlite_utils.Database, now: str | None = None) -> list[Alert]:
    """Judge each site's latest finished crawl run not judged yet; raise a ``health`` alert for
    each new problem. Returns the alerts raised (none on a rerun)."""
    from monitor.alerts import Alert

    created = now or utcnow()
    raised: list[Alert] = []
    latest_runs = db.execute(
        "SELECT r.* FROM crawl_runs r WHERE r.status != 'running' AND r.id = ("
        " SELECT MAX(id) FROM crawl_runs WHERE site = r.site AND status != 'running')"
        " ORDER BY r.id").fetchall()
    columns = [d[0] for d in db.execute("SELECT * FROM crawl_runs LIMIT 0").description]
    for values in latest_runs:
        run = dict(zip(columns, values))
        state = _read_state(db, run["site"])
        if state.get("run_id", 0) >= run["id"]:
            continue  # judged already
        diagnosis = diagnose_run(db, run)
        alert = None
        open_problem = state.get("problem")
        if diagnosis.problem is not None and diagnosis.problem != open_problem:
            alert = Alert(id=None, kind="health", topic="", url=diagnosis.url,
                          site=diagnosis.site, title=diagnosis.reason, sources=[],
                          matched=[], details=diagnosis.details, created=created)
            open_problem = diagnosis.problem
        elif diagnosis.problem is None and open_problem is not None:
            if open_problem not in _ARTICLE_PROBLEMS or diagnosis.stored > 0:
                logger.info("%s recovered from %s", diagnosis.site, open_problem)
                open_problem = None
        written = _commit(db, run["site"], {"run_id": run["id"], "problem": open_problem}, alert)
        if written and alert is not None:
            logger.info("health: %s", alert.title)
            raised.append(alert)
    return raised


def open_problems(db: sqlite_utils.Database) -> dict[str, str]:
    """The sites with an open health problem: ``{site: problem}``."""
    rows = db.execute("SELECT key, value FROM monitor_state WHERE key LIKE ?",
                      [STATE_PREFIX + "%"]).fetchall()
    problems = {}
    for key, value in rows:
        problem = json.loads(value).get("problem")
        if problem:
            problems[key[len(STATE_PREFIX):]] = problem
    return problems


def _read_state(db: sqlite_utils.Database, site: str) -> dict:
    row = db.execute("SELECT value FROM monitor_state WHERE key = ?",
                     [STATE_PREFIX + site]).fetchone()
    return json.loads(row[0]) if row else {}


def _commit(db: sqlite_utils.Database, site: str, state: dict, alert: Alert | None) -> bool:
    """Write the site's state and its alert (if any) in one transaction; False when a state
    that has moved past this run (another monitor got there first) wins and nothing is
    written."""
    with transaction(db) as conn:
        row = conn.execute("SELECT value FROM monitor_state WHERE key = ?",
                           [STATE_PREFIX + site]).fetchone()
        if row is not None and json.loads(row[0]).get("run_id", 0) >= state["run_id"]:
            return False  # nothing written: the empty transaction commits nothing
        if alert is not None:
            alert.id = conn.execute(
                "INSERT INTO alerts (kind, topic, url, site, title, version_id, sources, matched,"
                " details, created) VALUES (?, ?, ?, ?, ?, NULL, '[]', '[]', ?, ?)",
                [alert.kind, alert.topic, alert.url, alert.site, alert.title,
                 json.dumps(alert.details, ensure_ascii=False), alert.created]).lastrowid
        conn.execute(
            "INSERT INTO monitor_state (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE"
            " SET value = excluded.value",
            [STATE_PREFIX + site, json.dumps(state)])
    return True
