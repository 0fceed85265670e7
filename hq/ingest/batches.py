"""Taking in a batch of ratings: all or nothing, idempotent on ``id`` (SPEC §5, §6).

The batch goes in with one ``INSERT … ON CONFLICT DO NOTHING … RETURNING id`` in one
transaction; the ids that did not come back were already there (or lost a race with a
concurrent post of the same batch, which waits on the unique index and then finds them).
Those are read back and compared field by field: the same rating again is a duplicate;
the kiosk's clock repair of a rating HQ took before the kiosk's clock was set is a
*repair*, applied and logged; any other difference under a known id (or a ``seq`` the
database already used for another id) is a 409 naming the rating, and the whole batch is
rolled back.

A rating names its store as the kiosk knew it when it was recorded. A kiosk moved at HQ
learns of the move only at its next settings pull, so a rating stamped with a store the
kiosk has been in (its store now or one in its store history,
:class:`~hq.tables.chain.DeviceStore`) is taken and counted in the store it names; one
stamped with a store the kiosk never belonged to is refused (403 ``not_your_rating``).

HQ refuses only what breaks the wire contract. A time HQ cannot believe (more than a day
ahead of its own clock, or before Hymiö existed) is stored and marked ``time_suspect``:
it is kept out of the metrics, like a flagged rating, and counted apart.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime, timedelta, tzinfo

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from hq.core.errors import ApiError
from hq.ingest.bulk import insert_new
from hq.ingest.device_calls import Caller, seen
from hq.ingest.kept import keep_at_once, kept_statement
from hq.ingest.received import count_received, recount_times
from hq.ingest.wire import Accepted, RatingIn
from hq.tables.chain import DeviceStore
from hq.tables.models import Device, Rating
from hq.tables.rollups import count_ratings, move, zone_of
from kiosk.timekeeping.localtime import to_utc_text, zone

log = logging.getLogger(__name__)

FIELDS = tuple(RatingIn.model_fields)
FUTURE = timedelta(days=1)
ATTEMPTS = 3  # tries of a batch's transaction that PostgreSQL ended with a deadlock
EPOCH = "2024-01-01T00:00:00.000000+00:00"  # nothing was rated on a Hymiö before this
# What the kiosk's clock repair changes (SPEC §2): a rating first sent unsynchronised may
# come again with its true time, once.
REPAIRABLE = frozenset({"recorded_at", "clock_synced"})


def ingest(
    session: Session,
    device: Caller,
    batch: Sequence[dict],
    now: datetime,
    lock: AbstractContextManager | None = None,
) -> Accepted:
    """Store *batch* (validated :class:`RatingIn` rows, as dicts) from *device*; commits, or
    raises :class:`ApiError` having changed nothing.

    *lock* is held from the first write to the commit (see :func:`hq.tables.database.writer_lock`).
    The device's received counts (:mod:`hq.ingest.received`) change in the same transaction.
    """
    _check_owner(session, device, batch)
    received = to_utc_text(now)
    future = to_utc_text(now + FUTURE)
    rows, repeats = _unique(batch)
    for row in rows:
        row["received_at"] = received
        row["time_suspect"] = _suspect(row["recorded_at"], future)
    rows.sort(key=lambda row: row["id"])  # one order for every writer: no deadlock cycle
    early: list = []  # the kept statement of every row, made while their COPY goes in

    def meanwhile() -> None:
        early[:] = [
            kept_statement(device, rows, received, lambda store: _known_zone(device, store))
        ]

    for attempt in range(1, ATTEMPTS + 1):
        with lock or nullcontext():
            try:
                inserted = insert_new(session, rows, meanwhile) if rows else set()
                known = [r for r in rows if r["id"] not in inserted]
                repairs = _check_known(session, known, future)
                new = [r for r in rows if r["id"] in inserted]
                if repairs or not _keep_at_once(session, device, rows, new, received, early):
                    _keep(session, device, new, repairs, received)
                session.commit()
                break
            except DBAPIError as exc:
                session.rollback()  # before the lock goes to the next writer
                if attempt == ATTEMPTS or not _retryable(exc):
                    raise
                log.info("device %s: batch retried after %s", device.id, type(exc.orig).__name__)
            except BaseException:
                session.rollback()
                raise
    repaired = len(repairs)
    if repaired:
        log.info("device %s repaired the time of %d rating(s)", device.id, repaired)
    return Accepted(
        accepted=len(inserted), duplicates=len(rows) - len(inserted) + repeats, repaired=repaired
    )


def _keep_at_once(
    session: Session, device: Caller, rows: list[dict], new: list[dict], received: str,
    early: list,
) -> bool:  # fmt: skip
    """The batch's figures kept and the device touched in one statement on PostgreSQL;
    False where that does not apply. *early* holds the statement made during the COPY for
    every row, if one was made: it holds if every row went in."""
    if not new or session.connection().dialect.name != "postgresql":
        return False
    if early and early[0] is not None and len(new) == len(rows):
        return keep_at_once(session, device, early[0])
    statement = kept_statement(
        device, new, received, lambda store: zone_of(session, store, _zone_of(device, store))
    )
    return keep_at_once(session, device, statement)


def _known_zone(device: Caller, store_id: str) -> tzinfo | None:
    """The time zone of *store_id* if the caller knows it (:func:`_zone_of`), else None:
    what the kept statement may use while the session is busy with the COPY."""
    timezone = _zone_of(device, store_id)
    return zone(timezone) if timezone else None


def _keep(session: Session, device: Caller, new: list[dict], repairs: list, received: str) -> None:
    """The figures of the batch kept, and the device touched, one statement after another."""
    count_received(session, device.id, new)
    for store_id, rows_there in _by_store(new).items():
        count_ratings(session, store_id, rows_there, _zone_of(device, store_id))
    if repairs:
        recount_times(session, device.id, [before["database_id"] for before, _ in repairs])
        for store_id, there in _by_store(repairs, 0).items():
            move(session, store_id, there, _zone_of(device, store_id))
    seen(session, device, received)


def _retryable(exc: DBAPIError) -> bool:
    """A deadlock or serialisation failure: PostgreSQL rolled the transaction back and the
    same batch may simply be tried again."""
    return getattr(exc.orig, "sqlstate", None) in ("40P01", "40001")


def _unique(batch: Sequence[dict]) -> tuple[list[dict], int]:
    """The batch's rows, each id once, and how many exact repeats were left out; the same
    id twice with different content is a 409, as it is across batches."""
    rows: dict[str, dict] = {}
    repeats = 0
    for row in batch:
        first = rows.get(row["id"])
        if first is None:
            rows[row["id"]] = row
            continue
        if first != row:
            name = next(n for n in FIELDS if first[n] != row[n])
            raise _conflict(row, name, first[name], "earlier in this batch")
        repeats += 1
    return list(rows.values()), repeats


def _suspect(recorded_at: str, future: str) -> bool:
    return recorded_at > future or recorded_at < EPOCH


def _by_store(rows: Sequence, at: int | None = None) -> dict[str, list]:
    """*rows* (or the item *at* of each, for pairs) grouped by the store each names."""
    out: dict[str, list] = {}
    for row in rows:
        out.setdefault((row if at is None else row[at])["store_id"], []).append(row)
    return out


def _zone_of(device: Caller, store_id: str) -> str | None:
    """The time zone of *store_id* if the caller knows it (its own store); else None, and
    the counts look it up."""
    return (device.timezone or None) if store_id == device.store_id else None


def _check_owner(session: Session, device: Caller, batch: Sequence[dict]) -> None:
    """A 403 unless every rating is the device's own, stamped with a store it has been in."""
    device_id, store_id = device.id, device.store_id
    other = {r["store_id"] for r in batch if r["store_id"] != store_id}
    allowed = _stores_of(session, device_id) if other else {store_id}
    for r in batch:
        if r["device_id"] != device_id or r["store_id"] not in allowed:
            raise ApiError(
                403,
                "not_your_rating",
                f"rating {r['id']} is from device {r['device_id']!r} of store {r['store_id']!r},"
                " but this"
                f" token is device {device.id!r} of store {device.store_id!r}; a device may only"
                " send its own ratings",
            )


