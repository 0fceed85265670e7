"""Exports whose client leaves, against a real ``hymio hq serve`` on SQLite and PostgreSQL
(issue 27): the raw sockets read 64 KiB of a 30 000-rating CSV and close. The fourth
export after three abandoned ones answers; 200 abandoned ones leave no connection behind
(none in COPY), ``/healthz`` answers every probe within a second while they go on, the
kiosk's uploads keep succeeding, a whole export afterwards is complete and correct, and
SIGTERM stops HQ. Bounded: a few hundred requests on 127.0.0.1."""

from __future__ import annotations

import csv
import io
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import anyio
import psycopg
import pytest
import requests

from hq.insight.exports.streamed import EXPORTS
from hq.people.admin import add_api_token, add_device, add_store
from hq.tables.database import open_database
from kiosk.timekeeping.localtime import to_utc_text
from tests.hq.conftest import free_port, wait_until_up
from tests.hq.served import rating

RATINGS = 30_000
ABANDONED = 200
LIVENESS = 1.0  # seconds: a probe slower than this is a load balancer taking HQ out
PROBE = "hymio-test-probe"  # the application name of the test's own lookups


def _seed(url: str) -> tuple[str, str]:
    engine, sessions = open_database(url)
    now = datetime.now(UTC)
    with sessions() as s:
        add_store(s, "s1", "Kamppi", "Europe/Helsinki", now)
        device = add_device(s, "s1", "k1", now)
        reader = add_api_token(s, "analyst", now)
    engine.dispose()
    return device, reader


class Served:
    """``hymio hq serve`` on *url*, and what the test sent it."""

    def __init__(self, url: str, tmp_path, *options: str):
        self.device, self.reader = _seed(url)
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = tmp_path / "hq.log"
        command = [sys.executable, "-m", "hymio", "hq", "serve", "--database", url,
                   "--port", str(self.port), *options]  # fmt: skip
        with self.log.open("w") as log:
            self.proc = subprocess.Popen(command, stdout=log, stderr=log)
        wait_until_up(self.base, self.proc)
        self.seq, self.ids = 0, set()

    def upload(self, n: int) -> None:
        batch = []
        for _ in range(n):
            self.seq += 1
            r = rating("k1", "s1", self.seq)
            r["recorded_at"] = to_utc_text(datetime.now(UTC) - timedelta(seconds=self.seq))
            batch.append(r)
        answer = requests.post(
            f"{self.base}/api/v1/ratings",
            json={"ratings": batch},
            headers={"Authorization": f"Bearer {self.device}"},
            timeout=30,
        )
        assert answer.status_code == 200, answer.text
        self.ids |= {r["id"] for r in batch}

    def abandon(self) -> bytes:
        """Ask for the CSV, read 64 KiB (or the whole answer if shorter), close."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=30) as sock:
            sock.sendall(
                b"GET /api/v1/export.csv HTTP/1.1\r\nHost: hq\r\nConnection: close\r\n"
                b"Authorization: Bearer %s\r\n\r\n" % self.reader.encode()
            )
            got = b""
            while len(got) < 64 * 1024 and (data := sock.recv(64 * 1024)):
                got += data
        return got

    def stall(self) -> socket.socket:
        """Ask for the CSV and read none of it (small buffers, so HQ's fill up)."""
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.settimeout(30)
        sock.connect(("127.0.0.1", self.port))
        sock.sendall(
            b"GET /api/v1/export.csv HTTP/1.1\r\nHost: hq\r\n"
            b"Authorization: Bearer %s\r\n\r\n" % self.reader.encode()
        )
        return sock

    def export(self) -> requests.Response:
        """The whole CSV; after a 503 (every export slot still taken) once more, after
        the Retry-After it names."""
        for _ in range(2):
            answer = requests.get(
                f"{self.base}/api/v1/export.csv",
                headers={"Authorization": f"Bearer {self.reader}"},
                timeout=60,
            )
            if answer.status_code != 503:
                return answer
            time.sleep(int(answer.headers["Retry-After"]))
        return answer


@contextmanager
def serving(url: str, tmp_path, *options: str) -> Iterator[Served]:
    hq = Served(url, tmp_path, *options)
    try:
        yield hq
    finally:
        if hq.proc.poll() is None:
            hq.proc.kill()
            hq.proc.wait(10)


@pytest.fixture
def served(database_url, tmp_path):
    with serving(database_url, tmp_path) as hq:
        yield hq


def _export_connections(url: str) -> list[tuple]:
    """HQ's connections to its PostgreSQL database: state, wait event, query. The test's
    own lookups are named and left out: a closed one's backend can still be listed for a
    moment after it closed, on a busy machine."""
    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(
        url.replace("+psycopg", ""), autocommit=True, application_name=PROBE
    ) as conn:
        return conn.execute(
            "SELECT state, wait_event, left(query, 40) FROM pg_stat_activity"
            " WHERE datname = %s AND application_name <> %s",
            (name, PROBE),
        ).fetchall()


def _copying(url: str) -> list[tuple]:
    return [c for c in _export_connections(url) if c[2].startswith("COPY") and c[0] != "idle"]


def _status(head: bytes) -> int:
    return int(head.split(b" ", 2)[1])


def _abandon_one(hq: Served) -> int | None:
    """Abandon an export once it is answered 200; how many 503s came first (None: only
    503s for 10 s)."""
    for refused in range(200):
        head = hq.abandon()
        if _status(head) == 200:
            return refused
        assert _status(head) == 503 and b"retry-after: 10" in head.lower(), head[:300]
        time.sleep(0.05)
    return None


def _probing(base: str, stop: threading.Event, seen: list[float], failed: list[str]) -> None:
    while not stop.wait(0.05):
        start = time.monotonic()
        try:
            answer = requests.get(f"{base}/healthz", timeout=5)
            if answer.status_code != 200:
                failed.append(f"/healthz {answer.status_code}")
        except requests.RequestException as e:
            failed.append(f"/healthz {e!r}")
        seen.append(time.monotonic() - start)


def _uploading(hq: Served, stop: threading.Event, done: list[int], failed: list[str]) -> None:
    while not stop.wait(0.2):
        try:
            hq.upload(5)
            done.append(5)
        except (AssertionError, requests.RequestException) as e:
            failed.append(f"upload: {e}")


def _rows(answer: requests.Response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(answer.content.decode("utf-8"), newline="")))


