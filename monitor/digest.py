"""Alerts -> a digest in text, markdown, html or json.

A digest is grouped by topic (topics in the order of their first alert), then by story: within
a topic, the alerts whose sources overlap are one story — a wire story run by five outlets is
one item with five sources. New stories (newest published first) come before updates (in the
order they were raised). A story that is new in this digest AND was edited since (its ``new``
and ``update`` alerts in the same digest) is ONE new story: it shows its latest title, is
marked "edited since first seen" («عُدّلت منذ رصدها أول مرة») and shows the edits. Each story
lists every source (site and url; the first is the primary, the url its alert was raised
for), its published time and the matched terms; an update (or an edited new story) also shows
its edit kinds (``details["diff"]["edit_kinds"]``, see :mod:`monitor.diff`) and its diff: the
sentences removed and added. ``health`` alerts (a site that stopped yielding articles…) are for the
operator: they have a section of their own at the end, «صحة المواقع» / "Site health".
``removed`` and ``restored`` alerts (a tracked story taken down, or back: :mod:`monitor.removals`)
follow a topic's updates, in the order raised: a removed story shows its last stored title,
its first lines, when it was removed (and why: the HTTP status, or where its address now
redirects) and how long it was online; a restored one how long it was gone and the diff from
the last version before the removal («عادت كما كانت» when it came back unchanged).

The site and headline of each source come from the store (``articles``): :func:`pending_alerts`
returns alerts that know them (:class:`DigestAlert`); ``render_digest(..., sites=...)`` takes
``{url: site}`` for alerts read otherwise. A url of unknown site shows its host. A site is shown
by the name its seed gives (``render_digest(..., names=site_names(seeds))``), by its id when it
has no seed; json keeps the id and adds the name (``site_name``, a source's ``name``). A source whose
headline differs from the story's shows it: outlets retitle the wire copy they run.

- ``text`` is for a terminal: English labels, page text on its own right-to-left lines or in
  Unicode isolates (see ``monitor.history``), so Arabic keeps its order.
- ``markdown`` escapes every page string; matched terms are bold in titles and diffs.
- ``html`` is a whole document (``<html dir="rtl" lang="ar">``, CSS in one ``<style>`` of simple
  selectors that :func:`monitor.notify.email_html` copies into ``style`` attributes for mail
  clients, Arabic labels); matched terms are ``<mark>``ed, removed sentences ``<del>``, added
  ``<ins>``, and every string that came from a page goes through ``html.escape``.
- ``json`` is ``{"digest", "delivery", "channel", "generated", "count", "counts": {kind: n},
  "alerts": [alert], "topics": [{"topic", "new": [story], "updates": [story], "removals":
  [removal]}], "health": [alert]}``: ``digest`` is the digest's id, ``generated`` the time it was built, ``delivery``
  and ``channel`` the delivery this document is (all ``null`` in a preview of alerts not yet
  in a digest); an alert is ``Alert.to_json()`` with, instead of ``delivered``, the ``digest``
  and ``delivery`` it belongs to;
  a story being ``{"kind", "title", "url", "site", "site_name", "sources": [{"site", "url",
  "title", "name"}],
  "alerts": [alert ids], "edited", "edit_kinds"}`` (``edited``: a new story whose update
  alerts are in the same digest; ``alerts`` then holds the ids of all of them), a removal
  ``{"kind" (removed | restored), "alert", "title", "url", "site", "site_name", "removed", "restored",
  "online_seconds", "offline_seconds", "first_lines", "changed"}``.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from dataclasses import dataclass, field, fields, replace
from datetime import datetime, timezone, tzinfo
from pathlib import Path
from typing import Any, Callable, Mapping, NamedTuple
from urllib.parse import urlsplit

import sqlite_utils

from crawler.extract.arabic import WORD_CHAR
from crawler.extract.safetext import terminal_json, terminal_safe_all
from crawler.store import transaction, utcnow

from monitor.alerts import KINDS, query_alerts
from monitor.diff import EDIT_KIND_LABELS, edit_kinds_en
from monitor.history import DIFF_FIELDS, RLM, diff_lines, isolate
from monitor.localtime import arabic_time, parse_moment, readable_time, zone_name
from monitor.records import Alert
from monitor.removals import REMOVAL_KINDS, describe_span

FORMATS = ("text", "markdown", "html", "json")
NO_ALERTS = "No new alerts."
STORY_KINDS = ("new", "update")

HEALTH_PROBLEM_LABELS = {
    "unreachable": "تعذّر الوصول إلى الموقع",
    "no_articles": "لم يُعثر على أي مقال",
    "empty_bodies": "نصوص المقالات فارغة",
    "short_bodies": "نصوص المقالات أقصر كثيراً من المعتاد",
    "extraction": "تعذّر استخراج نصوص المقالات",
}


@dataclass(frozen=True)
class DeliveryRef:
    """Which digest a rendered document is, and which of its deliveries (one per channel)."""

    digest: int
    delivery: int | None = None
    channel: str | None = None


class Source(NamedTuple):
    """One place a story was published: the site id, the url and the headline there ("" when
    unknown)."""

    site: str
    url: str
    title: str = ""


@dataclass
class DigestAlert(Alert):
    """An alert that knows the site and headline of each of its sources, from the store."""

    source_info: dict[str, Source] = field(default_factory=dict)


def pending_alerts(db: sqlite_utils.Database, since: str | None = None) -> list[Alert]:
    """Alerts not yet delivered (created at or after ``since`` when given), oldest first, each
    knowing the site and headline of its sources."""
    return with_sources(db, query_alerts(db, since=since, pending=True))


def stored_sources(db: sqlite_utils.Database, alerts: list[Alert]) -> dict[str, Source]:
    """Every url and source of ``alerts`` that the store knows, with its site and title."""
    urls = sorted({url for alert in alerts for url in (alert.url, *alert.sources) if url})
    found: dict[str, Source] = {}
    for start in range(0, len(urls), 500):
        chunk = urls[start:start + 500]
        marks = ", ".join("?" for _ in chunk)
        for url, site, title in db.execute(
                f"SELECT url, site, title FROM articles WHERE url IN ({marks})", chunk):
            found[url] = Source(site or "", url, title or "")
    return found


def with_sources(db: sqlite_utils.Database, alerts: list[Alert]) -> list[Alert]:
    """``alerts`` as :class:`DigestAlert` s that know the site and headline of their sources."""
    stored = stored_sources(db, alerts)
    names = [f.name for f in fields(Alert)]
    return [DigestAlert(**{name: getattr(alert, name) for name in names},
                        source_info={url: stored[url] for url in (alert.url, *alert.sources)
                                     if url in stored})
            for alert in alerts]


def mark_delivered(db: sqlite_utils.Database, alert_ids: list[int],
                   delivered: str | None = None) -> None:
    """Mark alerts as delivered (at ``delivered``, default now), in one transaction."""
    when = delivered or utcnow()
    with transaction(db) as conn:
        conn.executemany("UPDATE alerts SET delivered = ? WHERE id = ? AND delivered IS NULL",
                         [(when, alert_id) for alert_id in alert_ids])


def render_digest(alerts: list[Alert], fmt: str, *, generated: str | None = None,
                  sites: Mapping[str, str] | None = None,
                  delivery: DeliveryRef | None = None, tz: tzinfo | None = None,
                  names: Mapping[str, str] | None = None) -> str:
    """The digest of ``alerts`` in ``fmt`` (text, markdown, html or json); ``sites`` maps source
    urls to site ids (alerts from :func:`pending_alerts` know theirs already); ``delivery``
    says which digest and delivery the document is (the json says so; ``None``: a preview);
    ``tz`` is the reader's time zone (``raqib.toml`` ``timezone``, default UTC): text, markdown
    and html show times in it as «الخميس 3 ديسمبر 2026، 12:48» (:mod:`monitor.localtime`),
    json keeps the stored ISO-8601 values; ``names`` maps site ids to the names their seeds
    give (``name = "…"``, :func:`site_names`): text, markdown and html show a site by its name,
    by its id when it has no seed, and json adds ``site_name`` / ``name`` beside the ids."""
    renderers: dict[str, Callable[[Digest, str, tzinfo | None], str]] = {
        "text": _render_text, "markdown": _render_markdown, "html": _render_html,
    }
    names = names or {}
    if fmt == "json":
        return _render_json(group_digest(alerts, sites), generated or utcnow(), delivery,
                            names)
    if fmt not in renderers:
        raise ValueError(f"unknown digest format: {fmt!r} (expected {', '.join(FORMATS)})")
    alerts = terminal_safe_all(alerts)  # page text read back from the store: no escapes
    alerts, sites = _named(alerts, sites, names)
    return renderers[fmt](group_digest(alerts, sites), generated or utcnow(), tz)


def site_names(seeds_dir: str | Path) -> dict[str, str]:
    """``{site id: name}`` of every seed in ``seeds_dir`` that loads (none when it is not
    there)."""
    from crawler.sites import load_sites

    return {site.id: site.name for site in load_sites(seeds_dir)[0]}


def _named(alerts: list[Alert], sites: Mapping[str, str] | None,
           names: Mapping[str, str]) -> tuple[list[Alert], dict[str, str]]:
    """``alerts`` and ``sites`` with every site id replaced by its name (ids without one
    kept), for the formats a person reads."""
    if not names:
        return alerts, dict(sites or {})

    def name(site: str | None) -> str | None:
        return names.get(site, site) if site else site

    named = []
    for alert in alerts:
        changes: dict[str, Any] = {"site": name(alert.site)}
        if isinstance(alert, DigestAlert):
            changes["source_info"] = {url: source._replace(site=name(source.site) or "")
                                      for url, source in alert.source_info.items()}
        named.append(replace(alert, **changes))
    return named, {url: name(site) or site for url, site in (sites or {}).items()}


# --- grouping -----------------------------------------------------------------------------


@dataclass
class Story:
    """One story of one topic in a digest: the alerts whose sources overlap (one alert, most
    of the time), in the order raised. A story with a ``new`` alert is new, even when ``update``
    alerts of it came in the same digest (it is then :attr:`edited`). ``sources`` are
    (site, url) pairs, the primary first."""

    kind: str
    alerts: list[Alert]
    sources: list[Source]

    @property
    def lead(self) -> Alert:
        """The alert whose url is the story's primary: the first ``new`` alert of a new story,
        the latest alert of an update."""
        if self.kind == "new":
            return next((a for a in self.alerts if a.kind == "new"), self.alerts[0])
        return self.alerts[-1]

    @property
    def updates(self) -> list[Alert]:
        """The story's ``update`` alerts, in the order raised."""
        return [alert for alert in self.alerts if alert.kind == "update"]

    @property
    def edited(self) -> bool:
        """A new story that was edited since first seen, within this same digest."""
        return self.kind == "new" and bool(self.updates)

    @property
    def title(self) -> str:
        """The latest title of the primary url: that of the last alert raised for it."""
        lead = self.lead
        return next((a.title for a in reversed(self.alerts) if a.url == lead.url), lead.title)

    @property
    def url(self) -> str:
        return self.sources[0].url if self.sources else self.lead.url

    @property
    def site(self) -> str:
        return self.sources[0].site if self.sources else (self.lead.site or "")

    @property
    def published(self) -> str | None:
        return next((a.published for a in self.alerts if a.published), None)

    @property
    def matched(self) -> list[dict]:
        """Every matched term of the story's alerts, once."""
        seen, merged = set(), []
        for alert in self.alerts:
            for m in alert.matched:
                key = (m.get("term"), m.get("field"), m.get("text"))
                if key not in seen:
                    seen.add(key)
                    merged.append(m)
        return merged

    @property
    def edit_kinds(self) -> list[str]:
        """The edit kinds of all the story's updates, in reading order."""
        return _reading_order({kind for alert in self.alerts
                               for kind in _alert_edit_kinds(alert)})

    def other_title(self, source: Source) -> str:
        """The headline of a source that another site gave the story, when it is not the
        story's ("" for the urls the story's alerts were raised for: their title is shown)."""
        if source.url in {alert.url for alert in self.alerts}:
            return ""
        return source.title if source.title and source.title != self.title else ""

    def surfaces(self, field_name: str | None = None) -> list[str]:
        """The original words that matched, longest first (so phrases win over their parts)."""
        found = {m.get("text", "") for m in self.matched
                 if field_name is None or m.get("field") == field_name}
        return sorted((s for s in found if s), key=len, reverse=True)

    def terms(self) -> list[tuple[str, list[str]]]:
        """Each matched term once, with the surface forms found for it that differ from it
        («كندا» found as «لكندا» and «كندا» gives ("كندا", ["لكندا"]))."""
        terms: dict[str, list[str]] = {}
        for m in self.matched:
            term, surface = m.get("term", ""), m.get("text", "")
            forms = terms.setdefault(term, [])
            if surface and surface != term and surface not in forms:
                forms.append(surface)
        return list(terms.items())


