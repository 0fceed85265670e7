"""What the chain's forms share: who may send them (an admin or a manager), the CSRF
check, the write lock, and the answer to a refusal (:class:`hq.fleet.chain.errors.ChainError`):
the field and why in the reader's language, with its status; nothing changed."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from hq.core.language import N_
from hq.dashboard.pages import EXPIRED, Reader, _check_csrf, _page, _to_login, logged_in, speaks
from hq.fleet.chain.errors import ChainError
from hq.tables.models import Store
from hq.web.deps import DB, Now, WriteLock

MANAGERS_ONLY = N_("Only an admin or a manager may change stores and kiosks.")


def may_manage(user: Reader) -> bool:
    """Whether *user* may change any store at all (an admin, or a manager)."""
    return user.access.is_admin or user.access.role == "manager"


def refused(request: Request, user: Reader, e: ChainError, store: Store | None = None):
    """The page for a refused change: the field and why, in the reader's language."""
    words = speaks(request, user)
    why = f"{e.field}: " + words.translate(e.text, **e.values)
    return _page(request, "problem.html", user, e.status, why=why, field=e.field, store=store)


def forbidden(request: Request, user: Reader) -> HTMLResponse:
    why = speaks(request, user).gettext(MANAGERS_ONLY)
    return _page(request, "problem.html", user, 403, why=why, store=None)


def change(
    request: Request, db: DB, now: Now, lock: WriteLock, csrf: str,
    work: Callable[[Reader], str | Response],
):  # fmt: skip
    """Run *work* (given the reader; it returns where to go next) for a logged-in admin
    or manager with a good CSRF token."""
    if not (user := logged_in(request, db, now, lock)):
        return _to_login()
    if not may_manage(user):
        return forbidden(request, user)
    if not _check_csrf(request, csrf):
        why = speaks(request, user).gettext(EXPIRED)
        return _page(request, "problem.html", user, 403, why=why, store=None)
    try:
        with lock:
            target = work(user)
    except ChainError as e:
        db.rollback()
        return refused(request, user, e)
    if isinstance(target, Response):  # a page to show (a new token, shown once)
        return target
    return RedirectResponse(target, status_code=303)
