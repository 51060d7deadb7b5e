"""Alerts -> a digest in text, markdown, html or json.

A digest groups alerts by topic (in the order topics first raised an alert), new stories before
updates. Each item shows the title, url, site, published time and the matched terms; an update
also shows its change: the sentences removed and added.

- ``text`` is for a terminal: English labels, page text on its own right-to-left lines or in
  Unicode isolates (see ``monitor.history``), so Arabic keeps its order.
- ``markdown`` escapes every page string; matched terms are bold in titles.
- ``html`` is a whole document (``<html dir="rtl" lang="ar">``, inline CSS, Arabic labels);
  matched terms are ``<mark>``ed, removed sentences ``<del>``, added ``<ins>``, and every
  string that came from a page goes through ``html.escape``.
- ``json`` is ``{"generated", "count", "counts": {kind: n}, "alerts": [Alert.to_json()]}``.
"""

from __future__ import annotations

import html
import json
import re
from collections import Counter
from typing import Any, Callable

import sqlite_utils

from crawler.store import utcnow

from monitor.alerts import KINDS, Alert, query_alerts
from monitor.history import DIFF_FIELDS, diff_lines, isolate

FORMATS = ("text", "markdown", "html", "json")
NO_ALERTS = "No new alerts."


def pending_alerts(db: sqlite_utils.Database, since: str | None = None) -> list[Alert]:
    """Alerts not yet delivered (created at or after ``since`` when given), oldest first."""
    return query_alerts(db, since=since, pending=True)


def mark_delivered(db: sqlite_utils.Database, alert_ids: list[int],
                   delivered: str | None = None) -> None:
    """Mark alerts as delivered (at ``delivered``, default now), in one transaction."""
    when = delivered or utcnow()
    conn = db.conn
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.executemany("UPDATE alerts SET delivered = ? WHERE id = ? AND delivered IS NULL",
                         [(when, alert_id) for alert_id in alert_ids])
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def render_digest(alerts: list[Alert], fmt: str, *, generated: str | None = None) -> str:
    """The digest of ``alerts`` in ``fmt`` (text, markdown, html or json)."""
    renderers: dict[str, Callable[[list[Alert], str], str]] = {
        "text": _render_text, "markdown": _render_markdown, "html": _render_html,
        "json": _render_json,
    }
    if fmt not in renderers:
        raise ValueError(f"unknown digest format: {fmt!r} (expected {', '.join(FORMATS)})")
    return renderers[fmt](alerts, generated or utcnow())


def group_by_topic(alerts: list[Alert]) -> list[tuple[str, list[Alert]]]:
    """Alerts grouped by topic (topics in order of their first alert); within a topic, new
    stories, then updates, then health alerts, each in the order given."""
    groups: dict[str, list[Alert]] = {}
    for alert in alerts:
        groups.setdefault(alert.topic, []).append(alert)
    rank = {kind: index for index, kind in enumerate(KINDS)}
    return [(topic, sorted(items, key=lambda a: rank.get(a.kind, len(KINDS))))
            for topic, items in groups.items()]


def _summary(alerts: list[Alert]) -> str:
    """``"3 alerts: 2 new, 1 update"``."""
    counts = Counter(alert.kind for alert in alerts)
    kinds = [*(k for k in KINDS if counts[k]), *(k for k in counts if k not in KINDS)]
    parts = [f"{counts[kind]} {_KIND_PLURAL.get(kind, kind) if counts[kind] != 1 else kind}"
             for kind in kinds]
    return f"{len(alerts)} alert{'s' if len(alerts) != 1 else ''}: {', '.join(parts)}"


_KIND_PLURAL = {"new": "new", "update": "updates", "health": "health"}


def _surfaces(alert: Alert, field: str | None = None) -> list[str]:
    """The original words that matched, longest first (so phrases win over their parts)."""
    found = {m.get("text", "") for m in alert.matched if field is None or m.get("field") == field}
    return sorted((s for s in found if s), key=len, reverse=True)


def _terms_summary(alert: Alert) -> list[tuple[str, list[str]]]:
    """Each matched term once, with the surface forms found for it that differ from it
    («كندا» found as «لكندا» and «كندا» gives ("كندا", ["لكندا"]))."""
    terms: dict[str, list[str]] = {}
    for m in alert.matched:
        term, surface = m.get("term", ""), m.get("text", "")
        forms = terms.setdefault(term, [])
        if surface and surface != term and surface not in forms:
            forms.append(surface)
    return list(terms.items())


# A highlighted surface must stand as whole words: «العراق» is not marked inside «العراقي».
_WORD_CHAR = r"[\w\u0610-\u061a\u064b-\u065f\u0670\u0640\u06d6-\u06ed]"


