"""Figures for the API and the dashboard, from the one metrics implementation (SPEC §3).

The ratings are read as the counts kept at ingest (:mod:`hq.tables.rollups`), already in each
store's local days and hours, and made into figures by :mod:`kiosk.counting.metrics`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cached_property, lru_cache
from itertools import pairwise

from sqlalchemy import case, func, literal, select, text
from sqlalchemy.orm import Session

from hq.tables.database import among, weekday
from hq.tables.models import DAY_FLAGS, SCORES, DayCount, HourCount, Store
from kiosk.counting import metrics
from kiosk.counting.scales import DEFAULT_SCALE, get_scale, is_negative
from kiosk.timekeeping.localtime import local_date

Key = tuple[str, int, str | None]  # scale, score, flag


@dataclass(frozen=True)
class Days:
    """A store's ratings counted per local day by scale, score and flag."""

    days: list[date]
    counts: list[Counter[Key]]

    @cached_property  # the counts are not changed once counted
    def scales(self) -> list[str]:
        """Every scale rated on, the main one first (:func:`by_use`)."""
        return by_use(self.counts)

    def summary(self, i: int, scale: str) -> metrics.Summary:
        """The metrics of day *i* on *scale* (unflagged ratings only)."""
        return summarize(self.counts[i], scale)

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


def day_counts(session: Session, store: Store, days: list[date], *where) -> Days:
    """Count the store's ratings of each local day in *days* (oldest first) from the kept
    counts (:mod:`hq.tables.rollups`): ``rating_days``, or with *where* (conditions on
    :class:`HourCount`: a device, a question version) ``rating_hours``."""
    index = {d.isoformat(): i for i, d in enumerate(days)}
    counts: list[Counter[Key]] = [Counter() for _ in days]
    first, last = days[0].isoformat(), days[-1].isoformat()
    if not where:
        t = DayCount
        query = select(t.day, t.scale, *COUNTS).where(
            t.store_id == store.id, t.day >= first, t.day <= last
        )
        for day, scale, *values in session.execute(query):
            if day in index:
                add_day(counts[index[day]], scale, values)
        return Days(days, counts)
    t = HourCount
    query = (
        select(t.day, t.scale, t.score, t.flag, func.sum(t.n))
        .where(t.store_id == store.id, t.day >= first, t.day <= last, *where)
        .group_by(t.day, t.scale, t.score, t.flag)
    )
    for day, scale, score, flag, n in session.execute(query):
        if day in index:
            counts[index[day]][(scale, score, flag or None)] += int(n)
    return Days(days, counts)


COUNTS = tuple(getattr(DayCount, c) for c in DayCount.columns())


def by_use(counts: Iterable[Counter[Key]]) -> list[str]:
    """Every scale of *counts*, the main one first: the most counted ratings, then the
    most ratings, then by name; ``[DEFAULT_SCALE]`` when there are none. Every page, card,
    ranking, summary and mail leads with this scale, so a store's figures are on the same
    scale whoever looks (:func:`main_scale` is the same rule in SQL)."""
    counted: Counter[str] = Counter()
    every: Counter[str] = Counter()
    for c in counts:
        for (scale, _score, flag), n in c.items():
            every[scale] += n
            if flag is None:
                counted[scale] += n
    return sorted(every, key=lambda s: (-counted[s], -every[s], s)) or [DEFAULT_SCALE]


# a day row's counted ratings and all its ratings, summed (made once: an expression of 17
# columns is not free to build)
_COUNTED = func.sum(sum((getattr(DayCount, f"s{score}") for score in SCORES), literal(0)))
_EVERY = func.sum(sum((getattr(DayCount, c) for c in DayCount.columns()), literal(0)))


def main_scale(session: Session, store_ids: list[str], first: date, last: date) -> str | None:
    """:func:`by_use`'s main scale of *store_ids*' local days *first* … *last*, read from
    the day counts (a row per store-day; a region of 500 stores' nine weeks in 20 ms);
    ``None`` when none of their ratings is counted."""
    t, counted, every = DayCount, _COUNTED, _EVERY
    return session.scalar(
        select(t.scale)
        .where(among(session, t.store_id, store_ids),
               t.day.between(first.isoformat(), last.isoformat()))
        .group_by(t.scale)
        .having(counted > 0)
        .order_by(counted.desc(), every.desc(), t.scale)
        .limit(1)
    )  # fmt: skip


def total(counts: Iterable[Counter]) -> Counter:
    """The sum of *counts* (of many days, say) as one, added in place rather than as
    ``sum(counts, Counter())``, which makes a new Counter for each."""
    out: Counter = Counter()
    for c in counts:
        out.update(c)
    return out


def add_day(counts: Counter[Key], scale: str, values) -> None:
    """Add one ``rating_days`` row's counts (in :data:`COUNTS`' order) to *counts*: the
    counted ones by score, the others by flag (their score is not kept: ``None``)."""
    for key, n in zip(_day_keys(scale), values, strict=True):
        if n:
            counts[key] += int(n)


