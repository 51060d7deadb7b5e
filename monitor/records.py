"""The records every room of the monitor shares: an alert, and the digest's settings.

A leaf module: it imports nothing of raqib, so any room may import it and no import circle
can run through it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any


@dataclass
class Alert:
    """One alert. ``matched`` holds ``{"term", "field", "text"}`` dicts (``text`` is the
    original words found); ``sources`` the URLs of the same story (just ``[url]`` until
    clustering); ``details`` for updates ``{"from_version", "to_version", "matches_now",
    "diff"}`` (and ``"lost_terms"``, ``"excluded_terms"`` when it no longer matches);
    ``published`` comes from the alerted version."""

    id: int | None
    kind: str
    topic: str
    url: str
    site: str | None
    title: str
    sources: list[str]
    matched: list[dict]
    details: dict
    created: str
    delivered: str | None = None
    version_id: int | None = None
    published: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "topic": self.topic,
            "url": self.url,
            "site": self.site,
            "title": self.title,
            "published": self.published,
            "sources": list(self.sources),
            "matched": list(self.matched),
            "details": dict(self.details),
            "created": self.created,
            "delivered": self.delivered,
        }


@dataclass(frozen=True)
class DigestSchedule:
    """When digests go out: a cron expression (5 fields) or a fixed interval."""

    cron: str | None = None
    every: timedelta | None = None

    def describe(self) -> str:
        if self.cron:
            return f"cron {self.cron!r}"
        if self.every:
            return f"every {int(self.every.total_seconds())}s"
        return "never (send with `raqib digest --send` or `raqib run --once`)"


@dataclass(frozen=True)
class DigestSettings:
    schedule: DigestSchedule = field(default_factory=DigestSchedule)
    format: str = "html"
    retry: timedelta = timedelta(minutes=1)
    retry_max: timedelta = timedelta(hours=6)
    subject: str = "رقيب: {count} تنبيهات"
