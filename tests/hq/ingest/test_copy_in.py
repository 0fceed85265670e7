"""A large batch on PostgreSQL goes in by COPY (hq.ingest.bulk): the same answers, the same
rows and the same refusals as the statement that takes a small batch, on both databases."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError

from hq.ingest import bulk
from hq.tables.models import DeviceReceived, HourCount, Rating
from kiosk.timekeeping.localtime import to_utc_text

LARGE = bulk.COPY_FROM + 50


@pytest.fixture
def copies(hq, monkeypatch) -> list[int]:
    """The size of each batch that went in by COPY."""
    sizes: list[int] = []
    real = bulk._copy_new

    def counted(session, rows, meanwhile):
        sizes.append(len(rows))
        return real(session, rows, meanwhile)

    monkeypatch.setattr(bulk, "_copy_new", counted)
    return sizes


def by_copy(hq, n: int) -> list[int]:
    """What *copies* holds after a batch of *n* on this database: COPY on PostgreSQL only."""
    return [n] if hq.app.state.engine.dialect.name == "postgresql" else []


def test_a_large_batch_is_stored_as_sent_and_counted_once(hq, copies):
    batch = [hq.rating(score=1 + i % 4) for i in range(LARGE)]
    assert hq.post(batch).json() == {"accepted": LARGE, "duplicates": 0, "repaired": 0}
    assert copies == by_copy(hq, LARGE)
    assert hq.post(batch).json() == {"accepted": 0, "duplicates": LARGE, "repaired": 0}
    with hq.sessions() as s:
        stored = {r.id: r for r in s.scalars(select(Rating))}
        kept = s.scalar(select(func.sum(HourCount.n)))
    assert len(stored) == LARGE
    for sent in batch:
        assert {k: getattr(stored[sent["id"]], k) for k in sent} == sent
        assert stored[sent["id"]].received_at == to_utc_text(hq.clock.now)
    assert kept == LARGE  # the kept counts took the batch once, not again as duplicates


def test_a_large_batch_of_known_and_new_ratings_says_which(hq, copies):
    known = [hq.rating() for _ in range(30)]
    hq.post(known)
    batch = known + [hq.rating() for _ in range(LARGE - 30)]
    answer = hq.post(batch).json()
    assert answer == {"accepted": LARGE - 30, "duplicates": 30, "repaired": 0}
    assert copies == by_copy(hq, LARGE)
    assert hq.count() == LARGE
    with hq.sessions() as s:  # the counts made during the COPY were for all the rows
        assert s.scalar(select(func.sum(HourCount.n))) == LARGE
        assert s.scalar(select(func.sum(DeviceReceived.received))) == LARGE


def test_a_seq_used_again_in_a_large_batch_is_a_409_and_nothing_is_stored(hq, copies):
    first = hq.rating()
    hq.post([first])
    again = hq.rating(seq=first["seq"])
    batch = [hq.rating() for _ in range(LARGE)] + [again]
    answer = hq.post(batch)
    assert answer.status_code == 409, answer.text
    assert answer.json()["error"]["code"] == "seq_taken"
    assert answer.json()["error"]["rating_id"] == again["id"]
    assert hq.count() == 1
    assert copies == by_copy(hq, LARGE + 1)


def test_a_changed_rating_in_a_large_batch_is_a_409_and_nothing_is_stored(hq, copies):
    first = hq.rating(score=2)
    hq.post([first])
    batch = [hq.rating() for _ in range(LARGE)] + [{**first, "score": 4}]
    answer = hq.post(batch)
    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "id_conflict"
    assert answer.json()["error"]["rating_id"] == first["id"]
    assert hq.count() == 1
    assert copies == by_copy(hq, LARGE + 1)


def test_a_clock_repair_in_a_large_batch_is_applied(hq, copies):
    early = hq.rating(recorded_at="2026-11-18T03:00:00.000000+00:00", clock_synced=False)
    hq.post([early])
    fixed = {**early, "recorded_at": to_utc_text(hq.clock.now), "clock_synced": True}
    batch = [fixed] + [hq.rating() for _ in range(LARGE)]
    assert hq.post(batch).json() == {"accepted": LARGE, "duplicates": 1, "repaired": 1}
    assert copies == by_copy(hq, LARGE + 1)
    with hq.sessions() as s:
        stored = s.get(Rating, early["id"])
        assert (stored.recorded_at, stored.clock_synced) == (fixed["recorded_at"], True)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_database_error_in_the_copy_is_sqlalchemys_and_changes_nothing(hq, monkeypatch):
    # Errors of the COPY come from psycopg itself; they reach ingest as SQLAlchemy's, so a
    # deadlock is tried again and the rest is answered as any database error is.
    monkeypatch.setattr(bulk, "_copy_sql", lambda: "COPY ratings (no_such_column) FROM STDIN")
    with hq.sessions() as s, pytest.raises(DBAPIError, match="no_such_column"):
        rows = [{**hq.rating(), "received_at": "x", "time_suspect": False} for _ in range(LARGE)]
        bulk.insert_new(s, rows)
    assert hq.count() == 0
