"""Every stored version of an article, and the diff between consecutive versions.

The diffs themselves — sentence-level, per field, with an edit kind for each change — live in
:mod:`monitor.diff` (re-exported here for older imports). ``raqib history URL`` prints each
version with the diff from the one before it: on a terminal in colour (removed sentences red,
added green, edit kinds yellow), right-to-left text kept intact by RLM marks and isolates;
``--format json`` lists the versions with their diffs and edit kinds. A story that was taken
down (:mod:`crawler.removals`) shows each removal after the version it left: when its checks
first failed, when it was marked removed and why, and when it came back, if it did.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Mapping
from urllib.parse import urlsplit

import click
import sqlite_utils

from crawler.extract.safetext import terminal_json, terminal_safe_all
from crawler.urls import UrlDoor
from monitor.diff import (  # noqa: F401  (re-exported: monitor.alerts, the datasette plugin)
    DIFF_FIELDS, EDIT_KINDS, diff_text, diff_versions, edit_kinds, edit_kinds_en,
    split_sentences,
)


# Right-to-left text in a terminal. Lines that are page text start with RLM (U+200F), so a
# terminal that implements bidi lays the whole line out right to left whatever its first word
# (a number, a Latin name); page text inside a line of English labels is wrapped in a first-
# strong isolate (U+2068 … U+2069), so its own direction holds and its punctuation stays put.
# Both are invisible format characters where bidi is not implemented.
RLM = "\u200f"
FSI, PDI = "\u2068", "\u2069"


def isolate(text: str) -> str:
    """``text`` wrapped in a first-strong isolate, for embedding in a left-to-right line
    (plain ASCII needs none and is returned as it is)."""
    return text if text.isascii() else f"{FSI}{text}{PDI}"


META_FIELDS = ("published", "author")


@dataclass
class VersionEntry:
    """One stored version of an article; ``diff`` is None for the first version, else the
    diff from the previous one (:func:`monitor.diff.diff_versions`)."""

    url: str
    version: int
    seen: str
    title: str
    body: str
    published: str | None
    author: str | None
    content_hash: str
    diff: dict[str, Any] | None
    id: int | None = None

    @property
    def edit_kinds(self) -> list[str]:
        """The kinds of edit from the previous version (none for the first), sorted."""
        return list((self.diff or {}).get("edit_kinds", []))

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        listed = {key: data[key] for key in (
            "version", "seen", "title", "body", "published", "author", "content_hash", "diff")}
        listed["edit_kinds"] = self.edit_kinds
        return listed


def stored_url(db: sqlite_utils.Database, url: str) -> str:
    """The URL an article is stored under, for ``url`` as a user gives it: without the spaces
    and line end a copied URL carries (``sqlite-utils --csv`` ends it with CRLF), as stored, in
    its canonical form (tracking parameters dropped, as the crawler drops them), or as one of
    the other URLs the article was seen under; ``url`` trimmed when none is stored."""
    wanted = url.strip()
    candidates = [wanted]
    try:
        candidates.append(UrlDoor(()).canonical(wanted, urlsplit(wanted).port))
    except ValueError:  # not a URL that can be put in canonical form: look it up as given
        pass
    for candidate in candidates:
        if db.execute("SELECT 1 FROM articles WHERE url = ?", [candidate]).fetchone():
            return candidate
        row = db.execute("SELECT url FROM url_aliases WHERE alias = ?", [candidate]).fetchone()
        if row:
            return row[0]
    return wanted


def article_history(db: sqlite_utils.Database, url: str) -> list[VersionEntry]:
    """Every stored version of the article at ``url`` (see :func:`stored_url`), oldest first;
    empty when no article is stored there."""
    url = stored_url(db, url)
    rows = db.execute(
        "SELECT id, url, version, seen, title, body, published, author, content_hash"
        " FROM versions WHERE url = ? ORDER BY version", [url]
    ).fetchall()
    columns = ("id", "url", "version", "seen", "title", "body", "published", "author",
               "content_hash")
    entries: list[VersionEntry] = []
    previous: dict[str, Any] | None = None
    for row in rows:
        current = dict(zip(columns, row))
        diff = diff_versions(previous, current) if previous is not None else None
        entries.append(VersionEntry(diff=diff, **current))
        previous = current
    return entries


@dataclass
class RemovalEntry:
    """One time an article was taken down (``removals``): ``removed`` is None while only its
    first check failed, ``restored`` None while it is still gone."""

    first_failed: str
    removed: str | None
    restored: str | None
    status: int
    reason: str
    checks: int
    version: int | None  # the last version stored before it went

    def line(self) -> str:
        if self.removed is None:
            text = (f"check failed since {self.first_failed} · {self.reason}"
                    f" ({self.checks} check{'s' if self.checks != 1 else ''}; removed if it "
                    "still fails an hour after the first)")
        else:
            text = (f"removed {self.removed} · {self.reason} (first failed check "
                    f"{self.first_failed}; last version kept: {self.version})")
        if self.restored:
            text += f" · restored {self.restored}"
        return text

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        del data["version"]  # it is listed under the version it followed
        return data


def article_removals(db: sqlite_utils.Database, url: str) -> list[RemovalEntry]:
    """Every removal of the article at ``url`` (see :func:`stored_url`), oldest first."""
    url = stored_url(db, url)
    rows = db.execute(
        "SELECT r.first_failed, r.removed, r.restored, r.status, r.reason, r.checks, v.version"
        " FROM removals r LEFT JOIN versions v ON v.id = r.version_id WHERE r.url = ?"
        " ORDER BY r.id", [url]).fetchall()
    return [RemovalEntry(*row) for row in rows]


def render_history(entries: list[VersionEntry], fmt: str = "text", *,
                   color: bool = False, removals: list[RemovalEntry] | None = None) -> str:
    """``text``: each version with its time, its edit kinds and the diff to the previous one
    (styled for a terminal when ``color``; ``click.echo`` drops the styles when its output is
    not one); ``json``: a list with one object per version (version, seen, title, body,
    published, author, content_hash, diff, edit_kinds, and ``removals``: the times the
    article was taken down after that version, as the text shows them after it)."""
    removals = removals or []
    if fmt == "json":
        return terminal_json(_json_history(entries, removals))
    if fmt != "text":
        raise ValueError(f"unknown history format: {fmt!r} (expected text or json)")
    if not entries:
        return "No stored versions."
    entries = terminal_safe_all(entries)  # page text: no escapes of its own reach the terminal

    def style(text: str, **styles: Any) -> str:
        return click.style(text, **styles) if color else text

    count = f"{len(entries)} version{'s' if len(entries) > 1 else ''}"
    lines = [f"{style(entries[0].url, bold=True)} — {count}", ""]
    previous: VersionEntry | None = None
    for entry in entries:
        header = style(f"version {entry.version}", bold=True) + f" · seen {entry.seen}"
        if entry.edit_kinds:
            header += " · " + style(edit_kinds_en(entry.edit_kinds), fg="yellow")
        lines.append(header)
        if previous is None:
            lines.append(f"  title: {isolate(entry.title)}")
            for name in META_FIELDS:
                if getattr(entry, name):
                    lines.append(f"  {name}: {isolate(getattr(entry, name))}")
            sentences = split_sentences(entry.body)
            lines.append(f"  body: {len(sentences)} sentence{'s' if len(sentences) != 1 else ''}")
            lines.extend(_sentence_lines(sentences, "   "))
        else:
            for name in META_FIELDS:
                before, after = getattr(previous, name), getattr(entry, name)
                if before != after:
                    lines.append(f"  {name}: {isolate(before or '—')} → {isolate(after or '—')}")
            lines.extend(diff_lines(entry.diff or {}, "  ", style, edit_kinds=True))
            if not entry.diff:
                lines.append("  (no sentence changed; only its normalised form differs)")
        lines.append("")
        for removal in removals:
            if removal.version == entry.version:
                lines.append(style(removal.line(), fg="red", bold=True))
                lines.append("")
        previous = entry
    known = {entry.version for entry in entries}
    for removal in removals:
        if removal.version not in known:
            lines += [style(removal.line(), fg="red", bold=True), ""]
    return "\n".join(lines).rstrip() + "\n"


def _json_history(entries: list[VersionEntry], removals: list[RemovalEntry]) -> list[dict]:
    listed = [entry.to_json() | {"removals": []} for entry in entries]
    by_version = {item["version"]: item for item in listed}
    for removal in removals:  # one whose version is unknown follows the last version
        item = by_version.get(removal.version) or (listed[-1] if listed else None)
        if item is not None:
            item["removals"].append(removal.to_json())
    return listed


def diff_lines(diff: Mapping[str, Mapping[str, Any]], indent: str = "", style=None,
               edit_kinds: bool = False) -> list[str]:
    """A per-field diff as terminal lines: ``title:`` / ``body:`` then ``-`` for removed and
    ``+`` for added sentences, each sentence on its own right-to-left line (used by digests).
    ``style`` (click.style's signature) colours them; ``edit_kinds`` heads each change with
    its kinds (used by ``history``)."""
    def plain(text: str, **_: Any) -> str:
        return text

    style = style or plain
    lines: list[str] = []
    for name in DIFF_FIELDS:
        field_diff = diff.get(name)
        if not field_diff:
            continue
        lines.append(f"{indent}{name}:")
        for change in field_diff["changes"]:
            kinds = change.get("edit_kinds") or []
            if edit_kinds and kinds:
                lines.append(f"{indent}  " + style(f"[{edit_kinds_en(kinds)}]", fg="yellow"))
            lines.extend(style(line, fg="red")
                         for line in _sentence_lines(change["removed"], f"{indent}  -"))
            lines.extend(style(line, fg="green")
                         for line in _sentence_lines(change["added"], f"{indent}  +"))
    return lines


def _sentence_lines(sentences: list[str], prefix: str) -> list[str]:
    # Page text on lines of its own, opened by an RLM: the marker shows at the right, where
    # the sentence starts.
    return [f"{prefix} {RLM}{sentence}" for sentence in sentences]
