"""``GET/POST /api/v1/surveys`` (publish a survey to the chain, a region, a store or a
group of kiosks) and ``GET/POST /api/v1/surveys/schedules`` (campaigns), with
``POST /api/v1/surveys/schedules/{id}/cancel``.

Reading and writing both need an admin, or a manager within their own stores: an API
token with that role (``hymio hq add-token --role``) as Bearer, or a dashboard login for
the reads (the dashboard's own forms, with their CSRF token, are the way to change things
from a browser). A body is read here, not by FastAPI, so that a wrong field is a 400 that
names it (``question.sv: …``); nothing is changed on any refusal.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from hq.api import errors
from hq.core.errors import ActionError, ApiError
from hq.fleet.survey.campaigns import (
    campaigns,
    cancel_campaign,
    read_day,
    schedule_campaign,
    targets,
)
from hq.fleet.survey.draft import SurveyDraft, read_draft
from hq.fleet.survey.publish import publications, publish_survey
from hq.fleet.survey.scopes import NotYours
from hq.people.access import Access
from hq.tables.surveys import SurveyCampaign, SurveyPublication
from hq.web.deps import DB, Bearer, Now, Reader, WriteLock, reader_bearer

router = APIRouter(prefix="/api/v1", tags=["surveys"])
MAX_BODY = 64 * 1024


class Publish(BaseModel):
    """``POST /api/v1/surveys``: where to publish, and the survey."""

    scope: str = Field("", description='"" (the chain), "region:ID", "store:ID" or "group:NAME"')
    survey: SurveyDraft


class Schedule(Publish):
    """``POST /api/v1/surveys/schedules``: a campaign on a scope, both days included."""

    starts_on: str = Field(description="first local day, YYYY-MM-DD")
    ends_on: str = Field(description="last local day, YYYY-MM-DD")


class Version(BaseModel):
    store: str
    device: str = Field(description='"" for the whole store')
    version: int


class Publication(BaseModel):
    """One publish: the kiosk's ``[survey]`` table it kept, and each version given."""

    id: int
    scope: str
    survey: dict[str, Any]
    versions: list[Version]
    created_at: str
    created_by: str


class Campaign(BaseModel):
    """A campaign, with the version it has on each store or kiosk it runs on."""

    id: int
    scope: str
    survey: dict[str, Any]
    starts_on: str
    ends_on: str
    versions: list[Version]
    created_at: str
    created_by: str
    cancelled_at: str | None


class Publications(BaseModel):
    publications: list[Publication]


class Campaigns(BaseModel):
    campaigns: list[Campaign]


def _body(model: type[BaseModel]) -> dict:
    ref = {"$ref": f"#/components/schemas/{model.__name__}"}
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": ref}}}}


def editor(reader: Reader) -> Access:
    """The reader, if it may edit surveys somewhere: an admin or a manager (403 else)."""
    if reader.role not in ("admin", "manager"):
        raise ApiError(403, "not_allowed", "only an admin or a manager changes surveys")
    return reader


def token_editor(
    access: Annotated[Access, Depends(editor)],
    credentials: Annotated[Bearer, Depends(reader_bearer)],
) -> Access:
    """The editor, if it came with an API token (a change from a browser is a form)."""
    if credentials is None:
        raise ApiError(401, "token_required", "send an admin or manager API token as Bearer")
    return access


Editor = Annotated[Access, Depends(editor)]
TokenEditor = Annotated[Access, Depends(token_editor)]


async def _json(request: Request) -> dict:
    raw = await request.body()
    if len(raw) > MAX_BODY:
        raise ApiError(413, "too_large", f"send at most {MAX_BODY} bytes")
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "bad_json", "the body is not valid JSON") from None
    if not isinstance(body, dict):
        raise ApiError(400, "invalid", "body: send a JSON object")
    return body


def _refused(e: Exception) -> ApiError:
    if isinstance(e, NotYours):
        return ApiError(403, "not_allowed", str(e))
    return ApiError(400, "invalid", str(e))


def _fields(body: dict, allowed: tuple[str, ...]) -> None:
    extra = sorted(set(body) - set(allowed))
    if extra:
        raise ActionError(extra[0], "{where}: is not a field here", where=extra[0])
    if not isinstance(body.get("scope", ""), str):
        raise ActionError("scope", "{where}: give a scope as text", where="scope")


