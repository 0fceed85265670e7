"""What the dashboard pages show, computed from the database with :mod:`hq.insight.counts`."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from hq.core.language import N_
from hq.core.language import language as words
from hq.core.paging import pages_of
from hq.ingest.completeness import Completeness, completeness_of, incomplete_days, lost_days
from hq.insight.counts import (
    Days,
    daily,
    day_counts,
    device_periods,
    heat_and_reasons,
    span_total,
    summarize,
    today,
    total,
)
from hq.insight.exports.labels import ReasonLabels
from hq.insight.hours import all_store_hours
from hq.insight.period import Period
from hq.insight.ranking import Ranked, rank
from hq.insight.splits import (
    Split,
    broken,
    guarded,
    guarded_days,
    guarded_ranked,
    guarded_reasons,
    guarded_series,
    question_changes,
    question_versions,
)
from hq.tables.models import Device, Store
from kiosk.counting import metrics
from kiosk.settings.model import Hours
from kiosk.timekeeping.localtime import parse_utc_text, zone

SILENT = timedelta(hours=1)
OPEN = Hours()  # a store without survey settings is open all day
DAY_PAGE = 31  # days a page of the store page's daily table: a month, where a year is 365
HEADLINE = {"smiley": ("csat", "CSAT %"), "nps": ("nps", "NPS"), "ces": ("ces", "CES")}


def headline(scale: str) -> tuple[str, str]:
    """The metric a store's numbers lead with on its scale, and its label."""
    kind = "smiley" if scale.startswith("smiley") else scale
    return HEADLINE[kind]


@dataclass
class StoreFigures:
    """A store's today, 7- and 30-day summaries and its daily series."""

    store: Store
    scale: str
    periods: dict[str, dict]
    days: list[str]
    counts: list[int]
    series: list[float | None]  # the headline metric on a 0–100 axis (see AXES)
    counted: Days
    change: float | None = None  # a chosen period's headline metric less its comparison's
    changed_on: date | None = None  # the question changed: no change (issue 30, B8)

    @property
    def axis(self) -> tuple[str, str]:
        """What the bottom and the top of the series' 0–100 axis stand for."""
        return AXES[headline(self.scale)[0]]


def store_figures(
    session: Session,
    store: Store,
    now: datetime,
    n_days: int = 30,
    period: Period | None = None,
    *where,
) -> StoreFigures:
    """Figures of *store* for the *n_days* local days ending today (today, 7 and *n_days*
    days), or for a chosen *period* and what it is compared with, from the kept counts;
    *where*: conditions on the hour counts that split the page (:mod:`.splits`)."""
    if period is None or not period.chosen:
        last = today(store, now)
        days = [last - timedelta(days=i) for i in range(n_days - 1, -1, -1)]
        figures = figures_of(store, day_counts(session, store, days, *where))
        if period is not None and period.length == n_days:
            # the page's form offers a comparison: its last card shows it (issue 30)
            _compared(session, figures, period, where)
        return figures
    counted = day_counts(session, store, period.days, *where)
    scale = counted.scales[0]
    summaries = [counted.summary(i, scale) for i in range(len(period.days))]
    key = headline(scale)[0]
    now_ = summarize(total(counted.counts), scale)
    before = _merged(session, store, period.before, scale, where)
    periods = {period.label: now_.as_dict(), period.compared_with: before.as_dict()}
    a, b = now_.value(key, None), before.value(key, None)
    change = None if a is None or b is None else round(a - b, 1)
    span = (min(period.first, period.before[0]), max(period.last, period.before[1]))
    changed_on = question_changes(session, [store.id], *span, *where).get(store.id)
    if changed_on is not None:  # the question changed: not a change of opinion (B8)
        change = None
    figures = _figures(store, scale, periods, summaries, counted, change)
    figures.changed_on = changed_on
    return figures


def _compared(session: Session, figures: StoreFigures, period: Period, where) -> None:
    """Set *figures*' change: its headline metric over *period*'s days less that of what
    they are compared with; none where the question changed in between."""
    key, store = headline(figures.scale)[0], figures.store
    now_ = summarize(total(figures.counted.counts), figures.scale)
    before = _merged(session, store, period.before, figures.scale, where)
    a, b = now_.value(key, None), before.value(key, None)
    span = (min(period.first, period.before[0]), max(period.last, period.before[1]))
    figures.changed_on = question_changes(session, [store.id], *span, *where).get(store.id)
    if a is not None and b is not None and figures.changed_on is None:
        figures.change = round(a - b, 1)


def figures_of(store: Store, counted: Days) -> StoreFigures:
    """The figures of *store*'s counted last days: today, 7 days and all of them."""
    scale = counted.scales[0]
    summaries = [counted.summary(i, scale) for i in range(len(counted.days))]
    periods = {
        "today": summaries[-1].as_dict(),
        "7 days": metrics.merge(*summaries[-7:]).as_dict(),
        f"{len(counted.days)} days": metrics.merge(*summaries).as_dict(),
    }
    return _figures(store, scale, periods, summaries, counted, None)


