"""``GET /api/v1/config``: the device's survey settings, with an ETag."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from hq.api import errors
from hq.fleet.chain.kiosks import was_moved
from hq.fleet.survey.resolve import survey_now
from hq.ingest.device_calls import Caller, device_call, still_valid
from hq.tables.models import Device, Store
from hq.web.deps import Bearer, device_bearer


class DeviceConfig(BaseModel):
    """The survey settings a device should use: ``version`` 0 and empty tables if HQ has none."""

    version: int
    # The store the kiosk is in at HQ now, for a kiosk moved at HQ; left out for one never
    # moved (its settings file names its store), so its answer and ETag stay as they were.
    store_id: str = Field(
        "", description="a kiosk moved at HQ: the store it is in now; its new ratings name it"
    )
    timezone: str = Field(
        "", description="a kiosk moved at HQ: its new store's time zone (IANA), for its days"
    )
    survey: dict
    hours: dict
    staff: dict = {}  # {"pin_hash": …} when HQ has a staff PIN for the device (hq.fleet.staff_pins)
    # The store's line under the thank-you, per language (hq.actions.log); only languages with
    # one, and left out of the answer when there is none, so its ETag stays as it was.
    message: dict[str, str] = Field(
        default_factory=dict,
        description="the store's kiosk message by language (fi, sv, en), one line each",
    )


router = APIRouter(prefix="/api/v1", tags=["devices"])


@router.get(
    "/config",
    response_model=DeviceConfig,
    responses={**errors(401, 429, 503), 304: {"description": "unchanged since the ETag sent"}},
)
async def get_config(
    request: Request,
    credentials: Annotated[Bearer, Depends(device_bearer)],
    if_none_match: str | None = Header(None, max_length=200),
):
    """The survey settings the device should use today: a campaign running on it, else
    its own, else its store's, as published to its part of the chain now (a store or
    kiosk that came into it after the publish gets it here); for a kiosk moved at HQ,
    the store it is in now (``store_id``), which it stamps its new ratings with."""

    def work(session: Session, device: Caller) -> dict:
        still_valid(session, device)
        # its store now, not the token cache's: a kiosk moved a minute ago learns it here
        store_id = session.scalar(select(Device.store_id).where(Device.id == device.id))
        device = replace(device, store_id=store_id or device.store_id)
        now = request.app.state.clock()  # a campaign runs on the store's local days
        body = DeviceConfig.model_validate(survey_now(session, device, now)).model_dump()
        if not body["message"]:
            del body["message"]  # an older kiosk's answer, byte for byte
        if was_moved(session, device.id):
            body["store_id"] = device.store_id
            body["timezone"] = session.scalar(
                select(Store.timezone).where(Store.id == device.store_id)
            )
        else:
            del body["store_id"], body["timezone"]
        return body

    body = await device_call(request, credentials and credentials.credentials, work)
    etag = '"' + hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:32] + '"'
    if if_none_match and etag in [t.strip() for t in if_none_match.split(",")]:
        return Response(status_code=304, headers={"ETag": etag})
    return JSONResponse(body, headers={"ETag": etag})
