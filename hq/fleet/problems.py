"""The fleet page's problems, in SQL: what is wrong with a kiosk, counted and listed a page
at a time, so the page does not grow with the fleet (issue 31).

Each problem is the repo's own rule, written as a condition on ``devices``:

- ``silent``: not heard from for over an hour while its store is open
  (:func:`hq.insight.chain_health.silent_where`);
- ``behind``: it should run another release than it does (:mod:`hq.fleet.rollouts`);
- ``holding``: it holds ratings HQ refused, or HQ misses some it numbered (the alert
  ``ratings_held``; only the devices SQL finds may lack something are looked at in full);
- ``clock``, ``disk``, ``temperature``, ``stuck``: its last heartbeat, at the alert rules'
  default limits (clock not synchronised, under 200 MB free, over 75 °C, a button stuck);
- ``failed``: its last update was rolled back, refused or failed.

A retired kiosk has none: it no longer runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, case, false, func, literal_column, or_, select, union
from sqlalchemy.orm import Session

from hq.core.language import N_
from hq.core.paging import pages_of
from hq.fleet.rollouts import FAILED, behind_sql, outcome_sql, wanted_sql
from hq.ingest.completeness import completeness_of
from hq.insight.chain_health import silent_where
from hq.people.access import Access, load_tree
from hq.people.access import Scope as AccessScope
from hq.tables.models import Device, DeviceDatabase, DeviceReceived, Region, Store

PROBLEMS = ("silent", "behind", "holding", "clock", "disk", "temperature", "stuck", "failed")
LABELS = {  # English; the page translates them
    "silent": N_("silent"),
    "behind": N_("behind its release"),
    "holding": N_("holding ratings"),
    "clock": N_("clock not synchronised"),
    "disk": N_("disk nearly full"),
    "temperature": N_("running hot"),
    "stuck": N_("button stuck"),
    "failed": N_("update failed"),
}
DISK_MB = 200  # the alert rule low_disk's default (hq.alerts.kinds)
HOT_CELSIUS = 75  # the alert rule high_temperature's default
PER_PAGE = 50
MOST_PAGES = 100_000


@dataclass(frozen=True)
class Scope:
    """Which kiosks a fleet view looks at: the stores *only* (None: every store), and in
    them one store or the stores of one region (their ids), if given."""

    only: frozenset[str] | None = None
    stores: frozenset[str] | None = None

    def where(self) -> list[ColumnElement[bool]]:
        out = [Device.kind == "kiosk"]  # web links (issue 32) have no kiosk problems
        if self.only is not None:
            out.append(Device.store_id.in_(sorted(self.only)))
        if self.stores is not None:
            out.append(Device.store_id.in_(sorted(self.stores)))
        return out


@dataclass(frozen=True)
class Row:
    """One kiosk of a page, and its problems in the order of :data:`PROBLEMS`."""

    device_id: str
    problems: tuple[str, ...]


@dataclass(frozen=True)
class FleetPage:
    """A page of a fleet view: the counts of the whole view, and the page's kiosks."""

    total: int
    with_problems: int
    counts: dict[str, int]
    rows: list[Row]
    page: int
    pages: int
    total_shown: int  # kiosks the chosen problem (or none) leaves: what is paged


def holding_ids(session: Session, scope: Scope) -> list[str]:
    """The kiosks that hold refused ratings or lack some HQ should have: SQL finds those
    that may (a gap in what was received, or ratings reported held), and only those are
    looked at in full (:func:`hq.ingest.completeness.completeness_of`)."""
    r, d = DeviceReceived, DeviceDatabase
    maybe = union(
        select(r.device_id).where(r.received < r.last_seq),
        select(d.device_id).where(d.held > 0),
    ).subquery()
    query = select(Device.id).where(Device.id.in_(select(maybe.c.device_id)), *scope.where())
    found = sorted(session.scalars(query.where(Device.retired_at.is_(None))))
    if not found:
        return []
    known = completeness_of(session, found)
    return [i for i in found if known[i].held or known[i].missing]


def _stuck(session: Session) -> ColumnElement[bool]:
    if session.get_bind().dialect.name == "postgresql":
        return literal_column(
            "CASE WHEN jsonb_typeof(devices.last_status -> 'stuck_buttons') = 'array'"
            " THEN jsonb_array_length(devices.last_status -> 'stuck_buttons') ELSE 0 END > 0"
        )
    return func.json_array_length(Device.last_status, "$.stuck_buttons") > 0


