"""Slow and half-open clients against a real ``hymio hq serve`` (issue 15): HQ cuts them
off after its read timeout, logs it once a minute (not per connection or per accept), and
``/healthz`` and an upload keep working while 2 000 are held; under a 1 024-descriptor
limit (the default the unit used to run with) HQ gets through them instead of going dark.
Everything on 127.0.0.1, bounded in count and time."""

from __future__ import annotations

import resource
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests

from kiosk.timekeeping.localtime import to_utc_text
from tests.hq.conftest import free_port, seeded_sqlite, wait_until_up

HEAD = b"POST /api/v1/ratings HTTP/1.1\r\nHost: hq\r\n"
BODY_HEAD = HEAD + b"Content-Type: application/json\r\nContent-Length: 5000\r\n\r\n"


@contextmanager
def serve(tmp_path: Path, files: int, read_timeout: float) -> Iterator[tuple[str, str, Path]]:
    url, token = seeded_sqlite(tmp_path)
    port = free_port()
    log_path = tmp_path / "hq.log"

    def limit():  # the descriptor limit of the HQ process, soft and hard
        resource.setrlimit(resource.RLIMIT_NOFILE, (files, files))

    command = [sys.executable, "-m", "hymio", "hq", "serve", "--database", url,
               "--port", str(port), "--read-timeout", str(read_timeout)]  # fmt: skip
    with log_path.open("w") as log:
        proc = subprocess.Popen(command, stdout=log, stderr=log, preexec_fn=limit)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(base, proc)
            yield base, token, log_path
            assert proc.poll() is None, "HQ died"
        finally:
            proc.terminate()
            proc.wait(20)


def slow_clients(port: int, n: int) -> list[socket.socket]:
    """*n* connections: a third send nothing, a third half a request head, a third a
    whole head and 100 of the 5000 bytes of body they promise."""
    held = []
    for i in range(n):
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        sock.sendall([b"", HEAD, BODY_HEAD + b"{" * 100][i % 3])
        held.append(sock)
    return held


def upload(base: str, token: str) -> requests.Response:
    rating = {
        "id": str(uuid.uuid4()), "device_id": "k1", "store_id": "s1", "seq": 1,
        "survey_id": "default", "question_id": "overall", "config_version": 1,
        "scale": "smiley4", "score": 4, "source": "button", "reason": None,
        "recorded_at": to_utc_text(datetime.now(UTC) - timedelta(minutes=1)),
        "clock_synced": True, "boot_id": "b1", "mono_ns": 1, "flag": None,
    }  # fmt: skip
    return requests.post(f"{base}/api/v1/ratings", json={"ratings": [rating]},
                         headers={"Authorization": f"Bearer {token}"}, timeout=10)  # fmt: skip


def closed_by_server(sock: socket.socket) -> bool:
    sock.settimeout(0.5)
    try:
        while True:
            data = sock.recv(65536)
            if not data:
                return True
            if b"408" in data or b"400" in data:
                return True
    except TimeoutError:
        return False
    except OSError:
        return True


def _own_descriptors(n: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < n:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(n, hard), hard))


def test_healthz_and_uploads_answer_while_2000_slow_clients_are_held(tmp_path):
    _own_descriptors(3000)
    timeout = 10.0  # room to open 2 000 connections and check HQ before any is cut off
    with serve(tmp_path, files=4096, read_timeout=timeout) as (base, token, log_path):
        port = int(base.rsplit(":", 1)[1])
        started = time.monotonic()
        held = slow_clients(port, 2000)
        try:
            assert requests.get(f"{base}/healthz", timeout=5).status_code == 200
            assert upload(base, token).status_code == 200
            assert time.monotonic() - started < timeout, "the checks ran after the timeout"
            time.sleep(max(0.0, started + timeout + 3 - time.monotonic()))
            still_open = [s for s in held if not closed_by_server(s)]
            assert still_open == [], f"{len(still_open)} slow clients still held"
        finally:
            for sock in held:
                sock.close()
        assert requests.get(f"{base}/healthz", timeout=5).status_code == 200
    log = log_path.read_text()
    assert "cut off" in log and "Traceback" not in log
    assert len(log.splitlines()) < 10, log[-2000:]


def test_out_of_descriptors_hq_gets_through_slow_clients_and_stays_quiet(tmp_path):
    _own_descriptors(3000)
    with serve(tmp_path, files=1024, read_timeout=2) as (base, token, log_path):
        port = int(base.rsplit(":", 1)[1])
        held = slow_clients(port, 1500)
        try:
            deadline, answered = time.monotonic() + 30, None
            while time.monotonic() < deadline:
                try:
                    answered = requests.get(f"{base}/healthz", timeout=3).status_code
                except requests.RequestException:
                    answered = None
                if answered == 200:
                    break
                time.sleep(0.2)
            assert answered == 200, "HQ stopped answering"
            assert upload(base, token).status_code == 200
        finally:
            for sock in held:
                sock.close()
    log = log_path.read_text()
    assert "Traceback" not in log and len(log.splitlines()) < 20, log[-3000:]


CHUNKED = (
    b"POST /api/v1/ratings HTTP/1.1\r\nHost: hq\r\nContent-Type: application/json\r\n"
    b"Transfer-Encoding: chunked\r\nAuthorization: Bearer %s\r\n\r\n"
)


def chunked(port: int, token: str, body: bytes, finish: bool = True) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.sendall(CHUNKED % token.encode() + b"%x\r\n%s\r\n" % (len(body), body))
    if finish:
        sock.sendall(b"0\r\n\r\n")
    return sock


def status(sock: socket.socket) -> int:
    head = sock.recv(65536)
    return int(head.split(b" ", 2)[1])


def test_chunked_bodies_are_measured_and_only_so_many_are_buffered_at_once(tmp_path):
    from hq.ingest.wire import MAX_BODY
    from hq.web.errors_http import MAX_BUFFERING

    with serve(tmp_path, files=4096, read_timeout=10) as (base, token, _log):
        port = int(base.rsplit(":", 1)[1])
        assert status(chunked(port, token, b"x" * (MAX_BODY + 10))) == 413
        slow = [chunked(port, token, b'{"ratings": [', finish=False) for _ in range(MAX_BUFFERING)]
        try:
            time.sleep(0.5)
            refused = chunked(port, token, b'{"ratings": []}')
            assert status(refused) == 503
            assert requests.get(f"{base}/healthz", timeout=5).status_code == 200
        finally:
            for sock in slow:
                sock.close()
        time.sleep(0.5)
        assert status(chunked(port, token, b'{"ratings": []}')) == 200
