"""An export's answer, streamed so that it ends when its client does.

An export holds a database connection for as long as it streams (on PostgreSQL a
``COPY`` runs on it). Starlette's StreamingResponse leaves a plain iterator suspended when
the client goes away, so its ``finally`` (the COPY's cancel, the session's rollback) ran
whenever the garbage collector got to it, in any thread: once in a thread that held the
pool's lock, on a connection still in COPY, and HQ froze (issue 27). So:

* :class:`ExportGate` lets at most :data:`EXPORTS` exports work at once in a process; the
  next one is answered ``503 busy`` with ``Retry-After`` at once, and the exports read from
  a pool of their own (:func:`hq.tables.database.export_sessions`), never from the kiosks' one;
* :class:`ExportStream` reads each chunk in a worker thread and, however the answer ends
  (sent, the client gone, an error, HQ stopping), closes its source in a worker thread,
  shielded from cancellation, before it gives the slot back: the ``COPY`` is cancelled on
  the server and the connection is back in the pool before the next export may start.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator

import anyio
from fastapi.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

from hq.core.budget import EXPORTS  # exports at once in a process (the connection budget)
from hq.core.errors import ApiError

log = logging.getLogger(__name__)
RETRY_AFTER = 10  # seconds an export refused for being one too many waits


class ExportGate:
    """At most *limit* exports at work at once; the one past it is a 503 at once."""

    def __init__(self, limit: int = EXPORTS):
        self.limit = limit
        self._slots = threading.BoundedSemaphore(limit)

    def enter(self) -> Callable[[], None]:
        """Take a slot; returns what gives it back. A 503 with Retry-After if none is free."""
        if not self._slots.acquire(blocking=False):
            raise ApiError(
                503,
                "busy",
                f"HQ is writing {self.limit} exports already; try again in {RETRY_AFTER} s",
                headers={"Retry-After": str(RETRY_AFTER)},
            )
        return self._slots.release


class ExportStream(StreamingResponse):
    """The chunks of *source* (a generator that holds a connection) as the answer's body;
    *source* is closed and *done* called once the answer ends, however it ends."""

    def __init__(self, source: Iterator[str | bytes], done: Callable[[], None], **kwargs) -> None:
        self._source, self._done = source, done
        super().__init__(self._pulled(), **kwargs)

    async def _pulled(self):
        # abandon_on_cancel stays False: a cancelled read waits for its thread, so the
        # source is never closed while a thread is still inside it.
        while (chunk := await anyio.to_thread.run_sync(next, self._source, None)) is not None:
            yield chunk

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            with anyio.CancelScope(shield=True):
                await self.body_iterator.aclose()  # type: ignore[attr-defined]
                await anyio.to_thread.run_sync(self._close)

    def _close(self) -> None:
        try:
            close = getattr(self._source, "close", None)
            if close is not None:
                close()
        except Exception:
            log.exception("closing an export's database reading failed")
        finally:
            self._done()
