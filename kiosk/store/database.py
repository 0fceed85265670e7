"""Opening the local SQLite file: durable pragmas, recovery of a corrupt file, and
turning SQLite's failures into errors a person can act on.

Every connection runs in WAL mode with ``synchronous=FULL`` (a commit is on disk when it
returns), a ``busy_timeout`` so the kiosk and the sync process can share the file, and a
``journal_size_limit`` so the ``-wal`` file shrinks back after each checkpoint.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import math
import os
import shutil
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from sqlite_utils import Database

from kiosk.errors import StoreCorruptError, StoreError, StoreWriteError
from kiosk.store import salvage, schema

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000
JOURNAL_SIZE_LIMIT = 4 * 1024 * 1024
PRAGMAS = (
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = FULL",
    f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}",
    f"PRAGMA journal_size_limit = {JOURNAL_SIZE_LIMIT}",
    "PRAGMA foreign_keys = ON",
)
# Primary result codes (the low byte of extended codes), see sqlite.org/rescode.html.
SQLITE_BUSY, SQLITE_LOCKED, SQLITE_READONLY, SQLITE_IOERR = 5, 6, 8, 10
SQLITE_CORRUPT, SQLITE_FULL, SQLITE_CANTOPEN, SQLITE_NOTADB = 11, 13, 14, 26

FIX_FULL = "free some space on that disk (old logs, the corrupt-* files once rescued)"
NEARLY_FULL = 1024 * 1024  # less free than this is a full disk for a database
FIX_READONLY = (
    "the file system or the file is read-only; check the SD card, the mount and that "
    "the kiosk's user owns the folder"
)


def connect(path: Path, *, readonly: bool = False) -> Database:
    """Open *path* with the durable pragmas; create the folder unless *readonly*.

    Raises :class:`StoreWriteError` when the file or its folder cannot be opened and
    :class:`StoreCorruptError` when the file is damaged.
    """
    path = Path(path)
    try:
        if readonly:
            if not path.exists():
                raise StoreError(
                    f"there is no database at {path} yet; the kiosk creates it when it "
                    "first starts (check [storage] path in the settings)"
                )
            conn = sqlite3.connect(
                f"{path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False
            )
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(path, check_same_thread=False)
        for pragma in PRAGMAS:
            if not (readonly and "journal_mode" in pragma):  # a reader cannot change it
                conn.execute(pragma)
        if not readonly:
            mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
            if mode != "wal":
                raise StoreWriteError(f"could not switch {path} to WAL mode (got {mode})")
        return Database(conn, execute_plugins=False)
    except sqlite3.Error as exc:
        raise translate(exc, path, "open the database") from exc
    except OSError as exc:
        raise StoreWriteError(f"cannot create the folder of {path}: {exc.strerror}") from exc


def check(db: Database) -> str:
    """``ok``, or the first problem ``PRAGMA quick_check`` finds."""
    rows = db.conn.execute("PRAGMA quick_check").fetchall()
    return "; ".join(str(r[0]) for r in rows[:3])


def open_store_file(
    path: Path, *, recover: bool, readonly: bool = False, device_id: str | None = None
) -> tuple[Database, list[str]]:
    """Open (creating or upgrading) the store at *path*; returns the db and any reports.

    A damaged file is, with *recover*, moved aside next to the original (kept, never
    deleted), a new one is made, and the report says where the old one went; without
    *recover* (the sync process, ``doctor``) it raises :class:`StoreCorruptError`.
    *readonly* (``tally``, ``doctor``) neither creates, upgrades nor repairs anything.
    The ratings of *device_id* in a damaged file are salvaged (:mod:`kiosk.store.salvage`).
    """
    path = Path(path)
    reports: list[str] = []
    if readonly:
        db = connect(path, readonly=True)
        try:
            problem = check(db)
            if problem != "ok":
                raise StoreCorruptError(f"the database {path} is damaged: {problem}")
            schema.check_known(db)
            if schema.pending(db):
                raise StoreError(
                    f"the database {path} is from an older Hymiö; start the kiosk once "
                    "to upgrade it"
                )
        except sqlite3.Error as exc:
            db.close()
            raise translate(exc, path, "check the database") from exc
        except StoreError:
            db.close()
            raise
        return db, reports
    with _one_opener(path):
        return _open_for_writing(path, recover, device_id)


def _open_for_writing(
    path: Path, recover: bool, device_id: str | None
) -> tuple[Database, list[str]]:
    reports: list[str] = []
    try:
        db = connect(path)
        problem = check(db)
    except StoreCorruptError as exc:
        db, problem = None, str(exc)
    except sqlite3.DatabaseError as exc:
        err = translate(exc, path, "check the database")
        if not isinstance(err, StoreCorruptError):
            raise err from exc
        db, problem = None, str(err)
    if problem != "ok":
        if db is not None:
            db.close()
        if not recover:
            raise StoreCorruptError(f"the database {path} is damaged: {problem}")
        moved, report = move_aside(path, problem)
        reports.append(report + _salvage(moved, path, device_id))
        db = connect(path)
    try:
        schema.upgrade(db)
    except sqlite3.Error as exc:
        db.close()
        raise translate(exc, path, "upgrade the database") from exc
    if reports:
        # The new file is a new database (its own id, seq from 1); HQ keeps the old one's
        # ratings apart and shows what it lacks of each.
        try:
            with db.atomic():
                for report in reports:
                    add_event(db, "database_replaced", report)
        except sqlite3.Error as exc:
            db.close()
            raise translate(exc, path, "note the replaced database") from exc
    return db, reports


def _salvage(damaged: Path, path: Path, device_id: str | None) -> str:
    """Rescue the ratings of *damaged* into salvaged store files beside *path*; a sentence
    for the report."""
    if device_id is None:
        return ""
    try:
        groups = salvage.by_database(salvage.scan(damaged, device_id))
        starts = salvage.first_seqs(damaged, device_id)
        for database_id, rows in groups.items():
            target = salvage.archive_path(path, database_id)
            keep_salvaged(target, database_id, starts.get(database_id, 1), device_id, rows)
    except (StoreError, OSError) as exc:
        log.exception("salvaging %s failed", damaged)
        return f". Salvaging its ratings failed ({exc}); try: sqlite3 {damaged} .recover"
    total = sum(len(rows) for rows in groups.values())
    return (
        f". {total} rating(s) were salvaged from it and are sent to HQ as they were "
        f"(databases {', '.join(groups) or 'none'})"
    )


def keep_salvaged(
    target: Path, database_id: str, first_seq: int, device_id: str, rows: list[dict]
) -> None:
    """Put rescued *rows* into the salvaged store file *target* of *database_id*, which
    starts at *first_seq*."""
    db = connect(target)
    try:
        schema.upgrade(db)
        with db.atomic():
            db.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('database_id', ?), "
                "('device_id', ?), ('salvaged', 'yes')",
                [database_id, device_id],
            )
            db.execute("DELETE FROM databases WHERE database_id != ?", [database_id])
            db.execute(
                "INSERT OR REPLACE INTO databases (database_id, first_seq) VALUES (?, ?)",
                [database_id, first_seq],
            )
            names = ", ".join(salvage.COLUMNS)
            marks = ", ".join("?" * len(salvage.COLUMNS))
            db.conn.executemany(
                f"INSERT OR IGNORE INTO ratings ({names}) VALUES ({marks})",  # noqa: S608
                [tuple(r[c] for c in salvage.COLUMNS) for r in rows],
            )
    except sqlite3.Error as exc:
        raise translate(exc, target, "write the salvaged ratings") from exc
    finally:
        db.close()


@contextlib.contextmanager
def _one_opener(path: Path) -> Iterator[None]:
    """One writer at a time sets up the file: the kiosk and sync may both start on a new
    one, and neither switching to WAL nor a series of migrations is atomic between two
    connections. The lock is a BSD ``flock`` on the folder, not on the file: closing any
    descriptor of the file would drop this process's POSIX locks that SQLite holds."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError:
        yield  # connect() says what is wrong with the folder
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def move_aside(path: Path, problem: str) -> tuple[Path, str]:
    """Rename a damaged database (and its -wal/-shm) out of the way; where it went, and a
    sentence that says so."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
    for suffix in ("", "-wal", "-shm"):
        src = Path(f"{path}{suffix}")
        if src.exists():
            src.rename(f"{target}{suffix}")
    message = (
        f"the database {path} was damaged ({problem}); it was moved to {target} and a new "
        "one was started"
    )
    log.error("%s", message)
    return target, message


def add_event(db: Database, kind: str, message: str) -> None:
    """Append an event for staff and ``doctor`` to read."""
    db.execute(
        "INSERT INTO events (at, kind, message) VALUES (?, ?, ?)",
        [datetime.now(UTC).isoformat(timespec="seconds"), kind, message],
    )


def _on_read_only_fs(path: Path) -> bool:
    # SQLite reports a read-only mount as "unable to open database file" (it cannot make
    # the -shm file), so ask the file system itself.
    try:
        return bool(os.statvfs(path.parent).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def _full(path: Path, doing: str) -> StoreWriteError:
    free = _free_space(path)
    left = f"; {_size(free)} free" if free is not None else ""
    return StoreWriteError(f"could not {doing}: the disk holding {path} is full; {FIX_FULL}{left}")


def _free_space(path: Path) -> int | None:
    """Bytes the kiosk's user may still write on the disk of *path* (None if unknown)."""
    try:
        return shutil.disk_usage(path.parent).free
    except OSError:
        return None


