"""What each kind of rule finds, now, in the stores of its scope: a :class:`Finding` per
store (or kiosk) for which the rule is true. An alert is open exactly while its finding is.

The kinds and their parameters (defaults in :data:`KINDS`):

- ``unhappy_share``: the share of unhappy answers (:func:`kiosk.counting.scales.is_negative`) in the
  last ``window_hours`` local hours is above the store's own norm for those hours of the
  week (the same weekday and hours of the ``weeks`` weeks before, from the kept counts),
  by at least ``margin`` (points of share), on at least ``min_n`` answers, and so unlikely
  under the norm that a binomial test gives p < ``alpha``. A quiet store does not cry wolf.
- ``index_below``: the satisfaction index of the last ``days`` local days is below
  ``value``, on at least ``min_n`` answers;
- ``kiosk_silent``: a kiosk not heard from for over an hour while its store is open;
- ``ratings_held``: a kiosk holds ratings HQ refused, or HQ misses some it numbered (A1);
- ``stuck_button``, ``low_disk`` (``mb`` free), ``high_temperature`` (``celsius``),
  ``clock_unsynced``: from the kiosk's last heartbeat.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hq.core.errors import N_, HQError
from hq.ingest.completeness import completeness_of
from hq.insight.chain_health import silent_devices
from hq.tables.models import DayCount, Device, HourCount, Store
from kiosk.counting.metrics import summarize
from kiosk.counting.scales import get_scale, is_negative
from kiosk.timekeeping.localtime import zone


@dataclass(frozen=True)
class Finding:
    """A rule true for a store (``device_id`` "") or kiosk: what to say, and its figure.
    ``detail["says"]`` is the title to translate: ``{"text": N_ template, "values": …}``
    (:mod:`hq.alerts.texts`); ``title`` is it in English."""

    store_id: str
    device_id: str
    title: str
    value: float | None = None
    detail: dict = field(default_factory=dict)


def says(text: str, **values: object) -> dict:
    """A title to translate: the English *text* with ``{name}`` fields, and *values*."""
    return {"text": text, "values": values}


def found(store_id: str, device_id: str, said: dict, value=None, **detail) -> Finding:
    """A :class:`Finding` whose title is *said* (:func:`says`), in English."""
    english = said["text"].format(**{k: _plain(v) for k, v in said["values"].items()})
    return Finding(store_id, device_id, english, value, {**detail, "says": said})


def _plain(value: object) -> str:
    return f"{value:.1f}" if isinstance(value, float) else str(value)


Finder = Callable[[Session, list[Store], datetime, dict], list[Finding]]


def _hours_back(local: datetime, count: int) -> list[tuple[date, int]]:
    """The local (day, hour) of the current hour and the *count* − 1 before it."""
    start = local.replace(minute=0, second=0, microsecond=0)
    return [((start - timedelta(hours=i)).date(), (start - timedelta(hours=i)).hour)
            for i in range(count)]  # fmt: skip


def _by_zone(stores: list[Store]) -> dict[str, list[Store]]:
    """The stores by time zone: their local days and hours are the same."""
    out: dict[str, list[Store]] = {}
    for store in stores:
        out.setdefault(store.timezone, []).append(store)
    return out


def _unhappy_counts(
    session: Session, stores: list[Store], slots: list[tuple[date, int]]
) -> dict[tuple[str, str, int], list[int]]:
    """(store, day, hour) → [unhappy, all] counted answers, for the local (day, hour)
    *slots* of *stores* (of one time zone), in one query."""
    t = HourCount
    query = (
        select(t.store_id, t.day, t.hour, t.scale, t.score, func.sum(t.n))
        .where(t.flag == "", t.day.in_(sorted({d.isoformat() for d, _ in slots})),
               t.hour.in_(sorted({h for _, h in slots})))
        .group_by(t.store_id, t.day, t.hour, t.scale, t.score)
    )  # fmt: skip
    query = query.where(t.store_id.in_(sorted(s.id for s in stores)))
    wanted = {(d.isoformat(), h) for d, h in slots}
    out: dict[tuple[str, str, int], list[int]] = {}
    for store_id, day, hour, scale, score, n in session.execute(query):
        if (day, hour) in wanted:
            n = int(n)  # PostgreSQL's sum is a numeric
            cell = out.setdefault((store_id, day, hour), [0, 0])
            cell[1] += n
            cell[0] += n if is_negative(get_scale(scale), score) else 0
    return out


def _sum(counts: dict, store_id: str, slots: list[tuple[date, int]]) -> tuple[int, int]:
    k = n = 0
    for d, h in slots:
        u, a = counts.get((store_id, d.isoformat(), h), (0, 0))
        k, n = k + u, n + a
    return k, n


def binomial_tail(k: int, n: int, p: float) -> float:
    """P(X ≥ k) for X ~ Binomial(n, p), summed in log space (exact for any n here)."""
    if k <= 0:
        return 1.0
    if p <= 0:
        return 0.0
    if p >= 1:
        return 1.0
    lp, lq = math.log(p), math.log1p(-p)
    terms = [
        math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1) + i * lp + (n - i) * lq
        for i in range(k, n + 1)
    ]
    top = max(terms)
    return min(1.0, math.exp(top) * sum(math.exp(t - top) for t in terms))


def unhappy_share(session: Session, stores: list[Store], now: datetime, p: dict) -> list[Finding]:
    out = []
    for tz, group in _by_zone(stores).items():
        slots = _hours_back(now.astimezone(zone(tz)), int(p["window_hours"]))
        norm = [(d - timedelta(weeks=w), h) for w in range(1, int(p["weeks"]) + 1)
                for d, h in slots]  # fmt: skip
        counts = _unhappy_counts(session, group, slots + norm)
        for store in group:
            k, n = _sum(counts, store.id, slots)
            if n < p["min_n"]:
                continue
            k0, n0 = _sum(counts, store.id, norm)
            base = (k0 + 1) / (n0 + 2)  # the norm, pulled towards ½ while it rests on little
            share, chance = k / n, binomial_tail(k, n, base)
            if share - base >= p["margin"] and chance < p["alpha"]:
                hours = f"{min(h for _, h in slots):02d}–{max(h for _, h in slots) + 1:02d}"
                said = says(
                    N_("{store}: {share} % unhappy at {hours} (norm {norm} %, {k} of {n})"),
                    store=store.name,
                    share=round(100 * share),
                    hours=hours,
                    norm=round(100 * base),
                    k=k,
                    n=n,
                )
                out.append(found(
                    store.id, "", said, round(100 * share, 1), unhappy=k, answers=n,
                    share=share, norm=base, norm_answers=n0, p=chance, hours=hours,
                ))  # fmt: skip
    return out


def index_below(session: Session, stores: list[Store], now: datetime, p: dict) -> list[Finding]:
    out = []
    columns = [getattr(DayCount, f"s{i}") for i in range(11)]
    for tz, group in _by_zone(stores).items():
        last = now.astimezone(zone(tz)).date()
        days = [(last - timedelta(days=i)).isoformat() for i in range(int(p["days"]))]
        names = {s.id: s.name for s in group}
        query = (
            select(DayCount.store_id, DayCount.scale, *(func.sum(c) for c in columns))
            .where(DayCount.store_id.in_(sorted(names)), DayCount.day.in_(days))
            .group_by(DayCount.store_id, DayCount.scale)
        )
        for store_id, scale, *counts in session.execute(query):
            if get_scale(scale).kind != "smiley":
                continue
            summary = summarize(scale, {i: int(n or 0) for i, n in enumerate(counts) if n})
            index = summary.index
            if summary.count >= p["min_n"] and index is not None and index < p["value"]:
                said = says(
                    N_("{store}: index {index} below {value} over {days} days ({n} answers)"),
                    store=names[store_id],
                    index=round(index, 1),
                    value=float(p["value"]),
                    days=len(days),
                    n=summary.count,
                )
                out.append(found(store_id, "", said, round(index, 1), answers=summary.count,
                                 scale=scale, days=len(days)))  # fmt: skip
    return sorted(out, key=lambda f: f.store_id)


def kiosk_silent(session: Session, stores: list[Store], now: datetime, p: dict) -> list[Finding]:
    names = {s.id: s.name for s in stores}
    silent, _ = silent_devices(session, now, frozenset(names))
    said = N_("{store}: kiosk {device} silent")
    return [
        found(s.store_id, s.device_id, says(said, store=names[s.store_id], device=s.device_id))
        for s in silent
    ]


def _devices(session: Session, stores: list[Store]) -> list[tuple[Device, Store]]:
    by_id = {s.id: s for s in stores}
    query = select(Device).where(Device.store_id.in_(sorted(by_id)), Device.kind == "kiosk")
    query = query.order_by(Device.id)
    return [(d, by_id[d.store_id]) for d in session.scalars(query)]


def ratings_held(session: Session, stores: list[Store], now: datetime, p: dict) -> list[Finding]:
    pairs = _devices(session, stores)
    known = completeness_of(session, [d.id for d, _ in pairs])
    out = []
    for device, store in pairs:
        c = known[device.id]
        if c.held or c.missing:
            said = says(
                N_("{store}: kiosk {device} holds {held}, HQ misses {missing}"),
                store=store.name,
                device=device.id,
                held=c.held,
                missing=c.missing,
            )
            out.append(found(store.id, device.id, said, float(c.held + c.missing),
                             held=c.held, missing=c.missing))  # fmt: skip
    return out


def _status_rule(test: Callable[[dict, dict], dict | None]) -> Finder:
    """A kind read from each kiosk's last heartbeat: *test* says what is wrong
    (:func:`says`, with ``{store}`` and ``{device}`` filled here), or None."""

    def find(session: Session, stores: list[Store], now: datetime, p: dict) -> list[Finding]:
        out = []
        for device, store in _devices(session, stores):
            said = test(device.last_status or {}, p)
            if said:
                said["values"] |= {"store": store.name, "device": device.id}
                out.append(found(store.id, device.id, said))
        return out

    return find


def _stuck(status: dict, p: dict) -> dict | None:
    stuck = status.get("stuck_buttons") or []
    text = N_("{store}: kiosk {device} button(s) stuck: {buttons}")
    return says(text, buttons=", ".join(map(str, stuck))) if stuck else None


def _disk(status: dict, p: dict) -> dict | None:
    free = status.get("disk_free")
    if free is not None and free < p["mb"] * 1_000_000:
        text = N_("{store}: kiosk {device} has {free} MB of disk free (below {mb} MB)")
        return says(text, free=free // 1_000_000, mb=round(p["mb"]))
    return None


def _hot(status: dict, p: dict) -> dict | None:
    t = status.get("cpu_temperature")
    if t is not None and t > p["celsius"]:
        text = N_("{store}: kiosk {device} is at {t} °C (above {celsius} °C)")
        return says(text, t=round(t), celsius=round(p["celsius"]))
    return None


def _clock(status: dict, p: dict) -> dict | None:
    if status.get("clock_synced") is False:
        return says(N_("{store}: kiosk {device} clock not synchronised"))
    return None


@dataclass(frozen=True)
class Kind:
    find: Finder
    defaults: dict


KINDS: dict[str, Kind] = {
    "unhappy_share": Kind(unhappy_share, {"window_hours": 2, "weeks": 8, "min_n": 20,
                                          "margin": 0.15, "alpha": 0.01}),
    "index_below": Kind(index_below, {"value": 60.0, "days": 7, "min_n": 30}),
    "kiosk_silent": Kind(kiosk_silent, {}),
    "ratings_held": Kind(ratings_held, {}),
    "stuck_button": Kind(_status_rule(_stuck), {}),
    "low_disk": Kind(_status_rule(_disk), {"mb": 200.0}),
    "high_temperature": Kind(_status_rule(_hot), {"celsius": 75.0}),
    "clock_unsynced": Kind(_status_rule(_clock), {}),
}  # fmt: skip


# What each kind and parameter is called on pages and in messages (translated there).
LABELS = {
    "unhappy_share": N_("More unhappy answers than the store's norm"),
    "index_below": N_("Satisfaction index below a value"),
    "kiosk_silent": N_("A kiosk is silent while its store is open"),
    "ratings_held": N_("A kiosk holds ratings HQ does not have"),
    "stuck_button": N_("A stuck button"),
    "low_disk": N_("A kiosk's disk is nearly full"),
    "high_temperature": N_("A kiosk runs hot"),
    "clock_unsynced": N_("A kiosk's clock is not synchronised"),
}
PARAM_LABELS = {
    "window_hours": N_("Hours looked at"),
    "weeks": N_("Weeks of norm"),
    "min_n": N_("At least this many answers"),
    "margin": N_("Margin above the norm (share, 0–1)"),
    "alpha": N_("Significance (p below)"),
    "value": N_("Index below"),
    "days": N_("Days looked at"),
    "mb": N_("MB free below"),
    "celsius": N_("°C above"),
}


def check_params(kind: str, given: dict) -> dict:
    """The parameters of a rule of *kind*: the defaults, overridden by *given* (numbers);
    an :class:`HQError` naming an unknown kind, an unknown parameter or a bad value."""
    if kind not in KINDS:
        raise HQError(f"alert kind {kind!r} is not one of {', '.join(KINDS)}")
    defaults = KINDS[kind].defaults
    unknown = sorted(set(given) - set(defaults))
    if unknown:
        allowed = ", ".join(defaults) or "none"
        raise HQError(f"{kind} has no parameter {unknown[0]!r} (it has: {allowed})")
    out = dict(defaults)
    for name, value in given.items():
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise HQError(f"{kind} {name}: {value!r} is not a number") from None
        if not math.isfinite(number) or number < 0 or (name == "alpha" and number >= 1):
            raise HQError(f"{kind} {name}: {value!r} is out of range")
        out[name] = number
    for whole in ("window_hours", "weeks", "days", "min_n"):
        if whole in out and (out[whole] < 1 or out[whole] > 1000):
            raise HQError(f"{kind} {whole}: {out[whole]:g} must be 1–1000")
    return out
