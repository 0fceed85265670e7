"""``/healthz`` says whether HQ can take ratings now (issue 27: it said 200 while the disk
was full and every write answered 503): on a real full disk (a tmpfs) with SQLite, and on a
PostgreSQL that refuses writes, it answers 503 naming why, and 200 again once that is
fixed; the uploads go the same way."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

import psycopg
import pytest
from sqlalchemy import create_engine, text

from hq.ingest.bulk import COPY_FROM
from hq.ingest.health import HEADROOM
from tests.conftest import fill, tmpfs
from tests.hq.conftest import PG, make_hq


def _until(check, seconds: float = 10):
    deadline = time.monotonic() + seconds
    while not (found := check()):
        assert time.monotonic() < deadline, "not within the time allowed"
        time.sleep(0.1)
    return found


def _refused(answer, *words: str) -> bool:
    if answer.status_code != 503:
        return False
    error = answer.json()["error"]
    assert error["code"] == "cannot_take_ratings"
    assert answer.headers["Retry-After"] == "10"
    return all(w in error["message"] for w in words)


@pytest.fixture
def disk(tmp_path):
    with tmpfs(tmp_path / "disk", "64m") as mount:
        yield mount


def test_a_full_disk_is_a_503_that_says_so_and_a_freed_one_a_200(disk):
    db = disk / "hq.db"
    hq = make_hq(f"sqlite:///{db}")
    try:
        assert hq.client.get("/healthz").status_code == 200
        assert hq.post([hq.rating() for _ in range(50)]).status_code == 200
        filler = fill(disk)
        health = _until(lambda: (a := hq.client.get("/healthz")).status_code == 503 and a)
        assert _refused(health, f"the disk holding {db} is full", "0.0 MB free")
        assert hq.post([hq.rating() for _ in range(50)]).status_code == 503
        filler.unlink()
        _until(lambda: hq.client.get("/healthz").status_code == 200)
        assert hq.post([hq.rating() for _ in range(50)]).status_code == 200
        assert hq.count() == 100
    finally:
        hq.client.close()
        hq.app.state.engine.dispose()


def test_a_disk_short_of_the_headroom_is_a_503_though_a_rolled_back_write_fits(disk):
    # Why /healthz does not just try a write and roll it back: SQLite keeps a
    # transaction's pages in memory until it commits, so that "write" succeeds on a
    # disk where the next batch of ratings has no room.
    db = disk / "hq.db"
    hq = make_hq(f"sqlite:///{db}")
    try:
        filler = fill(disk)
        engine = create_engine(f"sqlite:///{db}")
        with engine.connect() as connection:
            connection.execute(
                text("INSERT INTO regions (id, name, created_at) VALUES ('x', 'X', '2026-01-01')")
            )
            connection.rollback()  # no error: nothing was written
        engine.dispose()
        assert _refused(
            _until(lambda: (a := hq.client.get("/healthz")).status_code == 503 and a),
            "is full",
            f"HQ needs {HEADROOM / 1e6:.1f} MB",
        )
        filler.unlink()
        _until(lambda: hq.client.get("/healthz").status_code == 200)
    finally:
        hq.client.close()
        hq.app.state.engine.dispose()


def _end_sessions(name: str) -> None:
    """What a failover or an administrator does: every session of the database ends."""
    with psycopg.connect(PG, autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        )


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_postgresql_that_refuses_writes_is_a_503_that_says_so(database_url):
    name = urlsplit(database_url).path.lstrip("/")
    hq = make_hq(database_url)
    try:
        assert hq.client.get("/healthz").status_code == 200
        with psycopg.connect(PG, autocommit=True) as conn:
            conn.execute(f"ALTER DATABASE {name} SET default_transaction_read_only = on")
        _end_sessions(name)
        health = _until(lambda: (a := hq.client.get("/healthz")).status_code == 503 and a)
        assert _refused(health, "PostgreSQL refuses writes", "default_transaction_read_only")
        for size in (1, COPY_FROM):  # by the INSERT, and a backlog by COPY
            upload = hq.post([hq.rating() for _ in range(size)])
            assert upload.status_code == 503, upload.text
            assert upload.json()["error"]["code"] == "database_unavailable"
        with psycopg.connect(PG, autocommit=True) as conn:
            conn.execute(f"ALTER DATABASE {name} RESET default_transaction_read_only")
        _end_sessions(name)
        _until(lambda: hq.client.get("/healthz").status_code == 200)
        assert hq.post([hq.rating()]).status_code == 200
        assert hq.count() == 1
    finally:
        hq.client.close()
        hq.app.state.engine.dispose()
