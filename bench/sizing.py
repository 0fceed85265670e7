"""The measured costs that size a chain's HQ (docs: Run HQ › Sizing a chain).

On PostgreSQL, against a real ``hymio hq serve`` (one process):

* **per request**: kiosks upload batches of 1 and of 10 ratings (:data:`KINDS`; the
  difference gives the cost of one more rating) and send heartbeats from :data:`THREADS`
  threads for :data:`SECONDS` a round; HQ's CPU
  seconds per request (``/proc``), requests and ratings a second, and the WAL PostgreSQL
  wrote per request (``pg_current_wal_lsn()`` before and after);
* **per rating kept**: a database filled with :data:`RATINGS` ratings of a year
  (:mod:`bench.chain_data`, with the counts ingest keeps); ``pg_total_relation_size`` of
  every table over the number of ratings;
* **partitioned or not**: those ratings in one table and in a table partitioned by month
  of a UUIDv7-shaped id (:func:`partitioned`): a month's export, an insert, a lookup.

The WAL position is the whole server's: anything else writing at the same time adds to it,
so the round with the least WAL per request is the one reported beside the median. Then
the sizing arithmetic of the docs, from these figures. ``HYMIO_BENCH_SIZING_RATINGS``,
``…_SECONDS`` and ``…_ROUNDS`` change the size.
"""

from __future__ import annotations

import json
import math
import os
import statistics
import threading
import time
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import psycopg
import requests

from bench.chain_data import fill
from bench.common import row
from bench.ingest import _pg_db, _pg_drop, ratings, start_hq
from hq.people.admin import add_device, add_store
from hq.tables.database import open_database
from kiosk.timekeeping.localtime import to_utc_text

RATINGS = int(os.environ.get("HYMIO_BENCH_SIZING_RATINGS", "1000000"))
SECONDS = float(os.environ.get("HYMIO_BENCH_SIZING_SECONDS", "8"))
ROUNDS = int(os.environ.get("HYMIO_BENCH_SIZING_ROUNDS", "3"))
THREADS = 8  # kiosks sending at once (the device path works 4 at a time per process)
KINDS = {"upload 1": 1, "upload 10": 10, "heartbeat": 0}  # ratings in each request
PER_DAY = 200  # ratings a kiosk takes a day, in OPEN hours
OPEN = 12 * 3600
KIOSKS = 64
TICKS = os.sysconf("SC_CLK_TCK")
SPREAD = (min, statistics.median, max)


