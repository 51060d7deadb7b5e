"""Arabic-aware full-text search over the stored articles (SQLite FTS5).

SQLite's ``unicode61`` tokenizer cuts Arabic words at diacritics («أكّد» becomes two tokens) and
knows nothing of clitics, so raqib never indexes the raw text. It indexes a normalised shadow of
each article's latest version (``crawler.extract.arabic``):

- ``title`` and ``body``: the normalised words (no diacritics or tatweel, one alef, ي for ى,
  ه for ة, ASCII digits), in order, so phrases still work;
- ``forms``: each word's forms with its proclitics removed (و ف ب ل ك ال and combinations),
  so «كندا» finds «لكندا» and «العراق» finds «بالعراق».

Queries go through the same normalisation: «أكّد» is searched as «اكد» and finds «أكد»; each
word is put in its term form (``arabic.term_form``: «العراق» → «عراق»), as topics are, and
folded as a text word is: any of its forms with a proclitic removed matches too, so «لكندا»
finds «كندا» as «كندا» finds «لكندا»; each is matched in any column. A quoted phrase must occur
as consecutive words of the title or body. All words must occur. The articles holding the
words as written rank first, then bm25 (title words weigh most); results are shown with a
snippet of the ORIGINAL text around the best cluster of matched words (the snippet is cut from
the stored body, never from the normalised shadow).

The index has tables of its own, created here: ``search_docs`` (one row per url, its rowid is
the FTS row) and ``search_index`` (FTS5). It is kept up to date incrementally from the
``versions`` table after its own checkpoint (``monitor_state`` key ``search_checkpoint``), one
transaction per batch with the checkpoint, by :func:`sync_search_index` — which the monitor
calls after each run and ``raqib search`` calls before each query.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from crawler.extract.arabic import (
    SURFACE_WORD, clitic_forms, normalized_words, term_form, tokens,
)
from crawler.faults import reached
from crawler.store import transaction

from monitor.checkpoints import advance_checkpoint, read_checkpoint

if TYPE_CHECKING:
    import sqlite_utils

logger = logging.getLogger(__name__)

CHECKPOINT_KEY = "search_checkpoint"
BATCH_SIZE = 500
SNIPPET_WORDS = 30
# bm25 weights of the columns: title, body, forms.
WEIGHTS = (5.0, 1.0, 0.5)

class SearchError(ValueError):
    """A query that cannot be searched (nothing searchable in it)."""


@dataclass
class SearchHit:
    """One article found. ``snippet_parts`` is a piece of the original body (or title) cut
    into (text, matched) pieces; ``matched`` the original words that matched."""

    url: str
    site: str
    title: str
    published: str | None
    score: float
    snippet_parts: list[tuple[str, bool]] = field(default_factory=list)
    matched: list[str] = field(default_factory=list)

    def snippet(self, mark: tuple[str, str] = ("[", "]")) -> str:
        """The snippet with matched words between ``mark``s."""
        return "".join(f"{mark[0]}{text}{mark[1]}" if hit else text
                       for text, hit in self.snippet_parts)

    def to_json(self) -> dict[str, Any]:
        return {"url": self.url, "site": self.site, "title": self.title,
                "published": self.published, "score": round(self.score, 4),
                "snippet": self.snippet(), "matched": list(self.matched)}


# --- the index ----------------------------------------------------------------------------


def shadow(title: str, body: str) -> tuple[str, str, str]:
    """The indexed form of an article: normalised title, normalised body, clitic-free forms."""
    words = tokens(title) + tokens(body)
    forms: dict[str, None] = {}
    for word in words:
        for form in sorted(clitic_forms(word)):
            if form != word:
                forms[form] = None
    return normalized_words(title), normalized_words(body), " ".join(forms)


def sync_search_index(db: sqlite_utils.Database) -> int:
    """Index the latest version of every article stored since the search checkpoint; returns
    how many articles were (re)indexed. A rerun indexes nothing."""
    conn = db.conn
    indexed = 0
    while True:
        checkpoint = read_checkpoint(db, CHECKPOINT_KEY)
        rows = conn.execute(
            "SELECT id, url FROM versions WHERE id > ? ORDER BY id LIMIT ?",
            [checkpoint, BATCH_SIZE]).fetchall()
        if not rows:
            return indexed
        urls = list(dict.fromkeys(url for _, url in rows))
        with transaction(db):
            for url in urls:
                indexed += _index_article(conn, url)
            reached("search.indexing")
            advance_checkpoint(conn, CHECKPOINT_KEY, rows[-1][0])


def _index_article(conn, url: str) -> int:
    latest = conn.execute(
        "SELECT v.id, a.title, a.body FROM articles a JOIN versions v ON v.url = a.url"
        " WHERE a.url = ? ORDER BY v.version DESC LIMIT 1", [url]).fetchone()
    if latest is None:
        return 0
    version_id, title, body = latest
    doc = conn.execute("SELECT id, version_id FROM search_docs WHERE url = ?", [url]).fetchone()
    if doc is not None:
        if doc[1] == version_id:
            return 0
        conn.execute("DELETE FROM search_index WHERE rowid = ?", [doc[0]])
        conn.execute("UPDATE search_docs SET version_id = ? WHERE id = ?", [version_id, doc[0]])
        rowid = doc[0]
    else:
        rowid = conn.execute("INSERT INTO search_docs (url, version_id) VALUES (?, ?)",
                             [url, version_id]).lastrowid
    conn.execute("INSERT INTO search_index (rowid, title, body, forms) VALUES (?, ?, ?, ?)",
                 [rowid, *shadow(title, body)])
    return 1


# --- queries --------------------------------------------------------------------------------

_PHRASE = re.compile(r'"([^"]*)"|(\S+)')


@dataclass(frozen=True)
class Query:
    """A parsed query: single words and phrases (lists of normalised words). Each word is kept
    with its forms, folded as a text word is folded for the index: the word in term form and
    every form of it with a proclitic removed («والعراق»: «والعراق», «عراق»), so a query word
    written with a clitic finds what the bare word finds."""

    words: tuple[tuple[str, ...], ...]
    phrases: tuple[tuple[str, ...], ...]

    def fts(self) -> str:
        """The FTS5 expression: every word (any of its forms) in any column, every phrase in
        title or body."""
        parts = [_any_of(forms) for forms in self.words]
        parts += [_phrase(phrase) for phrase in self.phrases]
        return " AND ".join(parts)

    def fts_as_written(self) -> str:
        """The FTS5 expression of the words as written (each word's first form only): the
        articles holding them rank first."""
        parts = [f'"{forms[0]}"' for forms in self.words]
        parts += [_phrase(phrase) for phrase in self.phrases]
        return " AND ".join(parts)

    def highlight_forms(self) -> set[str]:
        return ({form for forms in self.words for form in forms}
                | {term_form(w) for phrase in self.phrases for w in phrase})


def _any_of(forms: tuple[str, ...]) -> str:
    quoted = [f'"{form}"' for form in forms]
    return quoted[0] if len(quoted) == 1 else "(" + " OR ".join(quoted) + ")"


def _phrase(words: tuple[str, ...]) -> str:
    return '{title body} : "' + " ".join(words) + '"'


def query_word_forms(token: str) -> tuple[str, ...]:
    """A normalised query token's forms: its term form first, then the term forms of it with
    each proclitic removed (as :func:`shadow` folds a text word), without repeats."""
    written = term_form(token)
    others = sorted({term_form(form) for form in clitic_forms(token)} - {written})
    return (written, *others)


def parse_query(text: str) -> Query:
    """Words and "quoted phrases", normalised as the index is. A word that normalises to
    several words («U.N.») is a phrase."""
    words: list[tuple[str, ...]] = []
    phrases: list[tuple[str, ...]] = []
    for quoted, bare in _PHRASE.findall(text):
        found = tokens(quoted if quoted else bare)
        if len(found) > 1:
            phrases.append(tuple(found))
        elif found:
            words.append(query_word_forms(found[0]))
    if not words and not phrases:
        raise SearchError(f"nothing to search for in {text!r}: give a word")
    return Query(tuple(dict.fromkeys(words)), tuple(dict.fromkeys(phrases)))


def search(db: sqlite_utils.Database, text: str, limit: int = 20) -> list[SearchHit]:
    """Articles matching ``text``, best first (bm25), with snippets of their original text.
    Reads the index as it is; call :func:`sync_search_index` first to bring it up to date."""
    query = parse_query(text)
    rows = db.execute(
        "SELECT d.url, a.site, a.title, a.body, a.published,"
        f" bm25(search_index, {', '.join(map(str, WEIGHTS))}) AS score"
        " FROM search_index JOIN search_docs d ON d.id = search_index.rowid"
        " JOIN articles a ON a.url = d.url"
        " WHERE search_index MATCH ?"
        " ORDER BY search_index.rowid IN"
        " (SELECT rowid FROM search_index WHERE search_index MATCH ?) DESC, score LIMIT ?",
        [query.fts(), query.fts_as_written(), limit]).fetchall()
    hits = []
    wanted = query.highlight_forms()
    for url, site, title, body, published, score in rows:
        parts, matched = snippet_of(body, wanted)
        if not matched:  # only the title matched: show the title, and the body's opening
            parts, matched = snippet_of(title, wanted)
            lead, _ = snippet_of(body, set())
            parts = parts + [(" — ", False)] + lead
        hits.append(SearchHit(url=url, site=site, title=title, published=published,
                              score=-score, snippet_parts=parts, matched=matched))
    return hits


def _word_forms(word: str) -> set[str]:
    return {term_form(form) for token in tokens(word) for form in clitic_forms(token)}


def _one_line(text: str) -> str:
    """Paragraph breaks and runs of spaces as one space: a snippet is one line."""
    return re.sub(r"\s+", " ", text)


def snippet_of(text: str, wanted: set[str],
               size: int = SNIPPET_WORDS) -> tuple[list[tuple[str, bool]], list[str]]:
    """The window of ``size`` original words of ``text`` holding the most words whose forms
    are ``wanted``, as (piece, matched) pieces, and the original words matched (in order)."""
    spans = [(m.start(), m.end(), bool(_word_forms(m.group()) & wanted))
             for m in SURFACE_WORD.finditer(text)]
    if not spans:
        return [(_one_line(text[:200]), False)] if text else [], []
    hits = [i for i, span in enumerate(spans) if span[2]]
    start = 0
    if hits:
        best = max(hits, key=lambda i: sum(1 for j in hits if i <= j < i + size))
        start = max(0, min(best - 3, len(spans) - size))
    window = spans[start:start + size]
    begin, end = window[0][0], window[-1][1]
    parts: list[tuple[str, bool]] = [("… ", False)] if start > 0 else []
    position = begin
    matched = []
    for word_start, word_end, hit in window:
        if not hit:
            continue
        if word_start > position:
            parts.append((_one_line(text[position:word_start]), False))
        parts.append((text[word_start:word_end], True))
        matched.append(text[word_start:word_end])
        position = word_end
    if end > position:
        parts.append((_one_line(text[position:end]), False))
    if start + size < len(spans):
        parts.append((" …", False))
    return parts, matched
