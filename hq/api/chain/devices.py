"""The kiosks' admin API: ``/api/v1/devices`` (list with state, add), and for one kiosk
its name and store (``PATCH``), ``retire`` and a new ``token`` (returned once). The twins
of the kiosks' forms, through the same functions (:mod:`hq.fleet.chain.kiosks`); who may
is decided as for the stores (:mod:`hq.api.chain.stores`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from hq.api import errors
from hq.api.chain.guard import refusal
from hq.core.errors import ApiError
from hq.fleet.chain import kiosks as chain_kiosks
from hq.fleet.chain.errors import ChainError
from hq.fleet.problems import PER_PAGE, BadParameter, choose_scope, fleet_page, page_number
from hq.insight.figures import DeviceHealth, fleet
from hq.tables.models import Device
from hq.web.deps import DB, Now, Reader, WriteLock

router = APIRouter(prefix="/api/v1", tags=["chain"])
ANSWERS = errors(400, 401, 403, 404, 409, 422)
Id = Annotated[str, Field(max_length=64)]
MOST_PER_PAGE = 500


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class DeviceOut(BaseModel):
    """A kiosk and its state, as the fleet page has it."""

    id: str
    name: str
    store: str
    store_name: str
    retired_at: str | None
    last_seen_at: str | None
    silent: bool
    version: str
    clock: str
    problems: list[str] = []  # of hq.fleet.problems.PROBLEMS; filled on a paged list


class NewDevice(Strict):
    """A kiosk to add to a store."""

    id: Id
    store: Id


class DeviceChange(Strict):
    """What to change of a kiosk; the fields left out stay."""

    name: Annotated[str, Field(max_length=200)] | None = None
    store: Id | None = None


class NewToken(BaseModel):
    """A kiosk's token, shown only in this answer: HQ keeps only its hash."""

    id: str
    token: str


def _out(d: DeviceHealth) -> DeviceOut:
    k = d.device
    return DeviceOut(
        id=k.id, name=k.name, store=k.store_id, store_name=d.store.name, retired_at=k.retired_at,
        last_seen_at=k.last_seen_at, silent=d.silent, version=d.version, clock=d.clock,
    )  # fmt: skip


@router.get("/devices", response_model=list[DeviceOut], responses=errors(400, 401))
def list_devices(
    session: DB,
    reader: Reader,
    now: Now,
    response: Response,
    store: Annotated[str, Query(max_length=64, description="one store's kiosks")] = "",
    region: Annotated[str, Query(max_length=64, description="one region's kiosks")] = "",
    problem: Annotated[str, Query(max_length=40, description="kiosks with this problem")] = "",
    page: Annotated[str, Query(max_length=20, description="a page, problems first")] = "",
    per_page: Annotated[str, Query(max_length=20, description=f"1–{MOST_PER_PAGE}")] = "",
) -> list[DeviceOut]:
    """The kiosks of the stores the reader may see, with their state; of one ``store``,
    ``region`` or ``problem`` if given. With ``page`` (and ``per_page``, default 50) a page
    of them, the kiosks with a problem first, as on the fleet page, with ``X-Total-Count``;
    without, every one, by store name and id (as before)."""
    try:
        scope, _, _ = choose_scope(session, reader, store, region, problem)
        number = page_number(page) if page else None
        size = PER_PAGE
        if per_page:
            if not per_page.isdigit() or not 1 <= int(per_page) <= MOST_PER_PAGE:
                why = f"per_page: {per_page[:20]!r} is not a whole number 1–{MOST_PER_PAGE}"
                raise BadParameter("per_page", why)
            size = int(per_page)
        if number is None and not problem:
            chosen = scope.stores if scope.stores is not None else reader.stores
            return [_out(d) for d in fleet(session, now, only=chosen)]
        view = fleet_page(session, now, scope, problem, number or 1, size if number else 10**9)
    except BadParameter as e:
        raise ApiError(400, f"bad_{e.field}", str(e.text.format(**e.values))) from None
    if number is not None and number > view.pages:
        why = f"page: there is no page {number}; there are {view.pages}"
        raise ApiError(400, "bad_page", why)
    response.headers["X-Total-Count"] = str(view.total_shown)
    problems = {row.device_id: list(row.problems) for row in view.rows}
    found = fleet(session, now, ids=[row.device_id for row in view.rows])
    return [_out(d).model_copy(update={"problems": problems[d.device.id]}) for d in found]


@router.post("/devices", response_model=NewToken, status_code=201, responses=ANSWERS)
def add_device(body: NewDevice, session: DB, reader: Reader, now: Now, lock: WriteLock):
    """Add a kiosk to a store; its token is in this answer only."""
    try:
        with lock:
            token = chain_kiosks.add_kiosk(session, reader, body.store, body.id, now)
    except ChainError as e:
        raise refusal(session, e) from None
    return NewToken(id=body.id, token=token)


def _one(session: DB, now: Now, device_id: str) -> DeviceOut:
    device = session.get(Device, device_id)
    return _out(next(d for d in fleet(session, now, device.store_id) if d.device.id == device_id))


@router.patch("/devices/{device_id}", response_model=DeviceOut, responses=ANSWERS)
def change_device(
    device_id: str, body: DeviceChange, session: DB, reader: Reader, now: Now, lock: WriteLock
):
    """Rename the kiosk or move it to another store."""
    try:
        with lock:
            chain_kiosks.kiosk_to_change(session, reader, device_id)  # before any change
            if body.name is not None:
                chain_kiosks.rename_kiosk(session, reader, device_id, body.name, now, commit=False)
            if body.store is not None:
                chain_kiosks.move_kiosk(session, reader, device_id, body.store, now)
            session.commit()
    except ChainError as e:
        raise refusal(session, e) from None
    return _one(session, now, device_id)


@router.post("/devices/{device_id}/retire", response_model=DeviceOut, responses=ANSWERS)
def retire_device(device_id: str, session: DB, reader: Reader, now: Now, lock: WriteLock):
    """Retire the kiosk: kept with its ratings; its token is refused from now on."""
    try:
        with lock:
            chain_kiosks.retire_kiosk(session, reader, device_id, now)
    except ChainError as e:
        raise refusal(session, e) from None
    return _one(session, now, device_id)


@router.post("/devices/{device_id}/token", response_model=NewToken, responses=ANSWERS)
def device_token(device_id: str, session: DB, reader: Reader, now: Now, lock: WriteLock):
    """A new token for the kiosk, in this answer only; the old one stops working."""
    try:
        with lock:
            token = chain_kiosks.new_kiosk_token(session, reader, device_id, now)
    except ChainError as e:
        raise refusal(session, e) from None
    return NewToken(id=device_id, token=token)
