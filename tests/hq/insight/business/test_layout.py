"""The business figures' CSV read and checked: each bad line named by line and column,
the hours around the clock changes placed right (Europe/Helsinki: the clocks go forward at
03:00 on 2026-03-29, back at 04:00 on 2026-10-25, so 03:00–04:00 comes twice)."""

from __future__ import annotations

import pytest

from hq.insight.business.layout import MOST_ERRORS, read_file

ZONES = {"s1": "Europe/Helsinki", "s2": "America/New_York"}
HEAD = "store,date,hour,transactions,sales,footfall,staff\n"


def _problems(text: str) -> list[str]:
    return [str(p) for p in read_file(text, ZONES).problems]


def test_a_good_file_is_read_into_utc_hours_with_local_day_and_hour():
    read = read_file(HEAD + "s1,2026-11-02,9,42,1234.5,310,2.5\ns2,2026-11-02,9,,,7,\n", ZONES)
    assert read.problems == [] and read.columns == ("transactions", "sales", "footfall", "staff")
    assert read.rows == [
        ("s1", "2026-11-02T07:00:00.000000+00:00", "2026-11-02", 9, 42, 123450, 310, 2.5),
        ("s2", "2026-11-02T14:00:00.000000+00:00", "2026-11-02", 9, None, None, 7, None),
    ]


def test_semicolons_and_decimal_commas_as_a_finnish_spreadsheet_writes_them():
    read = read_file("\ufeffStore;Date;Hour;Sales\ns1;2026-11-02;9;1234,05\n", ZONES)
    assert read.problems == [] and read.rows[0][-1] == 123405


def test_the_hour_that_comes_twice_needs_its_offset_and_then_is_two_hours():
    assert _problems(HEAD + "s1,2026-10-25,3,5,,,\n") == [
        "line 2, hour: the hour comes twice in Europe/Helsinki that day: add utc_offset"
        " (such as +03:00)"
    ]
    text = "store,date,hour,utc_offset,transactions\n"
    text += "s1,2026-10-25,3,+03:00,5\ns1,2026-10-25,3,+02:00,6\n"
    read = read_file(text, ZONES)
    assert [(r[1], r[3], r[4]) for r in read.rows] == [
        ("2026-10-25T00:00:00.000000+00:00", 3, 5),
        ("2026-10-25T01:00:00.000000+00:00", 3, 6),
    ]
    assert _problems(text.replace("+02:00", "+05:00")) == [
        "line 3, hour: the offset is not one of the two this hour has in Europe/Helsinki"
    ]


def test_an_hour_that_does_not_exist_is_refused():
    assert _problems(HEAD + "s1,2026-03-29,3,1,,,\n") == [
        "line 2, hour: the hour does not exist in Europe/Helsinki that day (the clocks go forward)"
    ]


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ("nosuch,2026-11-02,9,1,,,", "line 2, store: no store nosuch"),
        ("s1,2026-11-31,9,1,,,", "line 2, date: 2026-11-31 is not a date written YYYY-MM-DD"),
        ("s1,2026-11-02,24,1,,,", "line 2, hour: 24 is not an hour from 0 to 23"),
        ("s1,2026-11-02,9,-1,,,", "line 2, transactions: -1 is not a whole number ≥ 0"),
        ("s1,2026-11-02,9,1.5,,,", "line 2, transactions: 1.5 is not a whole number ≥ 0"),
        ("s1,2026-11-02,9,,12.345,,", "line 2, sales: 12.345 is not an amount ≥ 0 with at"
         " most two decimals"),
        ("s1,2026-11-02,9,,,,two", "line 2, staff: two is not a number of people ≥ 0"),
        ("s1,2026-11-02,9,1", "line 2, line: 4 cells where the header has 7"),
    ],
)  # fmt: skip
def test_each_bad_cell_is_named_by_line_and_column(line, says):
    assert _problems(HEAD + line + "\n") == [says]


def test_a_duplicate_hour_names_the_line_it_repeats():
    text = HEAD + "s1,2026-11-02,9,1,,,\ns1,2026-11-02,10,1,,,\ns1,2026-11-02,9,2,,,\n"
    assert _problems(text) == ["line 4, hour: the same store and hour as line 2"]


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "file: the file is empty; the first line names the columns"),
        ("store,date,hour,transactions\n", "file: the file has a header but no figures"),
        ("store,date,hour\ns1,2026-11-02,9\n",
         "line 1, header: no figure: give at least one of transactions, sales, footfall, staff"),
        ("store,date,transactions\n", "line 1, hour: the column is missing"),
        ("store,date,hour,sales,profit\n", "line 1, profit: not a column of the layout; the"
         " columns are store, date, hour, transactions, sales, footfall, staff, utc_offset"),
        ("store,date,hour,sales,sales\n", "line 1, sales: the column comes twice"),
    ],
)  # fmt: skip
def test_a_file_that_is_not_the_layout_says_what_is_wrong(text, says):
    assert _problems(text) == [says]


def test_a_file_full_of_errors_tells_the_first_ones_and_counts_the_rest():
    read = read_file(HEAD + "nosuch,2026-11-02,9,1,,,\n" * (MOST_ERRORS + 7), ZONES)
    assert (len(read.problems), read.more_problems, read.rows) == (MOST_ERRORS, 7, [])