def _segments(text: str, surfaces: list[str]) -> list[tuple[str, bool]]:
    """``text`` cut into (piece, is_match) pieces around every occurrence of ``surfaces``."""
    if not surfaces or not text:
        return [(text, False)]
    pattern = re.compile(f"(?<!{_WORD_CHAR})(?:"
                         + "|".join(re.escape(s) for s in surfaces)
                         + f")(?!{_WORD_CHAR})")
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


def _render_text(alerts: list[Alert], generated: str) -> str:
    if not alerts:
        return f"raqib digest · generated {generated}\n\n{NO_ALERTS}\n"
    lines = [f"raqib digest · generated {generated} · {_summary(alerts)}", ""]
    for topic, items in group_by_topic(alerts):
        lines.append(f"== {isolate(topic)} · {_summary(items)} ==")
        lines.append("")
        for alert in items:
            lines.append(f"[{alert.kind}] {isolate(alert.title)}")
            lines.append(f"    {alert.url}")
            for source in alert.sources:
                if source != alert.url:
                    lines.append(f"    also: {source}")
            meta = [f"site: {isolate(alert.site)}" if alert.site else None,
                    f"published: {alert.published}" if alert.published else None]
            if any(meta):
                lines.append("    " + " · ".join(m for m in meta if m))
            if alert.matched:
                terms = ", ".join(
                    isolate(term) + (f" ({', '.join(isolate(f) for f in forms)})" if forms else "")
                    for term, forms in _terms_summary(alert))
                lines.append(f"    matched: {terms}")
            if alert.kind == "update":
                lines.extend(_text_update(alert))
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _text_update(alert: Alert) -> list[str]:
    details = alert.details
    lines = [f"    changed: version {details.get('from_version')} → {details.get('to_version')}"]
    if details.get("matches_now") is False:
        lines.append("    (the new version no longer matches this topic)")
    lines.extend(diff_lines(details.get("diff") or {}, indent="      "))
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


def _render_markdown(alerts: list[Alert], generated: str) -> str:
    lines = ["# raqib digest", "", f"_generated {_md(generated)}_", ""]
    if not alerts:
        return "\n".join(lines + [NO_ALERTS]) + "\n"
    lines += [_md(_summary(alerts)), ""]
    for topic, items in group_by_topic(alerts):
        lines += [f"## {_md(topic)}", ""]
        for kind in KINDS:
            kind_items = [a for a in items if a.kind == kind]
            if not kind_items:
                continue
            lines += [f"### {_KIND_HEADINGS_EN[kind]}", ""]
            for alert in kind_items:
                lines.append(f"- [{_md_highlight(alert.title, _surfaces(alert, 'title'))}]"
                             f"({_md_url(alert.url)})")
                meta = [_md(alert.site) if alert.site else None,
                        _md(alert.published) if alert.published else None]
                if any(meta):
                    lines.append("  " + " · ".join(m for m in meta if m) + "  ")
                if alert.matched:
                    lines.append("  matched: " + ", ".join(
                        f"**{_md(term)}**" + (f" ({', '.join(_md(f) for f in forms)})"
                                              if forms else "")
                        for term, forms in _terms_summary(alert)) + "  ")
                for source in alert.sources:
                    if source != alert.url:
                        lines.append(f"  also: {_md_url(source)}  ")
                if alert.kind == "update":
                    lines.extend(_md_update(alert))
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


_KIND_HEADINGS_EN = {"new": "New stories", "update": "Updated stories", "health": "Health"}


def _md_update(alert: Alert) -> list[str]:
    details = alert.details
    lines = [f"  changed: version {details.get('from_version')} → {details.get('to_version')}"]
    if details.get("matches_now") is False:
        lines[-1] += " (no longer matches this topic)"
    diff = details.get("diff") or {}
    for name in DIFF_FIELDS:
        if name not in diff:
            continue
        lines.append(f"  - {name}:")
        for change in diff[name]["changes"]:
            lines += [f"    - removed: ~~{_md(s)}~~" for s in change["removed"]]
            lines += [f"    - added: {_md(s)}" for s in change["added"]]
    return lines


# --- html ---------------------------------------------------------------------------------

_CSS = """
body { font-family: "Noto Naskh Arabic", "Amiri", Tahoma, Arial, sans-serif; line-height: 1.7;
       max-width: 46rem; margin: 2rem auto; padding: 0 1rem; color: #1b1b1b; background: #fff; }
header p, .meta { color: #555; font-size: 0.9rem; }
h2 { border-bottom: 2px solid #ddd; padding-bottom: 0.2rem; margin-top: 2rem; }
h3 { font-size: 1rem; color: #444; }
article { margin: 0 0 1.25rem; padding: 0.75rem 1rem; border-inline-start: 4px solid #2b6cb0;
          background: #f7f9fc; }
article.update { border-inline-start-color: #c05621; }
article h4 { margin: 0 0 0.3rem; font-size: 1.1rem; }
article h4 a { color: #1a365d; text-decoration: none; }
.terms { font-size: 0.9rem; }
mark { background: #fff3a3; padding: 0 0.1em; }
del { background: #fde2e1; color: #7b1e1e; }
ins { background: #def7e5; color: #14532d; text-decoration: none; }
.change p { margin: 0.2rem 0; }
.url { direction: ltr; unicode-bidi: isolate; font-size: 0.8rem; word-break: break-all; }
"""

