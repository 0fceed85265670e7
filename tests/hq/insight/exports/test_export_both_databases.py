"""The CSV export is the same file on SQLite and on PostgreSQL (issue 31): the same chain,
the same ratings with the same ids, fetched from both as ``GET /api/v1/export.csv``,
gives the same bytes. Awkward names and labels, four zones (one with a half-hour DST),
a DST change inside the range, incomplete days and a rating whose clock HQ distrusts."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from hq.people.admin import add_device, add_store
from hq.tables.models import Store
from kiosk.timekeeping.localtime import to_utc_text
from tests.hq.conftest import Clock, make_hq
from tests.hq.exports import get
from tests.hq.server.rig import fresh_database

ZONES = {"ah": "Europe/Helsinki", "bk": "Asia/Kathmandu", "cs": "America/St_Johns",
         "dl": "Australia/Lord_Howe"}  # fmt: skip
NAMES = {"ah": "=SUM(1)", "bk": 'say "hi", then', "cs": "two\nlines", "dl": "Åbo – Turku €"}
CLOCK = datetime(2026, 11, 2, 12, tzinfo=UTC)


def _chain(url: str) -> bytes:
    hq = make_hq(url, Clock(CLOCK))
    try:
        rng = uuid.UUID(int=31)  # the same ids on both databases
        with hq.sessions() as s:
            tokens = {}
            for store, zone in ZONES.items():
                add_store(s, store, "x", zone, CLOCK)
                s.execute(update(Store).where(Store.id == store).values(name=NAMES[store]))
                s.commit()
                tokens[store] = add_device(s, store, f"{store}-k", CLOCK)
        for store, token in tokens.items():
            batch, seq = [], 0
            for i in range(40):  # every 7 h 13 min from 20 October, across the DST change
                seq += 2 if i % 11 == 5 else 1  # a gap now and then: incomplete days
                at = datetime(2026, 10, 20, tzinfo=UTC) + timedelta(minutes=433 * i)
                if i == 39:
                    at = CLOCK + timedelta(days=300)  # ahead of HQ's clock: suspect
                rng = uuid.UUID(int=rng.int + 1)
                batch.append(hq.rating(
                    id=str(rng), device_id=f"{store}-k", store_id=store, seq=seq,
                    recorded_at=to_utc_text(at), score=1 + i % 4,
                    reason=("queue", "staff", None)[i % 3] if i % 4 == 0 else None,
                ))  # fmt: skip
            assert hq.post(batch, token=token).status_code == 200
        whole = get(hq, "/api/v1/export.csv").content
        ranged = get(hq, "/api/v1/export.csv?from=2026-10-24&to=2026-10-28").content
        one = get(hq, "/api/v1/export.csv?store=dl&lang=fi").content
        return b"\0".join((whole, ranged, one))
    finally:
        hq.client.close()
        hq.app.state.engine.dispose()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_sqlite_and_postgresql_export_the_same_bytes(database_url, pg_template):
    on_sqlite = _chain(database_url)
    with fresh_database(pg_template) as (_, pg_url):
        on_postgresql = _chain(pg_url)
    whole = on_sqlite.split(b"\0")[0]
    assert whole.count(b"\r\n") > 4 * 38  # every rating, a header, CRLF line ends
    assert b"'=SUM(1)" in whole and b'"two\nlines"' in whole
    assert on_sqlite == on_postgresql
