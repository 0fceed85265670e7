"""Business figures imported all or nothing (the page, the API and the command line run
the same code), an upsert on store and hour, only into the stores the importer acts on;
and the response rate read back against hand-counted ratings. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from hq.insight.business.rates import store_rates, wilson
from hq.people.admin import add_api_token
from hq.tables.business import BusinessHour
from hymio.cli import main
from kiosk.timekeeping.localtime import to_utc_text
from tests.hq.conftest import PASSWORD, csrf_of
from tests.hq.people.test_access import chain, log_in_as  # noqa: F401 -- the fixture

HEAD = "store,date,hour,transactions,sales,footfall,staff\n"


def _post(hq, text: str, token: str):
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "text/csv"}
    return hq.client.post("/api/v1/business-hours", content=text.encode(), headers=headers)


def _admin_token(hq) -> str:
    with hq.sessions() as s:
        token = add_api_token(s, "pos", hq.clock.now, role="admin")
        s.commit()
    return token


def _stored(hq) -> list[tuple]:
    with hq.sessions() as s:
        rows = s.execute(
            select(BusinessHour.store_id, BusinessHour.day, BusinessHour.hour,
                   BusinessHour.transactions, BusinessHour.sales_cents, BusinessHour.footfall,
                   BusinessHour.staff).order_by(BusinessHour.store_id, BusinessHour.starts_at)
        ).all()  # fmt: skip
    return [tuple(r) for r in rows]


def test_the_response_rate_is_the_hours_counted_ratings_per_100_transactions(hq):
    # NOON is 10:00 UTC, 12:00 in Helsinki: ratings at 11:xx and 10:50 local, one flagged
    at = hq.clock.now
    ratings = [hq.rating(recorded_at=to_utc_text(at - timedelta(minutes=m))) for m in (5, 10, 50)]
    ratings.append(hq.rating(recorded_at=to_utc_text(at - timedelta(minutes=70))))
    ratings.append(hq.rating(recorded_at=to_utc_text(at - timedelta(minutes=20)), flag="repeat"))
    assert hq.post(ratings).status_code == 200
    day = (at + timedelta(hours=2)).date().isoformat()
    text = HEAD + f"s1,{day},11,40,900.00,200,2\ns1,{day},10,10,,,\ns1,{day},9,,,50,1\n"
    answer = _post(hq, text, _admin_token(hq))
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"rows": 3, "stores": 1, "first_day": day, "last_day": day,
                             "columns": ["transactions", "sales", "footfall", "staff"]}  # fmt: skip
    with hq.sessions() as s:
        rates = store_rates(s, "s1", at.date(), at.date())
    # 11:00: 3 counted ratings (the flagged one left out), 10:00: 1, 9:00: none, footfall only
    assert (rates.transactions.ratings, rates.transactions.of) == (4, 50)
    assert rates.transactions.per_100 == 8.0
    assert (rates.transactions.low, rates.transactions.high) == wilson(4, 50)
    assert (rates.visitors.ratings, rates.visitors.of) == (3, 250)
    assert rates.hours[10][0].per_100 == 10.0 and rates.hours[9][0].of == 0
    reader = {"Authorization": f"Bearer {hq.reader_token}"}
    daily = hq.client.get(f"/api/v1/stores/s1/business?from={day}&to={day}", headers=reader).json()
    assert daily["per_transactions"]["per_100"] == 8.0
    assert daily["days"] == [{
        "day": day, "transactions": 50, "sales": 900.0, "footfall": 250, "staff_hours": 3.0,
        "per_transactions": daily["per_transactions"], "per_visitors": daily["per_visitors"],
    }]  # fmt: skip


def test_importing_again_replaces_the_hours_given_and_keeps_the_columns_left_out(hq):
    token = _admin_token(hq)
    first = HEAD + "s1,2026-11-02,9,42,100.00,310,3\ns1,2026-11-02,10,5,1,2,1\n"
    assert _post(hq, first, token).status_code == 200
    assert _post(hq, first, token).status_code == 200  # the same file twice: no change
    assert _stored(hq) == [("s1", "2026-11-02", 9, 42, 10000, 310, 3.0),
                           ("s1", "2026-11-02", 10, 5, 100, 2, 1.0)]  # fmt: skip
    later = "store,date,hour,footfall,staff\ns1,2026-11-02,9,333,\n"
    assert _post(hq, later, token).status_code == 200
    assert _stored(hq)[0] == ("s1", "2026-11-02", 9, 42, 10000, 333, None)


def test_one_bad_line_anywhere_and_nothing_is_written(hq):
    token = _admin_token(hq)
    good = "".join(f"s1,2026-11-{d:02d},{h},1,,,\n" for d in range(1, 29) for h in range(24))
    answer = _post(hq, HEAD + good + "s1,2026-11-29,9,many,,,\n", token)
    assert answer.status_code == 400
    body = answer.json()
    assert body["error"]["code"] == "bad_file"
    assert body["problems"] == [{"line": 674, "column": "transactions",
                                 "message": "many is not a whole number ≥ 0"}]  # fmt: skip
    assert _stored(hq) == []
    assert _post(hq, HEAD + good, token).json()["rows"] == 28 * 24


def test_a_manager_imports_into_their_stores_only_and_a_reader_not_at_all(hq, chain):  # noqa: F811
    log_in_as(hq, "south")  # manager of region south: s1 only
    page = hq.client.get("/business").text
    assert 'id="upload"' in page and 'id="who-imports"' not in page
    csrf = csrf_of(page)

    def upload(text: str):
        files = {"file": ("figures.csv", text.encode(), "text/csv")}
        return hq.client.post("/business", data={"csrf": csrf}, files=files)

    refused = upload(HEAD + "s1,2026-11-02,9,1,,,\ns2,2026-11-02,9,1,,,\n")
    assert refused.status_code == 400 and "no store s2" in refused.text
    assert _stored(hq) == []
    done = upload(HEAD + "s1,2026-11-02,9,1,,,\n")
    assert done.status_code == 200 and 'id="imported"' in done.text
    assert _stored(hq) == [("s1", "2026-11-02", 9, 1, None, None, None)]
    assert upload(HEAD + "s1,2026-11-02,9,2,,,\n").status_code == 200  # then an analyst:
    log_in_as(hq, "reader")
    page = hq.client.get("/business").text
    assert 'id="upload"' not in page and "a manager or an admin imports them" in page
    files = {"file": ("f.csv", b"store,date,hour,transactions\n")}
    answer = hq.client.post("/business", data={"csrf": csrf_of(page)}, files=files)
    assert answer.status_code == 403
    assert 'id="refused"' in answer.text and 'id="who-imports"' not in answer.text  # once
    analyst = _post(hq, HEAD + "s1,2026-11-02,9,9,,,\n", hq.reader_token)
    assert analyst.status_code == 403 and analyst.json()["error"]["code"] == "read_only"
    manager_script = _post(hq, HEAD + "s1,2026-11-02,9,9,,,\n", chain)  # a reading token
    assert manager_script.status_code == 403
    log_in_as(hq, "south")  # a manager's browser session: the page, not the API
    body = (HEAD + "s1,2026-11-02,9,9,,,\n").encode()
    session = hq.client.post("/api/v1/business-hours", content=body,
                             headers={"Content-Type": "text/csv"})  # fmt: skip
    assert session.status_code == 403 and session.json()["error"]["code"] == "token_required"
    assert _stored(hq) == [("s1", "2026-11-02", 9, 2, None, None, None)]


def test_the_page_refuses_a_file_that_is_not_text_and_a_stale_form(hq):
    log_in_as(hq, "admin")
    csrf = csrf_of(hq.client.get("/business").text)
    files = {"file": ("f.csv", "store;date\n".encode("utf-16"), "text/csv")}
    assert hq.client.post("/business", data={"csrf": csrf}, files=files).status_code == 400
    files = {"file": ("f.csv", (HEAD + "s1,2026-11-02,9,1,,,\n").encode(), "text/csv")}
    assert hq.client.post("/business", data={"csrf": "old"}, files=files).status_code == 403
    assert _stored(hq) == []


def test_the_command_line_imports_the_same_way(hq, database_url, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("HYMIO_HQ_PASSWORD", PASSWORD)
    bad = tmp_path / "bad.csv"
    bad.write_text(HEAD + "s1,2026-11-02,9,1,,,\ns9,2026-11-02,9,1,,,\n", encoding="utf-8")
    assert main(["hq", "import-business", "--database", database_url, "--file", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "line 3, store: no store s9" in err and "nothing was imported" in err
    good = tmp_path / "good.csv"
    good.write_text(HEAD + "s1,2026-11-02,9,1,,,\ns2,2026-11-03,9,1,,,\n", encoding="utf-8")
    assert main(["hq", "import-business", "--database", database_url, "--file", str(good)]) == 0
    assert "imported 2 store-hour(s) of 2 store(s), 2026-11-02 – 2026-11-03" in (
        capsys.readouterr().out
    )
    with hq.sessions() as s:
        assert s.scalar(select(func.count()).select_from(BusinessHour)) == 2


def test_satisfaction_by_busyness_bands_the_hours_by_transactions_per_staff(hq):
    at = hq.clock.now  # 12:00 in Helsinki
    quiet = [hq.rating(score=s, recorded_at=to_utc_text(at - timedelta(minutes=5 + i)))
             for i, s in enumerate((1, 1, 4, 4, 4))]  # fmt: skip
    busy = [hq.rating(score=4, recorded_at=to_utc_text(at - timedelta(minutes=65 + i)))
            for i in range(10)]  # fmt: skip
    few = [hq.rating(score=1, recorded_at=to_utc_text(at - timedelta(minutes=125 + i)))
           for i in range(3)]  # fmt: skip
    assert hq.post(quiet + busy + few).status_code == 200
    day = (at + timedelta(hours=2)).date().isoformat()
    text = HEAD + f"s1,{day},11,8,,,2\ns1,{day},10,60,,,2\ns1,{day},9,25,,,1\ns1,{day},8,9,,,0\n"
    assert _post(hq, text, _admin_token(hq)).status_code == 200
    reader = {"Authorization": f"Bearer {hq.reader_token}"}
    bands = hq.client.get(f"/api/v1/stores/s1/business?from={day}&to={day}",
                          headers=reader).json()["busyness"]  # fmt: skip
    assert [(b["low"], b["high"], b["hours"], b["ratings"]) for b in bands] == [
        (0, 5, 1, 5),
        (5, 10, 0, 0),
        (10, 20, 0, 0),
        (20, 40, 2, 13),
        (40, None, 0, 0),
    ]  # 11:00 is 4 a head; 10:00 30 and 9:00 25 a head; 8:00 has no staff: no band
    assert bands[0]["unhappy"] == 40.0
    assert (bands[0]["unhappy_low"], bands[0]["unhappy_high"]) == pytest.approx(wilson(2, 5))
    assert round(bands[3]["unhappy"], 6) == round(100 * 3 / 13, 6)
    assert bands[1]["unhappy"] is None
