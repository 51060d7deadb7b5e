"""One story, many sites: near-duplicate stories across sites form one cluster.

A story's fingerprint is the set of its word shingles: pairs of consecutive normalised words
(``crawler.extract.arabic.tokens``) of its title and body, so diacritics, tatweel, letter forms
and punctuation never tell two copies apart. MinHash signatures of those sets go into an LSH
index (datasketch) that proposes candidates cheaply; a candidate joins a cluster only when the
exact Jaccard similarity of the two shingle sets is at least :data:`SAME_STORY_JACCARD`.

Why word pairs and 0.3 — measured by ``bench/cluster_threshold.py``: the second demo outlet's
agency copies (own headline and intro, a few words changed) score 0.56–0.60 against the
originals; every demo story with another headline and intro paragraph 0.60–0.69; a copy cut to
its first half 0.46–0.57; a fifth of the words replaced still at least 0.41. Distinct stories
score at most 0.06 — even two Iraq–Canada stories from the same desk that share whole phrases —
and distinct real pages of the extraction corpus at most 0.015. 0.3 sits in that gap, five times
the highest distinct pair and 0.1 under the hardest rewrite. Three-word shingles separate
distinct stories a little better (max 0.02) but drop a 20%-rewritten copy to 0.27, so pairs
were chosen. The LSH threshold (0.2) is lower still, so LSH loses no true pair before the exact
check.

Clusters are kept in two tables (created by :mod:`crawler.schema`):

- ``clusters``: one row per story (id, the first member's url and title, when it was created);
- ``cluster_members``: one row per article url: its cluster, its site, the similarity and
  member it joined through, when it was seen, and the MinHash signature of its latest version.

Assignment is incremental: the monitor hands each batch of versions to
:meth:`StoryClusters.assign` inside the transaction that moves its checkpoint, so clusters,
alerts and the checkpoint are written together or not at all. The LSH index is not persisted:
it is rebuilt from the stored signatures of the last :data:`WINDOW` when the monitor starts
(about 0.1 ms per signature — 10,000 signatures in under a second, faster than unpickling a
pickled index of the same size, and never stale).

Only stories from *different* sites, first seen within :data:`WINDOW` of each other, are
clustered: one site's templated daily items («أسعار الذهب اليوم») must stay separate stories.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Iterable

import numpy as np
from datasketch import LeanMinHash, MinHash, MinHashLSH

from crawler.extract.arabic import tokens

if TYPE_CHECKING:
    import sqlite_utils

    from monitor.records import Alert

logger = logging.getLogger(__name__)

SHINGLE_WORDS = 2
NUM_PERM = 128
SEED = 1
LSH_THRESHOLD = 0.2
SAME_STORY_JACCARD = 0.3
MIN_SHINGLES = 20  # shorter texts (empty bodies, one-line briefs) never cluster
WINDOW = timedelta(days=3)

def shingles(title: str, body: str) -> set[str]:
    """The story's word shingles: every run of SHINGLE_WORDS normalised words."""
    words = tokens(title) + tokens(body)
    if len(words) < SHINGLE_WORDS:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i:i + SHINGLE_WORDS]) for i in range(len(words) - SHINGLE_WORDS + 1)}


def jaccard(a: set[str], b: set[str]) -> float:
    """|a ∩ b| / |a ∪ b| (0 for two empty sets)."""
    if not a and not b:
        return 0.0
    return len(a & b) / len(a | b)


_PERMUTATIONS = MinHash(num_perm=NUM_PERM, seed=SEED).permutations


def signature(shingle_set: Iterable[str]) -> LeanMinHash:
    """The MinHash signature of a shingle set."""
    minhash = MinHash(num_perm=NUM_PERM, seed=SEED, permutations=_PERMUTATIONS)
    minhash.update_batch([s.encode("utf-8") for s in shingle_set])
    return LeanMinHash(minhash)


def _from_blob(blob: bytes) -> LeanMinHash:
    return LeanMinHash(seed=SEED, hashvalues=np.frombuffer(blob, dtype=np.uint64))


def _to_blob(minhash: LeanMinHash) -> bytes:
    return np.asarray(minhash.hashvalues, dtype=np.uint64).tobytes()


def _parse(iso: str) -> datetime:
    return datetime.fromisoformat(iso)