@dataclass
class TopicSection:
    """One topic of a digest: its new stories, then its updated ones."""

    topic: str
    new: list[Story]
    updates: list[Story]
    removals: list[Alert] = field(default_factory=list)  # removed / restored, as raised


@dataclass
class Digest:
    """What a digest shows: the alerts, their topics with their stories, the health alerts."""

    alerts: list[Alert]
    topics: list[TopicSection]
    health: list[Alert]


def group_digest(alerts: list[Alert], sites: Mapping[str, str] | None = None) -> Digest:
    """Alerts grouped by topic (topics in order of their first alert), then by story: new
    stories, newest published first, then updates in the order raised; health alerts apart."""
    source_of = _source_resolver(alerts, sites)
    by_topic: dict[str, list[Alert]] = {}
    health: list[Alert] = []
    for alert in alerts:
        if alert.kind == "health":
            health.append(alert)
        else:
            by_topic.setdefault(alert.topic, []).append(alert)
    topics = []
    for topic, items in by_topic.items():
        # new and update alerts of one story are one item (new, edited); other kinds apart
        stories = _stories([a for a in items if a.kind in STORY_KINDS], source_of)
        removals = [a for a in items if a.kind in REMOVAL_KINDS]
        others = [story for kind in dict.fromkeys(a.kind for a in items
                                                  if a.kind not in (*STORY_KINDS,
                                                                    *REMOVAL_KINDS))
                  for story in _stories([a for a in items if a.kind == kind], source_of)]
        new = sorted((s for s in stories if s.kind == "new"), key=_published_key)  # stable
        updates = [s for s in stories if s.kind != "new"]
        topics.append(TopicSection(topic, new, updates + others, removals))
    return Digest(alerts, topics, health)


