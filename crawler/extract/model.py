"""Records the extractor produces and takes. Plain dataclasses: no Scrapy, no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from crawler.extract.interstitial import Interstitial


@dataclass(frozen=True)
class Selectors:
    """Per-site CSS overrides from a seed file's ``[selectors]`` table."""

    title: str | None = None
    body: str | None = None
    published: str | None = None
    author: str | None = None
    drop: tuple[str, ...] = ()          # CSS selectors of this site's furniture
    drop_text: tuple[str, ...] = ()     # phrases of this site's furniture: a block holding one goes


@dataclass
class RemovedBlock:
    """One block the cleaner removed, and the rule that removed it (for ``--explain``)."""

    rule: str
    text: str


ExtractionStatus = Literal["ok", "fallback", "collapsed", "empty", "error"]


@dataclass(frozen=True)
class ExtractionCheck:
    """How far to trust one extraction, for the store's extraction health and ``--explain``.

    - ``ok``: the body came from the article container and looks whole.
    - ``fallback``: the first result looked wrong (empty, or far shorter than the container's
      text) and a second opinion (trafilatura) was taken instead; ``reason`` says why.
    - ``collapsed``: the body is far shorter than the container's running text and no second
      opinion did better.
    - ``empty``: no body at all on a page that has text.
    - ``error``: the extractor raised; the body is a plain-text fallback; ``reason`` holds the
      exception's type and message.
    """

    status: ExtractionStatus = "ok"
    reason: str = ""
    container: str = ""      # how the container was found: selector, itemprop, json-ld, article, ...
    container_chars: int = 0  # running text in the container before cleaning
    body_chars: int = 0


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
    check: ExtractionCheck = field(default_factory=ExtractionCheck)
    # Not the article but a page standing where it should be (a challenge, a consent or login
    # wall, an error page): crawler.extract.interstitial; None for an article.
    interstitial: Interstitial | None = None
    paywalled: bool = False  # the page says it is not free to read (JSON-LD isAccessibleForFree)

    @property
    def paragraphs(self) -> list[str]:
        return [p for p in self.body.split("\n\n") if p.strip()]
