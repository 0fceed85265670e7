"""HQ scaled out (issue 31): two ``hymio hq serve`` processes behind Debian's nginx, both on
one PostgreSQL through PgBouncer in transaction mode. Kiosks upload through nginx and the
dashboard is read through it while one HQ is SIGKILLed mid-load. Afterwards every rating HQ
acknowledged is in PostgreSQL exactly once, every kiosk's numbers are complete (the gaps
API says nothing is missing), nothing is held, and the dashboard answered throughout.

Bounded: 24 kiosks × 120 ratings, on 127.0.0.1, well under a minute and a half."""

from __future__ import annotations

import threading
import time

import requests

from hq.ingest.bulk import COPY_FROM
from tests.hq.server.rig import (
    fresh_database,
    hq_process,
    in_postgres,
    logged_in,
    nginx,
    pgbouncer,
    seed_chain,
    shared_folder,
    wait_for_health,
)

STORES, KIOSKS = 4, 6  # kiosks per store
RATINGS = 120  # per kiosk
# Every other kiosk uploads a backlog: batches of 60 go in by COPY, batches of 10 by the
# INSERT, both through PgBouncer in transaction mode.
BATCHES = (10, 60)
POOLED = 8  # PgBouncer's server connections: fewer than the two HQs' budgets together
PAGES = ("/", "/fleet", "/stores/s0", "/stores/s1")


def test_two_hqs_behind_nginx_and_pgbouncer_lose_nothing_when_one_is_killed(pg_template):
    assert min(BATCHES) < COPY_FROM <= max(BATCHES)  # both ways in are under load
    with fresh_database(pg_template) as (name, url), shared_folder() as folder:
        fleet, reader = seed_chain(url, STORES, KIOSKS)  # migrated, straight to PostgreSQL
        with pgbouncer(folder, POOLED) as bouncer_port:
            pooled = url.replace("127.0.0.1:5432", f"127.0.0.1:{bouncer_port}")
            options = ("--db-pooler", "--db-pool", "4", "--db-overflow", "4", "--db-kiosks", "2")
            first, first_port = hq_process(pooled, folder, "hq1", *options)
            second, second_port = hq_process(pooled, folder, "hq2", *options)
            try:
                with nginx(folder, [first_port, second_port]) as port:
                    base = f"http://127.0.0.1:{port}"
                    for hq, hq_port in ((first, first_port), (second, second_port)):
                        wait_for_health(f"http://127.0.0.1:{hq_port}", hq)
                    _load(base, fleet, reader, kill=first)
                    assert second.proc.poll() is None, second.log.read_text()
            finally:
                first.stop()
                second.stop()
            _prepared_statements_never_broke(folder)
        _every_acknowledged_rating_is_kept_once(name, fleet)


def _load(base: str, fleet, reader: str, kill) -> None:
    deadline = time.monotonic() + 70
    browser = logged_in(base)  # a login on one HQ holds on the other: it is in PostgreSQL
    pages: dict[int, int] = {}
    after_kill: list[int] = []
    killed = threading.Event()
    done = threading.Event()

    failed: list[BaseException] = []

    def kiosk(k, batch: int) -> None:
        try:
            for first in range(1, RATINGS + 1, batch):
                k.upload(base, k.ratings(first, batch), deadline)
        except BaseException as e:  # said by the test, not lost in the thread
            failed.append(e)

    def dashboard() -> None:
        while not done.is_set():
            for page in PAGES:
                try:
                    status = browser.get(f"{base}{page}", timeout=10).status_code
                except requests.RequestException:
                    status = 0
                pages[status] = pages.get(status, 0) + 1
                if killed.is_set():
                    after_kill.append(status)

    sizes = [BATCHES[i % len(BATCHES)] for i in range(len(fleet))]
    threads = [
        threading.Thread(target=kiosk, args=(k, n)) for k, n in zip(fleet, sizes, strict=True)
    ]
    reading = threading.Thread(target=dashboard)
    for t in [*threads, reading]:
        t.start()
    # kill the first HQ once about a third of the ratings are in
    while sum(len(k.acked) for k in fleet) < len(fleet) * RATINGS // 3:
        assert time.monotonic() < deadline, "the load did not get going"
        time.sleep(0.05)
    kill.kill()
    killed.set()
    for t in threads:
        t.join(max(1.0, deadline - time.monotonic()))
    assert not any(t.is_alive() for t in threads), "a kiosk never got its ratings in"
    time.sleep(1.0)  # the dashboard goes on reading from the one HQ left
    done.set()
    reading.join(20)

    assert not failed, failed[0]
    assert all(len(k.acked) == RATINGS for k in fleet)
    answers = {s: sum(k.answers.get(s, 0) for k in fleet) for s in (0, 200, 502, 503, 504)}
    assert answers[200] == sum(RATINGS // n for n in sizes)  # every batch acknowledged once
    assert set(pages) <= {200, 0, 502, 504}, pages  # never a 500 from HQ
    assert after_kill.count(200) >= len(PAGES), pages  # the one left serves the dashboard
    assert after_kill[-len(PAGES) :] == [200] * len(PAGES), after_kill[-10:]
    for k in fleet:
        assert k.report(base) == 200
    for k in fleet:
        gaps = requests.get(
            f"{base}/api/v1/devices/{k.device}/gaps",
            headers={"Authorization": f"Bearer {reader}"},
            timeout=10,
        ).json()
        assert (gaps["received"], gaps["missing"], gaps["held"]) == (RATINGS, 0, 0), gaps
        assert gaps["pending"] == 0 and gaps["complete"], gaps


def _every_acknowledged_rating_is_kept_once(database: str, fleet) -> None:
    acked = {r["id"]: (r["device_id"], r["seq"]) for k in fleet for r in k.acked}
    rows = in_postgres(database, "SELECT id, device_id, seq FROM ratings")
    assert len(rows) == len(acked) == len(fleet) * RATINGS
    assert {r[0]: (r[1], r[2]) for r in rows} == acked
    per_device = in_postgres(
        database,
        "SELECT device_id, count(*), count(DISTINCT seq), min(seq), max(seq) FROM ratings"
        " GROUP BY device_id",
    )
    assert sorted(per_device) == sorted((k.device, RATINGS, RATINGS, 1, RATINGS) for k in fleet)
    total = len(fleet) * RATINGS  # the kept counts counted each rating once too
    assert in_postgres(database, "SELECT sum(received) FROM device_received") == [(total,)]
    assert in_postgres(database, "SELECT sum(n) FROM rating_hours") == [(total,)]


def _prepared_statements_never_broke(folder) -> None:
    for name in ("hq1.log", "hq2.log"):
        log = (folder / name).read_text()
        assert "prepared statement" not in log and "Traceback" not in log, log[-3000:]
