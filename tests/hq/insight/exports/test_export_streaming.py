"""The exports stream, on SQLite and PostgreSQL: the ratings are read in chunks (a
server-side cursor on PostgreSQL), memory does not grow with the rows, and a real server
sends a few thousand ratings to ``requests`` as they are read."""

from __future__ import annotations

import csv
import io
import tracemalloc
from datetime import timedelta

import psycopg
import pytest
import requests
from sqlalchemy import event

from hq.insight.exports import csv_file, fast_csv, pg_csv, xlsx_file
from hq.insight.exports import rows as rows_module
from hq.insight.exports.csv_file import csv_chunks
from hq.insight.exports.rows import CHUNK, prepare
from kiosk.timekeeping.localtime import to_utc_text
from tests.hq.exports import read_xlsx


def _post_many(hq, n: int) -> list[str]:
    """*n* ratings of k1, a minute apart, in batches of 1000; their ids."""
    ids = []
    for start in range(0, n, 1000):
        batch = [
            hq.rating(recorded_at=to_utc_text(hq.clock.now - timedelta(minutes=hq.seq + 1)))
            for _ in range(min(1000, n - start))
        ]
        assert hq.post(batch).status_code == 200
        ids += [r["id"] for r in batch]
    return ids


def test_the_ratings_are_read_in_chunks_with_a_server_side_cursor(hq, database_url):
    _post_many(hq, CHUNK + 10)
    seen = []

    def look(conn, cursor, statement, parameters, context, executemany):
        # the ratings (with their comments' words beside them where there are any)
        plain = " ".join(statement.split())
        if "FROM ratings" in plain and "ORDER BY ratings.store_id" in plain:
            seen.append((context.execution_options, cursor))

    engine = hq.app.state.engine
    event.listen(engine, "before_cursor_execute", look)
    try:
        with hq.sessions() as s:
            export = prepare(s, hq.clock.now)
            rows = export.rows(s)
            first = next(rows)
            [(options, cursor)] = seen
            assert options["yield_per"] == CHUNK and options["stream_results"]
            if database_url.startswith("postgresql"):
                assert isinstance(cursor, psycopg.ServerCursor)
            assert sum(1 for _ in rows) + 1 == CHUNK + 10
            assert first.store.id == "s1"
    finally:
        event.remove(engine, "before_cursor_execute", look)


def _peak(run) -> int:
    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _csv_peak(hq) -> tuple[int, int]:
    """The peak memory of writing the whole CSV (chunks dropped as a client would take them),
    and its size."""
    size = 0

    def run():
        nonlocal size
        with hq.sessions() as s:
            export = prepare(s, hq.clock.now)
        size = sum(len(chunk) for chunk in csv_chunks(hq.sessions, export))

    return _peak(run), size


def _xlsx_peak(hq, folder) -> int:
    def run():
        with hq.sessions() as s:
            xlsx_file.build(s, prepare(s, hq.clock.now), folder / "export.xlsx")

    return _peak(run)


@pytest.mark.slow
def test_memory_does_not_grow_with_the_number_of_ratings(hq, tmp_path, monkeypatch):
    # Chunks of 200 rows instead of 2000, so that a few thousand ratings are many chunks.
    monkeypatch.setattr(rows_module, "CHUNK", 200)
    monkeypatch.setattr(csv_file, "CHUNK", 200)
    monkeypatch.setattr(fast_csv, "CHUNK", 200)  # the CSV elsewhere: 200 rows at a time
    monkeypatch.setattr(pg_csv, "BLOCK", 16 * 1024)  # PostgreSQL's CSV: pieces of 16 KB
    _post_many(hq, 1000)
    _csv_peak(hq), _xlsx_peak(hq, tmp_path)  # caches and compiled statements: not the rows
    small_csv, small_size = _csv_peak(hq)
    small_xlsx = _xlsx_peak(hq, tmp_path)
    _post_many(hq, 3000)
    large_csv, large_size = _csv_peak(hq)
    large_xlsx = _xlsx_peak(hq, tmp_path)
    assert large_size > 3.5 * small_size
    # Four times the ratings: a streamed export's peak stays that of a chunk or two.
    assert large_csv < 1.3 * small_csv, (small_csv, large_csv)
    assert large_xlsx < 1.3 * small_xlsx, (small_xlsx, large_xlsx)


def test_a_real_server_streams_thousands_of_ratings_to_requests(live_hq):
    hq, url = live_hq
    ids = _post_many(hq, 3500)
    headers = hq.auth(hq.reader_token)
    with requests.get(f"{url}/api/v1/export.csv", headers=headers, stream=True, timeout=30) as r:
        assert r.status_code == 200
        assert r.headers["transfer-encoding"] == "chunked"
        assert r.headers["content-disposition"] == 'attachment; filename="hymio-all.csv"'
        pieces = list(r.iter_content(chunk_size=None))
    assert len(pieces) > 1  # sent as it was read, not as one body
    rows = list(csv.DictReader(io.StringIO(b"".join(pieces).decode("utf-8"), newline="")))
    assert sorted(r["rating_id"] for r in rows) == sorted(ids)
    assert [r["utc_time"] for r in rows] == sorted(r["utc_time"] for r in rows)
    with requests.get(
        f"{url}/api/v1/export.xlsx?store=s1", headers=headers, stream=True, timeout=60
    ) as r:
        assert r.status_code == 200
        body = b"".join(r.iter_content(chunk_size=64 * 1024))
        assert int(r.headers["content-length"]) == len(body)
    sheets = read_xlsx(body)
    assert [r["rating_id"] for r in sheets["Ratings"]] == [r["rating_id"] for r in rows]
    assert sum(t["ratings"] for t in sheets["Totals"]) == 3500