_AR = {
    "title": "ملخص رقيب",
    "generated": "أُنشئ في",
    "alerts": "تنبيهات",
    "none": "لا تنبيهات جديدة.",
    "new": "قصص جديدة",
    "update": "قصص عُدّلت",
    "health": "صحة المواقع",
    "site": "الموقع",
    "published": "نُشر",
    "matched": "الكلمات المطابقة",
    "changed": "التعديل: من النسخة {a} إلى النسخة {b}",
    "no_longer": "لم تعد النسخة الجديدة تطابق هذا الموضوع.",
    "field_title": "العنوان",
    "field_body": "النص",
    "also": "مصادر أخرى",
}


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _html_highlight(text: str, surfaces: list[str]) -> str:
    return "".join(f"<mark>{_e(piece)}</mark>" if hit else _e(piece)
                   for piece, hit in _segments(text, surfaces))


def _render_html(alerts: list[Alert], generated: str) -> str:
    out = [
        "<!DOCTYPE html>",
        '<html dir="rtl" lang="ar">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_AR['title']}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        "<header>",
        f"<h1>{_AR['title']}</h1>",
        f'<p>{_AR["generated"]} <time dir="ltr" datetime="{_e(generated)}">{_e(generated)}</time>'
        f" · {_AR['alerts']}: {len(alerts)}</p>",
        "</header>",
    ]
    if not alerts:
        out.append(f'<p class="empty">{_AR["none"]}</p>')
    for topic, items in group_by_topic(alerts):
        out.append("<section>")
        out.append(f"<h2>{_e(topic)}</h2>")
        for kind in KINDS:
            kind_items = [a for a in items if a.kind == kind]
            if not kind_items:
                continue
            out.append(f"<h3>{_AR[kind]}</h3>")
            out.extend(_html_alert(alert) for alert in kind_items)
        out.append("</section>")
    out += ["</body>", "</html>"]
    return "\n".join(out) + "\n"


def _html_alert(alert: Alert) -> str:
    body_surfaces = _surfaces(alert)
    parts = [f'<article class="{_e(alert.kind)}">',
             f'<h4><a href="{_e(alert.url)}">'
             f"{_html_highlight(alert.title, _surfaces(alert, 'title'))}</a></h4>"]
    meta = []
    if alert.site:
        meta.append(f"{_AR['site']}: {_e(alert.site)}")
    if alert.published:
        meta.append(f'{_AR["published"]}: <time dir="ltr">{_e(alert.published)}</time>')
    meta.append(f'<bdi class="url">{_e(alert.url)}</bdi>')
    parts.append(f'<p class="meta">{" · ".join(meta)}</p>')
    others = [s for s in alert.sources if s != alert.url]
    if others:
        links = " · ".join(f'<a class="url" href="{_e(s)}">{_e(s)}</a>' for s in others)
        parts.append(f'<p class="meta">{_AR["also"]}: {links}</p>')
    if alert.matched:
        terms = "، ".join(
            f"<mark>{_e(term)}</mark>"
            + (f" ({'، '.join(_e(f) for f in forms)})" if forms else "")
            for term, forms in _terms_summary(alert))
        parts.append(f'<p class="terms">{_AR["matched"]}: {terms}</p>')
    if alert.kind == "update":
        details = alert.details
        parts.append('<div class="change">')
        parts.append("<p>" + _e(_AR["changed"].format(a=details.get("from_version"),
                                                      b=details.get("to_version"))) + "</p>")
        if details.get("matches_now") is False:
            parts.append(f"<p>{_AR['no_longer']}</p>")
        diff = details.get("diff") or {}
        for name in DIFF_FIELDS:
            if name not in diff:
                continue
            parts.append(f"<p><strong>{_AR['field_' + name]}:</strong></p>")
            for change in diff[name]["changes"]:
                parts += [f"<p><del>{_html_highlight(s, body_surfaces)}</del></p>"
                          for s in change["removed"]]
                parts += [f"<p><ins>{_html_highlight(s, body_surfaces)}</ins></p>"
                          for s in change["added"]]
        parts.append("</div>")
    parts.append("</article>")
    return "\n".join(parts)


# --- json ---------------------------------------------------------------------------------


def _render_json(alerts: list[Alert], generated: str) -> str:
    counts = Counter(alert.kind for alert in alerts)
    document = {
        "generated": generated,
        "count": len(alerts),
        "counts": {kind: counts.get(kind, 0)
                   for kind in (*KINDS, *sorted(set(counts) - set(KINDS)))},
        "alerts": [alert.to_json() for alert in alerts],
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"
