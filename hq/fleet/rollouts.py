"""The fleet page's updates: per device the release it runs, the one HQ wants it to run
and its last update's outcome; per release in a rollout, how many devices should run it,
how many do, and how many failed to take it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from hq.fleet.releases import plan
from hq.tables.models import Device, Release

FAILED = ("rolled_back", "refused", "failed")


@dataclass(frozen=True)
class DeviceUpdate:
    """A device's releases: wanted by HQ (None: no rollout covers it), and its last
    update as it reported it (outcome, version, detail)."""

    wanted: str | None
    outcome: str | None
    version: str | None
    detail: str
    behind: bool  # it should run another release than it does


@dataclass(frozen=True)
class Progress:
    """One release's rollout: devices that should run it, run it, failed to take it."""

    version: str
    wanted: int
    running: int
    failed: int

    @property
    def percent(self) -> int:
        """The share of the devices that should run it which do, in whole percent."""
        return round(100 * min(self.running, self.wanted) / self.wanted) if self.wanted else 0


def updates(
    session: Session, store_id: str | None = None, only: frozenset[str] | None = None
) -> dict[str, DeviceUpdate]:
    """Device id → its releases, for every device (of one store, or of the stores *only*,
    if given)."""
    steps = plan(session)
    query = select(Device.id, Device.store_id, Device.version, Device.last_status)
    if store_id:
        query = query.where(Device.store_id == store_id)
    if only is not None:
        query = query.where(Device.store_id.in_(sorted(only)))
    out = {}
    for device_id, store, version, status in session.execute(query):
        last = (status or {}).get("last_update") or {}
        wanted = steps.wanted(device_id, store)
        out[device_id] = DeviceUpdate(
            wanted=wanted,
            outcome=last.get("outcome"),
            version=last.get("version"),
            detail=last.get("detail") or "",
            behind=wanted is not None and wanted != version,
        )
    return out


def progress(
    session: Session, devices: dict[str, DeviceUpdate], only: frozenset[str] | None = None
) -> list[Progress]:
    """Each release some device should run, or runs, newest first (of the devices of the
    stores *only*, if given)."""
    running: dict[str, int] = {}
    query = select(Device.version)
    if only is not None:
        query = query.where(Device.store_id.in_(sorted(only)))
    for (version,) in session.execute(query):
        running[version] = running.get(version, 0) + 1
    known = [
        v for (v,) in session.execute(select(Release.version).order_by(Release.added_at.desc()))
    ]
    out = []
    for version in known:
        wanted = sum(d.wanted == version for d in devices.values())
        failed = sum(d.version == version and d.outcome in FAILED for d in devices.values())
        if wanted or running.get(version):
            out.append(Progress(version, wanted, running.get(version, 0), failed))
    return out
