"""Records the extractor produces and takes. Plain dataclasses: no Scrapy, no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Selectors:
    """Per-site CSS overrides from a seed file's ``[selectors]`` table."""

    title: str | None = None
    body: str | None = None
    published: str | None = None
    author: str | None = None
    drop: tuple[str, ...] = ()


@dataclass
class RemovedBlock:
    """One block the cleaner removed, and the rule that removed it (for ``--explain``)."""

    rule: str
    text: str


@dataclass
class Article:
    """An extracted article. ``body`` holds paragraphs separated by one blank line;
    ``published`` is ISO-8601 (a date, or a date-time with its offset when the page gave one)."""

    url: str | None
    title: str
    body: str
    published: str | None = None
    author: str | None = None
    removed: list[RemovedBlock] = field(default_factory=list)

    @property
    def paragraphs(self) -> list[str]:
        return [p for p in self.body.split("\n\n") if p.strip()]