def _size(n: int) -> str:
    if n < 1024:
        return f"{n} bytes"
    exponent = min(3, int(math.log(n, 1024)))
    return f"{n / 1024**exponent:.1f} {('KiB', 'MiB', 'GiB')[exponent - 1]}"


def translate(exc: sqlite3.Error, path: Path, doing: str) -> StoreError:
    """A :class:`StoreError` that says, for a person, why SQLite failed."""
    code = (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF
    text = str(exc)
    if code in (SQLITE_CORRUPT, SQLITE_NOTADB) or "malformed" in text or "not a database" in text:
        return StoreCorruptError(f"could not {doing}: {path} is damaged ({text})")
    if code == SQLITE_FULL:
        return _full(path, doing)
    if path.is_dir():  # SQLite calls it an I/O error
        return StoreWriteError(
            f"could not {doing}: {path} is a folder, not a database file; set [storage] "
            f"path to a file in it, e.g. {path / 'ratings.db'}"
        )
    if code == SQLITE_READONLY or _on_read_only_fs(path):
        return StoreWriteError(f"could not {doing}: {path} is read-only; {FIX_READONLY}")
    free = _free_space(path)
    if code in (SQLITE_IOERR, SQLITE_CANTOPEN) and free is not None and free < NEARLY_FULL:
        # SQLite says "disk I/O error" when a full disk has no room for its -shm file.
        return _full(path, doing)
    if code in (SQLITE_BUSY, SQLITE_LOCKED):
        return StoreWriteError(
            f"could not {doing}: {path} stayed locked by another process for more than "
            f"{BUSY_TIMEOUT_MS // 1000} s; is a tool holding it open?"
        )
    if code in (SQLITE_IOERR, SQLITE_CANTOPEN):
        return StoreWriteError(
            f"could not {doing}: input/output error on {path} ({text}); the SD card or "
            "disk may be failing or full"
        )
    return StoreWriteError(f"could not {doing} at {path}: {text}")