class StoryClusters:
    """The clusters of a store, with an LSH index of the recent signatures in memory.

    Make one per monitor run: ``clusters = StoryClusters(db)``; then, inside the monitor's
    transaction, ``sources = clusters.assign(conn, versions)``.
    """

    def __init__(self, db: sqlite_utils.Database, window: timedelta = WINDOW) -> None:
        self.window = window
        self._lsh = MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM)
        self._seen: dict[str, datetime] = {}
        self._site: dict[str, str | None] = {}
        (latest,) = db.execute("SELECT MAX(seen) FROM cluster_members").fetchone()
        if latest is None:
            return
        since = (_parse(latest) - window).isoformat()
        rows = db.execute("SELECT url, site, seen, signature FROM cluster_members"
                          " WHERE seen >= ? AND signature IS NOT NULL", [since]).fetchall()
        with self._lsh.insertion_session() as session:
            for url, site, seen, blob in rows:
                session.insert(url, _from_blob(blob))
                self._seen[url] = _parse(seen)
                self._site[url] = site
        logger.debug("cluster index rebuilt from %d signatures", len(rows))

    def assign(self, conn: sqlite3.Connection, versions: list[dict]) -> dict[str, list[str]]:
        """Put each version's article in a cluster (a new one, or the one of its most similar
        recent story on another site); returns, for each url of ``versions``, the urls of its
        cluster in the order they joined. Safe to repeat: an article already clustered keeps
        its cluster (its signature follows its latest version)."""
        for version in versions:
            self._assign_one(conn, version)
        # Read the clusters after the whole batch: a later url may have joined an earlier one.
        sources = {version["url"]: cluster_urls(conn, version["url"]) for version in versions}
        return sources

    def _assign_one(self, conn: sqlite3.Connection, version: dict) -> None:
        url = version["url"]
        story = shingles(version["title"], version["body"])
        minhash = signature(story) if len(story) >= MIN_SHINGLES else None
        row = conn.execute("SELECT cluster_id, seen FROM cluster_members WHERE url = ?",
                           [url]).fetchone()
        if row is not None:  # an edit, or a rerun: keep the cluster, refresh the signature
            if url in self._lsh:
                self._lsh.remove(url)
            if minhash is not None:
                self._lsh.insert(url, minhash)
                self._seen[url], self._site[url] = _parse(row[1]), version["site"]
            conn.execute("UPDATE cluster_members SET signature = ? WHERE url = ?",
                         [_to_blob(minhash) if minhash is not None else None, url])
            return

        (seen,) = conn.execute("SELECT seen FROM versions WHERE id = ?",
                               [version["id"]]).fetchone()
        best_url, best_similarity = None, 0.0
        if minhash is not None:
            for candidate in self._lsh.query(minhash):
                if not self._comparable(candidate, version["site"], _parse(seen)):
                    continue
                similarity = jaccard(story, _stored_shingles(conn, candidate))
                if similarity > best_similarity:
                    best_url, best_similarity = candidate, similarity
        if best_url is not None and best_similarity >= SAME_STORY_JACCARD:
            (cluster_id,) = conn.execute("SELECT cluster_id FROM cluster_members WHERE url = ?",
                                         [best_url]).fetchone()
            logger.info("%s joins the story of %s (Jaccard %.2f)", url, best_url,
                        best_similarity)
        else:
            cluster_id = conn.execute(
                "INSERT INTO clusters (first_url, title, created) VALUES (?, ?, ?)",
                [url, version["title"], seen]).lastrowid
            best_url, best_similarity = None, None
        conn.execute(
            "INSERT INTO cluster_members (url, cluster_id, site, similarity, joined_via, seen,"
            " signature) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [url, cluster_id, version["site"], best_similarity, best_url, seen,
             _to_blob(minhash) if minhash is not None else None])
        if minhash is not None:
            self._lsh.insert(url, minhash)
            self._seen[url], self._site[url] = _parse(seen), version["site"]

    def _comparable(self, candidate: str, site: str | None, seen: datetime) -> bool:
        """Another site's story, first seen within the window."""
        if self._site.get(candidate) == site:
            return False
        return abs(self._seen[candidate] - seen) <= self.window


def _stored_shingles(conn: sqlite3.Connection, url: str) -> set[str]:
    row = conn.execute("SELECT title, body FROM articles WHERE url = ?", [url]).fetchone()
    return shingles(*row) if row else set()


def cluster_urls(conn: sqlite3.Connection, url: str) -> list[str]:
    """The urls of ``url``'s cluster in the order they joined (``[url]`` when unclustered)."""
    rows = conn.execute(
        "SELECT m.url FROM cluster_members m JOIN cluster_members me"
        " ON me.cluster_id = m.cluster_id WHERE me.url = ? ORDER BY m.rowid", [url]).fetchall()
    return [u for (u,) in rows] or [url]


def merge_into_story_alert(conn: sqlite3.Connection, alert: Alert) -> bool:
    """A ``new`` alert for a story whose cluster already has a ``new`` alert for the same topic
    (raised for another member) is not raised again: its sources are added to that alert.
    Returns True when the alert was merged (and must not be inserted)."""
    others = [url for url in alert.sources if url != alert.url]
    if alert.kind != "new" or not others:
        return False
    marks = ", ".join("?" for _ in others)
    row = conn.execute(
        f"SELECT id, sources FROM alerts WHERE kind = 'new' AND topic = ? AND url IN ({marks})"
        " ORDER BY id LIMIT 1", [alert.topic, *others]).fetchone()
    if row is None:
        return False
    alert_id, stored = row
    existing = json.loads(stored or "[]")
    merged = existing + [url for url in alert.sources if url not in existing]
    if merged != existing:
        conn.execute("UPDATE alerts SET sources = ? WHERE id = ?",
                     [json.dumps(merged, ensure_ascii=False), alert_id])
        logger.info("alert %s (%s): %d source(s) now", alert_id, alert.topic, len(merged))
    return True


def list_clusters(db: sqlite_utils.Database, min_size: int = 2) -> list[dict]:
    """Clusters with at least ``min_size`` members: ``{"id", "title", "urls", "sites"}``."""
    clusters = []
    for cluster_id, title in db.execute(
            "SELECT c.id, c.title FROM clusters c WHERE (SELECT COUNT(*) FROM cluster_members m"
            " WHERE m.cluster_id = c.id) >= ? ORDER BY c.id", [min_size]).fetchall():
        members = db.execute("SELECT url, site FROM cluster_members WHERE cluster_id = ?"
                             " ORDER BY rowid", [cluster_id]).fetchall()
        clusters.append({"id": cluster_id, "title": title, "urls": [u for u, _ in members],
                         "sites": [s for _, s in members]})
    return clusters