def _published_key(story: Story) -> tuple[int, float]:
    """Sort key: newest published first, stories of unknown date last."""
    try:
        moment = datetime.fromisoformat(story.published or "")
    except ValueError:
        return (1, 0.0)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return (0, -moment.timestamp())


def _stories(alerts: list[Alert], source_of: Callable[[str], Source]) -> list[Story]:
    """Alerts of one topic merged into stories: alerts sharing a url or source (or sharing one
    with an alert they share one with) are one story; a story with a ``new`` alert is new,
    else it has the kind of its alerts."""
    groups: list[list[int]] = []  # alert indexes, per story
    group_of: dict[str, int] = {}  # url -> index in groups
    for index, alert in enumerate(alerts):
        urls = [u for u in (alert.url, *alert.sources) if u]
        joined = sorted({group_of[u] for u in urls if u in group_of})
        if not joined:
            target = len(groups)
            groups.append([])
        else:
            target = joined[0]
            for other in joined[1:]:  # this alert links two stories: they are one
                groups[target].extend(groups[other])
                groups[other] = []
                for url, where in group_of.items():
                    if where == other:
                        group_of[url] = target
        groups[target].append(index)
        for url in urls:
            group_of[url] = target
    stories = []
    for members in sorted((sorted(g) for g in groups if g), key=lambda g: g[0]):
        story_alerts = [alerts[i] for i in members]
        kind = ("new" if any(a.kind == "new" for a in story_alerts)
                else story_alerts[0].kind)
        story = Story(kind, story_alerts, [])
        lead = story.lead
        urls: list[str] = []
        for url in (lead.url, *(u for a in story_alerts for u in (a.url, *a.sources))):
            if url and url not in urls:
                urls.append(url)
        story.sources = [source_of(url) for url in urls]
        stories.append(story)
    return stories


def _source_resolver(alerts: list[Alert],
                     sites: Mapping[str, str] | None) -> Callable[[str], Source]:
    """url -> Source: what the store said (DigestAlert), else the ``sites`` given, else what
    the digest's own alerts say, else the url's host."""
    known: dict[str, Source] = {}
    for alert in alerts:
        known.update(getattr(alert, "source_info", {}))
    for url, site in (sites or {}).items():
        known.setdefault(url, Source(site, url))
    for alert in alerts:
        if alert.url and alert.site:
            known.setdefault(alert.url, Source(alert.site, alert.url, alert.title))

    def source_of(url: str) -> Source:
        return known.get(url) or Source(urlsplit(url).netloc or url, url)

    return source_of


def _summary(alerts: list[Alert]) -> str:
    """``"3 alerts: 2 new, 1 update"``."""
    counts = Counter(alert.kind for alert in alerts)
    kinds = [*(k for k in KINDS if counts[k]), *(k for k in counts if k not in KINDS)]
    parts = [f"{counts[kind]} {_KIND_PLURAL.get(kind, kind) if counts[kind] != 1 else kind}"
             for kind in kinds]
    return f"{len(alerts)} alert{'s' if len(alerts) != 1 else ''}: {', '.join(parts)}"


_KIND_PLURAL = {"new": "new", "update": "updates", "health": "health", "removed": "removed",
                "restored": "restored"}