def _cpu(pid: int) -> float:
    """CPU seconds (user + system) the process *pid* has used."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()  # noqa: SIM115
    return (int(fields[11]) + int(fields[12])) / TICKS


def _wal(plain: str) -> int:
    with psycopg.connect(plain, autocommit=True) as conn:
        lsn = conn.execute("SELECT pg_current_wal_lsn()").fetchone()[0]
        return int(conn.execute("SELECT %s::pg_lsn - '0/0'::pg_lsn", (lsn,)).fetchone()[0])


def _kiosks(url: str) -> list[tuple[str, str]]:
    engine, sessions = open_database(url)
    now = datetime.now(UTC)
    with sessions() as s:
        for i in range(KIOSKS // 4):
            add_store(s, f"s{i}", f"Store {i}", "Europe/Helsinki", now)
        tokens = [(f"k{i}", add_device(s, f"s{i // 4}", f"k{i}", now)) for i in range(KIOSKS)]
    engine.dispose()
    return tokens


def _send(http, base: str, kind: str, device: str, token: str, seqs, i: int) -> None:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    if KINDS[kind]:
        rows = ratings(KINDS[kind], device, f"s{int(device[1:]) // 4}", seqs[device] + 1)
        seqs[device] += KINDS[kind]
        body, path = json.dumps({"ratings": rows}), "/api/v1/ratings"
    else:
        body = json.dumps({"pending": 0, "uptime": 1000.0 + i, "disk_free": 10**9})
        path = "/api/v1/heartbeat"
    while True:  # a 503 (HQ busy: the machine's other work) is sent again, as sync does
        answer = http.post(f"{base}{path}", data=body, headers=headers, timeout=30)
        if answer.status_code != 503:
            answer.raise_for_status()
            return
        time.sleep(0.05)


def _round(base: str, plain: str, pid: int, kind: str, devices, seqs) -> dict[str, float]:
    """One round of *kind* (of :data:`KINDS`) requests; the costs per request."""
    stop = time.monotonic() + SECONDS
    done = [0] * THREADS

    def send(t: int) -> None:
        http = requests.Session()
        mine = devices[t::THREADS]
        while time.monotonic() < stop:
            device, token = mine[done[t] % len(mine)]
            _send(http, base, kind, device, token, seqs, done[t])
            done[t] += 1

    wal, cpu, started = _wal(plain), _cpu(pid), time.perf_counter()
    threads = [threading.Thread(target=send, args=(t,)) for t in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed, requests_ = time.perf_counter() - started, sum(done)
    return {
        "per_second": requests_ / elapsed,
        "cpu_ms": (_cpu(pid) - cpu) / requests_ * 1000,
        "wal_bytes": (_wal(plain) - wal) / requests_,
    }


def _wal_each(base: str, plain: str, kind: str, devices, seqs, n: int = 200) -> list[int]:
    """WAL bytes of each of *n* requests sent one at a time: the server's WAL position is
    read before and after each, so what others write at the same time shows as outliers
    (the median and the lower quartile are reported, not the mean)."""
    http = requests.Session()
    out = []
    with psycopg.connect(plain, autocommit=True) as conn:

        def lsn() -> int:
            return int(conn.execute("SELECT pg_current_wal_lsn() - '0/0'::pg_lsn").fetchone()[0])

        for i in range(n):
            device, token = devices[i % len(devices)]
            before = lsn()
            _send(http, base, kind, device, token, seqs, i)
            out.append(lsn() - before)
    return out


def per_request(url: str) -> dict[str, dict[str, float]]:
    devices = _kiosks(url)
    plain = url.replace("postgresql+psycopg", "postgresql")
    seqs = dict.fromkeys((d for d, _ in devices), 0)
    server, base = start_hq(url, "--rate-limit", "100000")
    try:
        rounds: dict[str, list[dict]] = {kind: [] for kind in KINDS}
        for _ in range(ROUNDS):  # interleaved
            for kind in rounds:
                rounds[kind].append(_round(base, plain, server.pid, kind, devices, seqs))
        each = {kind: _wal_each(base, plain, kind, devices, seqs) for kind in rounds}
    finally:
        server.terminate()
        server.wait(10)
    out = {}
    for kind, measured in rounds.items():
        figures = {k: statistics.median(m[k] for m in measured) for k in measured[0]}
        quartiles = statistics.quantiles(each[kind], n=4)
        figures["wal"], figures["wal_low"] = statistics.median(each[kind]), quartiles[0]
        spread = {
            k: " · ".join(f"{f(m[k] for m in measured):,.2f}" for f in SPREAD)
            for k in ("per_second", "cpu_ms", "wal_bytes")
        }
        what = kind
        row(f"{what}: requests a second", spread["per_second"], f"{THREADS} senders")
        row(f"{what}: HQ CPU ms a request", spread["cpu_ms"])
        row(f"{what}: WAL bytes a request", spread["wal_bytes"], "under load, whole server's")
        row(f"{what}: WAL bytes, one at a time", f"{quartiles[0]:,.0f} · {figures['wal']:,.0f}",
            f"lower quartile · median of {len(each[kind])}")  # fmt: skip
        out[kind] = figures
    return out


def per_rating(url: str) -> dict[str, float]:
    started = time.perf_counter()
    fill(url, 200, RATINGS, days=365)
    print(f"  ({RATINGS:,} ratings of 200 stores over a year filled in"
          f" {time.perf_counter() - started:.0f} s)")  # fmt: skip
    plain = url.replace("postgresql+psycopg", "postgresql")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")  # before the partitioning bench adds its tables
        (n,) = conn.execute("SELECT count(*) FROM ratings").fetchone()
        sizes = dict(
            conn.execute(
                "SELECT c.relname, pg_total_relation_size(c.oid) FROM pg_class c"
                " JOIN pg_namespace s ON s.oid = c.relnamespace"
                " WHERE s.nspname = 'public' AND c.relkind = 'r'"
            ).fetchall()
        )
        (heap,) = conn.execute("SELECT pg_relation_size('ratings')").fetchone()
    total = sum(sizes.values())
    out = {
        "ratings_table": sizes["ratings"] / n,
        "ratings_heap": heap / n,
        "counts": (sizes.get("rating_hours", 0) + sizes.get("rating_days", 0)) / n,
        "database": total / n,
    }
    row("ratings table and its indexes", f"{out['ratings_table']:.0f} B a rating",
        f"heap alone {out['ratings_heap']:.0f} B")  # fmt: skip
    row("kept hour and day counts", f"{out['counts']:.0f} B a rating")
    row("whole database", f"{out['database']:.0f} B a rating", f"{n:,} ratings")
    return out


def _v7(at: str, noise: str) -> str:
    """SQL for a UUIDv7-shaped id: the milliseconds of the time *at*, then *noise* (hex)."""
    ms = f"lpad(to_hex(floor(extract(epoch FROM ({at})::timestamptz) * 1000)::bigint), 12, '0')"
    return (
        f"substr({ms}, 1, 8) || '-' || substr({ms}, 9, 4) || '-7' || substr({noise}, 1, 3)"
        f" || '-8' || substr({noise}, 4, 3) || '-' || substr({noise}, 7, 12)"
    )


def partitioned(url: str) -> dict[str, float]:
    """The ratings of *url* copied twice with UUIDv7-shaped ids (the bench's own ids are
    not): into one table and into a table partitioned by month of the id (with a default
    partition), each with the same indexes. Then, rounds interleaved: a month's export of
    every store (``COPY … TO '/dev/null'``, the export's own SQL), 1 000 new ratings
    inserted with ``ON CONFLICT DO NOTHING`` (rolled back), and 1 000 ids looked up."""
    from hq.insight.exports.pg_csv import _sql

    plain = url.replace("postgresql+psycopg", "postgresql")
    with psycopg.connect(plain, autocommit=True) as conn:
        cols = [r[0] for r in conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'ratings'"
            " ORDER BY ordinal_position").fetchall()]  # fmt: skip
        picked = ", ".join(_v7("recorded_at", "md5(id)") if c == "id" else c for c in cols)
        fresh = ", ".join(_v7("now()::text", "md5(id || 'new')") if c == "id" else c for c in cols)
        months = conn.execute(
            "SELECT DISTINCT date_trunc('month', recorded_at::timestamptz) FROM ratings ORDER BY 1"
        ).fetchall()
        months = [m for (m,) in months] + [months[-1][0] + timedelta(days=32)]
        conn.execute("CREATE TABLE r_one (LIKE ratings INCLUDING DEFAULTS)")
        conn.execute(
            "CREATE TABLE r_parts (LIKE ratings INCLUDING DEFAULTS) PARTITION BY RANGE (id)"
        )
        for a, b in pairwise(months):
            zeros = "repeat('0', 12)"
            bound = [conn.execute(f"SELECT {_v7(repr(m.isoformat()), zeros)}").fetchone()[0]
                     for m in (a, b.replace(day=1))]  # fmt: skip
            conn.execute(f"CREATE TABLE r_parts_{a:%Y%m} PARTITION OF r_parts FOR VALUES"
                         f" FROM ('{bound[0]}') TO ('{bound[1]}')")  # fmt: skip
        conn.execute("CREATE TABLE r_parts_other PARTITION OF r_parts DEFAULT")
        for table in ("r_one", "r_parts"):
            conn.execute(f"INSERT INTO {table} SELECT {picked} FROM ratings")  # noqa: S608
            conn.execute(f"ALTER TABLE {table} ADD PRIMARY KEY (id)")
            conn.execute(f"CREATE INDEX ON {table} (store_id, recorded_at)")
            conn.execute(f"CREATE INDEX ON {table} (device_id, database_id, seq)")
            conn.execute(f"VACUUM ANALYZE {table}")
        stores = conn.execute("SELECT id, timezone FROM stores ORDER BY id").fetchall()
        ids = [r[0] for r in conn.execute("SELECT id FROM r_one ORDER BY md5(id) LIMIT 1000")]
        last = max(months[:-1])
        start, end = (to_utc_text(last), to_utc_text(last + timedelta(days=28)))
        times: dict[str, list[float]] = {}

        def timed(name: str, work) -> None:
            started = time.perf_counter()
            work()
            times.setdefault(name, []).append(time.perf_counter() - started)

        cursor = psycopg.ClientCursor(conn)
        for _ in range(ROUNDS):
            for table in ("r_one", "r_parts"):
                sql = _sql(True, True, False).replace("FROM ratings r", f"FROM {table} r")
                sql = sql.replace("TO STDOUT", "TO '/dev/null'")
                params = {"name": "x", "start": start, "end": end, "shift": "7200 seconds",
                          "offset": "+02:00", "labels": "{}", "incomplete": "{}"}  # fmt: skip
                timed(f"{table} export", lambda sql=sql, p=params: [
                    cursor.execute(sql, {**p, "store": s}) for s, _ in stores])  # fmt: skip
                insert = (
                    f"INSERT INTO {table} SELECT {fresh}"  # noqa: S608 -- the bench's own names
                    " FROM ratings LIMIT 1000 ON CONFLICT DO NOTHING RETURNING id"
                )
                with conn.transaction(force_rollback=True):
                    timed(f"{table} insert", lambda q=insert: conn.execute(q).fetchall())
                look = f"SELECT count(*) FROM {table} WHERE id = ANY(%s)"  # noqa: S608
                timed(f"{table} lookup", lambda q=look: conn.execute(q, (ids,)).fetchone())
        sizes = {
            t: conn.execute(
                "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c"
                " WHERE c.relname = %s OR c.relname LIKE %s AND c.relkind = 'r'",
                (t, f"{t}\\_%"),
            ).fetchone()[0]
            for t in ("r_one", "r_parts")
        }
    out = {}
    for what in ("export", "insert", "lookup"):
        one, parts = times[f"r_one {what}"], times[f"r_parts {what}"]
        spread = " · ".join(f"{f(one) * 1000:,.1f}" for f in SPREAD)
        row(f"{what}: one table", f"{spread} ms")
        spread = " · ".join(f"{f(parts) * 1000:,.1f}" for f in SPREAD)
        ratio = statistics.median(parts) / statistics.median(one)
        row(
            f"{what}: {len(months) - 1} monthly partitions",
            f"{spread} ms",
            f"{ratio:.2f}× one table",
        )
        out[what] = ratio
    row("size: partitioned ÷ one table", f"{int(sizes['r_parts']) / int(sizes['r_one']):.2f}×")
    return out


def arithmetic(costs: dict, storage: dict) -> dict[int, dict[str, float]]:
    """The docs' sizing, from the measured figures. Each kiosk takes :data:`PER_DAY`
    ratings in :data:`OPEN` hours; sync uploads once a minute when it holds any (so a
    minute with none costs nothing), reports every 5 minutes day and night, and asks for
    its settings every 10 minutes (an ETag check, taken to cost HQ what a heartbeat does
    and to write nothing). WAL per request: from the lower quartile of the one-at-a-time
    figures (about a request alone) to their median (full-page images included)."""
    one, ten, beat = costs["upload 1"], costs["upload 10"], costs["heartbeat"]
    unit = {}
    for key in ("cpu_ms", "wal", "wal_low"):
        extra = max(0.0, (ten[key] - one[key]) / 9)  # one more rating in a batch
        unit[f"{key}_rating"], unit[f"{key}_upload"] = extra, max(0.0, one[key] - extra)
    row(
        "upload: HQ CPU ms, fixed · per rating",
        f"{unit['cpu_ms_upload']:.2f} · {unit['cpu_ms_rating']:.3f}",
    )
    row(
        "upload: WAL bytes, fixed · per rating",
        f"{unit['wal_upload']:,.0f} · {unit['wal_rating']:,.0f}",
    )
    per_minute = PER_DAY / (OPEN / 60)
    busy = 1 - math.exp(-per_minute)  # the share of open minutes with a rating to send
    sized = {}
    for kiosks in (10_000, 100_000):
        per_day = PER_DAY * kiosks
        rate = per_day / OPEN  # ratings a second in open hours
        uploads, beats, asks = kiosks / 60 * busy, kiosks / 300, kiosks / 600
        cpu = (uploads * unit["cpu_ms_upload"] + rate * unit["cpu_ms_rating"]
               + (beats + asks) * beat["cpu_ms"]) / 1000  # fmt: skip
        wal_day, low_day = (
            (uploads * unit[f"{w}_upload"] + rate * unit[f"{w}_rating"]) * OPEN
            + beats * 86_400 * beat[w]
            for w in ("wal", "wal_low")
        )
        year = per_day * 365 * storage["database"]
        requests_ = uploads + beats + asks
        row(f"{kiosks:,} kiosks, open hours", f"{requests_:,.0f} requests/s, {cpu:.2f} cores of HQ",
            f"{rate:,.0f} ratings/s")  # fmt: skip
        row("", f"WAL {low_day / 1e9:,.1f}–{wal_day / 1e9:,.1f} GB a day",
            f"{year / 1e9:,.0f} GB a year of data")  # fmt: skip
        sized[kiosks] = {"requests": requests_, "cores": cpu, "wal_gb_day": wal_day / 1e9,
                         "gb_year": year / 1e9, "ratings_year": per_day * 365}  # fmt: skip
    return sized


def main() -> dict:
    print(f"Sizing: per request ({ROUNDS} rounds of {SECONDS:.0f} s interleaved, min · median"
          f" · max) and per rating kept ({RATINGS:,} ratings), on PostgreSQL")  # fmt: skip
    try:
        costs = per_request(_pg_db("hymio_bench_sizing_requests"))
    finally:
        _pg_drop("hymio_bench_sizing_requests")
    try:
        url = _pg_db("hymio_bench_sizing_storage")
        storage = per_rating(url)
        storage["partitioned"] = partitioned(url)
    finally:
        _pg_drop("hymio_bench_sizing_storage")
    sized = arithmetic(costs, storage)
    return {"requests": costs, "storage": storage, "sized": sized}


if __name__ == "__main__":
    main()
