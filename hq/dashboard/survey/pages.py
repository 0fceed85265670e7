"""``/surveys``: the survey editor, for an admin (anywhere) or a manager (their stores).

``GET /surveys`` shows the form (``?store=ID``: that store's standing survey; else the
newest one published that the reader sees; else the kiosk's defaults), the preview of
the kiosk's screens at 800×480 and in portrait, what was published and the campaigns.
One form, three buttons: *Preview* (``POST /surveys/preview``, changes nothing),
*Publish* (``POST /surveys``) and *Schedule* (``POST /surveys/schedules``, with the
campaign's days); ``POST /surveys/schedules/{id}/cancel`` stops a campaign. Every post
carries the form's CSRF token; a wrong value is a 400 page naming the field with the form
as it was sent, and nothing is changed. ``GET /surveys/pictograms/{name}.png`` serves the
kiosk's own pictogram files for the preview.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.formparsers import MultiPartException

from hq.core.errors import ActionError
from hq.core.language import N_
from hq.dashboard.pages import EXPIRED, Reader, _check_csrf, _page, _to_login, logged_in, speaks
from hq.dashboard.survey.form import MAX_ALTERNATES, MAX_REASONS, draft_data, screens
from hq.fleet.survey.campaigns import campaigns, cancel_campaign, read_day, schedule_campaign
from hq.fleet.survey.draft import SCALES, SurveyDraft, draft_of, read_draft, survey_table
from hq.fleet.survey.publish import publications, publish_survey, standing_survey
from hq.fleet.survey.scopes import GROUP, NotYours, may_publish
from hq.tables.models import DeviceGroup, Region, Store
from hq.web.deps import DB, Now, WriteLock
from kiosk.settings.pictograms import PICTOGRAMS, pictogram_file
from kiosk.settings.survey import LANGUAGES

router = APIRouter(include_in_schema=False)
EDITORS_ONLY = N_("Only an admin, or a manager for their own stores, edits the survey.")
NOT_YOURS = N_("You may change the survey of your own stores only; nothing was changed.")
LONGEST_FIELD = 400  # characters of one form field: far more than any text the kiosk takes


async def _form(request: Request) -> FormData | None:
    try:
        form = await request.form(max_files=0, max_fields=80, max_part_size=4096)
    except (MultiPartException, ValueError, KeyError):
        return None
    if any(not isinstance(v, str) or len(v) > LONGEST_FIELD for v in form.values()):
        return None
    return form


def _scopes(db: DB, user: Reader) -> list[tuple[str, str]]:
    """The (scope, name) the reader may publish to, chain first."""
    found: list[tuple[str, str]] = []
    if may_publish(db, user.access, ""):
        found.append(("", "chain"))
    for r in db.scalars(select(Region).order_by(Region.name, Region.id)):
        if may_publish(db, user.access, f"region:{r.id}"):
            found.append((f"region:{r.id}", r.name))
    for s in db.scalars(select(Store).order_by(Store.name, Store.id)):
        if user.access.acts_on(s.id):
            found.append((f"store:{s.id}", s.name))
    for name in db.scalars(select(DeviceGroup.name).distinct().order_by(DeviceGroup.name)):
        if may_publish(db, user.access, GROUP + name):
            found.append((GROUP + name, name))
    return found


def _start(db: DB, user: Reader, store_id: str | None) -> dict[str, Any]:
    """The form's values the editor starts from."""
    if store_id and user.access.acts_on(store_id):
        return draft_of(standing_survey(db, store_id)).model_dump()
    newest = publications(db, user.access, limit=1)
    return draft_of(newest[0].survey if newest else {}).model_dump()


def _show(request: Request, db: DB, user: Reader, values: dict[str, Any], status: int = 200,
          **extra: Any) -> HTMLResponse:  # fmt: skip
    try:
        draft: SurveyDraft | None = read_draft(values)
    except ActionError:
        draft = None
    reasons = list(values.get("reasons") or [])[:MAX_REASONS]
    reasons += [{"key": "", "label": {}, "pictogram": None}] * (MAX_REASONS - len(reasons))
    alternates = list(values.get("alternates") or [])[:MAX_ALTERNATES]
    alternates += [{"question_id": "", "question": {}}] * (MAX_ALTERNATES - len(alternates))
    return _page(
        request, "survey/editor.html", user, status,
        v={**values, "reasons": reasons, "alternates": alternates}, scales=SCALES,
        pictograms=PICTOGRAMS, langs=LANGUAGES, scopes=_scopes(db, user),
        previews=[screens(draft, lang) for lang in LANGUAGES] if draft else [],
        published=publications(db, user.access, limit=20),
        campaigns=campaigns(db, user.access, limit=20),
        **{"scope": "", "starts_on": "", "ends_on": "", "field": None, "why": None, **extra},
    )  # fmt: skip


