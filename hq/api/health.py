"""``GET /healthz``: liveness for a load balancer, with a database round trip."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import text

from hq.deps import DB


class Health(BaseModel):
    """HQ is up and its database answers."""

    ok: bool


router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health)
def healthz(session: DB) -> Health:
    """200 when the database answers a query."""
    session.execute(text("SELECT 1"))
    return Health(ok=True)
