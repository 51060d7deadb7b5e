"""The stories and the page furniture of the demo site, read from its data files:
``demo/data/stories.toml`` (every story and its later versions) and ``demo/data/site.toml``
(the site's name, sections, misbehaving links and per-edition furniture).

Everything there is fictional: the outlet, the people quoted and the figures. It is written in the
register of real Arabic wire copy (datelines, quotes, numbers, agency credits) so that the
extractor, the topic matcher and the change detector meet the text they will meet in the wild.

Two editions:

* Edition 1 — 18 stories (ids 18001–18018), 22–28 November 2026.
* Edition 2 — edition 1 plus three new stories (18019–18021), an edit to a tracked story
  (:data:`EDITED_TRACKED_ID`: 30 trainers become 45, a paragraph is added, the headline changes),
  an edit to an untracked story (:data:`EDITED_UNTRACKED_ID`: a paragraph is added), a
  diacritics-only change (:data:`DIACRITICS_ONLY_ID`: not an edit), and widget churn on every
  page (most-viewed order and counts, share and review counters, relative times, cookie text).

:data:`EXPECTED_MATCHES` and :data:`EXPECTED_EDITION_2_ALERTS` say what the bundled
``topics.toml`` is designed to match.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, replace
from datetime import datetime
from importlib.resources import files
from typing import Any


def load_data(name: str) -> dict[str, Any]:
    """One of the demo's data files (``demo/data/<name>.toml``), shipped with the package."""
    return tomllib.loads(files("demo").joinpath("data", f"{name}.toml").read_text("utf-8"))


_SITE = load_data("site")
SITE_NAME: str = _SITE["name"]
SITE_SHORT_NAME: str = _SITE["short_name"]
SITE_TAGLINE: str = _SITE["tagline"]
EDITIONS: tuple[int, ...] = (1, 2)


@dataclass(frozen=True)
class Section:
    """A section of the site. ``markup`` is how its article bodies are written:

    * ``p`` — one ``<p>`` per paragraph (politics)
    * ``br`` — one ``<div>`` with paragraphs separated by ``<br><br>`` (economy)
    * ``plain`` — ``<p>`` with the dateline in ``<strong>``, empty ``<p>&nbsp;</p>`` spacers and an
      unclassed «اقرأ أيضا:» paragraph (sports)
    * ``styled`` — editor-pasted ``<p style=...><span style=...>`` paragraphs (culture)
    * ``nested`` — ``<p>`` inside a nested ``div.entry-content`` (technology)
    """

    slug: str
    name: str
    markup: str


SECTIONS: tuple[Section, ...] = tuple(Section(**s) for s in _SITE["section"])
SECTIONS_BY_SLUG: dict[str, Section] = {s.slug: s for s in SECTIONS}


@dataclass(frozen=True)
class Article:
    """One story as the newsroom wrote it. ``published``/``modified`` are ISO-8601 with +03:00."""

    id: str
    section: str
    headline: str
    summary: str
    published: str
    author: str
    paragraphs: tuple[str, ...]
    tags: tuple[str, ...] = ()
    modified: str | None = None

    @property
    def published_at(self) -> datetime:
        return datetime.fromisoformat(self.published)

    @property
    def modified_at(self) -> datetime:
        return datetime.fromisoformat(self.modified or self.published)

    @property
    def date_modified(self) -> str:
        return self.modified or self.published

    @property
    def path(self) -> str:
        """The article's path on the site: ``/news/<yyyy>/<mm>/<dd>/<id>.html``."""
        d = self.published_at
        return f"/news/{d:%Y}/{d:%m}/{d:%d}/{self.id}.html"

    @property
    def text(self) -> str:
        """Headline and body, the text a topic is matched against."""
        return "\n".join((self.headline, *self.paragraphs))


def stories_of(data: dict[str, Any], edition: int) -> tuple[Article, ...]:
    """The stories of ``data`` (a stories file: ``[[story]]`` and ``[[revision]]`` tables) as
    edition ``edition`` publishes them, in file order: each story from its first edition on,
    with the fields of every revision up to ``edition`` applied."""
    out: dict[str, Article] = {}
    for s in data["story"]:
        if s["edition"] <= edition:
            fields = {k: v for k, v in s.items() if k not in ("edition", "copy_of")}
            out[s["id"]] = Article(**{**fields, "tags": tuple(fields.get("tags", ())),
                                      "paragraphs": tuple(fields["paragraphs"])})
    for r in data.get("revision", ()):
        if r["edition"] <= edition:
            changes = {k: v for k, v in r.items() if k not in ("edition", "id")}
            if "paragraphs" in changes:
                changes["paragraphs"] = tuple(changes["paragraphs"])
            out[r["id"]] = replace(out[r["id"]], **changes)
    return tuple(out.values())


