"""A damaged or foreign store is found before any command works on it; ``raqib doctor`` says
what is damaged and copies out what is still readable.

- :func:`check_store` runs before a command touches the store: SQLite's own ``PRAGMA
  quick_check`` (every page of every table and index read once; a torn page, a truncated file,
  a scribbled header all show), and a look at the tables (a valid SQLite file of another program
  is not a raqib store, and raqib would otherwise add its tables to it). It raises
  :class:`StoreProblem`, whose message is the one line the CLI prints.
- :func:`diagnose` is ``raqib doctor``: ``integrity_check`` and ``quick_check``, the damaged
  tables and indexes named (SQLite reports pages; the schema maps them to names), and each
  table's readable rows counted.
- :func:`recover` copies what is readable into a new store, by both ways SQLite offers (the
  ``sqlite3`` command's ``.recover``, which reads around damaged pages, and Python's
  ``Connection.iterdump``), keeping whichever brings back more rows.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from crawler.extract.safetext import terminal_safe
from crawler.store import transaction

# Tables every raqib store has from its first open (crawler/store.py); a store with tables but
# none of these belongs to another program.
RAQIB_TABLES = {"articles", "versions", "crawl_runs"}
MAX_MESSAGES = 100
# Columns raqib reads as JSON: a recovered row whose JSON a scribble broke is dropped (raqib
# could not show it), not carried into the new store.
JSON_COLUMNS = {"alerts": ("sources", "matched", "details")}
# SQLite's primary result codes for "this is not a (sound) database".
_DAMAGE_CODES = {11: "SQLITE_CORRUPT", 26: "SQLITE_NOTADB"}


class StoreProblem(Exception):
    """The store cannot be used as it is; ``str()`` is the one line to show."""

    def __init__(self, path: str | Path, what: str, *, damaged: bool = True):
        self.path, self.what, self.damaged = str(path), what, damaged
        what = terminal_safe(what).replace("\n", " ")  # SQLite quotes the damaged bytes
        if damaged:
            line = (f"{path}: the database is damaged ({what}); restore it from a backup or "
                    "run raqib doctor")
        else:
            line = f"{path}: {what}"
        super().__init__(line)


def is_damage(exc: BaseException) -> bool:
    """Whether ``exc`` is SQLite saying the file is damaged or not a database at all (rather
    than busy, locked, read-only or out of space)."""
    if not isinstance(exc, sqlite3.DatabaseError):
        return False
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in _DAMAGE_CODES
    return any(words in str(exc) for words in ("malformed", "not a database"))


def check_store(path: str | Path) -> None:
    """Raise :class:`StoreProblem` when the store at ``path`` is damaged, not a database, or
    another program's database. A store not created yet, or empty, is fine."""
    path = Path(path)
    if not path.exists() or path.stat().st_size == 0:
        return
    if path.is_dir():
        raise StoreProblem(path, "is a directory, not a raqib store", damaged=False)
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    except sqlite3.Error as exc:
        raise StoreProblem(path, f"cannot open: {exc}", damaged=is_damage(exc)) from exc
    try:
        rows = [row[0] for row in conn.execute("PRAGMA quick_check(5)")]
        if rows != ["ok"]:
            problems = [line for row in rows for line in row.splitlines()
                        if line.strip() and not line.startswith("***")]
            raise StoreProblem(path, f"{len(problems)} problem(s) found by quick_check, first: "
                                     f"{problems[0] if problems else rows[0]}")
        tables = {row[0] for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError as exc:
        if not is_damage(exc):
            raise
        raise StoreProblem(path, str(exc)) from exc
    finally:
        conn.close()
    if tables and not tables & RAQIB_TABLES:
        shown = ", ".join(sorted(tables)[:5]) + (", …" if len(tables) > 5 else "")
        raise StoreProblem(path, f"not a raqib store: it holds another program's tables "
                                 f"({shown}); name raqib's store with --db", damaged=False)


# --- raqib doctor ---------------------------------------------------------------------------


@dataclass
class Diagnosis:
    """What ``raqib doctor`` found in one store."""

    path: str
    opened: bool
    integrity: list[str] = field(default_factory=list)   # integrity_check's lines ("ok")
    quick: list[str] = field(default_factory=list)       # quick_check's lines
    damaged_objects: list[str] = field(default_factory=list)  # tables and indexes named
    rows: dict[str, int | str] = field(default_factory=dict)  # table → rows, or its error
    error: str | None = None                             # why it could not be read at all

    @property
    def ok(self) -> bool:
        return self.opened and self.integrity == ["ok"] and self.quick == ["ok"]

    def lines(self) -> list[str]:
        return [terminal_safe(line) for line in self._lines()]

    def _lines(self) -> list[str]:
        if not self.opened:
            return [f"{self.path}: cannot be read as a database: {self.error}",
                    "  restore it from a backup, or try raqib doctor --recover NEW.db (it reads "
                    "around damaged pages, and may find nothing)"]
        if self.ok:
            return [f"{self.path}: integrity_check ok, quick_check ok"] + [
                f"  {table}: {count} rows" for table, count in self.rows.items()]
        out = [f"{self.path}: the database is damaged"]
        for name, found in (("integrity_check", self.integrity), ("quick_check", self.quick)):
            out.append(f"  {name}: {len(found)} problem(s)" if found != ["ok"] else
                       f"  {name}: ok")
            out += [f"    {line}" for line in found[:10]]
            if len(found) > 10:
                out.append(f"    ... and {len(found) - 10} more")
        if self.damaged_objects:
            out.append("  damaged: " + ", ".join(self.damaged_objects))
        out.append("  readable rows:")
        out += [f"    {table}: {count}" for table, count in self.rows.items()]
        out.append("  raqib doctor --recover NEW.db copies what is readable into a new store")
        return out


def _pragma_lines(conn: sqlite3.Connection, pragma: str) -> list[str]:
    try:
        rows = [row[0] for row in conn.execute(f"PRAGMA {pragma}({MAX_MESSAGES})")]
    except sqlite3.DatabaseError as exc:
        return [str(exc)]
    return [line.strip() for row in rows for line in row.splitlines()
            if line.strip() and not line.startswith("***")]


def diagnose(path: str | Path) -> Diagnosis:
    """Check the store at ``path`` the ways SQLite can, and say what is damaged."""
    report = Diagnosis(str(path), opened=False)
    try:
        conn = _reader(Path(path))
        schema = conn.execute("SELECT type, name, rootpage FROM sqlite_master").fetchall()
    except sqlite3.DatabaseError as exc:
        report.error = str(exc)
        return report
    report.opened = True
    try:
        report.integrity = _pragma_lines(conn, "integrity_check")
        report.quick = _pragma_lines(conn, "quick_check")
        by_page = {root: f"{kind} {name}" for kind, name, root in schema if root}
        pages = {int(n) for line in report.integrity + report.quick
                 for n in re.findall(r"(?:[Tt]ree|page) (\d+)", line)}
        report.damaged_objects = sorted({by_page[p] for p in pages if p in by_page})
        for kind, name, _ in schema:
            if kind != "table":
                continue
            try:
                (count,) = conn.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()
                # COUNT(*) may use an index; reading every row proves the table itself.
                conn.execute(f'SELECT * FROM "{name}"').fetchall()
                report.rows[name] = count
            except sqlite3.DatabaseError as exc:
                report.rows[name] = f"unreadable ({str(exc)[:120]})"
                if f"table {name}" not in report.damaged_objects:
                    report.damaged_objects.append(f"table {name}")
    finally:
        conn.close()
    return report


@dataclass
class Recovery:
    """What ``raqib doctor --recover`` copied out, and how."""

    target: str
    method: str
    rows: dict[str, int]
    tried: dict[str, int | str]  # method → rows recovered, or why it could not run
    dropped: int = 0             # recovered rows dropped: their JSON was damaged

    def lines(self) -> list[str]:
        tried = ", ".join(f"{m}: {n if isinstance(n, str) else f'{n} rows'}"
                          for m, n in self.tried.items())
        return ([f"recovered {sum(self.rows.values())} rows into {self.target} by {self.method}"
                 f" ({tried})"]
                + [f"  {table}: {count}" for table, count in self.rows.items()]
                + ([f"  dropped {self.dropped} recovered row(s) whose JSON was damaged"]
                   if self.dropped else [])
                + [f"check it with: raqib doctor --db {self.target}; then use it with "
                   f"--db {self.target} (or move it in place of the damaged store)"])


def _count_rows(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(path)
    try:
        names = [row[0] for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            " AND sql NOT LIKE 'CREATE VIRTUAL TABLE%'")]
        counts = {}
        for name in names:
            try:
                counts[name] = conn.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0]
            except sqlite3.DatabaseError:
                continue  # an FTS shadow table whose virtual table is missing
        return counts
    finally:
        conn.close()


