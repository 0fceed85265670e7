"""The export as an Excel workbook: a sheet of ratings (the CSV's columns, typed: numbers,
the store's local date and time as Excel dates, TRUE/FALSE) and a sheet of totals per
store, local day and scale, with completeness.

Written by XlsxWriter in ``constant_memory`` mode: each row goes to a temporary file as it
is written, and strings are written inline (no shared-string table), so memory does not
grow with the rows. A workbook can only be zipped once it is whole, so it is built first
(:func:`open_built`), then streamed from its file (:func:`file_chunks`). Text is always
written as text, never read as a formula, a number or a link.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from operator import attrgetter
from pathlib import Path
from typing import IO, Any

import xlsxwriter
from sqlalchemy.orm import Session

from hq.core.errors import HQError
from hq.insight.exports.columns import COLUMNS, HEADER
from hq.insight.exports.rows import Export, ExportRow
from hq.insight.exports.totals import DayTotal, Totals

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_ROWS = 1_048_576 - 1  # Excel's rows per sheet, less the header
FILE_CHUNK = 64 * 1024
OPTIONS = {
    "constant_memory": True,
    "strings_to_formulas": False,
    "strings_to_numbers": False,
    "strings_to_urls": False,
}
TOTALS_HEADER = (
    "store_id",
    "store_name",
    "local_date",
    "scale",
    "ratings",
    "counted",
    "not_counted",
    "csat_pct",
    "index",
    "nps",
    "ces",
    "day_complete",
    "day_incomplete_reason",
)
WIDTHS = {
    "rating_id": 38,
    "store_name": 20,
    "local_time": 19,
    "utc_time": 33,
    "received_utc": 33,
    "day_incomplete_reason": 30,
}


class TooManyRowsError(HQError, ValueError):
    """The export has more ratings than one Excel sheet holds."""


def too_many(n: int) -> str:
    """What to do about an export of *n* ratings, over :data:`MAX_ROWS`."""
    return (
        f"{n} ratings do not fit in one Excel sheet (at most {MAX_ROWS}); narrow the days"
        " with 'from' and 'to' or choose one 'store', or download the CSV, which has no limit"
    )


def build(session: Session, export: Export, path: Path) -> int:
    """Write the workbook of *export* to *path*; the number of ratings in it.

    More ratings than :data:`MAX_ROWS` is a :class:`TooManyRowsError`.
    """
    book = xlsxwriter.Workbook(str(path), {**OPTIONS, "tmpdir": str(path.parent)})
    try:
        sheet = _Sheets(book)
        summed = Totals(export)
        n = 0
        for row in export.rows(session):
            if n == MAX_ROWS:
                raise TooManyRowsError(too_many(MAX_ROWS + 1))
            n += 1
            sheet.rating(n, row)
            for total in summed.add(row):
                sheet.total(total)
        for total in summed.finish():
            sheet.total(total)
    finally:
        book.close()
    return n


def open_built(session: Session, export: Export) -> tuple[IO[bytes], int]:
    """The workbook of *export*, built in a temporary folder and opened for reading, and
    its size. The folder is gone when this returns, so closing the file frees the disk,
    also when a download is cut off."""
    with tempfile.TemporaryDirectory(prefix="hymio-export-") as folder:
        path = Path(folder) / "export.xlsx"
        build(session, export, path)
        handle = path.open("rb")
    return handle, os.fstat(handle.fileno()).st_size


def file_chunks(handle: IO[bytes]) -> Iterator[bytes]:
    """The bytes of *handle* in chunks; closes it at the end or when the client leaves."""
    with handle:
        while chunk := handle.read(FILE_CHUNK):
            yield chunk


class _Sheets:
    """The two sheets of the workbook and their formats."""

    def __init__(self, book: xlsxwriter.Workbook):
        self.ratings = book.add_worksheet("Ratings")
        self.totals = book.add_worksheet("Totals")
        bold = book.add_format({"bold": True})
        self.date = book.add_format({"num_format": "yyyy-mm-dd"})
        self.time = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
        self.figure = book.add_format({"num_format": "0.0"})
        for sheet, header in ((self.ratings, HEADER), (self.totals, TOTALS_HEADER)):
            for col, name in enumerate(header):
                sheet.write_string(0, col, name, bold)
                sheet.set_column(col, col, WIDTHS.get(name, max(10, len(name) + 2)))
            sheet.freeze_panes(1, 0)
        self.total_rows = 0
        self._kinds = [c.kind for c in COLUMNS]
        self._fields = attrgetter(*HEADER)

    def rating(self, n: int, row: ExportRow) -> None:
        for col, (kind, value) in enumerate(zip(self._kinds, self._fields(row), strict=True)):
            self._write(self.ratings, n, col, kind, value)

    def total(self, t: DayTotal) -> None:
        self.total_rows += 1
        s = t.summary
        cells = (
            ("text", t.store.id),
            ("text", t.store.name),
            ("date", t.day),
            ("text", t.scale),
            ("number", t.ratings),
            ("number", t.counted),
            ("number", t.not_counted),
            ("figure", s and s.csat),
            ("figure", s and s.index),
            ("figure", s and s.nps),
            ("figure", s and s.ces),
            ("bool", t.incomplete is None),
            ("text", t.incomplete),
        )
        for col, (kind, value) in enumerate(cells):
            self._write(self.totals, self.total_rows, col, kind, value)

    def _write(self, sheet, row: int, col: int, kind: str, value: Any) -> None:
        if value is None or value == "":
            return  # an empty cell
        if kind in ("text", "plain"):
            sheet.write_string(row, col, value)
        elif kind == "number":
            sheet.write_number(row, col, value)
        elif kind == "figure":
            sheet.write_number(row, col, value, self.figure)
        elif kind == "bool":
            sheet.write_boolean(row, col, value)
        else:
            sheet.write_datetime(row, col, value, self.date if kind == "date" else self.time)
