"""The heartbeat: what the device tells HQ about itself every few minutes (SPEC §5)."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import Any

import requests

from kiosk import __version__
from kiosk.releases.state import read_state, state_path
from kiosk.store.ledger import Ledger, clock_offset, totals
from kiosk.timekeeping.localtime import to_utc_text
from sync.client import HQClient
from sync.databases import Databases

log = logging.getLogger(__name__)

UPTIME = Path("/proc/uptime")
CPU_TEMPERATURE = Path("/sys/class/thermal/thermal_zone0/temp")
# What HQ keeps of each database (hq.ingest.wire.DatabaseStatus).
DATABASE_KEYS = (
    "database_id", "first_seq", "last_seq", "pending", "oldest_pending_at", "held",
    "held_reason", "held_at",
)  # fmt: skip


def device_status(
    ledger: Ledger,
    *,
    databases: Databases | None = None,
    uptime: Path = UPTIME,
    cpu_temperature: Path = CPU_TEMPERATURE,
) -> dict[str, Any]:
    """Version (the running release), the release HQ wants and the last update's outcome
    (from ``update.json``), backlog, held ratings, each database's last seq, last error,
    clock, uptime, free disk and CPU temperature."""
    store = ledger.store
    last_error = ledger.notes()["last_error"]
    each = (databases or Databases(store)).report()
    sums = totals(each)
    synced = store.clock.synchronized()
    status: dict[str, Any] = {
        "version": __version__,
        "pending": sums["pending"],
        "oldest_pending_at": sums["oldest_pending_at"],
        "database_id": store.database_id,
        "last_seq": store.last_seq(),
        "last_error": (last_error or None) and last_error[:500],
        "clock_synced": synced,
        "clock": to_utc_text(store.clock.now()),
        "quarantined": sums["held"],
        "databases": [{k: d[k] for k in DATABASE_KEYS} for d in each],
        "disk_free": shutil.disk_usage(store.path.parent).free,
        "release": __version__,
        **read_state(state_path(store.path)).report(),
    }
    seconds = _read_number(uptime, lambda text: float(text.split()[0]))
    if seconds is not None:
        status["uptime"] = seconds
    celsius = _read_number(cpu_temperature, lambda text: int(text.strip()) / 1000)
    if celsius is not None:
        status["cpu_temperature"] = celsius
    return status


def send_heartbeat(
    ledger: Ledger, client: HQClient, databases: Databases | None = None, **paths: Path
) -> bool:
    """Send the status; keep HQ's clock offset. False when HQ could not be told."""
    clock = ledger.store.clock
    sent = to_utc_text(clock.now())
    try:
        answer = client.heartbeat(device_status(ledger, databases=databases, **paths))
    except requests.RequestException as exc:
        log.info("heartbeat not sent: %s", type(exc).__name__)
        return False
    if not answer.ok:
        log.warning("HQ refused the heartbeat: %s %s", answer.status, answer.error_message)
        return False
    server_time = answer.body.get("server_time")
    if isinstance(server_time, str):
        try:
            offset = clock_offset(server_time, sent, to_utc_text(clock.now()))
        except ValueError:
            return True
        # Kept to the second, so a steady clock is not a write every heartbeat.
        ledger.note(hq_clock_offset=round(offset))
    return True


def _read_number(path: Path, parse: Any) -> float | None:
    try:
        return parse(path.read_text())
    except (OSError, ValueError, IndexError):
        return None
