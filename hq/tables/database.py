"""HQ's database: the URL, the engine, the migrations, and short transactions.

A SQLite file by default (WAL, foreign keys on, a busy timeout so that API threads wait
for each other instead of failing), PostgreSQL by URL. :func:`open_database` applies the
Alembic migrations in ``hq/tables/migrations`` before anything else touches the tables, so an old
HQ database is brought up to date by ``hymio hq serve``.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, any_, bindparam, create_engine, event
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import Integer

from hq.core.budget import Budget, budget_for
from hq.core.errors import DatabaseURLError
from hq.tables import every_table

MIGRATIONS = Path(__file__).with_name("migrations")
# Seconds a request waits for a pooled connection before it is answered 503 (not 30 s:
# a client waiting that long has given up, and the request would only hold a thread).
POOL_TIMEOUT = 5.0


def make_engine(url: str, pool: int | None = None, budget: Budget | None = None) -> Engine:
    """An engine for *url*; a :class:`DatabaseURLError` naming the URL if it is unusable.

    *pool*: exactly that many connections (no overflow), for a pool of its own such as
    the exports' (:func:`export_sessions`); else the *budget*'s pool and overflow (by
    default :func:`hq.core.budget.budget_for` the URL). On PostgreSQL each connection
    says ``hymio-hq <pid>`` as its ``application_name`` (what ``pg_stat_activity`` shows),
    and through a pooler (``budget.pooler``) psycopg prepares no statement on the server."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise DatabaseURLError(
            f"database URL {url!r} is not a URL; use sqlite:///path/hq.db or"
            " postgresql+psycopg://user@host/dbname"
        ) from None
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise DatabaseURLError(
            f"database URL {url!r}: HQ runs on sqlite or postgresql, not {parsed.drivername}"
        )
    budget = budget or budget_for(url)
    if pool:
        sized = {"pool_size": pool, "max_overflow": 0}
    else:
        sized = {"pool_size": budget.pool, "max_overflow": budget.overflow}
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            pool_timeout=POOL_TIMEOUT,
            **sized,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    connect: dict[str, object] = {}
    if "application_name" not in parsed.query:
        connect["application_name"] = application_name()
    if budget.pooler:
        # PgBouncer in transaction mode hands each transaction any server connection: a
        # statement psycopg prepared on one (after 5 runs, by default) is unknown on the
        # next ("prepared statement _pg3_0 does not exist"). None: never prepare.
        connect["prepare_threshold"] = None
    return create_engine(
        url, pool_pre_ping=True, pool_timeout=POOL_TIMEOUT, connect_args=connect, **sized
    )


def application_name() -> str:
    """What this process's PostgreSQL connections call themselves."""
    return f"hymio-hq {os.getpid()}"


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()
    # the rollouts' percentage buckets in SQL (hq.fleet.rollouts); PostgreSQL has sha256()
    dbapi_connection.create_function("hymio_bucket", 1, device_bucket, deterministic=True)


def device_bucket(device_id: str) -> int:
    """The device's place 0–99 in percentage rollouts (the same for every release): the
    first 32 bits of the SHA-256 of its id, modulo 100."""
    return int(hashlib.sha256(device_id.encode()).hexdigest()[:8], 16) % 100


def writer_lock(engine: Engine) -> AbstractContextManager:
    """What a write transaction holds in this process: a lock on SQLite, nothing otherwise.

    SQLite has one writer at a time. Threads that find the write lock taken wait in
    SQLite's busy handler, which sleeps in steps of up to 100 ms; queueing them on a Python
    lock instead hands the database over as soon as it is free. PostgreSQL needs no such
    thing. (Several processes on one SQLite file still meet in the busy handler.)
    """
    return threading.Lock() if engine.dialect.name == "sqlite" else nullcontext()


def upgrade(engine: Engine) -> None:
    """Apply every Alembic migration that *engine*'s database does not have yet."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def export_sessions(
    url: str, connections: int, budget: Budget | None = None
) -> sessionmaker[Session]:
    """Sessions on a pool of *connections* of its own, for the exports: a download that
    takes minutes, or many at once, never takes a connection the kiosks' uploads need."""
    engine = make_engine(url, pool=connections, budget=budget)
    return sessionmaker(engine, expire_on_commit=False)


def open_database(url: str, budget: Budget | None = None) -> tuple[Engine, sessionmaker[Session]]:
    """The engine and session factory of *url*, migrated to the newest schema; the
    engine's pool is *budget*'s (default :func:`hq.core.budget.budget_for` the URL)."""
    every_table()  # the features' tables known to the sessions too
    engine = make_engine(url, budget=budget)
    upgrade(engine)
    return engine, sessionmaker(engine, expire_on_commit=False)


def among(session: Session, column, values: Iterable[str]):
    """``column IN values``; on PostgreSQL ``column = ANY(%s)`` with the values as one
    array: psycopg splits each parameter out of the query's text in Python, which for a
    chain's thousand store ids cost more than the query."""
    values = list(values)
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, values, type_=ARRAY(column.type)))
    return column.in_(values)


def copy_in(session: Session, sql: str, fill: Callable[[Any], None]) -> bool:
    """Run ``COPY … FROM STDIN`` (*sql*) on PostgreSQL in the session's transaction, the
    rows written by *fill* (given psycopg's ``Copy``), under a savepoint: ``False``, with
    nothing of it written and the transaction still usable, when a row met a unique index.
    Other errors are raised as SQLAlchemy's, as the session's own statements' are.

    The savepoint is sent on the driver's connection the ``COPY`` runs on: SQLAlchemy's
    ``begin_nested`` would send its own only with the next statement it sends itself,
    so a failed ``COPY`` would leave the whole transaction aborted.
    """
    import psycopg  # PostgreSQL's driver: not needed by an HQ on SQLite

    raw = session.connection().connection.driver_connection
    try:
        with raw.cursor() as cursor:
            cursor.execute("SAVEPOINT hymio_copy")
            try:
                with cursor.copy(sql) as copy:
                    fill(copy)
            except psycopg.errors.UniqueViolation:
                cursor.execute("ROLLBACK TO SAVEPOINT hymio_copy")
                return False
            cursor.execute("RELEASE SAVEPOINT hymio_copy")
            return True
    except psycopg.Error as exc:  # a deadlock, say: the callers try such errors again
        raise DBAPIError.instance(sql, None, exc, psycopg.Error) from exc


class weekday(FunctionElement):
    """The weekday (0 = Monday) of a local day kept as ISO text (``2026-12-06``), in SQL,
    so that a year of days is grouped by weekday in the database rather than in Python."""

    type = Integer()
    inherit_cache = True


@compiles(weekday, "postgresql")
def _weekday_postgresql(element, compiler, **kw) -> str:
    day = compiler.process(element.clauses, **kw)
    return f"(EXTRACT(ISODOW FROM CAST({day} AS date))::int - 1)"


@compiles(weekday, "sqlite")
def _weekday_sqlite(element, compiler, **kw) -> str:
    day = compiler.process(element.clauses, **kw)
    return f"((CAST(strftime('%w', {day}) AS INTEGER) + 6) % 7)"
