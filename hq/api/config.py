"""``GET /api/v1/config``: the device's survey settings, with an ETag."""

from __future__ import annotations

import hashlib
import json

from fastapi import APIRouter, Header, Response
from pydantic import BaseModel

from hq.api import errors
from hq.deps import DB, CurrentDevice
from hq.surveys import survey_for


class DeviceConfig(BaseModel):
    """The survey settings a device should use: ``version`` 0 and empty tables if HQ has none."""

    version: int
    survey: dict
    hours: dict
    staff: dict = {}  # {"pin_hash": …} when HQ has a staff PIN for the device (hq.staff_pins)


router = APIRouter(prefix="/api/v1", tags=["devices"])


@router.get(
    "/config",
    response_model=DeviceConfig,
    responses={**errors(401, 429), 304: {"description": "unchanged since the ETag sent"}},
)
def get_config(
    device: CurrentDevice,
    session: DB,
    response: Response,
    if_none_match: str | None = Header(None, max_length=200),
):
    """The newest survey settings for the device (its own, else its store's)."""
    body = survey_for(session, device)
    etag = '"' + hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:32] + '"'
    if if_none_match and etag in [t.strip() for t in if_none_match.split(",")]:
        return Response(status_code=304, headers={"ETag": etag})
    response.headers["ETag"] = etag
    return body
