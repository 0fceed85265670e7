"""Figures for the API and the dashboard, from the one metrics implementation (SPEC §3).

Ratings are read in a store's UTC bounds of its local days and bucketed by
:mod:`kiosk.metrics` in the store's time zone.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import case, func, literal, select
from sqlalchemy.orm import Session

from hq.models import Rating, Store
from kiosk import metrics
from kiosk.localtime import day_bounds, local_date, local_hour, to_utc_text, zone
from kiosk.scales import DEFAULT_SCALE, get_scale, is_negative

TIME_SUSPECT = "time_suspect"
# A rating HQ marked as having an implausible time counts like a flagged one: kept, shown
# under "not counted", left out of the metrics.
FLAG = case((Rating.time_suspect, literal(TIME_SUSPECT)), else_=Rating.flag).label("flag")


@dataclass(frozen=True)
class Row:
    """The fields of a rating the figures need."""

    recorded_at: str
    scale: str
    score: int
    flag: str | None
    reason: str | None

    def __getitem__(self, key: str):
        return getattr(self, key)


def ratings_between(session: Session, store: Store, first: date, last: date) -> list[Row]:
    """The store's ratings of the local days *first* … *last* (both included)."""
    start = day_bounds(first, store.timezone)[0]
    end = day_bounds(last, store.timezone)[1]
    rows = session.execute(
        select(Rating.recorded_at, Rating.scale, Rating.score, FLAG, Rating.reason).where(
            Rating.store_id == store.id,
            Rating.recorded_at >= to_utc_text(start),
            Rating.recorded_at < to_utc_text(end),
        )
    )
    return [Row(*r) for r in rows]


Key = tuple[str, int, str | None]  # scale, score, flag


@dataclass(frozen=True)
class Days:
    """A store's ratings counted per local day by scale, score and flag."""

    days: list[date]
    counts: list[Counter[Key]]

    @property
    def scales(self) -> list[str]:
        """Every scale rated on, most used first."""
        used: Counter[str] = Counter()
        for day in self.counts:
            for (scale, _score, _flag), n in day.items():
                used[scale] += n
        return [s for s, _ in used.most_common()] or [DEFAULT_SCALE]

    def summary(self, i: int, scale: str) -> metrics.Summary:
        """The metrics of day *i* on *scale* (unflagged ratings only)."""
        counted: Counter[int] = Counter()
        for (sc, score, flag), n in self.counts[i].items():
            if sc == scale and flag is None:
                counted[score] += n
        return metrics.summarize(scale, counted)

    def total(self, i: int) -> int:
        return sum(self.counts[i].values())

    def flagged(self, i: int) -> int:
        return sum(n for (_sc, _score, flag), n in self.counts[i].items() if flag)

    def by_flag(self, i: int) -> Counter[str]:
        """Day *i*'s ratings that are not counted, by why (a flag, or ``time_suspect``)."""
        out: Counter[str] = Counter()
        for (_sc, _score, flag), n in self.counts[i].items():
            if flag:
                out[flag] += n
        return out


def day_counts(session: Session, store: Store, days: list[date]) -> Days:
    """Count the store's ratings of each local day in *days* (consecutive, oldest first)
    in the database: each row goes to the day whose UTC bounds hold its ``recorded_at``,
    so only a few rows per day come back, however many ratings there are."""
    edges = [to_utc_text(day_bounds(d, store.timezone)[0]) for d in days]
    edges.append(to_utc_text(day_bounds(days[-1], store.timezone)[1]))
    bucket = case(
        *[(Rating.recorded_at < edges[i + 1], i) for i in range(len(days))], else_=len(days)
    )
    inner = (
        select(bucket.label("day"), Rating.scale, Rating.score, FLAG)
        .where(
            Rating.store_id == store.id,
            Rating.recorded_at >= edges[0],
            Rating.recorded_at < edges[-1],
        )
        .subquery()
    )
    c = inner.c
    query = select(c.day, c.scale, c.score, c.flag, func.count()).group_by(
        c.day, c.scale, c.score, c.flag
    )
    counts: list[Counter[Key]] = [Counter() for _ in days]
    for day, scale, score, flag, n in session.execute(query):
        counts[day][(scale, score, flag)] += n
    return Days(days, counts)


