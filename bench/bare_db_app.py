"""The fleet bench's second baseline: a bare ASGI app that does the least any HQ must do with
a kiosk's request, and nothing else (``HYMIO_BARE_DB=postgresql://… python -m uvicorn
bench.bare_db_app:app``).

A batch: the token's device found by its hash, the body's ratings inserted as they came
(PostgreSQL unpacks the JSON itself, ``ON CONFLICT DO NOTHING``), one commit. A heartbeat:
the device's ``last_seen_at`` set, one commit. No validation, no kept counts, no 409s, no
limits, no error answers: a fixed 200 (a 401 for an unknown token). Four connections a
worker, opened at start. HQ's own CPU and PostgreSQL's per request are compared with this
app's and PostgreSQL's (:mod:`bench.fleet`): what a database costs is then in both.
"""

from __future__ import annotations

import asyncio
import os
from datetime import UTC, datetime

import psycopg

from bench.common import body_of
from hq.ingest.bulk import COLUMNS, PG_TYPES
from hq.people.credentials import token_hash

CONNECTIONS = 4
ANSWER = b'{"accepted":20,"duplicates":0,"repaired":0}'
HEADERS = [(b"content-type", b"application/json"), (b"content-length", str(len(ANSWER)).encode())]
LATE = ("received_at", "time_suspect")  # what HQ adds to a rating: here the statement does
SENT = [c for c in COLUMNS if c not in LATE]
RECORD = ", ".join(f"{c} {PG_TYPES.get(c, 'text')}" for c in SENT)
INSERT = (
    f"INSERT INTO ratings ({', '.join(SENT)}, received_at, time_suspect)"  # noqa: S608 -- our names
    f" SELECT {', '.join(SENT)}, %s, false"
    f" FROM json_to_recordset(%s::json -> 'ratings') AS r({RECORD}) ON CONFLICT DO NOTHING"
)
DEVICE = "SELECT id FROM devices WHERE token_hash = %s"
SEEN = "UPDATE devices SET last_seen_at = %s WHERE token_hash = %s"
connections: asyncio.Queue = asyncio.Queue()


async def app(scope, receive, send) -> None:
    if scope["type"] == "lifespan":
        await _lifespan(receive, send)
        return
    if scope["type"] != "http":
        return
    body = await body_of(receive)
    digest = token_hash(dict(scope["headers"]).get(b"authorization", b"")[7:].decode())
    now = datetime.now(UTC).isoformat(timespec="microseconds")
    conn = await connections.get()
    try:
        if scope["path"].endswith("/heartbeat"):
            found = (await conn.execute(SEEN, (now, digest))).rowcount
        else:
            found = await (await conn.execute(DEVICE, (digest,))).fetchone()
            if found:
                await conn.execute(INSERT, (now, body.decode()))
        await conn.commit()
    finally:
        connections.put_nowait(conn)
    status = 200 if found else 401
    await send({"type": "http.response.start", "status": status, "headers": HEADERS})
    await send({"type": "http.response.body", "body": ANSWER})


async def _lifespan(receive, send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            for _ in range(CONNECTIONS):
                conn = await psycopg.AsyncConnection.connect(os.environ["HYMIO_BARE_DB"])
                connections.put_nowait(conn)
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            while not connections.empty():
                await connections.get_nowait().close()
            await send({"type": "lifespan.shutdown.complete"})
            return
