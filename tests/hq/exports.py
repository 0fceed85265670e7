"""What the export tests share: times, a store in New York, and the exports read back (CSV
with the csv module, XLSX with openpyxl)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import openpyxl

from hq.people.admin import add_device, add_store
from kiosk.timekeeping.localtime import to_utc_text


def at(*when: int) -> str:
    """A UTC time as the kiosk sends it: ``at(2026, 10, 25, 0, 30)``."""
    return to_utc_text(datetime(*when, tzinfo=UTC))


def add_new_york(hq) -> str:
    """Store s3 "Manhattan" in America/New_York with device k3; k3's token."""
    with hq.sessions() as s:
        add_store(s, "s3", "Manhattan", "America/New_York", hq.clock.now)
        return add_device(s, "s3", "k3", hq.clock.now)


def new_york_rating(hq, seq: int, recorded_at: str, **over) -> dict:
    return hq.rating(device_id="k3", store_id="s3", seq=seq, recorded_at=recorded_at, **over)


def get(hq, path: str):
    answer = hq.client.get(path, headers=hq.auth(hq.reader_token))
    assert answer.status_code == 200, answer.text
    return answer


def csv_rows(hq, query: str = "") -> list[dict[str, str]]:
    """The CSV export's rows, read with the csv module."""
    text = get(hq, f"/api/v1/export.csv{query}").content.decode("utf-8")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def read_xlsx(content: bytes) -> dict[str, list[dict]]:
    """Each sheet of a workbook as a list of rows keyed by the header; cells as openpyxl
    reads them (numbers, datetimes, booleans, text)."""
    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    sheets = {}
    for sheet in book.worksheets:
        rows = sheet.iter_rows(values_only=True)
        header = next(rows)
        sheets[sheet.title] = [dict(zip(header, r, strict=True)) for r in rows]
    book.close()
    return sheets


def xlsx_sheets(hq, query: str = "") -> dict[str, list[dict]]:
    answer = get(hq, f"/api/v1/export.xlsx{query}")
    assert answer.headers["content-type"].startswith("application/vnd.openxmlformats")
    return read_xlsx(answer.content)
