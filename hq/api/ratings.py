"""``POST /api/v1/ratings``: a device uploads a batch of its ratings."""

from __future__ import annotations

from fastapi import APIRouter

from hq.api import errors
from hq.deps import DB, CurrentDevice, Now, WriteLock
from hq.ingest import ingest
from hq.wire import Accepted, Batch

router = APIRouter(prefix="/api/v1", tags=["devices"])


@router.post(
    "/ratings", response_model=Accepted, responses=errors(400, 401, 403, 409, 413, 422, 429)
)
def post_ratings(
    batch: Batch, device: CurrentDevice, session: DB, now: Now, lock: WriteLock
) -> Accepted:
    """Store a batch (at most 1000 ratings, 1 MiB), all or nothing, idempotent on ``id``."""
    return ingest(session, device, batch.ratings, now, lock)
