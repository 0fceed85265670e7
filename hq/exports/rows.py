"""The rows of an export: each rating of the chosen stores and local days, with its store's
name, its local time, its reason's label, whether it counts and whether its store-day is
complete.

:func:`prepare` reads what is small (the stores, their incomplete days, the reason labels)
with the request's session, so an unknown store is an error before anything is sent;
:meth:`Export.rows` then reads the ratings with ``yield_per`` (a server-side cursor on
PostgreSQL, chunked fetches on SQLite), ordered by store and time, so a year of a chain's
ratings never sits in memory. Days are each store's local ones (SPEC §3).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from hq.completeness import completeness, incomplete_days
from hq.errors import UnknownStoreError
from hq.exports.labels import ReasonLabels
from hq.models import Device, Rating, Store
from kiosk.localtime import day_bounds, parse_utc_text, to_utc_text, zone

CHUNK = 2000  # rows fetched from the database at a time

COLUMNS = (
    Rating.id,
    Rating.store_id,
    Rating.device_id,
    Rating.survey_id,
    Rating.question_id,
    Rating.config_version,
    Rating.scale,
    Rating.score,
    Rating.source,
    Rating.reason,
    Rating.recorded_at,
    Rating.flag,
    Rating.time_suspect,
    Rating.received_at,
)


@dataclass(frozen=True)
class StoreInfo:
    """A store as the export needs it: its zone, the UTC bounds of the chosen local days
    (``None``: unbounded), and its days that may lack ratings, each with a reason."""

    id: str
    name: str
    timezone: str
    zone: tzinfo
    start: str | None
    end: str | None
    incomplete: dict[date, str]


@dataclass(slots=True)
class ExportRow:
    """One rating, as an analyst reads it."""

    rating_id: str
    store: StoreInfo
    local: datetime  # aware, in the store's zone
    utc_time: str  # as stored: UTC, microseconds, +00:00
    device_id: str
    survey_id: str
    question_id: str
    config_version: int
    scale: str
    score: int
    source: str
    reason: str | None
    reason_label: str
    flag: str | None
    time_suspect: bool
    received_utc: str

    @property
    def local_date(self) -> date:
        return self.local.date()

    @property
    def local_time(self) -> datetime:
        """The store's wall-clock time, naive, to the second."""
        return self.local.replace(tzinfo=None, microsecond=0)

    @property
    def utc_offset(self) -> str:
        """The store's offset from UTC at that instant, e.g. ``+03:00``."""
        return offset_text(self.local.utcoffset() or timedelta())

    @property
    def counted(self) -> bool:
        """Whether the rating counts in the metrics: not flagged, not ``time_suspect``."""
        return self.flag is None and not self.time_suspect

    @property
    def incomplete(self) -> str | None:
        """Why the rating's store-day may lack ratings, or ``None`` if HQ has them all."""
        return self.store.incomplete.get(self.local_date)


@dataclass
class Export:
    """What one export holds: its stores, their local days *first* … *last*, the labels."""

    stores: dict[str, StoreInfo]
    labels: ReasonLabels
    store_id: str | None = None
    first: date | None = None
    last: date | None = None

    def query(self) -> Select:
        """The ratings, ordered by store and time (``ix_ratings_store_recorded``)."""
        query = select(*COLUMNS).order_by(Rating.store_id, Rating.recorded_at, Rating.id)
        if self.store_id is not None:
            query = query.where(Rating.store_id == self.store_id)
        starts = [s.start for s in self.stores.values() if s.start]
        ends = [s.end for s in self.stores.values() if s.end]
        # Across stores the widest bounds; each row is then held to its own store's.
        if starts:
            query = query.where(Rating.recorded_at >= min(starts))
        if ends:
            query = query.where(Rating.recorded_at < max(ends))
        return query

    def count(self, session: Session) -> int:
        """How many ratings :meth:`query` reads (at least as many as :meth:`rows` gives)."""
        inner = self.query().order_by(None).subquery()
        return session.scalar(select(func.count()).select_from(inner)) or 0

    def rows(self, session: Session) -> Iterator[ExportRow]:
        """Every rating of the export, store by store, oldest first."""
        if not self.stores:
            return
        result = session.execute(self.query().execution_options(yield_per=CHUNK))
        for chunk in result.partitions():
            for r in chunk:
                store = self.stores.get(r.store_id)
                if store is None:  # a store added after the export began
                    continue
                if (store.start and r.recorded_at < store.start) or (
                    store.end and r.recorded_at >= store.end
                ):
                    continue
                yield ExportRow(
                    rating_id=r.id,
                    store=store,
                    local=parse_utc_text(r.recorded_at).astimezone(store.zone),
                    utc_time=r.recorded_at,
                    device_id=r.device_id,
                    survey_id=r.survey_id,
                    question_id=r.question_id,
                    config_version=r.config_version,
                    scale=r.scale,
                    score=r.score,
                    source=r.source,
                    reason=r.reason,
                    reason_label=self.labels(r.store_id, r.device_id, r.reason),
                    flag=r.flag,
                    time_suspect=bool(r.time_suspect),
                    received_utc=r.received_at,
                )


def prepare(
    session: Session,
    now: datetime,
    store_id: str | None = None,
    first: date | None = None,
    last: date | None = None,
    language: str = "en",
) -> Export:
    """The export of one store (or every store) over its local days *first* … *last*.

    An unknown *store_id* is an :class:`~hq.errors.UnknownStoreError`.
    """
    query = select(Store).order_by(Store.id)
    if store_id is not None:
        query = query.where(Store.id == store_id)
    stores = session.scalars(query).all()
    if store_id is not None and not stores:
        raise UnknownStoreError(f"no store {store_id!r}")
    devices: dict[str, list[str]] = {}
    device_query = select(Device.store_id, Device.id).order_by(Device.id)
    if store_id is not None:
        device_query = device_query.where(Device.store_id == store_id)
    for owner, device in session.execute(device_query):
        devices.setdefault(owner, []).append(device)
    infos = {}
    for s in stores:
        tz = zone(s.timezone)
        gaps = [completeness(session, d) for d in devices.get(s.id, [])]
        infos[s.id] = StoreInfo(
            id=s.id,
            name=s.name,
            timezone=s.timezone,
            zone=tz,
            start=to_utc_text(day_bounds(first, tz)[0]) if first else None,
            end=to_utc_text(day_bounds(last, tz)[1]) if last else None,
            incomplete=incomplete_days(gaps, s.timezone, now),
        )
    labels = ReasonLabels(session, language, [store_id] if store_id else None)
    return Export(infos, labels, store_id, first, last)


def offset_text(offset: timedelta) -> str:
    """``+03:00``, ``-05:00``, ``+05:45`` (seconds too, for the odd historical zone)."""
    seconds = int(offset.total_seconds())
    sign = "-" if seconds < 0 else "+"
    hours, rest = divmod(abs(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{sign}{hours:02d}:{minutes:02d}" + (f":{secs:02d}" if secs else "")
