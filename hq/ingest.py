"""Taking in a batch of ratings: all or nothing, idempotent on ``id`` (SPEC §5, §6).

The batch goes in with one ``INSERT … ON CONFLICT DO NOTHING … RETURNING id`` in one
transaction; the ids that did not come back were already there (or lost a race with a
concurrent post of the same batch, which waits on the unique index and then finds them).
Those are read back and compared field by field: the same rating again is a duplicate, a
different rating under a known id (or a ``seq`` the device already used for another id) is
a 409 naming the id, and the whole batch is rolled back.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hq.bulk import insert_new
from hq.errors import ApiError
from hq.models import Device, Rating
from hq.wire import Accepted, RatingIn
from kiosk.localtime import to_utc_text

FIELDS = tuple(RatingIn.model_fields)
FUTURE = timedelta(days=1)


def ingest(
    session: Session,
    device: Device,
    batch: Sequence[RatingIn],
    now: datetime,
    lock: AbstractContextManager | None = None,
) -> Accepted:
    """Store *batch* from *device*; commits, or raises :class:`ApiError` having changed nothing.

    *lock* is held from the first write to the commit (see :func:`hq.db.writer_lock`).
    """
    _check_owner(device, batch)
    _check_future(batch, now)
    received = to_utc_text(now)
    rows = [{**r.model_dump(), "received_at": received} for r in batch]
    with lock or nullcontext():
        try:
            inserted = insert_new(session.connection(), rows) if rows else set()
            _check_known(session, [r for r in rows if r["id"] not in inserted])
            session.execute(
                update(Device).where(Device.id == device.id).values(last_seen_at=received)
            )
            session.commit()
        except BaseException:
            session.rollback()  # before the lock goes to the next writer
            raise
    return Accepted(accepted=len(inserted), duplicates=len(rows) - len(inserted))


def _check_owner(device: Device, batch: Sequence[RatingIn]) -> None:
    device_id, store_id = device.id, device.store_id
    for r in batch:
        if r.device_id != device_id or r.store_id != store_id:
            raise ApiError(
                403,
                "not_your_rating",
                f"rating {r.id} is from device {r.device_id!r} of store {r.store_id!r}, but this"
                f" token is device {device.id!r} of store {device.store_id!r}; a device may only"
                " send its own ratings",
            )


def _check_future(batch: Sequence[RatingIn], now: datetime) -> None:
    limit = to_utc_text(now + FUTURE)
    for r in batch:
        if r.clock_synced and r.recorded_at > limit:
            raise ApiError(
                422,
                "from_the_future",
                f"rating {r.id} was recorded at {r.recorded_at}, more than a day after HQ's"
                f" clock ({to_utc_text(now)}), while the device said its clock was synchronised",
            )


def _check_known(session: Session, rows: list[dict]) -> None:
    """Every row that was not inserted must be the very rating HQ already has."""
    if not rows:
        return
    stored = {
        r.id: r
        for r in session.scalars(select(Rating).where(Rating.id.in_({r["id"] for r in rows})))
    }
    for row in rows:
        have = stored.get(row["id"])
        if have is None:
            raise ApiError(
                409,
                "seq_taken",
                f"rating {row['id']}: device {row['device_id']!r} already sent seq {row['seq']}"
                " under another id",
            )
        for name in FIELDS:
            if getattr(have, name) != row[name]:
                raise ApiError(
                    409,
                    "id_conflict",
                    f"rating {row['id']} was received before with a different {name}"
                    f" ({getattr(have, name)!r}, now {row[name]!r}); a rating never changes",
                )
