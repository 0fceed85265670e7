"""``GET /healthz``: 200 only when HQ can take ratings now (:mod:`hq.ingest.health`)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel

from hq.api import errors
from hq.core.errors import ApiError

RETRY_AFTER = "10"  # seconds; a full disk or a read-only database is not fixed sooner


class Health(BaseModel):
    """HQ is up and can take ratings now."""

    ok: bool


router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health, responses=errors(503))
def healthz(request: Request) -> Health:
    """200 when the database answers and takes writes; 503 naming why not (a full disk,
    a read-only or standby PostgreSQL, a database HQ cannot reach)."""
    problem = request.app.state.health.problem()
    if problem is not None:
        raise ApiError(503, "cannot_take_ratings", problem, headers={"Retry-After": RETRY_AFTER})
    return Health(ok=True)
