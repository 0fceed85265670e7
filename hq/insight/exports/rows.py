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

import json
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from sqlalchemy import Select, func, null, select
from sqlalchemy.orm import Session

from hq.core.errors import UnknownStoreError
from hq.ingest.completeness import completeness_of, incomplete_days
from hq.insight.exports.labels import ReasonLabels
from hq.tables.models import Device, Rating, Store
from hq.tables.surveys import Comment
from kiosk.timekeeping.localtime import day_bounds, to_utc_text, zone

CHUNK = 2000  # rows fetched from the database at a time

RATED = (  # in the order Export.rows unpacks them, then a comment's text and topics
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
SELECTED = (*RATED, Comment.text, Comment.topics)
NO_COMMENT = (*RATED, null().label("text"), null().label("topics"))


def topics_text(topics: list | str | None) -> str:
    """A comment's topics as the export writes them: the keys joined by ``;`` ("" for
    none). *topics* as the driver hands them: a list, or JSON text (SQLite's raw cursor)."""
    if not topics:
        return ""
    if isinstance(topics, str):
        topics = json.loads(topics)
    return ";".join(k for k in topics if isinstance(k, str))


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
    """One rating, as an analyst reads it: a field per column of the export (same names),
    and its store."""

    store: StoreInfo
    rating_id: str
    store_id: str
    store_name: str
    local_date: date
    local_time: datetime  # the store's wall clock, naive, to the second
    utc_offset: str  # the store's offset from UTC at that instant, e.g. +03:00
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
    counted: bool  # not flagged and not time_suspect: it counts in the metrics
    day_complete: bool
    day_incomplete_reason: str | None  # why its store-day may lack ratings
    received_utc: str
    comment: str | None  # the words of a web answer, personal data removed
    comment_topics: str  # their topics' keys joined by ";"


@dataclass
class Export:
    """What one export holds: its stores, their local days *first* … *last*, the labels."""

    stores: dict[str, StoreInfo]
    labels: ReasonLabels
    store_id: str | None = None
    first: date | None = None
    last: date | None = None
    limited: bool = False  # to the stores of a reader's part of the chain
    # whether any of its stores has a comment: without, the ratings are read alone (on
    # SQLite a look-up of each rating's comment costs as much again as the rest of a row)
    with_comments: bool = True

    def query(self) -> Select:
        """The ratings, ordered by store and time (``ix_ratings_store_recorded``)."""
        if self.with_comments:
            query = select(*SELECTED).outerjoin(Comment, Comment.rating_id == Rating.id)
        else:
            query = select(*NO_COMMENT)
        query = query.order_by(Rating.store_id, Rating.recorded_at, Rating.id)
        if self.store_id is not None:
            query = query.where(Rating.store_id == self.store_id)
        elif self.limited:
            query = query.where(Rating.store_id.in_(sorted(self.stores)))
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
        offsets: dict[timedelta | None, str] = {}
        labels = self.labels
        for chunk in result.partitions():
            # Unpacked as tuples: attribute access on each Row would cost more than the rest.
            for (
                rating_id, store_id, device_id, survey_id, question_id, config_version,
                scale, score, source, reason, recorded_at, flag, suspect, received_at,
                comment, topics,
            ) in chunk:  # fmt: skip
                store = self.stores.get(store_id)
                if store is None:  # a store added after the export began
                    continue
                if (store.start and recorded_at < store.start) or (
                    store.end and recorded_at >= store.end
                ):
                    continue
                # Stored times are always ISO 8601 with +00:00 (hq.tables.models).
                local = datetime.fromisoformat(recorded_at)
                with suppress(OverflowError):  # year 9999's last hours: left in UTC
                    local = local.astimezone(store.zone)
                day = local.date()
                why = store.incomplete.get(day)
                offset = local.utcoffset()
                if offset not in offsets:
                    offsets[offset] = offset_text(offset or timedelta())
                yield ExportRow(
                    store, rating_id, store_id, store.name, day,
                    local.replace(tzinfo=None, microsecond=0), offsets[offset], recorded_at,
                    device_id, survey_id, question_id, config_version, scale, score, source,
                    reason, labels(store_id, device_id, reason), flag, bool(suspect),
                    flag is None and not suspect, why is None, why, received_at, comment,
                    topics_text(topics),
                )  # fmt: skip


def prepare(
    session: Session,
    now: datetime,
    store_id: str | None = None,
    first: date | None = None,
    last: date | None = None,
    language: str = "en",
    only: frozenset[str] | None = None,
) -> Export:
    """The export of one store (or every store, or every store of *only*) over its local
    days *first* … *last*.

    An unknown *store_id*, or one not in *only*, is an :class:`~hq.core.errors.UnknownStoreError`.
    """
    query = select(Store).order_by(Store.id)
    device_query = (
        select(Device.store_id, Device.id).where(Device.kind == "kiosk").order_by(Device.id)
    )
    if store_id is not None:
        query = query.where(Store.id == store_id)
        device_query = device_query.where(Device.store_id == store_id)
    if only is not None:
        query = query.where(Store.id.in_(sorted(only)))
        device_query = device_query.where(Device.store_id.in_(sorted(only)))
    stores = session.scalars(query).all()
    if store_id is not None and not stores:
        raise UnknownStoreError(f"no store {store_id!r}")
    devices: dict[str, list[str]] = {}
    for owner, device in session.execute(device_query):
        devices.setdefault(owner, []).append(device)
    known = completeness_of(session, [d for ds in devices.values() for d in ds])
    infos = {}
    for s in stores:
        tz = zone(s.timezone)
        gaps = [known[d] for d in devices.get(s.id, [])]
        infos[s.id] = StoreInfo(
            id=s.id,
            name=s.name,
            timezone=s.timezone,
            zone=tz,
            start=to_utc_text(day_bounds(first, tz)[0]) if first else None,
            end=to_utc_text(day_bounds(last, tz)[1]) if last else None,
            incomplete=incomplete_days(gaps, s.timezone, now),
        )
    kept = [store_id] if store_id else (sorted(only) if only is not None else None)
    labels = ReasonLabels(session, language, kept)
    commented = select(Comment.rating_id).limit(1)
    if kept is not None:
        commented = commented.where(Comment.store_id.in_(kept))
    with_comments = session.scalar(commented) is not None
    return Export(infos, labels, store_id, first, last, only is not None, with_comments)


def offset_text(offset: timedelta) -> str:
    """``+03:00``, ``-05:00``, ``+05:45`` (seconds too, for the odd historical zone)."""
    seconds = int(offset.total_seconds())
    sign = "-" if seconds < 0 else "+"
    hours, rest = divmod(abs(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{sign}{hours:02d}:{minutes:02d}" + (f":{secs:02d}" if secs else "")
