"""HQ under a fleet's real rhythm, open loop: 1 000 to 20 000 kiosks on one 2-core machine.

Each kiosk posts a batch of 20 ratings every 60 s over a new connection and a heartbeat
every 300 s, at a random phase (:mod:`bench.openloop`, its own process). HQ runs as
``hymio hq serve --workers 2`` on PostgreSQL, as a chain would run it. The baseline is a
bare ASGI app under the same uvicorn (same workers, same HTTP parser and event loop) that
reads each request and answers a fixed 200: what this machine and this client can carry
at all. The second is the bare app with the database (:mod:`bench.bare_db_app`): the
token's device looked up, the batch inserted as it came, one commit; the least any HQ
must do. Rounds are interleaved (bare, bare with the database, HQ, …) and
min/median/max are printed, with HQ's CPU per request as a ratio of each baseline's.

Printed per fleet size: the share of 2xx answers, p50 and p99 latency (from each request's
scheduled time), answers per second, and the CPU per answered request of HQ's processes
and of PostgreSQL's (from ``/proc``, exited processes included through their parent).
Then the largest fleet that stays at 100 % ok with p99 under 100 ms, found by bisection.
Bounded: every run stops after ``HYMIO_BENCH_FLEET_SECONDS`` (30) plus a 10 s drain.

``HYMIO_BENCH_FLEET_STEPS=5000,10000,20000,5000`` runs the step load instead: one HQ (and
one bare app) through those fleet sizes, ``HYMIO_BENCH_FLEET_STEP_SECONDS`` (300) each,
without a restart, so the tokens are warm and slow drift shows; each step's figures, and
how long HQ took to recover in the last step (windows of 10 s).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import psycopg

from bench.common import row
from bench.ingest import PG, start_app, start_hq
from bench.openloop import steps_of
from hq.people.credentials import new_token, token_hash
from hq.tables.database import open_database
from hq.tables.models import Device, Store
from kiosk.timekeeping.localtime import to_utc_text

SIZES = [
    int(n) for n in os.environ.get("HYMIO_BENCH_FLEET", "1000,5000,10000,20000,40000").split(",")
]
SECONDS = float(os.environ.get("HYMIO_BENCH_FLEET_SECONDS", "30"))
ROUNDS = int(os.environ.get("HYMIO_BENCH_FLEET_ROUNDS", "3"))
BISECT = int(os.environ.get("HYMIO_BENCH_FLEET_BISECT", "2"))
WORKERS = 2
# interleaved in each round: the bare app, the bare app with the database, HQ
KINDS = ("bare", "bare-db", "hq")
STORES = 200
DB = os.environ.get("HYMIO_BENCH_FLEET_DB", "hymio_bench_fleet")  # another run needs another
URL = f"postgresql+psycopg://postgres@127.0.0.1:5432/{DB}"
GOOD_P99_MS = 100.0
# The step load (issue 31): one HQ, its tokens warm, through 5 000 → 10 000 → 20 000 → 5 000
# kiosks, each step STEP_SECONDS long; then how long HQ took to recover in the last step.
STEPS = [int(n) for n in os.environ.get("HYMIO_BENCH_FLEET_STEPS", "").split(",") if n]
STEP_SECONDS = float(os.environ.get("HYMIO_BENCH_FLEET_STEP_SECONDS", "300"))
STEP_KINDS = os.environ.get("HYMIO_BENCH_FLEET_STEP_KINDS", "bare,hq").split(",")  # or hq alone


def enrol(url: str, count: int, kiosks: Path) -> None:
    """*count* devices in STORES stores; their ``id token store`` lines go to *kiosks*."""
    engine, sessions = open_database(url)
    now = to_utc_text(datetime.now(UTC))
    fleet = [(f"k{i:05d}", new_token(), f"s{i % STORES:03d}") for i in range(count)]
    with sessions() as s:
        s.add_all(
            Store(id=f"s{i:03d}", name=f"Store {i}", timezone="Europe/Helsinki", created_at=now)
            for i in range(STORES)
        )
        s.flush()
        s.add_all(
            Device(id=d, store_id=store, token_hash=token_hash(t), created_at=now)
            for d, t, store in fleet
        )
        s.commit()
    engine.dispose()
    kiosks.write_text("".join(f"{d} {t} {store}\n" for d, t, store in fleet))


def cpu_seconds(pid: int) -> float:
    """CPU (user + system) of *pid*, its live children, and its children that have exited."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended
        if int(stat.parent.name) == pid:
            total += sum(int(f) for f in fields[11:15]) / tick  # utime stime cutime cstime
        elif int(fields[1]) == pid:
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def postmaster() -> int:
    with psycopg.connect(PG) as conn:
        folder = conn.execute("SHOW data_directory").fetchone()[0]
    return int(Path(folder, "postmaster.pid").read_text().split()[0])


