"""Every HTTP error in SPEC §5's shape: ``{"error": {"code": ..., "message": ...}}``.

Bad input is never a 500: malformed JSON is a 400, and so is JSON nested too deep
(:mod:`hq.ingest.json_depth`); a batch over 1000 ratings or a body over 1 MiB is a 413, anything
else that does not validate a 422 naming the field (and the rating id when the field is
inside a rating).
"""

from __future__ import annotations

import logging
import re
import zlib
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import InterfaceError, InternalError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hq.core.errors import ApiError
from hq.core.summed import Summed
from hq.ingest.json_depth import NotTooDeep
from hq.ingest.wire import MAX_BATCH, MAX_BODY, UUID

log = logging.getLogger(__name__)
RETRY_AFTER = 10  # seconds a client waits after a 503 for an unavailable database
MAX_BUFFERING = 64  # chunked bodies read at once by one process (up to 1 MiB each)
_unavailable_log = Summed(
    log, logging.ERROR, "the database is unavailable (%d request(s) answered 503): %s"
)
CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_encoding",
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
    # A message may quote what was sent; a lone surrogate in it could not be encoded.
    message = message.encode("utf-8", "backslashreplace").decode("utf-8")
    detail = {"code": code, "message": message}
    if rating_id is not None:
        detail["rating_id"] = rating_id
    return JSONResponse({"error": detail}, status_code=status, headers=headers)


def install(app: FastAPI) -> None:
    """Register the handlers and the body-size limit on *app*."""
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _invalid)
    app.add_exception_handler(HTTPException, _http)
    app.add_exception_handler(ClientDisconnect, _gone)
    for unavailable in (OperationalError, InterfaceError, PoolTimeout):
        app.add_exception_handler(unavailable, _unavailable)
    app.add_exception_handler(InternalError, _internal)
    app.add_exception_handler(Exception, _bug)
    # Inside the body limit, which unpacks gzip: the depth is that of the unpacked body.
    app.add_middleware(NotTooDeep, refuse=lambda wrong: error(400, "too_deep", wrong))
    app.add_middleware(BodyLimit, limit=MAX_BODY)
    app.add_middleware(NoNulInUrl)


async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
    return error(exc.status, exc.code, exc.message, exc.headers, exc.rating_id)


async def _http(_request: Request, exc: HTTPException) -> JSONResponse:
    code = CODES.get(exc.status_code, "error")
    return error(exc.status_code, code, str(exc.detail), getattr(exc, "headers", None))


async def _unavailable(_request: Request, exc: Exception) -> JSONResponse:
    # Not the client's fault and not a bug: the database is down, unreachable, locked past
    # the busy timeout, or full. Clients retry (sync backs off on any 503); summed once a
    # minute, so an outage under load does not flood the journal.
    _unavailable_log(str(exc).splitlines()[0][:300])
    return error(
        503,
        "database_unavailable",
        "HQ cannot reach its database just now; try again later",
        {"Retry-After": str(RETRY_AFTER)},
    )


READ_ONLY = "25006"  # PostgreSQL's read_only_sql_transaction: a standby, or read-only set


async def _internal(request: Request, exc: InternalError) -> JSONResponse:
    # A PostgreSQL that takes no writes (made read-only, or a standby after a failover)
    # is unavailable for now, like one that is down; any other internal error is a bug.
    if getattr(exc.orig, "sqlstate", None) == READ_ONLY:
        return await _unavailable(request, exc)
    return await _bug(request, exc)


async def _gone(_request: Request, _exc: ClientDisconnect) -> Response:
    # The client left (or was cut off by the read deadline) before its body was in: there
    # is nobody to answer, and nothing went wrong at HQ.
    return Response(status_code=400)


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


