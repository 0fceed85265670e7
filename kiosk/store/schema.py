"""The local database's schema, as forward-only migrations (sqlite-utils ``Migrations``).

Never edit a migration that has shipped: add a new one. A database that has a migration
this code does not know was made by a newer Hymiö, and is refused rather than guessed at.
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations
from uuid6 import uuid7

from kiosk.errors import StoreError
from kiosk.rating import LEGACY_DATABASE

migrations = Migrations("hymio.kiosk")


@migrations()
def m001_ratings(db: Database) -> None:
    """Ratings (SPEC §2) and the device this file belongs to."""
    # seq is the rowid: gapless because rows are never deleted and each insert takes
    # max(seq) + 1 in its own statement. followup_until_ns is the monotonic deadline of
    # an open follow-up question (same boot); NULL once answered, closed or never asked.
    db.execute(
        """
        CREATE TABLE ratings (
            seq               INTEGER PRIMARY KEY,
            id                TEXT NOT NULL UNIQUE,
            device_id         TEXT NOT NULL,
            store_id          TEXT NOT NULL,
            survey_id         TEXT NOT NULL,
            question_id       TEXT NOT NULL,
            config_version    INTEGER NOT NULL,
            scale             TEXT NOT NULL,
            score             INTEGER NOT NULL,
            source            TEXT NOT NULL CHECK (source IN ('button', 'touch')),
            reason            TEXT,
            recorded_at       TEXT NOT NULL,
            clock_synced      INTEGER NOT NULL CHECK (clock_synced IN (0, 1)),
            boot_id           TEXT NOT NULL,
            mono_ns           INTEGER NOT NULL,
            flag              TEXT CHECK (flag IN ('repeat', 'lockout', 'stuck', 'closed')),
            followup_until_ns INTEGER,
            synced_at         TEXT
        )
        """
    )
    # A day's tally is a range scan of this covering index (no table access).
    db.execute("CREATE INDEX ratings_by_time ON ratings (recorded_at, scale, score, flag)")
    # "The oldest N unsynced": a partial index that holds only what is still to send.
    db.execute("CREATE INDEX ratings_unsynced ON ratings (seq) WHERE synced_at IS NULL")
    db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")


@migrations()
def m002_events(db: Database) -> None:
    """Things staff and ``hymio doctor`` should hear about (a database moved aside, …)."""
    db.execute(
        """
        CREATE TABLE events (
            id      INTEGER PRIMARY KEY,
            at      TEXT NOT NULL,
            kind    TEXT NOT NULL,
            message TEXT NOT NULL
        )
        """
    )


@migrations()
def m003_sync(db: Database) -> None:
    """The sync process's state for people, and ratings HQ refused (kept, never sent again)."""
    db.execute("CREATE TABLE sync_state (key TEXT PRIMARY KEY, value TEXT)")
    db.execute(
        """
        CREATE TABLE quarantine (
            seq     INTEGER PRIMARY KEY REFERENCES ratings (seq),
            at      TEXT NOT NULL,
            code    TEXT NOT NULL,
            message TEXT NOT NULL
        )
        """
    )


@migrations()
def m004_database_id(db: Database) -> None:
    """The database's own id (SPEC §2): ``seq`` counts within it, on every row.

    A file that already has ratings (or follows a replaced one) keeps numbering in the
    database HQ calls ``legacy``, where HQ put what it already had; a new file gets a new
    UUIDv7.
    """
    db.execute(
        f"ALTER TABLE ratings ADD COLUMN database_id TEXT NOT NULL DEFAULT '{LEGACY_DATABASE}'"
    )
    used = db.execute(
        "SELECT EXISTS (SELECT 1 FROM ratings) OR EXISTS "
        "(SELECT 1 FROM meta WHERE key = 'seq_floor')"
    ).fetchone()[0]
    db.execute(
        "INSERT OR IGNORE INTO meta (key, value) VALUES ('database_id', ?)",
        [LEGACY_DATABASE if used else str(uuid7())],
    )


@migrations()
def m005_databases(db: Database) -> None:
    """Every database whose ratings this file holds, and the ``seq`` it starts at.

    A file holds more than one when HQ showed that the file had been rolled back (a
    read-only overlay that drops the card's writes at reboot, a restored copy): its
    ratings from the first ``seq`` HQ already had go on as a new database (a *fork*) that
    starts at that ``seq`` (``kiosk.store.store.Store.fork``).
    """
    db.execute(
        """
        CREATE TABLE databases (
            database_id TEXT PRIMARY KEY,
            first_seq   INTEGER NOT NULL,
            forked_from TEXT
        )
        """
    )
    db.execute(
        "INSERT INTO databases (database_id, first_seq) "
        "SELECT value, 1 FROM meta WHERE key = 'database_id'"
    )


KNOWN = frozenset(
    f.__name__ for f in (m001_ratings, m002_events, m003_sync, m004_database_id, m005_databases)
)


def upgrade(db: Database) -> None:
    """Apply the pending migrations; refuse a database made by a newer version."""
    check_known(db)
    migrations.apply(db)


def check_known(db: Database) -> None:
    """Raise :class:`StoreError` if the database has migrations this code lacks."""
    unknown = [m.name for m in migrations.applied(db) if m.name not in KNOWN]
    if unknown:
        raise StoreError(
            f"the database was made by a newer Hymiö (migrations {', '.join(unknown)}); "
            "install that version again, or move the database aside to start a new one"
        )


def pending(db: Database) -> list[str]:
    """The names of migrations not yet applied to *db*."""
    return [m.name for m in migrations.pending(db)]
