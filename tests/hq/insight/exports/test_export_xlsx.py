"""The XLSX export, read back with openpyxl, on SQLite and PostgreSQL: the same rows as the
CSV in typed cells, the totals sheet per store-day with completeness, text that stays text,
and the limit of one Excel sheet."""

from __future__ import annotations

import io
from datetime import date, datetime

import openpyxl
import pytest

from hq.insight.exports import xlsx_file
from hq.insight.exports.rows import prepare
from hq.tables.models import Store
from tests.hq.conftest import log_in
from tests.hq.exports import (
    add_new_york,
    at,
    csv_rows,
    get,
    new_york_rating,
    read_xlsx,
    xlsx_sheets,
)


def _as_csv(column: str, value) -> str:
    """A workbook cell as the CSV writes it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if column == "local_date":
        return value.date().isoformat()
    if column == "local_time":
        return value.isoformat(sep=" ")
    return str(value)


def _post_a_mix(hq) -> None:
    token = add_new_york(hq)
    ratings = [
        hq.rating(seq=1, score=1, reason="queue", recorded_at=at(2026, 10, 25, 0, 30)),
        hq.rating(seq=2, score=4, recorded_at=at(2026, 10, 25, 1, 30)),
        hq.rating(seq=3, score=3, flag="repeat", recorded_at=at(2026, 11, 17, 9)),
        hq.rating(seq=5, score=2, recorded_at=at(2026, 11, 19, 9)),  # seq 4 is missing
        hq.rating(seq=6, score=4, recorded_at=at(2026, 11, 22, 9)),  # ahead: time_suspect
    ]
    assert hq.post(ratings).status_code == 200
    ny = [new_york_rating(hq, 1, at(2026, 11, 20, 3), scale="nps", score=9)]
    assert hq.post(ny, token=token).status_code == 200


def test_the_workbook_has_the_csvs_rows_in_typed_cells(hq):
    _post_a_mix(hq)
    sheets = xlsx_sheets(hq)
    assert list(sheets) == ["Ratings", "Totals"]
    rows, expected = sheets["Ratings"], csv_rows(hq)
    assert len(rows) == len(expected) == 6
    assert list(rows[0]) == list(expected[0])
    for row, want in zip(rows, expected, strict=True):
        assert {k: _as_csv(k, v) for k, v in row.items()} == want
    first = rows[0]
    assert isinstance(first["score"], int) and isinstance(first["config_version"], int)
    assert first["local_time"] == datetime(2026, 10, 25, 3, 30)
    assert first["local_date"] == datetime(2026, 10, 25)
    assert first["utc_offset"] == "+03:00" and rows[1]["utc_offset"] == "+02:00"
    assert first["utc_time"] == "2026-10-25T00:30:00.000000+00:00"
    assert (first["counted"], first["time_suspect"], first["day_complete"]) == (True, False, True)
    assert first["reason_label"] == "Queue"
    assert rows[2]["counted"] is False and rows[2]["flag"] == "repeat"
    assert rows[4]["time_suspect"] is True and rows[4]["counted"] is False
    assert rows[5]["store_name"] == "Manhattan" and rows[5]["local_time"] == datetime(
        2026, 11, 19, 22
    )


def test_the_totals_sheet_has_each_store_day_with_its_metrics_and_completeness(hq):
    _post_a_mix(hq)
    totals = xlsx_sheets(hq)["Totals"]
    got = {(t["store_id"], t["local_date"].date().isoformat(), t["scale"]): t for t in totals}
    assert list(got) == [
        ("s1", "2026-10-25", "smiley4"),
        ("s1", "2026-11-17", "smiley4"),
        ("s1", "2026-11-18", None),  # no rating, but inside the gap
        ("s1", "2026-11-19", "smiley4"),
        ("s1", "2026-11-22", "smiley4"),
        ("s3", "2026-11-19", "nps"),
    ]
    dst = got[("s1", "2026-10-25", "smiley4")]
    assert (dst["ratings"], dst["counted"], dst["not_counted"]) == (2, 2, 0)
    assert (dst["csat_pct"], dst["index"], dst["nps"]) == (50, 50, None)
    assert dst["day_complete"] is True and dst["day_incomplete_reason"] is None
    for day in ("2026-11-17", "2026-11-19"):
        gap = got[("s1", day, "smiley4")]
        assert gap["day_complete"] is False
        assert gap["day_incomplete_reason"] == "k1: seq 4–4 missing"
    quiet = got[("s1", "2026-11-18", None)]
    assert (quiet["ratings"], quiet["counted"], quiet["day_complete"]) == (0, 0, False)
    flagged = got[("s1", "2026-11-17", "smiley4")]
    assert (flagged["ratings"], flagged["counted"], flagged["csat_pct"]) == (1, 0, None)
    assert got[("s1", "2026-11-22", "smiley4")]["not_counted"] == 1  # time_suspect
    ny = got[("s3", "2026-11-19", "nps")]
    assert (ny["store_name"], ny["nps"], ny["csat_pct"]) == ("Manhattan", 100, None)
    # The totals agree with HQ's daily figures, day by day.
    daily = get(hq, "/api/v1/stores/s1/daily?from=2026-10-25&to=2026-11-22").json()["days"]
    for day in daily:
        t = got.get(("s1", day["date"], "smiley4"))
        assert (t["ratings"] if t else 0) == day["ratings"]
        assert (t["not_counted"] if t else 0) == day["flagged"]


def test_the_range_and_the_store_narrow_both_sheets(hq):
    _post_a_mix(hq)
    sheets = xlsx_sheets(hq, "?store=s1&from=2026-11-18&to=2026-11-19")
    assert [r["local_date"] for r in sheets["Ratings"]] == [datetime(2026, 11, 19)]
    days = [(t["local_date"].date(), t["scale"]) for t in sheets["Totals"]]
    assert days == [(date(2026, 11, 18), None), (date(2026, 11, 19), "smiley4")]
    empty = xlsx_sheets(hq, "?store=s2")
    assert empty == {"Ratings": [], "Totals": []}


def test_text_that_looks_like_a_formula_stays_text(hq):
    with hq.sessions() as s:
        s.get(Store, "s1").name = "=1+1"
        s.commit()
    assert hq.post([hq.rating()]).status_code == 200
    content = get(hq, "/api/v1/export.xlsx").content
    sheet = openpyxl.load_workbook(io.BytesIO(content))["Ratings"]
    cell = sheet.cell(row=2, column=3)
    assert (cell.value, cell.data_type) == ("=1+1", "s")
    assert sheet.cell(row=2, column=13).data_type == "n"  # the score


def test_an_export_larger_than_an_excel_sheet_is_refused_with_a_422(hq, monkeypatch, tmp_path):
    assert hq.post([hq.rating() for _ in range(4)]).status_code == 200
    monkeypatch.setattr(xlsx_file, "MAX_ROWS", 3)
    answer = hq.client.get("/api/v1/export.xlsx", headers=hq.auth(hq.reader_token))
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert error["code"] == "too_many_rows" and "CSV" in error["message"]
    # The CSV has no such limit; the workbook of one rating fewer fits.
    assert len(csv_rows(hq)) == 4
    monkeypatch.setattr(xlsx_file, "MAX_ROWS", 4)
    assert len(xlsx_sheets(hq)["Ratings"]) == 4
    # Should more arrive between the count and the workbook, building it says so too.
    monkeypatch.setattr(xlsx_file, "MAX_ROWS", 2)
    with hq.sessions() as s:
        export = prepare(s, hq.clock.now)
        with pytest.raises(xlsx_file.TooManyRowsError, match="do not fit"):
            xlsx_file.build(s, export, tmp_path / "x.xlsx")


def test_the_store_page_links_the_workbook_and_a_login_downloads_it(hq):
    assert hq.post([hq.rating()]).status_code == 200
    log_in(hq)
    store = hq.client.get("/stores/s1").text
    href = store.split('id="export-xlsx"')[0].rsplit('href="', 1)[1].split('"')[0]
    assert href == "/api/v1/export.xlsx?store=s1"
    answer = hq.client.get(href)  # the dashboard's cookie, no token
    assert answer.status_code == 200
    assert answer.headers["content-disposition"] == 'attachment; filename="hymio-s1.xlsx"'
    assert len(read_xlsx(answer.content)["Ratings"]) == 1
