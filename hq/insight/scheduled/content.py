"""What a scheduled report says, taken from the dashboard's own functions so that its
figures are the dashboard's by construction: each store's page over the period
(:func:`hq.insight.figures.store_page`: the cards and their comparison, the heat map,
the reasons, the completeness marks) and the ranking of the stores of its region
(:func:`hq.insight.chain.rankings`). Nothing here counts ratings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from hq.core.language import Language
from hq.ingest.completeness import incomplete_days
from hq.insight.business.action_effects import effects_of
from hq.insight.business.effects import Effect
from hq.insight.chain import RankRow, rankings
from hq.insight.comments import store_topics
from hq.insight.figures import DeviceHealth, StoreFigures, headline, store_page
from hq.insight.ranking import kind_of
from hq.insight.regions.figures import region_group, region_total
from hq.insight.scheduled.periods import ReportPeriod
from hq.insight.scheduled.subscriptions import stores_of
from hq.insight.splits import Split
from hq.insight.weekly.summary import region_summary, store_summary
from hq.insight.weekly.words import Told, told
from hq.people.access import access_of
from hq.tables.actions import StoreAction
from hq.tables.models import Region, Store

TOP_REASONS = 5
Grid = list[list[tuple[int, int]]]


@dataclass(frozen=True)
class Lack:
    """A kiosk that may lack ratings of some of the period's days, and what it lacks."""

    device_id: str
    days: int  # the period's days it may lack ratings of
    missing: int  # numbered inside what HQ received, not received
    not_received: int  # numbered after the last one received
    pending: int  # the kiosk says it has still to send
    held: int  # the kiosk holds (HQ refused them)
    held_reason: str | None


@dataclass(frozen=True)
class Place:
    """A store's place among the stores of its region (or of the chain) over the period."""

    rank: int | None  # None: fewer ratings than hq.insight.ranking.MIN_RANKED
    of: int  # stores in that ranking
    row: RankRow
    where: str  # the region's name; "" for the chain


@dataclass(frozen=True)
class StoreReport:
    """One store's part of a report."""

    store: Store
    scale: str
    key: str  # the headline metric: csat, nps or ces
    label: str  # "CSAT %", "NPS", "CES"
    current: dict  # the period's figures (kiosk.counting.metrics.Summary.as_dict)
    before: dict  # the period before's
    change: float | None  # the headline metric less the period before's
    changed_on: date | None  # the question changed: no change (issue 30, B8)
    heat: Grid
    reasons: list[tuple[str, object]]  # (label, hq.insight.counts.ReasonShare), most given first
    place: Place | None
    incomplete: int  # the period's days that may lack ratings
    lacking: list[Lack]
    # What the store did in the ACTED weeks up to the period's end, oldest day first: the
    # day and what was done, and what it changed (hq.insight.business.effects) where known.
    actions: list[tuple[str, list[StoreAction]]] = ()
    effects: dict[str, Effect] = field(default_factory=dict)
    # the topics of the period's counted web comments, as the store page counts them
    # (hq.insight.comments.store_topics: none from fewer than the privacy guard's few)
    comment_topics: dict = field(default_factory=dict)

    @property
    def hours(self) -> range:
        """The hours of the day that have ratings (every hour if none has)."""
        used = [h for row in self.heat for h, (n, _) in enumerate(row) if n]
        return range(min(used), max(used) + 1) if used else range(24)


@dataclass(frozen=True)
class Report:
    """A report of a store or a region over one finished period, in one language."""

    scope: str
    name: str  # the store's or the region's
    period: ReportPeriod
    language: Language
    stores: list[StoreReport]
    ranking: dict[str, list[RankRow]]  # a region's stores by kind of scale; {} for a store
    few: int  # an hour of the heat map with fewer ratings shows no figure
    total: StoreFigures | None = None  # a region's totals (hq.insight.regions); None: a store
    weekly: Told | None = None  # a weekly report's "what changed" (hq.insight.weekly)

    @property
    def weekdays(self) -> list[int]:
        """The weekdays the period has (0 = Monday): one for a day, all for longer."""
        return sorted({d.weekday() for d in self.period.days})


