"""The business figures page (``/business``): a manager or admin uploads the chain's
transactions, sales, footfall and staffing per store and hour as a CSV file (the layout
of :mod:`hq.insight.business.layout`, shown on the page with a sample file), and sees what
was written, or every line that is wrong with nothing written. An analyst reads the page
but has no form. A store's page shows its response rate (``_business.html``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, PlainTextResponse

from hq.core.language import N_
from hq.dashboard.pages import EXPIRED, _check_csrf, _page, _to_login, logged_in, speaks
from hq.insight.business.layout import COLUMNS
from hq.insight.business.saving import BusinessFileError, import_business
from hq.web.deps import DB, Now, WriteLock

router = APIRouter(include_in_schema=False)
MAX_FILE = 64 * 1024 * 1024
NOT_TEXT = N_("The file is not UTF-8 text; save it from the spreadsheet as CSV UTF-8.")
TOO_LARGE = N_("The file is larger than 64 MB; split it by month.")
READS_ONLY = N_("You read the figures; a manager or an admin imports them.")
SAMPLE = """store,date,hour,transactions,sales,footfall,staff
s1,2026-11-02,9,42,1234.50,310,3
s1,2026-11-02,10,57,1630.20,402,3
s1,2026-10-25,3,4,80.00,22,1
"""


@router.get("/business", response_class=HTMLResponse)
def business_page(request: Request, db: DB, now: Now, lock: WriteLock):
    """The upload form, the layout and a link to the sample file."""
    if not (user := logged_in(request, db, now, lock)):
        return _to_login()
    return _show(request, user)


@router.get("/business/sample.csv", response_class=PlainTextResponse)
def sample(request: Request, db: DB, now: Now, lock: WriteLock):
    """A small file in the layout, to start from."""
    if not logged_in(request, db, now, lock):
        return _to_login()
    headers = {"Content-Disposition": 'attachment; filename="hymio-business-sample.csv"'}
    return PlainTextResponse(SAMPLE, media_type="text/csv; charset=utf-8", headers=headers)


@router.post("/business", response_class=HTMLResponse)
async def upload(
    request: Request, db: DB, now: Now, lock: WriteLock,
    file: Annotated[UploadFile, File()], csrf: Annotated[str, Form(max_length=100)] = "",
):  # fmt: skip
    """Import the uploaded file for the stores the user may act on; all or nothing."""
    if not (user := logged_in(request, db, now, lock)):
        return _to_login()
    words = speaks(request, user)
    if not user.access.acts_on_any():
        return _show(request, user, 403, why=words.gettext(READS_ONLY))
    if not _check_csrf(request, csrf):
        return _show(request, user, 403, why=words.gettext(EXPIRED))
    body = await file.read(MAX_FILE + 1)
    if len(body) > MAX_FILE:
        return _show(request, user, 413, why=words.gettext(TOO_LARGE))
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return _show(request, user, 400, why=words.gettext(NOT_TEXT))
    try:
        with lock:
            done = import_business(db, user.access, text, now)
            db.commit()
    except BusinessFileError as e:
        db.rollback()
        problems = [(p.line, p.column, words.translate(p.text, **p.values)) for p in e.problems]
        return _show(request, user, 400, problems=problems, more=e.more_problems)
    return _show(request, user, done=done)


def _show(request: Request, user, status: int = 200, **context) -> HTMLResponse:
    return _page(request, "business.html", user, status, store=None, columns=COLUMNS,
                 acts=user.access.acts_on_any(), min_cell=request.app.state.min_cell,
                 **context)  # fmt: skip
