"""On PostgreSQL a batch's kept figures (received counts, day and hour counts) and the
device's touch are one statement (:mod:`hq.ingest.kept`); on SQLite, and where that does not
apply, they are one statement after another. For random batches (re-sends, changed
ratings, several kiosk databases, flags, reasons, times HQ cannot believe, days either
side of midnight) both ways answer the same and leave the same figures, also when every
batch goes in by COPY and the one statement is made while the database takes it."""

from __future__ import annotations

import uuid
from datetime import timedelta
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from hq.ingest import bulk
from hq.tables.models import DayCount, Device, DeviceReceived, HourCount
from kiosk.timekeeping.localtime import to_utc_text
from tests.hq.conftest import NOON, _pg, _url, make_hq

IDS = [str(uuid.UUID(int=i, version=4)) for i in range(1, 40)]


@pytest.fixture
def both(pg_template):
    """Two HQs on fresh PostgreSQL databases."""
    names = [f"hymio_t_{uuid.uuid4().hex[:12]}" for _ in range(2)]
    hqs = []
    for name in names:
        _pg(f"CREATE DATABASE {name} TEMPLATE {pg_template}")
        hqs.append(make_hq(_url(name)))
    yield hqs
    for hq, name in zip(hqs, names, strict=True):
        hq.client.close()
        hq.app.state.engine.dispose()
        _pg(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@st.composite
def a_rating(draw, resent: bool = False) -> dict:
    """A rating of one of a few ids (re-sends come often): with its fields drawn (a re-send
    is mostly a changed rating), or if *resent* the same fields for the same id each time
    (a re-send is a duplicate, and a batch mixes known and new ratings)."""
    i = draw(st.integers(0, len(IDS) - 1))

    def pick(options: list):
        return options[i % len(options)] if resent else draw(st.sampled_from(options))

    return {
        "id": IDS[i],
        "device_id": "k1",
        "store_id": "s1",
        "database_id": pick(["db-a", "db-b"]),
        "seq": i + 1,
        "survey_id": "default",
        "question_id": pick(["overall", "staff", "staff"]),
        "config_version": 1,
        "scale": "smiley4",
        "score": pick([1, 2, 3, 4, 4]),
        "source": "button",
        "reason": pick([None, "queue", "staff", None]),
        "recorded_at": to_utc_text(
            NOON + timedelta(minutes=pick([-600, -5, 0, 719, 720, 2000, -601]))
            if pick([*range(1, 10), 0])
            else NOON - timedelta(days=3 * 365)  # before Hymiö: a suspect time
        ),
        "clock_synced": True,
        "boot_id": "b00t",
        "mono_ns": i,
        "flag": pick([None, None, "repeat", "stuck", None, None]),
    }


def _figures(hq) -> tuple:
    with hq.sessions() as s:
        tables = [
            [tuple(r) for r in s.execute(select(*t.__table__.columns).order_by(*keys(t)))]
            for t in (DeviceReceived, HourCount, DayCount)
        ]
        return (*tables, s.scalar(select(Device.last_seen_at).where(Device.id == "k1")))


def keys(table) -> list:
    return list(table.__table__.primary_key.columns)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@pytest.mark.parametrize(
    ("copy_from", "resent"),
    [(bulk.COPY_FROM, False), (1, False), (1, True)],
    ids=["statement", "copy", "copy-resent"],
)
@given(st.data())
def test_one_statement_and_one_by_one_keep_the_same_figures(
    both, monkeypatch, copy_from, resent, data
):
    monkeypatch.setattr(bulk, "COPY_FROM", copy_from)
    rating = a_rating(resent)
    batches = data.draw(st.lists(st.lists(rating, min_size=1, max_size=12), min_size=1, max_size=4))
    at_once, one_by_one = both
    accepted = sum(r[2] for r in _figures(at_once)[0])  # the examples share the databases
    for batch in batches:
        first = at_once.post(batch)
        with mock.patch("hq.ingest.batches._keep_at_once", return_value=False) as off:
            second = one_by_one.post(batch)
        assert (first.status_code, first.json()) == (second.status_code, second.json())
        assert first.status_code in (200, 409), first.text
        if first.status_code == 200:
            assert off.called  # the other way was indeed the one-by-one one
            accepted += first.json()["accepted"]
    kept = _figures(at_once)
    assert kept == _figures(one_by_one)
    assert sum(r[2] for r in kept[0]) == accepted  # received counts every new rating
