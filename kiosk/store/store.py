"""The local store: every press becomes a durably committed row before anyone is thanked.

One :class:`Store` per process, shared by threads (gpiozero calls back on its own thread,
the UI reads tallies on another): every use of the connection holds one lock, and every
read is materialised, so no statement keeps a read snapshot open and starves the WAL
checkpoints (the reads: :mod:`kiosk.store.reads`). The sync process opens the same file
with its own Store.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from uuid6 import uuid7

from kiosk.counting.flags import Press, Recent, decide_flag
from kiosk.errors import DeviceMismatchError, StoreError, StoreWriteError
from kiosk.rating import SOURCES, Rating
from kiosk.store import database
from kiosk.store.context import RatingContext
from kiosk.store.ids import uuid7_text
from kiosk.store.reads import StoreReads
from kiosk.timekeeping.clock import Clock, SystemClock
from kiosk.timekeeping.localtime import to_utc_text

if TYPE_CHECKING:
    from kiosk.settings.model import Settings

# The database id is read in the statement, so a rating never goes to a database the sync
# process has forked since this process last looked (see fork()): the row is written only
# while meta still holds the id the caller passes, and no row means "look again". The seq
# comes back as the row id, and no RETURNING is needed.
_INSERT_ROW = (
    "INSERT INTO ratings (seq, id, device_id, store_id, survey_id, question_id, "
    "config_version, scale, score, source, recorded_at, clock_synced, boot_id, mono_ns, "
    "flag, followup_until_ns, database_id) SELECT {seq}, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
    "?, ?, ?, ?, ?, value FROM meta WHERE key = 'database_id' AND value = ?"
)
# The seq is the row id, and rows are never deleted: given NULL, SQLite numbers a row
# max(seq) + 1, gapless, without the subquery (12 µs of a press on a busy CPU).
# Only an empty table needs the subquery, for its floor: a file that replaced a damaged
# one numbers on after the ratings it lost.
_INSERT = _INSERT_ROW.format(seq="NULL")
_INSERT_FIRST = _INSERT_ROW.format(seq="(SELECT coalesce(max(seq), ?) + 1 FROM ratings)")


class Store(StoreReads):
    """The ratings of one device in one SQLite file."""

    def __init__(
        self,
        path: Path | str,
        context: RatingContext,
        *,
        clock: Clock | None = None,
        recover: bool = True,
        readonly: bool = False,
    ):
        """Open (create, upgrade, and with *recover* repair) the store at *path*.

        Raises :class:`DeviceMismatchError` when the file belongs to another device,
        :class:`StoreWriteError` when it cannot be opened, and, without *recover*,
        :class:`StoreCorruptError` for a damaged file. ``reports`` lists what recovery
        did, for the caller to show. A *readonly* store (``tally``, ``doctor``) changes
        nothing: it neither creates nor upgrades nor repairs the file.
        """
        self.path = Path(path)
        self.context = context
        self.clock: Clock = clock or SystemClock()
        self._lock = threading.RLock()
        self.db, self.reports = database.open_store_file(
            self.path,
            recover=recover and not readonly,
            readonly=readonly,
            device_id=context.device_id,
        )
        self.readonly = readonly
        try:
            self._floor = self._claim_device()
            self._numbered = bool(self.read("SELECT EXISTS (SELECT 1 FROM ratings)")[0][0])
            self._recent = self._load_recent()
            self._database_id = self.database_id
        except BaseException:
            self.db.close()
            raise

    @classmethod
    def from_settings(cls, settings: Settings, **kwargs: Any) -> Store:
        """The store a settings file names, stamped with its device and survey."""
        return cls(settings.storage.path, RatingContext.from_settings(settings), **kwargs)

    def close(self) -> None:
        """Close the file; the store cannot be used afterwards."""
        with self._lock:
            self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- writing -------------------------------------------------------------------

    def record(
        self,
        score: int,
        source: str,
        *,
        held: float = 0.0,
        followup_seconds: float | None = None,
    ) -> Rating:
        """Store one press or tap and return it once it is durably committed.

        The flag comes from :func:`kiosk.counting.flags.decide_flag`; the row is written whatever
        the flag. With *followup_seconds*, an unflagged rating keeps its follow-up
        question open that long (:meth:`set_reason`). Raises ``ValueError`` for a score
        outside the scale or an unknown source, and :class:`StoreWriteError` when the
        row could not be saved: then nothing was stored and nobody may be thanked.
        """
        ctx = self.context
        scale = ctx.scale
        # type(), not isinstance(): True is an int to Python, and not a score
        if type(score) is not int or not scale.low <= score <= scale.high:
            raise ValueError(
                f"score {score!r} is not on the {ctx.scale.name} scale "
                f"({ctx.scale.low}–{ctx.scale.high})"
            )
        if source not in SOURCES:
            raise ValueError(f"source {source!r} is not one of {', '.join(SOURCES)}")
        if not held >= 0:
            raise ValueError(f"held must be zero or more seconds, got {held!r}")
        clock = self.clock
        with self._lock:
            now, mono = clock.now(), clock.monotonic_ns()
            boot, synced = clock.boot_id(), clock.synchronized()
            press = Press(boot, mono, now.astimezone(ctx.tz), synced, held)
            flag = decide_flag(press, self._recent, ctx.rules)
            until = None
            if followup_seconds and flag is None:
                until = mono + int(followup_seconds * 1e9)
            rating_id, recorded_at = uuid7_text(), to_utc_text(now)
            stamp = ctx.stamp
            params = [
                rating_id, *stamp, score, source, recorded_at, int(synced), boot, mono, flag,
                until, self._database_id,
            ]  # fmt: skip
            seq = self._insert_rating(params)
            self._recent = self._recent.after(press, flag)
        return Rating(
            seq, rating_id, *stamp, score, source, None, recorded_at, synced, boot, mono, flag,
            until, None, params[-1],
        )  # fmt: skip

    def _insert_rating(self, params: list[Any]) -> int:
        """Insert one rating (*params* of :data:`_INSERT`) and commit; its seq.

        The press's own transaction, written out rather than through :meth:`_atomic`: it
        is the one write a shopper waits for. When the database id has changed (sync
        forked the file), the row is written to the new id, which *params* then holds.
        """
        conn = self.db.conn
        sql, args = (_INSERT, params) if self._numbered else (_INSERT_FIRST, [self._floor, *params])
        try:
            outer = conn.in_transaction  # within bulk(): its transaction commits
            if not outer:
                conn.execute("BEGIN")
            try:
                cursor = conn.execute(sql, args)
                if cursor.rowcount == 0:  # forked since: once more, with the id now in meta
                    args[-1] = params[-1] = self._database_id = self.database_id
                    cursor = conn.execute(sql, args)
                if not outer:
                    conn.execute("COMMIT")
            except BaseException:
                if not outer and conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:
            raise database.translate(exc, self.path, "save the rating") from exc
        if cursor.rowcount != 1:
            raise StoreWriteError(f"{self.path} has no database id in its meta table")
        if not outer:  # committed: the table holds a row for good
            self._numbered = True
        return cursor.lastrowid

    def set_reason(self, rating_id: str, reason: str) -> bool:
        """Store the follow-up answer; ``False`` when the question is no longer open.

        A reason is set at most once, and only while the follow-up is open (SPEC §2).
        """
        if self.context.reasons and reason not in self.context.reasons:
            raise ValueError(f"reason {reason!r} is not one of {', '.join(self.context.reasons)}")
        with self._lock:
            cur = self._write(
                "UPDATE ratings SET reason = ?, followup_until_ns = NULL WHERE id = ? "
                "AND reason IS NULL AND followup_until_ns IS NOT NULL "
                "AND boot_id = ? AND followup_until_ns > ?",
                (reason, rating_id, self.clock.boot_id(), self.clock.monotonic_ns()),
                "save the follow-up answer",
            )
            if cur.rowcount == 0:
                self.get(rating_id)  # raises UnknownRatingError for an unknown id
            return cur.rowcount == 1

    def close_followup(self, rating_id: str) -> None:
        """Close the follow-up without an answer (the shopper walked away)."""
        with self._lock:
            self._write(
                "UPDATE ratings SET followup_until_ns = NULL WHERE id = ?",
                (rating_id,),
                "close the follow-up",
            )

    def execute(self, sql: str, params: Sequence[Any] = (), *, doing: str) -> sqlite3.Cursor:
        """One short write transaction (sync bookkeeping); *doing* names it in errors."""
        with self._lock:
            return self._write(sql, params, doing)

    def execute_many(self, sql: str, rows: Iterable[Sequence[Any]], *, doing: str) -> None:
        """*sql* once per row of parameters, all in one transaction."""
        with self._atomic(doing):
            self.db.conn.executemany(sql, rows)

    @contextmanager
    def _atomic(self, doing: str) -> Iterator[None]:
        """One transaction under the lock; a failure, the COMMIT's too, is a StoreError.
        (In WAL mode a full disk shows at the COMMIT, which writes the WAL's frames.)"""
        with self._lock:
            try:
                with self.db.atomic():
                    yield
            except sqlite3.Error as exc:
                raise database.translate(exc, self.path, doing) from exc

    def mark_synced(self, ids: Iterable[str], at: str) -> int:
        """Mark the ratings HQ has acknowledged; returns how many were marked."""
        ids = list(ids)
        with self._atomic("mark ratings as synced"):
            marked = 0
            for chunk in (ids[i : i + 500] for i in range(0, len(ids), 500)):
                marks = ",".join("?" * len(chunk))
                sql = (
                    "UPDATE ratings SET synced_at = ? "  # noqa: S608
                    f"WHERE synced_at IS NULL AND id IN ({marks})"
                )
                marked += self._write(sql, (at, *chunk), "mark ratings as synced").rowcount
            return marked

    @contextmanager
    def bulk(self) -> Iterator[Store]:
        """Many records in one transaction without waiting for the disk each time.

        For generating sample data only: nothing inside is durable until the block ends.
        """
        with self._lock:
            self.db.conn.execute("PRAGMA synchronous = OFF")
            try:
                with self.db.atomic():
                    yield self
            finally:
                self.db.conn.execute("PRAGMA synchronous = FULL")

    def fork(self, database_id: str, seq: int) -> str:
        """Go on from *seq* of *database_id* as a new database; its id.

        HQ already has ratings of *database_id* numbered *seq* under other ids, so this
        file was rolled back (a read-only overlay dropped the card's writes at reboot, or
        an older copy was restored). Its unsent ratings from *seq* on, which HQ has never
        taken, and every new one, go to the fork, which starts at *seq*; a second
        collision in the same database extends the same fork downwards.
        """
        with self._atomic("fork the database"):
            found = self.read(
                "SELECT database_id FROM databases WHERE forked_from = ?", (database_id,)
            )
            fork = found[0][0] if found else str(uuid7())
            self._write(
                "INSERT OR IGNORE INTO databases (database_id, first_seq, forked_from) "
                "VALUES (?, ?, ?)",
                (fork, seq, database_id),
                "fork the database",
            )
            self._write(
                "UPDATE databases SET first_seq = min(first_seq, ?) WHERE database_id = ?",
                (seq, fork),
                "fork the database",
            )
            moved = self._write(
                "UPDATE ratings SET database_id = ? WHERE database_id = ? AND seq >= ? "
                "AND synced_at IS NULL",
                (fork, database_id, seq),
                "fork the database",
            ).rowcount
            self._write(
                "UPDATE meta SET value = ? WHERE key = 'database_id' AND value = ?",
                (fork, database_id),
                "fork the database",
            )
            database.add_event(
                self.db,
                "database_forked",
                f"HQ already had seq {seq} of database {database_id} under another id, so "
                f"this file was rolled back; {moved} unsent rating(s) from seq {seq} on and "
                f"every new one go on as database {fork}",
            )
        return fork

    # --- inside --------------------------------------------------------------------

    def _write(self, sql: str, params: Sequence[Any], doing: str) -> sqlite3.Cursor:
        try:
            return self.db.execute(sql, params)
        except sqlite3.Error as exc:
            raise database.translate(exc, self.path, doing) from exc

    def _claim_device(self) -> int:
        """Bind the file to this device id and read the database's own id; return the seq
        floor (files of Hymiö 0.1 that replaced a damaged one numbered on after it)."""
        meta = dict(self.read("SELECT key, value FROM meta"))
        if meta.get("device_id") is None and not self.readonly:
            with self._lock:  # OR IGNORE: sync may claim a new file at the same moment
                self._write(
                    "INSERT OR IGNORE INTO meta (key, value) VALUES ('device_id', ?)",
                    (self.context.device_id,),
                    "claim the database",
                )
            meta = dict(self.read("SELECT key, value FROM meta"))
        owner = meta.get("device_id")
        if owner is not None and owner != self.context.device_id:
            raise DeviceMismatchError(
                f"the database {self.path} belongs to device {owner!r}, but the settings "
                f"say device.id = {self.context.device_id!r}; put the old id back, or point "
                "[storage] path at a new file (each device numbers its ratings itself)"
            )
        try:
            return int(meta.get("seq_floor", 0))
        except ValueError as exc:
            raise StoreError(f"meta seq_floor in {self.path} is not a number") from exc

    def _load_recent(self) -> Recent:
        """What the flag rule remembers, read back after a restart within the same boot."""
        boot = self.clock.boot_id()
        last = self.read(
            "SELECT mono_ns FROM ratings WHERE boot_id = ? ORDER BY seq DESC LIMIT 1", (boot,)
        )
        if not last:
            return Recent(boot_id=boot)
        thanked = self.read(
            "SELECT mono_ns FROM ratings WHERE boot_id = ? AND (flag IS NULL OR flag = ?) "
            "ORDER BY seq DESC LIMIT 1",
            (boot, "repeat"),
        )
        return Recent(boot, last[0][0], thanked[0][0] if thanked else None)
