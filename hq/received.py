"""What HQ has received of each kiosk database, kept in the ingest transaction.

``device_received`` holds, per device and database, how many ratings HQ has, the highest
``seq`` and the newest ``recorded_at``: the fleet page and the store pages read them from
there instead of counting the device's ratings (:mod:`hq.completeness` looks for gaps only
where the count says there are some). One upsert per database of a batch, in
``database_id`` order, after the ratings went in; concurrent batches of one device wait for
each other on its row, and commit or roll back with their ratings.

A clock repair can move a rating's ``recorded_at`` earlier; ``last_recorded_at`` keeps the
newest time it has seen (it marks from which day on ratings may be missing: a day early
at worst, never late).
"""

from __future__ import annotations

from sqlalchemy import func
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from hq.models import DeviceReceived


def count_received(session: Session, device_id: str, rows: list[dict]) -> None:
    """Add the just inserted *rows* of *device_id* to its received figures."""
    per: dict[str, tuple[int, int, str]] = {}
    for r in rows:
        n, seq, at = per.get(r["database_id"], (0, 0, ""))
        per[r["database_id"]] = (n + 1, max(seq, r["seq"]), max(at, r["recorded_at"]))
    if not per:
        return
    pg = session.get_bind().dialect.name == "postgresql"
    insert = postgresql.insert if pg else sqlite.insert
    greatest = func.greatest if pg else func.max  # SQLite's max() of two is a scalar
    table = DeviceReceived.__table__
    for database_id in sorted(per):
        n, seq, at = per[database_id]
        stmt = insert(table).values(
            device_id=device_id,
            database_id=database_id,
            received=n,
            last_seq=seq,
            last_recorded_at=at,
        )
        new = stmt.excluded
        session.execute(
            stmt.on_conflict_do_update(
                index_elements=[table.c.device_id, table.c.database_id],
                set_={
                    "received": table.c.received + new.received,
                    "last_seq": greatest(table.c.last_seq, new.last_seq),
                    "last_recorded_at": greatest(table.c.last_recorded_at, new.last_recorded_at),
                },
            )
        )
