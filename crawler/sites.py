"""Seed files: one TOML file per site in the seeds directory, loaded into ``Site`` records.

Every problem is reported with the file, the key and what is wrong; one bad seed file never
stops the other sites from loading.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from crawler.durations import parse_duration
from crawler.extract.model import Selectors
from crawler.extract.tree import check_selector
from crawler.fetchstate import DEFAULT_REFETCH, DEFAULT_REFETCH_BUDGET, RefetchTiers
from crawler.tomlfile import TomlFileError, read_toml, unknown
from crawler.urls import UrlDoor, on_domains

DEFAULT_EVERY = "1h"
# Articles a feed or sitemap dates older than this are not fetched when never stored.
DEFAULT_MAX_AGE = "30d"
# How deep sitemap indexes may nest below a seed's sitemap (index -> index -> sitemap is 2).
DEFAULT_MAX_SITEMAP_DEPTH = 3
TOPICS_FILE = "topics.toml"

_SITE_KEYS = {
    "id", "name", "allowed_domains", "feeds", "sitemaps", "start_urls", "article_url",
    "follow_url", "every", "selectors", "needs_internet", "discover_sitemaps", "max_pages",
    "max_age", "tracking_parameters", "max_sitemap_depth", "refetch", "refetch_budget",
}
_SELECTOR_KEYS = {"title", "body", "published", "author", "drop", "drop_text"}
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


@dataclass(frozen=True)
class Site:
    """One news site to watch, as its seed file describes it."""

    id: str
    name: str
    allowed_domains: tuple[str, ...]
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    start_urls: tuple[str, ...] = ()
    article_url: re.Pattern[str] | None = None
    follow_url: re.Pattern[str] | None = None
    every: timedelta = field(default_factory=lambda: parse_duration(DEFAULT_EVERY))
    selectors: Selectors = field(default_factory=Selectors)
    needs_internet: bool = False
    discover_sitemaps: bool = True
    max_pages: int = 500
    max_age: timedelta = field(default_factory=lambda: parse_duration(DEFAULT_MAX_AGE))
    tracking_parameters: tuple[str, ...] = ()  # beyond crawler.urls.TRACKING_PARAMETERS
    max_sitemap_depth: int = DEFAULT_MAX_SITEMAP_DEPTH
    # When stored articles are asked for again: (while younger than, at most every) tiers,
    # and how many per crawl (crawler.fetchstate)
    refetch: RefetchTiers = DEFAULT_REFETCH
    refetch_budget: int = DEFAULT_REFETCH_BUDGET
    path: Path | None = None

    def door(self) -> UrlDoor:
        """The check and canonical form of this site's URLs (:mod:`crawler.urls`)."""
        return UrlDoor(self.allowed_domains, self.tracking_parameters)

    def is_article(self, url: str) -> bool:
        """Whether ``url`` is an article page of this site."""
        if not self.on_site(url):
            return False
        if self.article_url is None:
            return True
        return bool(self.article_url.search(url))

    def is_followable(self, url: str) -> bool:
        """Whether ``url`` is a listing page worth following to find more articles."""
        return self.on_site(url) and self.follow_url is not None and bool(
            self.follow_url.search(url)
        )

    def on_site(self, url: str) -> bool:
        """Whether ``url``'s host is one of the allowed domains or a subdomain of one."""
        return on_domains(urlparse(url).hostname or "", self.allowed_domains)


class SeedError(ValueError):
    """A seed file that cannot be used; ``problems`` holds one message per problem."""

    def __init__(self, path: Path, problems: list[str]):
        self.path = path
        self.problems = problems
        super().__init__("\n".join(problems))


def load_site(path: str | Path) -> Site:
    """Load and validate one seed file; raise SeedError naming the file, key and problem."""
    path = Path(path)
    try:
        data = read_toml(path)
    except TomlFileError as exc:
        raise SeedError(path, [str(exc)]) from None
    return _site_from_table(path, data)


