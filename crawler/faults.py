"""Named points where a test makes raqib die as a power cut would, or wait for it.

raqib promises that a kill at any moment leaves an intact store and that the next run
finishes the work with nothing lost and nothing done twice. To prove it, the moments that
matter are named here and marked in the code with :func:`reached`:

- ``RAQIB_KILL_AT=POINT`` (or ``POINT:N``, the N-th time this process reaches it): the process
  kills itself there with ``SIGKILL``: no ``finally``, no ``atexit``, no rollback, like a
  power cut or ``kill -9``. When ``RAQIB_KILL_MARK`` names a file, the point is written
  to it first, so the test knows the kill came where it asked for.
- ``RAQIB_PAUSE_AT=POINT`` (or ``POINT:N``, or several, comma-separated) with
  ``RAQIB_PAUSE_DIR=DIR``: the process creates ``DIR/POINT.reached`` there and waits (at most
  :data:`PAUSE_LIMIT` seconds) until ``DIR/POINT.go`` exists, so a test can do something
  while raqib stands exactly at that point (take a backup in the middle of a save's
  transaction, release another writer's lock while the save backs off) without guessing at
  times. :class:`Pause` is the test's side of it.

Without those variables :func:`reached` does nothing but read the environment.
"""

from __future__ import annotations

import os
import signal
import time
from collections import Counter
from pathlib import Path

KILL_AT = "RAQIB_KILL_AT"
KILL_MARK = "RAQIB_KILL_MARK"
PAUSE_AT = "RAQIB_PAUSE_AT"
PAUSE_DIR = "RAQIB_PAUSE_DIR"
PAUSE_LIMIT = 120.0

# Every point marked in the code, in the order a crawl, its monitor and a digest reach them.
POINTS = {
    "migrate.applied": "the schema's steps applied, the new version not yet committed",
    "crawl.started": "the crawl's run row written, nothing fetched",
    "fetch.answered": "a page fetched, before the pipeline stores it",
    "save.learned": "the page's furniture counted (its own commit), before the save",
    "store.locked": "a write found another writer holding the lock past the busy timeout, "
                    "before its back-off and retry",
    "save.written": "inside the save's transaction: the article and version written, "
                    "its validators not yet",
    "save.validators": "inside the save's transaction: everything written, not committed",
    "save.committed": "the save committed, before the next page",
    "crawl.closing": "the crawl over, its run not yet closed",
    "crawl.closed": "the run closed, the crawl process not yet ended",
    "monitor.alerts": "inside the monitor's transaction: alerts written, checkpoint not moved",
    "monitor.committed": "a batch of alerts committed, before health and search",
    "search.indexing": "inside the search index's transaction",
    "digest.built": "a digest and its deliveries committed, nothing sent",
    "digest.claimed": "a delivery claimed (sending), the channel not yet called",
    "digest.delivered": "the channel took the digest, the delivery not yet marked sent",
}

_seen: Counter[str] = Counter()


def reached(point: str) -> None:
    """Mark that this process stands at ``point`` (one of :data:`POINTS`): kill it or make it
    wait there when a test asks for it (see the module's docstring)."""
    kill_at = os.environ.get(KILL_AT)
    pause_at = os.environ.get(PAUSE_AT)
    if not kill_at and not pause_at:
        return
    _seen[point] += 1
    if kill_at:
        name, _, nth = kill_at.partition(":")
        if name == point and _seen[point] == int(nth or 1):
            mark = os.environ.get(KILL_MARK)
            if mark:
                Path(mark).write_text(point, encoding="utf-8")
            os.kill(os.getpid(), signal.SIGKILL)
    if pause_at and os.environ.get(PAUSE_DIR) and _seen[point] in _wanted(pause_at, point):
        folder = Path(os.environ[PAUSE_DIR])
        (folder / f"{point}.reached").write_text(str(os.getpid()), encoding="utf-8")
        go, waited = folder / f"{point}.go", 0.0
        while not go.exists() and waited < PAUSE_LIMIT:
            time.sleep(0.02)
            waited += 0.02


def _wanted(spec: str, point: str) -> set[int]:
    """The times of reaching ``point`` that ``spec`` (``POINT[:N],...``) asks a stop at."""
    wanted = set()
    for entry in spec.split(","):
        name, _, nth = entry.strip().partition(":")
        if name == point:
            wanted.add(int(nth or 1))
    return wanted


class Pause:
    """A test's side of ``RAQIB_PAUSE_AT``: the environment that makes a raqib process stop at
    points, the wait for it to stand there, and the word that lets it go on.

        pause = Pause(tmp_path, "save.written:3")
        child = subprocess.Popen(command, env={**os.environ, **pause.env})
        pause.wait("save.written", child)   # raqib stands inside its third save
        ...                                  # do what must happen exactly there
        pause.go("save.written")
    """

    def __init__(self, folder: str | Path, *points: str) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.env = {PAUSE_AT: ",".join(points), PAUSE_DIR: str(self.folder)}

    def wait(self, point: str, process=None, limit: float = PAUSE_LIMIT) -> bool:
        """Block until a process stands at ``point``; False when ``process`` (a Popen) ended
        first, or nothing came within ``limit`` seconds."""
        reached_file, waited = self.folder / f"{point}.reached", 0.0
        while not reached_file.exists():
            if (process is not None and process.poll() is not None) or waited >= limit:
                return reached_file.exists()
            time.sleep(0.02)
            waited += 0.02
        return True

    def go(self, point: str) -> None:
        """Let the process standing at ``point`` go on."""
        (self.folder / f"{point}.go").write_text("go", encoding="utf-8")
