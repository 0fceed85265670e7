"""A device's heartbeat, whether HQ has received everything from it, and an admin's
write-off of ratings lost for good (:mod:`hq.ingest.writeoffs`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from sqlalchemy import delete
from sqlalchemy.orm import Session

from hq.api import errors
from hq.core.errors import ApiError
from hq.ingest.completeness import completeness
from hq.ingest.device_calls import Caller, device_call, touch
from hq.ingest.wire import DatabaseStatus, Heartbeat, HeartbeatAck
from hq.ingest.writeoffs import MAX_REASON, WriteOffError, write_off
from hq.tables.models import Device, DeviceDatabase
from hq.web.deps import DB, Bearer, Now, Reader, WriteLock, device_bearer
from kiosk.rating import LEGACY_DATABASE
from kiosk.timekeeping.localtime import to_utc_text

router = APIRouter(prefix="/api/v1", tags=["devices"])


@router.post(
    "/heartbeat", response_model=HeartbeatAck, responses=errors(400, 401, 413, 415, 422, 429, 503)
)
async def heartbeat(
    request: Request,
    status: Heartbeat,
    credentials: Annotated[Bearer, Depends(device_bearer)],
    now: Now,
    lock: WriteLock,
) -> HeartbeatAck:
    """Keep what the device says about itself (version, backlog, clock, disk, errors) and
    about each of its databases (last seq, pending, held)."""
    seen = to_utc_text(now)
    body = status.model_dump(exclude_none=True)
    version = {"version": status.version} if status.version else {}

    def work(session: Session, device: Caller) -> HeartbeatAck:
        with lock:
            touch(
                session,
                device,
                last_seen_at=seen,
                last_status={**body, "received_at": seen},
                **version,
            )
            for d in _databases(status):
                # Delete and insert: one portable upsert for SQLite and PostgreSQL.
                session.execute(
                    delete(DeviceDatabase).where(
                        DeviceDatabase.device_id == device.id,
                        DeviceDatabase.database_id == d.database_id,
                    )
                )
                session.add(DeviceDatabase(device_id=device.id, reported_at=seen, **d.model_dump()))
            session.commit()
        return HeartbeatAck(ok=True, server_time=seen)

    return await device_call(request, credentials and credentials.credentials, work)


def _databases(status: Heartbeat) -> list[DatabaseStatus]:
    """Each database the heartbeat reports; a kiosk of Hymiö 0.1 reports its one file as
    top-level ``last_seq`` and ``quarantined``."""
    if status.databases is not None:
        return status.databases
    if status.last_seq is None:
        return []
    return [
        DatabaseStatus(
            database_id=status.database_id or LEGACY_DATABASE,
            last_seq=status.last_seq,
            pending=status.pending or 0,
            oldest_pending_at=status.oldest_pending_at,
            held=status.quarantined or 0,
        )
    ]


class DatabaseGaps(BaseModel):
    """One kiosk database of the device: what HQ received, what is missing inside it, the
    tail not received yet, and what the device said it still has to send or holds."""

    database_id: str
    first_seq: int
    received: int
    last_received_seq: int
    gaps: list[tuple[int, int]]
    missing: int
    last_seq: int | None
    tail: tuple[int, int] | None
    not_received: int
    pending: int
    held: int
    held_reason: str | None
    reported_at: str | None
    complete: bool


class Gaps(BaseModel):
    """Everything HQ lacks of a device, per database; ``complete`` only when nothing is
    missing, nothing is at the tail, and nothing is held or pending on the device."""

    device_id: str
    received: int
    missing: int
    not_received: int
    held: int
    pending: int
    complete: bool
    lost: int = Field(0, description="ratings written off as lost for good")
    databases: list[DatabaseGaps]


@router.get("/devices/{device_id}/gaps", response_model=Gaps, responses=errors(401, 404))
def gaps(device_id: str, session: DB, reader: Reader) -> Gaps:
    """Per database: missing ``seq`` ranges, the tail not received yet, held ratings."""
    device = session.get(Device, device_id)
    if device is None or not reader.sees(device.store_id) or device.kind != "kiosk":
        raise ApiError(404, "unknown_device", f"no kiosk {device_id!r}")
    c = completeness(session, device_id)
    return Gaps(
        device_id=device_id,
        received=c.received,
        missing=c.missing,
        not_received=c.not_received,
        held=c.held,
        pending=c.pending,
        complete=c.complete,
        lost=c.lost,
        databases=[
            DatabaseGaps(
                database_id=d.database_id,
                first_seq=d.first_seq,
                received=d.received,
                last_received_seq=d.last_received_seq,
                gaps=d.gaps,
                missing=d.missing,
                last_seq=d.last_seq,
                tail=d.tail,
                not_received=d.not_received,
                pending=d.pending,
                held=d.held,
                held_reason=d.held_reason,
                reported_at=d.reported_at,
                complete=d.complete,
            )
            for d in c.databases
        ],
    )


class WriteOffAsked(BaseModel):
    """A range of a kiosk database's ``seq`` to write off as lost for good, and why."""

    first_seq: int = Field(ge=1)
    last_seq: int = Field(ge=1)
    reason: str = Field(min_length=1, max_length=MAX_REASON)
    database_id: str | None = Field(
        None, max_length=64, description="needed when more than one database lacks ratings"
    )


class WrittenOff(BaseModel):
    """The write-off made, and the device's completeness after it."""

    id: int
    device_id: str
    database_id: str
    first_seq: int
    last_seq: int
    lost: int
    reason: str
    complete: bool


@router.post(
    "/devices/{device_id}/write-offs",
    response_model=WrittenOff,
    status_code=201,
    responses=errors(400, 401, 403, 404, 422),
)
def write_off_lost(
    device_id: str, asked: WriteOffAsked, session: DB, reader: Reader, now: Now, lock: WriteLock
) -> WrittenOff:
    """Write off ratings HQ lacks and will never get (a card that died) as lost for good:
    an admin's session only. The range must lie inside what HQ lacks of that database."""
    device = session.get(Device, device_id)
    if device is None or not reader.sees(device.store_id) or device.kind != "kiosk":
        raise ApiError(404, "unknown_device", f"no kiosk {device_id!r}")
    if not reader.is_admin:
        raise ApiError(403, "admins_only", "only an admin may write ratings off as lost")
    try:
        with lock:
            done = write_off(session, device_id, asked.first_seq, asked.last_seq, asked.reason,
                             reader.username, now, asked.database_id)  # fmt: skip
    except WriteOffError as e:
        session.rollback()
        raise ApiError(400, f"bad_{e.field}", str(e)) from e
    c = completeness(session, device_id)
    return WrittenOff(
        id=done.id, device_id=device_id, database_id=done.database_id, first_seq=done.first_seq,
        last_seq=done.last_seq, lost=c.lost, reason=done.reason, complete=c.complete,
    )  # fmt: skip