def conditions(session: Session, now: datetime, scope: Scope) -> dict[str, ColumnElement[bool]]:
    """Each problem of :data:`PROBLEMS` as an SQL condition on ``devices``, at *now*."""
    status = Device.last_status
    working = Device.retired_at.is_(None)
    found = {
        "silent": silent_where(session, now),
        "behind": behind_sql(wanted_sql(session)),
        "holding": Device.id.in_(holding_ids(session, scope)),
        "clock": status["clock_synced"].as_boolean().is_(false()),
        "disk": status["disk_free"].as_float() < DISK_MB * 1_000_000,
        "temperature": status["cpu_temperature"].as_float() > HOT_CELSIUS,
        "stuck": _stuck(session),
        "failed": outcome_sql().in_(FAILED),
    }
    return {name: and_(working, found[name]) for name in PROBLEMS}


def _flag(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return case((condition, 1), else_=0)


def fleet_page(
    session: Session,
    now: datetime,
    scope: Scope,
    problem: str = "",
    page: int = 1,
    per_page: int = PER_PAGE,
) -> FleetPage:
    """The counts of *scope*'s kiosks and page *page* of them (of those with *problem*,
    if given): the kiosks with a problem first, then by store name and id. Two queries
    and a page of rows; never the whole fleet in Python."""
    where = conditions(session, now, scope)
    anything = or_(*where.values())
    counted = select(
        func.count(), func.sum(_flag(anything)), *(func.sum(_flag(c)) for c in where.values())
    ).select_from(Device)
    total, with_problems, *counts = session.execute(counted.where(*scope.where())).one()
    by_name = dict(zip(PROBLEMS, (int(n or 0) for n in counts), strict=True))
    shown = (int(by_name[problem]) if problem else int(total or 0)) if total else 0
    pages = pages_of(shown, per_page)
    query = (
        select(Device.id, *(_flag(c) for c in where.values()))
        .join(Store, Store.id == Device.store_id)
        .where(*scope.where(), *([where[problem]] if problem else []))
        .order_by(_flag(anything).desc(), Store.name, Device.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    rows = [
        Row(device_id, tuple(p for p, on in zip(PROBLEMS, flags, strict=True) if on))
        for device_id, *flags in session.execute(query)
    ]
    return FleetPage(int(total or 0), int(with_problems or 0), by_name, rows, page, pages, shown)


class BadParameter(ValueError):
    """A GET parameter of the fleet page that cannot be used; ``text`` to translate."""

    def __init__(self, field: str, text: str, **values: object):
        super().__init__(text)
        self.field, self.text, self.values = field, text, values


def page_number(value: str) -> int:
    """``page`` as a whole number 1–100 000; a :class:`BadParameter` otherwise."""
    if not value.isdigit() or not 1 <= int(value) <= MOST_PAGES:
        raise BadParameter(
            "page", N_("page: {value} is not a page number (1, 2, …)"), value=repr(value[:20])
        )
    return int(value)


def choose_scope(
    session: Session, access: Access, store: str, region: str, problem: str
) -> tuple[Scope, list[Store], list[Region]]:
    """The kiosks *access*'s reader asked for, their stores and the regions they may
    filter by; a :class:`BadParameter` naming ``store``, ``region`` or ``problem`` that is
    not theirs."""
    stores = access.visible(session.scalars(select(Store).order_by(Store.name, Store.id)))
    tree = load_tree(session)
    ids = {r for s in stores for r in tree.path_up(s.region_id)}
    regions = list(session.scalars(select(Region).where(Region.id.in_(ids)).order_by(Region.name)))
    if problem and problem not in PROBLEMS:
        raise BadParameter(
            "problem", N_("problem: {value} is not one of {known}"),
            value=repr(problem[:40]), known=", ".join(PROBLEMS),
        )  # fmt: skip
    chosen: frozenset[str] | None = None
    if store:
        if store not in {s.id for s in stores}:
            raise BadParameter(
                "store", N_("store: {value} is not a store of yours"), value=repr(store)
            )
        chosen = frozenset([store])
    if region:
        if region not in {r.id for r in regions}:
            why = N_("region: {value} is not a region of yours")
            raise BadParameter("region", why, value=repr(region))
        inside = access.tree.stores_of(AccessScope("region", region))
        chosen = frozenset(s for s in (chosen or inside) if s in inside)
    return Scope(access.stores, chosen), stores, regions