def daily(counted: Days) -> list[dict]:
    """Per local day: all ratings, flagged ones, and the metrics of each scale used."""
    scales = sorted(counted.scales)
    return [
        {
            "date": day.isoformat(),
            "ratings": counted.total(i),
            "flagged": counted.flagged(i),
            "scales": {s: counted.summary(i, s).as_dict() for s in scales},
        }
        for i, day in enumerate(counted.days)
    ]


def heat_map(rows: Iterable[Row], tz: str, scale: str) -> list[list[tuple[int, int]]]:
    """Counted ratings by local weekday (0 = Monday) × hour of day: (how many, how many of
    them unhappy, the negative half of the scale as the follow-up question counts it)."""
    grid = [[(0, 0)] * 24 for _ in range(7)]
    tzinfo = zone(tz)
    sc = get_scale(scale)
    for r in rows:
        if r.flag is None and r.scale == scale:
            day = local_date(r.recorded_at, tzinfo).weekday()
            hour = local_hour(r.recorded_at, tzinfo)
            n, unhappy = grid[day][hour]
            grid[day][hour] = (n + 1, unhappy + is_negative(sc, r.score))
    return grid


def device_summaries(
    session: Session, store: Store, first: date, last: date, scale: str
) -> dict[str, metrics.Summary]:
    """Each device of *store* with ratings on *scale* in the local days *first* … *last*:
    the metrics of its counted ratings."""
    start = to_utc_text(day_bounds(first, store.timezone)[0])
    end = to_utc_text(day_bounds(last, store.timezone)[1])
    inner = (
        select(Rating.device_id, Rating.score, FLAG)
        .where(
            Rating.store_id == store.id,
            Rating.scale == scale,
            Rating.recorded_at >= start,
            Rating.recorded_at < end,
        )
        .subquery()
    )
    c = inner.c
    query = select(c.device_id, c.score, c.flag, func.count()).group_by(
        c.device_id, c.score, c.flag
    )
    counts: dict[str, Counter[int]] = {}
    for device, score, flag, n in session.execute(query):
        counted = counts.setdefault(device, Counter())
        if flag is None:
            counted[score] += n
    return {device: metrics.summarize(scale, c) for device, c in counts.items()}


@dataclass(frozen=True)
class ReasonShare:
    """A follow-up reason: on how many unhappy answers, their share, and the change of the
    share from the first half of the period to the second (percentage points)."""

    key: str
    n: int
    share: float  # % of the period's counted unhappy answers on this scale
    change: float | None  # None: no unhappy answers in one of the halves


def reason_shares(rows: Iterable[Row], scale: str, middle: str) -> list[ReasonShare]:
    """The reasons given on counted unhappy answers on *scale*, as a share of those answers,
    most frequent first; *middle* (a UTC text) splits the period in two for the change."""
    sc = get_scale(scale)
    unhappy = [r for r in rows if r.flag is None and r.scale == scale and is_negative(sc, r.score)]
    halves = [
        [r for r in unhappy if r.recorded_at < middle],
        [r for r in unhappy if r.recorded_at >= middle],
    ]
    given = Counter(r.reason for r in unhappy if r.reason)
    by_half = [Counter(r.reason for r in half if r.reason) for half in halves]
    out = []
    for key, n in given.most_common():
        shares = [
            100 * c[key] / len(h) if h else None for c, h in zip(by_half, halves, strict=True)
        ]
        change = None if None in shares else shares[1] - shares[0]
        out.append(ReasonShare(key, n, 100 * n / len(unhappy), change))
    return out


def today(store: Store, now: datetime) -> date:
    """The store's local date at *now*."""
    return local_date(now, store.timezone)