class NoNulInUrl:
    """A NUL byte in the path or the query is a 400: no column or file name can hold one
    (PostgreSQL refuses it in any text), and no URL of HQ's has one."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            query = scope.get("query_string", b"")
            if "\x00" in scope["path"] or b"%00" in query or b"\x00" in query:
                response = error(400, "bad_request", "the URL has a NUL byte (%00) in it")
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


class BodyLimit:
    """Refuse bodies over *limit* bytes with a 413: by Content-Length up front, and a body
    without one (chunked) by reading it here first, at most *limit* bytes of it.

    A gzip body (``Content-Encoding: gzip``, what sync sends) is read here and unpacked;
    the limit applies to what it unpacks to as well, so a zip bomb is a 413 after at most
    *limit* + 1 bytes of output. Any other coding is a 415. Every API answer says
    ``Accept-Encoding: gzip`` (RFC 7694), which is how sync knows it may compress.
    """

    def __init__(self, app: ASGIApp, limit: int):
        self.app, self.limit, self.buffering = app, limit, 0

    async def _read_all(self, receive: Receive) -> bytes | None:
        """The whole body, or its first bytes past the limit; None if the client left."""
        chunks, size, more = [], 0, True
        while more and size <= self.limit:
            message = await receive()
            if message["type"] != "http.request":
                return None
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            more = message.get("more_body", False)
        return b"".join(chunks)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"].startswith("/api/"):
            send = _says_gzip(send)
        headers = dict(scope["headers"])
        length = headers.get(b"content-length")
        coding = headers.get(b"content-encoding", b"identity").strip().lower()
        if coding not in (b"identity", b"gzip"):
            response = error(
                415,
                "unsupported_encoding",
                f"HQ takes bodies plain or gzip, not {coding.decode('latin-1')!r}",
            )
            await response(scope, receive, send)
            return
        if length is None and b"transfer-encoding" not in headers:
            await self.app(scope, receive, send)  # no body at all (a GET)
            return
        if length is not None and (not length.isdigit() or int(length) > self.limit):
            await self._refuse(scope, receive, send)
            return
        if length is not None and coding == b"identity":
            await self.app(scope, receive, send)
            return
        # FastAPI turns any error raised while it reads the body into a 400, so a chunked
        # or gzip body is read (and measured) before the app sees it; at most MAX_BUFFERING
        # at once, so that slow senders cannot make HQ hold 1 MiB each by the thousand.
        if self.buffering >= MAX_BUFFERING:
            response = error(503, "busy", "too many uploads at once", {"Retry-After": "1"})
            await response(scope, receive, send)
            return
        self.buffering += 1
        try:
            body = await self._read_all(receive)
        finally:
            self.buffering -= 1
        if body is None:
            return  # the client went away
        if len(body) > self.limit:
            await self._refuse(scope, receive, send)
            return
        if coding == b"gzip":
            try:
                body = gunzip(body, self.limit)
            except ValueError as e:
                await error(400, "bad_gzip", f"the gzip body cannot be read: {e}")(
                    scope, receive, send
                )
                return
            if body is None:
                await self._refuse(scope, receive, send, " once unpacked")
                return
            kept = [(k, v) for k, v in scope["headers"] if k not in _CODING_HEADERS]
            size = [(b"content-length", str(len(body)).encode())]
            scope = {**scope, "headers": kept + size}
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, how: str = "") -> None:
        response = error(413, "too_large", f"the body is over {self.limit} bytes (1 MiB){how}")
        await response(scope, receive, send)


_CODING_HEADERS = frozenset({b"content-encoding", b"content-length", b"transfer-encoding"})


def gunzip(data: bytes, limit: int) -> bytes | None:
    """*data* unpacked from gzip, or None if it unpacks to more than *limit* bytes; a
    ValueError naming what is wrong if it is not one whole gzip stream."""
    unpacker = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)  # gzip, not zlib or raw
    try:
        out = unpacker.decompress(data, limit + 1)
    except zlib.error as e:
        raise ValueError(str(e).removeprefix("Error -3 while decompressing data: ")) from None
    if len(out) > limit or unpacker.unconsumed_tail:
        return None
    if not unpacker.eof:
        raise ValueError("the gzip stream is cut short")
    if unpacker.unused_data:
        raise ValueError("there are bytes after the end of the gzip stream")
    return out


def _says_gzip(send: Send) -> Send:
    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", []), _ACCEPT_GZIP]}
        await send(message)

    return sending


_ACCEPT_GZIP = (b"accept-encoding", b"gzip")
