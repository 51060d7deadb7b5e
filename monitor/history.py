"""Every stored version of an article, and sentence-level diffs between versions.

A field's diff (title, body) compares sentences — split on . ! ? ؟ ؛ and paragraph breaks — by
their normalised words, so a sentence that only gained a diacritic or lost a comma is not a
change. As JSON a field's diff is::

    {"changes": [{"op": "replace", "removed": ["..."], "added": ["..."]}, ...],
     "removed": ["..."], "added": ["..."]}

``changes`` keeps the order of the text (``op`` is replace, delete or insert); ``removed`` and
``added`` list the same sentences flat, for readers that want only those.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import asdict, dataclass
from typing import Any, Mapping

import sqlite_utils

from crawler.extract.arabic import normalized_words

DIFF_FIELDS = ("title", "body")

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

_PARAGRAPHS = re.compile(r"\s*\n\s*")
# A sentence ends at . ! ? ؟ ؛ ۔ or … (possibly followed by a closing quote or bracket) and
# whitespace; "3.5" and "U.S." without a following space stay whole.
_SENTENCE_END = re.compile(r"(?<=[.!?؟؛۔…])\s+|(?<=[.!?؟؛۔…][»\"'”’)\]])\s+")


def split_sentences(text: str) -> list[str]:
    """The sentences of a text, in order, stripped; paragraph breaks always end a sentence."""
    sentences: list[str] = []
    for paragraph in _PARAGRAPHS.split(text or ""):
        for sentence in _SENTENCE_END.split(paragraph):
            if sentence.strip():
                sentences.append(sentence.strip())
    return sentences


def diff_text(old: str, new: str) -> dict[str, list] | None:
    """Sentence-level diff of two texts; None when their sentences are the same words."""
    old_sentences, new_sentences = split_sentences(old), split_sentences(new)
    matcher = difflib.SequenceMatcher(
        None,
        [normalized_words(s) for s in old_sentences],
        [normalized_words(s) for s in new_sentences],
        autojunk=False,
    )
    changes: list[dict[str, Any]] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        changes.append({"op": op, "removed": old_sentences[i1:i2], "added": new_sentences[j1:j2]})
    if not changes:
        return None
    return {
        "changes": changes,
        "removed": [s for change in changes for s in change["removed"]],
        "added": [s for change in changes for s in change["added"]],
    }


def diff_versions(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, dict]:
    """Per-field sentence diffs (title, body) between two versions; only changed fields."""
    diffs: dict[str, dict] = {}
    for name in DIFF_FIELDS:
        field_diff = diff_text(old.get(name) or "", new.get(name) or "")
        if field_diff is not None:
            diffs[name] = field_diff
    return diffs


@dataclass
class VersionEntry:
    """One stored version of an article; ``diff`` is None for the first version, else the
    per-field diff from the previous one (see the module docstring)."""

    url: str
    version: int
    seen: str
    title: str
    body: str
    published: str | None
    author: str | None
    content_hash: str
    diff: dict[str, dict] | None
    id: int | None = None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        return {key: data[key] for key in (
            "version", "seen", "title", "body", "published", "author", "content_hash", "diff")}


def article_history(db: sqlite_utils.Database, url: str) -> list[VersionEntry]:
    """Every stored version of ``url``, oldest first; empty when the URL is not stored."""
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


def render_history(entries: list[VersionEntry], fmt: str = "text") -> str:
    """``text``: each version with its time and the diff to the previous one; ``json``: a list
    with one object per version (version, seen, title, body, published, author, content_hash,
    diff)."""
    if fmt == "json":
        return json.dumps([entry.to_json() for entry in entries], ensure_ascii=False, indent=2)
    if fmt != "text":
        raise ValueError(f"unknown history format: {fmt!r} (expected text or json)")
    if not entries:
        return "No stored versions."
    lines = [f"{entries[0].url} — {len(entries)} version{'s' if len(entries) > 1 else ''}", ""]
    previous: VersionEntry | None = None
    for entry in entries:
        lines.append(f"version {entry.version} · seen {entry.seen}")
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
            lines.extend(diff_lines(entry.diff or {}, indent="  "))
            if not entry.diff:
                lines.append("  (no sentence changed; only its normalised form differs)")
        lines.append("")
        previous = entry
    return "\n".join(lines).rstrip() + "\n"


def diff_lines(diff: Mapping[str, Mapping[str, Any]], indent: str = "") -> list[str]:
    """A per-field diff as terminal lines: ``title:`` / ``body:`` then ``-`` for removed and
    ``+`` for added sentences, each sentence on its own right-to-left line."""
    lines: list[str] = []
    for name in DIFF_FIELDS:
        field_diff = diff.get(name)
        if not field_diff:
            continue
        lines.append(f"{indent}{name}:")
        for change in field_diff["changes"]:
            lines.extend(_sentence_lines(change["removed"], f"{indent}  -"))
            lines.extend(_sentence_lines(change["added"], f"{indent}  +"))
    return lines


def _sentence_lines(sentences: list[str], prefix: str) -> list[str]:
    # Page text on lines of its own, opened by an RLM: the marker shows at the right, where
    # the sentence starts.
    return [f"{prefix} {RLM}{sentence}" for sentence in sentences]
