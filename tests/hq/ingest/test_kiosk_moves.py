"""Ratings of a kiosk moved to another store (issue 29): HQ takes a rating stamped with
any store the kiosk has been in, by its store history, and counts it in that store, in
that store's time zone; a store the kiosk never belonged to is refused as before, and
changes nothing. All or nothing per batch, idempotent on id, 409 on a changed rating."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from hq.fleet.chain.kiosks import move_kiosk, store_history
from hq.people.admin import add_store
from hq.people.credentials import token_hash
from hq.tables.chain import DeviceStore
from hq.tables.models import DayCount, HourCount, Rating
from kiosk.timekeeping.localtime import to_utc_text
from tests.hq.migrating import migrate

AT = datetime(
    2026, 11, 20, 3, 30, tzinfo=UTC
)  # 05:30 in Helsinki, 22:30 the day before in New York


def move(hq, store: str) -> None:
    with hq.sessions() as s:
        move_kiosk(s, None, "k1", store, hq.clock.now)
    hq.app.state.devices.forget(token_hash(hq.token))  # as another HQ process would see it


def held(hq) -> tuple:
    """What HQ holds: the ratings by store, and the counts by store, day and hour."""
    with hq.sessions() as s:
        ratings = s.execute(
            select(Rating.store_id, func.count())
            .group_by(Rating.store_id)
            .order_by(Rating.store_id)
        ).all()
        hours = s.execute(
            select(HourCount.store_id, HourCount.day, HourCount.hour, HourCount.n)
            .order_by(HourCount.store_id, HourCount.day, HourCount.hour)
        ).all()  # fmt: skip
        days = s.scalar(select(func.count()).select_from(DayCount))
    return [tuple(r) for r in ratings], [tuple(h) for h in hours], days


def test_a_moved_kiosk_s_ratings_count_in_the_store_each_names(hq):
    with hq.sessions() as s:
        add_store(s, "s3", "Manhattan", "America/New_York", hq.clock.now)
    at = to_utc_text(AT)
    first = hq.rating(recorded_at=at)
    assert hq.post([first]).status_code == 200  # in s1; the token cache now says s1
    move(hq, "s3")
    with hq.sessions() as s:
        assert [store for store, _ in store_history(s, "k1")] == ["s1", "s3"]
    old, new = hq.rating(recorded_at=at), hq.rating(recorded_at=at, store_id="s3")
    answer = hq.post([old, new])
    assert answer.status_code == 200, answer.text
    assert answer.json()["accepted"] == 2
    ratings, hours, _ = held(hq)
    assert ratings == [("s1", 2), ("s3", 1)]
    # each in its own store's local day and hour: Helsinki 05, New York 22 the day before
    assert hours == [("s1", "2026-11-20", 5, 2), ("s3", "2026-11-19", 22, 1)]

    again = hq.post([old, new])  # idempotent on id
    assert again.status_code == 200 and again.json() == {**answer.json(), "accepted": 0,
                                                         "duplicates": 2}  # fmt: skip
    changed = hq.post([{**old, "store_id": "s3"}])  # the same id in another store: changed
    assert changed.status_code == 409
    assert changed.json()["error"]["code"] == "id_conflict"
    assert held(hq)[:2] == (ratings, hours)


def test_a_store_the_kiosk_never_belonged_to_is_refused_and_changes_nothing(hq):
    move(hq, "s2")
    with hq.sessions() as s:
        add_store(s, "s3", "Manhattan", "America/New_York", hq.clock.now)
    assert hq.post([hq.rating()]).status_code == 200  # s1: where it was
    before = held(hq)
    for store in ("s3", "nowhere"):
        batch = [hq.rating(), hq.rating(store_id="s2"), hq.rating(store_id=store)]
        refused = hq.post(batch)
        assert refused.status_code == 403, refused.text
        error = refused.json()["error"]
        assert error["code"] == "not_your_rating"
        assert batch[2]["id"] in error["message"] and repr(store) in error["message"]
        assert held(hq) == before  # all or nothing: the good two are not kept either
    # k2 was never moved: only its own store is its own
    k2 = hq.rating(device_id="k2", store_id="s1")
    refused = hq.post([k2], token=hq.extra_devices["k2"])
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "not_your_rating"
    assert held(hq) == before


def test_migration_0022_gives_each_kiosk_its_store_and_a_move_adds_a_row(hq, database_url):
    """Every kiosk there is when migration 0022 runs gets its store as its first row;
    each move (the page, the API and ``hymio hq set-device`` call one function) adds one."""
    migrate(database_url, "0021", down=True)
    migrate(database_url, "0022")
    with hq.sessions() as s:
        rows = s.execute(select(DeviceStore.device_id, DeviceStore.store_id, DeviceStore.since))
        assert sorted((d, st) for d, st, _ in rows) == [("k1", "s1"), ("k2", "s2")]
    migrate(database_url, "head")  # and on to today's HQ (the later migrations change devices)
    move(hq, "s2")
    with hq.sessions() as s:
        history = store_history(s, "k1")
    assert [store for store, _ in history] == ["s1", "s2"]
    assert history[1][1] == to_utc_text(hq.clock.now)
