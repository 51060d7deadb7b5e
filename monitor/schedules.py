"""When each job of ``raqib run`` is due, from the last run the store records.

A schedule is an interval (:class:`Every`: a site's ``every``, or ``[digest] schedule = "6h"``)
or wall-clock times (:class:`Cron`: ``[digest] schedule = "0 7 * * *"`` in the configured time
zone). Either way the next run follows from the last one recorded in ``schedule_state``, never
from when the process started:

- an interval is due one interval after the start of its last run (``last + every``);
- a cron schedule is due at its first time after the start of its last run;
- a due time that passed while raqib was down is caught up once, at start (``now``), and the
  schedule goes on from that run: the next interval counts from it, the next cron time is the
  first after it;
- a run that started and never finished (the process was killed) is run again at start;
- a job that never ran keeps the first time planned for it by the first start (so restarts
  do not push a first digest away either); with nothing planned it starts at once (crawls)
  or waits for its first due time (digests: one interval from now, or the next cron time).

Everything here takes ``now`` and the last run as arguments and reads no clock, so
``build_scheduler`` and ``raqib status`` agree, and a test can walk through restarts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from crawler.durations import format_duration

# The store keeps times to the second: a run stored as 07:00:00 may have started at
# 07:00:00.9, so the first cron time after it is looked for from one second later.
_STORED_PRECISION = timedelta(seconds=1)


@dataclass(frozen=True)
class LastRun:
    """A job's last run as ``schedule_state`` records it (``None``: never), and the next
    run planned for it."""

    started: datetime | None = None
    finished: datetime | None = None
    planned: datetime | None = None

    @classmethod
    def from_state(cls, row: dict | None) -> LastRun:
        """From a ``schedule_state`` row (``last_started``, ``last_finished``, ``next_run``)
        or ``None``."""
        row = row or {}
        return cls(started=_parse(row.get("last_started")),
                   finished=_parse(row.get("last_finished")),
                   planned=_parse(row.get("next_run")))

    @property
    def interrupted(self) -> bool:
        """It started and never finished: the process stopped without letting it end."""
        return self.started is not None and (self.finished is None
                                             or self.finished < self.started)


class Schedule(Protocol):
    def due_after(self, last: datetime) -> datetime:
        """The first due time after a run that started at ``last``."""

    def trigger(self, first: datetime):
        """The APScheduler trigger whose fire times follow a run at ``first``."""

    def describe(self) -> str: ...


@dataclass(frozen=True)
class Every:
    """An interval: due ``every`` after the start of the last run (plus up to ``jitter``)."""

    every: timedelta
    jitter: timedelta = timedelta(0)

    def due_after(self, last: datetime) -> datetime:
        return last + self.every

    def trigger(self, first: datetime):
        from apscheduler.triggers.interval import IntervalTrigger

        jitter = self.jitter.total_seconds()
        return IntervalTrigger(seconds=self.every.total_seconds(), start_date=first,
                               timezone=first.tzinfo, jitter=jitter or None)

    def describe(self) -> str:
        return f"every {format_duration(self.every)}"


@dataclass(frozen=True)
class Cron:
    """Wall-clock times: a 5-field cron expression read in time zone ``timezone``."""

    expression: str
    timezone: str = "UTC"

    def _trigger(self):
        from apscheduler.triggers.cron import CronTrigger

        return CronTrigger.from_crontab(self.expression, timezone=ZoneInfo(self.timezone))

    def due_after(self, last: datetime) -> datetime:
        return self._trigger().get_next_fire_time(None, last + _STORED_PRECISION)

    def trigger(self, first: datetime):
        return self._trigger()

    def describe(self) -> str:
        return f"cron {self.expression!r} ({self.timezone})"


def next_due(schedule: Schedule, last: LastRun) -> datetime | None:
    """When ``schedule`` is due next after ``last`` (possibly already past): one due time
    after the last run, or the first time planned when it never ran; ``None`` when nothing
    anchors it yet."""
    return schedule.due_after(last.started) if last.started is not None else last.planned


def first_run(schedule: Schedule, last: LastRun, now: datetime, *,
              at_once_if_new: bool) -> datetime:
    """When a (re)started ``raqib run`` runs the job first: its next due time, or ``now`` when
    that passed while it was down (once: the schedule continues from this run) or when the
    last run was cut off. A job that never ran keeps the time planned for it; with none, it
    runs ``now`` when ``at_once_if_new`` (a crawl), else at its first due time from ``now``
    (a digest)."""
    if last.started is None:
        if last.planned is not None:
            return max(last.planned, now)
        return now if at_once_if_new else max(schedule.due_after(now), now)
    if last.interrupted:
        return now
    return max(schedule.due_after(last.started), now)


def _parse(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None
