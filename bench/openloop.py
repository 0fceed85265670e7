"""An open-loop load of kiosks on HQ, as ``python -m bench.openloop``: one asyncio process.

Each simulated kiosk posts a batch of ``PER_BATCH`` ratings every 60 s and a heartbeat
every 300 s, each over a new connection, at a random phase; every request leaves at its
scheduled time whether or not earlier ones were answered (open loop: a slow HQ does not
slow the kiosks down), and its latency is counted from that time, so a late client does
not hide a slow server. A request not answered within ``TIMEOUT`` seconds is given up.

Reads the kiosks (``id token store`` per line) from a file, prints one JSON object: the
answers by status, latency percentiles, how many answers came per second, how late the
client itself was. Bounded: it runs for ``--seconds`` and stops.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import resource
import sys
import time
from datetime import UTC, datetime, timedelta

from uuid6 import uuid7

from bench.common import percentile

PER_BATCH = 20
BATCH_EVERY = 60.0
HEARTBEAT_EVERY = 300.0
TIMEOUT = 10.0


class Kiosk:
    """One simulated kiosk: its token, store and the next ``seq`` it numbers."""

    def __init__(self, device: str, token: str, store: str, database: str):
        self.device, self.token, self.store, self.seq = device, token, store, 0
        self.database = database  # one per run, so that runs on one HQ never share a seq

    def batch(self) -> bytes:
        at = (datetime.now(UTC) - timedelta(minutes=1)).isoformat(timespec="microseconds")
        fixed = {
            "device_id": self.device, "store_id": self.store, "database_id": self.database,
            "survey_id": "default", "question_id": "overall", "config_version": 1,
            "scale": "smiley4", "source": "button", "reason": None, "recorded_at": at,
            "clock_synced": True, "boot_id": "b00t", "flag": None,
        }  # fmt: skip
        ratings = []
        for _ in range(PER_BATCH):
            self.seq += 1
            own = {"id": str(uuid7()), "seq": self.seq, "score": self.seq % 4 + 1}
            ratings.append({**fixed, **own, "mono_ns": self.seq})
        return json.dumps({"ratings": ratings}, separators=(",", ":")).encode()

    def heartbeat(self) -> bytes:
        status = {
            "version": "bench",
            "pending": 0,
            "databases": [{"database_id": self.database, "last_seq": self.seq}],
        }
        return json.dumps(status, separators=(",", ":")).encode()


def request(path: str, token: str, body: bytes) -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: hq\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        "Connection: close\r\n\r\n"
    ).encode() + body


async def send(port: int, data: bytes) -> int:
    """Send one request over a new connection; HQ's status (0: the connection failed)."""
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        return 0
    try:
        writer.write(data)
        head = await reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        await reader.read()  # the body, up to the close HQ answers with
        return status
    except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
        return 0
    finally:
        writer.close()