@pytest.mark.slow
def test_abandoned_exports_leave_nothing_behind_and_hq_stays_live(served, database_url):
    hq = served
    for _ in range(RATINGS // 1000):
        hq.upload(1000)
    # The second try of the issue: three abandoned, then the fourth must answer.
    for _ in range(3):
        assert _status(hq.abandon()) in (200, 503)
    fourth = hq.export()
    assert fourth.status_code == 200
    assert len(_rows(fourth)) == RATINGS
    postgres = database_url.startswith("postgresql")

    stop, probes, uploads, failed = threading.Event(), [], [], []
    workers = [
        threading.Thread(target=_probing, args=(hq.base, stop, probes, failed)),
        threading.Thread(target=_uploading, args=(hq, stop, uploads, failed)),
    ]
    for w in workers:
        w.start()
    try:
        refusals = [_abandon_one(hq) for _ in range(ABANDONED)]
    finally:
        stop.set()
        for w in workers:
            w.join(30)
    assert failed == []
    assert len(probes) > 20 and max(probes) < LIVENESS, sorted(probes)[-5:]
    assert uploads, "no upload went through while the exports were abandoned"
    # Each of the 200 was an export begun and left (a 503 while the slots were still
    # being given back by the ones before is tried again, as a script would).
    assert all(r is not None for r in refusals)

    if postgres:
        deadline = time.monotonic() + 10
        while _copying(database_url) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _copying(database_url) == []
        # Idle in the pools: the API's for at most three requests at once (a probe, an
        # upload, an export's token check), and the exports' own.
        left = _export_connections(database_url)
        assert all(state == "idle" for state, _, _ in left), left
        assert len(left) <= 3 + EXPORTS, left
    whole = hq.export()
    assert whole.status_code == 200
    rows = _rows(whole)
    assert len(rows) == len(hq.ids) == RATINGS + sum(uploads)
    assert {r["rating_id"] for r in rows} == hq.ids
    assert [r["utc_time"] for r in rows] == sorted(r["utc_time"] for r in rows)

    hq.proc.terminate()
    hq.proc.wait(20)  # SIGTERM stops HQ (raises TimeoutExpired if not)


@pytest.mark.parametrize("path", ["/api/v1/export.csv", "/api/v1/export.xlsx"])
def test_an_export_past_the_limit_is_a_503_at_once_and_a_slot_comes_back(hq, path):
    headers = hq.auth(hq.reader_token)
    assert hq.post([hq.rating() for _ in range(3)]).status_code == 200
    held = [hq.app.state.exports.enter() for _ in range(EXPORTS)]
    refused = hq.client.get(path, headers=headers)
    assert refused.status_code == 503
    assert refused.headers["Retry-After"] == "10"
    assert refused.json()["error"]["code"] == "busy"
    held.pop()()
    # One slot, taken and given back by each of several exports in turn, and by a refusal.
    for _ in range(3):
        assert hq.client.get(path, headers=headers).status_code == 200
        assert hq.client.get(f"{path}?store=nowhere", headers=headers).status_code == 404
    for done in held:
        done()


def _until(check, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


@pytest.mark.slow
def test_a_download_nobody_reads_is_cut_off_and_frees_its_slot(database_url, tmp_path):
    with serving(database_url, tmp_path, "--read-timeout", "2") as hq:
        for _ in range(RATINGS // 1000):
            hq.upload(1000)
        stalled = [hq.stall() for _ in range(EXPORTS)]
        try:
            time.sleep(1)
            if database_url.startswith("postgresql"):
                assert len(_copying(database_url)) == EXPORTS  # both held, mid-COPY
            # Cut off once they have taken nothing for 2 s: the slots come back.
            assert _until(lambda: hq.export().status_code == 200, 15)
            if database_url.startswith("postgresql"):
                assert _copying(database_url) == []
        finally:
            for sock in stalled:
                sock.close()
        assert "took nothing of their answer in time" in hq.log.read_text()


@pytest.mark.slow
def test_sigterm_stops_hq_while_downloads_hang(database_url, tmp_path):
    with serving(database_url, tmp_path) as hq:  # a read timeout of 30 s: not cut off yet
        for _ in range(RATINGS // 1000):
            hq.upload(1000)
        stalled = [hq.stall() for _ in range(EXPORTS)]
        try:
            time.sleep(1)
            start = time.monotonic()
            hq.proc.terminate()
            hq.proc.wait(20)  # raises TimeoutExpired if HQ waits for them for good
            assert time.monotonic() - start < 20
        finally:
            for sock in stalled:
                sock.close()


class _Source:
    """A generator's stand-in that says where and when it was closed."""

    def __init__(self, chunks: int | None = None):
        self.closed_in: str | None = None
        self.left = chunks  # None: without end

    def __iter__(self):
        return self

    def __next__(self) -> bytes:
        if self.left is not None:
            if self.left == 0:
                raise StopIteration
            self.left -= 1
        return b"x" * 1024

    def close(self) -> None:
        self.closed_in = threading.current_thread().name


@pytest.mark.parametrize("leaves", ["at once", "after a chunk", "never: the answer ends"])
def test_the_source_is_closed_in_a_worker_thread_and_the_slot_given_back(leaves):
    from hq.insight.exports.streamed import ExportGate, ExportStream

    gate = ExportGate(1)
    source = _Source(2 if leaves.startswith("never") else None)
    sent: list[dict] = []

    async def receive() -> dict:
        if leaves == "after a chunk":
            while not any(m.get("body") for m in sent):
                await anyio.sleep(0.01)
        elif leaves.startswith("never"):
            await anyio.sleep(3600)
        return {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        sent.append(message)
        await anyio.sleep(0)

    async def answer() -> None:
        stream = ExportStream(source, gate.enter(), media_type="text/csv")
        scope = {"type": "http", "asgi": {"spec_version": "2.3"}}
        await stream(scope, receive, send)

    anyio.run(answer)
    assert source.closed_in is not None and source.closed_in != "MainThread"
    gate.enter()()  # the slot is free again
