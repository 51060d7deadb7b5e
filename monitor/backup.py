"""``raqib backup PATH``: a consistent copy of the store, taken while crawls write to it.

SQLite's online backup API copies the store page by page inside one read transaction, so the
copy is the store as it was at one instant (in WAL mode writers go on meanwhile; a reader never
blocks them). The copy goes to ``PATH.part``, is checked with ``PRAGMA quick_check``, and only
then is renamed to ``PATH``: a backup that exists is a whole one.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Backup:
    """One backup taken: where, how large, how many articles and versions it holds."""

    path: str
    bytes: int
    articles: int
    versions: int

    def line(self) -> str:
        return (f"backed up to {self.path}: {self.articles} articles, {self.versions} versions, "
                f"{self.bytes / 1_048_576:.1f} MiB")


def backup_store(source: str | Path, target: str | Path) -> Backup:
    """Copy the store at ``source`` to ``target`` (which must not exist) with SQLite's online
    backup API; ``FileExistsError`` when it does, ``sqlite3.Error`` when the copy fails."""
    source, target = Path(source), Path(target)
    if target.exists():
        raise FileExistsError(f"{target} exists: name a new file (a backup never overwrites)")
    if not source.exists():
        raise FileNotFoundError(f"no store at {source}")
    partial = target.with_name(target.name + ".part")
    partial.unlink(missing_ok=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    old = sqlite3.connect(source, timeout=30)
    new = sqlite3.connect(partial)
    try:
        old.execute("PRAGMA busy_timeout = 30000")
        old.backup(new)  # every page in one step: one read transaction, one instant
        new.execute("PRAGMA journal_mode = DELETE")  # a single file, whatever the source used
        (check,) = new.execute("PRAGMA quick_check").fetchone()
        if check != "ok":
            raise sqlite3.DatabaseError(f"the copy failed its check: {check}")
        articles = _count(new, "articles")
        versions = _count(new, "versions")
    except BaseException:
        new.close()
        partial.unlink(missing_ok=True)
        raise
    finally:
        old.close()
    new.close()
    partial.replace(target)
    return Backup(str(target), target.stat().st_size, articles, versions)


def _count(conn: sqlite3.Connection, table: str) -> int:
    try:
        return conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
    except sqlite3.OperationalError:  # a store without that table yet
        return 0