def _stories_summary(section: TopicSection) -> str:
    """``"2 new stories, 1 update"``."""
    parts = []
    if section.new:
        edited = sum(1 for story in section.new if story.edited)
        parts.append(f"{len(section.new)} new stor{'ies' if len(section.new) != 1 else 'y'}"
                     + (f" ({edited} edited since)" if edited else ""))
    if section.updates:
        parts.append(f"{len(section.updates)} update{'s' if len(section.updates) != 1 else ''}")
    for kind in REMOVAL_KINDS:
        count = sum(1 for alert in section.removals if alert.kind == kind)
        if count:
            parts.append(f"{count} {kind}")
    return ", ".join(parts)


EDITED_EN = "edited since first seen"
EDITED_AR = "عُدّلت منذ رصدها أول مرة"


def _edited_en(story: Story) -> str:
    """``"edited since first seen"``, ``"edited since first seen (2 edits)"``: the mark of a
    new story edited within the digest (each edit follows with its kinds and diff)."""
    count = len(story.updates)
    return EDITED_EN + (f" ({count} edits)" if count > 1 else "")


def _alert_edit_kinds(alert: Alert) -> list[str]:
    """An update's edit kinds (``details["diff"]["edit_kinds"]``), in reading order."""
    return _reading_order(set((alert.details.get("diff") or {}).get("edit_kinds", [])))


def _reading_order(kinds: set[str]) -> list[str]:
    return [*(k for k in EDIT_KIND_LABELS if k in kinds), *sorted(kinds - set(EDIT_KIND_LABELS))]


# A highlighted surface must stand as whole words: «العراق» is not marked inside «العراقي».


def _segments(text: str, surfaces: list[str]) -> list[tuple[str, bool]]:
    """``text`` cut into (piece, is_match) pieces around every occurrence of ``surfaces``."""
    if not surfaces or not text:
        return [(text, False)]
    pattern = re.compile(f"(?<!{WORD_CHAR})(?:"
                         + "|".join(re.escape(s) for s in surfaces)
                         + f")(?!{WORD_CHAR})")
    pieces: list[tuple[str, bool]] = []
    position = 0
    for found in pattern.finditer(text):
        if found.start() > position:
            pieces.append((text[position:found.start()], False))
        pieces.append((found.group(), True))
        position = found.end()
    if position < len(text):
        pieces.append((text[position:], False))
    return pieces


# --- text ---------------------------------------------------------------------------------


def _text_time(value: str | None, tz: tzinfo | None) -> str:
    """A time for the text digest: readable, in the reader's zone, isolated (it is Arabic)."""
    return readable_time(value, tz, isolate)


def _render_text(digest: Digest, generated: str, tz: tzinfo | None = None) -> str:
    stamp = f"generated {_text_time(generated, tz)} ({zone_name(tz)})"
    if not digest.alerts:
        return f"raqib digest · {stamp}\n\n{NO_ALERTS}\n"
    lines = [f"raqib digest · {stamp} · {_summary(digest.alerts)}", ""]
    for section in digest.topics:
        lines.append(f"== {isolate(section.topic)} · {_stories_summary(section)} ==")
        lines.append("")
        for story in (*section.new, *section.updates):
            lines.extend(_text_story(story, tz))
            lines.append("")
        for alert in section.removals:
            lines.extend(_text_removal(alert, tz))
            lines.append("")
    if digest.health:
        count = len(digest.health)
        lines.append(f"== Site health · {count} alert{'s' if count != 1 else ''} ==")
        lines.append("")
        for alert in digest.health:
            lines.append(f"[health] {isolate(alert.title)}")
            meta = [f"site: {isolate(alert.site)}" if alert.site else None,
                    f"problem: {alert.details['problem']}" if alert.details.get("problem")
                    else None,
                    f"raised: {_text_time(alert.created, tz)}"]
            lines.append("    " + " · ".join(m for m in meta if m))
            if alert.details.get("urls"):
                lines.append("    pages:")
                lines.extend(f"      {url}" for url in alert.details["urls"])
            elif alert.url:
                lines.append(f"    first failing page: {alert.url}")
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _text_story(story: Story, tz: tzinfo | None = None) -> list[str]:
    lines = [f"[{story.kind}] {isolate(story.title)}"]
    if len(story.sources) == 1:
        lines.append(f"    source: {isolate(story.site)} · {story.url}")
    else:
        lines.append(f"    sources ({len(story.sources)}):")
        for source in story.sources:
            lines.append(f"      {isolate(source.site)} · {source.url}")
            if story.other_title(source):
                lines.append(f"        {RLM}{story.other_title(source)}")
    if story.published:
        lines.append(f"    published: {_text_time(story.published, tz)}")
    if story.matched:
        lines.append("    matched: " + ", ".join(
            isolate(term) + (f" ({', '.join(isolate(f) for f in forms)})" if forms else "")
            for term, forms in story.terms()))
    if story.edited:
        lines.append(f"    {_edited_en(story)}")
    for alert in story.updates:
        lines.extend(_text_update(alert))
    return lines


def _text_update(alert: Alert) -> list[str]:
    details = alert.details
    line = f"    changed: version {details.get('from_version')} → {details.get('to_version')}"
    kinds = _alert_edit_kinds(alert)
    lines = [line + (f" · {edit_kinds_en(kinds)}" if kinds else "")]
    if details.get("matches_now") is False:
        lines.append(f"    (the new version {_left_topic_en(details, isolate)})")
    lines.extend(diff_lines(details.get("diff") or {}, indent="      "))
    return lines


def _left_topic_en(details: Mapping[str, Any], term: Callable[[str], str]) -> str:
    """Why an update left its topic, in English: «no longer mentions العراق, كندا», «now
    mentions كرة القدم, which the topic excludes»; ``term`` writes one term (isolated, so an
    Arabic term keeps its order in the line)."""
    lost, excluded = details.get("lost_terms") or [], details.get("excluded_terms") or []
    reasons = []
    if lost:  # «no longer mentions A», «… A or B», «… A, B or C»: it mentions none of them
        written = [term(word) for word in lost]
        reasons.append("no longer mentions " + (
            f"{', '.join(written[:-1])} or {written[-1]}" if len(written) > 1 else written[0]))
    if excluded:
        reasons.append("now mentions " + ", ".join(map(term, excluded))
                       + ", which the topic excludes")
    return "; ".join(reasons) or "no longer matches this topic"


