"""Overload against a real ``hymio hq serve`` (issue 20): a burst far above what HQ can work
on at once gets only 200s and fast 503s with ``Retry-After`` (never a hang until a pool
timeout), a refused batch writes nothing, and HQ serves normally right after.
Bounded: one burst of 600 requests on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import requests

from kiosk.timekeeping.localtime import to_utc_text
from tests.hq.conftest import free_port, seeded_sqlite, wait_until_up

BURST = 600
PER_BATCH = 200


def batch(first_seq: int, n: int = PER_BATCH) -> bytes:
    at = to_utc_text(datetime.now(UTC) - timedelta(minutes=5))
    fixed = {
        "device_id": "k1", "store_id": "s1", "survey_id": "default", "question_id": "overall",
        "config_version": 1, "scale": "smiley4", "source": "button", "reason": None,
        "recorded_at": at, "clock_synced": True, "boot_id": "b1", "flag": None,
    }  # fmt: skip
    ratings = [
        {**fixed, "id": str(uuid.uuid4()), "seq": first_seq + i, "score": 1 + i % 4, "mono_ns": i}
        for i in range(n)
    ]
    return json.dumps({"ratings": ratings}).encode()


def raw_post(token: str, body: bytes) -> bytes:
    return (
        f"POST /api/v1/ratings HTTP/1.1\r\nHost: hq\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        "Connection: close\r\n\r\n"
    ).encode() + body


async def one(port: int, data: bytes) -> tuple[int, dict, bytes, float]:
    started = time.monotonic()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(data)
        answer = await asyncio.wait_for(reader.read(), 60)
    finally:
        writer.close()
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return (
        int(lines[0].split()[1]),
        {k.lower(): v for k, v in headers.items()},
        body,
        (time.monotonic() - started),
    )


async def burst(port: int, requests_: list[bytes]) -> list[tuple[int, dict, bytes, float]]:
    return await asyncio.gather(*(one(port, data) for data in requests_))


@pytest.fixture
def served(tmp_path):
    url, token = seeded_sqlite(tmp_path)
    port = free_port()
    command = [sys.executable, "-m", "hymio", "hq", "serve", "--database", url,
               "--port", str(port), "--rate-limit", "100000"]  # fmt: skip
    log = (tmp_path / "hq.log").open("w")
    proc = subprocess.Popen(command, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base, proc)
        yield base, port, token, tmp_path / "hq.db"
        assert proc.poll() is None, "HQ died"
    finally:
        proc.terminate()
        proc.wait(20)
        log.close()


def test_a_burst_far_over_the_limit_gets_200s_and_fast_503s_and_hq_serves_right_after(served):
    base, port, token, db = served
    bodies = [raw_post(token, batch(i * PER_BATCH + 1)) for i in range(BURST)]
    started = time.monotonic()
    answers = asyncio.run(burst(port, bodies))
    took = time.monotonic() - started

    statuses = [status for status, *_ in answers]
    assert set(statuses) <= {200, 503}, sorted(set(statuses))
    refused = [(headers, body) for status, headers, body, _ in answers if status == 503]
    assert refused, "the burst never went over the limit: nothing was tested"
    assert statuses.count(200) > 0
    for headers, body in refused:
        assert int(headers["retry-after"]) >= 1
        assert json.loads(body)["error"]["code"] in ("busy", "database_unavailable")
    slowest = max(seconds for *_, seconds in answers)
    assert slowest < 15, f"an answer took {slowest:.1f} s (the burst took {took:.1f} s)"

    # Refused batches wrote nothing; taken ones wrote every rating, and the kept count agrees.
    conn = sqlite3.connect(db)
    stored = conn.execute("SELECT COUNT(*) FROM ratings").fetchone()[0]
    kept = conn.execute("SELECT received FROM device_received WHERE device_id = 'k1'").fetchone()
    conn.close()
    accepted = sum(json.loads(body)["accepted"] for s, _, body, _ in answers if s == 200)
    assert accepted == statuses.count(200) * PER_BATCH
    assert stored == accepted == kept[0]

    # And HQ is itself again at once.
    assert requests.get(f"{base}/healthz", timeout=5).status_code == 200
    again = requests.post(
        f"{base}/api/v1/ratings",
        data=batch(BURST * PER_BATCH + 1, 5),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        timeout=5,
    )
    assert again.status_code == 200, again.text
    assert again.json()["accepted"] == 5
