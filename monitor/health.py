"""Site health: a site that stops yielding articles, or whose articles come back empty or much
shorter than usual, raises a ``health`` alert for the operator instead of failing silently.

After each monitor run, :func:`check_health` looks at each site's latest finished crawl run
(``crawl_runs``; a run ``paused`` because the site asked us to slow down says nothing of its
health, :mod:`crawler.pauses`) that it has not judged yet and names at most one problem, most serious first:

``unreachable``
    the run failed: no page answered and there were errors;
``no_articles``
    pages answered, but the feeds, sitemaps and listing pages yielded no article link
    (``crawl_runs.listed``), and the run neither stored a new or changed article nor found a
    stored one as stored (``crawl_runs.unchanged``: read again unchanged, or answered 304).
    A crawl that re-read stored articles unchanged has found articles, whatever its clock; so
    has one whose listings named only articles not due for a re-fetch. A run in which some
    page answered ``304 Not Modified`` (``crawl_runs.not_modified``) is not judged so either:
    the site is as it was when it last yielded articles;
``blocked``
    at least half of the article pages the run read (at least :data:`MIN_PAGES_BLOCKED`) were
    not the article: a challenge page, a consent, login or paywall wall, an error or
    maintenance page, a soft 404 (``crawl_errors`` stage ``blocked`` or ``not_article``,
    written by :mod:`crawler.pagestore`, which stored no version of them). The alert says what
    the site answers with and since when («rafid answers with a challenge page since …»),
    naming the pages; it clears with a run whose article pages are the articles again (read
    in full, or answered ``304 Not Modified``: as stored);
``extraction``
    the extractor failed on at least half of the pages it read in the run (at least
    :data:`MIN_PAGES_EXTRACTION`): their bodies came out empty or collapsed, needed the
    fallback, or the extractor raised (``extraction_problems``, written by
    :mod:`crawler.pagestore`) — a redesign the extractor does not understand. The alert names
    the pages (``details["urls"]``) and counts since the problem began (:func:`extraction_health`);
``empty_bodies``
    at least :data:`MIN_VERSIONS_EMPTY` versions were stored by the run and at least half of
    them have a body under :data:`EMPTY_BODY_CHARS` characters;
``short_bodies``
    at least :data:`MIN_VERSIONS_SHORT` versions were stored by the run, the site has at least
    :data:`MIN_BASELINE` earlier versions, and the median body length of the run is under
    :data:`SHORT_RATIO` of the median of the site's last :data:`BASELINE_VERSIONS` versions
    stored before it (a paywall, or a layout change the extractor half-understands);
``outgrown``
    each of the site's last crawls reached its refetch budget: due refetches wait crawl after
    crawl (:mod:`monitor.pace`, with the figures and what to change in the seed); cleared by a
    crawl within its budget.

An alert is raised once per problem: the site's state (``monitor_state`` key
``health:<site>``) remembers the open problem, and the alert and the state are written in one
transaction. While the problem lasts nothing more is raised; a different problem raises again.
A site recovers from a body problem with a run whose bodies look usual (for ``extraction``: a
run that read article pages and extracted them well), and from
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

from monitor.pace import crawl_pace
from monitor.records import Alert

if TYPE_CHECKING:
    import sqlite_utils

logger = logging.getLogger(__name__)

STATE_PREFIX = "health:"
EMPTY_BODY_CHARS = 40
MIN_VERSIONS_EMPTY = 2
MIN_VERSIONS_SHORT = 3
MIN_BASELINE = 5
BASELINE_VERSIONS = 50
SHORT_RATIO = 0.4

MIN_PAGES_EXTRACTION = 2
EXTRACTION_SHARE = 0.5
EXTRACTION_URLS = 10  # pages named in an alert and in `raqib status`

MIN_PAGES_BLOCKED = 2
BLOCKED_SHARE = 0.5
BLOCKED_STAGES = ("blocked", "not_article")
# What a site answers with, by the kind recorded at the start of its crawl_errors message.
_BLOCKED_WORDS = (("challenge page", "a challenge page"), ("consent wall", "a consent wall"),
                  ("login wall", "a login wall"), ("paywall teaser", "a paywall teaser"),
                  ("error page", "an error page"),
                  ("another page", "pages that are not its articles"))

PROBLEMS = ("unreachable", "blocked", "outgrown", "extraction", "no_articles", "empty_bodies", "short_bodies")
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
    extracted: int = 0  # article pages the run read and extracted
    not_modified: int = 0  # pages the run found as stored (304)


# What a run's extraction problems were, in words: one status, or several.
_EXTRACTION_VERBS = {"empty": "came out empty", "collapsed": "collapsed",
                     "fallback": "needed the fallback", "error": "failed with an error"}


@dataclass
class ExtractionHealth:
    """A site's extraction problems since they began: over its latest crawl runs that read
    article pages, back to the last one whose extraction had no problem."""

    site: str
    since: str                 # when the first of those runs started
    runs: int
    pages: int                 # article pages extracted in those runs
    problems: int              # of which had an extraction problem
    by_status: dict[str, int]  # empty | collapsed | fallback | error -> pages
    urls: list[str]            # the pages with a problem, newest first (at most EXTRACTION_URLS)
    latest_run: int            # the newest run counted
    latest_pages: int          # pages extracted by that run
    latest_problems: int       # of which had a problem

    @property
    def summary(self) -> str:
        """«extraction collapsed on 14 of 20 pages of site X since <time>»."""
        if len(self.by_status) == 1:
            verb = _EXTRACTION_VERBS.get(next(iter(self.by_status)), "failed")
            detail = ""
        else:
            verb = "failed"
            detail = " (" + ", ".join(f"{n} {status}" for status, n in sorted(
                self.by_status.items(), key=lambda item: (-item[1], item[0]))) + ")"
        return (f"extraction {verb} on {self.problems} of {self.pages} pages of {self.site}"
                f" since {self.since}{detail}")


def extraction_health(db: sqlite_utils.Database, site: str,
                      up_to_run: int | None = None) -> ExtractionHealth | None:
    """``site``'s extraction problems since they began (up to run ``up_to_run``), or None
    when its latest finished run that read article pages extracted them all well."""
    runs = db.execute(
        "SELECT r.id, r.started, r.extracted, (SELECT COUNT(*) FROM extraction_problems p"
        " WHERE p.run_id = r.id) FROM crawl_runs r WHERE r.site = ? AND r.status != 'running'"
        " AND r.extracted > 0 AND r.id <= ? ORDER BY r.id DESC",
        [site, up_to_run if up_to_run is not None else 2**62]).fetchall()
    streak = []
    for run in runs:
        if run[3] == 0:
            break
        streak.append(run)
    if not streak:
        return None
    ids = [run[0] for run in streak]
    marks = ",".join("?" * len(ids))
    by_status = dict(db.execute(
        f"SELECT status, COUNT(*) FROM extraction_problems WHERE run_id IN ({marks})"
        " GROUP BY status", ids).fetchall())
    urls = [url for (url,) in db.execute(
        f"SELECT url FROM extraction_problems WHERE run_id IN ({marks})"
        " GROUP BY url ORDER BY MAX(id) DESC LIMIT ?", [*ids, EXTRACTION_URLS])]
    return ExtractionHealth(
        site=site, since=streak[-1][1], runs=len(streak), pages=sum(r[2] for r in streak),
        problems=sum(r[3] for r in streak), by_status=by_status, urls=urls,
        latest_run=streak[0][0], latest_pages=streak[0][2], latest_problems=streak[0][3])


def diagnose_run(db: sqlite_utils.Database, run: dict) -> Diagnosis:
    """Judge one finished crawl run (a ``crawl_runs`` row as a dict)."""
    site, run_id = run["site"], run["id"]
    figures = {"run_id": run_id, "pages": run["pages"], "new": run["new"],
               "changed": run["changed"], "errors": run["errors"]}
    stored = run["new"] + run["changed"]
    first_error = db.execute("SELECT url FROM crawl_errors WHERE run_id = ? AND url IS NOT NULL"
                             " ORDER BY id LIMIT 1", [run_id]).fetchone()
    error_url = first_error[0] if first_error and first_error[0] else ""

    extracted = run.get("extracted") or 0

    def found(problem: str, reason: str, url: str | None = None, **more) -> Diagnosis:
        return Diagnosis(site, run_id, problem, reason, {"problem": problem, **figures, **more},
                         url=error_url if url is None else url, stored=stored,
                         extracted=extracted, not_modified=run.get("not_modified") or 0)

    if run["status"] == "failed" or (run["pages"] == 0 and run["errors"] > 0):
        return found("unreachable", f"{site}: the last crawl reached no page "
                                    f"({run['errors']} error(s))")
    blocked = blocked_pages(db, run_id)
    if len(blocked) >= MIN_PAGES_BLOCKED and len(blocked) >= BLOCKED_SHARE * (
            len(blocked) + extracted):
        since = _blocked_since(db, site, run_id, run["started"])
        answer = _blocked_kind([message for _, message in blocked])
        return found("blocked", f"{site} answers with {answer} since {since} ({len(blocked)} of "
                                f"{len(blocked) + extracted} article pages of the last crawl;"
                                " nothing of them stored)",
                     url=blocked[0][0], since=since, blocked=len(blocked),
                     urls=[url for url, _ in blocked[:EXTRACTION_URLS]],
                     reasons=sorted({m.split(" (")[0] for _, m in blocked}))
    extraction = extraction_health(db, site, up_to_run=run_id)
    if (extraction is not None and extraction.latest_run == run_id
            and extraction.latest_pages >= MIN_PAGES_EXTRACTION
            and extraction.latest_problems >= EXTRACTION_SHARE * extraction.latest_pages):
        return found("extraction", extraction.summary, url=extraction.urls[0],
                     since=extraction.since, extracted=extraction.pages,
                     extraction_problems=extraction.problems, by_status=extraction.by_status,
                     urls=extraction.urls)
    if stored == 0 and not run.get("listed") and not run.get("not_modified") \
            and not _found_as_stored(db, run):
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
    budget = [p for p in crawl_pace(db, site) if p.problem == "budget"]
    if budget and (run.get("refetch_deferred") or 0) > 0:
        return found("outgrown", budget[0].summary, url="", **budget[0].figures)
    return Diagnosis(site, run_id, None, "healthy", figures, stored=stored, extracted=extracted,
                     not_modified=run.get("not_modified") or 0)


def _found_as_stored(db: sqlite_utils.Database, run: dict) -> bool:
    """Whether the run found stored articles as they are stored: read again unchanged or
    answered 304 (``crawl_runs.unchanged``, counted with the row), or, for a run recorded
    without that count, an article of the site seen since the run started."""
    if run.get("unchanged"):
        return True
    (seen,) = db.execute("SELECT COUNT(*) FROM articles WHERE site = ? AND last_seen >= ?",
                         [run["site"], run["started"]]).fetchone()
    return seen > 0


def blocked_pages(db: sqlite_utils.Database, run_id: int) -> list[tuple[str, str]]:
    """The article pages of a run that were not the article: (url, reason), in order."""
    marks = ",".join("?" * len(BLOCKED_STAGES))
    return [(url or "", message) for url, message in db.execute(
        f"SELECT url, message FROM crawl_errors WHERE run_id = ? AND stage IN ({marks})"
        " ORDER BY id", [run_id, *BLOCKED_STAGES])]


def _blocked_kind(messages: list[str]) -> str:
    counts = {words: sum(m.startswith(prefix) for m in messages) for prefix, words in _BLOCKED_WORDS}
    best = max(counts, key=counts.get)
    return best if counts[best] else "pages that are not its articles"


def _blocked_since(db: sqlite_utils.Database, site: str, run_id: int, started: str) -> str:
    """When the site's current run of blocked crawls began: the start of the earliest of its
    latest runs that were each mostly blocked."""
    since = started
    marks = ",".join("?" * len(BLOCKED_STAGES))
    for earlier_id, earlier_started, extracted, blocked in db.execute(
            f"SELECT r.id, r.started, r.extracted, (SELECT COUNT(*) FROM crawl_errors e"
            f" WHERE e.run_id = r.id AND e.stage IN ({marks})) FROM crawl_runs r"
            " WHERE r.site = ? AND r.id < ? AND r.status != 'running' ORDER BY r.id DESC",
            [*BLOCKED_STAGES, site, run_id]):
        if blocked < MIN_PAGES_BLOCKED or blocked < BLOCKED_SHARE * (blocked + extracted):
            break
        since = earlier_started
    return since


def check_health(db: sqlite_utils.Database, now: str | None = None) -> list[Alert]:
    """Judge each site's latest finished crawl run not judged yet; raise a ``health`` alert for
    each new problem. Returns the alerts raised (none on a rerun)."""
    created = now or utcnow()
    raised: list[Alert] = []
    latest_runs = db.execute(
        "SELECT r.* FROM crawl_runs r WHERE r.status NOT IN ('running', 'paused') AND r.id = ("
        " SELECT MAX(id) FROM crawl_runs WHERE site = r.site"
        " AND status NOT IN ('running', 'paused'))"
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
            if _recovered(open_problem, diagnosis):
                logger.info("%s recovered from %s", diagnosis.site, open_problem)
                open_problem = None
        written = _commit(db, run["site"], {"run_id": run["id"], "problem": open_problem}, alert)
        if written and alert is not None:
            logger.info("health: %s", alert.title)
            raised.append(alert)
    return raised


def _recovered(problem: str, healthy: Diagnosis) -> bool:
    """Whether a healthy run is proof that the site's open ``problem`` is over."""
    if problem in _ARTICLE_PROBLEMS:
        return healthy.stored > 0  # new stories found again
    if problem == "extraction":
        return healthy.extracted > 0  # article pages read, and extracted well
    if problem == "blocked":  # article pages answered as articles again (or as stored)
        return healthy.extracted > 0 or healthy.not_modified > 0
    return True


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
