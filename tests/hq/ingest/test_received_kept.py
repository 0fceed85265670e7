"""The received figures kept at ingest (issue 20) always equal a count of the ratings: after
any mix of new batches, re-sent ones, refused ones (a 409 rolls the whole batch back),
clock repairs and several kiosk databases, on SQLite and PostgreSQL; and the gaps that
:mod:`hq.ingest.completeness` reports from them equal the gaps in the stored ``seq``s. The
migration fills the figures from ratings an older HQ already had."""

from __future__ import annotations

import uuid
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, inspect, select

from hq.ingest.completeness import completeness
from hq.people.admin import add_device
from hq.tables.models import DeviceReceived, Rating
from kiosk.timekeeping.localtime import to_utc_text
from tests.hq.migrating import migrated

step = st.one_of(
    st.tuples(st.just("new"), st.sampled_from(["a", "b"]), st.integers(1, 6), st.booleans()),
    st.tuples(st.just("again"), st.integers(0, 50)),
    st.tuples(st.just("conflict"), st.integers(0, 50)),
    st.tuples(st.just("repair"), st.integers(0, 50)),
)


def scanned(session, device: str) -> dict[str, tuple[int, int, str]]:
    rows = session.execute(
        select(Rating.database_id, func.count(), func.max(Rating.seq), func.max(Rating.recorded_at))
        .where(Rating.device_id == device)
        .group_by(Rating.database_id)
    )
    return {d: (int(n), int(seq), at) for d, n, seq, at in rows}


def kept(session, device: str) -> dict[str, tuple[int, int, str]]:
    rows = session.scalars(select(DeviceReceived).where(DeviceReceived.device_id == device))
    return {r.database_id: (r.received, r.last_seq, r.last_recorded_at) for r in rows}


def true_gaps(session, device: str) -> list[tuple[int, int]]:
    found = []
    for database in ("a", "b"):
        seqs = sorted(
            session.scalars(
                select(Rating.seq).where(Rating.device_id == device, Rating.database_id == database)
            )
        )
        last = 0
        for seq in seqs:
            if seq > last + 1:
                found.append((last + 1, seq - 1))
            last = seq
    return found


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=st.lists(step, min_size=1, max_size=12))
def test_the_kept_figures_equal_a_count_of_the_ratings(hq, steps):
    device = f"p{uuid.uuid4().hex[:8]}"
    with hq.sessions() as s:
        token = add_device(s, "s1", device, hq.clock.now)
    sent: list[dict] = []
    next_seq = {"a": 1, "b": 1}
    for op, *args in steps:
        if op == "new":
            database, n, skip = args
            next_seq[database] += 2 if skip else 0  # a gap before this batch
            batch = []
            for _ in range(n):
                batch.append(
                    hq.rating(
                        device_id=device,
                        database_id=database,
                        seq=next_seq[database],
                        clock_synced=len(sent) % 3 != 0,
                        recorded_at=to_utc_text(hq.clock.now - timedelta(minutes=len(sent))),
                    )
                )
                next_seq[database] += 1
            assert hq.post(batch, token=token).status_code == 200
            sent.extend(batch)
        elif sent and op == "again":
            assert hq.post([sent[args[0] % len(sent)]], token=token).status_code == 200
        elif sent and op == "conflict":
            known = sent[args[0] % len(sent)]
            changed = {**known, "score": 1 if known["score"] != 1 else 2}
            fresh = hq.rating(device_id=device, database_id="a", seq=next_seq["a"])
            answer = hq.post([fresh, changed], token=token)
            assert answer.status_code == 409  # the fresh one is rolled back with it
        elif sent and op == "repair":
            r = sent[args[0] % len(sent)]
            if not r["clock_synced"]:
                later = to_utc_text(hq.clock.now - timedelta(seconds=30))
                r.update(clock_synced=True, recorded_at=later)
                assert hq.post([r], token=token).json()["repaired"] == 1
    with hq.sessions() as s:
        assert kept(s, device) == scanned(s, device)
        c = completeness(s, device)
        assert [g for d in c.databases for g in d.gaps] == true_gaps(s, device)
        assert c.received == len({r["id"] for r in sent})


def test_the_migration_fills_the_figures_from_the_ratings_already_there(hq, database_url):
    hq.post([hq.rating() for _ in range(3)])
    hq.post([hq.rating(database_id="two", seq=7)])
    with migrated(database_url, "0003", down=True) as conn:  # an HQ before migration 0004
        assert "device_received" not in inspect(conn).get_table_names()
    from hq.tables.database import open_database

    engine, sessions = open_database(database_url)
    with sessions() as s:
        assert kept(s, "k1") == scanned(s, "k1")
        assert kept(s, "k1")["two"][:2] == (1, 7)
    engine.dispose()
