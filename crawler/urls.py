"""The one door every URL passes to enter a crawl.

Feed items, sitemap ``<loc>``s, sitemap-index children, robots.txt ``Sitemap:`` lines,
listing links, redirects and a page's canonical link are all checked here, and nowhere else:

- **Refused**: anything but ``http``/``https`` (``file:``, ``ftp:``, ``data:``, ``javascript:``
  ...), a URL without a host, with user-info (``user:password@``), longer than
  :data:`MAX_URL_LENGTH`, or whose host is not one of the site's ``allowed_domains`` (or a
  subdomain of one). The reason is a sentence the crawl records in ``crawl_errors``.
- **Canonicalised**: w3lib's ``canonicalize_url`` (query arguments sorted, percent-encoding
  normalised, the fragment dropped, the host lower-cased), the scheme's default port dropped,
  and tracking parameters removed (:data:`TRACKING_PARAMETERS` and the seed's
  ``tracking_parameters``), so that one article has one URL however it was reached.

Pure: no Scrapy, no store. The spider holds one :class:`UrlDoor` per site.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import unquote_plus, urljoin, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

SCHEMES = frozenset({"http", "https"})
# Parameters that say where a reader came from, never which page it is; ``*`` ends a prefix.
TRACKING_PARAMETERS: tuple[str, ...] = (
    "utm_*", "fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "traffic_source", "ref",
)
# Browsers and servers stop around here; a longer URL is garbage or an attack.
MAX_URL_LENGTH = 2083
_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class Admission:
    """What the door says about one URL: its canonical form, or why it is refused."""

    url: str | None          # the canonical URL when admitted
    refused: str | None = None
    found: str = ""          # the URL as it was found
    offsite: bool = False    # refused only because its host is not one of the site's

    @property
    def admitted(self) -> bool:
        return self.url is not None


def on_domains(host: str, domains: Iterable[str]) -> bool:
    """Whether ``host`` is one of ``domains`` or a subdomain of one."""
    host = host.lower().rstrip(".")
    return any(host == d or host.endswith("." + d) for d in domains)


class UrlDoor:
    """The check and canonical form of the URLs of one site.

    >>> door = UrlDoor(["example.com"])
    >>> door.admit("https://www.example.com/news/1?utm_source=rss&b=2&a=1#top").url
    'https://www.example.com/news/1?a=1&b=2'
    >>> door.admit("file://example.com/etc/passwd").refused
    "not an http(s) URL (scheme 'file')"
    >>> door.admit("https://elsewhere.org/x").refused
    "host 'elsewhere.org' is outside allowed_domains ['example.com']"
    """

    def __init__(self, allowed_domains: Iterable[str], tracking_parameters: Iterable[str] = ()):
        self.allowed_domains = tuple(d.lower() for d in allowed_domains)
        self.tracking_parameters = (*TRACKING_PARAMETERS, *tracking_parameters)

    def admit(self, url: str, base: str | None = None) -> Admission:
        """Check ``url`` (resolved against ``base`` when relative) and canonicalise it."""
        found = (url or "").strip()
        if not found:
            return Admission(None, "empty URL", found)
        if base:
            found = urljoin(base, found)
        if len(found) > MAX_URL_LENGTH:
            return Admission(None, f"URL longer than {MAX_URL_LENGTH} characters", found[:200])
        try:
            parts = urlsplit(found)
            port = parts.port
        except ValueError as exc:
            return Admission(None, f"unreadable URL ({exc})", found)
        scheme = parts.scheme.lower()
        if scheme not in SCHEMES:
            return Admission(None, f"not an http(s) URL (scheme {scheme or 'none'!r})", found)
        host = (parts.hostname or "").lower()
        if not host:
            return Admission(None, "URL without a host", found)
        if parts.username is not None or parts.password is not None:
            return Admission(None, "URL carries user-info (user:password@)", _without_userinfo(found))
        if not on_domains(host, self.allowed_domains):
            return Admission(None, f"host {host!r} is outside allowed_domains "
                                   f"{list(self.allowed_domains)}", found, offsite=True)
        return Admission(self.canonical(found, port), None, found)

    def canonical(self, url: str, port: int | None = None) -> str:
        """``url`` in its canonical form (see the module's docstring)."""
        parts = urlsplit(url)
        if parts.query:
            kept = [pair for pair in parts.query.split("&")
                    if pair and not self._is_tracking(unquote_plus(pair.partition("=")[0]))]
            parts = parts._replace(query="&".join(kept))
        if port is not None and _DEFAULT_PORTS.get(parts.scheme.lower()) == port:
            parts = parts._replace(netloc=parts.netloc.rsplit(":", 1)[0])
        return canonicalize_url(urlunsplit(parts))

    def _is_tracking(self, name: str) -> bool:
        name = name.lower()
        return any(fnmatch.fnmatchcase(name, pattern.lower()) for pattern in self.tracking_parameters)


def _without_userinfo(url: str) -> str:
    """``url`` with its user-info cut, so a password never reaches a row or a log."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc.rpartition("@")[2], parts.path, parts.query, ""))
