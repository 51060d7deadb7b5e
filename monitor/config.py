"""``raqib.toml``: where the store and seeds are, the time zone, the digest schedule and the
delivery channels.

    db = "raqib.db"                  # paths are relative to this file
    seeds = "seeds"
    timezone = "Asia/Baghdad"

    [digest]
    schedule = "0 7 * * *"           # cron (minute hour day month weekday), in `timezone`;
                                     # or a duration such as "6h" for a digest every 6 hours
    format = "html"                  # for channels that take one format (file)
    retry = "1m"                     # first retry of a failed delivery; doubles up to 6h

    [crawl]
    timeout = "15m"                  # a crawl still running after this is stopped
    jitter = "30s"                   # random delay added to each crawl (at most 10% of `every`)
    misfire_grace = "10m"            # a crawl this late still runs; later ones are skipped
    settings = { DOWNLOAD_DELAY = "2" }   # Scrapy settings for every crawl

    [[channel]]
    type = "smtp"
    ...

Secrets never live in this file: a channel names the *environment variables* that hold them
(``password_env = "RAQIB_SMTP_PASSWORD"``), and they are read only when a digest is sent.
Every problem is reported as ``FILE: KEY: reason``, all of them at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, Callable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from crawler.durations import parse_duration
from crawler.tomlfile import Problem, TomlFileError, duration, read_toml, table, unknown

from monitor.digest import FORMATS
from monitor.records import DigestSchedule, DigestSettings

_TOP_KEYS = {"db", "seeds", "topics", "timezone", "digest", "crawl", "channel"}
_DIGEST_KEYS = {"schedule", "format", "retry", "retry_max", "subject"}
_CRAWL_KEYS = {"timeout", "jitter", "misfire_grace", "settings"}


class ConfigError(ValueError):
    """A config file that cannot be used; ``problems`` holds one ``FILE: KEY: reason`` each."""

    def __init__(self, path: Path | str, problems: list[str]):
        self.path = Path(path)
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True)
class CrawlSettings:
    timeout: timedelta = timedelta(minutes=15)
    jitter: timedelta = timedelta(seconds=30)
    misfire_grace: timedelta = timedelta(minutes=10)
    settings: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Config:
    """A loaded ``raqib.toml`` (or the defaults, when there is none)."""

    path: Path | None = None
    db: str | None = None
    seeds: str | None = None
    topics: str | None = None
    timezone: str = "UTC"
    digest: DigestSettings = field(default_factory=DigestSettings)
    crawl: CrawlSettings = field(default_factory=CrawlSettings)
    channels: tuple[Any, ...] = ()   # monitor.notify.Channel instances

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def load_config(path: str | Path | None) -> Config:
    """Load and validate ``path`` (``None``: the defaults); raise ConfigError listing every
    problem with file, key and reason."""
    if path is None:
        return Config()
    path = Path(path)
    try:
        data = read_toml(path)
    except TomlFileError as exc:
        raise ConfigError(path, [str(exc)]) from None
    return config_from_table(path, data)


def config_from_table(path: Path, data: dict[str, Any]) -> Config:
    from monitor.notify import build_channel

    problems: list[str] = []

    def problem(key: str, reason: str) -> None:
        problems.append(f"{path}: {key}: {reason}")

    unknown(data, _TOP_KEYS, "", problem)
    base = path.parent

    def a_path(key: str) -> str | None:
        value = data.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            problem(key, "must be a path (a non-empty string)")
            return None
        return str(base / value)

    db, seeds, topics = a_path("db"), a_path("seeds"), a_path("topics")

    timezone = data.get("timezone", "UTC")
    try:
        if not isinstance(timezone, str):
            raise ZoneInfoNotFoundError
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        problem("timezone", f"{timezone!r} is not a time zone name (e.g. \"Asia/Baghdad\", \"UTC\")")
        timezone = "UTC"

    digest = _digest(table(data, "digest", problem), problem)
    crawl = _crawl(table(data, "crawl", problem), problem)

    channels = []
    raw_channels = data.get("channel", [])
    if not isinstance(raw_channels, list) or not all(isinstance(c, dict) for c in raw_channels):
        problem("channel", "must be an array of tables: write [[channel]] before each one")
        raw_channels = []
    names: set[str] = set()
    for index, raw in enumerate(raw_channels):
        key = f"channel[{index}]"
        if raw.get("type") == "file" and isinstance(raw.get("path"), str):
            raw = {**raw, "path": str(base / raw["path"])}  # relative to this file
        channel = build_channel(raw, digest, lambda k, r, key=key: problem(f"{key}.{k}", r))
        if channel is None:
            continue
        if channel.name in names:
            problem(f"{key}.name", f"{channel.name!r} is used by another channel; give each a "
                                   "distinct name")
            continue
        names.add(channel.name)
        channels.append(channel)

    if problems:
        raise ConfigError(path, problems)
    return Config(path=path, db=db, seeds=seeds, topics=topics, timezone=timezone,
                  digest=digest, crawl=crawl, channels=tuple(channels))


# --- sections -----------------------------------------------------------------------------


def _digest(data: dict[str, Any], problem: Problem) -> DigestSettings:
    unknown(data, _DIGEST_KEYS, "digest.", problem)
    schedule = DigestSchedule()
    raw = data.get("schedule")
    if raw is not None:
        schedule = parse_schedule(raw, lambda reason: problem("digest.schedule", reason))
    fmt = data.get("format", "html")
    if fmt not in FORMATS:
        problem("digest.format", f"{fmt!r} is not one of {', '.join(FORMATS)}")
        fmt = "html"
    retry = duration(data, "retry", "1m", "digest.", problem)
    retry_max = duration(data, "retry_max", "6h", "digest.", problem)
    subject = data.get("subject", DigestSettings.subject)
    if not isinstance(subject, str) or not subject.strip():
        problem("digest.subject", "must be a non-empty string ({count} is the number of alerts)")
        subject = DigestSettings.subject
    try:
        subject.format(count=1)
    except (KeyError, IndexError, ValueError) as exc:
        problem("digest.subject", f"only {{count}} may stand in braces ({exc!r})")
        subject = DigestSettings.subject
    return DigestSettings(schedule=schedule, format=fmt, retry=retry, retry_max=retry_max,
                          subject=subject)


def parse_schedule(raw: Any, fail: Callable[[str], None]) -> DigestSchedule:
    """``"0 7 * * *"`` (cron) or ``"6h"`` (interval); ``fail(reason)`` otherwise."""
    if not isinstance(raw, str) or not raw.strip():
        fail("must be a cron expression such as \"0 7 * * *\" or a duration such as \"6h\"")
        return DigestSchedule()
    text = raw.strip()
    if len(text.split()) == 5:
        from apscheduler.triggers.cron import CronTrigger

        try:
            CronTrigger.from_crontab(text, timezone="UTC")
        except ValueError as exc:
            fail(f"bad cron expression {text!r}: {exc}")
            return DigestSchedule()
        return DigestSchedule(cron=text)
    try:
        return DigestSchedule(every=parse_duration(text))
    except ValueError:
        fail(f"{text!r} is neither a cron expression (5 fields: minute hour day month weekday)"
             " nor a duration such as 6h")
        return DigestSchedule()


def _crawl(data: dict[str, Any], problem: Problem) -> CrawlSettings:
    unknown(data, _CRAWL_KEYS, "crawl.", problem)
    settings = data.get("settings", {})
    if not isinstance(settings, dict):
        problem("crawl.settings", "must be a table of Scrapy settings")
        settings = {}
    return CrawlSettings(
        timeout=duration(data, "timeout", "15m", "crawl.", problem),
        jitter=duration(data, "jitter", "30s", "crawl.", problem, allow_zero=True),
        misfire_grace=duration(data, "misfire_grace", "10m", "crawl.", problem),
        settings={str(k): _setting_text(v) for k, v in settings.items()},
    )


def _setting_text(value: Any) -> str:
    if isinstance(value, bool):
        return "True" if value else "False"
    return str(value)