def _left_topic_ar(details: Mapping[str, Any]) -> str:
    """The same in Arabic, for the html digest: «لم تعد النسخة الجديدة تطابق هذا الموضوع: لم يعد
    يذكر «العراق» ولا «كندا».» Each term in ``<bdi>``, so a Latin one keeps its place."""
    lost, excluded = details.get("lost_terms") or [], details.get("excluded_terms") or []

    def terms(words: list[str]) -> str:
        return " ولا ".join(f"«<bdi>{_e(word)}</bdi>»" for word in words)

    reasons = []
    if lost:
        reasons.append(f"{_AR['no_longer_mentions']} {terms(lost)}")
    if excluded:
        reasons.append(f"{_AR['now_mentions']} "
                       + "، ".join(f"«<bdi>{_e(word)}</bdi>»" for word in excluded)
                       + f" {_AR['excluded']}")
    if not reasons:
        return _AR["no_longer"]
    return _AR["no_longer"].rstrip(".") + ": " + "، و".join(reasons) + "."


def _removal_facts(alert: Alert, when: Callable[[str | None], str] = str) -> list[str]:
    """The facts of a removed or restored alert, in English, one line each; ``when`` writes
    a time."""
    d = {key: when(value) if key in _REMOVAL_TIMES else value
         for key, value in alert.details.items()}
    if alert.kind == "removed":
        online = describe_span(d.get("online_seconds"))
        return [f"removed: {d.get('removed')} · {d.get('reason')}"
                f" (first failed check {d.get('first_failed')})",
                f"online: {online} ({d.get('online_since')} → {d.get('last_seen')})" if online
                else f"online since {d.get('online_since')}",
                f"last version kept: {d.get('version')}"]
    gone = describe_span(d.get("offline_seconds"))
    facts = [f"restored: {d.get('restored')}" + (f" after {gone} offline" if gone else "")
             + f" (removed {d.get('removed')}: {d.get('reason')})"]
    if d.get("changed"):
        facts.append(f"changed: version {d.get('from_version')} → {d.get('to_version')}")
    else:
        facts.append("came back as it was")
    return facts


_REMOVAL_TIMES = {"removed", "first_failed", "online_since", "last_seen", "restored"}


def _text_removal(alert: Alert, tz: tzinfo | None = None) -> list[str]:
    lines = [f"[{alert.kind}] {isolate(alert.title)}",
             f"    source: {isolate(alert.site or '')} · {alert.url}"]
    lines.extend(f"    {fact}" for fact in _removal_facts(alert, lambda v: _text_time(v, tz)))
    if alert.kind == "removed" and alert.details.get("first_lines"):
        lines.append("    first lines:")
        lines.append(f"      {RLM}{alert.details['first_lines']}")
    lines.extend(diff_lines(alert.details.get("diff") or {}, indent="      "))
    return lines


# --- markdown -----------------------------------------------------------------------------

# Enough to keep page text from forming emphasis, code, links, html, tables or strikethrough;
# page text never starts a line, so list and heading markers need no escape.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&#])")


def _md(text: str) -> str:
    """Escape a page string for markdown: no emphasis, links, html or headings can slip in."""
    return _MD_SPECIAL.sub(r"\\\1", text.replace("\n", " "))


def _md_highlight(text: str, surfaces: list[str]) -> str:
    return "".join(f"**{_md(piece)}**" if hit else _md(piece)
                   for piece, hit in _segments(text, surfaces))


def _md_url(url: str) -> str:
    return "<" + url.replace("<", "%3C").replace(">", "%3E").replace(" ", "%20") + ">"


_KIND_HEADINGS_EN = {"new": "New stories", "update": "Updated stories",
                     "removed": "Removed stories", "restored": "Restored stories"}


def _md_time(value: str | None, tz: tzinfo | None) -> str:
    return _md(readable_time(value, tz))


def _render_markdown(digest: Digest, generated: str, tz: tzinfo | None = None) -> str:
    lines = ["# raqib digest", "",
             f"_generated {_md_time(generated, tz)} ({_md(zone_name(tz))})_", ""]
    if not digest.alerts:
        return "\n".join(lines + [NO_ALERTS]) + "\n"
    lines += [_md(_summary(digest.alerts)), ""]
    for section in digest.topics:
        lines += [f"## {_md(section.topic)}", ""]
        for kind, stories in (("new", section.new), ("update", section.updates)):
            if not stories:
                continue
            lines += [f"### {_KIND_HEADINGS_EN[kind]}", ""]
            for story in stories:
                lines.extend(_md_story(story, tz))
            lines.append("")
        for kind in REMOVAL_KINDS:
            removals = [a for a in section.removals if a.kind == kind]
            if removals:
                lines += [f"### {_KIND_HEADINGS_EN[kind]}", ""]
                for alert in removals:
                    lines.extend(_md_removal(alert, tz))
                lines.append("")
    if digest.health:
        lines += ["## Site health", ""]
        for alert in digest.health:
            lines.append(f"- **{_md(alert.site or '')}**: {_md(alert.title)}")
            meta = [f"problem: {_md(alert.details['problem'])}"
                    if alert.details.get("problem") else None,
                    f"raised: {_md_time(alert.created, tz)}",
                    f"first failing page: {_md_url(alert.url)}"
                    if alert.url and not alert.details.get("urls") else None]
            lines.append("  " + " · ".join(m for m in meta if m))
            lines.extend(f"  - {_md_url(url)}" for url in alert.details.get("urls") or [])
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _md_story(story: Story, tz: tzinfo | None = None) -> list[str]:
    surfaces = story.surfaces()
    lines = [f"- [{_md_highlight(story.title, story.surfaces('title'))}]({_md_url(story.url)})"]
    meta = [_md(story.site) if len(story.sources) == 1 else None,
            f"published {_md_time(story.published, tz)}" if story.published else None]
    if story.matched:
        meta.append("matched: " + ", ".join(
            f"**{_md(term)}**" + (f" ({', '.join(_md(f) for f in forms)})" if forms else "")
            for term, forms in story.terms()))
    if any(meta):
        lines.append("  " + " · ".join(m for m in meta if m) + "  ")
    if story.edited:
        lines.append(f"  _{_edited_en(story)}_  ")
    if len(story.sources) > 1:  # one source: the title links to it, its site is in the meta
        lines.append(f"  sources ({len(story.sources)}):")
        for source in story.sources:
            other = story.other_title(source)
            lines.append(f"  - {_md(source.site)}: {_md_url(source.url)}"
                         + (f" — {_md_highlight(other, surfaces)}" if other else ""))
    for alert in story.updates:
        lines.extend(_md_update(alert, surfaces))
    return lines


