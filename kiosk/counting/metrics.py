"""The metrics of SPEC §3 — one implementation, used by the kiosk, the CLI and HQ.

Everything starts from counts per score of the *unflagged* ratings of one scale:

* smileys: **CSAT %**, the share of the top half of the faces (top 1 of 3, top 2 of 4,
  top 2 of 5), and the **satisfaction index** 0–100, the mean face mapped linearly so that
  the worst face is 0 and the best 100;
* ``nps``: promoters 9–10, passives 7–8, detractors 0–6, **NPS** = %promoters − %detractors;
* ``ces``: the mean score.

Figures are never rounded here; :meth:`Summary.as_dict` rounds for people and JSON.
Days and hours are the store's local ones (:mod:`kiosk.timekeeping.localtime`). Pure
Python, no database: HQ imports this module too.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, tzinfo
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from kiosk.counting.scales import Scale, get_scale
from kiosk.timekeeping.localtime import local_date, local_hour, zone

__all__ = [
    "Summary",
    "by_local_day",
    "by_local_hour",
    "merge",
    "summarize",
    "summarize_ratings",
    "summarize_scores",
]

PROMOTERS = range(9, 11)
PASSIVES = range(7, 9)
DETRACTORS = range(0, 7)


@dataclass(frozen=True)
class Summary:
    """The counts and metrics of the unflagged ratings of one scale.

    ``counts`` has every score of the scale, lowest first, zeros included. A metric that
    does not apply to the scale, or has no ratings to stand on, is ``None``. ``promoters``,
    ``passives`` and ``detractors`` are head counts: ints (0 when empty) on the ``nps``
    scale, ``None`` on the others.
    """

    scale: str
    count: int
    counts: dict[int, int]
    csat: float | None = None
    index: float | None = None
    nps: float | None = None
    promoters: int | None = None
    passives: int | None = None
    detractors: int | None = None
    ces: float | None = None

    def as_dict(self, digits: int | None = 1) -> dict[str, Any]:
        """A JSON-ready dict: string keys for ``counts``, metrics rounded half-up to *digits*
        decimals (``None`` keeps them exact). Every key is always present."""
        return {
            "scale": self.scale,
            "count": self.count,
            "counts": {str(score): n for score, n in self.counts.items()},
            "csat": _round(self.csat, digits),
            "index": _round(self.index, digits),
            "nps": _round(self.nps, digits),
            "promoters": self.promoters,
            "passives": self.passives,
            "detractors": self.detractors,
            "ces": _round(self.ces, digits),
        }

    def value(self, metric: str, digits: int | None = 1) -> float | None:
        """One metric (``csat``, ``index``, ``nps`` or ``ces``) as :meth:`as_dict` gives
        it, without making the rest: a page of a thousand stores wants one of each."""
        if metric not in ("csat", "index", "nps", "ces"):
            raise ValueError(f"{metric!r} is not a metric: csat, index, nps or ces")
        return _round(getattr(self, metric), digits)


def summarize(scale: str | Scale, counts: Mapping[int, int]) -> Summary:
    """The :class:`Summary` of *counts* (score → how many unflagged ratings) on *scale*.

    Missing scores count as 0. A score outside the scale, or a count that is not a whole
    number 0 or more, is a ``ValueError`` naming it.
    """
    sc = _scale(scale)
    full = dict.fromkeys(sc.scores, 0)
    for score, n in counts.items():
        if isinstance(score, bool) or not isinstance(score, int) or score not in full:
            raise ValueError(f"score {score!r} is not on the {sc.name} scale ({sc.low}–{sc.high})")
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise ValueError(
                f"count {n!r} for score {score} on the {sc.name} scale must be a whole number"
                " 0 or more"
            )
        full[score] += n
    total = sum(full.values())
    if sc.kind == "smiley":
        csat, index = _csat(sc, full, total), _index(sc, full, total)
        return Summary(sc.name, total, full, csat=csat, index=index)
    if sc.kind == "nps":
        promoters = sum(full[s] for s in PROMOTERS)
        detractors = sum(full[s] for s in DETRACTORS)
        nps = 100 * (promoters - detractors) / total if total else None
        passives = sum(full[s] for s in PASSIVES)
        return Summary(sc.name, total, full, nps=nps, promoters=promoters, passives=passives,
                       detractors=detractors)  # fmt: skip
    ces = sum(s * n for s, n in full.items()) / total if total else None
    return Summary(sc.name, total, full, ces=ces)


def summarize_scores(scale: str | Scale, scores: Iterable[int]) -> Summary:
    """The :class:`Summary` of a plain list of scores (all counted)."""
    return summarize(scale, Counter(scores))


def summarize_ratings(scale: str | Scale, ratings: Iterable[Mapping[str, Any]]) -> Summary:
    """The :class:`Summary` of ratings given as mappings with ``score``, ``flag``, ``scale``.

    Flagged ratings (``flag`` not ``None``) and ratings of another scale are left out.
    ``sqlite3.Row`` objects work as well as dicts.
    """
    sc = _scale(scale)
    return summarize(sc, Counter(row["score"] for row in _counted(sc, ratings)))


def by_local_day(
    scale: str | Scale,
    ratings: Iterable[Mapping[str, Any]],
    tz: tzinfo | str,
    days: Iterable[date] | None = None,
) -> dict[date, Summary]:
    """Counted ratings (see :func:`summarize_ratings`) by the store-local date of their
    ``recorded_at`` (aware datetime or ISO 8601 text) in *tz*, days in order.

    Only days with a counted rating appear, unless *days* is given: then exactly those days
    appear, quiet ones with an empty summary, and ratings on other days are left out.
    """
    return _by_local(_scale(scale), ratings, zone(tz), local_date, days)


def by_local_hour(
    scale: str | Scale,
    ratings: Iterable[Mapping[str, Any]],
    tz: tzinfo | str,
    hours: Iterable[int] | None = None,
) -> dict[int, Summary]:
    """Counted ratings by the store-local hour (0–23) of their ``recorded_at`` in *tz*,
    hours in order. Both passes through a repeated fall-back hour go into the same hour.

    Only hours with a counted rating appear, unless *hours* is given (e.g. ``range(24)``):
    then exactly those appear, quiet ones with an empty summary.
    """
    return _by_local(_scale(scale), ratings, zone(tz), local_hour, hours)


def merge(first: Summary, *more: Summary) -> Summary:
    """One :class:`Summary` of the ratings of all those given (all of one scale): for the
    two passes of a fall-back hour, or a 7- or 30-day total."""
    total: Counter[int] = Counter(first.counts)
    for other in more:
        if other.scale != first.scale:
            raise ValueError(
                f"cannot merge a {other.scale} summary into a {first.scale} one;"
                " summaries of different scales do not add up"
            )
        total.update(other.counts)
    return summarize(first.scale, total)


def _scale(scale: str | Scale) -> Scale:
    return scale if isinstance(scale, Scale) else get_scale(scale)


def _counted(sc: Scale, ratings: Iterable[Mapping[str, Any]]) -> Iterable[Mapping[str, Any]]:
    return (row for row in ratings if row["flag"] is None and row["scale"] == sc.name)


def _by_local(sc: Scale, ratings, tz: tzinfo, key_of, keys: Iterable[Any] | None):
    """Counted ratings bucketed by ``key_of(recorded_at, tz)`` (a local date or hour)."""
    buckets: dict[Any, Counter[int]] = {}
    for row in _counted(sc, ratings):
        buckets.setdefault(key_of(row["recorded_at"], tz), Counter())[row["score"]] += 1
    return _summaries(sc, buckets, keys)


def _summaries(sc: Scale, buckets: Mapping[Any, Counter[int]], keys: Iterable[Any] | None):
    if keys is None:
        keys = buckets
    return {key: summarize(sc, buckets.get(key, {})) for key in sorted(set(keys))}


def _csat(sc: Scale, counts: Mapping[int, int], total: int) -> float | None:
    if not total:
        return None
    top = sum(n for s, n in counts.items() if s > sc.high - sc.size // 2)
    return 100 * top / total


def _index(sc: Scale, counts: Mapping[int, int], total: int) -> float | None:
    if not total:
        return None
    steps = sum((s - sc.low) * n for s, n in counts.items())
    return 100 * steps / (total * (sc.high - sc.low))


def _round(value: float | None, digits: int | None) -> float | None:
    if value is None or digits is None:
        return value
    # Half-up on the shortest decimal form, so 4.25 shows as 4.3 the way people expect
    # (round() would give 4.2); never "-0.0".
    exact = Decimal(repr(value)).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    return float(exact) + 0.0
