"""Web answers per second (issue 32): shoppers answering a QR link's survey through a real
``hymio hq serve`` on 127.0.0.1 (SQLite, one worker, as a store's HQ starts), against a
bare ASGI endpoint under the same uvicorn that reads the same form and does the same
insert + commit into the same ``ratings`` table of the same database file.

Each answer is the face step (``POST /r/<code>``): HQ checks the signed form, resolves the
store's survey, counts the address and the browser, takes the rating in through the
kiosks' ingest (received figures, day and hour counts) and commits. Every request comes
from another address (``X-Forwarded-For``, HQ trusting 127.0.0.1 as a proxy) and browser,
as many phones would, so none is a burst or a repeat. Rounds are interleaved (bare, HQ,
bare, HQ, …) with :data:`CLIENTS` keep-alive clients each; min/median/max of the rounds
and the ratio of the medians are printed. Then the survey page's bytes on the wire,
plain and gzip.

``python -m bench.web_answers`` (``HYMIO_BENCH_WEB_SECONDS``, default 3 s a round;
``HYMIO_BENCH_WEB_ROUNDS``, default 3).
"""

from __future__ import annotations

import http.client
import os
import re
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

from bench.common import bench_dir, body_of, row
from bench.ingest import start_hq

SECONDS = float(os.environ.get("HYMIO_BENCH_WEB_SECONDS", "3"))
ROUNDS = int(os.environ.get("HYMIO_BENCH_WEB_ROUNDS", "3"))
CLIENTS = 8
ENV_DB = "HYMIO_BENCH_WEB_DB"


# --- the bare endpoint: read the form, insert one row, commit, answer 303 -------------

_bare_db: sqlite3.Connection | None = None
_bare_seq = 0


def _bare_connection() -> sqlite3.Connection:
    global _bare_db
    if _bare_db is None:
        _bare_db = sqlite3.connect(os.environ[ENV_DB], isolation_level=None)
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON",
                       "busy_timeout=30000"):  # fmt: skip
            _bare_db.execute(f"PRAGMA {pragma}")  # HQ's own (hq.tables.database)
    return _bare_db


INSERT = (
    "INSERT INTO ratings (id, device_id, store_id, database_id, seq, survey_id, question_id,"
    " config_version, scale, score, source, reason, recorded_at, clock_synced, boot_id,"
    " mono_ns, flag, received_at, time_suspect)"
    " VALUES (?, ?, ?, 'bare', ?, ?, ?, ?, 'smiley4', ?, 'web', NULL, ?, 1, 'web', 0, NULL, ?, 0)"
)


async def bare(scope, receive, send) -> None:
    """The baseline: the same form read, one row inserted and committed, a 303."""
    global _bare_seq
    if scope["type"] != "http":
        return
    body = await body_of(receive)
    form = {k: v[0] for k, v in parse_qs(body.decode("ascii")).items()}
    from uuid6 import uuid7

    _bare_seq += 1
    now = datetime.now(UTC).isoformat(timespec="microseconds")
    device = "web-" + scope["path"].rsplit("/", 1)[1]
    db = _bare_connection()
    db.execute("BEGIN IMMEDIATE")
    db.execute(INSERT, (str(uuid7()), device, "s1", _bare_seq, form["survey"], form["question"],
                        int(form["version"]), int(form["score"]), now, now))  # fmt: skip
    db.execute("COMMIT")
    await send({"type": "http.response.start", "status": 303,
                "headers": [(b"location", b"/r/more"), (b"content-length", b"0")]})  # fmt: skip
    await send({"type": "http.response.body", "body": b""})


def start_bare(path: Path) -> tuple[subprocess.Popen, str]:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "bench.web_answers:bare", "--host", "127.0.0.1",
         "--port", str(port), "--log-level", "warning"],
        env={**os.environ, ENV_DB: str(path)},
    )  # fmt: skip
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return server, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.05)
    server.kill()
    raise RuntimeError("the bare endpoint did not start")


# --- the shoppers ------------------------------------------------------------------