def _editor(request: Request, db: DB, now: Now, lock: WriteLock) -> Reader | Response:
    if not (user := logged_in(request, db, now, lock)):
        return _to_login()
    if user.access.role not in ("admin", "manager"):
        why = speaks(request, user).gettext(EDITORS_ONLY)
        return _page(request, "problem.html", user, 403, why=why, store=None)
    return user


@router.get("/surveys", response_class=HTMLResponse)
def editor_page(request: Request, db: DB, now: Now, lock: WriteLock, store: str | None = None):
    user = _editor(request, db, now, lock)
    if not isinstance(user, Reader):
        return user
    return _show(request, db, user, _start(db, user, store))


@router.get("/surveys/pictograms/{name}")
def pictogram(name: str):
    """A pictogram file the kiosk ships (``queue.png``), for the preview."""
    stem = name.removesuffix(".png")
    if stem not in PICTOGRAMS or not name.endswith(".png"):
        return Response(status_code=404)
    return FileResponse(pictogram_file(stem), media_type="image/png",
                        headers={"Cache-Control": "max-age=86400"})  # fmt: skip


async def _posted(request: Request, db: DB, now: Now, lock: WriteLock, change) -> Response:
    """Run *change(user, form, values)* for an editor with a good CSRF token: back to the
    editor after; the form again, 400 and naming the field, when it is refused. The form
    is read here; the rest runs in the thread pool (it waits on the database)."""
    form = await _form(request)
    return await run_in_threadpool(_handle, request, db, now, lock, form, change)


def _handle(request: Request, db: DB, now: Now, lock: WriteLock, form: FormData | None,
            change) -> Response:  # fmt: skip
    user = _editor(request, db, now, lock)
    if not isinstance(user, Reader):
        return user
    words = speaks(request, user)
    if form is None:
        return _page(request, "problem.html", user, 400, why="form: too many or too long fields",
                     store=None)  # fmt: skip
    if not _check_csrf(request, str(form.get("csrf", ""))):
        return _page(request, "problem.html", user, 403, why=words.gettext(EXPIRED), store=None)
    values = draft_data(form)
    sent = {k: str(form.get(k, "")) for k in ("scope", "starts_on", "ends_on")}
    try:
        done = change(user, form, values)
    except ActionError as e:
        db.rollback()
        why = words.gettext(e.text).format(**e.values)
        return _show(request, db, user, values, 400, field=e.field, why=why, **sent)
    except NotYours:
        db.rollback()
        return _page(request, "problem.html", user, 403, why=words.gettext(NOT_YOURS), store=None)
    if isinstance(done, Response):
        return done
    return RedirectResponse(f"/surveys?{done}", status_code=303)


@router.post("/surveys/preview", response_class=HTMLResponse)
async def preview(request: Request, db: DB, now: Now, lock: WriteLock):
    def show(user: Reader, form: FormData, values: dict) -> Response:
        survey_table(read_draft(values))  # a preview also says what the kiosk would refuse
        sent = {k: str(form.get(k, "")) for k in ("scope", "starts_on", "ends_on")}
        return _show(request, db, user, values, **sent)

    return await _posted(request, db, now, lock, show)


@router.post("/surveys", response_class=HTMLResponse)
async def publish(request: Request, db: DB, now: Now, lock: WriteLock):
    def change(user: Reader, form: FormData, values: dict) -> str:
        draft = read_draft(values)
        with lock:
            done = publish_survey(db, user.access, str(form.get("scope", "")), draft, now)
        return f"published={done.id}"

    return await _posted(request, db, now, lock, change)


@router.post("/surveys/schedules", response_class=HTMLResponse)
async def schedule(request: Request, db: DB, now: Now, lock: WriteLock):
    def change(user: Reader, form: FormData, values: dict) -> str:
        draft = read_draft(values)
        first = read_day(form.get("starts_on", ""), "starts_on")
        last = read_day(form.get("ends_on", ""), "ends_on")
        scope = str(form.get("scope", ""))
        with lock:
            done = schedule_campaign(db, user.access, scope, draft, first, last, now)
        return f"scheduled={done.id}"

    return await _posted(request, db, now, lock, change)


@router.post("/surveys/schedules/{campaign_id}/cancel", response_class=HTMLResponse)
async def cancel(campaign_id: str, request: Request, db: DB, now: Now, lock: WriteLock):
    def change(user: Reader, form: FormData, values: dict) -> str:
        number = int(campaign_id) if campaign_id.isascii() and campaign_id.isdigit() else 0
        if not 0 < number < 2**31:
            raise ActionError(
                "campaign", N_("{where}: there is no such campaign"), where="campaign"
            )
        with lock:
            cancel_campaign(db, user.access, number, now)
        return f"cancelled={number}"

    return await _posted(request, db, now, lock, change)
