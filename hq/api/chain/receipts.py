"""``POST /api/v1/touchpoints/{code}/receipt-links``: receipt links in bulk for a POS or an
e-mail system, with an admin's API token; the twin of ``hymio hq receipt-links``, through
the same function (:func:`hq.fleet.receipts.links.mint_links`)."""

from __future__ import annotations

import csv
import io
from typing import Annotated

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from hq.api import errors
from hq.api.chain.guard import refusal
from hq.fleet.chain.errors import ChainError
from hq.fleet.receipts.links import MAX_COUNT, MAX_DAYS, mint_links
from hq.web.deps import DB, AdminToken, Now, WriteLock

router = APIRouter(prefix="/api/v1", tags=["chain"])


class LinksAsked(BaseModel):
    """How many links, for how long, and the address they start with."""

    model_config = ConfigDict(extra="forbid", strict=True)
    count: Annotated[int, Field(ge=1, le=MAX_COUNT, description="how many links")]
    valid_days: Annotated[int, Field(ge=1, le=MAX_DAYS, description="days each link answers")]
    base_url: Annotated[
        str, Field(max_length=200, description="HQ's public address (default: as asked)")
    ] = ""
    format: Annotated[str, Field(pattern="^(json|csv)$", description="json or csv")] = "json"


class LinkOut(BaseModel):
    url: str
    expires_at: str


class LinksOut(BaseModel):
    """The links, each answering once until it expires."""

    links: list[LinkOut]


@router.post(
    "/touchpoints/{code}/receipt-links",
    response_model=LinksOut,
    responses={**errors(400, 401, 403, 404, 409, 422), 200: {"content": {"text/csv": {}}}},
)
def receipt_links(
    code: str,
    body: LinksAsked,
    request: Request,
    session: DB,
    admin: AdminToken,
    now: Now,
    lock: WriteLock,
):
    """``count`` new receipt links to the web link ``code``, each answering once within
    ``valid_days``; as JSON, or with ``"format": "csv"`` a CSV of ``url,expires_at``
    (docs/run-a-fleet/receipt-links.md)."""
    base = body.base_url or str(request.base_url)
    try:
        with lock:
            made = mint_links(session, admin, code, body.count, body.valid_days, now, base)
    except ChainError as e:
        raise refusal(session, e) from None
    rows = [LinkOut(url=m.url, expires_at=m.expires_at.isoformat()) for m in made]
    if body.format == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(("url", "expires_at"))
        writer.writerows((r.url, r.expires_at) for r in rows)
        return Response(out.getvalue(), media_type="text/csv; charset=utf-8")
    return LinksOut(links=rows)