def _figures(store, scale, periods, summaries, counted, change) -> StoreFigures:
    key = headline(scale)[0]
    return StoreFigures(
        store,
        scale,
        periods,
        [d.isoformat() for d in counted.days],
        [s.count for s in summaries],
        [_on_axis(key, s) for s in summaries],
        counted,
        change,
    )


def _merged(session: Session, store: Store, span: tuple[date, date], scale: str, where=()):
    """One summary of *store*'s days *span* on *scale*: summed in the database from the
    day counts, or (a split, *where*) from the hour counts of each day."""
    if not where:
        return summarize(span_total(session, store.id, *span), scale)
    days = [span[0] + timedelta(days=i) for i in range((span[1] - span[0]).days + 1)]
    return summarize(total(day_counts(session, store, days, *where).counts), scale)


AXES = {"csat": ("0", "100"), "nps": ("−100", "100"), "ces": ("1", "7")}


def _on_axis(key: str, summary: metrics.Summary) -> float | None:
    """The headline metric drawn on the trend's 0–100 axis: CSAT as it is, NPS −100…100
    and CES 1–7 stretched onto it (an NPS of −40 sits at 30)."""
    value = summary.value(key, None)
    if value is None:
        return None
    if key == "nps":
        return (value + 100) / 2
    if key == "ces":
        return (value - 1) / 6 * 100
    return value


