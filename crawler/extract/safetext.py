"""Text safe to store and to show on a terminal, and bounded in size.

Page text is hostile: a title can carry ``ESC ]0;…`` (retitles the terminal), ``ESC [2J``
(clears it), a BEL, or the bidi overrides (U+202A–U+202E, U+2066–U+2069) that make a terminal
or a mail client show the letters in another order than they are stored. :func:`terminal_safe`
removes every escape sequence and control character but tab and newline (C0, DEL and C1), and
the bidi overrides; ordinary right-to-left text needs none of them (its direction comes from the
letters), and the implicit marks (U+200E, U+200F, U+061C) stay.

:func:`bounded` cuts a text to a number of characters at a word boundary; :func:`safe_article`
applies both to an extracted article, once, where the extractor returns, and records any cut.
The renderers call :func:`terminal_safe` again on whatever they print (text from an older
store, from a feed, from a URL); every ``--format json`` output is written by
:func:`terminal_json`, so no JSON raqib prints holds a C0 or C1 control character, raw or
escaped (a ``jq -r`` would turn ``\u001b`` back into an escape).
"""

from __future__ import annotations

import dataclasses
import functools
import json
import re
from dataclasses import replace
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from crawler.extract.model import Article

MAX_TITLE = 1_000
MAX_BODY = 200_000

# ESC-introduced sequences first (so their parameters go with them): CSI (ESC [ … final), OSC
# (ESC ] … BEL or ESC \), DCS/SOS/PM/APC strings, then any two-character escape; the same in
# their 8-bit C1 forms. An 8-bit string takes its text only up to its terminator with no other
# control character on the way: mojibake (UTF-8 read as Latin-1 and written again, «â\x80\x9d»
# for a closing quote) is full of C1 characters, and an unterminated 8-bit OSC would otherwise
# swallow the rest of the article. Unterminated, only the C1 character itself goes (_CONTROLS).
_ESCAPES = re.compile(
    r"(?:\x1b\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]?"
    r"|\x1b[\]PX^_][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|[\x90\x98\x9d\x9e\x9f][^\x00-\x1f\x7f-\x9f]*(?:\x07|\x1b\\|\x9c)"
    r"|\x1b[\x20-\x2f]*[\x30-\x7e]?"
)
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_BIDI_OVERRIDES = re.compile(r"[\u202a-\u202e\u2066-\u2069]")


def terminal_safe(text: str) -> str:
    """``text`` without escape sequences, control characters (but tab and newline) and bidi
    overrides. A carriage return becomes a newline (it would let a line overwrite itself)."""
    if not text:
        return text
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _ESCAPES.sub("", text)
    text = _CONTROLS.sub("", text)
    return _BIDI_OVERRIDES.sub("", text)


def terminal_safe_all(value):
    """``value`` with :func:`terminal_safe` applied to every string in it: through lists,
    tuples, dicts (keys too) and dataclass fields; anything else as it is. For renderers, which
    then add their own styles and isolates to clean fields."""
    if isinstance(value, str):
        return terminal_safe(value)
    if isinstance(value, list):
        return [terminal_safe_all(item) for item in value]
    if isinstance(value, tuple):
        items = [terminal_safe_all(item) for item in value]
        return type(value)(*items) if hasattr(value, "_fields") else tuple(items)
    if isinstance(value, dict):
        return {terminal_safe_all(k): terminal_safe_all(v) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return replace(value, **{f.name: terminal_safe_all(getattr(value, f.name))
                                 for f in dataclasses.fields(value) if f.init})
    return value


def terminal_json(value, *, indent: int | None = 2) -> str:
    """``value`` as JSON for a terminal or a pipe: every string in it (keys too) first made
    :func:`terminal_safe` (:func:`terminal_safe_all`), non-ASCII letters kept as they are;
    ``indent=None`` for one line (JSON Lines)."""
    return json.dumps(terminal_safe_all(value), ensure_ascii=False, indent=indent)


def bounded(text: str, limit: int) -> tuple[str, bool]:
    """``text`` cut to at most ``limit`` characters, at the last space in its final tenth when
    there is one; and whether it was cut."""
    if len(text) <= limit:
        return text, False
    cut = text[:limit]
    space = cut.rfind(" ", limit - limit // 10)
    return (cut[:space] if space > 0 else cut).rstrip(), True


def safe_article(article: Article, max_title: int = MAX_TITLE,
                 max_body: int = MAX_BODY) -> Article:
    """``article`` with its title, body and author terminal-safe and its title and body
    bounded; a cut is recorded in ``article.check.reason`` and as a removed block (rule
    ``cap``) holding the first characters cut off. The page itself is stored whole."""
    from crawler.extract.model import RemovedBlock

    title, title_cut = bounded(terminal_safe(article.title or ""), max_title)
    body, body_cut = bounded(terminal_safe(article.body or ""), max_body)
    changes: dict = {"title": title, "body": body}
    if article.author:
        changes["author"] = terminal_safe(article.author)
    cuts = []
    if title_cut:
        cuts.append(f"title cut to {len(title)} of {len(article.title)} characters")
    if body_cut:
        cuts.append(f"body cut to {len(body)} of {len(article.body)} characters")
    if cuts:
        removed = list(article.removed)
        if title_cut:
            removed.append(RemovedBlock(rule="cap", text=terminal_safe(article.title)[len(title):][:200]))
        if body_cut:
            removed.append(RemovedBlock(rule="cap", text=terminal_safe(article.body)[len(body):][:200]))
        changes["removed"] = removed
    check = article.check
    if cuts or check.body_chars != len(body):  # the check counts the body as stored
        reason = "; ".join(([check.reason] if check.reason else []) + cuts)
        changes["check"] = replace(check, reason=reason, body_chars=len(body))
    return replace(article, **changes)


def sanitised(extract: Callable[..., Article]) -> Callable[..., Article]:
    """Decorate the extractor's entry point: whatever path it returns by, the article comes
    out through :func:`safe_article`."""

    @functools.wraps(extract)
    def wrapper(*args, **kwargs) -> Article:
        return safe_article(extract(*args, **kwargs))

    return wrapper
