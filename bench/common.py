"""Small helpers shared by the benchmarks: percentiles and printing."""

from __future__ import annotations

import os
import statistics
import tempfile
from pathlib import Path


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