@lru_cache(maxsize=64)
def _day_keys(scale: str) -> tuple[Key, ...]:
    """The keys of a ``rating_days`` row's counts on *scale*, in :data:`COUNTS`' order."""
    return tuple((scale, s, None) for s in SCORES) + tuple((scale, None, f) for f in DAY_FLAGS)


DAY_SUMS = tuple(func.sum(c) for c in COUNTS)


def span_total(session: Session, store_id: str, first: date, last: date) -> Counter[Key]:
    """*store_id*'s ratings in its local days *first* … *last* as one count (like a day
    of :func:`day_counts`), summed in the database: a row per scale."""
    t, out = DayCount, Counter()
    days = (t.day >= first.isoformat(), t.day <= last.isoformat())
    query = select(t.scale, *DAY_SUMS).where(t.store_id == store_id, *days).group_by(t.scale)
    for scale, *values in session.execute(query):
        add_day(out, scale, values)
    return out


def span_counts(
    session: Session, store_ids: list[str], spans: list[tuple[date, date]]
) -> dict[str, list[Counter[Key]]]:
    """Per store of *store_ids*, its ratings in each of the *spans* of local days (first,
    last; not overlapping) counted like :func:`day_counts`: one query for them all,
    summed in the database."""
    t = DayCount
    bucket = case(
        *[(t.day.between(a.isoformat(), b.isoformat()), i) for i, (a, b) in enumerate(spans)],
        else_=-1,
    ).label("span")
    inner = (
        select(t.store_id, bucket, t.scale, *COUNTS)
        .where(t.day >= min(a for a, _ in spans).isoformat())
        .where(t.day <= max(b for _, b in spans).isoformat())
        .where(among(session, t.store_id, store_ids))
        .subquery()
    )
    c = inner.c
    sums = [func.sum(getattr(c, name)) for name in DayCount.columns()]
    query = select(c.store_id, c.span, c.scale, *sums).group_by(c.store_id, c.span, c.scale)
    out: dict[str, list[Counter[Key]]] = {s: [Counter() for _ in spans] for s in store_ids}
    if len(store_ids) > 100 and session.get_bind().dialect.name == "postgresql":
        # A chain's 60 days are some 30 000 rows: summed in memory, not sorted on disk
        # (PostgreSQL's 4 MB default), for this transaction only; a store's year fits.
        session.execute(text("SET LOCAL work_mem = '32MB'"))
    for store_id, span, scale, *values in session.execute(query):
        if span >= 0:
            add_day(out[store_id][span], scale, values)
    return out


def summarize(counts: Counter[Key], scale: str) -> metrics.Summary:
    """The metrics of *counts* on *scale* (unflagged ratings only)."""
    # a key is (scale, score, flag): one per score of the scale that is counted
    counted = {score: n for (sc, score, flag), n in counts.items() if sc == scale and flag is None}
    return metrics.summarize(scale, counted)


def daily(counted: Days, which: Iterable[int] | None = None) -> list[dict]:
    """Per local day (those of index in *which*, default all): all ratings, flagged ones,
    and the metrics of each scale used in all the days."""
    scales = sorted(counted.scales)
    return [
        {
            "date": counted.days[i].isoformat(),
            "ratings": counted.total(i),
            "flagged": counted.flagged(i),
            "scales": {s: counted.summary(i, s).as_dict() for s in scales},
        }
        for i in (range(len(counted.days)) if which is None else which)
    ]


def _in_days(t, store: Store, first: date, last: date, scale: str) -> tuple:
    # A region (hq.insight.regions.Group) counts as one store: the sum of its stores.
    ids = getattr(store, "store_ids", None)
    return (
        t.store_id == store.id if ids is None else t.store_id.in_(ids),
        t.day >= first.isoformat(),
        t.day <= last.isoformat(),
        t.scale == scale,
    )


def _grid(rows, sc) -> list[list[tuple[int, int]]]:
    """The heat map of *rows* (weekday, hour, score, n)."""
    grid = [[(0, 0)] * 24 for _ in range(7)]
    for day_of_week, hour, score, n in rows:
        had, unhappy = grid[day_of_week][hour]
        grid[day_of_week][hour] = (had + int(n), unhappy + int(n) * is_negative(sc, score))
    return grid


def heat_and_reasons(
    session: Session, store: Store, first: date, last: date, scale: str, middle: date, *where
) -> tuple[list[list[tuple[int, int]]], list[ReasonShare]]:
    """The heat map and :func:`reason_shares` of the same days from one read of the hour
    counts (a region's page reads every hour of every store of the region once, not
    twice): grouped by weekday, hour, half, score and reason, which is a few thousand
    rows however many stores and days. The heat map: counted ratings on *scale* by local
    weekday (0 = Monday) × hour of day, (how many, how many of them unhappy, the negative
    half of the scale as the follow-up question counts it)."""
    t = HourCount
    half = case((t.day < middle.isoformat(), 0), else_=1)
    inner = (
        select(weekday(t.day).label("weekday"), t.hour, half.label("half"), t.score, t.reason,
               t.n)
        .where(*_in_days(t, store, first, last, scale), t.flag == "", *where)
        .subquery()
    )  # fmt: skip
    keys = (inner.c.weekday, inner.c.hour, inner.c.half, inner.c.score, inner.c.reason)
    rows = session.execute(select(*keys, func.sum(inner.c.n)).group_by(*keys)).all()
    sc = get_scale(scale)
    grid = _grid(((d, h, score, n) for d, h, _half, score, _reason, n in rows), sc)
    return grid, _shares(((hf, score, reason, n) for _d, _h, hf, score, reason, n in rows), sc)


