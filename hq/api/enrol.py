"""``POST /api/v1/enrol``: a kiosk registers itself with an enrol code and gets its token."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from hq.api import errors
from hq.core.client_address import address_key, client_host
from hq.fleet.enrolment import enrol
from hq.web.deps import DB, Now, WriteLock
from kiosk.settings.model import ID_PATTERN

router = APIRouter(prefix="/api/v1", tags=["enrolment"])


class EnrolRequest(BaseModel):
    """The code from ``hymio hq enroll-code`` and the id the kiosk wants."""

    model_config = ConfigDict(extra="forbid")
    code: str = Field(min_length=1, max_length=64)
    device_id: str = Field(pattern=ID_PATTERN)


class EnrolAnswer(BaseModel):
    """The device as HQ now knows it, and its token (shown only now)."""

    device_id: str
    store_id: str
    token: str


@router.post(
    "/enrol",
    status_code=201,
    response_model=EnrolAnswer,
    responses=errors(400, 403, 409, 413, 422, 429),
)
def post_enrol(
    body: EnrolRequest, request: Request, session: DB, now: Now, lock: WriteLock
) -> EnrolAnswer:
    """Register the device in the code's store; a wrong, expired or used-up code (403), a
    taken id (409) or too many wrong codes from this address (429) change nothing."""
    address = address_key(client_host(request))
    done = enrol(session, lock, body.code, body.device_id, address, now)
    return EnrolAnswer(device_id=done.device_id, store_id=done.store_id, token=done.token)
