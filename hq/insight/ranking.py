"""Ranking stores fairly: small samples are pulled toward the chain's mean.

A store with 2 happy ratings has a CSAT of 100 %, and it would lead a plain sort. Each
rating is a value (CSAT: 1 for the happy half of the faces, else 0; NPS: +1 for a
promoter, −1 for a detractor, else 0; CES: its score 1–7), and a store's *estimate* is

    estimate = (sum of its values + PRIOR × chain mean) / (n + PRIOR)

the mean of its own n ratings and PRIOR = 30 ratings at the chain's mean (the pooled
mean of every store on the same kind of scale, the same period): the empirical-Bayes
estimate of a normal mean with the chain as prior. It is shown with a 95 % interval,
estimate ± 1.96 × σ / √(n + PRIOR), σ the pooled standard deviation of the values, and
scaled like the metric (× 100 for CSAT and NPS). A store with few ratings stays near the
chain's mean with a wide interval; with many, the estimate is its own figure. The change
is this period's estimate less the previous period's (of the same length, right before).
A store needs MIN_RANKED ratings in the period for a place: with fewer it is listed after
the ranked ones, its estimate shown but no rank, so a store with 2 ratings never leads
(even where the chain's mean is above the big stores' own figures). Only stores on one
kind of scale are ranked together: CSAT, NPS and CES never share a column. Pure
functions over :class:`kiosk.counting.metrics.Summary`; the documentation's "Ranking" page
quotes this.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from kiosk.counting.metrics import DETRACTORS, PROMOTERS, Summary
from kiosk.counting.scales import get_scale

PRIOR = 30  # ratings' worth of weight the chain mean gets
MIN_RANKED = 20  # ratings in the period a store needs for a place
Z = 1.96  # a 95 % interval
SCALED = {"csat": 100.0, "nps": 100.0, "ces": 1.0}


@dataclass(frozen=True)
class Ranked:
    """One store's place in its ranking."""

    key: str
    rank: int | None  # None: too few ratings for a place (fewer than MIN_RANKED)
    n: int
    estimate: float | None  # None: no ratings in the chain at all
    low: float | None
    high: float | None
    change: float | None  # against the previous period's estimate; None without one


def kind_of(scale: str) -> str:
    """``csat``, ``nps`` or ``ces``: what a scale's stores are ranked by."""
    kind = get_scale(scale).kind
    return "csat" if kind == "smiley" else kind


def value(scale: str, score: int) -> float:
    """What one rating of *score* adds to its store's mean (see the module's text)."""
    sc = get_scale(scale)
    if sc.kind == "smiley":
        return 1.0 if score > sc.high - sc.size // 2 else 0.0
    if sc.kind == "nps":
        return 1.0 if score in PROMOTERS else -1.0 if score in DETRACTORS else 0.0
    return float(score)


@dataclass(frozen=True)
class _Moments:
    n: int
    total: float
    squares: float


def _moments(summary: Summary) -> _Moments:
    n = total = squares = 0.0
    for score, count in summary.counts.items():
        v = value(summary.scale, score)
        n += count
        total += v * count
        squares += v * v * count
    return _Moments(int(n), total, squares)


def _estimates(summaries: Mapping[str, Summary]) -> dict[str, tuple[int, float, float, float]]:
    """key → (n, estimate, low, high), unscaled; {} when the chain has no ratings."""
    moments = {key: _moments(s) for key, s in summaries.items()}
    n = sum(m.n for m in moments.values())
    if not n:
        return {}
    mean = sum(m.total for m in moments.values()) / n
    variance = max(sum(m.squares for m in moments.values()) / n - mean * mean, 0.0)
    out = {}
    for key, m in moments.items():
        estimate = (m.total + PRIOR * mean) / (m.n + PRIOR)
        half = Z * math.sqrt(variance / (m.n + PRIOR))
        out[key] = (m.n, estimate, estimate - half, estimate + half)
    return out


def rank(
    current: Mapping[str, Summary], previous: Mapping[str, Summary] | None = None
) -> list[Ranked]:
    """The stores of *current* (all on one kind of scale): those with MIN_RANKED ratings
    or more by estimate, best first (ties: more ratings, then the key), then the others by
    their number of ratings. *previous* gives each store's change."""
    kinds = {kind_of(s.scale) for s in current.values()}
    if len(kinds) > 1:
        raise ValueError(f"stores on different kinds of scale cannot share a ranking: {kinds}")
    scale = SCALED[kinds.pop()] if kinds else 1.0
    now = _estimates(current)
    before = _estimates({k: s for k, s in (previous or {}).items() if s.count})

    def order(key: str) -> tuple:
        n = current[key].count
        if n < MIN_RANKED:
            return (1, -n, key)
        return (0, -now[key][1], -n, key)

    out, place = [], 0
    for key in sorted(current, key=order):
        if not now:
            out.append(Ranked(key, None, 0, None, None, None, None))
            continue
        n, estimate, low, high = now[key]
        place += n >= MIN_RANKED
        # no ratings: the estimate is only the chain's mean, no change of the store's (B2)
        change = (estimate - before[key][1]) * scale if key in before and n else None
        rank = place if n >= MIN_RANKED else None
        out.append(Ranked(key, rank, n, estimate * scale, low * scale, high * scale, change))
    return out
