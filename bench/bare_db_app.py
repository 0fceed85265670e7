"""The fleet bench's second baseline: a bare ASGI app that does the least any HQ must do with
a kiosk's request, and nothing else (``HYMIO_BARE_DB=postgresql://… python -m uvicorn
bench.bare_db_app:app``, or ``HYMIO_BARE_DB=sqlite:///path``).

A batch: the token's device found by its hash, the body's ratings inserted as they came
(``ON CONFLICT DO NOTHING``; PostgreSQL unpacks the JSON itself, on SQLite the rows go
through ``json.loads`` and the driver's ``executemany``), one commit. A heartbeat:
the device's ``last_seen_at`` set, one commit. No validation, no kept counts, no 409s, no
limits, no error answers: a fixed 200 (a 401 for an unknown token). On PostgreSQL four
connections a worker, opened at start; on SQLite one, with HQ's pragmas, used on the
event loop's thread (SQLite has one writer at a time anyway). HQ's own CPU and the
database's per request are compared with this app's (:mod:`bench.fleet`), and its rate
with HQ's (:mod:`bench.ingest`): what a database costs is then in both.
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
from datetime import UTC, datetime
from operator import itemgetter

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
# On SQLite the driver's executemany of the parsed rows: twice the rate of SQLite
# unpacking the JSON itself (json_each, 65 000 against 106 000 ratings a second here).
ROW = itemgetter(*SENT)
SQLITE_INSERT = (
    f"INSERT INTO ratings ({', '.join(SENT)}, received_at, time_suspect)"  # noqa: S608 -- our names
    f" VALUES ({', '.join('?' * len(SENT))}, ?, 0) ON CONFLICT DO NOTHING"
)
SQLITE_DEVICE, SQLITE_SEEN = DEVICE.replace("%s", "?"), SEEN.replace("%s", "?")
SQLITE_PRAGMAS = ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON")  # HQ's
connections: asyncio.Queue = asyncio.Queue()
lite: list[sqlite3.Connection] = []  # the one SQLite connection, when HYMIO_BARE_DB is one


async def app(scope, receive, send) -> None:
    if scope["type"] == "lifespan":
        await _lifespan(receive, send)
        return
    if scope["type"] != "http":
        return
    body = await body_of(receive)
    digest = token_hash(dict(scope["headers"]).get(b"authorization", b"")[7:].decode())
    now = datetime.now(UTC).isoformat(timespec="microseconds")
    if lite:
        found = _sqlite(lite[0], scope["path"], digest, now, body)
    else:
        found = await _postgresql(scope["path"], digest, now, body)
    status = 200 if found else 401
    await send({"type": "http.response.start", "status": status, "headers": HEADERS})
    await send({"type": "http.response.body", "body": ANSWER})


def _sqlite(conn: sqlite3.Connection, path: str, digest: str, now: str, body: bytes) -> bool:
    with conn:  # one transaction, committed
        if path.endswith("/heartbeat"):
            return conn.execute(SQLITE_SEEN, (now, digest)).rowcount > 0
        found = conn.execute(SQLITE_DEVICE, (digest,)).fetchone()
        if found:
            rows = json.loads(body)["ratings"]
            conn.executemany(SQLITE_INSERT, [(*ROW(r), now) for r in rows])
        return found is not None


async def _postgresql(path: str, digest: str, now: str, body: bytes) -> bool:
    conn = await connections.get()
    try:
        if path.endswith("/heartbeat"):
            found = (await conn.execute(SEEN, (now, digest))).rowcount
        else:
            found = await (await conn.execute(DEVICE, (digest,))).fetchone()
            if found:
                await conn.execute(INSERT, (now, body.decode()))
        await conn.commit()
    finally:
        connections.put_nowait(conn)
    return bool(found)


async def _lifespan(receive, send) -> None:
    database = os.environ["HYMIO_BARE_DB"]
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup" and database.startswith("sqlite:///"):
            lite.append(sqlite3.connect(database.removeprefix("sqlite:///")))
            for pragma in SQLITE_PRAGMAS:
                lite[0].execute(f"PRAGMA {pragma}")
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.startup":
            for _ in range(CONNECTIONS):
                conn = await psycopg.AsyncConnection.connect(database)
                connections.put_nowait(conn)
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            while not connections.empty():
                await connections.get_nowait().close()
            for conn in lite:
                conn.close()
            await send({"type": "lifespan.shutdown.complete"})
            return
