"""The all-stores page's figures, a few queries for the whole chain, however many stores.

The rankings need every store's last 30 days and the 30 before: one query per distinct
"today" among the stores (stores in zones a day apart have different days), bucketed in
the database (:func:`hq.insight.counts.span_counts`). The table by name shows a page of
:data:`PAGE` stores at a time, each with its today, 7 and 30 days and its trend: one
query over the kept day counts for the stores of that page.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from hq.core.paging import pages_of
from hq.ingest.completeness import Completeness, incomplete_days
from hq.insight.channels import channel_span_counts
from hq.insight.counts import COUNTS, Days, add_day, by_use, span_counts, summarize, today
from hq.insight.figures import StoreFigures, figures_of, guard, headline
from hq.insight.period import Period
from hq.insight.ranking import Ranked, kind_of, rank
from hq.insight.splits import question_changes
from hq.tables.models import DayCount, Store
from kiosk.counting import metrics

PAGE = 50  # stores per page of the table by name
DAYS = 30
RANKED = 20  # rows of each ranking on a page of rankings (all stores, a region)
RANK_PAGE = 50  # rows a page of one whole ranking

KINDS = ("csat", "nps", "ces")  # a ranking per kind of scale
# The orders of a ranking; "-rank" and "-change" are the worst places and the biggest
# falls first. A store without a place (or a change) comes last either way.
SORTS = {
    "rank": lambda row: (row.ranked.rank is None, row.ranked.rank or 0, -row.ranked.n),
    "-rank": lambda row: (row.ranked.rank is None, -(row.ranked.rank or 0), -row.ranked.n),
    "name": lambda row: row.store.name.casefold(),
    "n": lambda row: -row.ranked.n,
    "change": lambda row: (row.ranked.change is None, -(row.ranked.change or 0)),
    "-change": lambda row: (row.ranked.change is None, row.ranked.change or 0),
}


@dataclass
class RankRow:
    """A store in its ranking: the ranking's figures and its own plain figure."""

    store: Store
    scale: str
    ranked: Ranked
    own: float | None
    changed_on: date | None = None  # the question changed: no change shown (issue 30, B8)


def by_today(stores: list[Store], now: datetime) -> dict[date, list[Store]]:
    """The stores grouped by their local date at *now*."""
    out: dict[date, list[Store]] = {}
    for s in stores:
        out.setdefault(today(s, now), []).append(s)
    return out


def rankings(
    session: Session,
    stores: list[Store],
    now: datetime,
    sort: str = "rank",
    period: Period | None = None,
    shown: frozenset[str] | None = None,
    channel: str | None = None,
) -> dict[str, list[RankRow]]:
    """Every store ranked (:mod:`hq.insight.ranking`) over its last 30 days, with the change
    against the 30 days before, or over a chosen *period* (each store's own local days)
    with the change against what it is compared with; one ranking per kind of scale
    (``csat``, ``nps``, ``ces``). A retired store is never ranked.

    *stores* are the reference (the whole chain, or the level a page names): the means
    that shrink the estimates and the places are theirs, whoever looks. Only then are the
    rows cut to the stores *shown* (``None``: all), so a reader's figures are the admin's
    (issue 30, B1)."""
    stores = [s for s in stores if s.retired_at is None]
    groups: dict[str, dict[str, tuple[Store, str, metrics.Summary, metrics.Summary]]] = {}
    changed: dict[str, date] = {}
    if period is not None and period.chosen:
        spanned = [((period.first, period.last), period.before, stores)]
    else:
        spanned = []
        for last, group in by_today(stores, now).items():
            first = last - timedelta(days=DAYS - 1)
            before = (first - timedelta(days=DAYS), first - timedelta(days=1))
            spanned.append(((first, last), before, group))
    for current_days, before_days, group in spanned:
        if channel:
            ids = [s.id for s in group]
            counted = channel_span_counts(session, ids, [current_days, before_days], channel)
        else:
            counted = _two_spans(session, [s.id for s in group], current_days, before_days)
        span = (min(current_days[0], before_days[0]), max(current_days[1], before_days[1]))
        changed |= question_changes(session, [s.id for s in group], *span)
        for s in group:
            current, previous = counted[s.id]
            scale = by_use([current])[0]
            summaries = (summarize(current, scale), summarize(previous, scale))
            if channel and not summaries[0].count:
                continue  # no answers on that channel: not in its ranking
            groups.setdefault(kind_of(scale), {})[s.id] = (s, scale, *summaries)
    out = {}
    for kind in KINDS:
        if kind not in groups:
            continue
        items = groups[kind]
        ranked = rank({k: c for k, (_, _, c, _) in items.items()},
                      {k: p for k, (_, _, _, p) in items.items()})  # fmt: skip
        rows = []
        for r in ranked:
            if shown is not None and r.key not in shown:
                continue
            store, scale, current, _ = items[r.key]
            on = changed.get(r.key)
            if on is not None:  # not a change of what shoppers think (issue 30, B8)
                r = replace(r, change=None)
            rows.append(RankRow(store, scale, r, current.value(headline(scale)[0]), on))
        if rows:
            out[kind] = sorted(rows, key=SORTS.get(sort, SORTS["rank"]))
    return out