def build_report(
    session: Session,
    scope: str,
    period: ReportPeriod,
    now: datetime,
    language: Language,
    few: int = 5,
) -> Report | None:
    """The report of *scope* (``store:ID``, ``region:ID``) over *period*; ``None`` if the
    scope has no store (any more)."""
    stores = stores_of(session, scope)
    if not stores:
        return None
    kind, _, ident = scope.partition(":")
    places: dict[str | None, tuple[str, dict]] = {}
    if kind == "region":
        region = session.get(Region, ident)
        name = region.name if region else ident
        places[None] = (name, rankings(session, stores, now, "rank", period))
    else:
        name = stores[0].name
    parts = []
    for store in stores:
        if kind != "region" and store.region_id not in places:
            places[store.region_id] = _peers(session, store, now, period)
        where, ranked = places[None if kind == "region" else store.region_id]
        parts.append(store_report(session, store, period, now, language, few, where, ranked))
    ranking = places[None][1] if kind == "region" else {}
    group = region_group(session, ident) if kind == "region" else None
    total = region_total(session, group, period) if group else None
    weekly = None
    if period.kind == "weekly":  # at the top: what changed against the scope's own norm
        if group:
            found = region_summary(session, group.id, group.name, group.stores, now, few,
                                   period.first)  # fmt: skip
        else:
            found = store_summary(session, stores[0], now, few, period.first)
        weekly = told(session, found, language)
    return Report(scope, name, period, language, parts, ranking, few, total, weekly)


def _peers(session: Session, store: Store, now: datetime, period: ReportPeriod):
    """The name of *store*'s region ("" for the chain) and the ranking of its stores."""
    if store.region_id is None:
        peers, where = stores_of(session, ""), ""
    else:
        region = session.get(Region, store.region_id)
        peers = stores_of(session, f"region:{store.region_id}")
        where = region.name if region else store.region_id
    return where, rankings(session, peers or [store], now, "rank", period)


def store_report(
    session: Session,
    store: Store,
    period: ReportPeriod,
    now: datetime,
    language: Language,
    few: int,
    where: str,
    ranked: dict[str, list[RankRow]],
) -> StoreReport:
    """*store*'s part of a report: its store page over *period*, its place in *ranked*."""
    page = store_page(session, store, now, few, period, Split(), language.code)
    figures = page["figures"]
    key, label = headline(figures.scale)
    rows = ranked.get(kind_of(figures.scale), [])
    mine = next((r for r in rows if r.store.id == store.id), None)
    place = None if mine is None else Place(mine.ranked.rank, len(rows), mine, where)
    return StoreReport(
        store=store,
        scale=figures.scale,
        key=key,
        label=label,
        current=figures.periods[period.label],
        before=figures.periods[period.compared_with],
        change=figures.change,
        changed_on=figures.changed_on,
        heat=page["heat"],
        reasons=_top(page["reasons"]),
        place=place,
        incomplete=page["incomplete"],
        lacking=_lacking(page["devices"], store, period, now),
        **_acted(session, store, period),
        comment_topics=_topics(session, store, period, few, language.code),
    )


def _topics(session: Session, store: Store, period: ReportPeriod, few: int, code: str) -> dict:
    """The counts of what the period's web comments speak of; counts only, never words, so
    whoever gets the report may read them (the comments themselves stay behind a login)."""
    reader = access_of(session, "report", "analyst", "")
    return store_topics(session, reader, store, period.first, period.last, few, code)


ACTED = 8  # weeks: an action's effect is told from 3 weeks after it (hq.insight.business)


def _acted(session: Session, store: Store, period: ReportPeriod) -> dict:
    """The store's actions of the ACTED weeks up to the period's end, by day, and what
    each day's actions changed: what a manager did, and whether it worked."""
    first = (period.last - timedelta(weeks=ACTED)).isoformat()
    done = session.scalars(
        select(StoreAction)
        .where(StoreAction.store_id == store.id,
               StoreAction.day.between(first, period.last.isoformat()))
        .order_by(StoreAction.day, StoreAction.id)
    ).all()  # fmt: skip
    days: dict[str, list[StoreAction]] = {}
    for action in done:
        days.setdefault(action.day, []).append(action)
    return {"actions": list(days.items()), "effects": effects_of(session, store, days, period.last)}


def _top(reasons: list[tuple[str, object]]) -> list[tuple[str, object]]:
    """The TOP_REASONS most given reasons, and the answers with no reason after them."""
    given = [r for r in reasons if r[1].key]
    return given[:TOP_REASONS] + [r for r in reasons if not r[1].key]


def _lacking(devices: list[DeviceHealth], store: Store, period: ReportPeriod, now) -> list[Lack]:
    """The store's kiosks whose completeness marks fall on the period's days."""
    out = []
    for d in devices:
        marked = incomplete_days([d.completeness], store.timezone, now)
        days = [day for day in marked if period.first <= day <= period.last]
        if days:
            c = d.completeness
            out.append(
                Lack(d.device.id, len(days), c.missing, c.not_received, c.pending, c.held,
                     c.held_reason)
            )  # fmt: skip
    return out
