"""The stores' admin API: ``/api/v1/stores`` (list, add), ``/api/v1/stores/{id}`` (change
its name, region, time zone), its ``retire``, its weekly ``hours`` and its
``exceptions/{day}`` (holidays, special days). The twins of the stores' pages, through
the same functions (:mod:`hq.fleet.chain`): an admin token or an admin's session may do
all, a manager's session only within their part, an analyst token only read."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from hq.api import errors
from hq.api.chain.guard import refusal
from hq.core.errors import ApiError
from hq.fleet.chain import hours as chain_hours
from hq.fleet.chain import stores as chain_stores
from hq.fleet.chain.errors import ChainError
from hq.fleet.problems import BadParameter, choose_scope
from hq.tables.models import Store
from hq.web.deps import DB, Now, Reader, WriteLock, visible_store
from kiosk.timekeeping.hours import WEEKDAYS

router = APIRouter(prefix="/api/v1", tags=["chain"])
Short = Annotated[str, Field(max_length=200)]
DayPath = Annotated[str, Path(max_length=10, description="the local day, YYYY-MM-DD")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class StoreOut(BaseModel):
    """A store as the admin API shows it."""

    id: str
    name: str
    timezone: str
    region: str = Field(description='its region\'s id; "" directly under the chain')
    retired_at: str | None = Field(description="when it was retired (UTC); null if working")


class NewStore(Strict):
    """A store to add."""

    id: Annotated[str, Field(max_length=64)]
    name: Short
    timezone: Annotated[str, Field(max_length=64)] = "Europe/Helsinki"
    region: Annotated[str, Field(max_length=64)] = ""


class StoreChange(Strict):
    """What to change of a store; the fields left out stay."""

    name: Short | None = None
    region: Annotated[str, Field(max_length=64)] | None = None
    timezone: Annotated[str, Field(max_length=64)] | None = None


class Week(Strict):
    """Hours of weekdays as the kiosk writes them ("08:00-21:00", ranges separated by
    ",", or "closed"); the weekdays left out stay."""

    mon: Short | None = None
    tue: Short | None = None
    wed: Short | None = None
    thu: Short | None = None
    fri: Short | None = None
    sat: Short | None = None
    sun: Short | None = None


class HoursOut(BaseModel):
    """A store's weekly hours and its exceptions, by day."""

    week: dict[str, str]
    exceptions: list[dict[str, str]]


class DayHours(Strict):
    """One day's own hours ("closed" for a holiday) and why."""

    hours: Short
    note: Short = ""


def _out(store: Store) -> StoreOut:
    return StoreOut(
        id=store.id, name=store.name, timezone=store.timezone,
        region=store.region_id or "", retired_at=store.retired_at,
    )  # fmt: skip


ANSWERS = errors(400, 401, 403, 404, 409, 422)


@router.get("/stores", response_model=list[StoreOut], responses=errors(400, 401))
def list_stores(
    session: DB,
    reader: Reader,
    q: Annotated[str, Query(max_length=200, description="part of a name or id")] = "",
    region: Annotated[str, Query(max_length=64, description="a region's stores")] = "",
) -> list[StoreOut]:
    """The stores the reader may see, working ones first (an admin sees the retired ones
    too); those whose name or id holds ``q``, or of ``region`` and the regions under it,
    if given: the same search as the *Stores and kiosks* page."""
    try:  # a region is decided as for the kiosks (GET /devices?region=)
        within, _, _ = choose_scope(session, reader, "", region, "")
    except BadParameter as e:
        raise ApiError(400, f"bad_{e.field}", str(e.text.format(**e.values))) from None
    every = chain_stores.stores_for(session, reader)
    return [_out(s) for s in chain_stores.matching(every, q, within.stores)]


@router.post("/stores", response_model=StoreOut, status_code=201, responses=ANSWERS)
def add_store(body: NewStore, session: DB, reader: Reader, now: Now, lock: WriteLock):
    """Add a store (a manager: only in their own regions)."""
    try:
        with lock:
            store = chain_stores.create_store(
                session, reader, body.id, body.name, body.timezone, body.region, now
            )
    except ChainError as e:
        raise refusal(session, e) from None
    return _out(store)


@router.patch("/stores/{store_id}", response_model=StoreOut, responses=ANSWERS)
def change_store(
    store_id: str, body: StoreChange, session: DB, reader: Reader, now: Now, lock: WriteLock
):
    """Rename the store, move it to another region, or set its time zone; all or none."""
    try:
        with lock:
            store = chain_stores.change_store(
                session, reader, store_id, now, body.name, body.region, body.timezone
            )
    except ChainError as e:
        raise refusal(session, e) from None
    return _out(store)


@router.post("/stores/{store_id}/retire", response_model=StoreOut, responses=ANSWERS)
def retire_store(store_id: str, session: DB, reader: Reader, now: Now, lock: WriteLock):
    """Retire the store: kept, read-only, out of the ranking (its kiosks retired or moved
    first)."""
    try:
        with lock:
            chain_stores.retire_store(session, reader, store_id, now)
    except ChainError as e:
        raise refusal(session, e) from None
    return _out(session.get(Store, store_id))


def _hours(session: DB, store_id: str) -> HoursOut:
    return HoursOut(
        week=chain_hours.weekly_hours(session, store_id),
        exceptions=chain_hours.exceptions_list(session, store_id),
    )


@router.get("/stores/{store_id}/hours", response_model=HoursOut, responses=errors(401, 404))
def store_hours(store_id: str, session: DB, reader: Reader) -> HoursOut:
    """The store's weekly hours and its exceptions (anyone who may see the store)."""
    visible_store(session, reader, store_id)
    return _hours(session, store_id)


@router.put("/stores/{store_id}/hours", response_model=HoursOut, responses=ANSWERS)
def set_store_hours(
    store_id: str, body: Week, session: DB, reader: Reader, now: Now, lock: WriteLock
) -> HoursOut:
    """Set the hours of the weekdays given; every day is checked before any is kept."""
    days = {d: getattr(body, d) for d in WEEKDAYS if getattr(body, d) is not None}
    try:
        with lock:
            chain_hours.set_weekly_hours(session, reader, store_id, days, now)
    except ChainError as e:
        raise refusal(session, e) from None
    return _hours(session, store_id)


@router.put("/stores/{store_id}/exceptions/{day}", response_model=HoursOut, responses=ANSWERS)
def set_store_exception(
    store_id: str, day: DayPath, body: DayHours, session: DB, reader: Reader, now: Now,
    lock: WriteLock,
) -> HoursOut:  # fmt: skip
    """The store's own hours on one local day ("closed": a holiday)."""
    try:
        with lock:
            chain_hours.set_exception(session, reader, store_id, day, body.hours, body.note, now)
    except ChainError as e:
        raise refusal(session, e) from None
    return _hours(session, store_id)


@router.delete("/stores/{store_id}/exceptions/{day}", response_model=HoursOut, responses=ANSWERS)
def remove_store_exception(
    store_id: str, day: DayPath, session: DB, reader: Reader, now: Now, lock: WriteLock
) -> HoursOut:
    """The day has its weekday's hours again."""
    try:
        with lock:
            chain_hours.remove_exception(session, reader, store_id, day, now)
    except ChainError as e:
        raise refusal(session, e) from None
    return _hours(session, store_id)
