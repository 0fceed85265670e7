"""One ``hymio hq serve`` process keeps to its connection budget under load (issue 31):
kiosks uploading, the dashboard read in several browsers and exports downloaded at once,
while ``pg_stat_activity`` is sampled for the process's ``application_name``. It never
holds more than pool + overflow + exports, it says its budget at start, and every request
is answered (a 503 past the budget, never a 500 or a hang)."""

from __future__ import annotations

import threading
import time

import requests

from tests.hq.server.rig import (
    fresh_database,
    hq_process,
    in_postgres,
    logged_in,
    seed_chain,
    shared_folder,
    wait_for_health,
)

POOL, OVERFLOW, KIOSKS, EXPORTS = 3, 1, 2, 1
BUDGET = POOL + OVERFLOW + EXPORTS


def test_a_process_never_holds_more_connections_than_its_budget(pg_template):
    with fresh_database(pg_template) as (name, url), shared_folder() as folder:
        fleet, reader = seed_chain(url, 2, 6)
        hq, port = hq_process(url, folder, "hq", "--db-pool", str(POOL), "--db-overflow",
                              str(OVERFLOW), "--db-kiosks", str(KIOSKS), "--db-exports",
                              str(EXPORTS))  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        try:
            wait_for_health(base, hq)
            said = hq.log.read_text()
            assert f"at most {BUDGET} database connections ({POOL} kept, {OVERFLOW} in" in said
            deadline = time.monotonic() + 60
            for k in fleet:  # something to export
                k.upload(base, k.ratings(1, 200), deadline)
            seen = _under_load(base, name, fleet, reader, hq.proc.pid, deadline)
        finally:
            hq.stop()
    assert max(seen) <= BUDGET, seen
    assert max(seen) > POOL, f"the load never needed more than the pool: {max(seen)}"


def _under_load(base, database, fleet, reader, pid, deadline) -> list[int]:
    done = threading.Event()
    seen: list[int] = []
    answers: list[int] = []
    browsers = [logged_in(base) for _ in range(4)]

    def sample() -> None:
        while not done.is_set():
            (count,) = in_postgres(
                database,
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s"
                " AND application_name = %s",
                database,
                f"hymio-hq {pid}",
            )[0]
            seen.append(count)
            time.sleep(0.01)

    def read(browser) -> None:
        while not done.is_set():
            for page in ("/", "/fleet", "/stores/s0", "/stores/s1"):
                answers.append(browser.get(f"{base}{page}", timeout=30).status_code)

    def export() -> None:
        headers = {"Authorization": f"Bearer {reader}"}
        while not done.is_set():
            got = requests.get(f"{base}/api/v1/export.csv", headers=headers, timeout=30)
            answers.append(got.status_code)
            if got.status_code == 200:
                assert got.text.count("\n") > len(fleet) * 200

    failed: list[BaseException] = []

    def kiosk(k) -> None:
        try:
            for first in range(201, 401, 20):
                k.upload(base, k.ratings(first, 20), deadline)
        except BaseException as e:  # said by the test, not lost in the thread
            failed.append(e)

    sampler = threading.Thread(target=sample)
    loads = [threading.Thread(target=read, args=(b,)) for b in browsers]
    loads += [threading.Thread(target=export) for _ in range(2)]
    kiosks = [threading.Thread(target=kiosk, args=(k,)) for k in fleet]
    for t in [sampler, *loads, *kiosks]:
        t.start()
    for t in kiosks:
        t.join(max(1.0, deadline - time.monotonic()))
    done.set()
    for t in [sampler, *loads]:
        t.join(30)
    assert not failed, failed[0]
    assert all(len(k.acked) == 400 for k in fleet), "a kiosk's uploads did not all get in"
    assert set(answers) <= {200, 503} and answers.count(200) > 10, answers
    return seen
