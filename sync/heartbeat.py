"""The heartbeat: what the device tells HQ about itself every few minutes (SPEC §5)."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import Any

import requests

from kiosk import __version__
from kiosk.ledger import Ledger, clock_offset
from kiosk.localtime import to_utc_text
from sync.client import HQClient

log = logging.getLogger(__name__)

UPTIME = Path("/proc/uptime")
CPU_TEMPERATURE = Path("/sys/class/thermal/thermal_zone0/temp")


def device_status(
    ledger: Ledger, *, uptime: Path = UPTIME, cpu_temperature: Path = CPU_TEMPERATURE
) -> dict[str, Any]:
    """Version, backlog, last error, clock, uptime, free disk and CPU temperature."""
    store = ledger.store
    state = ledger.state()
    synced = store.clock.synchronized()
    status: dict[str, Any] = {
        "version": __version__,
        "pending": state["pending"],
        "oldest_pending_at": state["oldest_pending_at"],
        "last_seq": state["last_seq"],
        "last_error": (state["last_error"] or None) and state["last_error"][:500],
        "clock_synced": synced,
        "clock": to_utc_text(store.clock.now()),
        "quarantined": state["quarantined"],
        "disk_free": shutil.disk_usage(store.path.parent).free,
    }
    seconds = _read_number(uptime, lambda text: float(text.split()[0]))
    if seconds is not None:
        status["uptime"] = seconds
    celsius = _read_number(cpu_temperature, lambda text: int(text.strip()) / 1000)
    if celsius is not None:
        status["cpu_temperature"] = celsius
    return status


def send_heartbeat(ledger: Ledger, client: HQClient, **paths: Path) -> bool:
    """Send the status; keep HQ's clock offset. False when HQ could not be told."""
    clock = ledger.store.clock
    sent = to_utc_text(clock.now())
    try:
        answer = client.heartbeat(device_status(ledger, **paths))
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
        ledger.note(hq_clock_offset=round(offset, 3))
    return True


def _read_number(path: Path, parse: Any) -> float | None:
    try:
        return parse(path.read_text())
    except (OSError, ValueError, IndexError):
        return None
