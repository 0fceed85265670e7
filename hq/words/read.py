"""Reading the comments: a filter read from a page's or the API's query (store,
touchpoint, face, topic, period), the comments a reader may see under it (newest first,
a page at a time), and how many comments speak of each topic.

Who sees what is :mod:`hq.people.access`'s: a store's manager their store's comments, a
region's manager their region's, analysts and admins every store's. A store or
touchpoint the reader may not see is refused as if it did not exist. Days are the local
days of each comment's store. Counts of topics come from the comments of counted ratings
only (not flagged, not of an implausible time), as every figure does.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from hq.core.errors import N_, InputError
from hq.people.access import Access
from hq.tables.models import Device, Rating, Store
from hq.tables.surveys import Comment
from kiosk.settings.model import BUILTIN_REASONS, REASON_PATTERN
from kiosk.timekeeping.localtime import day_bounds, parse_utc_text, to_utc_text, zone

PAGE = 50
MAX_DAYS = 366
DEFAULT_DAYS = 30


class CommentFilterError(InputError):
    """A filter of the comments cannot be read; ``field`` names it, ``text`` and
    ``values`` as :class:`hq.core.errors.ActionError` (the page translates them)."""

    def __init__(self, field: str, text: str, **values: object):
        super().__init__(f"{field}: {text.format(**values)}")
        self.field, self.text, self.values = field, text, values


@dataclass(frozen=True)
class CommentFilter:
    """Which comments: of one store, one touchpoint, one face (score), one topic, from
    one local day to another (both included)."""

    first: date
    last: date
    store: str = ""
    touchpoint: str = ""
    score: int | None = None
    topic: str = ""

    def params(self) -> list[tuple[str, str]]:
        """The filter as query parameters, for links that keep it."""
        found = [("store", self.store), ("touchpoint", self.touchpoint)]
        found += [("score", "" if self.score is None else str(self.score))]
        found += [("topic", self.topic), ("from", self.first.isoformat())]
        found += [("to", self.last.isoformat())]
        return [(k, v) for k, v in found if v]


def _day(field_name: str, text: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommentFilterError(
            field_name, N_("{value} is not a day like 2026-12-24"), value=repr(text)
        ) from None


def read_filter(
    session: Session,
    access: Access,
    today: date,
    *,
    store: str = "",
    touchpoint: str = "",
    score: str = "",
    topic: str = "",
    first: str = "",
    last: str = "",
) -> CommentFilter:
    """The filter of a query; a :class:`CommentFilterError` naming the field that cannot
    be read, or a store or touchpoint this reader may not see (as if there were none)."""
    if store and (not access.sees(store) or session.get(Store, store) is None):
        raise CommentFilterError("store", N_("no store {value}"), value=repr(store))
    if touchpoint:
        device = session.get(Device, touchpoint)
        if device is None or not access.sees(device.store_id):
            raise CommentFilterError(
                "touchpoint", N_("no touchpoint {value}"), value=repr(touchpoint)
            )
        if store and device.store_id != store:
            what = N_("touchpoint {value} is not of store {store}")
            raise CommentFilterError("touchpoint", what, value=repr(touchpoint), store=store)
    face = None
    if score:
        if not re.fullmatch(r"\d{1,2}", score) or int(score) > 10:
            raise CommentFilterError("score", N_("{value} is not a face 0–10"), value=repr(score))
        face = int(score)
    if topic and not re.fullmatch(REASON_PATTERN, topic):
        raise CommentFilterError("topic", N_("{value} is not a reason key"), value=repr(topic))
    to = _day("to", last) or today
    start = _day("from", first) or to - timedelta(days=DEFAULT_DAYS - 1)
    if start > to:
        raise CommentFilterError("from", N_("{first} is after {last}"), first=start, last=to)
    if (to - start).days >= MAX_DAYS:
        raise CommentFilterError("from", N_("ask for at most {days} days"), days=MAX_DAYS)
    return CommentFilter(start, to, store, touchpoint, face, topic)


@dataclass(frozen=True)
class Shown:
    """One comment as the page and the API show it."""

    rating_id: str
    store_id: str
    store_name: str
    touchpoint: str
    touchpoint_name: str
    stage: str
    scale: str
    score: int
    counted: bool
    recorded_at: str  # UTC text
    local_time: str  # "YYYY-MM-DD HH:MM" in the store's zone
    language: str
    text: str
    topics: list[str]
    matched: dict[str, list[str]] = field(default_factory=dict)
    topics_edited_by: str | None = None
    topics_edited_at: str | None = None


def _in_period(session: Session, access: Access, chosen: CommentFilter) -> list[Any]:
    """The conditions on comments of the stores the reader sees, in the filter's local
    days of each store (stores grouped by zone)."""
    query = select(Store.id, Store.timezone)
    if chosen.store:
        query = query.where(Store.id == chosen.store)
    elif access.stores is not None:
        query = query.where(Store.id.in_(sorted(access.stores)))
    zones: dict[str, list[str]] = {}
    for store_id, tz in session.execute(query):
        zones.setdefault(tz, []).append(store_id)
    if not zones:
        return [Comment.rating_id.is_(None)]  # nothing to see
    parts = []
    for tz, stores in zones.items():
        start, _ = day_bounds(chosen.first, tz)
        _, end = day_bounds(chosen.last, tz)
        parts.append(
            and_(
                Comment.store_id.in_(stores),
                Comment.created_at >= to_utc_text(start),
                Comment.created_at < to_utc_text(end),
            )
        )
    return [or_(*parts)]


def _where(session: Session, access: Access, chosen: CommentFilter) -> list[Any]:
    where = _in_period(session, access, chosen)
    if chosen.touchpoint:
        where.append(Comment.device_id == chosen.touchpoint)
    if chosen.score is not None:
        where.append(Rating.score == chosen.score)
    return where


def _counted() -> list[Any]:
    return [Rating.flag.is_(None), Rating.time_suspect.is_(False)]


def _query():
    return (
        select(Comment, Rating, Store.name, Store.timezone, Device.name, Device.stage)
        .join(Rating, Rating.id == Comment.rating_id)
        .join(Store, Store.id == Comment.store_id)
        .join(Device, Device.id == Comment.device_id)
    )


def _shown(row) -> Shown:
    c, r, store_name, tz, device_name, stage = row
    local = parse_utc_text(r.recorded_at).astimezone(zone(tz))
    return Shown(
        rating_id=c.rating_id, store_id=c.store_id, store_name=store_name,
        touchpoint=c.device_id, touchpoint_name=device_name or c.device_id,
        stage=stage or "", scale=r.scale, score=r.score,
        counted=r.flag is None and not r.time_suspect, recorded_at=r.recorded_at,
        local_time=local.strftime("%Y-%m-%d %H:%M"), language=c.language,
        text=c.text, topics=list(c.topics or []), matched=dict(c.matched or {}),
        topics_edited_by=c.topics_edited_by, topics_edited_at=c.topics_edited_at,
    )  # fmt: skip


def comments(
    session: Session, access: Access, chosen: CommentFilter, page: int = 1
) -> tuple[list[Shown], int]:
    """The comments under *chosen* that *access* may see, newest first, page *page* of
    :data:`PAGE`, and how many there are in all."""
    where = _where(session, access, chosen)
    order = (Comment.created_at.desc(), Comment.rating_id)
    if not chosen.topic:  # a page of rows from the database, and their number
        query = _query().where(*where).order_by(*order).limit(PAGE).offset((page - 1) * PAGE)
        total = session.scalar(
            select(func.count()).select_from(Comment)
            .join(Rating, Rating.id == Comment.rating_id).where(*where)
        )  # fmt: skip
        return [_shown(r) for r in session.execute(query)], total or 0
    # JSON lists are read here, the same on SQLite and PostgreSQL: the topics of the
    # filter's comments (small), then the page of those with the topic
    keys = session.execute(
        select(Comment.rating_id, Comment.topics)
        .join(Rating, Rating.id == Comment.rating_id).where(*where).order_by(*order)
    ).all()  # fmt: skip
    ids = [rid for rid, topics in keys if chosen.topic in (topics or [])]
    chosen_ids = ids[(page - 1) * PAGE : page * PAGE]
    rows = session.execute(_query().where(Comment.rating_id.in_(chosen_ids)).order_by(*order))
    return [_shown(r) for r in rows], len(ids)


def one(session: Session, access: Access, rating_id: str) -> Shown | None:
    """The comment of rating *rating_id*, if *access* may see its store."""
    row = session.execute(_query().where(Comment.rating_id == rating_id)).first()
    return _shown(row) if row is not None and access.sees(row[0].store_id) else None


@dataclass(frozen=True)
class TopicCounts:
    """How many counted comments there are, and how many speak of each topic (a topic of
    fewer than ``few`` comments is left out: the privacy guard, as for reasons)."""

    comments: int
    topics: list[tuple[str, int]]
    few: int
    hidden: int = 0  # topics left out for having fewer than few comments

    @property
    def shown(self) -> bool:
        """Whether any figure may be shown (``comments`` itself is at least *few*)."""
        return self.comments >= self.few


def topic_counts(session: Session, access: Access, chosen: CommentFilter, few: int) -> TopicCounts:
    """The counted comments under *chosen* and each topic's count, most frequent first;
    none shown from fewer than *few* comments."""
    query = (
        select(Comment.topics)
        .join(Rating, Rating.id == Comment.rating_id)
        .where(*_where(session, access, chosen), *_counted())
    )
    topics: Counter = Counter()
    n = 0
    for (keys,) in session.execute(query):
        if chosen.topic and chosen.topic not in (keys or []):
            continue
        n += 1
        topics.update(set(keys or []))
    if n < few:
        return TopicCounts(n, [], few, len(topics))
    shown = [(k, c) for k, c in topics.most_common() if c >= few]
    return TopicCounts(n, shown, few, len(topics) - len(shown))


def reason_keys(survey: dict[str, Any]) -> list[str]:
    """The reason keys of a ``[survey]`` table (the kiosk's built-in ones if it names
    none), in its order: the topics an analyst may choose for its store's comments."""
    followup = survey.get("followup") if isinstance(survey, dict) else None
    keys = followup.get("reasons") if isinstance(followup, dict) else None
    return [k for k in keys if isinstance(k, str)] if keys else list(BUILTIN_REASONS)
