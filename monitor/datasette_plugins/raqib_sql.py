"""Datasette plugin loaded by ``raqib serve``: SQL functions for the canned queries.

- ``arabic_normalize(text)``: the store's normalised words (diacritics, tatweel, hamza and
  alef forms, ta marbuta, alef maqsura folded), so ``instr(arabic_normalize(body),
  arabic_normalize(:q))`` finds «أكد» in «أكّد».
- ``raqib_fts_query(q)``: the FTS5 expression ``raqib search`` runs for ``q`` (built by
  :func:`monitor.search.parse_query`, so the query is normalised exactly as the index is:
  «أكّد» finds «أكد», «كندا» finds «لكندا»), for ``search_index MATCH raqib_fts_query(:q)``.
  A query with nothing searchable in it (an empty form) matches no row rather than failing.
- ``raqib_snippet(body, title, q)``: the words of the ORIGINAL body (or title) around the
  matches of ``q``, matched words in ``[brackets]`` (:func:`monitor.search.snippet_of`).
- ``raqib_diff(old, new)``: the sentences removed (``-``) and added (``+``) between two texts.
"""

import base64
import hmac
import os
from functools import lru_cache

from datasette import hookimpl

# Datasette's SQL time limit is checked between SQLite's steps, never inside a Python function
# a query calls: one raqib_diff() of two 2,000,000-character bodies held a worker 270 s. So the
# functions bound their own work: texts past these sizes are not diffed or snipped in SQL.
MAX_DIFF_CHARS = 60_000      # old + new
MAX_SNIPPET_CHARS = 200_000  # the body cap of crawler/extract/safetext.py
TOO_LONG = "(too long to diff in a query: raqib history URL shows it)"

# An FTS5 expression that matches nothing (an empty phrase), without an error.
MATCH_NOTHING = '""'


def arabic_normalize(text):
    from crawler.extract.arabic import normalized_words

    return normalized_words(text or "")


@lru_cache(maxsize=256)
def _parsed(q):
    from monitor.search import SearchError, parse_query

    try:
        return parse_query(q)
    except SearchError:
        return None


def raqib_fts_query(q):
    query = _parsed(str(q or ""))
    return query.fts() if query is not None else MATCH_NOTHING


def raqib_snippet(body, title, q):
    from monitor.search import snippet_of

    query = _parsed(str(q or ""))
    wanted = query.highlight_forms() if query is not None else set()
    body, title = (body or "")[:MAX_SNIPPET_CHARS], (title or "")[:MAX_SNIPPET_CHARS]
    parts, matched = snippet_of(body, wanted)
    if not matched and title:
        title_parts, title_matched = snippet_of(title, wanted)
        if title_matched:
            parts = title_parts + [(" — ", False)] + parts
    return "".join(f"[{text}]" if hit else text for text, hit in parts)


def raqib_diff(old, new):
    from monitor.history import diff_text

    if len(old or "") + len(new or "") > MAX_DIFF_CHARS:
        return TOO_LONG
    diff = diff_text(old or "", new or "")
    lines = []
    for change in (diff or {}).get("changes", []):
        lines += ["- " + sentence for sentence in change["removed"]]
        lines += ["+ " + sentence for sentence in change["added"]]
    return "\n".join(lines)


@hookimpl
def prepare_connection(conn):
    conn.create_function("arabic_normalize", 1, arabic_normalize, deterministic=True)
    conn.create_function("raqib_fts_query", 1, raqib_fts_query, deterministic=True)
    conn.create_function("raqib_snippet", 3, raqib_snippet, deterministic=True)
    conn.create_function("raqib_diff", 2, raqib_diff, deterministic=True)


# --- who may read the store ---------------------------------------------------------------


def _plain(status, text):
    return {"type": "http.response.start", "status": status,
            "headers": [(b"content-type", b"text/plain; charset=utf-8")]}, {
        "type": "http.response.body", "body": text.encode("utf-8")}


@hookimpl
def asgi_wrapper(datasette):
    """Every request checked before Datasette sees it: its Host header must name a host
    ``raqib serve`` was told to answer for (127.0.0.1 and localhost unless the user named
    one; a page elsewhere that rebinds its DNS name to 127.0.0.1 sends its own name), and,
    when a password is set (``--password-env``), it must carry it by HTTP basic auth."""
    config = datasette.plugin_config("raqib") or {}
    allowed = {host.lower() for host in config.get("allowed_hosts", ["127.0.0.1", "localhost"])}
    variable = config.get("password_env")
    password = os.environ.get(variable) if variable else None

    def wrap(app):
        async def guarded(scope, receive, send):
            if scope["type"] != "http":
                return await app(scope, receive, send)
            headers = {k.decode("latin-1").lower(): v.decode("latin-1")
                       for k, v in scope.get("headers", [])}
            host = headers.get("host", "")
            name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
            name = name.strip("[]").lower()
            if name not in allowed:
                start, body = _plain(421, f"raqib serve answers for {', '.join(sorted(allowed))}"
                                          f" only, not {host!r} (see --host)\n")
                await send(start)
                return await send(body)
            if password is not None and not _authorised(headers.get("authorization", ""),
                                                        password):
                start, body = _plain(401, "raqib serve: a password is needed\n")
                start["headers"].append((b"www-authenticate", b'Basic realm="raqib"'))
                await send(start)
                return await send(body)
            return await app(scope, receive, send)

        return guarded

    return wrap


def _authorised(header, password):
    scheme, _, credential = header.partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        _, _, given = base64.b64decode(credential, validate=True).decode("utf-8").partition(":")
    except (ValueError, UnicodeDecodeError):
        return False
    return hmac.compare_digest(given.encode("utf-8"), password.encode("utf-8"))