def start_bare(app: str = "bench.bare_app:app") -> tuple[subprocess.Popen, str]:
    return start_app(app, URL.replace("postgresql+psycopg", "postgresql"), WORKERS)


def load(
    base: str, kiosks: Path, count: int, seed: int, server_pid: int, pg: int, steps: str = ""
) -> dict:
    """One open-loop run of *count* kiosks for SECONDS (or the step load *steps*,
    ``kiosks:seconds,…``), with the CPU the server and PostgreSQL spent per answer."""
    port = base.rsplit(":", 1)[1]
    hq_cpu, pg_cpu = cpu_seconds(server_pid), cpu_seconds(pg)
    size = ["--steps", steps] if steps else ["--count", str(count), "--seconds", str(SECONDS)]
    seconds = sum(s for _, s in steps_of(steps)) if steps else SECONDS
    out = subprocess.run(
        [sys.executable, "-m", "bench.openloop", "--port", port, "--kiosks", str(kiosks),
         *size, "--seed", str(seed)],
        capture_output=True, text=True, check=True, timeout=seconds + 120,
    )  # fmt: skip
    result = json.loads(out.stdout)
    answered = sum(n for s, n in result["statuses"].items() if int(s) > 0) or 1
    result["hq_cpu_ms"] = (cpu_seconds(server_pid) - hq_cpu) / answered * 1000
    result["pg_cpu_ms"] = (cpu_seconds(pg) - pg_cpu) / answered * 1000
    return result


def one_run(kind: str, kiosks: Path, count: int, seed: int, pg: int, steps: str = "") -> dict:
    if kind == "bare":
        server, base = start_bare()
    elif kind == "bare-db":
        server, base = start_bare("bench.bare_db_app:app")
    else:
        server, base = start_hq(URL, "--workers", str(WORKERS))
    try:
        time.sleep(1)  # every worker up
        return load(base, kiosks, count, seed, server.pid, pg, steps)
    finally:
        server.terminate()
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()  # a collapsed HQ may not finish its requests in time
            server.wait(10)


def good(result: dict) -> bool:
    return result["ok_share"] == 1.0 and result["p99_ms"] < GOOD_P99_MS


def spread(values: list[float], fmt: str) -> str:
    return "min " + " · ".join(
        fmt.format(v) for v in (min(values), statistics.median(values), max(values))
    )


def report(label: str, runs: list[dict]) -> None:
    ok = [r["ok_share"] * 100 for r in runs]
    row(f"{label}: ok", f"{statistics.median(ok):.2f} %", spread(ok, "{:.2f}"))
    for key, name in (("p50_ms", "p50"), ("p99_ms", "p99"), ("max_ms", "slowest")):
        values = [r[key] for r in runs]
        row(f"{label}: {name}", f"{statistics.median(values):.0f} ms", spread(values, "{:.0f}"))
    rate = [r["answers_per_s"] for r in runs]
    row(f"{label}: answers per second", f"{statistics.median(rate):.0f}", spread(rate, "{:.0f}"))
    for key, name in (("hq_cpu_ms", "server"), ("pg_cpu_ms", "PostgreSQL")):
        values = [r[key] for r in runs]
        row(f"{label}: {name} CPU per request", f"{statistics.median(values):.2f} ms",
            spread(values, "{:.2f}"))  # fmt: skip
    refused = {}
    for r in runs:
        for status, n in r["statuses"].items():
            if not status.startswith("2"):
                refused[status] = refused.get(status, 0) + n
    if refused:
        row(f"{label}: not 2xx (all rounds)", ", ".join(f"{s}: {n}" for s, n in refused.items()),
            "0: connection failed, -1: no answer in 10 s")  # fmt: skip


def per_request(runs: dict[str, list[dict]]) -> None:
    """HQ's CPU per request as a ratio of each baseline's in the same round: its own
    processes' against the bare app's, and its own with PostgreSQL's against the bare app
    with the database's own with PostgreSQL's (issue 31)."""
    pairs = list(zip(runs["bare"], runs["bare-db"], runs["hq"], strict=True))
    alone = [h["hq_cpu_ms"] / b["hq_cpu_ms"] for b, _, h in pairs]
    both = [(h["hq_cpu_ms"] + h["pg_cpu_ms"]) / (d["hq_cpu_ms"] + d["pg_cpu_ms"])
            for _, d, h in pairs]  # fmt: skip
    row("HQ ÷ bare app, server CPU per request", f"{statistics.median(alone):.1f}×",
        spread(alone, "{:.1f}"))  # fmt: skip
    row("HQ ÷ bare app with the database, server + PostgreSQL CPU per request",
        f"{statistics.median(both):.1f}×", spread(both, "{:.1f}"))  # fmt: skip


