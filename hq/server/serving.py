"""How ``hymio hq serve`` runs uvicorn so that slow or half-open clients cannot take HQ down.

uvicorn has no deadline for reading a request: a client that opens a connection and sends
nothing, or half its headers, or half its body, holds a file descriptor for good, and once
the process runs out of them the accept loop logs a traceback per try while nobody, not
even ``/healthz``, gets in. So:

* :class:`FastReadDeadline` (uvicorn's httptools protocol, the default) and
  :class:`ReadDeadline` (its h11 protocol, ``--http h11``) have a deadline: each request
  (its head and its body) must be in within ``read_timeout`` seconds of its first byte,
  or of the connection's opening; else HQ answers 408 (or, mid-body, just closes) and the
  client is gone. Time the app spends on a request is not the client's and is not
  counted. A request head over 16 KiB is a 400 with either. A client that takes nothing
  of an answer for as long (a download it neither reads nor closes) is cut off too: the
  answer (an export, with its database connection) ends as if the client had left;
* at SIGTERM, answers still going after :data:`GRACEFUL` seconds are cut off, so a stuck
  download cannot hold HQ up past systemd's ``TimeoutStopSec``;
* the soft descriptor limit is raised to the hard one, and the unit raises the hard one
  (``LimitNOFILE``);
* cut-off clients, descriptor exhaustion, 503s over the concurrency limit and malformed
  requests are logged at most once a minute, with counts.

The limits are set in :func:`uvicorn_options`; the documentation's "Load and limits" page
lists them.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import resource

from uvicorn.protocols.http.h11_impl import H11Protocol

try:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
except ImportError:  # httptools is not installed: h11 only
    HttpToolsProtocol = H11Protocol  # type: ignore[misc,assignment]

from hq.core.summed import Summed

log = logging.getLogger(__name__)
READ_TIMEOUT = 30.0  # seconds for a request's head and body; a 1 MiB batch at 40 KB/s fits
TIMEOUT_VAR = "HYMIO_HQ_READ_TIMEOUT"  # how ``hymio hq serve`` tells its workers
LIMIT_CONCURRENCY = 4000  # connections and requests at once before uvicorn answers 503
MAX_HEAD = 16 * 1024  # bytes of a request's line and headers; more is a 400
GRACEFUL = 10  # seconds answers still going at SIGTERM get to finish (the unit waits 20)


def _summed(text: str) -> Summed:
    return Summed(log, logging.WARNING, text)


_cut = _summed("cut off %d client(s) that did not send their request in time")
_stalled = _summed("cut off %d client(s) that took nothing of their answer in time")
_TIMEOUT_BODY = b'{"error": {"code": "timeout", "message": "the request did not arrive in time"}}'
TIMEOUT_ANSWER = (
    b"HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\nconnection: close\r\n"
    b"content-length: %d\r\n\r\n%s" % (len(_TIMEOUT_BODY), _TIMEOUT_BODY)
)


class _Deadline:
    """A deadline on reading each request, for either of uvicorn's HTTP protocols."""

    read_timeout = float(os.environ.get(TIMEOUT_VAR) or READ_TIMEOUT)

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self._deadline: asyncio.TimerHandle | None = None
        self._stall: asyncio.TimerHandle | None = None
        super().connection_made(transport)
        self._arm()

    def pause_writing(self) -> None:
        """The client's buffers are full: it has *read_timeout* seconds to take some."""
        super().pause_writing()
        if self._stall is None:
            self._stall = self.loop.call_later(self.read_timeout, self._not_reading)

    def resume_writing(self) -> None:
        self._unstall()
        super().resume_writing()

    def _unstall(self) -> None:
        if self._stall is not None:
            self._stall.cancel()
            self._stall = None

    def _not_reading(self) -> None:
        self._stall = None
        _stalled()
        # abort(), not close(): close() would wait for the buffer the client does not read.
        # connection_lost follows, and the app's answer learns that the client is gone.
        self.transport.abort()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        cycle = self.cycle
        if cycle is not None and not cycle.response_complete and not cycle.more_body:
            self._disarm()  # the whole request is in: what follows is HQ's time
        elif self._deadline is None:
            self._arm()  # the first bytes of the next request on a kept-alive connection

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        self._unstall()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._deadline = self.loop.call_later(self.read_timeout, self._too_slow)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _too_slow(self) -> None:
        self._deadline = None
        if self.transport.is_closing():
            return
        _cut()
        if self.cycle is None or self.cycle.response_complete:  # no answer begun: say why
            self.transport.write(TIMEOUT_ANSWER)
        else:
            self.cycle.disconnected = True  # the app's next receive() says the client left
        self.transport.close()