def _md_update(alert: Alert, surfaces: list[str]) -> list[str]:
    details = alert.details
    line = f"  changed: version {details.get('from_version')} → {details.get('to_version')}"
    kinds = _alert_edit_kinds(alert)
    if kinds:
        line += f" · _{edit_kinds_en(kinds)}_"
    if details.get("matches_now") is False:
        line += f" ({_left_topic_en(details, lambda term: _md(isolate(term)))})"
    return ["", line, *_md_diff(details.get("diff") or {}, surfaces)]


def _md_diff(diff: Mapping[str, Any], surfaces: list[str]) -> list[str]:
    """A per-field diff as markdown list items: removed sentences struck, added ones plain."""
    lines = []
    for name in DIFF_FIELDS:
        if name not in diff:
            continue
        lines.append(f"  - {name}:")
        for change in diff[name]["changes"]:
            lines += [f"    - removed: ~~{_md_highlight(s, surfaces)}~~" for s in change["removed"]]
            lines += [f"    - added: {_md_highlight(s, surfaces)}" for s in change["added"]]
    return lines


def _md_removal(alert: Alert, tz: tzinfo | None = None) -> list[str]:
    lines = [f"- [{_md(alert.title)}]({_md_url(alert.url)})",
             f"  {_md(alert.site or '')}  "]
    lines.extend(f"  {_md(fact)}  " for fact in _removal_facts(
        alert, lambda v: readable_time(v, tz)))
    if alert.kind == "removed" and alert.details.get("first_lines"):
        lines.append(f"  > {_md(alert.details['first_lines'])}")
    return lines + _md_diff(alert.details.get("diff") or {}, [])


# --- html ---------------------------------------------------------------------------------

# Simple selectors only (element, class, element.class, descendant): email_html copies each
# rule into the style attributes of the elements it selects. Physical right-hand borders and
# margins, not logical ones, which many mail clients ignore.
_CSS = """
body { font-family: "Noto Naskh Arabic", "Amiri", Tahoma, Arial, sans-serif; line-height: 1.7;
       max-width: 46rem; margin: 2rem auto; padding: 0 1rem; color: #1b1b1b; background: #fff;
       direction: rtl; text-align: right; }
h1 { font-size: 1.6rem; margin: 0 0 0.3rem; }
header p { color: #555; font-size: 0.9rem; margin: 0; }
h2 { font-size: 1.3rem; border-bottom: 2px solid #ddd; padding-bottom: 0.2rem;
     margin: 2rem 0 0.5rem; }
h3 { font-size: 1rem; color: #444; margin: 1rem 0 0.5rem; }
article { margin: 0 0 1.25rem; padding: 0.75rem 1rem; border-right: 4px solid #2b6cb0;
          background: #f7f9fc; }
article.update { border-right-color: #c05621; background: #fffaf5; }
article.health { border-right-color: #b7791f; background: #fffbeb; }
article.removed { border-right-color: #9b2c2c; background: #fff5f5; }
article.restored { border-right-color: #276749; background: #f0fff4; }
h4 { margin: 0 0 0.3rem; font-size: 1.1rem; line-height: 1.5; }
h4 a { color: #1a365d; text-decoration: none; }
p { margin: 0.2rem 0; }
.meta { color: #555; font-size: 0.9rem; }
.terms { font-size: 0.9rem; }
ul.sources { margin: 0.3rem 0; padding: 0 1.2rem 0 0; font-size: 0.9rem; }
ul.sources li { margin: 0.1rem 0; }
.site { font-weight: bold; color: #2d3748; }
.primary { color: #2b6cb0; font-size: 0.8rem; }
.other-title { color: #2d3748; }
.url { direction: ltr; unicode-bidi: isolate; font-size: 0.8rem; color: #2c5282;
       word-break: break-all; }
.kinds { margin: 0.4rem 0 0.2rem; font-size: 0.9rem; }
.edited { margin: 0.3rem 0; font-size: 0.9rem; font-weight: bold; color: #c05621; }
.kind { display: inline-block; margin: 0 0 0.2rem 0.3rem; padding: 0 0.5rem;
        border-radius: 0.6rem; background: #feebc8; color: #7b341e; font-size: 0.8rem; }
.change { margin-top: 0.3rem; }
.field { margin-top: 0.4rem; font-weight: bold; font-size: 0.9rem; }
mark { background: #fff3a3; color: inherit; padding: 0 0.1em; }
del { background: #fde2e1; color: #7b1e1e; }
ins { background: #def7e5; color: #14532d; text-decoration: none; }
.reason { direction: ltr; unicode-bidi: isolate; text-align: left; }
"""

