"""What a store answers: its ratings, counts and events, and the ratings sync is to send.

A part of :class:`~kiosk.store.store.Store` (a mixin), kept apart from the writing side.
Every read holds the store's one lock and is materialised (never a lazy cursor), so no
statement keeps a read snapshot open and starves the WAL checkpoints.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from kiosk.errors import UnknownRatingError
from kiosk.rating import COLUMNS, LEGACY_DATABASE, Rating
from kiosk.store import database
from kiosk.timekeeping.clock import Clock

# A rating is final (ready to upload) once its follow-up is answered, closed or past its
# deadline, or was asked in an earlier boot (whose monotonic clock is gone).
FINAL = "(followup_until_ns IS NULL OR boot_id != :boot OR followup_until_ns <= :mono)"
# Ratings HQ refused are kept in the quarantine table and never offered again.
SENDABLE = "synced_at IS NULL AND seq NOT IN (SELECT seq FROM quarantine)"


class StoreReads:
    """The reads of :class:`~kiosk.store.store.Store`, which opens the file and gives them
    the attributes below (``_floor``: the seq the database numbers on from)."""

    path: Path
    clock: Clock
    db: Any
    _lock: threading.RLock
    _floor: int

    def read(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[tuple]:
        """Run a query and return every row (never a lazy cursor: see the module doc)."""
        with self._lock:
            try:
                return self.db.conn.execute(sql, params).fetchall()
            except sqlite3.Error as exc:
                raise database.translate(exc, self.path, "read the database") from exc

    def get(self, rating_id: str) -> Rating:
        """The rating with *rating_id*; :class:`UnknownRatingError` if there is none."""
        rows = self.read(f"SELECT {COLUMNS} FROM ratings WHERE id = ?", (rating_id,))  # noqa: S608
        if not rows:
            raise UnknownRatingError(f"no rating with id {rating_id!r} in {self.path}")
        return Rating.from_row(rows[0])

    def count(self) -> int:
        """How many ratings are stored, flagged ones included."""
        return self.read("SELECT count(*) FROM ratings")[0][0]

    @property
    def database_id(self) -> str:
        """The id of the database new ratings go to (SPEC §2)."""
        rows = self.read("SELECT value FROM meta WHERE key = 'database_id'")
        return rows[0][0] if rows else LEGACY_DATABASE

    def last_seq(self) -> int:
        """The highest seq this database has numbered."""
        return self.read("SELECT coalesce(max(seq), ?) FROM ratings", (self._floor,))[0][0]

    def oldest_unsynced(self, limit: int) -> list[Rating]:
        """Up to *limit* final ratings HQ has not acknowledged, oldest first."""
        return [Rating.from_row(r) for r in self.unsynced(COLUMNS, limit)]

    def unsynced(self, columns: str, limit: int, after: int = 0) -> list[tuple]:
        """The SQL *columns* of :meth:`oldest_unsynced`'s ratings, from ``seq`` *after* on
        (sync reads them as JSON, the next batch while one is in flight)."""
        sql = (
            f"SELECT {columns} FROM ratings WHERE {SENDABLE} AND {FINAL} "  # noqa: S608
            "AND seq > :after ORDER BY seq LIMIT :limit"
        )
        return self.read(sql, self._now_params(limit=limit, after=after))

    def pending_count(self) -> int:
        """How many ratings are still to send (open follow-ups in, quarantined ones out)."""
        return self.read(f"SELECT count(*) FROM ratings WHERE {SENDABLE}")[0][0]  # noqa: S608

    def events(self, limit: int = 20) -> list[dict[str, str]]:
        """The newest events for staff (a database moved aside, …), newest first."""
        rows = self.read("SELECT at, kind, message FROM events ORDER BY id DESC LIMIT ?", (limit,))
        return [{"at": at, "kind": kind, "message": msg} for at, kind, msg in rows]

    def _now_params(self, **extra: Any) -> dict[str, Any]:
        return {"boot": self.clock.boot_id(), "mono": self.clock.monotonic_ns(), **extra}
