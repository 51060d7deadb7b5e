"""robots.txt as real sites write it, read by Protego (Scrapy's robots.txt parser).

One reading for both uses: :class:`RobotsParser` is Scrapy's ``ROBOTSTXT_PARSER`` (what
``ROBOTSTXT_OBEY`` obeys), and :func:`read_robots` gives the ``Sitemap:`` lines the spider
follows. Protego already reads ``User-Agent : *`` and ``Sitemap :`` (a space before the
colon), CRLF line ends, rule-less groups, ``*`` and ``$`` wildcards and a missing final
newline; :func:`lenient_robots` first mends what it would misread:

- a directive without its colon (``Allow /``, ``Disallow /private/``);
- an ``Allow``/``Disallow`` path not starting with ``/`` or ``*`` (``Disallow: private/``
  means ``/private/``: a URL path always starts with ``/``, so as written it would never
  match and the site's wish would be ignored);
- an HTML page served in place of robots.txt (an anti-bot wall, an error page answered with
  200): no rules and no sitemaps, rather than rules read out of markup.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from protego import Protego
from scrapy.robotstxt import ProtegoRobotParser

_DIRECTIVE = re.compile(
    r"^(?P<key>\s*(?:user-agent|allow|disallow|sitemap|crawl-delay|request-rate|host))"
    r"(?P<sep>\s*:|\s+)(?P<value>.*)$", re.IGNORECASE)


def is_html(text: str, content_type: str | None = None) -> bool:
    """Whether a robots.txt answer is an HTML page rather than a robots file."""
    head = text.lstrip("\ufeff \t\r\n")[:100].lower()
    return "html" in (content_type or "").lower() or head.startswith(("<!doctype", "<html", "<"))


def lenient_robots(text: str) -> str:
    """``text`` with the mistakes real robots.txt files make mended (see the module)."""
    if is_html(text):
        return ""
    lines = []
    for line in text.lstrip("\ufeff").splitlines():
        match = _DIRECTIVE.match(line)
        if match:
            key, value = match["key"].strip(), match["value"].strip()
            if (key.lower() in ("allow", "disallow") and value
                    and not value.startswith(("/", "*", "#"))):
                value = "/" + value
            line = f"{key}: {value}"
        lines.append(line)
    return "\n".join(lines) + "\n"


class RobotsParser(ProtegoRobotParser):
    """Scrapy's Protego parser over the mended text (``ROBOTSTXT_PARSER`` in settings)."""

    def __init__(self, robotstxt_body: bytes, spider=None):
        super().__init__(robotstxt_body, spider)
        self.rp = Protego.parse(lenient_robots(robotstxt_body.decode("utf-8", errors="replace")))


@dataclass
class RobotsSitemaps:
    """The ``Sitemap:`` URLs of a robots.txt, and what was wrong with it."""

    sitemaps: list[str] = field(default_factory=list)
    problem: str | None = None


def read_robots(data: bytes, content_type: str | None = None) -> RobotsSitemaps:
    """The ``Sitemap:`` lines of a robots.txt, as written (the spider passes each through
    :mod:`crawler.urls`). An HTML page is no robots.txt: no sitemaps, and a problem."""
    text = data.decode("utf-8", errors="replace")
    if is_html(text, content_type):
        return RobotsSitemaps(problem="robots.txt is an HTML page, not a robots file "
                                      "(an anti-bot wall or an error page?)")
    return RobotsSitemaps(sitemaps=list(Protego.parse(lenient_robots(text)).sitemaps))