def _by_sqlite3_recover(source: Path, target: Path) -> None:
    sqlite3_command = shutil.which("sqlite3")
    if sqlite3_command is None:
        raise RuntimeError("the sqlite3 command is not installed")
    dump = subprocess.run([sqlite3_command, "-readonly", str(source), ".recover"],
                          capture_output=True, timeout=3600)
    if dump.returncode != 0 or not dump.stdout.strip():
        # (Debian 12's sqlite3 3.40.1 fails every .recover with "SQL logic error")
        raise RuntimeError(dump.stderr.decode("utf-8", "replace").strip() or "no output")
    load = subprocess.run([sqlite3_command, str(target)], input=dump.stdout,
                          capture_output=True, timeout=3600)
    if load.returncode != 0 and not target.exists():
        raise RuntimeError(load.stderr.decode("utf-8", "replace").strip())


def _by_iterdump(source: Path, target: Path) -> None:
    """Every statement ``iterdump`` yields before it meets a page it cannot read; then each
    table's readable rows, walked by rowid so that a damaged page costs only the rows on it."""
    old = _reader(source)
    new = sqlite3.connect(target, isolation_level=None)
    try:
        with transaction(new):
            try:
                for statement in old.iterdump():
                    if statement in ("BEGIN TRANSACTION;", "COMMIT;"):
                        continue
                    try:
                        new.execute(statement)
                    except sqlite3.Error:
                        continue  # a statement that does not replay (a damaged schema row)
            except sqlite3.DatabaseError:
                _copy_tables_around_damage(old, new)
    finally:
        old.close()
        new.close()