_AR = {
    "title": "ملخص رقيب",
    "generated": "أُنشئ في",
    "alerts": "تنبيهات",
    "stories": "قصص",
    "none": "لا تنبيهات جديدة.",
    "new": "قصص جديدة",
    "update": "قصص عُدّلت",
    "health": "صحة المواقع",
    "removed": "قصص حُذفت",
    "restored": "قصص أُعيدت",
    "removed_at": "حُذفت في",
    "online": "بقيت منشورة",
    "first_lines": "أول سطورها",
    "last_version": "آخر نسخة محفوظة",
    "restored_at": "عادت في",
    "offline": "بعد غياب",
    "unchanged": "عادت كما كانت.",
    "site": "الموقع",
    "published": "نُشر",
    "matched": "الكلمات المطابقة",
    "sources": "المصادر",
    "source": "المصدر",
    "primary": "المصدر الأول",
    "changed": "التعديل: من النسخة {a} إلى النسخة {b}",
    "no_longer": "لم تعد النسخة الجديدة تطابق هذا الموضوع.",
    "no_longer_mentions": "لم يعد يذكر",
    "now_mentions": "صار يذكر",
    "excluded": "وهو من الكلمات المستبعدة في هذا الموضوع",
    "field_title": "العنوان",
    "field_body": "النص",
    "problem": "المشكلة",
    "raised": "رُصدت في",
    "failing": "أول صفحة فشلت",
    "edits": "{n} تعديلات",
}


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _html_highlight(text: str, surfaces: list[str]) -> str:
    return "".join(f"<mark>{_e(piece)}</mark>" if hit else _e(piece)
                   for piece, hit in _segments(text, surfaces))


def _html_time(value: str | None, tz: tzinfo | None) -> str:
    """``<time datetime="ISO">الخميس 3 ديسمبر 2026، 12:48</time>``: readable, in the reader's
    zone, with the stored value for machines; a value that is not a time as it is."""
    if not parse_moment(value):
        return f'<time dir="ltr">{_e(value)}</time>'
    return f'<time datetime="{_e(value)}">{_e(arabic_time(value, tz))}</time>'


def _render_html(digest: Digest, generated: str, tz: tzinfo | None = None) -> str:
    counts = f"{_AR['alerts']}: {len(digest.alerts)}"
    stories = sum(len(s.new) + len(s.updates) + len(s.removals) for s in digest.topics)
    if stories:
        counts += f" · {_AR['stories']}: {stories}"
    out = [
        "<!DOCTYPE html>",
        '<html dir="rtl" lang="ar">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_AR['title']}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        '<body dir="rtl">',
        "<header>",
        f"<h1>{_AR['title']}</h1>",
        f'<p>{_AR["generated"]} {_html_time(generated, tz)}'
        f' (<span dir="ltr">{_e(zone_name(tz))}</span>) · {counts}</p>',
        "</header>",
    ]
    if not digest.alerts:
        out.append(f'<p class="empty">{_AR["none"]}</p>')
    for section in digest.topics:
        out.append('<section class="topic">')
        out.append(f"<h2>{_e(section.topic)}</h2>")
        for kind, items in (("new", section.new), ("update", section.updates)):
            if items:
                out.append(f"<h3>{_AR[kind]}</h3>")
                out.extend(_html_story(story, tz) for story in items)
        for kind in REMOVAL_KINDS:
            removals = [a for a in section.removals if a.kind == kind]
            if removals:
                out.append(f"<h3>{_AR[kind]}</h3>")
                out.extend(_html_removal(alert, tz) for alert in removals)
        out.append("</section>")
    if digest.health:
        out.append('<section class="health">')
        out.append(f"<h2>{_AR['health']}</h2>")
        out.extend(_html_health(alert, tz) for alert in digest.health)
        out.append("</section>")
    out += ["</body>", "</html>"]
    return "\n".join(out) + "\n"


def _html_story(story: Story, tz: tzinfo | None = None) -> str:
    surfaces = story.surfaces()
    parts = [f'<article class="{_e(story.kind)}">',
             f'<h4><a href="{_e(story.url)}">'
             f"{_html_highlight(story.title, story.surfaces('title'))}</a></h4>"]
    single = len(story.sources) == 1
    meta = [f'<span class="site">{_e(story.site)}</span>'] if single else []
    if story.published:
        meta.append(f'{_AR["published"]}: {_html_time(story.published, tz)}')
    if meta:
        parts.append(f'<p class="meta">{" · ".join(meta)}</p>')
    if story.edited:
        count = len(story.updates)
        parts.append(f'<p class="edited">{EDITED_AR}'
                     + (f" ({_AR['edits'].format(n=count)})" if count > 1 else "")
                     + "</p>")
    if story.matched:
        terms = "، ".join(
            f"<mark>{_e(term)}</mark>"
            + (f" ({'، '.join(_e(f) for f in forms)})" if forms else "")
            for term, forms in story.terms())
        parts.append(f'<p class="terms">{_AR["matched"]}: {terms}</p>')
    if single:
        parts.append(f'<p class="meta"><a class="url" dir="ltr" href="{_e(story.url)}">'
                     f"{_e(story.url)}</a></p>")
    else:
        parts.append(f'<p class="meta">{_AR["sources"]} ({len(story.sources)}):</p>')
        parts.append('<ul class="sources">')
        for index, source in enumerate(story.sources):
            primary = f' <span class="primary">({_AR["primary"]})</span>' if index == 0 else ""
            other = story.other_title(source)
            headline = (f'<br><span class="other-title">'
                        f"{_html_highlight(other, surfaces)}</span>" if other else "")
            parts.append(f'<li><span class="site">{_e(source.site)}</span>{primary}: '
                         f'<a class="url" dir="ltr" href="{_e(source.url)}">{_e(source.url)}'
                         f"</a>{headline}</li>")
        parts.append("</ul>")
    for alert in story.updates:
        parts.extend(_html_update(alert, surfaces))
    parts.append("</article>")
    return "\n".join(parts)


def _html_kinds(kinds: list[str]) -> str:
    return "".join(f'<span class="kind">{_e(EDIT_KIND_LABELS.get(k, (k, k))[1])}</span>'
                   for k in kinds)


def _html_update(alert: Alert, surfaces: list[str]) -> list[str]:
    details = alert.details
    parts = ['<div class="change">']
    kinds = _alert_edit_kinds(alert)
    parts.append('<p class="kinds">' + _e(_AR["changed"].format(a=details.get("from_version"),
                                                                b=details.get("to_version")))
                 + (" " + _html_kinds(kinds) if kinds else "") + "</p>")
    if details.get("matches_now") is False:
        parts.append(f'<p class="left-topic">{_left_topic_ar(details)}</p>')
    parts.extend(_html_diff(details.get("diff") or {}, surfaces))
    parts.append("</div>")
    return parts