class ReadDeadline(_Deadline, H11Protocol):
    """uvicorn's h11 protocol (pure Python), with a deadline on reading each request."""


class FastReadDeadline(_Deadline, HttpToolsProtocol):
    """uvicorn's httptools protocol (llhttp, in C), with the deadline, and a request head
    over ``MAX_HEAD`` bytes answered 400 as h11 does (llhttp itself has no such limit)."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self._in_head, self._head_bytes = True, 0
        super().connection_made(transport)

    def data_received(self, data: bytes) -> None:
        if self._in_head:
            self._head_bytes += len(data)
        super().data_received(data)
        if self._in_head and self._head_bytes > MAX_HEAD and not self.transport.is_closing():
            self.send_400_response("Invalid HTTP request received.")  # and closes

    def on_headers_complete(self) -> None:
        self._in_head = False
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._in_head, self._head_bytes = True, 0


SUMMARISED = {
    "socket.accept() out of system resource": "out of file descriptors: %d connection(s)"
    " could not be accepted",
    "Exceeded concurrency limit.": "answered %d request(s) 503: over the concurrency limit",
    "Invalid HTTP request received.": "answered %d malformed request(s) 400",
    # asyncio retries accept() a second after EMFILE, even when the server has closed
    # its socket meanwhile (at shutdown): a traceback about fd -1, harmless.
    "Exception in callback BaseSelectorEventLoop._start_serving": "%d accept retry(ies) after"
    " the listening socket closed",
}


class _Summarised(logging.Filter):
    """Lines asyncio and uvicorn log once per connection or per failed accept() (with a
    traceback, once descriptors run out), summed up once a minute instead."""

    def __init__(self):
        super().__init__()
        self.every = {line: _summed(text) for line, text in SUMMARISED.items()}

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        for line, every in self.every.items():
            if line in message:
                every()
                return False
        return True


def raise_descriptor_limit() -> int:
    """The soft limit of open files up to the hard one; returns the limit now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        target = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        soft = target
    return soft


def install_log_filter() -> None:
    """Once per process (each worker calls it, through hq.server.main)."""
    summarised = _Summarised()
    for name in ("asyncio", "uvicorn.error"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, _Summarised) for f in logger.filters):
            logger.addFilter(summarised)


def settle_heap() -> int:
    """Move what the process built at start (the app, its routes, models, metadata and
    modules: some 250 000 objects) out of the garbage collector's sight, and say how many.

    They live as long as the process, yet every full collection walked them all: a batch
    of 1 000 ratings makes enough objects to start collections, and in the served process
    they cost a quarter of the batch (issue 31, ``bench/ingest.py``). The collector still
    sees everything made after this (``gc.freeze``, as long-running servers do).
    """
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


def fast_parser() -> bool:
    """Whether httptools is installed (the ``hq`` extra brings it)."""
    return HttpToolsProtocol is not H11Protocol


def uvicorn_options(read_timeout: float, http: str = "auto", loop: str = "auto") -> dict:
    """The keyword arguments ``uvicorn.run`` gets from ``hymio hq serve``; the workers
    read *read_timeout* from the environment. *http*: ``httptools`` (llhttp, the default
    where installed), or ``h11``; *loop*: ``uvloop`` (the default where installed),
    ``asyncio`` or ``auto``."""
    os.environ[TIMEOUT_VAR] = str(read_timeout)
    _Deadline.read_timeout = read_timeout
    if http == "httptools" and not fast_parser():
        raise ValueError("--http httptools: the httptools package is not installed")
    fast = http == "httptools" or (http == "auto" and fast_parser())
    files = raise_descriptor_limit()
    install_log_filter()
    return {
        "http": FastReadDeadline if fast else ReadDeadline,
        "loop": loop,
        # Leave descriptors for the database pool, logs and the listening socket.
        "limit_concurrency": max(16, min(LIMIT_CONCURRENCY, files - 64)),
        "timeout_keep_alive": 5,
        "timeout_graceful_shutdown": GRACEFUL,
        "h11_max_incomplete_event_size": MAX_HEAD,  # a request head over 16 KiB is a 400
    }