def schedule(
    kiosks: list[Kiosk], steps: list[tuple[int, float]], seed: int
) -> list[tuple[float, int, str]]:
    """(when, kiosk, what) for every request of the run, in time order. *steps* are
    (kiosks, seconds) one after another: in each, the first that many kiosks run, each
    at its own phase, which it keeps from step to step (a kiosk that runs on does not
    start over)."""
    rng = random.Random(seed)
    phases = [(rng.uniform(0, BATCH_EVERY), rng.uniform(0, HEARTBEAT_EVERY)) for _ in kiosks]
    events = []
    begin = 0.0
    for count, seconds in steps:
        end = begin + seconds
        for i in range(min(count, len(kiosks))):
            for every, what, phase in ((BATCH_EVERY, "batch", phases[i][0]),
                                       (HEARTBEAT_EVERY, "heartbeat", phases[i][1])):  # fmt: skip
                at = phase + every * max(0, -(-(begin - phase) // every))
                while at < end:
                    events.append((at, i, what))
                    at += every
        begin = end
    events.sort()
    return events


WINDOW = 10.0  # seconds of one window of a step load's timeline


def summary(latencies: list[float], statuses: list[int], seconds: float) -> dict:
    """Answers by status, the ok share and latency percentiles of one stretch of a run."""
    counted: dict[str, int] = {}
    for status in statuses:
        counted[str(status)] = counted.get(str(status), 0) + 1
    ok = sum(1 for status in statuses if 200 <= status < 300)
    return {
        "requests": len(statuses),
        "statuses": counted,
        "ok_share": ok / len(statuses) if statuses else 1.0,
        "p50_ms": percentile(latencies, 50) * 1000 if latencies else 0.0,
        "p99_ms": percentile(latencies, 99) * 1000 if latencies else 0.0,
        "max_ms": max(latencies) * 1000 if latencies else 0.0,
        "answers_per_s": len(latencies) / seconds if seconds else 0.0,
    }


async def run(port: int, kiosks: list[Kiosk], steps: list[tuple[int, float]], seed: int) -> dict:
    """Run *steps* (see :func:`schedule`) against HQ on *port*: the whole run's summary,
    and with more than one step each step's and each :data:`WINDOW` seconds'."""
    events = schedule(kiosks, steps, seed)
    answers: list[tuple[float, float, int]] = []  # (scheduled at, latency, status)
    lateness = 0.0
    start = time.monotonic()

    async def one(at: float, data: bytes) -> None:
        try:
            status = await asyncio.wait_for(send(port, data), TIMEOUT)
        except TimeoutError:
            status = -1
        answers.append((at, time.monotonic() - (start + at), status))

    tasks = set()
    for at, i, what in events:
        due = start + at
        wait = due - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        lateness = max(lateness, time.monotonic() - due)
        kiosk = kiosks[i]
        if what == "batch":
            data = request("/api/v1/ratings", kiosk.token, kiosk.batch())
        else:
            data = request("/api/v1/heartbeat", kiosk.token, kiosk.heartbeat())
        task = asyncio.create_task(one(at, data))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    if tasks:
        await asyncio.wait(tasks)
    elapsed = time.monotonic() - start
    result = summary([a[1] for a in answers], [a[2] for a in answers], elapsed)
    result["client_late_ms"] = lateness * 1000
    if len(steps) > 1:
        result["steps"], result["windows"], begin = [], [], 0.0
        for count, seconds in steps:
            part = [a for a in answers if begin <= a[0] < begin + seconds]
            step = summary([a[1] for a in part], [a[2] for a in part], seconds)
            result["steps"].append({"kiosks": count, "from_s": begin, **step})
            begin += seconds
        for w in range(int(-(-begin // WINDOW))):
            part = [a for a in answers if w * WINDOW <= a[0] < (w + 1) * WINDOW]
            result["windows"].append(
                {
                    "from_s": w * WINDOW,
                    **summary([a[1] for a in part], [a[2] for a in part], WINDOW),
                }
            )
    return result


def steps_of(text: str) -> list[tuple[int, float]]:
    """``5000:300,10000:300`` as [(5000, 300.0), (10000, 300.0)]: kiosks and seconds."""
    out = []
    for part in text.split(","):
        count, _, seconds = part.partition(":")
        out.append((int(count), float(seconds)))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--kiosks", required=True, help="a file of 'id token store' lines")
    parser.add_argument("--count", type=int, help="how many of them to run")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument(
        "--steps", type=steps_of, help="a step load instead: kiosks:seconds,kiosks:seconds,…"
    )
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if (args.count is None) == (args.steps is None):
        parser.error("give --count (with --seconds) or --steps")
    steps = args.steps or [(args.count, args.seconds)]
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    with open(args.kiosks) as f:
        kiosks = [Kiosk(*line.split(), f"run{args.seed}") for line in f]
    kiosks = kiosks[: max(count for count, _ in steps)]
    try:
        import uvloop  # the client's own overhead, kept small

        runner = uvloop.run
    except ImportError:
        runner = asyncio.run
    result = runner(run(args.port, kiosks, steps, args.seed))
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
