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

from functools import lru_cache

from datasette import hookimpl

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
    parts, matched = snippet_of(body or "", wanted)
    if not matched and title:
        title_parts, title_matched = snippet_of(title, wanted)
        if title_matched:
            parts = title_parts + [(" — ", False)] + parts
    return "".join(f"[{text}]" if hit else text for text, hit in parts)


def raqib_diff(old, new):
    from monitor.history import diff_text

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
