"""The business figures' CSV layout, read and checked before anything is written.

A header line, then one line per store and local hour::

    store,date,hour,transactions,sales,footfall,staff
    s1,2026-11-02,9,42,1234.50,310,3

- ``store``, ``date`` (``YYYY-MM-DD``, the store's local day) and ``hour`` (0–23, the
  local hour the figures start at) are required, and at least one figure;
- ``transactions`` and ``footfall`` are whole numbers, ``sales`` an amount with at most two
  decimals, ``staff`` the people on shift (2.5 allowed); each ≥ 0 and each optional: a
  column left out of the file leaves what HQ has, an empty cell clears it;
- ``utc_offset`` (``+02:00``) is needed only for the hour that comes twice when the clocks
  go back; an hour that does not exist (when they go forward) is refused;
- the separator is ``,`` or ``;`` (read off the header); with ``;`` a decimal comma is
  allowed (``1234,50``), as a Finnish or Swedish spreadsheet writes it.

Every bad line is an error naming its line and column; a file with any error writes
nothing (:mod:`.saving`).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cache

from hq.core.errors import N_
from kiosk.timekeeping.localtime import to_utc_text, zone

REQUIRED = ("store", "date", "hour")
FIGURE_COLUMNS = ("transactions", "sales", "footfall", "staff")
COLUMNS = (*REQUIRED, *FIGURE_COLUMNS, "utc_offset")
MOST_ERRORS = 50  # told one by one; the rest are counted
HOURS = {**{str(h): h for h in range(24)}, **{f"{h:02d}": h for h in range(10)}}
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_OFFSET = re.compile(r"^[+-]\d{2}:\d{2}$")
_AMOUNT = re.compile(r"^\d+(\.\d{1,2})?$")
_STAFF = re.compile(r"^\d+(\.\d+)?$")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the file: its ``line`` (1 is the header; 0 the whole file),
    the ``column`` and a message (``text`` with ``{name}`` fields, filled by ``values``)."""

    line: int
    column: str
    text: str
    values: dict = field(default_factory=dict)

    def __str__(self) -> str:
        where = f"line {self.line}, {self.column}" if self.line else self.column
        return f"{where}: {self.text.format(**self.values)}"


@dataclass
class Read:
    """A file read: the figure columns it has, its rows (store, UTC start, local day,
    local hour, then one value per figure column) and what is wrong with it."""

    columns: tuple[str, ...] = ()
    rows: list[tuple] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    more_problems: int = 0

    def refuse(self, line: int, column: str, text: str, **values: object) -> None:
        if len(self.problems) < MOST_ERRORS:
            self.problems.append(Problem(line, column, text, values))
        else:
            self.more_problems += 1


def read_file(text: str, zones: dict[str, str]) -> Read:
    """Read *text* (the CSV file) for the stores of *zones* (store id → time zone: the
    stores the importer may change; any other store is unknown)."""
    read = Read()
    lines = text.lstrip("\ufeff").splitlines()
    if not lines or not lines[0].strip():
        read.refuse(0, "file", N_("the file is empty; the first line names the columns"))
        return read
    separator = ";" if lines[0].count(";") > lines[0].count(",") else ","
    rows = csv.reader(io.StringIO("\n".join(lines)), delimiter=separator)
    header = [name.strip().lower() for name in next(rows)]
    if not _header_ok(read, header):
        return read
    at = {name: header.index(name) for name in header}
    read.columns = tuple(c for c in FIGURE_COLUMNS if c in at)
    figures = [(name, at[name]) for name in read.columns]
    seen: dict[tuple[str, str], int] = {}
    decimal_comma = separator == ";"
    for number, raw in enumerate(rows, start=2):
        cells = [c.strip() for c in raw]
        if not any(cells):
            continue
        if len(cells) != len(header):
            read.refuse(number, "line", N_("{found} cells where the header has {wanted}"),
                        found=len(cells), wanted=len(header))  # fmt: skip
            continue
        row = _row(read, number, cells, at, figures, zones, decimal_comma)
        if row is None:
            continue
        key = (row[0], row[1])
        if key in seen:
            read.refuse(number, "hour", N_("the same store and hour as line {other}"),
                        other=seen[key])  # fmt: skip
            continue
        seen[key] = number
        read.rows.append(row)
    if not read.rows and not read.problems:
        read.refuse(0, "file", N_("the file has a header but no figures"))
    return read


