"""What HQ has received of each kiosk database, kept in the ingest transaction.

``device_received`` holds, per device and database, how many ratings HQ has, the highest
``seq`` and the newest ``recorded_at``: the fleet page and the store pages read them from
there instead of counting the device's ratings (:mod:`hq.ingest.completeness` looks for gaps only
where the count says there are some). One upsert per database of a batch, in
``database_id`` order, after the ratings went in; concurrent batches of one device wait for
each other on its row, and commit or roll back with their ratings.

A clock repair can move a rating's ``recorded_at`` earlier, so after one the newest time
of that database is counted again (:func:`recount_times`: one pass over that device's
ratings of it; repairs come once, for what a kiosk recorded before its clock was set).
"""

from __future__ import annotations

from pydantic_core import to_json
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from hq.tables.models import DeviceReceived, Rating


def figures(rows: list[dict]) -> dict[str, tuple[int, int, str]]:
    """Per database of the just inserted *rows*: how many, the highest seq, the newest time."""
    per: dict[str, tuple[int, int, str]] = {}
    for r in rows:
        n, seq, at = per.get(r["database_id"], (0, 0, ""))
        per[r["database_id"]] = (n + 1, max(seq, r["seq"]), max(at, r["recorded_at"]))
    return per


def postgres_upsert(device_id: str, rows: list[dict]) -> tuple[str, str]:
    """:func:`count_received`'s upsert on PostgreSQL as (its statement, its one JSON
    parameter), for a statement of the caller's; databases in order."""
    names = ("device_id", "database_id", "received", "last_seq", "last_recorded_at")
    body = [dict(zip(names, values, strict=True)) for values in _received(device_id, rows)]
    return _POSTGRES, to_json(body).decode()


def _received(device_id: str, rows: list[dict]) -> list[tuple[str, str, int, int, str]]:
    """Per database of *rows*, in order: the device, the database and its figures."""
    return [(device_id, d, n, seq, at) for d, (n, seq, at) in sorted(figures(rows).items())]


_POSTGRES = (
    "INSERT INTO device_received (device_id, database_id, received, last_seq, last_recorded_at)"
    " SELECT device_id, database_id, received, last_seq, last_recorded_at"
    " FROM json_to_recordset(%s::json) AS r(device_id text, database_id text, received bigint,"
    " last_seq bigint, last_recorded_at text)"
    " ON CONFLICT (device_id, database_id) DO UPDATE SET"
    " received = device_received.received + excluded.received,"
    " last_seq = greatest(device_received.last_seq, excluded.last_seq),"
    " last_recorded_at = greatest(device_received.last_recorded_at, excluded.last_recorded_at)"
)


_SQLITE = (
    "INSERT INTO device_received (device_id, database_id, received, last_seq, last_recorded_at)"
    " VALUES (?, ?, ?, ?, ?)"
    " ON CONFLICT (device_id, database_id) DO UPDATE SET"
    " received = device_received.received + excluded.received,"
    " last_seq = max(device_received.last_seq, excluded.last_seq),"  # of two: the greater
    " last_recorded_at = max(device_received.last_recorded_at, excluded.last_recorded_at)"
)


def count_received(session: Session, device_id: str, rows: list[dict]) -> None:
    """Add the just inserted *rows* of *device_id* to its received figures: one upsert of
    plain SQL, written once (building SQLAlchemy's upsert for each batch cost more CPU
    than running it, a third of a small batch's ingest)."""
    if not rows:
        return
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        sql, body = postgres_upsert(device_id, rows)
        conn.exec_driver_sql(sql, (body,))
    else:
        conn.exec_driver_sql(_SQLITE, _received(device_id, rows))


def recount_times(session: Session, device_id: str, databases: list[str]) -> None:
    """The newest ``recorded_at`` of *device_id*'s *databases*, counted again."""
    for database_id in sorted(set(databases)):
        newest = (
            select(func.max(Rating.recorded_at))
            .where(Rating.device_id == device_id, Rating.database_id == database_id)
            .scalar_subquery()
        )
        session.execute(
            update(DeviceReceived)
            .where(DeviceReceived.device_id == device_id, DeviceReceived.database_id == database_id)
            .values(last_recorded_at=newest)
        )