def _html_diff(diff: Mapping[str, Any], surfaces: list[str]) -> list[str]:
    """A per-field diff as paragraphs: removed sentences ``<del>``, added ones ``<ins>``."""
    parts = []
    for name in DIFF_FIELDS:
        if name not in diff:
            continue
        parts.append(f'<p class="field">{_AR["field_" + name]}:</p>')
        for change in diff[name]["changes"]:
            parts += [f"<p><del>{_html_highlight(s, surfaces)}</del></p>"
                      for s in change["removed"]]
            parts += [f"<p><ins>{_html_highlight(s, surfaces)}</ins></p>"
                      for s in change["added"]]
    return parts


def _html_removal(alert: Alert, tz: tzinfo | None = None) -> str:
    d = alert.details
    parts = [f'<article class="{_e(alert.kind)}">',
             f'<h4><a href="{_e(alert.url)}">{_e(alert.title)}</a></h4>',
             f'<p class="meta"><span class="site">{_e(alert.site or "")}</span> · '
             f'<a class="url" dir="ltr" href="{_e(alert.url)}">{_e(alert.url)}</a></p>']
    if alert.kind == "removed":
        online = describe_span(d.get("online_seconds"))
        parts.append(f'<p class="meta">{_AR["removed_at"]}: {_html_time(d.get("removed"), tz)}'
                     f' · <span class="reason" dir="ltr">{_e(d.get("reason"))}</span></p>')
        if online:
            parts.append(f'<p class="meta">{_AR["online"]}: <span dir="ltr">{_e(online)}</span>'
                         f' ({_html_time(d.get("online_since"), tz)} – '
                         f'{_html_time(d.get("last_seen"), tz)})</p>')
        parts.append(f'<p class="meta">{_AR["last_version"]}: {_e(d.get("version"))}</p>')
        if d.get("first_lines"):
            parts.append(f'<p class="field">{_AR["first_lines"]}:</p>'
                         f'<blockquote>{_e(d["first_lines"])}</blockquote>')
    else:
        gone = describe_span(d.get("offline_seconds"))
        parts.append(f'<p class="meta">{_AR["restored_at"]}: {_html_time(d.get("restored"), tz)}'
                     + (f' · {_AR["offline"]} <span dir="ltr">{_e(gone)}</span>' if gone else "")
                     + "</p>")
        if not d.get("changed"):
            parts.append(f"<p>{_AR['unchanged']}</p>")
        else:
            parts.append('<p class="kinds">' + _e(_AR["changed"].format(
                a=d.get("from_version"), b=d.get("to_version"))) + "</p>")
        parts.extend(_html_diff(d.get("diff") or {}, []))
    parts.append("</article>")
    return "\n".join(parts)


def _html_health(alert: Alert, tz: tzinfo | None = None) -> str:
    problem = alert.details.get("problem", "")
    parts = ['<article class="health">',
             f'<h4><span class="site">{_e(alert.site or "")}</span>'
             + (f": {_e(HEALTH_PROBLEM_LABELS.get(problem, problem))}" if problem else "")
             + "</h4>",
             f'<p class="reason" dir="ltr">{_e(alert.title)}</p>']
    meta = [f'{_AR["raised"]}: {_html_time(alert.created, tz)}']
    urls = alert.details.get("urls") or []
    if alert.url and not urls:
        meta.append(f'{_AR["failing"]}: <a class="url" dir="ltr" href="{_e(alert.url)}">'
                    f"{_e(alert.url)}</a>")
    parts.append(f'<p class="meta">{" · ".join(meta)}</p>')
    if urls:
        parts.append('<ul class="pages" dir="ltr">' + "".join(
            f'<li><a class="url" href="{_e(url)}">{_e(url)}</a></li>' for url in urls) + "</ul>")
    parts.append("</article>")
    return "\n".join(parts)


# --- json ---------------------------------------------------------------------------------


def _story_json(story: Story, names: Mapping[str, str]) -> dict[str, Any]:
    return {
        "kind": story.kind,
        "title": story.title,
        "url": story.url,
        "site": story.site,
        "site_name": names.get(story.site, story.site),
        "sources": [{**source._asdict(), "name": names.get(source.site, source.site)}
                    for source in story.sources],
        "alerts": [alert.id for alert in story.alerts],
        "edited": story.edited,
        "edit_kinds": story.edit_kinds,
    }


def _removal_json(alert: Alert, names: Mapping[str, str]) -> dict[str, Any]:
    d = alert.details
    return {"kind": alert.kind, "alert": alert.id, "title": alert.title, "url": alert.url,
            "site": alert.site, "site_name": names.get(alert.site or "", alert.site),
            **{key: d.get(key) for key in (
                "removed", "restored", "reason", "online_seconds", "offline_seconds",
                "first_lines", "changed")}}


def _alert_json(alert: Alert, delivery: DeliveryRef | None) -> dict[str, Any]:
    document = alert.to_json()
    del document["delivered"]   # set once every channel has it: never known while rendering
    document["digest"] = delivery.digest if delivery else None
    document["delivery"] = delivery.delivery if delivery else None
    return document


def _render_json(digest: Digest, generated: str, delivery: DeliveryRef | None = None,
                 names: Mapping[str, str] | None = None) -> str:
    names = names or {}
    counts = Counter(alert.kind for alert in digest.alerts)
    document = {
        "digest": delivery.digest if delivery else None,
        "delivery": delivery.delivery if delivery else None,
        "channel": delivery.channel if delivery else None,
        "generated": generated,
        "count": len(digest.alerts),
        "counts": {kind: counts.get(kind, 0)
                   for kind in (*KINDS, *sorted(set(counts) - set(KINDS)))},
        "alerts": [_alert_json(alert, delivery) for alert in digest.alerts],
        "topics": [{"topic": section.topic,
                    "new": [_story_json(s, names) for s in section.new],
                    "updates": [_story_json(s, names) for s in section.updates],
                    "removals": [_removal_json(a, names) for a in section.removals]}
                   for section in digest.topics],
        "health": [_alert_json(alert, delivery) for alert in digest.health],
    }
    return terminal_json(document) + "\n"