def device_summaries(
    session: Session, store: Store, first: date, last: date, scale: str, *where
) -> dict[str, metrics.Summary]:
    """Each device of *store* with ratings on *scale* in the local days *first* … *last*:
    the metrics of its counted ratings."""
    return device_periods(session, store, [(first, last)], scale, *where)[0]


def device_periods(
    session: Session, store: Store, spans: list[tuple[date, date]], scale: str, *where
) -> list[dict[str, metrics.Summary]]:
    """:func:`device_summaries` of each span of local days in *spans*, from one read of
    the hour counts: a device is in a span's answer when it has ratings there on *scale*,
    counted or not (its summary then of none). Spans that do not follow each other
    (a gap, an overlap) are read one by one: each its own range of the index."""
    ordered = sorted(spans)
    if any(b[0] - a[1] != timedelta(days=1) for a, b in pairwise(ordered)):
        return [device_periods(session, store, [s], scale, *where)[0] for s in spans]
    t = HourCount
    whens = [(t.day <= b.isoformat(), spans.index((a, b))) for a, b in ordered[:-1]]
    which = case(*whens, else_=spans.index(ordered[-1])) if whens else literal(0)
    inner = (
        select(which.label("span"), t.device_id, t.score, t.n, t.flag)
        .where(*_in_days(t, store, ordered[0][0], ordered[-1][1], scale), *where)
        .subquery()
    )
    keys = (inner.c.span, inner.c.device_id, inner.c.score)
    counted = func.sum(inner.c.n).filter(inner.c.flag == "")
    out: list[dict[str, Counter[int]]] = [{} for _ in spans]
    for span, device, score, n in session.execute(select(*keys, counted).group_by(*keys)):
        counts = out[span].setdefault(device, Counter())
        if n:  # NULL: only ratings not counted
            counts[score] += int(n)
    return [{d: metrics.summarize(scale, c) for d, c in s.items()} for s in out]


@dataclass(frozen=True)
class ReasonShare:
    """A follow-up reason: on how many unhappy answers, their share, and the change of the
    share from the first half of the period to the second (percentage points)."""

    key: str
    n: int
    share: float  # % of the period's counted unhappy answers on this scale
    change: float | None  # None: no unhappy answers in one of the halves


def reason_shares(
    session: Session, store: Store, first: date, last: date, scale: str, middle: date, *where
) -> list[ReasonShare]:
    """The reasons given on counted unhappy answers on *scale* in the local days *first*
    … *last*, as a share of those answers, most frequent first, then the answers with no
    reason (key ``""``: not asked the follow-up, or not answering it) so the shares add
    up to 100 % (issue 30); the days before *middle* and from it on are the two halves of
    the change."""
    t = HourCount
    half = case((t.day < middle.isoformat(), 0), else_=1).label("half")
    inner = (
        select(half, t.score, t.reason, t.n)
        .where(*_in_days(t, store, first, last, scale), t.flag == "", *where)
        .subquery()
    )
    c = inner.c
    query = select(c.half, c.score, c.reason, func.sum(c.n)).group_by(c.half, c.score, c.reason)
    return _shares(session.execute(query), get_scale(scale))


def _shares(rows, sc) -> list[ReasonShare]:
    """The reason shares of *rows* (half, score, reason, n), a row per key or several."""
    unhappy, given = [0, 0], [Counter(), Counter()]
    for h, score, reason, n in rows:
        if is_negative(sc, score):
            unhappy[h] += int(n)
            if reason:
                given[h][reason] += int(n)
    total = sum(unhappy)
    for h in (0, 1):  # "" is no reason: HQ cannot tell "not asked" from "not answered"
        given[h][""] = unhappy[h] - sum(given[h].values())
    out, unanswered = [], None
    for key, n in (given[0] + given[1]).most_common():  # Counter's + drops the zeros
        shares = [100 * g[key] / u if u else None for g, u in zip(given, unhappy, strict=True)]
        change = None if None in shares else shares[1] - shares[0]
        share = ReasonShare(key, n, 100 * n / total, change)
        if key:
            out.append(share)
        else:
            unanswered = share
    return out if unanswered is None or not out else [*out, unanswered]


def today(store: Store, now: datetime) -> date:
    """The store's local date at *now*."""
    return _local_today(now, store.timezone)


@lru_cache(maxsize=64)
def _local_today(now: datetime, timezone: str) -> date:
    # A chain's pages ask it of every store at one instant: once per time zone.
    return local_date(now, timezone)