def _reader(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    conn.text_factory = lambda data: data.decode("utf-8", "replace")  # a scribbled string
    # SQLite then reads the schema rows it can and ignores the rest (a table whose root page
    # lies past a truncation), rather than refusing the whole file.
    conn.execute("PRAGMA writable_schema = ON")
    return conn


def _copy_tables_around_damage(old: sqlite3.Connection, new: sqlite3.Connection) -> None:
    tables = old.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table' AND"
                         " name NOT LIKE 'sqlite_%' AND sql NOT LIKE 'CREATE VIRTUAL%'").fetchall()
    for name, sql in tables:
        if not new.execute("SELECT 1 FROM sqlite_master WHERE name = ?", [name]).fetchone():
            try:
                new.execute(sql)
            except sqlite3.Error:
                continue
        columns = [row[1] for row in old.execute(f'PRAGMA table_info("{name}")')]
        names = ", ".join(f'"{c}"' for c in ["rowid", *columns])
        insert = (f'INSERT OR IGNORE INTO "{name}" ({names}) VALUES '
                  f'({", ".join("?" * (len(columns) + 1))})')
        try:
            (highest,) = old.execute(f'SELECT MAX(rowid) FROM "{name}"').fetchone()
        except sqlite3.DatabaseError:
            highest = None
        after, skip = -(2 ** 63), 1
        while True:
            try:
                for row in old.execute(f'SELECT rowid, * FROM "{name}" WHERE rowid > ?'
                                       " ORDER BY rowid", [after]):
                    new.execute(insert, row)
                    after, skip = row[0], 1
                break  # read to the end
            except sqlite3.DatabaseError:
                if highest is None or after >= highest:
                    break
                after, skip = max(after, 0) + skip, skip * 2  # jump past the damaged page


def recover(path: str | Path, target: str | Path) -> Recovery:
    """Copy what is readable of the store at ``path`` into a new store at ``target`` (which
    must not exist), by ``.recover`` and by ``iterdump``, keeping whichever recovers more rows.
    Raises ``FileExistsError`` or ``RuntimeError`` (nothing recovered)."""
    source, target = Path(path), Path(target)
    if target.exists():
        raise FileExistsError(f"{target} exists: name a new file")
    tried: dict[str, int | str] = {}
    best: tuple[int, str, Path] | None = None
    with tempfile.TemporaryDirectory(prefix="raqib-recover-", dir=target.parent) as tmp:
        for method, run in ((".recover (sqlite3 command)", _by_sqlite3_recover),
                            ("iterdump", _by_iterdump)):
            attempt = Path(tmp) / f"{len(tried)}.db"
            try:
                run(source, attempt)
                total = sum(_count_rows(attempt).values())
            except (RuntimeError, OSError, sqlite3.Error, subprocess.SubprocessError) as exc:
                tried[method] = f"failed ({exc})"
                continue
            tried[method] = total
            if best is None or total > best[0]:
                best = (total, method, attempt)
        if best is None or best[0] == 0:
            raise RuntimeError("nothing could be recovered: " + "; ".join(
                f"{m}: {n}" for m, n in tried.items()))
        dropped = _drop_unreadable_json(best[2])
        shutil.move(str(best[2]), target)
    return Recovery(str(target), best[1], _count_rows(target), tried, dropped)


def _drop_unreadable_json(path: Path) -> int:
    conn = sqlite3.connect(path, isolation_level=None)
    dropped = 0
    try:
        for table, columns in JSON_COLUMNS.items():
            present = {row[1] for row in conn.execute(f'PRAGMA table_info("{table}")')}
            wanted = [c for c in columns if c in present]
            if not wanted:
                continue
            broken = " OR ".join(f'NOT json_valid("{c}")' for c in wanted)
            dropped += conn.execute(f'DELETE FROM "{table}" WHERE {broken}').rowcount
    finally:
        conn.close()
    return dropped
