"""A device's heartbeat, and the gaps in what HQ has received from it."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import update

from hq.api import errors
from hq.deps import DB, CurrentDevice, Now, Reader, WriteLock
from hq.errors import ApiError
from hq.models import Device
from hq.reports import seq_gaps
from hq.wire import Heartbeat, HeartbeatAck
from kiosk.localtime import to_utc_text

router = APIRouter(prefix="/api/v1", tags=["devices"])


@router.post("/heartbeat", response_model=HeartbeatAck, responses=errors(400, 401, 413, 422, 429))
def heartbeat(
    status: Heartbeat, device: CurrentDevice, session: DB, now: Now, lock: WriteLock
) -> HeartbeatAck:
    """Keep what the device says about itself (version, backlog, clock, disk, errors)."""
    seen = to_utc_text(now)
    body = status.model_dump(exclude_none=True)
    with lock:
        session.execute(
            update(Device)
            .where(Device.id == device.id)
            .values(
                last_seen_at=seen,
                last_status={**body, "received_at": seen},
                version=status.version or device.version,
            )
        )
        session.commit()
    return HeartbeatAck(ok=True, server_time=seen)


class Gaps(BaseModel):
    """The ``seq`` ranges (both ends included) HQ has not received from a device."""

    device_id: str
    received: int
    last_seq: int
    gaps: list[tuple[int, int]]


@router.get("/devices/{device_id}/gaps", response_model=Gaps, responses=errors(401, 404))
def gaps(device_id: str, session: DB, _reader: Reader) -> Gaps:
    """Missing ``seq`` ranges up to the highest one received."""
    if session.get(Device, device_id) is None:
        raise ApiError(404, "unknown_device", f"no device {device_id!r}")
    received, last, ranges = seq_gaps(session, device_id)
    return Gaps(device_id=device_id, received=received, last_seq=last, gaps=ranges)
