"""The ``/reports`` page: scheduled reports, who gets them, and a form to add one.

``GET /reports`` lists every subscription (its scope, period, language, recipients, the
last period sent and the next one, the last problem); ``POST /reports`` adds one,
``POST /reports/{id}/remove`` removes one. Logged in, with the form's CSRF token; bad
input is a 400 page naming the field, the form filled in as it was, nothing changed.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from hq.core.language import N_, NAMES
from hq.dashboard.pages import EXPIRED, Reader, _check_csrf, _page, _to_login, logged_in, speaks
from hq.insight.scheduled.periods import report_period
from hq.insight.scheduled.subscriptions import (
    ReportError,
    add_subscription,
    blocked,
    next_period,
    remove_subscription,
    subscriptions,
)
from hq.people.access import CHAIN, Scope, read_stored
from hq.tables.models import Region, Store
from hq.tables.reports import ReportSubscription
from hq.web.deps import DB, Now, WriteLock

router = APIRouter(include_in_schema=False)
KIND_NAMES = {"daily": N_("daily"), "weekly": N_("weekly"), "monthly": N_("monthly")}
FIELDS = {  # the form's names of the fields a ReportError names
    "scope": N_("Store or region"),
    "period": N_("How often"),
    "language": N_("Language"),
    "recipients": N_("Recipients"),
    "id": N_("Report"),
}
SPLIT = re.compile(r"[\s,;]+")


def _may_see(user: Reader, row: ReportSubscription) -> bool:
    """Whether *user* may see (and remove) the subscription *row*: every store of its
    scope is theirs; one whose scope names nothing any more is an admin's to remove."""
    scope = read_stored(user.access.tree, row.scope)
    if scope is None or scope == CHAIN:
        return user.access.is_admin
    return user.access.covers(scope)


def _scopes(db: Session, user: Reader) -> list[tuple[str, str, str]]:
    """The scopes the form offers *user*: (scope, kind, name), regions first."""
    access = user.access
    regions = db.scalars(select(Region).order_by(Region.name)).all()
    stores = access.visible(db.scalars(select(Store).order_by(Store.name)))
    return [(f"region:{r.id}", "region", r.name) for r in regions
            if access.covers(Scope("region", r.id))] + [
        (f"store:{s.id}", "store", s.name) for s in stores
    ]  # fmt: skip


def _listing(
    request: Request, db: Session, user: Reader, status: int = 200, error=None, field=None, **form
):
    """The page: every subscription, and the form (filled in with *form*); *error* says
    what is wrong with *field*."""
    rows = [r for r in subscriptions(db) if _may_see(user, r)]
    offered = _scopes(db, user)
    names = {scope: name for scope, _kind, name in offered}
    words = speaks(request, user)
    stopped = {r.id: _why(words, blocked(db, user.access.tree, r)) for r in rows}
    return _page(
        request, "reports.html", user, status, rows=rows, scopes=offered, names=names,
        kinds=KIND_NAMES, language_names=NAMES, upcoming={r.id: _upcoming(r) for r in rows},
        sent={r.id: _sent(r) for r in rows}, form={"period": "weekly", **form}, error=error,
        field=field, stopped=stopped,
    )  # fmt: skip


def _why(words, reason: tuple[str, dict] | None) -> str | None:
    """*reason* (from :func:`blocked`) in the page's language."""
    return None if reason is None else words.translate(reason[0], **reason[1])


def _upcoming(row: ReportSubscription):
    """The period *row* sends next."""
    try:
        return next_period(row)
    except ValueError:
        return None


def _sent(row: ReportSubscription):
    """The last period *row* sent, ``None`` before the first."""
    if not row.last_sent_at or not row.last_period:
        return None
    return report_period(row.period, date.fromisoformat(row.last_period))


@router.get("/reports", response_class=HTMLResponse)
def reports(request: Request, db: DB, now: Now, lock: WriteLock):
    if not (user := logged_in(request, db, now, lock)):
        return _to_login()
    return _listing(request, db, user)


@router.post("/reports", response_class=HTMLResponse)
def add_report(
    request: Request,
    db: DB,
    now: Now,
    lock: WriteLock,
    csrf: Annotated[str, Form(max_length=100)] = "",
    scope: Annotated[str, Form(max_length=200)] = "",
    period: Annotated[str, Form(max_length=20)] = "",
    language: Annotated[str, Form(max_length=20)] = "",
    recipients: Annotated[str, Form(max_length=20_000)] = "",
):
    """Add a subscription from the form; a 400 page naming the field if it cannot be."""
    if not (user := logged_in(request, db, now, lock)):
        return _to_login()
    words = speaks(request, user)
    form = {"scope": scope, "period": period, "language": language, "recipients": recipients}
    if not _check_csrf(request, csrf):
        return _listing(request, db, user, 403, error=words.gettext(EXPIRED), **form)
    try:
        with lock:
            add_subscription(db, scope, period, language, SPLIT.split(recipients), user.username,
                             now)  # fmt: skip
    except ReportError as e:
        db.rollback()
        return _listing(request, db, user, 400, error=_said(words, e), field=e.field, **form)
    return RedirectResponse("/reports", status_code=303)


@router.post("/reports/{subscription_id}/remove", response_class=HTMLResponse)
def remove_report(
    subscription_id: int,
    request: Request,
    db: DB,
    now: Now,
    lock: WriteLock,
    csrf: Annotated[str, Form(max_length=100)] = "",
):
    """Remove a subscription; nothing more is sent for it."""
    if not (user := logged_in(request, db, now, lock)):
        return _to_login()
    words = speaks(request, user)
    if not _check_csrf(request, csrf):
        return _listing(request, db, user, 403, error=words.gettext(EXPIRED))
    row = db.get(ReportSubscription, subscription_id)
    if row is None or not _may_see(user, row):  # another's: as if none
        e = ReportError("id", N_("there is no report subscription {id}"), id=subscription_id)
        return _listing(request, db, user, 404, error=_said(words, e), field=e.field)
    try:
        with lock:
            remove_subscription(db, subscription_id)
    except ReportError as e:
        db.rollback()
        return _listing(request, db, user, 404, error=_said(words, e), field=e.field)
    return RedirectResponse("/reports", status_code=303)


def _said(words, e: ReportError) -> str:
    """*e* in the page's language: the field's name on the form, then what is wrong."""
    return words.translate(
        "{field}: {problem}; nothing was changed.",
        field=words.gettext(FIELDS.get(e.field, e.field)),
        problem=words.translate(e.text, **e.values),
    )
