"""FastAPI dependencies: a database session, HQ's clock and write lock, a reader.

A device's requests do not use the session here: see :mod:`hq.ingest.device_calls`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import select
from sqlalchemy.orm import Session

from hq.core.errors import ApiError
from hq.people import sessions as login_sessions
from hq.people.access import Access, access_of, user_access
from hq.people.credentials import token_hash
from hq.tables.models import Store
from hq.tables.people import ApiToken, User

device_bearer = HTTPBearer(
    auto_error=False, scheme_name="device", description="the device token from add-device"
)
reader_bearer = HTTPBearer(
    auto_error=False, scheme_name="reader", description="an API token from add-token"
)
Bearer = HTTPAuthorizationCredentials | None


def get_session(request: Request) -> Iterator[Session]:
    """One session per request; rolled back unless the handler commits. The dashboard and
    the API hold at most their share of the connections (:class:`hq.core.budget.Share`);
    past it, after a short wait, the answer is 503."""
    share = request.app.state.share
    if not share.take():
        raise ApiError(503, "busy", "HQ is busy; try again shortly", headers={"Retry-After": "5"})
    try:
        with request.app.state.sessions() as session:
            yield session
    finally:
        share.give_back()


DB = Annotated[Session, Depends(get_session)]


async def now(request: Request) -> datetime:
    """HQ's clock (injected into the app, so tests can move it); ``async`` so that it
    costs no thread-pool hop."""
    return request.app.state.clock()


Now = Annotated[datetime, Depends(now)]


async def write_lock(request: Request) -> AbstractContextManager:
    """Held around a write transaction (see :func:`hq.tables.database.writer_lock`)."""
    return request.app.state.write_lock


WriteLock = Annotated[AbstractContextManager, Depends(write_lock)]


def reader(
    request: Request, session: DB, credentials: Annotated[Bearer, Depends(reader_bearer)]
) -> Access:
    """Who reads, and which stores they may see (:mod:`hq.people.access`): an API token (its
    role over its scope), or the user of a live dashboard session
    (:mod:`hq.people.sessions`); 401 otherwise."""
    if credentials is not None:
        found = session.execute(
            select(ApiToken.name, ApiToken.scope, ApiToken.role).where(
                ApiToken.token_hash == token_hash(credentials.credentials)
            )
        ).first()
        if found is None:
            raise ApiError(401, "bad_token", "the API token is not one HQ knows")
        return access_of(session, f"token:{found.name}", found.role, found.scope)
    sid = request.session.get("sid") if "session" in request.scope else None
    username = login_sessions.user_of(
        session, sid, request.app.state.clock(), request.app.state.write_lock
    )
    user = session.get(User, username) if username else None
    if user is None:
        raise ApiError(
            401, "login_required", "log in to the dashboard or send an API token as Bearer"
        )
    return user_access(session, user)


Reader = Annotated[Access, Depends(reader)]


def admin_token(reader: Reader, credentials: Annotated[Bearer, Depends(reader_bearer)]) -> Access:
    """The reader, if it is an admin's API token (a 403 otherwise): for the API twins of
    what an admin does in the browser (people, subscriptions, regions), whose pages carry
    a CSRF token that an API call has not."""
    if credentials is None or not reader.is_admin or not reader.who.startswith("token:"):
        raise ApiError(403, "admin_token_required", "this is done with an admin's API token")
    return reader


AdminToken = Annotated[Access, Depends(admin_token)]


def visible_store(session: Session, reader: Access, store_id: str) -> Store:
    """The store *store_id* if *reader* may see it; else 404, as for a store that does not
    exist, so that its existence does not leak."""
    store = session.get(Store, store_id) if reader.sees(store_id) else None
    if store is None:
        raise ApiError(404, "unknown_store", f"no store {store_id!r}")
    return store