def store_page(
    session: Session,
    store: Store,
    now: datetime,
    few: int = 5,
    period: Period | None = None,
    split: Split = Split(),  # noqa: B008 -- frozen, never changed
    language: str = "en",
    day_page: int = 1,
    labels: ReasonLabels | None = None,
) -> dict:
    """The store page over *period* (default the last 30 days), of one kiosk or question
    version if *split* says so: figures, daily table, heat map, reasons (labelled in
    *language*), kiosks, question versions, devices. An hour of the heat map with fewer
    than *few* ratings shows no figure. The daily table holds page *day_page* of the days,
    :data:`DAY_PAGE` a page, the latest first; every count of the page (the days that may
    lack ratings, the ones not counted) is of all the days. *labels*: the reasons' labels
    in *language*, if the caller has them already."""
    where = split.where
    figures = store_figures(session, store, now, 30, period, *where)
    days = figures.counted.days
    span = (days[0], days[-1], figures.scale, *where)
    asked, per_day = question_versions(session, store, days, figures.scale, *where)
    guard(figures, few, bool(split.kiosk or split.when))
    figures.series, breaks = broken(figures.series, per_day)
    devices = fleet(session, now, store.id)
    incomplete = incomplete_days([d.completeness for d in devices], store.timezone, now)
    lost_on = lost_days([d.completeness for d in devices], store.timezone, now)
    lost = list(dict.fromkeys(x for d in days for x in lost_on.get(d, [])))
    flags = [figures.counted.by_flag(i) for i in range(len(days))]
    newest = len(days) - (day_page - 1) * DAY_PAGE  # the page's days: [oldest, newest)
    shown = range(max(0, newest - DAY_PAGE), max(0, newest))
    table = list(reversed(guarded_days(daily(figures.counted, shown), few)))
    for day, i in zip(table, reversed(shown), strict=True):
        day["incomplete"] = incomplete.get(days[i])
        day["not_counted"] = _why_not(flags[i])
    heat, shares = heat_and_reasons(session, store, *span[:3], days[len(days) // 2], *where)
    return {
        "figures": figures,
        "table": table,
        "heat": heat,
        "few": few,
        "kiosks": []
        if split.kiosk
        else guarded_ranked(_kiosks(session, store, figures, period, where), few),
        "asked": asked,
        "breaks": breaks,
        "split": split,
        "not_counted": _why_not(total(flags)),
        "reasons": guarded_reasons(_labelled(session, store, shares, language, labels), few),
        "devices": devices,
        "incomplete": len([d for d in days if incomplete.get(d)]),
        "day_page": day_page,
        "day_pages": pages_of(len(days), DAY_PAGE),
        "lost": lost,  # written off on these days: (device, how many, why) (issue 30)
    }


def guard(figures: StoreFigures, few: int, split: bool = False) -> StoreFigures:
    """The privacy guard (:func:`hq.insight.splits.guarded`) on a page's cards and trend:
    a day (the trend's points, today's card) and, on a page split by kiosk, hours or
    weekdays, every card show no figure of fewer than *few* ratings."""
    figures.series = guarded_series(figures.series, figures.counts, few)
    cards = figures.periods
    figures.periods = {
        name: guarded(s, few) if split or name == "today" else s for name, s in cards.items()
    }
    # the change is of the page's period, not of today: only a hidden period hides it
    if any(figures.periods[name] != s for name, s in cards.items() if name != "today"):
        figures.change = None
    return figures


def _labelled(
    session: Session, store: Store, shares: list, language: str = "en", labels=None
) -> list[tuple[str, object]]:
    """Each reason's share with the label the store's kiosks show in *language* (from
    *labels*, else read); the answers with no reason (key ``""``) as "no reason given"."""
    labels = labels if labels is not None else ReasonLabels(session, language, [store.id])
    none = words(language).gettext(NO_REASON)
    return [(labels(store.id, "", s.key) or s.key if s.key else none, s) for s in shares]


def _kiosks(
    session: Session, store: Store, figures: StoreFigures, period: Period | None, where=()
) -> list[Ranked]:
    """The store's kiosks ranked like the stores (hq.insight.ranking, the store as the "chain"),
    over the page's days, with the change against the period compared with (the days
    just before by default); [] for one kiosk."""
    days = figures.counted.days
    ours = period is not None and period.length == len(days)  # what the page compares with
    if ours:
        before = period.before
    else:
        before = (days[0] - timedelta(days=len(days)), days[0] - timedelta(days=1))
    spans = [(days[0], days[-1]), before]
    current, previous = device_periods(session, store, spans, figures.scale, *where)
    if len(current) < 2:
        return []
    ranked = rank(current, previous)
    if ours:  # the page's own question check (store_figures) covered the same days
        changed = figures.changed_on is not None
    else:
        changed = bool(question_changes(session, [store.id], before[0], days[-1], *where))
    if changed:  # the question changed: no kiosk's change is one of opinion (issue 30, B8)
        return [replace(k, change=None) for k in ranked]
    return ranked


NO_REASON = N_("no reason given")

# English; the page translates them (N_ marks them for the catalogues).
NOT_COUNTED = {
    "repeat": N_("repeats (the same face again within the repeat window)"),
    "lockout": N_("presses during a thank-you screen"),
    "stuck": N_("a button held down or stuck"),
    "closed": N_("outside opening hours"),
    "time_suspect": N_("an implausible time (a kiosk clock far off)"),
    "burst": N_("web answers in a burst from one address"),
}


def _why_not(flags: Counter[str]) -> list[tuple[str, str, int]]:
    """Not-counted ratings as (flag, what it means, how many), the known flags first."""
    known = [(f, NOT_COUNTED[f], flags[f]) for f in NOT_COUNTED if flags.get(f)]
    other = [(f, f, n) for f, n in sorted(flags.items()) if f not in NOT_COUNTED and n]
    return known + other


@dataclass
class DeviceHealth:
    """One row of the fleet page."""

    device: Device
    store: Store
    silent: bool
    pending: int | None
    completeness: Completeness
    clock: str
    version: str
    error: str


def is_silent(now: datetime, local: datetime, hours: Hours, last_seen_at: str | None) -> bool:
    """Whether a device last heard from at *last_seen_at* (HQ's UTC text, or none) is
    silent: its store is open (*hours*, at its *local* time) and it has not spoken for
    over :data:`SILENT`."""
    if not hours.is_open(local):
        return False
    return last_seen_at is None or now - parse_utc_text(last_seen_at) > SILENT


def fleet(
    session: Session,
    now: datetime,
    store_id: str | None = None,
    only: frozenset[str] | None = None,
    ids: list[str] | None = None,
) -> list[DeviceHealth]:
    """Every device (of one store, of the stores *only*, or the devices *ids* in that
    order, if given) with what makes it healthy or not."""
    query = select(Device, Store).join(Store).order_by(Store.name, Device.id)
    query = query.where(Device.kind == "kiosk")  # web links have no health (issue 32)
    if store_id:
        query = query.where(Device.store_id == store_id)
    if only is not None:
        query = query.where(Device.store_id.in_(sorted(only)))
    if ids is not None:
        query = query.where(Device.id.in_(sorted(ids)))
    found = session.execute(query).all()
    if ids is not None:
        place = {device_id: i for i, device_id in enumerate(ids)}
        found.sort(key=lambda row: place[row[0].id])
    hours = all_store_hours(session, sorted({store.id for _, store in found}))
    known = completeness_of(session, [device.id for device, _ in found])
    out = []
    for device, store in found:
        status = device.last_status or {}
        local = now.astimezone(zone(store.timezone))
        silent = is_silent(now, local, hours.get(store.id, OPEN), device.last_seen_at)
        silent = silent and device.retired_at is None
        synced = status.get("clock_synced")
        out.append(
            DeviceHealth(
                device=device,
                store=store,
                silent=silent,
                pending=status.get("pending"),
                completeness=known[device.id],
                clock={True: "synchronised", False: "not synchronised"}.get(synced, "unknown"),
                version=device.version or "–",
                error=status.get("last_error") or "",
            )
        )
    return out
