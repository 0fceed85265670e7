"""The fleet page's updates: per device the release it runs, the one HQ wants it to run
and its last update's outcome; per release in a rollout, how many devices should run it,
how many do, and how many failed to take it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    ColumnElement,
    String,
    and_,
    case,
    false,
    func,
    literal,
    literal_column,
    null,
    or_,
    select,
    true,
)
from sqlalchemy.orm import Session

from hq.fleet.releases import plan
from hq.tables.models import Device, DeviceGroup, Release, Rollout

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
    session: Session,
    store_id: str | None = None,
    only: frozenset[str] | None = None,
    ids: list[str] | None = None,
) -> dict[str, DeviceUpdate]:
    """Device id → its releases, for every device (of one store, of the stores *only*, or
    the devices *ids*, if given)."""
    steps = plan(session)
    query = select(Device.id, Device.store_id, Device.version, Device.last_status)
    query = query.where(Device.kind == "kiosk")  # a web link runs no release
    if store_id:
        query = query.where(Device.store_id == store_id)
    if only is not None:
        query = query.where(Device.store_id.in_(sorted(only)))
    if ids is not None:
        query = query.where(Device.id.in_(sorted(ids)))
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


def bucket_sql(session: Session) -> ColumnElement[int]:
    """:func:`hq.fleet.releases.bucket` of ``devices.id`` in SQL: PostgreSQL's sha256(),
    SQLite's ``hymio_bucket`` (registered on every connection, :mod:`hq.tables.database`)."""
    if session.get_bind().dialect.name == "postgresql":
        return literal_column(
            "(('x' || substr(encode(sha256(convert_to(devices.id, 'UTF8')), 'hex'), 1, 8))"
            "::bit(32)::bigint % 100)"
        )
    return func.hymio_bucket(Device.id)


def wanted_sql(session: Session) -> ColumnElement[str | None] | None:
    """The release each device should run (:meth:`hq.fleet.releases.Plan.wanted`) as one
    SQL ``CASE`` over the rollout steps, newest first (NULL where no step covers it);
    None when there are no steps."""
    whens = []
    for step in session.scalars(select(Rollout).order_by(Rollout.id.desc())):
        if step.scope == "all":
            when = true()
        elif step.scope == "store":
            when = Device.store_id == step.target
        elif step.scope == "device":
            when = Device.id == step.target
        elif step.scope == "group":
            members = select(DeviceGroup.device_id).where(DeviceGroup.name == step.target)
            when = Device.id.in_(members)
        elif step.scope == "percent" and step.target.isdigit():
            when = bucket_sql(session) < int(step.target)
        else:
            continue
        whens.append((when, literal(step.version, String)))
    return case(*whens, else_=null()) if whens else None


def behind_sql(wanted: ColumnElement | None) -> ColumnElement[bool]:
    """A device should run another release than it does (:attr:`DeviceUpdate.behind`)."""
    if wanted is None:
        return false()
    return and_(wanted.is_not(None), or_(Device.version.is_(None), Device.version != wanted))


def outcome_sql() -> ColumnElement[str | None]:
    """The outcome of a device's last update, as its last heartbeat said."""
    return Device.last_status[("last_update", "outcome")].as_string()


def progress(session: Session, only: frozenset[str] | None = None) -> list[Progress]:
    """Each release some device should run, or runs, newest first (of the devices of the
    stores *only*, if given); counted in SQL, never device by device."""
    scope = [Device.store_id.in_(sorted(only))] if only is not None else []
    scope.append(Device.kind == "kiosk")
    counted = select(Device.version, func.count()).where(*scope).group_by(Device.version)
    running = dict(session.execute(counted).all())
    known = [
        v for (v,) in session.execute(select(Release.version).order_by(Release.added_at.desc()))
    ]
    asked: dict[str, int] = {}
    if known and (wanted := wanted_sql(session)) is not None:
        # one sum per release (a GROUP BY over a CASE of bound values groups wrongly)
        sums = [func.sum(case((wanted == v, 1), else_=0)) for v in known]
        found = session.execute(select(*sums).select_from(Device).where(*scope)).one()
        asked = {v: int(n or 0) for v, n in zip(known, found, strict=True)}
    last = Device.last_status[("last_update", "version")].as_string().label("version")
    failing = select(last).where(*scope, outcome_sql().in_(FAILED)).subquery()
    query = select(failing.c.version, func.count()).group_by(failing.c.version)
    failed = dict(session.execute(query).all())
    out = []
    for version in known:
        if asked.get(version) or running.get(version):
            out.append(
                Progress(version, asked.get(version, 0), running.get(version, 0),
                         failed.get(version, 0))
            )  # fmt: skip
    return out
