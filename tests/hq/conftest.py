"""Fixtures for HQ: a fresh database on SQLite and on the local PostgreSQL, an app with a
clock the test moves, a store with a device, ratings to send, a live server on 127.0.0.1."""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
import uvicorn
from fastapi.testclient import TestClient

from hq.people.admin import add_api_token, add_device, add_store, add_user
from hq.server.app import create_app
from hq.tables.database import open_database
from kiosk.timekeeping.localtime import to_utc_text
from tests.hq.alert_fixtures import smtp, webhook  # noqa: F401 (fixtures)

PG = os.environ.get("HYMIO_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
TEMPLATE = f"hymio_tpl_{os.getpid()}"
NOON = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)  # Friday, 12:00 in Helsinki
PASSWORD = "correct horse battery"  # noqa: S105 -- a test user's password


def _pg(sql: str) -> None:
    with psycopg.connect(PG, autocommit=True) as conn:
        conn.execute(sql)


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    """A migrated PostgreSQL database that each test's fresh database is copied from."""
    _pg(f"DROP DATABASE IF EXISTS {TEMPLATE}")
    _pg(f"CREATE DATABASE {TEMPLATE}")
    engine, _ = open_database(_url(TEMPLATE))
    engine.dispose()
    yield TEMPLATE
    _pg(f"DROP DATABASE IF EXISTS {TEMPLATE}")


def _url(name: str) -> str:
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path) -> Iterator[str]:
    """A fresh, empty HQ database: a SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'hq.db'}"
        return
    template = request.getfixturevalue("pg_template")
    name = f"hymio_t_{uuid.uuid4().hex[:12]}"
    _pg(f"CREATE DATABASE {name} TEMPLATE {template}")
    yield _url(name)
    _pg(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@dataclass
class Clock:
    """HQ's wall clock, moved by the test."""

    now: datetime = NOON

    def __call__(self) -> datetime:
        return self.now


@dataclass
class HQ:
    """An HQ app with store ``s1`` (Helsinki), device ``k1`` and its token."""

    app: object
    client: TestClient
    clock: Clock
    token: str
    reader_token: str
    sessions: object
    seq: int = 0
    extra_devices: dict[str, str] = field(default_factory=dict)

    def auth(self, token: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {token or self.token}"}

    def rating(self, **over) -> dict:
        """A new valid rating of k1 with the next seq."""
        self.seq += 1
        base = {
            "id": str(uuid.uuid4()),
            "device_id": "k1",
            "store_id": "s1",
            "seq": self.seq,
            "survey_id": "default",
            "question_id": "overall",
            "config_version": 1,
            "scale": "smiley4",
            "score": 4,
            "source": "button",
            "reason": None,
            "recorded_at": to_utc_text(self.clock.now - timedelta(minutes=5)),
            "clock_synced": True,
            "boot_id": "0d4c7b1e-1f2a-4c3b-9d8e-123456789abc",
            "mono_ns": 1_000_000_000 + self.seq,
            "flag": None,
        }
        return {**base, **over}

    def post(self, ratings: list[dict], token: str | None = None):
        return self.client.post(
            "/api/v1/ratings", json={"ratings": ratings}, headers=self.auth(token)
        )

    def count(self) -> int:
        from sqlalchemy import func, select

        from hq.tables.models import Rating

        with self.sessions() as s:
            return s.scalar(select(func.count()).select_from(Rating))


def make_hq(url: str, clock: Clock | None = None, **kwargs) -> HQ:
    clock = clock or Clock()
    app = create_app(url, clock=clock, **kwargs)
    sessions = app.state.sessions
    with sessions() as s:
        add_store(s, "s1", "Kamppi", "Europe/Helsinki", clock.now)
        add_store(s, "s2", "Tampere", "Europe/Helsinki", clock.now)
        token = add_device(s, "s1", "k1", clock.now)
        other = add_device(s, "s2", "k2", clock.now)
        reader = add_api_token(s, "analyst", clock.now)
        add_user(s, "admin", PASSWORD, clock.now)
    hq = HQ(app, TestClient(app), clock, token, reader, sessions)
    hq.extra_devices["k2"] = other
    return hq


@pytest.fixture
def hq(database_url) -> Iterator[HQ]:
    """HQ on a fresh database, through FastAPI's test client."""
    hq = make_hq(database_url)
    yield hq
    hq.client.close()
    hq.app.state.engine.dispose()


def csrf_of(html: str) -> str:
    """The CSRF token in a dashboard page's form."""
    return html.split('name="csrf" value="')[1].split('"')[0]


def log_in(hq: HQ) -> None:
    """Log *hq*'s test client in as the test user, through the login form."""
    data = {
        "username": "admin",
        "password": PASSWORD,
        "csrf": csrf_of(hq.client.get("/login").text),
    }
    answer = hq.client.post("/login", data=data, follow_redirects=False)
    assert answer.status_code == 303, answer.text


def seeded_sqlite(tmp_path: Path) -> tuple[str, str]:
    """A SQLite HQ database in *tmp_path* with store s1 and its device k1: the URL and
    k1's token (for tests that start ``hymio hq serve`` on it)."""
    url = f"sqlite:///{tmp_path / 'hq.db'}"
    engine, sessions = open_database(url)
    now = datetime.now(UTC)
    with sessions() as s:
        add_store(s, "s1", "Kamppi", "Europe/Helsinki", now)
        token = add_device(s, "s1", "k1", now)
    engine.dispose()
    return url, token


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(base: str, proc, seconds: float = 30) -> None:
    """Wait until the HQ process *proc* answers ``/healthz`` at *base*."""
    import requests

    deadline = time.monotonic() + seconds
    while True:
        try:
            requests.get(f"{base}/healthz", timeout=1)
            return
        except requests.ConnectionError:
            assert proc.poll() is None and time.monotonic() < deadline, "HQ did not start"
            time.sleep(0.1)


class LiveServer:
    """A real uvicorn server for *app* on 127.0.0.1, on a free port, in a thread."""

    def __init__(self, app):
        config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the HQ test server did not start")
            time.sleep(0.02)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(10)


@pytest.fixture
def live_hq(hq) -> Iterator[tuple[HQ, str]]:
    """The same HQ served over real HTTP on 127.0.0.1."""
    with LiveServer(hq.app) as server:
        yield hq, server.url
