"""Every HTTP error in SPEC §5's shape: ``{"error": {"code": ..., "message": ...}}``.

Bad input is never a 500: malformed JSON is a 400, a batch over 1000 ratings or a body over
1 MiB a 413, anything else that does not validate a 422 naming the field (and the rating id
when the field is inside a rating).
"""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hq.errors import ApiError
from hq.wire import MAX_BATCH, MAX_BODY, UUID

log = logging.getLogger(__name__)
CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    422: "invalid",
    429: "slow_down",
}


def error(
    status: int,
    code: str,
    message: str,
    headers: dict | None = None,
    rating_id: str | None = None,
) -> JSONResponse:
    """A JSON error response; *rating_id* names the one rating of a batch it is about."""
    detail = {"code": code, "message": message}
    if rating_id is not None:
        detail["rating_id"] = rating_id
    return JSONResponse({"error": detail}, status_code=status, headers=headers)


def install(app: FastAPI) -> None:
    """Register the handlers and the body-size limit on *app*."""
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _invalid)
    app.add_exception_handler(HTTPException, _http)
    app.add_exception_handler(Exception, _bug)
    app.add_middleware(BodyLimit, limit=MAX_BODY)


async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
    return error(exc.status, exc.code, exc.message, exc.headers, exc.rating_id)


async def _http(_request: Request, exc: HTTPException) -> JSONResponse:
    code = CODES.get(exc.status_code, "error")
    return error(exc.status_code, code, str(exc.detail), getattr(exc, "headers", None))


async def _bug(_request: Request, exc: Exception) -> JSONResponse:
    log.exception("bug while answering a request", exc_info=exc)
    return error(500, "internal", "HQ hit a bug; it is logged. Please report it.")


async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = exc.errors()
    first = errors[0] if errors else {"loc": (), "msg": "invalid request", "type": ""}
    loc = tuple(first.get("loc", ()))
    if first.get("type") == "json_invalid":
        return error(400, "bad_json", f"the body is not valid JSON: {first.get('msg')}")
    if first.get("type") == "too_long" and loc == ("body", "ratings"):
        return error(413, "too_many_ratings", f"send at most {MAX_BATCH} ratings per batch")
    where = ".".join(str(part) for part in loc) or "request"
    rating = _rating_id(exc.body, loc)
    prefix = f"rating {rating}: " if rating else ""
    return error(422, "invalid", f"{prefix}{where}: {first.get('msg')}", rating_id=rating)


def _rating_id(body: Any, loc: tuple) -> str | None:
    if len(loc) < 3 or loc[:2] != ("body", "ratings") or not isinstance(loc[2], int):
        return None
    try:
        rid = body["ratings"][loc[2]]["id"]
    except (KeyError, IndexError, TypeError):
        return None
    # Only a well-formed id is named: the kiosk holds the rating it names.
    return rid if isinstance(rid, str) and re.fullmatch(UUID, rid) else None


class BodyLimit:
    """Refuse bodies over *limit* bytes with a 413: by Content-Length up front, and a body
    without one (chunked) by reading it here first, at most *limit* bytes of it."""

    def __init__(self, app: ASGIApp, limit: int):
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None:
            if not length.isdigit() or int(length) > self.limit:
                await self._refuse(scope, receive, send)
                return
            await self.app(scope, receive, send)
            return
        # FastAPI turns any error raised while it reads the body into a 400, so a chunked
        # body is read (and measured) before the app sees it.
        chunks, size, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            more = message.get("more_body", False)
            if size > self.limit:
                await self._refuse(scope, receive, send)
                return
        body, replayed = b"".join(chunks), False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = error(413, "too_large", f"the body is over {self.limit} bytes (1 MiB)")
        await response(scope, receive, send)
