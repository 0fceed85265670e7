"""``GET /api/v1/audit`` and ``/api/v1/audit.csv``: the audit log (:mod:`hq.people.audit`),
for admin tokens and admins' sessions: newest first, 50 lines a page (the CSV: every line,
oldest first), filtered by kind, actor and days (UTC)."""

from __future__ import annotations

import csv
import io
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from hq.api import errors
from hq.api.chain.guard import admin_only
from hq.core.errors import ApiError
from hq.people import audit
from hq.people.audit import AuditFilterError
from hq.web.deps import DB, Reader

router = APIRouter(prefix="/api/v1", tags=["chain"])


class AuditLine(BaseModel):
    """One change: when (UTC), who (``user:NAME``, ``token:NAME`` or ``cli``), what."""

    at: str
    actor: str
    action: str
    kind: str
    id: str
    changes: dict = Field(description="what changed: a field's new value, or [old, new]")


class AuditPage(BaseModel):
    """A page of the audit log and how many lines match in all."""

    total: int
    page: int
    per_page: int
    events: list[AuditLine]


Kind = Annotated[str, Query(max_length=32, description="user, region, store, …")]
Actor = Annotated[str, Query(max_length=80, description="user:NAME, token:NAME or cli")]
First = Annotated[str, Query(alias="from", max_length=20, description="first UTC day")]
Last = Annotated[str, Query(alias="to", max_length=20, description="last UTC day")]


def _filter(kind: str, actor: str, first: str, last: str) -> audit.Filter:
    try:
        return audit.read_filter(kind, actor, first, last)
    except AuditFilterError as e:
        raise ApiError(400, "bad_filter", str(e)) from None


@router.get("/audit", response_model=AuditPage, responses=errors(400, 401, 403, 422))
def audit_log(
    session: DB, reader: Reader, kind: Kind = "", actor: Actor = "", first: First = "",
    last: Last = "", page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> AuditPage:  # fmt: skip
    """Who changed what and when, newest first."""
    admin_only(reader)
    chosen = _filter(kind, actor, first, last)
    rows, total = audit.events(session, chosen, page)
    lines = [AuditLine(**audit.as_dict(r)) for r in rows]
    return AuditPage(total=total, page=page, per_page=audit.PAGE, events=lines)


@router.get(
    "/audit.csv",
    response_class=Response,
    responses={**errors(400, 401, 403, 422), 200: {"content": {"text/csv": {}}}},
)
def audit_csv(
    session: DB, reader: Reader, kind: Kind = "", actor: Actor = "", first: First = "",
    last: Last = "",
) -> Response:  # fmt: skip
    """Every matching change as CSV, oldest first (a cell that a spreadsheet would run as
    a formula starts with ``'``)."""
    admin_only(reader)
    chosen = _filter(kind, actor, first, last)
    out = io.StringIO()
    csv.writer(out).writerows(audit.csv_rows(session, chosen))
    headers = {"Content-Disposition": 'attachment; filename="hymio-audit.csv"'}
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8", headers=headers)
