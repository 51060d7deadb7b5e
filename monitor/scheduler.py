"""``raqib run``: crawl each site on its own interval, run the monitor after each crawl, send
digests on their schedule; ``raqib run --once`` does one round, for people who prefer cron.

APScheduler 3 (BlockingScheduler) holds the jobs, all module-level functions with explicit
ids: ``crawl:<site>`` (an interval from the seed's ``every``, with jitter), ``digest`` (the
``[digest] schedule``: an interval, or cron times in the configured time zone) and
``outbox-retry`` (failed deliveries, once their backoff has passed). Every job has
``max_instances=1`` and ``coalesce``; crawls have a ``misfire_grace_time``, a digest is never
skipped for being late. Each crawl runs in a process of its own with a time limit
(``monitor.crawling.crawl_sites``: the Twisted reactor cannot restart in one process).

What ran is kept in the ``schedule_state`` table (last start, last finish, outcome, next run),
and every schedule continues from the last run recorded there, not from process start
(:mod:`monitor.schedules`): after a restart a site is crawled one interval after its last
crawl started, the next digest is due one interval (or at the first cron time) after the last
one, and whatever fell due while raqib was down runs once, at start. The outbox makes sure no
alert is ever in two digests.

A site that asked us to slow down (``429``, or ``503`` with ``Retry-After``) is paused until
the time it asked for (:mod:`crawler.pauses`): its crawl job starts no crawl before then; the
first due time after the pause crawls it as usual.

SIGINT and SIGTERM stop it cleanly: no new job starts, a crawl under way is allowed to finish
(it has its time limit; every store write is a transaction in a WAL database, so even a
killed crawl leaves the store intact), then the process exits 0.
"""

from __future__ import annotations

import logging
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from crawler.sites import Site, load_sites
from crawler.store import open_db, transaction

from monitor.config import Config
from monitor.outbox import iso
from monitor.schedules import Cron, Every, LastRun, Schedule, first_run
from monitor.words import counted

logger = logging.getLogger("raqib.run")

@dataclass
class RunPlan:
    """Everything a job needs, as plain values (jobs run in worker threads)."""

    db: str
    seeds: str
    topics: str
    config: Config
    overrides: dict[str, str] = field(default_factory=dict)

    @property
    def crawl_settings(self) -> dict[str, str]:
        return {**self.config.crawl.settings, **self.overrides}


# --- persisted state ----------------------------------------------------------------------


def read_state(db) -> dict[str, dict]:
    return {row["job"]: row for row in db.query("SELECT * FROM schedule_state")}


def write_state(db_path: str, job: str, **values) -> None:
    db = open_db(db_path)
    try:
        sets = ", ".join(f"{name} = ?" for name in values)
        with transaction(db) as conn:
            conn.execute("INSERT OR IGNORE INTO schedule_state (job) VALUES (?)", [job])
            conn.execute(f"UPDATE schedule_state SET {sets} WHERE job = ?",
                         [*values.values(), job])
    finally:
        db.close()


# --- jobs ---------------------------------------------------------------------------------


def crawl_job(plan: RunPlan, site_ids: list[str], job: str | None = None) -> str:
    """Crawl ``site_ids`` in a child process (time-limited), then run the monitor."""
    from monitor.crawling import crawl_sites, last_run_id

    started, clock = datetime.now(timezone.utc), time.monotonic()
    site_ids, paused = _not_paused(plan, site_ids)
    if paused and not site_ids:  # asked to wait: no process, no request, the next time
        summary = "; ".join(paused)
        logger.info("crawl: %s", summary)
        for name in [job] if job else []:
            write_state(plan.db, name, last_status="paused", last_summary=summary)
        return summary
    jobs = [job] if job else [f"crawl:{s}" for s in site_ids]
    for name in jobs:
        write_state(plan.db, name, last_started=iso(started))
    before = last_run_id(plan.db)
    timeout = plan.config.crawl.timeout.total_seconds()
    label = ", ".join(site_ids) or "every site"
    logger.info("crawl %s: started", label)
    try:
        outcome = crawl_sites(plan.db, plan.seeds, site_ids, plan.crawl_settings,
                              timeout=timeout)
        runs, status = outcome.runs, "finished" if outcome.runs else "failed"
        problems = [line for line in outcome.messages.splitlines()
                    if line.startswith("raqib:") or " ERROR" in line]
    except subprocess.TimeoutExpired:
        from monitor.crawling import close_timed_out_runs, runs_after

        close_timed_out_runs(plan.db, before, timeout)
        runs, status, problems = runs_after(plan.db, before), "timeout", []
    for problem in problems[:5]:
        logger.warning("crawl %s: %s", label, problem)
    found = "; ".join(run.line() for run in runs) or "nothing crawled"
    monitored = monitor_job(plan)
    seconds = time.monotonic() - clock
    summary = "; ".join([found, *paused, monitored])
    logger.info("crawl %s: %s in %.1fs", label, summary, seconds)
    for name in jobs:
        write_state(plan.db, name, last_finished=iso(datetime.now(timezone.utc)),
                    last_status=status, last_summary=summary)
    return summary