def recovery(result: dict) -> float | None:
    """Seconds from the start of the step load's last step until the first window from
    which every window is at 100 % ok with p99 under GOOD_P99_MS; None if it never was."""
    last = result["steps"][-1]["from_s"]
    windows = [w for w in result["windows"] if w["from_s"] >= last]
    for i, window in enumerate(windows):
        if all(good(w) for w in windows[i:]):
            return window["from_s"] - last
    return None


def _refused(part: dict) -> str:
    """What was not a 2xx, by status (0: no connection, -1: no answer in 10 s)."""
    refused = {s: n for s, n in part["statuses"].items() if not s.startswith("2")}
    return "not 2xx: " + (", ".join(f"{s} × {n}" for s, n in sorted(refused.items())) or "none")


def step_load(kiosks: Path, pg: int) -> dict:
    """The step load on the bare app and on HQ (one round each, bare first): each step's
    figures, and HQ's recovery in the last step."""
    steps = ",".join(f"{n}:{STEP_SECONDS:g}" for n in STEPS)
    print(f"step load, {STEP_SECONDS:.0f} s a step, one process each, tokens warm: {steps}")
    results = {kind: one_run(kind, kiosks, 0, 90 + i, pg, steps)
               for i, kind in enumerate(STEP_KINDS)}  # fmt: skip
    for kind, result in results.items():
        label = "bare app" if kind == "bare" else "HQ"
        for step in result["steps"]:
            said = (f"p50 {step['p50_ms']:.0f} · p99 {step['p99_ms']:.0f} · slowest"
                    f" {step['max_ms']:.0f} ms; {_refused(step)}")  # fmt: skip
            row(f"{label}: {step['kiosks']} kiosks from {step['from_s']:.0f} s",
                f"{step['ok_share'] * 100:.2f} % ok", said)  # fmt: skip
        for window in result["windows"]:
            if not good(window):  # each 10 s that was not at 100 % ok with p99 < 100 ms
                row(f"  {label}: the 10 s from {window['from_s']:.0f} s",
                    f"{window['ok_share'] * 100:.2f} % ok",
                    f"p99 {window['p99_ms']:.0f} ms, slowest {window['max_ms']:.0f} ms;"
                    f" {_refused(window)}")  # fmt: skip
        row(f"{label}: CPU per request, server / PostgreSQL",
            f"{result['hq_cpu_ms']:.2f} / {result['pg_cpu_ms']:.2f} ms")  # fmt: skip
    if "hq" not in results:
        return {"steps": results}
    back = recovery(results["hq"])
    row("HQ: recovered in the last step after", "never" if back is None else f"{back:.0f} s",
        f"(windows of 10 s at 100 % ok and p99 < {GOOD_P99_MS:.0f} ms from then on)")  # fmt: skip
    return {"steps": results, "recovered_after_s": back}


def main() -> dict:
    print(
        f"HQ fleet load, open loop: kiosks post 20 ratings every 60 s and a heartbeat every"
        f" 300 s, each over a new connection; HQ on PostgreSQL, {WORKERS} workers;"
        f" {ROUNDS} rounds of {SECONDS:.0f} s, interleaved with a bare ASGI app"
    )
    with psycopg.connect(PG, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB}")
    pg = postmaster()
    figures: dict[int, dict] = {}
    seed = 0
    try:
        with tempfile.TemporaryDirectory(prefix="hymio-fleet-") as tmp:
            kiosks = Path(tmp) / "kiosks.txt"
            enrol(URL, max(SIZES + STEPS), kiosks)
            if STEPS:
                return step_load(kiosks, pg)
            for count in SIZES:
                runs: dict[str, list[dict]] = {kind: [] for kind in KINDS}
                for _ in range(ROUNDS):
                    for kind in KINDS:
                        seed += 1
                        runs[kind].append(one_run(kind, kiosks, count, seed, pg))
                rate = count / 60 + count / 300
                print(f"{count} kiosks ({rate:.0f} requests/s offered)")
                report("bare app", runs["bare"])
                report("bare app with the database", runs["bare-db"])
                report("HQ", runs["hq"])
                per_request(runs)
                figures[count] = {"good": all(good(r) for r in runs["hq"]), **runs}
            passing = [n for n in SIZES if figures[n]["good"]]
            failing = [n for n in SIZES if not figures[n]["good"] and n > max(passing, default=0)]
            low, high = max(passing, default=0), min(failing, default=0)
            for _ in range(BISECT if high else 0):
                mid = (low + high) // 2
                seed += 1
                if good(one_run("hq", kiosks, mid, seed, pg)):
                    low = mid
                else:
                    high = mid
            beyond = f"(next tried: {high} failed)" if high else "(the largest size tried)"
            row("largest fleet at 100 % ok, p99 < 100 ms", f"{low} kiosks", beyond)
    finally:
        with psycopg.connect(PG, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
    return {"largest_good": low}


if __name__ == "__main__":
    main()
