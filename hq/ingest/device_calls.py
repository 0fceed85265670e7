"""How a device's request is served: one thread-pool hop and one short database session.

Under a fleet's load HQ collapsed (issue 20): each device request took five thread-pool
hops (the session, the clock, the lock, the token lookup, the endpoint), and the session
checked out a pooled connection at the token lookup and held it until teardown, so in a
burst every thread waited for a connection held by a request that waited for a thread,
until the pool's 30 s timeout. Now:

* :func:`device_call` is awaited by an ``async`` endpoint: the token is looked up in
  :class:`KnownDevices` (no database, no thread), then the endpoint's work runs in *one*
  thread with a session that is opened there and closed when the work is done;
* :class:`Admission` lets at most ``limit`` device requests work at once in this process
  and queues a few more for up to ``wait`` seconds; the rest are answered ``503 busy``
  with ``Retry-After`` at once (sync backs off), never with a 30 s hang;
* a cached token is no weaker than a looked-up one: every write a device makes names its
  token hash in the ``UPDATE`` of its row (:func:`touch`), and a read checks it
  (:func:`still_valid`), so ``rotate-token``, from any process, refuses the old token at
  its next request.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from fastapi import Request
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from hq.core.budget import KIOSKS
from hq.core.errors import ApiError
from hq.ingest.ratelimit import retry_after
from hq.people.credentials import token_hash
from hq.tables.models import Device, Store

T = TypeVar("T")
CACHE_SECONDS = 600.0  # how long a token stays known without a lookup
CACHE_SIZE = 100_000  # tokens kept; past it the cache starts again
# Device requests at work at once per process (the kiosks' share of the connection budget,
# --db-kiosks). Their work is mostly Python, which holds the interpreter's lock: more
# threads only take it from the event loop, which then cannot even answer its 503s (with
# 12, at twice the capacity, requests waited 10 s).
WORKING = KIOSKS
QUEUED = 64  # waiting for one of those; more are answered 503 at once
WAIT = 1.0  # seconds a request waits in the queue before it is answered 503
UNKNOWN_DEVICE = "the token is not one HQ knows; check [hq] token in the kiosk settings"


@dataclass(frozen=True)
class Caller:
    """The device behind a token, as the endpoint's work sees it."""

    id: str
    store_id: str
    token_hash: str
    fresh: bool  # looked up in this request, not taken from the cache
    timezone: str = ""  # its store's (a store's zone never changes): ingest's local days


class KnownDevices:
    """Token hash → device, for ``CACHE_SECONDS``; one per process."""

    def __init__(self, seconds: float = CACHE_SECONDS, size: int = CACHE_SIZE):
        self.seconds, self.size = seconds, size
        self._known: dict[str, tuple[float, Caller]] = {}

    def get(self, hashed: str) -> Caller | None:
        found = self._known.get(hashed)
        if found is None or found[0] < time.monotonic():
            return None
        return found[1]

    def put(self, caller: Caller) -> None:
        if len(self._known) >= self.size:
            self._known.clear()
        stale = Caller(caller.id, caller.store_id, caller.token_hash, False, caller.timezone)
        self._known[caller.token_hash] = (time.monotonic() + self.seconds, stale)

    def forget(self, hashed: str) -> None:
        self._known.pop(hashed, None)


class Admission:
    """At most *limit* requests at work, *queued* more waiting up to *wait* s; else 503.

    Waiters are served in order; a slot is handed straight to the next waiter. Futures
    are made on the running loop at each wait, so one app may serve several loops (tests).
    """

    def __init__(self, limit: int = WORKING, queued: int = QUEUED, wait: float = WAIT):
        self.limit, self.queued, self.wait = limit, queued, wait
        self.working = 0
        self._waiters: deque[asyncio.Future] = deque()

    async def __aenter__(self) -> None:
        if self.working < self.limit and not self._waiters:
            self.working += 1
            return
        if len(self._waiters) >= self.queued:
            raise _busy()
        turn = asyncio.get_running_loop().create_future()
        self._waiters.append(turn)
        try:
            await asyncio.wait_for(asyncio.shield(turn), self.wait)
        except TimeoutError:
            self._give_up(turn)
            raise _busy() from None
        except BaseException:  # the client went away while waiting
            self._give_up(turn)
            raise

    async def __aexit__(self, *_exc) -> None:
        self._release()

    def _give_up(self, turn: asyncio.Future) -> None:
        if turn.done():  # handed a slot just as the wait ended: pass it on
            self._release()
        else:
            turn.cancel()
            self._waiters.remove(turn)

    def _release(self) -> None:
        while self._waiters:
            turn = self._waiters.popleft()
            if not turn.done():
                turn.set_result(None)  # the slot goes to this waiter
                return
        self.working -= 1


