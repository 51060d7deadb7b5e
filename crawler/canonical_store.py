"""Schema step 4: a store written before URLs were canonicalised, brought to canonical URLs.

Such a store may hold an article under a URL the crawl no longer produces (``?utm_source=rss``,
an unsorted query, ``:80``, a ``#fragment``), and even one story under two such URLs. Left as
it is, the story would come back once as a new article with a new alert. This step moves every
stored URL to its canonical form (:meth:`crawler.urls.UrlDoor.canonical` with raqib's own
tracking parameters; a seed's extra ones are applied from the next crawl on) and loses nothing:

- the old URL is kept in ``url_aliases``, pointing at the canonical one;
- articles whose old URLs share a canonical form become one article: every version of each is
  kept, numbered again in the order they were seen; the article's row is the one whose latest
  version is the latest (first seen: the earliest; last seen: the latest);
- alerts, clusters, search rows, learned-furniture pages and fetch state follow the URL; where
  two rows of a merged article cannot both stay (one cluster membership, one search row, one
  fetch state), the one that fits the kept row stays, and the merged fetch state keeps no
  validators, so the next crawl fetches the page in full;
- ``crawl_errors`` and ``extraction_problems`` are a log of what happened under the URL of the
  time and are left as written.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from urllib.parse import urlsplit

from crawler.urls import SCHEMES, UrlDoor


def canonical_form(url: str) -> str:
    """``url`` in the form the crawl stores it under (raqib's own tracking parameters only);
    a URL that is not http(s), or cannot be read, as it is."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return url
    if parts.scheme.lower() not in SCHEMES or not parts.hostname:
        return url
    return UrlDoor(()).canonical(url, port)


def canonicalise_stored_urls(conn: sqlite3.Connection) -> None:
    """Move every article (and every fetch state) to its canonical URL, merging articles that
    share one (see the module's docstring). Runs inside the migration's transaction."""
    conn.execute("PRAGMA defer_foreign_keys = ON")  # rows move before what they point at
    groups: dict[str, list[str]] = defaultdict(list)
    stored = {url for (url,) in conn.execute("SELECT url FROM articles")}
    for url in sorted(stored):
        canonical = canonical_form(url)
        if canonical != url:
            groups[canonical].append(url)
    for canonical, old in groups.items():
        _merge_article(conn, canonical, old + ([canonical] if canonical in stored else []))
    _canonicalise_fetch_state(conn)


def _merge_article(conn: sqlite3.Connection, canonical: str, members: list[str]) -> None:
    marks = ", ".join("?" * len(members))
    versions = conn.execute(
        f"SELECT id, url FROM versions WHERE url IN ({marks}) ORDER BY seen, id", members).fetchall()
    keep = versions[-1][1] if versions else members[0]  # the article of the latest version
    site, title, body, published, author, content_hash = conn.execute(
        "SELECT site, title, body, published, author, content_hash FROM articles WHERE url = ?",
        [keep]).fetchone()
    first_seen, last_seen = conn.execute(
        f"SELECT MIN(first_seen), MAX(last_seen) FROM articles WHERE url IN ({marks})",
        members).fetchone()
    conn.execute(
        "INSERT INTO articles (url, site, title, body, published, author, first_seen, last_seen,"
        " content_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (url) DO UPDATE SET"
        " site = excluded.site, title = excluded.title, body = excluded.body,"
        " published = excluded.published, author = excluded.author,"
        " first_seen = excluded.first_seen, last_seen = excluded.last_seen,"
        " content_hash = excluded.content_hash",
        [canonical, site, title, body, published, author, first_seen, last_seen, content_hash])

    # Versions: all of them, numbered again in the order seen (negative first: (url, version)
    # is unique at every statement).
    conn.execute(f"UPDATE versions SET version = -id WHERE url IN ({marks})", members)
    conn.executemany("UPDATE versions SET url = ?, version = ? WHERE id = ?",
                     [(canonical, number, version_id)
                      for number, (version_id, _) in enumerate(versions, start=1)])
    conn.execute(f"UPDATE OR IGNORE alerts SET url = ? WHERE url IN ({marks})", [canonical, *members])
    conn.execute(f"UPDATE clusters SET first_url = ? WHERE first_url IN ({marks})",
                 [canonical, *members])
    _keep_one(conn, "cluster_members", "url", canonical, members, "seen, url")
    dropped_docs = _keep_one(conn, "search_docs", "url", canonical, members,
                             f"url = {_quote(keep)} DESC, version_id DESC")
    conn.executemany("DELETE FROM search_index WHERE rowid = ?", [(d,) for d in dropped_docs])
    conn.execute(f"UPDATE OR IGNORE extract_furniture_pages SET url = ? WHERE url IN ({marks})",
                 [canonical, *members])
    conn.execute(f"DELETE FROM extract_furniture_pages WHERE url IN ({marks}) AND url != ?",
                 [*members, canonical])

    conn.execute(f"UPDATE url_aliases SET url = ? WHERE url IN ({marks})", [canonical, *members])
    for old in members:
        if old == canonical:
            continue
        old_site, old_first, old_last = conn.execute(
            "SELECT site, first_seen, last_seen FROM articles WHERE url = ?", [old]).fetchone()
        conn.execute(
            "INSERT INTO url_aliases (alias, url, site, first_seen, last_seen)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (alias) DO UPDATE SET url = excluded.url",
            [old, canonical, old_site, old_first, old_last])
        conn.execute("DELETE FROM articles WHERE url = ?", [old])
    conn.execute("DELETE FROM url_aliases WHERE alias = url")


def _canonicalise_fetch_state(conn: sqlite3.Connection) -> None:
    """Every fetch state under its canonical URL; of several that share one, the latest
    fetched stays, without validators (they were another URL's answer)."""
    groups: dict[str, list[str]] = defaultdict(list)
    rows = conn.execute("SELECT url FROM fetch_state").fetchall()
    for (url,) in rows:
        groups[canonical_form(url)].append(url)
    for canonical, urls in groups.items():
        if urls == [canonical]:
            continue
        marks = ", ".join("?" * len(urls))
        (kept,) = conn.execute(
            f"SELECT url FROM fetch_state WHERE url IN ({marks})"
            " ORDER BY last_fetched DESC, url = ? DESC LIMIT 1", [*urls, canonical]).fetchone()
        conn.execute(f"DELETE FROM fetch_state WHERE url IN ({marks}) AND url != ?", [*urls, kept])
        conn.execute("UPDATE fetch_state SET url = ? WHERE url = ?", [canonical, kept])
        if len(urls) > 1:
            conn.execute("UPDATE fetch_state SET etag = NULL, last_modified = NULL WHERE url = ?",
                         [canonical])


def _keep_one(conn: sqlite3.Connection, table: str, column: str, canonical: str,
              members: list[str], order: str) -> list[int]:
    """Of ``table``'s rows under ``members``, keep the first by ``order`` (moved to
    ``canonical``); returns the rowids of the others, deleted."""
    marks = ", ".join("?" * len(members))
    rowids = [rowid for (rowid,) in conn.execute(
        f"SELECT rowid FROM {table} WHERE {column} IN ({marks}) ORDER BY {order}", members)]
    if not rowids:
        return []
    dropped = rowids[1:]
    conn.executemany(f"DELETE FROM {table} WHERE rowid = ?", [(r,) for r in dropped])
    conn.execute(f"UPDATE {table} SET {column} = ? WHERE rowid = ?", [canonical, rowids[0]])
    return dropped


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
