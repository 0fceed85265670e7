"""Whether HQ can take ratings now (SPEC §5: ``/healthz`` answers 200 only then).

A database that answers a ``SELECT`` may still refuse every write, so the check proves
what a write needs:

* **SQLite**: free space on the disk that holds the database, at least :data:`HEADROOM`,
  on a file system mounted read-write, with the file and its folder (WAL and shared
  memory) writable by HQ. A write in a transaction that is rolled back proves nothing:
  SQLite keeps a transaction's pages in memory until its commit, so a rollback writes
  nothing, and even a committed small write can fit in WAL pages the file already has
  while the next batch needs new ones. A batch of 1 000 ratings adds about 1 MB of
  pages to the WAL, and a checkpoint may grow the database by as much again; the headroom
  is room for several at once.
* **PostgreSQL**: the server is not a standby in recovery, the session is not read-only
  (``default_transaction_read_only``), and a transaction that takes a transaction id
  commits: its commit record is written and flushed to the server's WAL, so a server
  whose WAL disk is full fails the check. (A full disk of a separate tablespace shows
  only when an insert needs a new page there.)

Each probe reaches the database (a ``SELECT 1``): one HQ cannot reach raises as before
(503 ``database_unavailable``), at once. The verdict on writes is kept for :data:`KEPT`
seconds: load balancers probe often, and one such check a second is enough.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

HEADROOM = 16 * 1024 * 1024  # bytes free the SQLite database's disk must have
KEPT = 1.0  # seconds a verdict is kept


class Health:
    """The verdict on *engine*'s database: ``None`` when HQ can take ratings, else why not."""

    def __init__(
        self,
        engine: Engine,
        headroom: int = HEADROOM,
        kept: float = KEPT,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.engine, self.headroom, self.kept, self._clock = engine, headroom, kept, clock
        self._verdict: tuple[float, str | None] | None = None
        self._lock = threading.Lock()

    def problem(self) -> str | None:
        """Why HQ cannot take ratings now, or None; checked at most once per *kept* s."""
        now = self._clock()
        with self._lock:
            kept = self._verdict
        if kept is not None and now - kept[0] < self.kept:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            return kept[1]
        found = self._check()
        with self._lock:
            self._verdict = (now, found)
        return found

    def _check(self) -> str | None:
        if self.engine.dialect.name == "sqlite":
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            path = self.engine.url.database
            if not path or path == ":memory:" or path.startswith("file:"):
                return None
            return disk_problem(Path(path), self.headroom)
        return _postgres_problem(self.engine)


def disk_problem(database: Path, headroom: int) -> str | None:
    """Why the SQLite file *database* cannot take a write now, or None."""
    folder = database.parent
    found = os.statvfs(folder)
    if found.f_flag & os.ST_RDONLY:
        return f"the disk holding {database} is mounted read-only"
    free = found.f_bavail * found.f_frsize
    if free < headroom:
        return (
            f"the disk holding {database} is full: {_mb(free)} free, HQ needs"
            f" {_mb(headroom)} to take ratings; free some space there"
        )
    for path in (database, folder):
        if path.exists() and not os.access(path, os.W_OK):
            return f"HQ may not write to {path}; check its owner and permissions"
    return None


def _mb(size: int) -> str:
    return f"{size / 1e6:.1f} MB"


def _postgres_problem(engine: Engine) -> str | None:
    try:
        with engine.begin() as connection:
            recovery, read_only = connection.execute(
                text("SELECT pg_is_in_recovery(), current_setting('transaction_read_only')")
            ).one()
            if recovery:
                return "PostgreSQL is a standby in recovery: it takes no writes"
            if read_only == "on":
                return (
                    "PostgreSQL refuses writes: the session is read-only"
                    " (default_transaction_read_only)"
                )
            connection.execute(text("SELECT txid_current()"))  # the commit writes WAL
    except DBAPIError as e:
        if getattr(e.orig, "sqlstate", None) is None:
            raise  # not reached at all: 503 database_unavailable, as for any request
        # The server answered with an error: e.g. 25006 read-only, 53100 disk full.
        first = str(e.orig).splitlines()[0][:200]
        return f"PostgreSQL cannot take a write ({e.orig.sqlstate}): {first}"
    return None