def _not_paused(plan: RunPlan, site_ids: list[str]) -> tuple[list[str], list[str]]:
    """``site_ids`` less the sites paused now (:mod:`crawler.pauses`; the clock is the crawl's
    ``RAQIB_NOW`` when set), and a line for each of those."""
    from crawler.fetchstate import parse_time
    from crawler.pauses import paused_sites

    now = parse_time(plan.crawl_settings.get("RAQIB_NOW")) or datetime.now(timezone.utc)
    pauses = paused_sites(plan.db, site_ids, now)
    return ([site for site in site_ids if site not in pauses],
            [f"{site} paused: {pause.describe()}" for site, pause in pauses.items()])


def monitor_job(plan: RunPlan) -> str:
    """Run the monitor from its checkpoint; a short account of what it raised."""
    from monitor.alerts import run_monitor
    from monitor.topics import load_topics

    if not Path(plan.topics).exists():
        return f"monitor skipped: no topics file at {plan.topics}"
    db = open_db(plan.db)
    try:
        raised = run_monitor(db, load_topics(plan.topics))
    finally:
        db.close()
    return f"monitor: {counted(len(raised), 'new alert')}"


def digest_job(plan: RunPlan, build: bool = True, force: bool = False) -> str:
    """Build the digest of the alerts not yet in one and deliver every due delivery."""
    from monitor.digest import site_names
    from monitor.outbox import send_digests

    started = datetime.now(timezone.utc)
    job = "digest" if build else "outbox-retry"
    if build:
        write_state(plan.db, job, last_started=iso(started))
    db = open_db(plan.db)
    try:
        report = send_digests(db, list(plan.config.channels), plan.config.digest, started,
                              build=build, force=force, tz=plan.config.tz,
                              names=site_names(plan.seeds))
    finally:
        db.close()
    if report.built is None and not report.attempts:
        summary = "nothing new to send" if build else ""
    else:
        summary = "; ".join([f"built digest {report.built}"] * (report.built is not None)
                            + [attempt.line() for attempt in report.attempts])
    if summary:
        logger.info("%s: %s", job, summary)
    if build:
        write_state(plan.db, job, last_finished=iso(datetime.now(timezone.utc)),
                    last_status="failed" if report.failed else "finished",
                    last_summary=summary)
    return summary


# --- one round ----------------------------------------------------------------------------


def run_once(plan: RunPlan, send: bool = True) -> list[str]:
    """Crawl every site once (one child process), run the monitor and, when ``send`` and
    channels are configured, build and deliver the digest. Returns the log lines."""
    sites, _ = load_sites(plan.seeds)
    ids = [site.id for site in sites]
    lines = [crawl_job(plan, ids)] if ids else ["no site to crawl"]
    if send and plan.config.channels:
        lines.append(digest_job(plan, force=False) or "nothing new to send")
    elif send:
        lines.append("no channels configured: digest not sent")
    return lines


# --- staying up ---------------------------------------------------------------------------


def crawl_schedule(site: Site, config: Config) -> Every:
    """A site's crawl interval, with up to ``[crawl] jitter`` (at most a tenth of it) added."""
    return Every(site.every, min(config.crawl.jitter, site.every / 10))


def digest_schedule(config: Config) -> Schedule | None:
    """The ``[digest] schedule`` of ``config`` (``None``: digests are sent by hand)."""
    schedule = config.digest.schedule
    if schedule.cron:
        return Cron(schedule.cron, config.timezone)
    if schedule.every:
        return Every(schedule.every)
    return None


