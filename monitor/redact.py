"""Secrets never reach an output: every form a secret can take inside an error message.

A secret turns up in messages not only as written but escaped: inside a ``repr`` (``\\\\``
for a backslash, ``\\'`` for a quote, ``\\xe9`` for a non-ASCII letter), percent-encoded in a
URL, JSON-escaped, or as UTF-8 bytes shown by ``repr``. :func:`scrub` removes every one of
them (``monitor.notify.failure_reason`` scrubs every delivery failure with it).
"""

from __future__ import annotations

import json
import re
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
