"""``raqib status``: each site's last crawl, next crawl, errors and extraction problems, its
stories taken down, whether it is paused (``paused until …`` in the configured time zone),
and the pending digest.

Read-only: it looks at ``crawl_runs``, ``crawl_errors``, ``extraction_problems``, ``removals``,
``site_pauses``, ``schedule_state`` (written by ``raqib run``) and the outbox, and never
changes them. Next times
follow from the last runs with the rules ``raqib run`` itself uses (:mod:`monitor.schedules`), so
a next crawl is never shown before the last one: one interval after the last crawl started, or
"due now".
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone, tzinfo

import sqlite_utils

from crawler.durations import format_duration
from crawler.extract.safetext import terminal_json, terminal_safe_all
from crawler.pauses import paused_until
from crawler.sites import Site

from monitor.health import extraction_health
from monitor.history import isolate
from monitor.localtime import readable_time, zone_name
from monitor.outbox import iso, outbox_state
from monitor.pace import crawl_pace
from monitor.scheduler import read_state
from monitor.words import counted
from monitor.schedules import Every, LastRun, Schedule, next_due

_DAY = timedelta(days=1)
REMOVED_SHOWN = 10


@dataclass
class SiteStatus:
    site: str
    name: str
    every_seconds: float
    last_crawl: str | None        # when the latest crawl run started
    last_status: str | None       # finished | failed | timeout | running
    last_counts: dict | None      # pages, new, changed, errors of that run
    next_crawl: str | None        # one interval after the last crawl started (None: due now)
    next_source: str              # "scheduled" (raqib run's last crawl) | "estimated" (the
                                  # last crawl of crawl_runs) | "now" (due, or never crawled)
    errors_24h: int
    last_error: str | None
    # pages whose extraction came out empty, collapsed, needed the fallback or failed, since
    # that began (monitor.health.ExtractionHealth, with its "summary"); None: extraction is well
    extraction: dict | None = None
    # crawls that outgrow their interval or their refetch budget (monitor.pace), in words
    pace: list[str] | None = None
    # stored articles taken down and not back (crawler.removals), the latest first: url,
    # title, removed, reason, tracked (it raised an alert for a topic); at most REMOVED_SHOWN
    removed: list[dict] | None = None
    removed_count: int = 0
    # the site asked us to slow down (crawler.pauses): until when (UTC, and in the configured
    # time zone) and why; None: not paused
    paused_until: str | None = None
    paused_until_local: str | None = None
    paused_reason: str | None = None


@dataclass
class Status:
    sites: list[SiteStatus]
    unbuilt_alerts: int           # alerts waiting for the next digest
    undelivered: list[dict]       # deliveries of built digests not sent yet
    digest_next: str | None       # when the next digest is due (None: see digest_due)
    digest_last: dict | None
    digest_schedule: str | None = None  # the [digest] schedule, described
    digest_due: bool = False      # a digest is due now (raqib run sends it at once)

    def to_json(self) -> dict:
        return asdict(self)


def collect_status(db: sqlite_utils.Database, sites: list[Site], now: datetime | None = None,
                   digest: Schedule | None = None, tz: tzinfo | None = None) -> Status:
    """Each site's crawls and errors and the outbox, at ``now``; ``digest`` is the
    ``[digest] schedule`` (``monitor.scheduler.digest_schedule``), when there is one; ``tz``
    the configured time zone, for the times a person reads (a pause's end)."""
    now = now or datetime.now(timezone.utc)
    tz = tz or timezone.utc
    state = read_state(db)
    day_ago = iso(now.replace(microsecond=0) - _DAY)
    result = []
    for site in sites:
        run = db.execute(
            "SELECT started, status, pages, new, changed, errors, finished FROM crawl_runs"
            " WHERE site = ? ORDER BY id DESC LIMIT 1", [site.id]).fetchone()
        (errors_24h,) = db.execute(
            "SELECT COUNT(*) FROM crawl_errors WHERE site = ? AND created >= ?",
            [site.id, day_ago]).fetchone()
        last_error = db.execute(
            "SELECT created, stage, url, message FROM crawl_errors WHERE site = ?"
            " ORDER BY id DESC LIMIT 1", [site.id]).fetchone()
        scheduled = LastRun.from_state(state.get(f"crawl:{site.id}"))
        if scheduled.started is not None:
            last, source = scheduled, "scheduled"
        else:
            last = LastRun.from_state({"last_started": run[0], "last_finished": run[6]}
                                      if run else None)
            source = "estimated"
        due = next_due(Every(site.every), last)
        if due is None or due <= now:
            next_crawl, source = None, "now"
        else:
            next_crawl = iso(due)
        result.append(SiteStatus(
            site=site.id, name=site.name, every_seconds=site.every.total_seconds(),
            last_crawl=run[0] if run else None, last_status=run[1] if run else None,
            last_counts=dict(zip(("pages", "new", "changed", "errors"), run[2:6]))
            if run else None,
            next_crawl=next_crawl, next_source=source, errors_24h=errors_24h,
            last_error=(f"{last_error[0]} [{last_error[1]}] "
                        + (f"{last_error[2]}: " if last_error[2] else "") + last_error[3])
            if last_error else None,
            extraction=_extraction(db, site.id),
            pace=[p.summary for p in crawl_pace(db, site.id, site.every)] or None,
            **_removed(db, site.id), **_paused(db, site.id, now, tz),
        ))
    outbox = outbox_state(db)
    digest_state = state.get("digest") or {}
    digest_next, digest_due = None, False
    if digest is not None:
        due = next_due(digest, LastRun.from_state(digest_state))
        if due is None and not isinstance(digest, Every):
            due = digest.due_after(now)   # cron, never sent: its next wall-clock time
        digest_due = due is not None and due <= now
        digest_next = None if due is None or digest_due else iso(due)
    return Status(sites=result, unbuilt_alerts=outbox.unbuilt_alerts,
                  undelivered=outbox.undelivered, digest_next=digest_next,
                  digest_last={k: digest_state.get(k) for k in ("last_started", "last_status",
                                                                "last_summary")}
                  if digest_state else None,
                  digest_schedule=digest.describe() if digest is not None else None,
                  digest_due=digest_due)


def _paused(db: sqlite_utils.Database, site_id: str, now: datetime, tz: tzinfo) -> dict:
    pause = paused_until(db, site_id, now)
    if pause is None:
        return {}
    local = pause.until.astimezone(tz)
    return {"paused_until": iso(pause.until),
            "paused_until_local": f"{local:%Y-%m-%d %H:%M:%S} {zone_name(tz)}",
            "paused_reason": pause.describe()}


def _removed(db: sqlite_utils.Database, site_id: str) -> dict:
    """The site's stored articles taken down and not back, the latest first."""
    (count,) = db.execute("SELECT COUNT(*) FROM removals WHERE site = ? AND removed IS NOT NULL"
                          " AND restored IS NULL", [site_id]).fetchone()
    if not count:
        return {"removed": None, "removed_count": 0}
    rows = db.execute(
        "SELECT r.url, COALESCE(a.title, ''), r.removed, r.reason,"
        " EXISTS (SELECT 1 FROM alerts x WHERE x.url = r.url AND x.topic != '') AS tracked"
        " FROM removals r LEFT JOIN articles a ON a.url = r.url"
        " WHERE r.site = ? AND r.removed IS NOT NULL AND r.restored IS NULL"
        " ORDER BY r.removed DESC, r.id DESC LIMIT ?", [site_id, REMOVED_SHOWN]).fetchall()
    return {"removed": [dict(zip(("url", "title", "removed", "reason", "tracked"),
                                 (*row[:4], bool(row[4])))) for row in rows],
            "removed_count": count}


def _extraction(db: sqlite_utils.Database, site_id: str) -> dict | None:
    health = extraction_health(db, site_id)
    if health is None:
        return None
    return {"summary": health.summary, **asdict(health)}


def render_status(status: Status, fmt: str = "text", tz: tzinfo | None = None) -> str:
    """``status`` as text (times readable, in zone ``tz``: «الخميس 3 ديسمبر 2026، 12:48»,
    :mod:`monitor.localtime`) or json (ISO-8601 UTC)."""
    if fmt == "json":
        return terminal_json(status.to_json())
    status = terminal_safe_all(status)  # errors quote pages, URLs and servers

    def when(value: str | None) -> str:
        return readable_time(value, tz, isolate)

    lines = [f"times in {zone_name(tz)}", "sites:"]
    if not status.sites:
        lines.append("  (none)")
    for s in status.sites:
        if s.last_crawl:
            c = s.last_counts or {}
            last = (f"{when(s.last_crawl)} {s.last_status}: {counted(c.get('pages'), 'page')},"
                    f" {c.get('new')} new, {c.get('changed')} changed,"
                    f" {counted(c.get('errors'), 'error')}")
        else:
            last = "never crawled"
        upcoming = {"scheduled": when(s.next_crawl), "estimated": f"~{when(s.next_crawl)}",
                    "now": "due now"}[s.next_source]
        lines.append(f"  {s.site} (every {format_duration(timedelta(seconds=s.every_seconds))})")
        lines.append(f"    last crawl: {last}")
        lines.append(f"    next crawl: {upcoming}")
        if s.paused_until:
            lines.append(f"    paused until {when(s.paused_until)}: the site asked us to slow "
                         f"down ({s.paused_reason})")
        lines.append(f"    errors in the last 24h: {s.errors_24h}")
        if s.last_error:
            lines.append(f"    last error: {s.last_error[:300]}")
        if s.extraction:
            lines.append(f"    extraction: {s.extraction['summary']}")
            lines.extend(f"      {url}" for url in s.extraction["urls"])
        for pace in s.pace or ():
            lines.append(f"    outgrown: {pace}")
        if s.removed_count:
            lines.append(f"    removed stories: {s.removed_count}")
            for r in s.removed or ():
                lines.append(f"      {when(r['removed'])} {r['url']} ({r['reason']}"
                             + ("; tracked" if r["tracked"] else "") + ")")
                if r["title"]:
                    lines.append(f"        \u200f{r['title']}")
    lines.append("digest:")
    lines.append(f"  alerts waiting for the next digest: {status.unbuilt_alerts}")
    if status.digest_schedule:
        upcoming = ("due now" if status.digest_due else
                    when(status.digest_next) if status.digest_next
                    else "one interval after `raqib run` starts")
        lines.append(f"  next digest: {upcoming} ({status.digest_schedule})")
    if status.digest_last and status.digest_last.get("last_started"):
        lines.append(f"  last digest run: {when(status.digest_last['last_started'])}"
                     f" ({status.digest_last.get('last_summary') or '-'})")
    if not status.undelivered:
        lines.append("  undelivered: none")
    for d in status.undelivered:
        line = (f"  undelivered: digest {d['digest_id']} ({counted(d['alerts'], 'alert')}, built"
                f" {when(d['created'])}) → {d['channel']}: {d['status']}")
        if d["status"] == "failed":
            line += (f" after {d['attempts']} attempt(s), next try {when(d['next_attempt'])}: "
                     f"{d['error']}")
        lines.append(line)
    return "\n".join(lines)


# --- live checks ----------------------------------------------------------------------------


@dataclass
class SourceCheck:
    """One feed, sitemap or listing page fetched now."""

    site: str
    kind: str      # feed | sitemap | start_url
    url: str
    ok: bool
    detail: str

    def line(self) -> str:
        return f"{'ok  ' if self.ok else 'FAIL'}  {self.site:<14} {self.kind:<9} {self.url}  ({self.detail})"


def check_live(site: Site, timeout: float = 15) -> list[SourceCheck]:
    """Fetch each of ``site``'s feeds, sitemaps and listing pages now: does it answer, and
    does a feed or sitemap hold entries?"""
    import urllib.error
    import urllib.request
    import zlib

    from crawler.decompress import MAX_UNPACKED, TooLarge, gunzip
    from crawler.extract.feeds import parse_feed
    from crawler.sitemaps import read_sitemap

    from crawler.urls import UrlDoor

    door = UrlDoor(site.allowed_domains, site.tracking_parameters)

    class DoorRedirects(urllib.request.HTTPRedirectHandler):
        """Redirects pass the crawl's URL door: http(s) on the site's allowed hosts only."""

        def redirect_request(self, req, fp, code, msg, headers, newurl):
            admission = door.admit(newurl, req.full_url)
            if not admission.admitted:
                raise urllib.error.URLError(f"redirect to {admission.found} refused: {admission.refused}")
            return super().redirect_request(req, fp, code, msg, headers, admission.url)

    opener = urllib.request.build_opener(DoorRedirects)
    checks = []
    sources = ([("feed", u) for u in site.feeds] + [("sitemap", u) for u in site.sitemaps]
               + [("start_url", u) for u in site.start_urls])
    for kind, url in sources:
        request = urllib.request.Request(url, headers={"User-Agent": "raqib (sites check --live)",
                                                       "Accept-Encoding": "gzip"})
        try:
            with opener.open(request, timeout=timeout) as response:
                data = response.read(20_000_000)
                if response.headers.get("Content-Encoding") == "gzip" or data[:2] == b"\x1f\x8b":
                    data = gunzip(data)  # bounded: a gzip bomb stops at the limit
                status = response.status
        except TooLarge as exc:
            checks.append(SourceCheck(site.id, kind, url, False, f"not read: it {exc}"))
            continue
        except zlib.error as exc:
            checks.append(SourceCheck(site.id, kind, url, False, f"bad gzip data: {exc}"))
            continue
        except urllib.error.HTTPError as exc:
            checks.append(SourceCheck(site.id, kind, url, False, f"HTTP {exc.code}"))
            continue
        except (urllib.error.URLError, OSError, EOFError) as exc:
            checks.append(SourceCheck(site.id, kind, url, False,
                                      f"no answer: {getattr(exc, 'reason', exc)}"))
            continue
        if kind == "start_url":
            checks.append(SourceCheck(site.id, kind, url, True, f"HTTP {status}, {len(data)} bytes"))
            continue
        found = parse_feed(data, url) if kind == "feed" else read_sitemap(data, MAX_UNPACKED)
        entries = len(found.links) + len(found.sitemaps)
        checks.append(SourceCheck(site.id, kind, url, entries > 0,
                                  f"HTTP {status}, {entries} entries" if entries
                                  else f"HTTP {status}, {found.problem or 'no entries'}"))
    return checks