def build_scheduler(plan: RunPlan, now: datetime | None = None):
    """A BlockingScheduler holding every job of ``plan``, each continuing from the last run
    the store records (see :mod:`monitor.schedules`)."""
    from apscheduler.events import (EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_JOB_MISSED,
                                    EVENT_JOB_SUBMITTED)
    from apscheduler.schedulers.blocking import BlockingScheduler
    from apscheduler.triggers.interval import IntervalTrigger

    config = plan.config
    now = now or datetime.now(timezone.utc)
    sites, errors = load_sites(plan.seeds)
    for error in errors:
        logger.warning("seed file skipped: %s", error)
    db = open_db(plan.db)
    try:
        state = read_state(db)
    finally:
        db.close()

    scheduler = BlockingScheduler(timezone=config.tz, job_defaults={
        "coalesce": True, "max_instances": 1,
        "misfire_grace_time": int(config.crawl.misfire_grace.total_seconds())})
    for site in sites:
        job = f"crawl:{site.id}"
        schedule = crawl_schedule(site, config)
        start = first_run(schedule, LastRun.from_state(state.get(job)), now,
                          at_once_if_new=True)
        scheduler.add_job(crawl_job, schedule.trigger(start), args=[plan, [site.id], job],
                          id=job, name=job, next_run_time=start, replace_existing=True)
        write_state(plan.db, job, next_run=iso(start))
        logger.info("%s: %s, first at %s", job, schedule.describe(), start.isoformat())

    schedule = digest_schedule(config)
    if not config.channels:
        logger.warning("no [[channel]] in the config: digests are not sent")
    elif schedule is not None:
        last = LastRun.from_state(state.get("digest"))
        start = first_run(schedule, last, now, at_once_if_new=False)
        write_state(plan.db, "digest", next_run=iso(start))
        # a digest is never skipped for being late (a machine that slept through it): it
        # goes out once, late, and the schedule continues from it
        scheduler.add_job(digest_job, schedule.trigger(start), args=[plan], id="digest",
                          name="digest", next_run_time=start, misfire_grace_time=None,
                          replace_existing=True)
        caught_up = start <= now   # only a time due while stopped is not in the future
        logger.info("digest: %s, first at %s%s", schedule.describe(), start.isoformat(),
                    " (one was due while stopped: sending now)" if caught_up else "")
        retry = max(config.digest.retry.total_seconds(), 1)
        scheduler.add_job(digest_job, IntervalTrigger(seconds=retry), args=[plan, False],
                          id="outbox-retry", name="outbox-retry", replace_existing=True)
    else:
        logger.warning("no [digest] schedule: digests go out with `raqib digest --send`")

    def remember_next(event) -> None:
        # on submission too: a run under way when raqib is stopped leaves the time after it
        job = scheduler.get_job(event.job_id)
        if job is not None and job.next_run_time is not None and event.job_id != "outbox-retry":
            write_state(plan.db, event.job_id, next_run=iso(job.next_run_time))
        if getattr(event, "exception", None) is not None:
            logger.error("%s failed: %r", event.job_id, event.exception)

    scheduler.add_listener(remember_next, EVENT_JOB_SUBMITTED | EVENT_JOB_EXECUTED
                           | EVENT_JOB_ERROR | EVENT_JOB_MISSED)
    return scheduler


def run_forever(plan: RunPlan) -> None:
    """Run the scheduler until SIGINT or SIGTERM; then let running jobs finish and return."""
    scheduler = build_scheduler(plan)
    stopping = threading.Event()

    def stop(signum, frame) -> None:
        if stopping.is_set():
            return
        stopping.set()
        logger.info("%s received: stopping; a crawl under way is allowed to finish",
                    signal.Signals(signum).name)
        scheduler.shutdown(wait=False)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        scheduler.start()  # blocks until stop() shuts it down
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    _wait_for_workers(scheduler)
    logger.info("stopped")


def _wait_for_workers(scheduler) -> None:
    executor = scheduler._lookup_executor("default")
    pool = getattr(executor, "_pool", None)
    if pool is not None:
        pool.shutdown(wait=True)
