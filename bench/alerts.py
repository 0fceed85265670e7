"""Evaluating the alert rules at chain scale (issue 19): each kind of rule over every
store, against the bare query that reads the same figures in one statement, in one run.

A year of ratings for 500 stores (:mod:`bench.chain_data`, loaded with ``COPY`` after the
migrations) on PostgreSQL and SQLite. The evaluation is the worker's (``find``: the rule's
findings, nothing written), at 15:00 UTC of the data's last day. The bare query: for
``unhappy_share``, the counted answers of every store in the nine same weekdays (that day
and the eight weeks before) in the window's hours, by hour and score, one ``GROUP BY``;
for ``index_below``, a week of ``rating_days`` summed per store; for the heartbeat kinds,
the devices' rows.
Three rounds, interleaved (bare, rule, bare, rule, …); min, median and max.
"""

from __future__ import annotations

import os
import statistics
import time
from datetime import UTC, datetime, timedelta
from datetime import time as clock

from sqlalchemy import bindparam, text

from bench.chain_data import ZONES, on_both
from bench.common import row
from hq.alerts.episodes import find
from hq.alerts.kinds import KINDS
from hq.tables.alerts import AlertRule
from hq.tables.database import open_database
from kiosk.timekeeping.localtime import zone

PG_RATINGS = int(os.environ.get("HYMIO_BENCH_ALERTS_PG", "2000000"))
SQLITE_RATINGS = int(os.environ.get("HYMIO_BENCH_ALERTS_SQLITE", "1000000"))
STORES = int(os.environ.get("HYMIO_BENCH_ALERTS_STORES", "500"))
ROUNDS = 3


def bare_queries(now: datetime) -> dict[str, tuple[str, dict]]:
    day = now.date()
    days = [(day - timedelta(weeks=w)).isoformat() for w in range(9)]
    week = [(day - timedelta(days=i)).isoformat() for i in range(7)]
    hours = sorted({(now.astimezone(zone(tz)) - timedelta(hours=i)).hour
                    for tz in ZONES for i in range(2)})  # fmt: skip
    unhappy = (
        "SELECT store_id, day, hour, scale, score, sum(n) FROM rating_hours"
        " WHERE flag = '' AND day IN :days AND hour IN :hours"
        " GROUP BY store_id, day, hour, scale, score"
    )
    sums = ", ".join(f"sum(s{i})" for i in range(11))
    index = f"SELECT store_id, scale, {sums} FROM rating_days WHERE day IN :days GROUP BY 1, 2"  # noqa: S608 (no input)
    devices = "SELECT id, store_id, last_status, last_seen_at FROM devices"
    return {
        "unhappy_share": (unhappy, {"days": tuple(days), "hours": tuple(hours)}),
        "index_below": (index, {"days": tuple(week)}),
        "kiosk_silent": (devices, {}),
        "low_disk": (devices, {}),
        "ratings_held": ("SELECT * FROM device_received", {}),
    }


def _timed(run) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def measure(url: str, label: str) -> dict[str, float]:
    engine, sessions = open_database(url)
    with sessions() as s:
        last = s.execute(text("SELECT max(day) FROM rating_days")).scalar()
    now = datetime.combine(datetime.fromisoformat(last).date(), clock(15), tzinfo=UTC)
    queries = bare_queries(now)
    out = {}
    print(f"  {label}: a rule over {STORES} stores (min · median · max) against the bare query")
    try:
        for kind, (sql, params) in queries.items():
            rule = AlertRule(id=0, name=kind, kind=kind, scope="", params=KINDS[kind].defaults,
                             channels=[])  # fmt: skip
            statement = text(sql)
            if params:
                statement = statement.bindparams(*(bindparam(k, expanding=True) for k in params))
            bare, rules, found = [], [], 0
            for _ in range(ROUNDS):
                with sessions() as s:
                    bare.append(_timed(lambda s=s, q=statement, v=params: s.execute(q, v).all()))
                with sessions() as s:
                    started = time.perf_counter()
                    found = len(find(s, rule, now))
                    rules.append(time.perf_counter() - started)
            ratio = statistics.median(rules) / statistics.median(bare)
            spread = " · ".join(f"{f(rules) * 1000:.0f}" for f in (min, statistics.median, max))
            note = f"bare {statistics.median(bare) * 1000:.0f} ms, {ratio:.1f}×; {found} found"
            row(kind, f"{spread} ms", note)
            out[kind] = statistics.median(rules)
    finally:
        engine.dispose()
    return out


def main() -> dict[str, dict[str, float]]:
    print(
        f"Alert rules at chain scale: {STORES} stores, a year; {PG_RATINGS:,} ratings on"
        f" PostgreSQL, {SQLITE_RATINGS:,} on SQLite; {ROUNDS} rounds interleaved"
    )
    return on_both("hymio_bench_alerts", STORES, PG_RATINGS, SQLITE_RATINGS, measure)


if __name__ == "__main__":
    main()
