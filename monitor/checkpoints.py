"""How far each monitor stage has read: a row of ``monitor_state`` per stage, holding the id
of the last row it handled (versions for alerts and the search index, removal events for
removal alerts). A checkpoint only moves forward, so two monitors racing never make one read
again what the other has done."""

from __future__ import annotations

import sqlite3

import sqlite_utils


def read_checkpoint(db: sqlite_utils.Database | sqlite3.Connection, key: str) -> int:
    """The id stage ``key`` has read up to (0 before its first run)."""
    row = db.execute("SELECT value FROM monitor_state WHERE key = ?", [key]).fetchone()
    return int(row[0]) if row else 0


def advance_checkpoint(conn: sqlite3.Connection, key: str, value: int) -> None:
    """Move stage ``key`` to ``value``, never backwards; call inside the transaction that
    wrote what the stage made of the rows up to ``value``."""
    conn.execute(
        "INSERT INTO monitor_state (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE"
        " SET value = MAX(CAST(value AS INTEGER), CAST(excluded.value AS INTEGER))",
        [key, str(value)])