def _header_ok(read: Read, header: list[str]) -> bool:
    for name in header:
        if name not in COLUMNS:
            read.refuse(1, name or "?", N_("not a column of the layout; the columns are {columns}"),
                        columns=", ".join(COLUMNS))  # fmt: skip
    for name in {n for n in header if header.count(n) > 1}:
        read.refuse(1, name, N_("the column comes twice"))
    for name in REQUIRED:
        if name not in header:
            read.refuse(1, name, N_("the column is missing"))
    if not any(name in header for name in FIGURE_COLUMNS):
        read.refuse(1, "header", N_("no figure: give at least one of {columns}"),
                    columns=", ".join(FIGURE_COLUMNS))  # fmt: skip
    return not read.problems


def _row(read: Read, number: int, cells: list[str], at: dict[str, int], figures: list,
         zones: dict[str, str], decimal_comma: bool) -> tuple | None:  # fmt: skip
    """One line's row, or ``None`` (its problems told to *read*)."""
    before = len(read.problems) + read.more_problems
    store = cells[at["store"]]
    if store not in zones:
        read.refuse(number, "store", N_("no store {store}"), store=store)
    hour = cells[at["hour"]]
    if hour not in HOURS:
        read.refuse(number, "hour", N_("{value} is not an hour from 0 to 23"), value=hour)
    day = cells[at["date"]]
    if not _is_day(day):
        read.refuse(number, "date", N_("{value} is not a date written YYYY-MM-DD"), value=day)
    offset = cells[at["utc_offset"]] if "utc_offset" in at else ""
    if offset and not _OFFSET.match(offset):
        read.refuse(number, "utc_offset", N_("{value} is not an offset such as +02:00"),
                    value=offset)  # fmt: skip
    values = [_figure(read, number, name, cells[i], decimal_comma) for name, i in figures]
    if len(read.problems) + read.more_problems > before:
        return None
    starts, why = _utc_start(zones[store], day, HOURS[hour], offset)
    if why:
        read.refuse(number, "hour", why, zone=zones[store])
        return None
    return (store, starts, day, HOURS[hour], *values)


@cache
def _is_day(text: str) -> bool:
    if not _DAY.match(text):
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _figure(read: Read, number: int, name: str, cell: str, decimal_comma: bool):
    """The stored value of one figure's *cell* (``None`` for an empty one)."""
    if not cell:
        return None
    text = cell.replace(",", ".") if decimal_comma else cell
    if name in ("transactions", "footfall"):
        if text.isdigit() and len(text) < 10:
            return int(text)
        read.refuse(number, name, N_("{value} is not a whole number ≥ 0"), value=cell)
    elif name == "sales":
        if _AMOUNT.match(text) and len(text) < 16:
            whole, _, cents = text.partition(".")
            return int(whole) * 100 + int(cents.ljust(2, "0") or 0)
        read.refuse(number, name, N_("{value} is not an amount ≥ 0 with at most two decimals"),
                    value=cell)  # fmt: skip
    elif _STAFF.match(text) and float(text) < 10_000:
        return float(text)
    else:
        read.refuse(number, name, N_("{value} is not a number of people ≥ 0"), value=cell)
    return None


@cache
def _utc_start(timezone: str, day: str, hour: int, offset: str) -> tuple[str, str]:
    """The UTC start of local *hour* of *day* in *timezone* as stored text and ``""``, or
    ``""`` and the message (an ``N_`` text) that says why that hour cannot be placed."""
    tz = zone(timezone)
    naive = datetime.fromisoformat(day).replace(hour=hour)
    first, second = naive.replace(tzinfo=tz, fold=0), naive.replace(tzinfo=tz, fold=1)
    if first.utcoffset() != second.utcoffset():
        if (
            first.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != naive
        ):  # the clocks went forward
            return "", N_("the hour does not exist in {zone} that day (the clocks go forward)")
        if not offset:
            return "", N_(
                "the hour comes twice in {zone} that day: add utc_offset (such as +03:00)"
            )
        for candidate in (first, second):
            if _offset_text(candidate.utcoffset()) == offset:
                return to_utc_text(candidate), ""
        return "", N_("the offset is not one of the two this hour has in {zone}")
    if offset and _offset_text(first.utcoffset()) != offset:
        return "", N_("the offset is not the one this hour has in {zone}")
    return to_utc_text(first), ""


def _offset_text(delta: timedelta | None) -> str:
    minutes = int((delta or timedelta()).total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