def _publication(p: SurveyPublication) -> Publication:
    return Publication(
        id=p.id, scope=p.scope, survey=p.survey, versions=p.versions,
        created_at=p.created_at, created_by=p.created_by,
    )  # fmt: skip


def _campaign(session: DB, c: SurveyCampaign) -> Campaign:
    versions = [Version(store=s, device=d, version=v) for s, d, v in targets(session, c)]
    return Campaign(
        id=c.id, scope=c.scope, survey=c.survey, starts_on=c.starts_on, ends_on=c.ends_on,
        versions=versions, created_at=c.created_at, created_by=c.created_by,
        cancelled_at=c.cancelled_at,
    )  # fmt: skip


@router.get("/surveys", response_model=Publications, responses=errors(401, 403))
def list_surveys(session: DB, access: Editor) -> Publications:
    """The newest publications within the reader's part of the chain."""
    return Publications(publications=[_publication(p) for p in publications(session, access)])


@router.post(
    "/surveys", status_code=201, response_model=Publication,
    responses=errors(400, 401, 403, 413), openapi_extra=_body(Publish),
)  # fmt: skip
async def post_survey(
    request: Request, session: DB, now: Now, lock: WriteLock, access: TokenEditor
) -> JSONResponse:
    """Publish a survey: each store (a group: each kiosk) reached keeps it as its standing
    survey under its next version; a 400 names a wrong field and changes nothing."""
    body = await _json(request)
    try:
        _fields(body, ("scope", "survey"))
        draft = read_draft(body.get("survey"))
        with lock:
            published = publish_survey(session, access, body.get("scope", ""), draft, now)
    except (ActionError, NotYours) as e:
        raise _refused(e) from None
    return JSONResponse(_publication(published).model_dump(), status_code=201)


@router.get("/surveys/schedules", response_model=Campaigns, responses=errors(401, 403))
def list_schedules(session: DB, access: Editor) -> Campaigns:
    """The newest campaigns within the reader's part of the chain, cancelled ones too."""
    return Campaigns(campaigns=[_campaign(session, c) for c in campaigns(session, access)])


@router.post(
    "/surveys/schedules", status_code=201, response_model=Campaign,
    responses=errors(400, 401, 403, 413), openapi_extra=_body(Schedule),
)  # fmt: skip
async def post_schedule(
    request: Request, session: DB, now: Now, lock: WriteLock, access: TokenEditor
) -> JSONResponse:
    """Schedule a campaign: *survey* on *scope* from ``starts_on`` to ``ends_on`` (local
    days of each store), then the standing survey again."""
    body = await _json(request)
    try:
        _fields(body, ("scope", "survey", "starts_on", "ends_on"))
        draft = read_draft(body.get("survey"))
        first, last = (
            read_day(body.get("starts_on"), "starts_on"),
            read_day(body.get("ends_on"), "ends_on"),
        )
        with lock:
            made = schedule_campaign(
                session, access, body.get("scope", ""), draft, first, last, now
            )
    except (ActionError, NotYours) as e:
        raise _refused(e) from None
    return JSONResponse(_campaign(session, made).model_dump(), status_code=201)


@router.post(
    "/surveys/schedules/{campaign_id}/cancel", response_model=Campaign,
    responses=errors(400, 401, 403, 404),
)  # fmt: skip
def cancel_schedule(
    campaign_id: str, session: DB, now: Now, lock: WriteLock, access: TokenEditor
) -> Campaign:
    """Stop a campaign now: its stores go back to their standing survey."""
    number = int(campaign_id) if campaign_id.isascii() and campaign_id.isdigit() else 0
    if not 0 < number < 2**31:
        raise ApiError(404, "unknown_campaign", "no such campaign")
    try:
        with lock:
            cancel_campaign(session, access, number, now)
    except ActionError:
        raise ApiError(404, "unknown_campaign", f"no campaign {number}") from None
    except NotYours as e:
        raise _refused(e) from None
    return _campaign(session, session.get(SurveyCampaign, number))
