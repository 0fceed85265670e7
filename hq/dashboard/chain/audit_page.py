"""``/admin/audit``: who changed what and when (:mod:`hq.people.audit`), for admins only.

Filtered by kind, actor and days (UTC), 50 lines a page, newest first; its CSV link is
``/api/v1/audit.csv`` with the same filter (:mod:`hq.api.chain.audit`). A filter that
cannot be read is a 400 page naming the field.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from hq.core.language import N_
from hq.core.paging import pages_of
from hq.dashboard.pages import Reader, _page, _to_login, logged_in, speaks
from hq.people import audit
from hq.people.audit import AuditFilterError
from hq.web.deps import DB, Now, WriteLock

router = APIRouter(include_in_schema=False)
ADMINS_ONLY = N_("Only an admin may read the audit log.")
Param = Annotated[str, Query(max_length=80)]


def _admin(request: Request, db: DB, now: Now, lock: WriteLock):
    """The logged-in admin, or the answer for anyone else (the login, a 403 page)."""
    if not (user := logged_in(request, db, now, lock)):
        return None, _to_login()
    if not user.access.is_admin:
        why = speaks(request, user).gettext(ADMINS_ONLY)
        return None, _page(request, "problem.html", user, 403, why=why, store=None)
    return user, None


def _refused(request: Request, user: Reader, e: AuditFilterError) -> HTMLResponse:
    words = speaks(request, user)
    why = f"{e.field}: " + words.translate(e.text, **e.values)
    return _page(request, "problem.html", user, 400, why=why, field=e.field, store=None)


@router.get("/admin/audit", response_class=HTMLResponse)
def audit_page(
    request: Request, db: DB, now: Now, lock: WriteLock,
    kind: Param = "", actor: Param = "",
    first: Annotated[str, Query(alias="from", max_length=20)] = "",
    last: Annotated[str, Query(alias="to", max_length=20)] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
):  # fmt: skip
    user, answer = _admin(request, db, now, lock)
    if user is None:
        return answer
    try:
        chosen = audit.read_filter(kind, actor, first, last)
    except AuditFilterError as e:
        return _refused(request, user, e)
    rows, total = audit.events(db, chosen, page)
    pages = pages_of(total, audit.PAGE)
    query = urlencode(chosen.params())
    return _page(
        request, "chain_audit.html", user,
        rows=rows, total=total, page=page, pages=pages, chosen=chosen, query=query,
        kinds=audit.KINDS, actors=audit.actors(db),
    )  # fmt: skip
