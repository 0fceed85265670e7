"""``hymio hq serve`` as a real process on 127.0.0.1 for any database URL, and a rating
of any device to send it."""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from kiosk.timekeeping.localtime import to_utc_text
from tests.hq.conftest import free_port, wait_until_up


@contextmanager
def served(url: str, log_path: Path, *options: str) -> Iterator[str]:
    """HQ serving the database at *url* (``hymio hq serve`` *options*); yields its base
    URL, stops it afterwards."""
    port = free_port()
    command = [sys.executable, "-m", "hymio", "hq", "serve", "--database", url,
               "--port", str(port), *options]  # fmt: skip
    with log_path.open("w") as log:
        proc = subprocess.Popen(command, stdout=log, stderr=log)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(base, proc)
            yield base
            assert proc.poll() is None, f"HQ died: {log_path.read_text()}"
        finally:
            proc.terminate()
            proc.wait(20)


def hymio(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """``hymio ARGS`` as a process; its output as text."""
    return subprocess.run(
        [sys.executable, "-m", "hymio", *args], capture_output=True, text=True, env=env, timeout=60
    )


def rating(device: str, store: str, seq: int) -> dict:
    """A valid rating of *device* with *seq*, recorded a minute ago."""
    return {
        "id": str(uuid.uuid4()), "device_id": device, "store_id": store, "seq": seq,
        "survey_id": "default", "question_id": "overall", "config_version": 1,
        "scale": "smiley4", "score": 1 + seq % 4, "source": "button", "reason": None,
        "recorded_at": to_utc_text(datetime.now(UTC) - timedelta(minutes=1)),
        "clock_synced": True, "boot_id": "b1", "mono_ns": seq, "flag": None,
    }  # fmt: skip