# ---------------------------------------------------------------------------------------------
# The stories (demo/data/stories.toml)
# ---------------------------------------------------------------------------------------------

_STORIES = load_data("stories")
EDITION_1: tuple[Article, ...] = stories_of(_STORIES, 1)
EDITION_2: tuple[Article, ...] = stories_of(_STORIES, 2)

EDITED_TRACKED_ID = "18012"
EDITED_UNTRACKED_ID = "18004"
DIACRITICS_ONLY_ID = "18016"
NEW_IN_EDITION_2: tuple[str, ...] = tuple(s["id"] for s in _STORIES["story"] if s["edition"] == 2)

_EDITIONS: dict[int, tuple[Article, ...]] = {1: EDITION_1, 2: EDITION_2}


def _check_edition(edition: int) -> int:
    if edition not in _EDITIONS:
        raise ValueError(f"the demo site has editions {list(_EDITIONS)}, not {edition!r}")
    return edition


def articles(edition: int = 1) -> list[Article]:
    """The stories of one edition, newest first."""
    return sorted(_EDITIONS[_check_edition(edition)], key=lambda a: a.published_at, reverse=True)


def article(edition: int, article_id: str) -> Article | None:
    """One story of one edition by id, or None."""
    for a in _EDITIONS[_check_edition(edition)]:
        if a.id == article_id:
            return a
    return None


# ---------------------------------------------------------------------------------------------
# What the bundled topics.toml is designed to match (headline + body, never furniture)
# ---------------------------------------------------------------------------------------------

TOPIC_IRAQ_CANADA = "العراق وكندا"
TOPIC_OIL = "أسعار النفط"

EXPECTED_MATCHES: dict[int, dict[str, tuple[str, ...]]] = {
    1: {
        # 18005 only with clitics (بكندا، لكندا، بالعراق); 18007 is excluded by «كرة القدم»;
        # 18003, 18002, 18011, 18013 mention Iraq only.
        TOPIC_IRAQ_CANADA: ("18001", "18005", "18008", "18012", "18016", "18017"),
        TOPIC_OIL: ("18006", "18013"),
    },
    2: {
        TOPIC_IRAQ_CANADA: ("18001", "18005", "18008", "18012", "18016", "18017", "18019"),
        TOPIC_OIL: ("18006", "18013", "18020"),
    },
}

# After crawling edition 1 and then edition 2: (kind, topic, article id). Not alerts: 18021 (new,
# untracked), 18004 (edited, untracked), 18016 (diacritics only), any widget churn.
EXPECTED_EDITION_2_ALERTS: tuple[tuple[str, str, str], ...] = (
    ("new", TOPIC_IRAQ_CANADA, "18019"),
    ("new", TOPIC_OIL, "18020"),
    ("update", TOPIC_IRAQ_CANADA, "18012"),
)

# ---------------------------------------------------------------------------------------------
# Pages that exist to exercise the crawler's error handling (never stories, never matches)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SpecialLink:
    """A link planted on a listing page whose target misbehaves."""

    id: str
    section: str
    headline: str
    published: str

    @property
    def path(self) -> str:
        d = datetime.fromisoformat(self.published)
        return f"/news/{d:%Y}/{d:%m}/{d:%d}/{self.id}.html"


# Answers 200 with truncated, garbled HTML and no body; linked from the culture listing.
BROKEN_ARTICLE = SpecialLink(**_SITE["special"]["broken"])
# Answers HTTP 500; linked from the economy listing.
ERROR_ARTICLE = SpecialLink(**_SITE["special"]["error"])
SPECIAL_LINKS: tuple[SpecialLink, ...] = (BROKEN_ARTICLE, ERROR_ARTICLE)

# Disallowed by robots.txt, linked from the home page.
PRIVATE_PATH: str = _SITE["private_path"]
# Another domain, linked from every footer: allowed_domains must keep the crawler off it.
EXTERNAL_URL: str = _SITE["external_url"]

# ---------------------------------------------------------------------------------------------
# Furniture: what changes between editions on every page without touching any story
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Furniture:
    now: str  # the edition's "current time": relative times and the top-bar date derive from it
    most_viewed: tuple[tuple[str, int], ...]  # (article id, views)
    cookie_notice: str
    breaking_label: str
    counter_seed: int  # drives share, review, view and comment counters


FURNITURE: dict[int, Furniture] = {
    int(edition): Furniture(**{**f, "most_viewed": tuple(tuple(pair) for pair in f["most_viewed"])})
    for edition, f in _SITE["furniture"].items()
}


def furniture(edition: int) -> Furniture:
    return FURNITURE[_check_edition(edition)]
