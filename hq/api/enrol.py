"""``POST /api/v1/enrol``: a kiosk registers itself with an enrol code and gets its token.

``/api/v1/enrolment-codes``: the dashboard's enrol codes page for scripts
(:mod:`hq.fleet.enrol_codes`): list (an admin's or manager's token or session), make and
revoke (an admin's or manager's API token only).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from hq.api import errors
from hq.core.client_address import address_key, client_host
from hq.core.errors import ApiError, InputError
from hq.fleet.enrol_codes import (
    CodeRow,
    UnknownCodeError,
    hq_address,
    list_codes,
    manages,
    new_code,
    qr_svg,
    revoke_code,
)
from hq.fleet.enrolment import MAX_DAYS, MAX_USES, enrol
from hq.people.access import Access
from hq.web.deps import DB, Now, Reader, WriteLock
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


class NewEnrolCode(BaseModel):
    """A code to make: for which store, how many kiosks, how many days."""

    model_config = ConfigDict(extra="forbid")
    store_id: str = Field(min_length=1, max_length=64)
    uses: int = Field(1, ge=1, le=MAX_USES, description="how many kiosks may enrol with it")
    days: float = Field(7.0, gt=0, le=MAX_DAYS, allow_inf_nan=False, description="days it holds")


class MadeEnrolCode(BaseModel):
    """A code just made: the code, its enrolment link and QR code are shown only now."""

    id: int
    code: str
    link: str = Field(description="what the QR code holds: hymio enroll LINK takes it")
    qr_svg: str = Field(description="the link's QR code, an SVG document")
    store_id: str
    uses: int
    expires_at: str = Field(description="when it stops holding (UTC)")


class EnrolCodeState(BaseModel):
    """A code as HQ keeps it (never the code itself)."""

    id: int
    store_id: str
    uses: int
    uses_left: int
    created_at: str
    expires_at: str
    made_by: str = Field(description="operator, user:NAME or token:NAME")
    revoked_at: str | None
    state: str = Field(description="active, used_up, expired or revoked")


class EnrolCodes(BaseModel):
    """The codes of the reader's stores, the newest first."""

    codes: list[EnrolCodeState]


def _manager(reader: Access, writes: bool) -> None:
    """403 unless *reader* manages enrol codes; a write needs an API token (a browser's
    session writes through the dashboard's forms, which carry a CSRF token)."""
    if not manages(reader):
        raise ApiError(
            403, "forbidden", "only an admin or a manager (user or token) manages enrol codes"
        )
    if writes and not reader.who.startswith("token:"):
        raise ApiError(403, "token_required", "send an admin or manager API token as Bearer")


def _state(row: CodeRow) -> EnrolCodeState:
    return EnrolCodeState(
        id=row.id, store_id=row.store_id, uses=row.uses, uses_left=row.uses_left,
        created_at=row.created_at, expires_at=row.expires_at, made_by=row.made_by,
        revoked_at=row.revoked_at, state=row.state,
    )  # fmt: skip


@router.get(
    "/enrolment-codes", response_model=EnrolCodes, tags=["fleet"], responses=errors(401, 403)
)
def get_enrol_codes(session: DB, now: Now, reader: Reader) -> EnrolCodes:
    """The enrol codes of the stores the reader manages: uses left, expiry, state."""
    _manager(reader, writes=False)
    return EnrolCodes(codes=[_state(r) for r in list_codes(session, reader, now)])


@router.post(
    "/enrolment-codes",
    status_code=201,
    response_model=MadeEnrolCode,
    tags=["fleet"],
    responses=errors(400, 401, 403, 413, 422),
)
def post_enrol_code(
    body: NewEnrolCode, request: Request, session: DB, now: Now, lock: WriteLock, reader: Reader
) -> MadeEnrolCode:
    """Make a code for a store the token manages (a store it does not is a 400, as one that
    does not exist); the code, link and QR code are in this answer only."""
    _manager(reader, writes=True)
    try:
        with lock:
            made = new_code(session, reader, body.store_id, body.uses, body.days, now)
    except InputError as e:
        session.rollback()
        raise ApiError(400, "bad_input", str(e)) from None
    link = made.link(hq_address(str(request.base_url)))
    return MadeEnrolCode(
        id=made.id, code=made.code, link=link, qr_svg=str(qr_svg(link)),
        store_id=made.store_id, uses=made.uses, expires_at=made.expires_at,
    )  # fmt: skip


@router.delete(
    "/enrolment-codes/{code_id}",
    response_model=EnrolCodeState,
    tags=["fleet"],
    responses=errors(401, 403, 404, 422),
)
def delete_enrol_code(
    code_id: int, session: DB, now: Now, lock: WriteLock, reader: Reader
) -> EnrolCodeState:
    """Revoke a code: it enrols no one from now on (the kiosks it enrolled stay)."""
    _manager(reader, writes=True)
    try:
        with lock:
            return _state(revoke_code(session, reader, code_id, now))
    except UnknownCodeError:
        session.rollback()
        raise ApiError(404, "unknown_code", f"no enrol code {code_id}") from None
