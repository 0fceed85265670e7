"""Importing business figures against the bare load of the same rows (issue 33: ≤ 2×).

A file of every hour of some days of some stores is imported by
:func:`hq.insight.business.saving.import_business` from its text, as the page, the API
and the command line do: read, checked, the local hours placed in UTC, then written
(COPY straight in, or into a temporary table and one upsert, on PostgreSQL; one
``executemany`` upsert on SQLite). The baseline loads the same rows, already parsed, into
the same empty table the fastest way the database has: ``COPY`` on PostgreSQL, a plain
``executemany`` in one transaction on SQLite. Interleaved, three rounds each
(``--rounds``), the table emptied between; min, median and max, each round's ratio, and
the ratio of medians.

The default run is short (50 stores × 30 days, 36 000 store-hours: well under a minute);
``--full`` is the issue's size, a year of 500 stores (4.4 M store-hours, a file of some
200 MB, several GB of memory and tens of minutes): run it on a machine of its own.
``--stores`` and ``--days`` (or ``HYMIO_BENCH_BUSINESS_STORES`` and ``…_DAYS``) choose any
other size::

    python -m bench.business            # the short run
    python -m bench.business --full     # 500 stores × 365 days
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg

from bench.common import bench_dir, row
from bench.ingest import _pg_db, _pg_drop
from hq.insight.business.layout import read_file
from hq.insight.business.saving import import_business
from hq.people.access import access_of
from hq.people.admin import add_store
from hq.tables.database import open_database

STORES = int(os.environ.get("HYMIO_BENCH_BUSINESS_STORES", "50"))
DAYS = int(os.environ.get("HYMIO_BENCH_BUSINESS_DAYS", "30"))
FULL = (500, 365)  # the file: 4.4 M store-hours
ROUNDS = 3
ZONES = ("Europe/Helsinki", "Europe/Stockholm")
NAMES = "store_id, starts_at, day, hour, transactions, sales_cents, footfall, staff, imported_at"


def the_file(stores: int, days: int) -> str:
    """Every hour of *days* days (ending yesterday) of *stores* stores in Helsinki, as the
    layout has it: the hour that comes twice in the autumn given twice, with its offsets
    (as a till system that writes local times must)."""
    tz = ZoneInfo(ZONES[0])
    last = date.today() - timedelta(days=1)
    lines = ["store,date,hour,transactions,sales,footfall,staff,utc_offset"]
    for d in range(days):
        day = last - timedelta(days=d)
        for hour in range(24):
            local = datetime(day.year, day.month, day.day, hour)
            placed = local.replace(tzinfo=tz).astimezone(UTC).astimezone(tz)
            if placed.replace(tzinfo=None) != local:  # the spring's hour that does not exist
                continue
            offsets = {local.replace(tzinfo=tz, fold=f).utcoffset() for f in (0, 1)}
            twice = (
                [_offset(o) for o in sorted(offsets, reverse=True)] if len(offsets) > 1 else [""]
            )
            for i in range(stores):
                for offset in twice:
                    lines.append(f"s{i:04d},{day},{hour},{20 + hour},{100 + hour}.50,"
                                 f"{90 + i % 50},2,{offset}")  # fmt: skip
    return "\n".join(lines) + "\n"


def _offset(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    return f"+{minutes // 60:02d}:{minutes % 60:02d}"


def measure(url: str, label: str, stores: int = STORES, days: int = DAYS,
            rounds: int = ROUNDS) -> dict[str, float]:  # fmt: skip
    engine, sessions = open_database(url)
    now = datetime.now(UTC)
    with sessions() as s:
        for i in range(stores):
            add_store(s, f"s{i:04d}", f"Store {i:04d}", ZONES[0], now)
        s.commit()
    zones = {f"s{i:04d}": ZONES[0] for i in range(stores)}
    text = the_file(stores, days)
    read = read_file(text, zones)
    assert not read.problems, read.problems[:3]
    rows = [(*r, "2026-12-05T00:00:00.000000+00:00") for r in read.rows]
    print(f"  {label}: {len(rows):,} store-hours, a file of {len(text) / 1e6:.0f} MB")
    pg = url.startswith("postgresql")
    bare_times, hq_times = [], []
    base = "COPY" if pg else "executemany"
    for n in range(1, rounds + 1):
        _empty(url, pg)
        started = time.perf_counter()
        _bare(url, pg, rows)
        bare_times.append(time.perf_counter() - started)
        _empty(url, pg)
        started = time.perf_counter()
        with sessions() as s:
            operator = access_of(s, "bench", "admin", "")
            done = import_business(s, operator, text, now)
            s.commit()
        hq_times.append(time.perf_counter() - started)
        assert done.rows == len(rows)
        print(f"    round {n}: bare {base} {bare_times[-1]:.2f} s, import_business"
              f" {hq_times[-1]:.2f} s, ratio {hq_times[-1] / bare_times[-1]:.2f}×")  # fmt: skip
    engine.dispose()
    bare, ours = statistics.median(bare_times), statistics.median(hq_times)
    row(f"bare {base}, {label}", _spread(bare_times))
    row(f"import_business, {label}", _spread(hq_times), f"ratio {ours / bare:.2f}× (goal ≤ 2×)")
    return {"bare": bare, "import": ours, "ratio": ours / bare}


def _spread(values: list[float]) -> str:
    return f"{min(values):.1f} / {statistics.median(values):.1f} / {max(values):.1f} s"


def _connect(url: str, pg: bool):
    if pg:
        return psycopg.connect(url.replace("postgresql+psycopg", "postgresql"))
    return sqlite3.connect(url.removeprefix("sqlite:///"))


def _empty(url: str, pg: bool) -> None:
    with _connect(url, pg) as conn:
        conn.execute("DELETE FROM business_hours")
        conn.commit()
        if pg:
            conn.autocommit = True
            conn.execute("VACUUM business_hours")


def _bare(url: str, pg: bool, rows: list[tuple]) -> None:
    conn = _connect(url, pg)
    try:
        if pg:
            with conn.cursor().copy(f"COPY business_hours ({NAMES}) FROM STDIN") as copy:
                for r in rows:
                    copy.write_row(r)
        else:
            conn.executemany(
                f"INSERT INTO business_hours ({NAMES}) VALUES ({', '.join('?' * 9)})",  # noqa: S608
                rows,
            )
        conn.commit()
    finally:
        conn.close()


def main(argv: list[str] | None = None) -> dict[str, dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--full",
        action="store_true",
        help="the issue's size: 500 stores × 365 days (4.4 M store-hours)",
    )
    parser.add_argument("--stores", type=int, default=STORES)
    parser.add_argument("--days", type=int, default=DAYS)
    parser.add_argument("--rounds", type=int, default=ROUNDS, choices=range(3, 100),
                        metavar="N", help="rounds of each, 3 or more")  # fmt: skip
    args = parser.parse_args(argv)
    stores, days = FULL if args.full else (args.stores, args.days)
    print(f"Business figures import: {stores} stores × {days} days × 24 hours, "
          f"{args.rounds} rounds interleaved (min / median / max)")  # fmt: skip
    figures = {}
    try:
        figures["postgresql"] = measure(_pg_db("bench_business"), "PostgreSQL", stores, days,
                                        args.rounds)  # fmt: skip
    finally:
        _pg_drop("bench_business")
    with bench_dir() as tmp:
        figures["sqlite"] = measure(f"sqlite:///{Path(tmp) / 'hq.db'}", "SQLite", stores, days,
                                    args.rounds)  # fmt: skip
    return figures


if __name__ == "__main__":
    main()
