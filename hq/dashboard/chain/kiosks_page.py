"""A store's kiosks on its page (``/chain/stores/{id}``): each with its state from the
fleet's figures (last seen, silent, clock, version, what HQ lacks), and forms to rename
it, move it to another store, retire it and give it a new token (shown once, on the
page that answers). The changes are :mod:`hq.fleet.chain.kiosks`'."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from hq.dashboard.chain.forms import change
from hq.dashboard.pages import Reader, _page
from hq.fleet.chain import kiosks as chain_kiosks
from hq.insight.figures import DeviceHealth, fleet
from hq.tables.models import Device, Store
from hq.web.deps import DB, Now, WriteLock

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form(max_length=200)]
Csrf = Annotated[str, Form(max_length=100)]


def kiosks_of(db: Session, user: Reader, store: Store, now: datetime) -> list[DeviceHealth]:
    """The store's kiosks with their state, working ones first."""
    found = fleet(db, now, store.id)
    return sorted(found, key=lambda d: (d.device.retired_at is not None, d.device.id))


def _back(db: Session, device_id: str) -> str:
    device = db.get(Device, device_id)
    return f"/chain/stores/{device.store_id}#kiosks" if device else "/chain/stores"


@router.post("/chain/devices/{device_id}/name", response_class=HTMLResponse)
def kiosk_name(
    device_id: str, request: Request, db: DB, now: Now, lock: WriteLock, csrf: Csrf = "",
    name: Text = "",
):  # fmt: skip
    def work(user: Reader) -> str:
        chain_kiosks.rename_kiosk(db, user.access, device_id, name, now)
        return _back(db, device_id)

    return change(request, db, now, lock, csrf, work)


@router.post("/chain/devices/{device_id}/store", response_class=HTMLResponse)
def kiosk_store(
    device_id: str, request: Request, db: DB, now: Now, lock: WriteLock, csrf: Csrf = "",
    store: Annotated[str, Form(max_length=64)] = "",
):  # fmt: skip
    def work(user: Reader) -> str:
        chain_kiosks.move_kiosk(db, user.access, device_id, store, now)
        return _back(db, device_id)

    return change(request, db, now, lock, csrf, work)


@router.post("/chain/devices/{device_id}/retire", response_class=HTMLResponse)
def kiosk_retire(
    device_id: str, request: Request, db: DB, now: Now, lock: WriteLock, csrf: Csrf = ""
):
    def work(user: Reader) -> str:
        chain_kiosks.retire_kiosk(db, user.access, device_id, now)
        return _back(db, device_id)

    return change(request, db, now, lock, csrf, work)


@router.post("/chain/devices/{device_id}/token", response_class=HTMLResponse)
def kiosk_token(
    device_id: str, request: Request, db: DB, now: Now, lock: WriteLock, csrf: Csrf = ""
):
    def work(user: Reader):
        token = chain_kiosks.new_kiosk_token(db, user.access, device_id, now)
        device = db.get(Device, device_id)
        return _page(
            request, "chain_token.html", user, device=device, token=token,
            store=db.get(Store, device.store_id),
        )  # fmt: skip

    return change(request, db, now, lock, csrf, work)