def load_sites(seeds_dir: str | Path) -> tuple[list[Site], list[SeedError]]:
    """Every ``*.toml`` seed directly in ``seeds_dir`` (topics.toml excepted): the sites that
    load, and the errors of those that don't."""
    seeds_dir = Path(seeds_dir)
    sites: list[Site] = []
    errors: list[SeedError] = []
    if not seeds_dir.is_dir():
        return sites, [SeedError(seeds_dir, [f"{seeds_dir}: no such seeds directory"])]
    seen: dict[str, Path] = {}
    for path in sorted(seeds_dir.glob("*.toml")):
        if path.name == TOPICS_FILE:
            continue
        try:
            site = load_site(path)
        except SeedError as exc:
            errors.append(exc)
            continue
        if site.id in seen:
            errors.append(SeedError(path, [f"{path}: id: {site.id!r} is already used by {seen[site.id]}"]))
            continue
        seen[site.id] = path
        sites.append(site)
    return sites, errors


def _site_from_table(path: Path, data: dict[str, Any]) -> Site:
    problems: list[str] = []

    def problem(key: str, reason: str) -> None:
        problems.append(f"{path}: {key}: {reason}")

    unknown(data, _SITE_KEYS, "", problem)

    site_id = data.get("id", path.stem)
    if not isinstance(site_id, str) or not _ID.match(site_id):
        problem("id", f"{site_id!r} is not a valid id (letters, digits, _ . -)")
        site_id = path.stem
    name = data.get("name", site_id)
    if not isinstance(name, str) or not name.strip():
        problem("name", "must be a non-empty string")

    def string_list(key: str, urls: bool = False) -> tuple[str, ...]:
        value = data.get(key, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            problem(key, "must be a list of non-empty strings")
            return ()
        if urls:
            for v in value:
                parsed = urlparse(v)
                if parsed.scheme not in ("http", "https") or not parsed.netloc:
                    problem(key, f"{v!r} is not an http(s) URL")
        return tuple(v.strip() for v in value)

    if "allowed_domains" not in data:
        problem("allowed_domains", "missing: name the domains the site lives on")
    domains = tuple(d.lower().removeprefix("www.") for d in string_list("allowed_domains"))
    if "allowed_domains" in data and not domains and isinstance(data["allowed_domains"], list):
        problem("allowed_domains", "empty: name at least one domain")
    feeds = string_list("feeds", urls=True)
    sitemaps = string_list("sitemaps", urls=True)
    start_urls = string_list("start_urls", urls=True)
    if not (feeds or sitemaps or start_urls):
        problem("feeds", "nothing to crawl: give feeds, sitemaps or start_urls")
    for key, urls in (("feeds", feeds), ("sitemaps", sitemaps), ("start_urls", start_urls)):
        for url in urls:
            host = (urlparse(url).hostname or "").lower()
            if domains and not any(host == d or host.endswith("." + d) for d in domains):
                problem(key, f"{url!r} is outside allowed_domains {list(domains)}")

    def regex(key: str) -> re.Pattern[str] | None:
        value = data.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            problem(key, "must be a regular expression string")
            return None
        try:
            return re.compile(value)
        except re.error as exc:
            problem(key, f"bad regular expression '{value}' (as written in the seed): {exc}")
            return None

    article_url = regex("article_url")
    follow_url = regex("follow_url")

    def duration(key: str, default: str) -> timedelta:
        raw = data.get(key, default)
        try:
            if not isinstance(raw, str):
                raise ValueError(f"{raw!r} is not a string")
            return parse_duration(raw)
        except ValueError as exc:
            problem(key, f"bad duration: {exc}")
            return parse_duration(default)

    every = duration("every", DEFAULT_EVERY)
    max_age = duration("max_age", DEFAULT_MAX_AGE)

    selectors = _selectors(data.get("selectors", {}), problem)

    def boolean(key: str, default: bool) -> bool:
        value = data.get(key, default)
        if not isinstance(value, bool):
            problem(key, "must be true or false")
            return default
        return value

    needs_internet = boolean("needs_internet", False)
    discover = boolean("discover_sitemaps", True)
    def count(key: str, default: int, least: int) -> int:
        value = data.get(key, default)
        if not isinstance(value, int) or isinstance(value, bool) or value < least:
            problem(key, "must be a positive integer" if least else "must be an integer >= 0")
            return default
        return value

    max_pages = count("max_pages", 500, 1)
    max_sitemap_depth = count("max_sitemap_depth", DEFAULT_MAX_SITEMAP_DEPTH, 0)
    tracking_parameters = string_list("tracking_parameters")
    refetch = _refetch_tiers(data.get("refetch"), problem)
    refetch_budget = count("refetch_budget", DEFAULT_REFETCH_BUDGET, 0)

    if problems:
        raise SeedError(path, problems)
    return Site(
        id=site_id, name=name, allowed_domains=domains, feeds=feeds, sitemaps=sitemaps,
        start_urls=start_urls, article_url=article_url, follow_url=follow_url, every=every,
        selectors=selectors, needs_internet=needs_internet, discover_sitemaps=discover,
        max_pages=max_pages, max_age=max_age, tracking_parameters=tracking_parameters,
        max_sitemap_depth=max_sitemap_depth, refetch=refetch, refetch_budget=refetch_budget,
        path=path,
    )


EVERY_CRAWL = ("every crawl", "0", "0s")


def _refetch_tiers(value: Any, problem) -> RefetchTiers:
    """``refetch = [["2h", "every crawl"], ["1d", "1h"], ["7d", "1d"]]``: while an article is
    younger than the first duration, ask for it again at most every the second ("every
    crawl" for each crawl); older than the last tier, never."""
    if value is None:
        return DEFAULT_REFETCH
    shape = 'a list of [younger_than, every] pairs, e.g. [["2h", "every crawl"], ["1d", "1h"]]'
    if not isinstance(value, list):
        problem("refetch", f"must be {shape}")
        return DEFAULT_REFETCH
    tiers = []
    for entry in value:
        if (not isinstance(entry, list) or len(entry) != 2
                or not all(isinstance(part, str) for part in entry)):
            problem("refetch", f"must be {shape}, not {entry!r}")
            return DEFAULT_REFETCH
        try:
            younger = parse_duration(entry[0])
            every = (timedelta(0) if entry[1].strip().lower() in EVERY_CRAWL
                     else parse_duration(entry[1]))
        except ValueError as exc:
            problem("refetch", f"bad duration: {exc}")
            return DEFAULT_REFETCH
        if tiers and younger <= tiers[-1][0]:
            problem("refetch", f"tiers must grow older: {entry[0]} after {tiers[-1][0]}")
            return DEFAULT_REFETCH
        tiers.append((younger, every))
    return tuple(tiers)


def _selectors(value: Any, problem) -> Selectors:
    if not isinstance(value, dict):
        problem("selectors", "must be a table")
        return Selectors()
    unknown(value, _SELECTOR_KEYS, "selectors.", problem)
    fields: dict[str, Any] = {}
    for key in ("title", "body", "published", "author"):
        if key in value:
            if not isinstance(value[key], str) or not value[key].strip():
                problem(f"selectors.{key}", "must be a CSS selector string")
            else:
                fields[key] = value[key]
    drop = value.get("drop", [])
    if isinstance(drop, str):
        drop = [drop]
    if not isinstance(drop, list) or not all(isinstance(d, str) for d in drop):
        problem("selectors.drop", "must be a list of CSS selectors")
        drop = []
    drop_text = value.get("drop_text", [])
    if isinstance(drop_text, str):
        drop_text = [drop_text]
    if not isinstance(drop_text, list) or not all(isinstance(d, str) and d.strip() for d in drop_text):
        problem("selectors.drop_text", "must be a list of phrases")
        drop_text = []
    for key, css in [*fields.items(), *(("drop", d) for d in drop)]:
        try:
            check_selector(css)
        except ValueError as exc:
            problem("selectors", f"bad CSS selector {css!r}: {exc}")
    return Selectors(**fields, drop=tuple(drop), drop_text=tuple(drop_text))
