"""The touchpoints' admin API (issue 32): a store's kiosks and web links with their
channel and journey stage (``GET /api/v1/stores/{id}/touchpoints``), a new web link
(``POST`` there), a touchpoint's stage (``PATCH /api/v1/touchpoints/{id}``) and a web
link retired (``POST /api/v1/touchpoints/{id}/retire``). The twins of the store page's
forms, through the same functions (:mod:`hq.fleet.touchpoints`); who may is decided there,
by :mod:`hq.people.access`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from hq.api import errors
from hq.api.chain.guard import refusal
from hq.core.errors import ApiError
from hq.fleet import touchpoints
from hq.fleet.chain.errors import ChainError
from hq.tables.models import Device, Store
from hq.web.deps import DB, Now, Reader, WriteLock

router = APIRouter(prefix="/api/v1", tags=["chain"])
ANSWERS = errors(400, 401, 403, 404, 409, 422)
Stage = Annotated[str, Field(max_length=32, description="a journey stage key, '' for none")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class TouchpointOut(BaseModel):
    """A kiosk or web link of a store."""

    id: str
    store: str
    kind: str = Field(description="kiosk or web")
    name: str
    stage: str
    code: str | None = Field(description="a web link's code; its page is /r/<code>")
    link: str | None = Field(description="a web link's full address")
    retired_at: str | None


class NewLink(Strict):
    """A web link to add to the store."""

    name: Annotated[str, Field(max_length=200)] = ""
    stage: Stage = ""


class StageChange(Strict):
    """The journey stage to give a touchpoint."""

    stage: Stage


def _out(request: Request, d: Device) -> TouchpointOut:
    link = str(request.base_url).rstrip("/") + f"/r/{d.code}" if d.code else None
    return TouchpointOut(
        id=d.id, store=d.store_id, kind=d.kind, name=d.name, stage=d.stage, code=d.code,
        link=link, retired_at=d.retired_at,
    )  # fmt: skip


@router.get(
    "/stores/{store_id}/touchpoints",
    response_model=list[TouchpointOut],
    responses=errors(401, 404),
)
def list_touchpoints(store_id: str, request: Request, session: DB, reader: Reader):
    """The store's kiosks, then its web links, each with its channel and stage."""
    if session.get(Store, store_id) is None or not reader.sees(store_id):
        raise ApiError(404, "not_found", f"store: there is no store {store_id!r}")
    return [_out(request, d) for d in touchpoints.touchpoints_of(session, reader, store_id)]


@router.post(
    "/stores/{store_id}/touchpoints",
    response_model=TouchpointOut,
    status_code=201,
    responses=ANSWERS,
)
def add_touchpoint(
    store_id: str, body: NewLink, request: Request, session: DB, reader: Reader, now: Now,
    lock: WriteLock,
):  # fmt: skip
    """Add a web link to the store; its page is ``link``."""
    try:
        with lock:
            device = touchpoints.add_web_link(session, reader, store_id, body.name, body.stage,
                                              now)  # fmt: skip
    except ChainError as e:
        raise refusal(session, e) from None
    return _out(request, device)


@router.patch("/touchpoints/{device_id}", response_model=TouchpointOut, responses=ANSWERS)
def change_touchpoint(
    device_id: str, body: StageChange, request: Request, session: DB, reader: Reader,
    now: Now, lock: WriteLock,
):  # fmt: skip
    """Set the journey stage of a kiosk or web link ('' unsets it)."""
    try:
        with lock:
            touchpoints.set_stage(session, reader, device_id, body.stage, now)
    except ChainError as e:
        raise refusal(session, e) from None
    return _out(request, session.get(Device, device_id))


@router.post("/touchpoints/{device_id}/retire", response_model=TouchpointOut, responses=ANSWERS)
def retire_touchpoint(
    device_id: str, request: Request, session: DB, reader: Reader, now: Now, lock: WriteLock
):
    """Retire a web link: kept with its answers; its page says it is gone."""
    try:
        with lock:
            touchpoints.retire_web_link(session, reader, device_id, now)
    except ChainError as e:
        raise refusal(session, e) from None
    return _out(request, session.get(Device, device_id))