def _busy() -> ApiError:
    return ApiError(503, "busy", "HQ is busy; try again shortly", headers={"Retry-After": "5"})


async def device_call(
    request: Request, token: str | None, work: Callable[[Session, Caller], T]
) -> T:
    """Run *work* for the device behind *token*: 401 without a known token, 429 over the
    device's rate, 503 when HQ is too busy; *work* gets a session of its own."""
    if token is None:
        raise ApiError(401, "no_token", "send the device token as 'Authorization: Bearer <token>'")
    state = request.app.state
    hashed = token_hash(token)
    caller = state.devices.get(hashed)
    if caller is not None:
        _take(state, caller)
    try:
        async with state.admission:
            return await run_in_threadpool(_in_session, state, hashed, caller, work)
    except ApiError as e:
        if e.code == "bad_token":
            state.devices.forget(hashed)
        raise


def _in_session(state, hashed: str, caller: Caller | None, work: Callable[[Session, Caller], T]):
    with state.sessions() as session:
        if caller is None:
            row = session.execute(
                select(Device.id, Device.store_id, Store.timezone)
                .join(Store, Store.id == Device.store_id)
                .where(Device.token_hash == hashed, Device.kind == "kiosk")
            ).first()
            if row is None:
                raise ApiError(401, "bad_token", UNKNOWN_DEVICE)
            caller = Caller(row.id, row.store_id, hashed, True, row.timezone)
            state.devices.put(caller)
            _take(state, caller)
        return work(session, caller)


def _take(state, caller: Caller) -> None:
    wait = state.limiter.take(caller.id)
    if wait:
        raise ApiError(
            429,
            "slow_down",
            f"device {caller.id} is sending too fast; retry in {retry_after(wait)} s",
            headers={"Retry-After": retry_after(wait)},
        )


def touch(session: Session, caller: Caller, **values) -> None:
    """Update the caller's device row with *values*, if its token is still the one it
    sent; else a 401 (the caller's transaction is to be rolled back)."""
    result = session.execute(
        update(Device)
        .where(Device.id == caller.id, Device.token_hash == caller.token_hash)
        .values(**values)
    )
    if result.rowcount != 1:
        raise ApiError(401, "bad_token", UNKNOWN_DEVICE)


_SEEN = "UPDATE devices SET last_seen_at = {0} WHERE id = {0} AND token_hash = {0}"
SEEN = {"qmark": _SEEN.format("?"), "pyformat": _SEEN.format("%s")}  # SQLite's, psycopg's


def seen(session: Session, caller: Caller, at: str) -> None:
    """:func:`touch` the caller's ``last_seen_at`` with *at*, in plain SQL written once:
    what every batch does, where building the ORM's ``UPDATE`` cost more than running it."""
    conn = session.connection()
    sql = SEEN[conn.dialect.paramstyle]
    if conn.exec_driver_sql(sql, (at, caller.id, caller.token_hash)).rowcount != 1:
        raise ApiError(401, "bad_token", UNKNOWN_DEVICE)


def still_valid(session: Session, caller: Caller) -> None:
    """A 401 if the caller's token came from the cache and is no longer the device's."""
    if caller.fresh:
        return
    found = session.scalar(
        select(Device.id).where(Device.id == caller.id, Device.token_hash == caller.token_hash)
    )
    if found is None:
        raise ApiError(401, "bad_token", UNKNOWN_DEVICE)
