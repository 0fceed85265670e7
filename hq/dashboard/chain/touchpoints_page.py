"""A store's touchpoints on its page (``/chain/stores/{id}#touchpoints``, issue 32): its
kiosks and web links, each with its channel and journey stage, a form to set the stage,
a form to add a web link (a QR code or receipt link, ``/r/<code>``) and a button to retire
one. The changes are :mod:`hq.fleet.touchpoints`'."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from hq.dashboard.chain.forms import change
from hq.dashboard.pages import Reader
from hq.fleet import touchpoints
from hq.tables.models import Device
from hq.web.deps import DB, Now, WriteLock

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form(max_length=200)]
Short = Annotated[str, Form(max_length=64)]
Csrf = Annotated[str, Form(max_length=100)]


def link_of(request: Request, device: Device) -> str:
    """The web link's full address as this HQ is reached (``https://hq…/r/<code>``)."""
    return str(request.base_url).rstrip("/") + f"/r/{device.code}"


def _back(db: Session, device_id: str) -> str:
    device = db.get(Device, device_id)
    return f"/chain/stores/{device.store_id}#touchpoints" if device else "/chain/stores"


@router.post("/chain/stores/{store_id}/touchpoints", response_class=HTMLResponse)
def add_link(
    store_id: str, request: Request, db: DB, now: Now, lock: WriteLock, csrf: Csrf = "",
    name: Text = "", stage: Short = "",
):  # fmt: skip
    def work(user: Reader) -> str:
        touchpoints.add_web_link(db, user.access, store_id, name, stage, now)
        return f"/chain/stores/{store_id}#touchpoints"

    return change(request, db, now, lock, csrf, work)


@router.post("/chain/devices/{device_id}/stage", response_class=HTMLResponse)
def device_stage(
    device_id: str, request: Request, db: DB, now: Now, lock: WriteLock, csrf: Csrf = "",
    stage: Short = "",
):  # fmt: skip
    def work(user: Reader) -> str:
        touchpoints.set_stage(db, user.access, device_id, stage, now)
        return _back(db, device_id)

    return change(request, db, now, lock, csrf, work)


@router.post("/chain/devices/{device_id}/retire-link", response_class=HTMLResponse)
def link_retire(
    device_id: str, request: Request, db: DB, now: Now, lock: WriteLock, csrf: Csrf = ""
):
    def work(user: Reader) -> str:
        touchpoints.retire_web_link(db, user.access, device_id, now)
        return _back(db, device_id)

    return change(request, db, now, lock, csrf, work)