def _stores_of(session: Session, device_id: str) -> set[str]:
    """Every store the device has been in: its store now and its store history."""
    now = session.scalars(select(Device.store_id).where(Device.id == device_id)).all()
    before = session.scalars(select(DeviceStore.store_id).where(DeviceStore.device_id == device_id))
    return {*now, *before}


def _check_known(session: Session, rows: list[dict], future: str) -> list[tuple[dict, dict]]:
    """Every row that was not inserted must be the rating HQ already has, or its clock
    repair (applied here); returns each rating repaired, as it was and as it is now."""
    if not rows:
        return []
    stored = {
        r.id: r
        for r in session.scalars(select(Rating).where(Rating.id.in_({r["id"] for r in rows})))
    }
    repaired: list[tuple[dict, dict]] = []
    for row in rows:
        have = stored.get(row["id"])
        if have is None:
            raise ApiError(
                409,
                "seq_taken",
                f"rating {row['id']}: device {row['device_id']!r} already sent seq {row['seq']}"
                f" of database {row['database_id']!r} under another id",
                rating_id=row["id"],
            )
        differ = [name for name in FIELDS if getattr(have, name) != row[name]]
        if not differ:
            continue
        if set(differ) <= REPAIRABLE and not have.clock_synced and row["clock_synced"]:
            before = {**row, "recorded_at": have.recorded_at, "time_suspect": have.time_suspect}
            have.recorded_at, have.clock_synced = row["recorded_at"], True
            have.time_suspect = _suspect(row["recorded_at"], future)
            repaired.append((before, {**row, "time_suspect": have.time_suspect}))
            continue
        name = differ[0]
        raise _conflict(row, name, getattr(have, name), "before")
    session.flush()
    return repaired


def _conflict(row: dict, name: str, had: object, when: str) -> ApiError:
    return ApiError(
        409,
        "id_conflict",
        f"rating {row['id']} was received {when} with a different {name}"
        f" ({had!r}, now {row[name]!r}); a rating never changes",
        rating_id=row["id"],
    )
