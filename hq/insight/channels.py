"""A store's figures split by channel (kiosk | web) and by touchpoint with its journey
stage (issue 32), and the ranking of the stores on one channel's answers.

A touchpoint is a row of ``devices`` (``kind`` ``kiosk`` or ``web``, its ``stage``), and
the kept hour counts (:class:`hq.tables.models.HourCount`) carry each rating's device, so
a store's split is its per-device summaries (:func:`hq.insight.counts.device_summaries`,
which the kiosk ranking reads already) added up by the devices' kind: one more small read
of the store's devices, none at all for a store without a web link. The kept day counts
(``rating_days``, which the all-stores page and the ranking read) do not carry the
device, so the ranking of one channel reads the web links' rows of the hour counts
(:func:`channel_span_counts`; the kiosks' are the day counts less those): dearer, and
done only when a channel is asked for. Every figure comes with its n, and none is shown from fewer
than the privacy guard's minimum (:func:`hq.insight.splits.guarded`).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from hq.core.language import N_
from hq.insight.counts import Key, device_summaries, span_counts
from hq.insight.splits import guarded
from hq.tables.models import Device, HourCount, Store
from kiosk.counting import metrics

KIOSK, WEB = "kiosk", "web"  # devices.kind (hq.fleet.touchpoints, above this room)
CHANNELS = (KIOSK, WEB)
CHANNEL_NAMES = {KIOSK: N_("At the kiosks"), WEB: N_("On the web")}


@dataclass(frozen=True)
class SplitRow:
    """One line of the split: a channel or a touchpoint, its counted ratings and figures
    (:meth:`kiosk.counting.metrics.Summary.as_dict`, guarded)."""

    key: str  # the channel, or the touchpoint's device id
    name: str  # the channel's label (to translate), or the touchpoint's name ('' none)
    kind: str  # kiosk or web
    stage: str  # the touchpoint's journey stage key ('' unset; '' for a channel)
    n: int
    figures: dict


@dataclass(frozen=True)
class ChannelSplit:
    """A store's figures by channel and by touchpoint over some days."""

    channels: list[SplitRow] = field(default_factory=list)
    touchpoints: list[SplitRow] = field(default_factory=list)
    few: int = 5

    @property
    def has_web(self) -> bool:
        """Whether the store has a web link, or web answers in these days: else the
        split would only repeat the kiosks."""
        return any(r.kind == WEB for r in self.touchpoints)


def channel_split(
    session: Session, store: Store, first: date, last: date, scale: str, few: int, *where
) -> ChannelSplit:
    """*store*'s counted ratings on *scale* in its local days *first* … *last* (and
    *where*, conditions on :class:`HourCount`) by channel and by touchpoint: each
    touchpoint that answered then or still works, kiosks first, each by name."""
    web = select(Device.id).where(Device.store_id == store.id, Device.kind == WEB).limit(1)
    if session.scalar(web) is None:
        return ChannelSplit(few=few)  # kiosks only: the split would repeat the kiosks
    summaries = device_summaries(session, store, first, last, scale, *where)
    devices = session.execute(
        select(Device.id, Device.kind, Device.stage, Device.name, Device.retired_at).where(
            (Device.store_id == store.id) | Device.id.in_(sorted(summaries))
        )
    ).all()
    empty = metrics.summarize(scale, {})
    rows, by_kind = [], defaultdict(list)
    for d in devices:
        if d.id not in summaries and d.retired_at:
            continue  # a retired touchpoint without answers in these days
        summary = summaries.get(d.id, empty)
        kind = d.kind if d.kind in CHANNELS else KIOSK
        by_kind[kind].append(summary)
        rows.append(_row(d.id, d.name or "", kind, d.stage or "", summary, few))
    rows.sort(key=lambda r: (CHANNELS.index(r.kind), (r.name or r.key).casefold(), r.key))
    channels = [
        _row(kind, CHANNEL_NAMES[kind], kind, "", metrics.merge(empty, *by_kind[kind]), few)
        for kind in CHANNELS
        if by_kind[kind]
    ]
    return ChannelSplit(channels, rows, few)


def _row(key: str, name: str, kind: str, stage: str, summary: metrics.Summary, few: int):
    return SplitRow(key, name, kind, stage, summary.count, guarded(summary.as_dict(), few))


def channel_span_counts(
    session: Session, store_ids: list[str], spans: list[tuple[date, date]], channel: str
) -> dict[str, list[Counter[Key]]]:
    """Per store of *store_ids*, the counted ratings of its touchpoints of *channel* in
    each of the *spans* of local days (not overlapping), as
    :func:`hq.insight.counts.span_counts` has them (scale, score, ``None``): what the
    ranking of one channel ranks. The day counts do not carry the device, so the web's
    are read from the hour counts (its links' rows only) and the kiosks' are the day
    counts less the web's."""
    web = _web_span_counts(session, store_ids, spans)
    if channel == WEB:
        return web
    out = span_counts(session, store_ids, spans)
    for store_id, counted in web.items():
        for every, online in zip(out[store_id], counted, strict=True):
            every.subtract(online)
    return out


def _web_span_counts(
    session: Session, store_ids: list[str], spans: list[tuple[date, date]]
) -> dict[str, list[Counter[Key]]]:
    t = HourCount
    bucket = case(
        *[(t.day.between(a.isoformat(), b.isoformat()), i) for i, (a, b) in enumerate(spans)],
        else_=-1,
    ).label("span")
    links = select(Device.id).where(Device.kind == WEB, Device.store_id.in_(store_ids))
    query = (
        select(t.store_id, bucket, t.scale, t.score, func.sum(t.n))
        .where(t.store_id.in_(store_ids), t.flag == "", t.device_id.in_(links.scalar_subquery()))
        .where(t.day.between(min(a for a, _ in spans).isoformat(),
                             max(b for _, b in spans).isoformat()))
        .group_by(t.store_id, bucket, t.scale, t.score)
    )  # fmt: skip
    out: dict[str, list[Counter[Key]]] = {s: [Counter() for _ in spans] for s in store_ids}
    for store_id, span, scale, score, n in session.execute(query):
        if span >= 0:
            out[store_id][span][(scale, score, None)] += int(n)
    return out
