"""``/api/v1/regions``: the regions the reader sees (``GET``), and a new region (``POST``,
an admin's API token only), the twin of the Admin page's *Add a region* through the same
function (:func:`hq.people.roles.add_region`). A refused body is a 400 whose message
names what was wrong, and nothing changes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from hq.api import errors
from hq.core.errors import ApiError, HQError
from hq.people.access import Scope
from hq.people.roles import add_region
from hq.tables.models import Region
from hq.web.deps import DB, AdminToken, Now, Reader, WriteLock

router = APIRouter(prefix="/api/v1", tags=["chain"])


class RegionOut(BaseModel):
    """A region of the chain."""

    id: str
    name: str
    parent: str = Field(description='the region it is under; "" directly under the chain')


class NewRegion(BaseModel):
    """A region to add, under *parent* ("" directly under the chain)."""

    model_config = ConfigDict(extra="forbid", strict=True)
    id: Annotated[str, Field(max_length=64)]
    name: Annotated[str, Field(max_length=200)]
    parent: Annotated[str, Field(max_length=64)] = ""


def _out(region: Region) -> RegionOut:
    return RegionOut(id=region.id, name=region.name, parent=region.parent_id or "")


@router.get("/regions", response_model=list[RegionOut], responses=errors(401))
def list_regions(db: DB, reader: Reader) -> list[RegionOut]:
    """The regions the reader sees (a manager's: their region and those under it)."""
    regions = db.scalars(select(Region).order_by(Region.name, Region.id))
    return [_out(r) for r in regions if reader.covers(Scope("region", r.id))]


@router.post("/regions", response_model=RegionOut, status_code=201,
             responses=errors(400, 401, 403, 422))  # fmt: skip
def new_region(
    body: NewRegion, db: DB, now: Now, lock: WriteLock,
    admin: AdminToken,
) -> RegionOut:  # fmt: skip
    """Add a region."""
    try:
        with lock:
            region = add_region(db, body.id, body.name, body.parent or None, now, actor=admin.who)
    except HQError as e:
        db.rollback()
        raise ApiError(400, "bad_request", str(e)) from None
    return _out(region)
