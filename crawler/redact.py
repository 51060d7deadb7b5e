"""Secrets never reach an output: every form a secret can take inside an error message.

A secret turns up in messages not only as written but escaped: inside a ``repr`` (``\\\\``
for a backslash, ``\\'`` for a quote, ``\\xe9`` for a non-ASCII letter), percent-encoded in a
URL, JSON-escaped, or as UTF-8 bytes shown by ``repr``. :func:`scrub` removes every one of
them (``monitor.notify.failure_reason`` scrubs every delivery failure with it).

Where the secret itself is not known (an error recorded by an older raqib, before its channel's
secret was known to be one), :func:`scrub_credentials` masks what has the shape of one: a URL's
user-info, an ``Authorization``/``Bearer`` value, an SMTP ``AUTH`` argument, and the value of a
query parameter named like a credential. :func:`scrub_recorded_errors` applies both to the
errors the store already holds (``deliveries.error``, ``schedule_state.last_summary``): schema
step 5 with the shapes only, and the outbox with each channel's configured secrets.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterable
from urllib.parse import parse_qsl, quote, quote_plus, unquote, urlsplit

MASK = "***"
# Shorter than this a "secret" (an empty user name, "a") would mask ordinary words.
MIN_SECRET = 3


def secret_forms(secret: str) -> set[str]:
    """``secret`` as written and as every escaping raqib's dependencies may print it."""
    forms = {secret}
    for quote_char in ("'", '"'):
        # repr() escapes backslashes, control and (for ascii()) non-ASCII characters, and the
        # quote it delimits with: both quote styles, as part of a longer string would show.
        body = secret.encode("unicode_escape").decode("ascii")
        forms.add(body.replace(quote_char, "\\" + quote_char))
        forms.add(body)
        readable = secret.replace("\\", "\\\\").replace(quote_char, "\\" + quote_char)
        forms.add(readable)
    forms.add(repr(secret)[1:-1])
    forms.add(ascii(secret)[1:-1])
    forms.add(repr(secret.encode("utf-8"))[2:-1])
    forms.add(secret.encode("ascii", "backslashreplace").decode("ascii"))
    forms.add(json.dumps(secret)[1:-1])
    forms.add(json.dumps(secret, ensure_ascii=False)[1:-1])
    forms.add(quote(secret, safe=""))
    forms.add(quote(secret))
    forms.add(quote_plus(secret))
    forms.add(quote(secret, safe="").lower())
    return {form for form in forms if len(form) >= MIN_SECRET}


def scrub(text: str, secrets: list[str]) -> str:
    """``text`` with every form of every secret in ``secrets`` replaced by ``***``."""
    forms = set()
    for secret in secrets:
        if secret and len(secret) >= MIN_SECRET:
            forms |= secret_forms(secret)
            decoded = unquote(secret)  # a percent-encoded secret also shows decoded
            if decoded != secret:
                forms |= secret_forms(decoded)
    for form in sorted(forms, key=len, reverse=True):  # longest first: no half-masked forms
        text = text.replace(form, MASK)
    return text


# What has the shape of a credential, and the group of it that is kept.
_CREDENTIAL_SHAPES = (
    # user-info of a URL: scheme://user:password@host
    re.compile(r"(?P<keep>\b[a-zA-Z][a-zA-Z0-9+.-]*://)[^/?#\s@'\"<>]+(?=@)"),
    # "Bearer …" / "Basic …" anywhere, and any "Authorization: <scheme> …"
    re.compile(r"(?P<keep>\b(?:Bearer|Basic)\s+)[A-Za-z0-9._~+/=:-]+"),
    re.compile(r"(?P<keep>\bAuthorization:?\s*[A-Za-z-]+\s+)[^\s'\",;()<>]+", re.IGNORECASE),
    # SMTP AUTH PLAIN/LOGIN with its argument
    re.compile(r"(?P<keep>\bAUTH\s+(?:PLAIN|LOGIN|XOAUTH2)\s+)\S+", re.IGNORECASE),
    # a query parameter named like a credential: ?token=…, &api_key=…, &password=…
    re.compile(r"(?P<keep>[?&;](?:[a-z_]*token|api_?key|key|secret|password|passwd|pwd|auth"
               r"|sig|signature|client_secret)=)[^&\s'\"#<>]+", re.IGNORECASE),
)


def scrub_credentials(text: str) -> str:
    """``text`` with everything shaped like a credential (see the module's docstring) masked."""
    for shape in _CREDENTIAL_SHAPES:
        text = shape.sub(lambda match: match.group("keep") + MASK, text)
    return text


# The store's columns that hold recorded delivery errors: (table, key column, text column).
RECORDED_ERRORS = (("deliveries", "id", "error"), ("schedule_state", "job", "last_summary"))


def scrub_recorded_errors(conn: sqlite3.Connection, secrets: Iterable[str] = (),
                          channel: str | None = None) -> int:
    """Mask credentials (:func:`scrub_credentials`) and every form of ``secrets`` in the errors
    the store holds already (:data:`RECORDED_ERRORS`; with ``channel``, only that channel's
    deliveries, and no schedule summary); returns how many were changed. Runs in the caller's
    transaction, or commits each change on its own. SQLite's ``secure_delete`` is on while it
    works, so the text replaced is overwritten in the file, not merely freed."""
    changed = 0
    (secure,) = conn.execute("PRAGMA secure_delete").fetchone()
    conn.execute("PRAGMA secure_delete = ON")
    for table, key, column in RECORDED_ERRORS:
        if channel is not None and table != "deliveries":
            continue
        where = f"{column} IS NOT NULL" + (" AND channel = ?" if channel is not None else "")
        rows = conn.execute(f"SELECT {key}, {column} FROM {table} WHERE {where}",
                            [channel] if channel is not None else []).fetchall()
        for row_key, text in rows:
            clean = scrub(scrub_credentials(text), list(secrets))
            if clean != text:
                conn.execute(f"UPDATE {table} SET {column} = ? WHERE {key} = ?", [clean, row_key])
                changed += 1
    conn.execute(f"PRAGMA secure_delete = {int(secure)}")
    return changed


def url_secrets(url: str | None) -> list[str]:
    """The parts of ``url`` that may be credentials: its user-info (user, password, both) and
    the values of its query string."""
    if not url:
        return []
    try:
        parts = urlsplit(url)
    except ValueError:
        return [url]
    found = []
    userinfo, at, _ = parts.netloc.rpartition("@")
    if at:
        found.append(userinfo)
        found += [piece for piece in userinfo.split(":", 1) if piece]
    found += [value for _, value in parse_qsl(parts.query, keep_blank_values=False)]
    found += [value for value in re.split(r"[&=]", parts.query) if value]
    return found