@dataclass
class Window:
    """What a page of rankings shows: the first *first* rows of each ranking, or, with
    *one* kind chosen, page *page* of that whole ranking (*per_page* rows a page); *totals*
    are the whole rankings' lengths, *pages* the pages of the one ranking (1 without)."""

    shown: dict[str, list[RankRow]]
    totals: dict[str, int]
    pages: int


def window(
    ranked: dict[str, list[RankRow]],
    one: str = "",
    page: int = 1,
    first: int = RANKED,
    per_page: int = RANK_PAGE,
) -> Window:
    """The rows of *ranked* a page shows (see :class:`Window`); the places and estimates
    are the whole ranking's, however few rows are shown."""
    totals = {kind: len(rows) for kind, rows in ranked.items()}
    if not one:
        return Window({kind: rows[:first] for kind, rows in ranked.items()}, totals, 1)
    rows = ranked.get(one, [])
    pages = pages_of(len(rows), per_page)
    shown = {one: rows[(page - 1) * per_page : page * per_page]} if rows else {}
    return Window(shown, totals, pages)


def _two_spans(session: Session, store_ids: list[str], a: tuple, b: tuple) -> dict:
    """:func:`span_counts` of two spans of days; in two queries if they overlap (a year's
    period compared with the year before shares a day with it)."""
    if a[0] > b[1] or b[0] > a[1]:
        return span_counts(session, store_ids, [a, b])
    first, second = span_counts(session, store_ids, [a]), span_counts(session, store_ids, [b])
    return {s: [first[s][0], second[s][0]] for s in store_ids}


def store_table(
    session: Session, stores: list[Store], now: datetime, few: int = 5
) -> list[StoreFigures]:
    """The figures of *stores* (a page of the table by name) for their last 30 days; a day
    (today's, the sparkline's) of fewer than *few* ratings shows no figure (issue 30)."""
    wanted = {s.id: [today(s, now) - timedelta(days=i) for i in range(DAYS - 1, -1, -1)]
              for s in stores}  # fmt: skip
    if not stores:
        return []
    first = min(days[0] for days in wanted.values())
    last = max(days[-1] for days in wanted.values())
    t = DayCount
    query = select(t.store_id, t.day, t.scale, *COUNTS).where(
        t.store_id.in_(list(wanted)), t.day >= first.isoformat(), t.day <= last.isoformat()
    )
    index = {sid: {d.isoformat(): i for i, d in enumerate(days)} for sid, days in wanted.items()}
    counts = {sid: [Counter() for _ in days] for sid, days in wanted.items()}
    for store_id, day, scale, *values in session.execute(query):
        i = index[store_id].get(day)
        if i is not None:
            add_day(counts[store_id][i], scale, values)
    return [guard(figures_of(s, Days(wanted[s.id], counts[s.id])), few) for s in stores]


def incomplete_by_store(
    stores: list[tuple[Store, list[str]]], lacking: dict[str, list[Completeness]], now: datetime
) -> dict[str, list[str]]:
    """Per store of *stores* (each with the days its figures cover), the reasons of those
    days that may lack ratings (a gap, a tail not received, pending or held ratings on a
    device: *lacking*, from :func:`hq.insight.chain_health.lacking`), one per day,
    newest first; [] for a store whose days are complete."""
    out = {}
    for store, days in stores:
        found = incomplete_days(lacking.get(store.id, []), store.timezone, now)
        shown = set(days)
        out[store.id] = [why for day, why in sorted(found.items(), reverse=True)
                         if day.isoformat() in shown]  # fmt: skip
    return out


def last_days(store: Store, now: datetime, n: int = DAYS) -> list[str]:
    """The *n* local days of *store* ending today, as ISO dates."""
    last = today(store, now)
    return [(last - timedelta(days=i)).isoformat() for i in range(n)]
