"""The store page's "you said, we did" forms (issue 19): record what the store did, and
publish or clear the line its kiosks show after the thank-you.

``POST /stores/{id}/actions`` (``day``, ``text``) and ``POST /stores/{id}/message``
(``language``, ``text``; an empty text clears it), each behind the login and the form's
CSRF token. Done, they answer 303 back to the store page; a bad value is a 400 page that
names the field, and nothing is changed (:mod:`hq.actions.log` checks before it writes).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from hq.actions.log import record_action, set_message
from hq.core.errors import ActionError
from hq.core.language import N_
from hq.dashboard.pages import (
    EXPIRED,
    Reader,
    _check_csrf,
    _page,
    _to_login,
    logged_in,
    speaks,
    store_for,
)
from hq.tables.models import Store
from hq.web.deps import DB, Now, WriteLock

router = APIRouter(include_in_schema=False)
# Longer than any text kept (hq.tables.actions), so that a text a little too long gets
# the page that names the field; far longer is FastAPI's 422.
FORM_TEXT = 4000
READS_ONLY = N_("You read this store's figures; a manager of the store or an admin acts on them.")


def _may_not(request: Request, user: Reader, store: Store):
    """A 403 page if *user* reads the store but may not act on it (an analyst)."""
    if user.access.acts_on(store.id):
        return None
    why = speaks(request, user).gettext(READS_ONLY)
    return _page(request, "problem.html", user, 403, why=why, store=store)


def _change(request: Request, db: DB, now: Now, lock: WriteLock, store_id: str, csrf: str,
            part: str, change) -> HTMLResponse | RedirectResponse:  # fmt: skip
    """Run *change* (given the store and the user) for one who may act on the store, with
    the form's CSRF token; back to the store page's *part* after."""
    if not (user := logged_in(request, db, now, lock)):
        return _to_login()
    if (store := store_for(db, user, store_id)) is None:
        return _page(request, "missing.html", user, 404, store_id=store_id)
    if refused := _may_not(request, user, store):
        return refused
    if not _check_csrf(request, csrf):
        return _expired(request, user, store)
    try:
        with lock:
            change(store, user)
    except ActionError as e:
        return _refused(request, user, store, e)
    return _back(store, part)


@router.post("/stores/{store_id}/actions", response_class=HTMLResponse)
def record(
    store_id: str,
    request: Request,
    db: DB,
    now: Now,
    lock: WriteLock,
    csrf: Annotated[str, Form(max_length=100)] = "",
    day: Annotated[str, Form(max_length=40)] = "",
    text: Annotated[str, Form(max_length=FORM_TEXT)] = "",
):
    """Record that the store did *text* on its local *day*."""

    def change(store: Store, user: Reader) -> None:
        record_action(db, store.id, day, text, user.username, now)

    return _change(request, db, now, lock, store_id, csrf, "actions", change)


@router.post("/stores/{store_id}/message", response_class=HTMLResponse)
def publish(
    store_id: str,
    request: Request,
    db: DB,
    now: Now,
    lock: WriteLock,
    csrf: Annotated[str, Form(max_length=100)] = "",
    language: Annotated[str, Form(max_length=40)] = "",
    text: Annotated[str, Form(max_length=FORM_TEXT)] = "",
):
    """Publish *text* as the store's kiosk message in *language*; an empty one clears it."""

    def change(store: Store, user: Reader) -> None:
        set_message(db, store.id, language, text, user.username, now)

    return _change(request, db, now, lock, store_id, csrf, "kiosk-message", change)


def _back(store: Store, part: str) -> RedirectResponse:
    # A store id is letters, digits, '.', '_' and '-' (hq.people.admin), safe in a path as it is.
    return RedirectResponse(f"/stores/{store.id}#{part}", status_code=303)


def _expired(request: Request, user: Reader, store: Store) -> HTMLResponse:
    why = speaks(request, user).gettext(EXPIRED)
    return _page(request, "problem.html", user, 403, why=why, store=store)


def _refused(request: Request, user: Reader, store: Store, e: ActionError) -> HTMLResponse:
    why = speaks(request, user).translate(e.text, **e.values)
    return _page(request, "problem.html", user, 400, why=why, store=store, field=e.field)
