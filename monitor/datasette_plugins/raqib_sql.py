"""Datasette plugin loaded by ``raqib serve``: SQL functions for the canned queries.

- ``arabic_normalize(text)``: the store's normalised words (diacritics, tatweel, hamza and
  alef forms, ta marbuta, alef maqsura folded), so ``instr(arabic_normalize(body),
  arabic_normalize(:q))`` finds «أكد» in «أكّد».
- ``raqib_diff(old, new)``: the sentences removed (``-``) and added (``+``) between two texts.
"""

from datasette import hookimpl


def arabic_normalize(text):
    from crawler.extract.arabic import normalized_words

    return normalized_words(text or "")


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
    conn.create_function("raqib_diff", 2, raqib_diff, deterministic=True)