def _form(base: str, code: str) -> dict[str, str]:
    conn = http.client.HTTPConnection(urlsplit(base).netloc, timeout=10)
    conn.request("GET", f"/r/{code}?lang=fi")
    html = conn.getresponse().read().decode()
    conn.close()
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', html))


def answers_per_second(base: str, code: str, form: dict[str, str]) -> float:
    """Answers a second by :data:`CLIENTS` keep-alive clients over :data:`SECONDS`."""
    stop = time.monotonic() + SECONDS
    done, failed = [0] * CLIENTS, [0] * CLIENTS
    lock = threading.Lock()
    counter = [0]

    def shopper(i: int) -> None:
        conn = http.client.HTTPConnection(urlsplit(base).netloc, timeout=30)
        while time.monotonic() < stop:
            with lock:
                counter[0] += 1
                n = counter[0]
            body = urlencode({**form, "score": str(1 + n % 4)})
            address = f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"  # another phone each time
            headers = {"Content-Type": "application/x-www-form-urlencoded",
                       "X-Forwarded-For": address}  # fmt: skip
            conn.request("POST", f"/r/{code}", body, headers)
            answer = conn.getresponse()
            answer.read()
            if answer.status == 303:
                done[i] += 1
            else:
                failed[i] += 1
        conn.close()

    started = time.monotonic()
    threads = [threading.Thread(target=shopper, args=(i,)) for i in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if sum(failed):
        raise RuntimeError(f"{sum(failed)} answers were refused at {base}")
    return sum(done) / (time.monotonic() - started)


def page_bytes(base: str, code: str, coding: str) -> int:
    """The survey page's body bytes on the wire with ``Accept-Encoding: coding``."""
    conn = http.client.HTTPConnection(urlsplit(base).netloc, timeout=10)
    conn.request("GET", f"/r/{code}?lang=fi", headers={"Accept-Encoding": coding})
    answer = conn.getresponse()
    size = len(answer.read())  # http.client does not unpack: what came over the wire
    conn.close()
    return size


def _prepare(path: Path) -> str:
    from hq.fleet.touchpoints import add_web_link
    from hq.people.admin import add_store
    from hq.tables.database import open_database

    engine, sessions = open_database(f"sqlite:///{path}")
    now = datetime.now(UTC)
    with sessions() as s:
        add_store(s, "s1", "Kamppi", "Europe/Helsinki", now)
        code = add_web_link(s, None, "s1", "Door", "after_purchase", now).code
    engine.dispose()
    return code


def main() -> None:
    print(f"Web answers: HQ (SQLite, 1 worker) vs a bare insert + commit, {CLIENTS} clients,"
          f" {ROUNDS} × {SECONDS:g} s interleaved")  # fmt: skip
    with bench_dir() as tmp:
        path = Path(tmp) / "hq.db"
        code = _prepare(path)
        hq, hq_base = start_hq(f"sqlite:///{path}", "--forwarded-allow-ips", "127.0.0.1")
        bare_server, bare_base = start_bare(path)
        try:
            form = _form(hq_base, code)
            rates: dict[str, list[float]] = {"bare": [], "hq": []}
            for _ in range(ROUNDS):
                rates["bare"].append(answers_per_second(bare_base, code, form))
                rates["hq"].append(answers_per_second(hq_base, code, form))
            for name, label in (("bare", "bare ASGI insert + commit"), ("hq", "HQ /r/<code>")):
                r = rates[name]
                row(f"{label}, answers/s", f"{statistics.median(r):,.0f}",
                    f"min {min(r):,.0f}, max {max(r):,.0f}")  # fmt: skip
            ratio = statistics.median(rates["hq"]) / statistics.median(rates["bare"])
            row("HQ / bare (medians)", f"{ratio:.2f}")
            row("survey page, bytes on the wire", f"{page_bytes(hq_base, code, 'identity'):,}",
                "plain")  # fmt: skip
            row("survey page, bytes on the wire (gzip)", f"{page_bytes(hq_base, code, 'gzip'):,}",
                "Accept-Encoding: gzip")  # fmt: skip
        finally:
            for server in (hq, bare_server):
                server.terminate()
                server.wait(20)


if __name__ == "__main__":
    main()
