"""``POST /api/v1/ratings``: a device uploads a batch of its ratings.

The body is read here and validated straight from its JSON bytes (no ``json.loads`` and
dict round trip), in the one thread-pool hop of :func:`hq.ingest.device_calls.device_call`,
together with the insert.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from hq.api import errors
from hq.ingest.batches import ingest
from hq.ingest.device_calls import device_call
from hq.ingest.wire import Accepted, Batch, loose_json
from hq.web.deps import Bearer, Now, WriteLock, device_bearer

router = APIRouter(prefix="/api/v1", tags=["devices"])
BATCH_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Batch"}}},
    }
}


@router.post(
    "/ratings",
    response_model=Accepted,
    responses=errors(400, 401, 403, 409, 413, 415, 422, 429, 503),
    openapi_extra=BATCH_BODY,
)
async def post_ratings(
    request: Request,
    credentials: Annotated[Bearer, Depends(device_bearer)],
    now: Now,
    lock: WriteLock,
) -> Accepted:
    """Store a batch (at most 1000 ratings, 1 MiB, gzip welcome), all or nothing,
    idempotent on ``id``."""
    body = await request.body()

    def work(session, device) -> Accepted:
        return ingest(session, device, parse_batch(body), now, lock)

    return await device_call(request, credentials and credentials.credentials, work)


def parse_batch(body: bytes) -> list[dict]:
    """The ratings of *body*, validated; a :class:`RequestValidationError` as FastAPI
    would raise it (locations under ``body``) if they do not validate."""
    try:
        # A RatingIn holds exactly its fields in its __dict__ (extra="forbid", no
        # serialisers): a copy of it is model_dump() at a fraction of the cost.
        return [dict(r.__dict__) for r in Batch.model_validate_json(body).ratings]
    except ValidationError as e:
        found = [{**error, "loc": ("body", *error["loc"])} for error in e.errors()]
        raise RequestValidationError(found, body=loose_json(body)) from None
