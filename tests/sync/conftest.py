"""Fixtures for sync: a real HQ on 127.0.0.1, a kiosk store for its device ``k1``, and
the settings file that ties them together."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kiosk.store.store import Store
from kiosk.timekeeping.clock import ManualClock
from sync.backoff import Backoff
from sync.client import HQClient
from sync.uploader import Uploader
from tests.conftest import make_context
from tests.hq.conftest import HQ, LiveServer, free_port, make_hq, wait_until_up

START = datetime(2026, 11, 19, 8, 0, tzinfo=UTC)  # the day before HQ's test clock


def kiosk_context():
    return dataclasses.replace(make_context(device_id="k1"), store_id="s1")


@pytest.fixture
def live(tmp_path) -> Iterator[tuple[HQ, str]]:
    """HQ on SQLite over real HTTP on 127.0.0.1 (rate limit high enough not to matter)."""
    hq = make_hq(f"sqlite:///{tmp_path / 'hq.db'}", rate=10_000.0, burst=10_000)
    with LiveServer(hq.app) as server:
        yield hq, server.url
    hq.client.close()
    hq.app.state.engine.dispose()


@pytest.fixture
def kiosk_clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def kiosk_db(tmp_path) -> Path:
    return tmp_path / "kiosk" / "ratings.db"


@pytest.fixture
def kiosk(kiosk_db, kiosk_clock) -> Iterator[Store]:
    """Device k1's store (store s1)."""
    with Store(kiosk_db, kiosk_context(), clock=kiosk_clock) as store:
        yield store


def press(store: Store, n: int, *, source: str = "button", every: float = 7.0) -> list:
    """*n* presses *every* seconds apart (none flagged as a repeat), in one transaction."""
    clock = store.clock
    out = []
    with store.bulk():
        for i in range(n):
            clock.advance(every)
            out.append(store.record(i % 4 + 1, source))
    return out


def uploader(store: Store, url: str, token: str, **kwargs) -> Uploader:
    client = HQClient(url, token, read_timeout=kwargs.pop("read_timeout", 10.0))
    backoff = kwargs.pop("backoff", Backoff(base=0.01, cap=0.05))
    return Uploader(store, client, backoff=backoff, **kwargs)


def sync_once(settings: Path, *options: str, timeout: float = 120):
    """``hymio sync --config SETTINGS --once [OPTIONS]`` as a process; its result."""
    command = [sys.executable, "-m", "hymio", "sync", "--config", str(settings), "--once"]
    return subprocess.run([*command, *options], capture_output=True, text=True, timeout=timeout)


def write_settings(folder: Path, url: str, token: str, db: Path, **hq: object) -> Path:
    """A kiosk settings file for device k1 of store s1 pointing at HQ *url*."""
    extra = "".join(f"{k} = {v!r}\n" for k, v in hq.items())
    path = folder / "kiosk.toml"
    path.write_text(
        f'[device]\nid = "k1"\nstore_id = "s1"\n\n'
        f'[hq]\nurl = "{url}"\ntoken = "{token}"\n{extra}\n'
        f'[storage]\npath = "{db}"\n',
        encoding="utf-8",
    )
    return path


@dataclass
class HQProcess:
    """``hymio hq serve`` as a process on 127.0.0.1, with store s1 and device k1."""

    url: str
    token: str
    reader: str
    sessions: object

    def ids(self, device: str = "k1") -> dict[str, tuple]:
        """Every rating HQ holds of *device*: id → (database_id, seq, recorded_at, clock_synced)."""
        from sqlalchemy import select

        from hq.tables.models import Rating

        with self.sessions() as s:
            rows = s.execute(
                select(
                    Rating.id, Rating.database_id, Rating.seq, Rating.recorded_at,
                    Rating.clock_synced,
                ).where(Rating.device_id == device)
            )  # fmt: skip
            return {r[0]: tuple(r[1:]) for r in rows}

    def gaps(self, device: str = "k1") -> dict:
        import requests

        answer = requests.get(
            f"{self.url}/api/v1/devices/{device}/gaps",
            headers={"Authorization": f"Bearer {self.reader}"},
            timeout=10,
        )
        answer.raise_for_status()
        return answer.json()


@pytest.fixture
def hq_process(tmp_path) -> Iterator[HQProcess]:
    """A real HQ process on SQLite (its own clock: the real one)."""

    from hq.people.admin import add_api_token, add_device, add_store
    from hq.tables.database import open_database

    url = f"sqlite:///{tmp_path / 'hq-process.db'}"
    engine, sessions = open_database(url)
    now = datetime.now(UTC)
    with sessions() as s:
        add_store(s, "s1", "Kamppi", "Europe/Helsinki", now)
        token = add_device(s, "s1", "k1", now)
        reader = add_api_token(s, "analyst", now)
    port = free_port()
    log = (tmp_path / "hq-process.log").open("w")
    command = [sys.executable, "-m", "hymio", "hq", "serve", "--database", url]
    proc = subprocess.Popen([*command, "--port", str(port)], stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    wait_until_up(base, proc)
    try:
        yield HQProcess(base, token, reader, sessions)
    finally:
        proc.terminate()
        proc.wait(10)
        log.close()
        engine.dispose()
