"""The end of every nothing-held-back test: HQ holds exactly what the kiosk acknowledged."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from kiosk.store import salvage
from kiosk.store.ledger import Ledger
from kiosk.store.store import Store
from sync.client import HQClient
from sync.databases import Databases
from sync.heartbeat import send_heartbeat
from tests.sync.conftest import uploader


def kiosk_ratings(path: Path) -> dict[str, tuple]:
    """Every rating in the store at *path* and its salvaged stores, as HQ keeps them."""
    found = {}
    for p in [path, *salvage.archives(path)]:
        conn = sqlite3.connect(p)
        rows = conn.execute(
            "SELECT id, database_id, seq, recorded_at, clock_synced FROM ratings"
        ).fetchall()
        conn.close()
        found.update({r[0]: (r[1], r[2], r[3], bool(r[4])) for r in rows})
    return found


def heartbeat(store: Store, hq, token: str | None = None) -> None:
    databases = Databases(store)
    try:
        assert send_heartbeat(Ledger(store), HQClient(hq.url, token or hq.token), databases)
    finally:
        databases.close()


def drain(store: Store, url: str, token: str) -> None:
    up = uploader(store, url, token)
    try:
        outcome = up.drain(attempts=3)
        assert outcome.ok, outcome.error
    finally:
        up.close()


def assert_whole(hq, acknowledged: set[str], kiosk_db: Path, device: str = "k1") -> None:
    """HQ has exactly *acknowledged*, each as the kiosk has it; nothing missing or held."""
    at_hq = hq.ids(device)
    assert set(at_hq) == acknowledged
    mine = kiosk_ratings(kiosk_db)  # less what a re-imaged card no longer has
    assert {i: at_hq[i] for i in mine} == mine  # one version of each id
    gaps = hq.gaps(device)
    assert gaps["complete"], gaps
    assert (gaps["missing"], gaps["not_received"], gaps["held"], gaps["pending"]) == (0, 0, 0, 0)
