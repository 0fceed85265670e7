"""The business figures in the exports and the API: the business export per store and
local hour (figures, the hour's counted ratings, the response rate), streamed as CSV, the
reader's stores only and within the privacy floor for a manager; the store's and the
region's API answers carry the response rate. SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from hq.insight.business.saving import import_business
from hq.people.access import access_of
from kiosk.timekeeping.localtime import to_utc_text
from tests.hq.people.test_access import chain, log_in_as  # noqa: F401 -- the fixture

HEAD = "store,date,hour,transactions,sales,footfall,staff,utc_offset\n"
DAY = "2026-11-20"  # NOON's day, 12:00 in Helsinki


def _import(hq, text: str) -> None:
    with hq.sessions() as s:
        import_business(s, access_of(s, "admin", "admin", ""), HEAD + text, hq.clock.now)
        s.commit()


def _rate(hq, scores: list[int], minutes: int, store="s1", device="k1", token=None) -> None:
    at = hq.clock.now
    ratings = [hq.rating(store_id=store, device_id=device, score=score,
                         recorded_at=to_utc_text(at - timedelta(minutes=minutes + i)))
               for i, score in enumerate(scores)]  # fmt: skip
    assert hq.post(ratings, token=token).status_code == 200


def _rows(answer) -> list[dict]:
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(answer.text)))


def test_the_business_export_gives_each_hour_its_figures_ratings_and_rate(hq):
    _rate(hq, [4] * 6, 5)  # 11:xx local
    _rate(hq, [1, 4, 4], 65)  # 10:xx local
    # 26 Oct 2026 03:00 comes twice in Helsinki: one row, its figures summed
    _import(hq, f"s1,{DAY},11,40,1234.5,200,2,\ns1,{DAY},10,,,60,,\n"
                "s1,2026-10-25,3,4,10,,1,+03:00\ns1,2026-10-25,3,6,,,1,+02:00\n"
                "s2,2026-11-19,9,1,,,,\n")  # fmt: skip
    token = {"Authorization": f"Bearer {hq.reader_token}"}  # an analyst's: single ratings too
    rows = _rows(hq.client.get("/api/v1/export-business.csv?store=s1", headers=token))
    assert [(r["local_date"], r["local_hour"]) for r in rows] == [
        ("2026-10-25", "3"), (DAY, "10"), (DAY, "11")]  # fmt: skip
    repeated, ten, eleven = rows
    assert [repeated[c] for c in ("transactions", "sales", "staff")] == ["10", "10.00", "2.0"]
    assert repeated["utc_start"] == "2026-10-25T00:00:00.000000+00:00"  # the first of the two
    assert eleven == {
        "store_id": "s1", "store_name": "Kamppi", "local_date": DAY, "local_hour": "11",
        "utc_start": "2026-11-20T09:00:00.000000+00:00", "transactions": "40", "sales": "1234.50",
        "footfall": "200", "staff": "2.0", "ratings": "6",
        "ratings_per_100_transactions": "15.00", "ratings_per_100_visitors": "3.00",
    }  # fmt: skip
    assert (ten["transactions"], ten["ratings"], ten["ratings_per_100_transactions"],
            ten["ratings_per_100_visitors"]) == ("", "3", "", "5.00")  # fmt: skip
    every = _rows(hq.client.get(f"/api/v1/export-business.csv?from={DAY}", headers=token))
    assert [(r["store_id"], r["local_hour"]) for r in every] == [("s1", "10"), ("s1", "11")]
    assert len(_rows(hq.client.get("/api/v1/export-business.csv", headers=token))) == 4
    # what is wrong is named, and answered before anything is sent
    unknown = hq.client.get("/api/v1/export-business.csv?store=s9", headers=token)
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "unknown_store"
    backwards = hq.client.get(f"/api/v1/export-business.csv?from={DAY}&to=2026-11-01",
                              headers=token)  # fmt: skip
    assert backwards.status_code == 400 and backwards.json()["error"]["code"] == "bad_range"
    bad = hq.client.get("/api/v1/export-business.csv?from=2026-13-01", headers=token)
    assert bad.status_code == 422 and "from" in bad.text


def test_a_manager_exports_their_stores_and_no_hour_under_the_floor(hq, chain):  # noqa: F811
    _rate(hq, [4] * 6, 5)  # 11:xx: 6 ratings, at the floor of 5 or over
    _rate(hq, [1, 4], 65)  # 10:xx: 2 ratings, under it
    _import(hq, f"s1,{DAY},11,40,,,,\ns1,{DAY},10,20,,,,\ns1,{DAY},9,20,,,,\n"
                f"zzstore,{DAY},11,9,,,,\n")  # fmt: skip
    log_in_as(hq, "south")
    page = hq.client.get("/business").text
    assert 'href="/api/v1/export-business.csv"' in page
    rows = _rows(hq.client.get("/api/v1/export-business.csv"))
    assert {r["store_id"] for r in rows} == {"s1"}
    shown = {r["local_hour"]: (r["ratings"], r["ratings_per_100_transactions"]) for r in rows}
    # 9:00: none at all is no one's answer; 10:00: 2 ratings, hidden; 11:00: 7 of 40
    # (these six and the chain fixture's one at 11:55)
    assert shown == {"9": ("0", "0.00"), "10": ("", ""), "11": ("7", "17.50")}
    assert hq.client.get("/api/v1/export-business.csv?store=zzstore").status_code == 404


def test_the_store_and_region_answers_carry_the_response_rate(hq, chain):  # noqa: F811
    k2 = hq.extra_devices["k2"]
    _rate(hq, [1, 4, 4, 4], 5)
    _rate(hq, [4] * 6, 5, "s2", "k2", k2)
    _import(hq, f"s1,{DAY},11,40,,80,2,\ns2,{DAY},11,60,,,2,\n")
    token = {"Authorization": f"Bearer {hq.reader_token}"}
    daily = hq.client.get(f"/api/v1/stores/s1/daily?from={DAY}&to={DAY}", headers=token).json()
    # 5 counted ratings: the chain fixture's one at 11:55 and these four
    assert daily["per_transactions"]["ratings"] == 5 and daily["per_transactions"]["of"] == 40
    assert daily["per_transactions"]["per_100"] == 12.5
    assert daily["per_visitors"]["per_100"] == 6.25
    assert daily["days"][0]["ratings_per_100_transactions"] == 12.5
    region = hq.client.get(f"/api/v1/regions/fi/figures?from={DAY}&to={DAY}",
                           headers=token).json()  # fmt: skip
    assert (region["per_transactions"]["ratings"], region["per_transactions"]["of"]) == (11, 100)
    assert region["per_transactions"]["per_100"] == 11.0
    ranked = {r["id"]: r["per_100_transactions"] for r in region["ranking"]}
    assert ranked == {"s1": 12.5, "s2": 10.0, "zzstore": None}
    band = next(b for b in region["busyness"] if b["low"] == 20)
    assert (band["hours"], band["ratings"], band["unhappy"]) == (2, 11, 100 / 11)
    assert next(b for b in region["busyness"] if b["low"] == 0)["index"] is None
