"""Small helpers shared by the benchmarks: percentiles and printing."""

from __future__ import annotations

import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

BUSY = int(os.environ.get("HYMIO_BENCH_BUSY", "0"))  # processes spinning on the CPU meanwhile


def percentile(values: list[float], p: float) -> float:
    """The *p*-th percentile (0–100) of *values*, nearest rank."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered)) - 1))
    return ordered[rank]


def median(values: list[float]) -> float:
    return statistics.median(values)


def bench_dir() -> tempfile.TemporaryDirectory:
    """A scratch folder on the disk under test (``HYMIO_BENCH_DIR``, default the temp dir)."""
    return tempfile.TemporaryDirectory(prefix="hymio-bench-", dir=os.environ.get("HYMIO_BENCH_DIR"))


def device_of(path: Path) -> str:
    """The mount the path lives on, to show that both sides ran on the same disk."""
    path = path.resolve()
    best = ""
    with open("/proc/mounts") as mounts:
        for line in mounts:
            dev, mount, fstype, *_ = line.split()
            if str(path).startswith(mount) and len(mount) >= len(best.split(" ")[0]):
                best = f"{mount} ({fstype} on {dev})"
    return best or "unknown"


def row(name: str, value: str, note: str = "") -> None:
    print(f"  {name:<44} {value:>14}  {note}")


async def body_of(receive) -> bytes:
    """The whole body of an ASGI request, from its ``http.request`` messages."""
    body, more = b"", True
    while more:
        message = await receive()
        body += message.get("body", b"")
        more = message.get("more_body", False)
    return body


@contextlib.contextmanager
def busy_cpu(processes: int = BUSY, most: float = 900) -> Iterator[None]:
    """*processes* Python processes spinning on the CPU while the block runs (a kiosk's
    Pi drawing its screen, a machine under load); each stops by itself after *most*
    seconds if the block never ends, and all are killed when it does."""
    spin = f"import time\nend = time.monotonic() + {most}\nwhile time.monotonic() < end: pass"
    spinners = [subprocess.Popen([sys.executable, "-c", spin]) for _ in range(processes)]
    try:
        yield
    finally:
        for spinner in spinners:
            spinner.kill()
            spinner.wait()
