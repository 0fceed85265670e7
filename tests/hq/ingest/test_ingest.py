"""POST /api/v1/ratings: idempotent, all or nothing, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import timedelta

import requests
from sqlalchemy import select

from hq.tables.models import Device, Rating
from kiosk.timekeeping.localtime import to_utc_text
from tests.conftest import HELSINKI


def test_a_batch_is_stored_once_and_resending_it_counts_duplicates(hq):
    batch = [hq.rating(score=s) for s in (1, 2, 3, 4)]
    assert hq.post(batch).json() == {"accepted": 4, "duplicates": 0, "repaired": 0}
    assert hq.post(batch).json() == {"accepted": 0, "duplicates": 4, "repaired": 0}
    assert hq.count() == 4
    with hq.sessions() as s:
        stored = {r.id: r for r in s.scalars(select(Rating))}
    for sent in batch:
        row = stored[sent["id"]]
        assert {k: getattr(row, k) for k in sent} == sent
        assert row.received_at == to_utc_text(hq.clock.now)


def test_overlapping_batches_store_each_rating_once(hq):
    ratings = [hq.rating() for _ in range(30)]
    assert hq.post(ratings[:20]).json() == {"accepted": 20, "duplicates": 0, "repaired": 0}
    assert hq.post(ratings[10:]).json() == {"accepted": 10, "duplicates": 10, "repaired": 0}
    assert hq.count() == 30


def test_a_rating_twice_in_one_batch_is_one_rating(hq):
    r = hq.rating()
    assert hq.post([r, r]).json() == {"accepted": 1, "duplicates": 1, "repaired": 0}
    assert hq.count() == 1


def test_the_same_batch_posted_from_two_threads_at_once_lands_once(live_hq):
    hq, url = live_hq
    batches = [[hq.rating() for _ in range(200)] for _ in range(5)]
    results: list[dict] = []
    lock = threading.Lock()

    def send():
        with requests.Session() as http:
            for batch in batches:
                answer = http.post(
                    f"{url}/api/v1/ratings", json={"ratings": batch}, headers=hq.auth(), timeout=30
                )
                assert answer.status_code == 200, answer.text
                with lock:
                    results.append(answer.json())

    threads = [threading.Thread(target=send) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(results) == 10
    assert sum(r["accepted"] for r in results) == 1000
    assert sum(r["duplicates"] for r in results) == 1000
    assert hq.count() == 1000


def test_a_changed_rating_under_a_known_id_is_a_409_naming_it_and_the_batch_is_refused(hq):
    first = hq.rating(score=2)
    hq.post([first])
    fresh = hq.rating()
    answer = hq.post([fresh, {**first, "score": 3}])
    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "id_conflict"
    assert first["id"] in answer.json()["error"]["message"]
    assert "score" in answer.json()["error"]["message"]
    assert hq.count() == 1  # the fresh rating of the refused batch is not there either


def test_a_seq_used_again_under_a_new_id_is_a_409(hq):
    first = hq.rating()
    hq.post([first])
    again = hq.rating(seq=first["seq"])
    answer = hq.post([again])
    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "seq_taken"
    assert again["id"] in answer.json()["error"]["message"]
    assert hq.count() == 1


def test_a_device_may_not_send_another_devices_ratings(hq):
    answer = hq.post([hq.rating(device_id="k2", store_id="s2")])
    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "not_your_rating"
    answer = hq.post([hq.rating(store_id="s2")])
    assert answer.status_code == 403
    assert hq.count() == 0


def test_missing_and_wrong_tokens_are_401(hq):
    body = {"ratings": [hq.rating()]}
    assert hq.client.post("/api/v1/ratings", json=body).status_code == 401
    answer = hq.client.post("/api/v1/ratings", json=body, headers=hq.auth("not-a-token"))
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "bad_token"
    # Another device's token is valid, but not for these ratings.
    assert hq.post(body["ratings"], token=hq.extra_devices["k2"]).status_code == 403
    assert hq.count() == 0


def test_an_implausible_time_is_stored_and_marked_never_refused(hq):
    # A kiosk whose clock says "synchronised" but is a day ahead, one from before Hymiö
    # existed, and a good one: all are stored; the first two are kept out of the figures.
    ahead = hq.rating(recorded_at=to_utc_text(hq.clock.now + timedelta(days=1, minutes=1)))
    ancient = hq.rating(recorded_at="1970-01-01T00:00:05.000000+00:00", clock_synced=False)
    near = hq.rating(recorded_at=to_utc_text(hq.clock.now + timedelta(hours=23)))
    answer = hq.post([ahead, ancient, near])
    assert answer.json() == {"accepted": 3, "duplicates": 0, "repaired": 0}
    assert _suspect(hq) == {ahead["id"]: True, ancient["id"]: True, near["id"]: False}
    # Sent again (the answer was lost): the same rating, a duplicate, never a 409.
    assert hq.post([ahead]).json() == {"accepted": 0, "duplicates": 1, "repaired": 0}
    tomorrow = (hq.clock.now + timedelta(days=1)).astimezone(HELSINKI).date().isoformat()
    daily = hq.client.get(
        f"/api/v1/stores/s1/daily?from={tomorrow}&to={tomorrow}",
        headers=hq.auth(hq.reader_token),
    ).json()
    [day] = daily["days"]
    assert day["ratings"] == 2 and day["flagged"] == 1  # near counts; the day-ahead one not


def _suspect(hq) -> dict[str, bool]:
    with hq.sessions() as s:
        return dict(s.execute(select(Rating.id, Rating.time_suspect)).all())


def test_the_same_id_twice_in_one_batch_with_other_content_is_a_409(hq):
    r = hq.rating(score=4)
    answer = hq.post([r, {**r, "score": 1}])
    assert answer.status_code == 409
    error = answer.json()["error"]
    assert error["code"] == "id_conflict" and error["rating_id"] == r["id"]
    assert "score" in error["message"] and "this batch" in error["message"]
    assert hq.count() == 0


def test_a_clock_repair_of_a_rating_hq_has_is_applied_once(hq):
    # The kiosk sent it before NTP; the answer was lost; NTP came; the kiosk repaired
    # recorded_at and sent it again.
    early = hq.rating(recorded_at="2026-11-18T03:00:00.000000+00:00", clock_synced=False)
    assert hq.post([early]).status_code == 200
    fixed = {**early, "recorded_at": to_utc_text(hq.clock.now), "clock_synced": True}
    assert hq.post([fixed]).json() == {"accepted": 0, "duplicates": 1, "repaired": 1}
    assert hq.post([fixed]).json() == {"accepted": 0, "duplicates": 1, "repaired": 0}
    # Anything else changed, or a second "repair", is a conflict that names the rating.
    for other in (
        {**fixed, "recorded_at": to_utc_text(hq.clock.now - timedelta(hours=1))},
        {**early, "recorded_at": to_utc_text(hq.clock.now), "score": 1, "clock_synced": True},
    ):
        answer = hq.post([other])
        assert answer.status_code == 409 and answer.json()["error"]["rating_id"] == early["id"]
    with hq.sessions() as s:
        stored = s.scalars(select(Rating)).one()
        assert (stored.recorded_at, stored.clock_synced) == (fixed["recorded_at"], True)


def test_a_new_kiosk_database_numbers_from_one_again(hq):
    old = [hq.rating(seq=n, database_id="legacy") for n in (1, 2, 3)]
    new = [hq.rating(seq=n, database_id="01938f0c-7e3a-7c00-8000-000000000001") for n in (1, 2)]
    assert hq.post(old).status_code == 200
    assert hq.post(new).json()["accepted"] == 2
    taken = hq.rating(seq=2, database_id="legacy")
    answer = hq.post([taken])
    assert answer.status_code == 409
    assert answer.json()["error"] == {
        "code": "seq_taken",
        "message": answer.json()["error"]["message"],
        "rating_id": taken["id"],
    }
    assert "'legacy'" in answer.json()["error"]["message"]


def test_1001_ratings_is_a_413_and_1000_is_fine(hq):
    ratings = [hq.rating() for _ in range(1001)]
    answer = hq.post(ratings)
    assert answer.status_code == 413
    assert answer.json()["error"]["code"] == "too_many_ratings"
    assert hq.count() == 0
    assert hq.post(ratings[:1000]).json()["accepted"] == 1000


def test_a_body_over_one_mebibyte_is_a_413_with_or_without_a_length(live_hq):
    hq, url = live_hq
    big = b'{"ratings": [' + b" " * (1024 * 1024) + b"]}"
    answer = requests.post(
        f"{url}/api/v1/ratings",
        data=big,
        timeout=10,
        headers={**hq.auth(), "Content-Type": "application/json"},
    )
    assert answer.status_code == 413
    assert answer.json()["error"]["code"] == "too_large"

    def chunks():
        for i in range(0, len(big), 64 * 1024):
            yield big[i : i + 64 * 1024]

    answer = requests.post(
        f"{url}/api/v1/ratings",
        data=chunks(),
        timeout=10,
        headers={**hq.auth(), "Content-Type": "application/json"},
    )
    assert answer.status_code == 413
    assert hq.count() == 0


def test_posting_marks_the_device_as_seen(hq):
    hq.post([hq.rating()])
    with hq.sessions() as s:
        assert s.get(Device, "k1").last_seen_at == to_utc_text(hq.clock.now)


def test_two_hq_processes_on_one_database_store_each_rating_once(hq, database_url):
    """Behind a load balancer: a retry may reach another HQ process than the first try."""
    from hq.server.app import create_app
    from tests.hq.conftest import LiveServer

    other = create_app(database_url, clock=hq.clock)
    batches = [[hq.rating() for _ in range(100)] for _ in range(6)]
    results: list[dict] = []

    def send(url: str) -> None:
        with requests.Session() as http:
            for batch in batches:
                answer = http.post(
                    f"{url}/api/v1/ratings", json={"ratings": batch}, headers=hq.auth(), timeout=30
                )
                assert answer.status_code == 200, answer.text
                results.append(answer.json())

    with LiveServer(hq.app) as first, LiveServer(other) as second:
        threads = [threading.Thread(target=send, args=(u,)) for u in (first.url, second.url)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    other.state.engine.dispose()
    assert sum(r["accepted"] for r in results) == 600
    assert sum(r["duplicates"] for r in results) == 600
    assert hq.count() == 600
