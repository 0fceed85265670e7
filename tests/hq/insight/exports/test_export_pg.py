"""The CSV export that PostgreSQL writes itself (:mod:`hq.insight.exports.pg_csv`) is byte for byte
the export the csv module writes row by row (:func:`hq.insight.exports.csv_file.python_chunks`),
for random stores and ratings: names with quotes, commas, line ends and formula starts,
zones with half-hour and 45-minute offsets and daylight saving, microseconds, flags,
times HQ cannot believe, reason labels in every language, incomplete days, ranges."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hq.insight.exports.csv_file import python_chunks
from hq.insight.exports.pg_csv import crlf, pg_csv_chunks
from hq.insight.exports.rows import prepare
from hq.people.admin import add_device, add_store
from hq.tables.models import Store
from kiosk.timekeeping.localtime import to_utc_text

ZONES = ["Europe/Helsinki", "Asia/Kathmandu", "America/St_Johns", "Australia/Lord_Howe"]
names = st.text(
    alphabet=st.sampled_from(list("ab ,\"\n\r=+-@\tåÖ€;'")), min_size=1, max_size=12
).filter(lambda n: n.strip())


@st.composite
def a_rating(draw) -> dict:
    base = (
        datetime(2026, 3, 29, tzinfo=UTC)
        if draw(st.booleans())
        else datetime(2026, 10, 25, tzinfo=UTC)
    )
    at = base + timedelta(minutes=draw(st.integers(-600, 600)),
                          microseconds=draw(st.integers(0, 999_999)))  # fmt: skip
    if draw(st.integers(0, 9)) == 0:
        at = datetime(2027, 6, 1, 12, tzinfo=UTC)  # ahead of HQ's clock: time_suspect
    return {
        "recorded_at": to_utc_text(at),
        "score": draw(st.integers(1, 4)),
        "flag": draw(st.sampled_from([None, None, "repeat", "closed"])),
        "reason": draw(st.sampled_from([None, "queue", "staff", "unheard_of"])),
        "skip": draw(st.integers(0, 5)) == 0,  # leaves a gap: an incomplete day
    }


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    name=names,
    tz=st.sampled_from(ZONES),
    drawn=st.lists(a_rating(), min_size=1, max_size=25),
    language=st.sampled_from(["en", "fi", "sv"]),
    ranged=st.booleans(),
)
def test_postgresql_writes_the_same_bytes_as_the_csv_module(hq, name, tz, drawn, language, ranged):
    store_id = f"x{uuid.uuid4().hex[:8]}"
    with hq.sessions() as s:
        add_store(s, store_id, "placeholder", tz, hq.clock.now)
        s.get(Store, store_id).name = name  # any text, as an older HQ may have kept it
        s.commit()
        token = add_device(s, store_id, f"{store_id}k", hq.clock.now)
    seq, batch = 0, []
    for d in drawn:
        seq += 2 if d["skip"] else 1
        batch.append(hq.rating(
            device_id=f"{store_id}k", store_id=store_id, seq=seq, score=d["score"],
            flag=d["flag"], reason=d["reason"], recorded_at=d["recorded_at"],
        ))  # fmt: skip
    assert hq.post(batch, token=token).status_code == 200
    first, last = (date(2026, 3, 28), date(2026, 10, 25)) if ranged else (None, None)
    with hq.sessions() as s:
        for store in (store_id, None):
            export = prepare(s, hq.clock.now, store, first, last, language)
            by_server = b"".join(pg_csv_chunks(s, export))
            by_python = "".join(python_chunks(s, export)).encode()
            assert by_server == by_python
            rows = list(csv.reader(io.StringIO(by_server.decode(), newline="")))
            assert len(rows) == 1 + export.count(s) - _outside(export, s)


def _outside(export, session) -> int:
    """Ratings the query reads that lie outside their own store's bounds (none here, as
    each export is of one zone's bounds or of every store unbounded)."""
    return export.count(session) - sum(1 for _ in export.rows(session))


def test_line_ends_inside_quoted_cells_stay_as_they_are_even_across_blocks():
    text = b'a,"x\ny ""q"" \n",b\nc,d\n'
    want = b'a,"x\ny ""q"" \n",b\r\nc,d\r\n'
    assert b"".join(crlf([text])) == want
    for cut in range(1, len(text)):  # however COPY cuts its blocks
        assert b"".join(crlf([text[:cut], text[cut:]])) == want


def test_rows_are_sent_in_pieces_not_one_by_one():
    from hq.insight.exports.pg_csv import _gathered

    rows = [b"x" * 100 + b"\n"] * 10_000
    pieces = list(_gathered(rows, size=64 * 1024))
    assert b"".join(pieces) == b"".join(rows)
    assert len(pieces) == 16 and all(len(p) >= 64 * 1024 for p in pieces[:-1])
