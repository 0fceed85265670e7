"""The CSV export, read back with the csv module, on SQLite and PostgreSQL: its columns, the
store's name and local time across daylight-saving changes and zones, what counts, which
store-days are incomplete, reason labels, formula-looking text, bad parameters."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from hq.fleet.surveys import read_survey_file, set_survey
from hq.people.admin import add_store
from hq.tables.models import Store
from kiosk.timekeeping.localtime import to_utc_text
from tests.hq.exports import add_new_york, at, csv_rows, get, new_york_rating

HEADER = [
    "rating_id", "store_id", "store_name", "local_date", "local_time", "utc_offset",
    "utc_time", "device_id", "survey_id", "question_id", "config_version", "scale", "score",
    "source", "reason", "reason_label", "flag", "time_suspect", "counted", "day_complete",
    "day_incomplete_reason", "received_utc", "comment", "comment_topics",
]  # fmt: skip


def test_the_columns_are_the_analysts_not_hqs_internals(hq):
    rating = hq.rating(reason="queue", score=1, source="touch", recorded_at=at(2026, 11, 19, 8))
    assert hq.post([rating]).status_code == 200
    text = get(hq, "/api/v1/export.csv").text
    assert text.splitlines()[0].split(",") == HEADER
    [row] = csv_rows(hq)
    assert row == {
        "rating_id": rating["id"], "store_id": "s1", "store_name": "Kamppi",
        "local_date": "2026-11-19", "local_time": "2026-11-19 10:00:00", "utc_offset": "+02:00",
        "utc_time": "2026-11-19T08:00:00.000000+00:00", "device_id": "k1",
        "survey_id": "default", "question_id": "overall", "config_version": "1",
        "scale": "smiley4", "score": "1", "source": "touch", "reason": "queue",
        "reason_label": "Queue", "flag": "", "time_suspect": "no", "counted": "yes",
        "day_complete": "yes", "day_incomplete_reason": "",
        "received_utc": to_utc_text(hq.clock.now), "comment": "", "comment_topics": "",
    }  # fmt: skip
    for internal in ("seq", "database_id", "boot_id", "mono_ns", "clock_synced", "id"):
        assert internal not in row


@pytest.mark.parametrize(
    ("utc", "local", "offset", "day"),
    [
        # Helsinki falls back on the last Sunday of October: 03:30 happens twice.
        ((2026, 10, 25, 0, 30), "2026-10-25 03:30:00", "+03:00", "2026-10-25"),
        ((2026, 10, 25, 1, 30), "2026-10-25 03:30:00", "+02:00", "2026-10-25"),
        # ... and springs forward on the last Sunday of March: no 03:30 that night.
        ((2026, 3, 29, 0, 30), "2026-03-29 02:30:00", "+02:00", "2026-03-29"),
        ((2026, 3, 29, 1, 30), "2026-03-29 04:30:00", "+03:00", "2026-03-29"),
        # Local midnight is the evening before in UTC.
        ((2026, 10, 24, 21, 30), "2026-10-25 00:30:00", "+03:00", "2026-10-25"),
    ],
)
def test_local_time_and_offset_follow_helsinkis_daylight_saving(hq, utc, local, offset, day):
    assert hq.post([hq.rating(recorded_at=at(*utc))]).status_code == 200
    [row] = csv_rows(hq, "?store=s1")
    assert (row["local_time"], row["utc_offset"], row["local_date"]) == (local, offset, day)
    assert row["utc_time"] == at(*utc)


def test_a_store_in_another_zone_has_its_own_local_time_and_days(hq):
    token = add_new_york(hq)
    ny = [
        new_york_rating(hq, 1, at(2026, 11, 1, 5, 30)),  # 01:30 EDT, before New York falls back
        new_york_rating(hq, 2, at(2026, 11, 1, 6, 30)),  # 01:30 EST, after it
        new_york_rating(hq, 3, at(2026, 11, 20, 3, 0)),  # still the 19th in New York
    ]
    assert hq.post(ny, token=token).status_code == 200
    assert hq.post([hq.rating(recorded_at=at(2026, 11, 20, 3, 0))]).status_code == 200
    rows = csv_rows(hq)
    by_store = {s: [r for r in rows if r["store_id"] == s] for s in ("s1", "s3")}
    assert [r["store_name"] for r in by_store["s3"]] == ["Manhattan"] * 3
    assert [(r["local_time"], r["utc_offset"]) for r in by_store["s3"]] == [
        ("2026-11-01 01:30:00", "-04:00"),
        ("2026-11-01 01:30:00", "-05:00"),
        ("2026-11-19 22:00:00", "-05:00"),
    ]
    assert [(r["local_date"], r["utc_offset"]) for r in by_store["s1"]] == [
        ("2026-11-20", "+02:00")
    ]
    # from/to are each store's own days: the 20th holds Kamppi's rating, not Manhattan's.
    on_the_20th = csv_rows(hq, "?from=2026-11-20&to=2026-11-20")
    assert [r["store_id"] for r in on_the_20th] == ["s1"]
    on_the_19th = csv_rows(hq, "?from=2026-11-19&to=2026-11-19")
    assert [r["rating_id"] for r in on_the_19th] == [ny[2]["id"]]


def test_what_counts_matches_hqs_daily_figures(hq):
    rnd = random.Random(18)
    start = datetime(2026, 11, 14, 20, 0, tzinfo=UTC)
    ratings = []
    for _ in range(400):
        when = start + timedelta(minutes=rnd.randint(0, 6 * 24 * 60))
        flag = rnd.choice([None, None, None, "repeat", "closed", "stuck"])
        ratings.append(hq.rating(score=rnd.randint(1, 4), flag=flag, recorded_at=to_utc_text(when)))
    # Two days ahead of HQ's clock: stored, marked time_suspect, not counted.
    ratings.append(hq.rating(recorded_at=at(2026, 11, 22, 9)))
    assert hq.post(ratings).status_code == 200
    rows = csv_rows(hq, "?store=s1")
    assert len(rows) == len(ratings)
    suspect = [r for r in rows if r["time_suspect"] == "yes"]
    assert [(r["flag"], r["counted"]) for r in suspect] == [("", "no")]
    for r in rows:
        assert (r["counted"] == "yes") == (r["flag"] == "" and r["time_suspect"] == "no")
    daily = get(hq, "/api/v1/stores/s1/daily?from=2026-11-14&to=2026-11-22").json()["days"]
    every = Counter(r["local_date"] for r in rows)
    counted = Counter(r["local_date"] for r in rows if r["counted"] == "yes")
    for day in daily:
        assert every[day["date"]] == day["ratings"], day["date"]
        assert counted[day["date"]] == day["ratings"] - day["flagged"], day["date"]
        assert counted[day["date"]] == day["scales"]["smiley4"]["count"]
    assert sum(every.values()) == sum(d["ratings"] for d in daily)


def test_a_store_day_with_a_missing_seq_is_marked_incomplete(hq):
    times = {1: at(2026, 11, 16, 10), 2: at(2026, 11, 17, 10), 4: at(2026, 11, 19, 10)}
    times[5] = at(2026, 11, 20, 8)
    assert hq.post([hq.rating(seq=n, recorded_at=t) for n, t in times.items()]).status_code == 200
    rows = csv_rows(hq, "?store=s1")
    marks = {r["local_date"]: (r["day_complete"], r["day_incomplete_reason"]) for r in rows}
    assert marks == {
        "2026-11-16": ("yes", ""),
        "2026-11-17": ("no", "k1: seq 3–3 missing"),
        "2026-11-19": ("no", "k1: seq 3–3 missing"),
        "2026-11-20": ("yes", ""),
    }
    # Once seq 3 arrives, every day is complete.
    assert hq.post([hq.rating(seq=3, recorded_at=at(2026, 11, 18, 10))]).status_code == 200
    assert {r["day_complete"] for r in csv_rows(hq, "?store=s1")} == {"yes"}


def test_a_device_that_numbered_more_than_hq_has_marks_the_days_since(hq):
    assert hq.post([hq.rating(seq=1, recorded_at=at(2026, 11, 19, 10))]).status_code == 200
    assert (
        hq.client.post("/api/v1/heartbeat", json={"last_seq": 3}, headers=hq.auth()).status_code
        == 200
    )
    [row] = csv_rows(hq)
    assert (row["day_complete"], row["day_incomplete_reason"]) == ("no", "k1: not received yet")


def test_formula_looking_text_cannot_run_in_a_spreadsheet(hq, tmp_path):
    with hq.sessions() as s:
        add_store(s, "s9", '=HYPERLINK("http://evil.example","x")', "Europe/Helsinki", hq.clock.now)
    survey = tmp_path / "survey.toml"
    survey.write_text(
        '[survey.followup]\nreasons = ["wait", "queue"]\n'
        '[survey.reason_text.wait]\nfi = "=1+1"\nsv = "@SUM(A1)"\nen = "-2+3"\n',
        encoding="utf-8",
    )
    with hq.sessions() as s:
        set_survey(s, "s1", "", read_survey_file(survey), hq.clock.now)
        s.get(Store, "s1").name = "+Kamppi"
        s.commit()
    assert hq.post([hq.rating(reason="wait")]).status_code == 200
    for lang, label in (("fi", "=1+1"), ("sv", "@SUM(A1)"), ("en", "-2+3")):
        [row] = csv_rows(hq, f"?store=s1&lang={lang}")
        assert row["reason"] == "wait"
        assert row["reason_label"] == "'" + label
        assert row["store_name"] == "'+Kamppi"
    # Offsets HQ writes itself are left as they are.
    token = add_new_york(hq)
    assert hq.post([new_york_rating(hq, 1, at(2026, 11, 19, 12))], token=token).status_code == 200
    assert csv_rows(hq, "?store=s3")[0]["utc_offset"] == "-05:00"


def test_reason_labels_come_from_the_kiosks_catalogues_and_the_stores_settings(hq, tmp_path):
    survey = tmp_path / "survey.toml"
    survey.write_text(
        '[survey.followup]\nreasons = ["queue", "parking"]\n'
        '[survey.reason_text.parking]\nfi = "Pysäköinti"\nsv = "Parkering"\nen = "Parking"\n',
        encoding="utf-8",
    )
    with hq.sessions() as s:
        set_survey(s, "s1", "", read_survey_file(survey), hq.clock.now)
    when = (at(2026, 11, 19, 8), at(2026, 11, 19, 9), at(2026, 11, 19, 10))
    ratings = [
        hq.rating(reason="queue", recorded_at=when[0]),
        hq.rating(reason="parking", recorded_at=when[1]),
        hq.rating(reason=None, recorded_at=when[2]),
    ]
    assert hq.post(ratings).status_code == 200
    labels = {
        lang: [r["reason_label"] for r in csv_rows(hq, f"?lang={lang}")]
        for lang in ("en", "fi", "sv")
    }
    assert labels == {
        "en": ["Queue", "Parking", ""],
        "fi": ["Jono", "Pysäköinti", ""],
        "sv": ["Kön", "Parkering", ""],
    }


@pytest.mark.parametrize("path", ["/api/v1/export.csv", "/api/v1/export.xlsx"])
@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ("?from=soon", 422, "invalid"),
        ("?to=9999-12-31", 422, "invalid"),
        ("?from=1969-12-31", 422, "invalid"),
        ("?from=2026-11-20&to=2026-11-19", 400, "bad_range"),
        ("?store=nowhere", 404, "unknown_store"),
        ("?store=" + "s" * 65, 422, "invalid"),
        ("?lang=de", 422, "invalid"),
    ],
)
def test_bad_parameters_are_a_4xx_in_hqs_error_shape(hq, path, query, status, code):
    answer = hq.client.get(path + query, headers=hq.auth(hq.reader_token))
    assert answer.status_code == status, answer.text
    error = answer.json()["error"]
    assert error["code"] == code and error["message"]


@pytest.mark.parametrize("path", ["/api/v1/export.csv", "/api/v1/export.xlsx"])
def test_an_export_needs_a_reader(hq, path):
    assert hq.client.get(path).json()["error"]["code"] == "login_required"
    assert hq.client.get(path, headers=hq.auth("nonsense")).status_code == 401
    # A device token is not a reader's.
    assert hq.client.get(path, headers=hq.auth()).status_code == 401


def test_days_at_the_edges_of_the_calendar_hq_serves_export_nothing_and_no_error(hq):
    assert hq.post([hq.rating()]).status_code == 200
    assert csv_rows(hq, "?from=1970-01-01&to=1970-01-02") == []
    assert csv_rows(hq, "?from=2999-12-30&to=2999-12-31&store=s1") == []
    assert len(csv_rows(hq, "?from=1970-01-01&to=2999-12-31")) == 1
