"""Writing off ratings lost for good (issue 30): an admin says that a range of a kiosk
database's ``seq`` that HQ lacks will never arrive (a card that died), and why. The range
must be one HQ lacks: inside a gap, or in the tail numbered after the last rating
received. Completeness then counts it as lost (:mod:`hq.ingest.completeness`), and its
days say "complete, 40 lost (reason)" instead of "may still change". The dashboard's
fleet page, ``POST /api/v1/devices/{id}/write-offs`` and ``hymio hq write-off`` all call
:func:`write_off`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from hq.core.errors import InputError
from hq.core.names import flat
from hq.ingest.completeness import completeness
from hq.tables.models import Device, WriteOff
from kiosk.timekeeping.localtime import to_utc_text

MAX_REASON = 200


class WriteOffError(InputError):
    """A write-off that cannot be made; ``field`` names the field at fault. Nothing was
    changed."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}; nothing was changed")
        self.field = field


def write_off(
    session: Session,
    device_id: str,
    first_seq: int,
    last_seq: int,
    reason: str,
    by: str,
    now: datetime,
    database_id: str | None = None,
) -> WriteOff:
    """Write off *first_seq*–*last_seq* of *device_id*'s database *database_id* (the one
    database that lacks ratings if not given) as lost for good, because of *reason*;
    committed. A :class:`WriteOffError` naming the field when it cannot be."""
    if session.get(Device, device_id) is None:
        raise WriteOffError("device", f"there is no device {device_id!r}")
    reason = flat(reason or "").strip()
    if not reason:
        raise WriteOffError("reason", "say why these ratings are lost (e.g. the SD card died)")
    if len(reason) > MAX_REASON:
        raise WriteOffError("reason", f"at most {MAX_REASON} characters")
    if first_seq < 1 or last_seq < first_seq:
        raise WriteOffError(
            "first_seq", f"{first_seq}–{last_seq} is not a range of seq (1 or more, first ≤ last)"
        )
    lacking = [d for d in completeness(session, device_id).databases if not d.complete]
    if database_id:
        found = [d for d in lacking if d.database_id == database_id]
        if not found:
            raise WriteOffError(
                "database_id", f"HQ lacks no rating of database {database_id!r} of {device_id}"
            )
    elif len(lacking) > 1:
        names = ", ".join(d.database_id for d in lacking)
        raise WriteOffError("database_id", f"{device_id} lacks ratings of {names}: name one")
    elif not lacking:
        raise WriteOffError("device", f"HQ lacks no rating of {device_id}: nothing to write off")
    else:
        found = lacking
    (d,) = found
    ranges = [(g, t) for g, t in zip(d.gaps, d.gap_times, strict=True)]
    if d.tail:
        ranges.append((d.tail, (d.last_received_at, None)))
    inside = [(g, t) for g, t in ranges if g[0] <= first_seq and last_seq <= g[1]]
    if not inside:
        lacks = ", ".join(f"{a}–{b}" for (a, b), _ in ranges)
        raise WriteOffError(
            "first_seq", f"{first_seq}–{last_seq} is not inside what HQ lacks of it ({lacks})"
        )
    (_, (first_at, last_at)), *_ = inside
    row = WriteOff(
        device_id=device_id, database_id=d.database_id, first_seq=first_seq, last_seq=last_seq,
        reason=reason, first_at=first_at, last_at=last_at, written_by=by,
        written_at=to_utc_text(now),
    )  # fmt: skip
    session.add(row)
    session.commit()
    return row
