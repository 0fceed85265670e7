"""Heartbeat, config with ETag, daily figures, seq gaps, CSV export, health."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

from hq.fleet.surveys import set_survey
from hq.tables.models import Device
from kiosk.counting.metrics import summarize
from kiosk.timekeeping.localtime import local_date, to_utc_text


def test_heartbeat_keeps_the_devices_status(hq):
    status = {
        "version": "1.2.0",
        "pending": 12,
        "last_error": "HQ unreachable",
        "clock_synced": False,
        "uptime": 3600.5,
        "disk_free": 10**9,
        "cpu_temperature": 51.2,
        "last_seq": 40,
    }
    answer = hq.client.post("/api/v1/heartbeat", json=status, headers=hq.auth())
    assert answer.status_code == 200
    assert answer.json() == {"ok": True, "server_time": to_utc_text(hq.clock.now)}
    with hq.sessions() as s:
        device = s.get(Device, "k1")
        assert device.version == "1.2.0"
        assert device.last_seen_at == to_utc_text(hq.clock.now)
        assert {k: device.last_status[k] for k in status} == status
    # A newer kiosk may say more; HQ keeps it. A known field of the wrong type is refused.
    newer = {**status, "screen_brightness": 0.4}
    assert hq.client.post("/api/v1/heartbeat", json=newer, headers=hq.auth()).status_code == 200
    wrong = hq.client.post("/api/v1/heartbeat", json={"pending": "12"}, headers=hq.auth())
    assert wrong.status_code == 422
    assert "pending" in wrong.json()["error"]["message"]
    with hq.sessions() as s:
        assert s.get(Device, "k1").last_status["screen_brightness"] == 0.4


def test_config_has_an_etag_and_answers_304_until_it_changes(hq):
    first = hq.client.get("/api/v1/config", headers=hq.auth())
    assert first.status_code == 200
    assert first.json() == {"version": 0, "survey": {}, "hours": {}, "staff": {}}
    etag = first.headers["ETag"]
    again = hq.client.get("/api/v1/config", headers={**hq.auth(), "If-None-Match": etag})
    assert again.status_code == 304
    with hq.sessions() as s:
        version = set_survey(s, "s1", "", {"survey": {"scale": "smiley5"}}, hq.clock.now)
    assert version == 1
    changed = hq.client.get("/api/v1/config", headers={**hq.auth(), "If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag
    assert changed.json()["survey"] == {"scale": "smiley5"}
    assert changed.json()["version"] == 1
    # A device's own settings win over its store's.
    with hq.sessions() as s:
        set_survey(s, "s1", "k1", {"survey": {"scale": "smiley3"}}, hq.clock.now)
    assert hq.client.get("/api/v1/config", headers=hq.auth()).json()["survey"]["scale"] == "smiley3"


def _at(y, m, d, hh, mm=0) -> str:
    return to_utc_text(datetime(y, m, d, hh, mm, tzinfo=UTC))


def test_daily_figures_are_the_metrics_of_each_helsinki_day(hq):
    # 21:30 UTC on the 18th is 23:30 in Helsinki; 22:30 UTC is already the 19th there.
    ratings = [
        hq.rating(score=4, recorded_at=_at(2026, 11, 18, 21, 30)),
        hq.rating(score=1, recorded_at=_at(2026, 11, 18, 22, 30)),
        hq.rating(score=3, recorded_at=_at(2026, 11, 19, 8)),
        hq.rating(score=4, recorded_at=_at(2026, 11, 19, 9)),
        hq.rating(score=4, recorded_at=_at(2026, 11, 19, 9, 1), flag="repeat"),
    ]
    assert hq.post(ratings).status_code == 200
    hq.app.state.min_cell = 1  # the days' arithmetic; the privacy guard: test_privacy_guard
    answer = hq.client.get(
        "/api/v1/stores/s1/daily?from=2026-11-18&to=2026-11-20", headers=hq.auth(hq.reader_token)
    )
    assert answer.status_code == 200
    days = answer.json()["days"]
    assert [d["date"] for d in days] == ["2026-11-18", "2026-11-19", "2026-11-20"]
    assert [d["ratings"] for d in days] == [1, 4, 0]
    assert [d["flagged"] for d in days] == [0, 1, 0]
    assert days[0]["scales"]["smiley4"] == summarize("smiley4", {4: 1}).as_dict()
    assert days[1]["scales"]["smiley4"] == summarize("smiley4", {1: 1, 3: 1, 4: 1}).as_dict()
    assert days[1]["scales"]["smiley4"]["csat"] == 66.7
    assert days[2]["scales"]["smiley4"]["count"] == 0


def test_daily_defaults_to_the_last_30_days_of_the_store(hq):
    days = hq.client.get("/api/v1/stores/s1/daily", headers=hq.auth(hq.reader_token)).json()["days"]
    assert len(days) == 30
    assert days[-1]["date"] == "2026-11-20"


def test_gaps_are_the_missing_seq_ranges(hq):
    for seq in (2, 3, 6, 7, 10):
        hq.post([hq.rating(seq=seq)])
    answer = hq.client.get("/api/v1/devices/k1/gaps", headers=hq.auth(hq.reader_token)).json()
    [legacy] = answer["databases"]
    assert legacy["database_id"] == "legacy" and legacy["gaps"] == [[1, 1], [4, 5], [8, 9]]
    assert (answer["received"], answer["missing"], answer["complete"]) == (5, 5, False)
    empty = hq.client.get("/api/v1/devices/k2/gaps", headers=hq.auth(hq.reader_token)).json()
    assert empty == {
        "device_id": "k2", "received": 0, "missing": 0, "lost": 0, "not_received": 0,
        "held": 0, "pending": 0, "complete": True, "databases": [],
    }  # fmt: skip


def test_gaps_show_the_tail_and_what_the_device_holds_per_database(hq):
    new = "01938f0c-7e3a-7c00-8000-0000000000aa"
    hq.post([hq.rating(seq=n, database_id="legacy") for n in (1, 2, 3)])
    hq.post([hq.rating(seq=n, database_id=new) for n in (1, 2, 4)])
    status = {
        "database_id": new,
        "databases": [
            {"database_id": "legacy", "last_seq": 3},
            {
                "database_id": new, "last_seq": 9, "pending": 5, "held": 1,
                "held_reason": "invalid: rating x: ratings.0.reason: bad",
                "held_at": [to_utc_text(hq.clock.now)],
            },
        ],
    }  # fmt: skip
    assert hq.client.post("/api/v1/heartbeat", json=status, headers=hq.auth()).status_code == 200
    answer = hq.client.get("/api/v1/devices/k1/gaps", headers=hq.auth(hq.reader_token)).json()
    by_id = {d["database_id"]: d for d in answer["databases"]}
    legacy, current = by_id["legacy"], by_id[new]
    assert legacy["complete"] and legacy["tail"] is None
    assert current["gaps"] == [[3, 3]] and current["tail"] == [5, 9]
    assert (current["not_received"], current["held"], current["pending"]) == (5, 1, 5)
    assert current["held_reason"].startswith("invalid")
    assert (answer["received"], answer["missing"], answer["not_received"]) == (6, 1, 5)
    assert answer["held"] == 1 and not answer["complete"]


def test_a_heartbeat_of_an_older_kiosk_still_shows_its_tail_and_held_ratings(hq):
    # Hymiö 0.1 reports its one file as last_seq and quarantined: no database list.
    hq.post([hq.rating(seq=n) for n in (1, 2)])
    old = {"last_seq": 1000, "quarantined": 998, "pending": 998}
    assert hq.client.post("/api/v1/heartbeat", json=old, headers=hq.auth()).status_code == 200
    answer = hq.client.get("/api/v1/devices/k1/gaps", headers=hq.auth(hq.reader_token)).json()
    assert (answer["received"], answer["not_received"], answer["held"]) == (2, 998, 998)
    assert not answer["complete"]


def test_export_streams_every_rating_as_csv(hq):
    ratings = [hq.rating(score=s, recorded_at=_at(2026, 11, 19, 8, s)) for s in (1, 2, 3, 4)]
    hq.post(ratings)
    answer = hq.client.get("/api/v1/export.csv?store=s1", headers=hq.auth(hq.reader_token))
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert [r["rating_id"] for r in rows] == [r["id"] for r in ratings]
    assert [int(r["score"]) for r in rows] == [1, 2, 3, 4]
    narrowed = hq.client.get(
        "/api/v1/export.csv?store=s1&from=2026-11-20", headers=hq.auth(hq.reader_token)
    )
    assert list(csv.DictReader(io.StringIO(narrowed.text))) == []
    other = hq.client.get("/api/v1/export.csv?store=s2", headers=hq.auth(hq.reader_token))
    assert len(list(csv.DictReader(io.StringIO(other.text)))) == 0


def test_healthz_answers(hq):
    answer = hq.client.get("/healthz")
    assert answer.status_code == 200
    assert answer.json() == {"ok": True}


def test_days_counted_in_the_database_equal_the_metrics_module_across_a_dst_change(hq):
    import random

    from hq.insight.counts import day_counts
    from hq.tables.models import Store
    from kiosk.counting.metrics import by_local_day

    # Helsinki falls back on 2026-10-25 (a 25-hour day); ratings hug the day edges.
    rnd = random.Random(3)
    start = datetime(2026, 10, 22, 20, 0, tzinfo=UTC)
    ratings = []
    for _ in range(600):
        when = start + timedelta(minutes=rnd.randint(0, 6 * 24 * 60))
        flag = rnd.choice([None, None, None, "repeat", "closed"])
        ratings.append(hq.rating(score=rnd.randint(1, 4), flag=flag, recorded_at=to_utc_text(when)))
    assert hq.post(ratings).status_code == 200
    days = [date(2026, 10, 22) + timedelta(days=i) for i in range(7)]
    with hq.sessions() as s:
        counted = day_counts(s, s.get(Store, "s1"), days)
    expected = by_local_day("smiley4", ratings, "Europe/Helsinki", days)
    for i, day in enumerate(days):
        assert counted.summary(i, "smiley4") == expected[day]
    assert sum(counted.total(i) for i in range(7)) == sum(
        1
        for r in ratings
        if date(2026, 10, 22)
        <= local_date(r["recorded_at"], "Europe/Helsinki")
        <= date(2026, 10, 28)
    )
