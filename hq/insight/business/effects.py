"""What an action changed: the store's unhappy share and index in the weeks after an
action against the weeks before, compared with the same change in comparable stores that
recorded no action — a difference in differences, with a 95 % interval and n.

The method (docs: *Business figures*, "What an action changed"):

- **Weeks**: up to :data:`WEEKS` whole weeks before the action's local day and up to
  :data:`WEEKS` after it (the day itself in neither), each a 7-day block counted from the
  action; only weeks that have ended. A week in which the store or its comparison has no
  counted rating is left out.
- **Comparable stores**: the stores of the same region (the chain's top level for a store
  in none) with ratings on the same scale and no action recorded in the whole window; if
  fewer than :data:`MIN_CONTROLS`, every such store of the chain. They are chosen over the
  whole chain, never by who looks, so the estimate is the same for everyone. Their
  ratings are pooled week by week.
- **Estimate**: each week's difference between the store and its comparison (unhappy
  share in points, or index), then the mean difference after minus the mean difference
  before. Common changes (the season, a campaign, the weather) fall out of the weekly
  difference; the interval is Welch's t interval of the two means, so it is as wide as the
  weeks' own ups and downs, not only the binomial noise of the counts (Angrist & Pischke,
  *Mostly Harmless Econometrics*, 2009, ch. 5; Bertrand, Duflo & Mullainathan, "How much
  should we trust differences-in-differences estimates?", QJE 119(1), 2004, on why
  week-to-week dependence must widen the interval).
- **Words**: "too early" with fewer than :data:`MIN_WEEKS` weeks after (or before); "no
  clear change" when the interval covers 0; otherwise the change and its interval.

The arithmetic (:func:`estimate`) takes plain daily counts, so a simulated chain whose true
effects are known runs through the very same code (tests/hq/insight/business/test_effects.py).
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from scipy.stats import t as student_t

from kiosk.counting.metrics import summarize
from kiosk.counting.scales import get_scale, is_negative

WEEKS = 6
MIN_WEEKS = 3
MIN_CONTROLS = 3

Daily = Mapping[str, Mapping[int, int]]  # local day (ISO) → score → counted ratings


@dataclass(frozen=True)
class Change:
    """One metric's difference in differences: ``change`` (after − before, the store's
    minus its comparison's; points) with its 95 % interval, or ``None`` and why not."""

    metric: str  # "unhappy" (share of unhappy answers, %) or "index"
    change: float | None
    low: float | None
    high: float | None
    verdict: str  # "too_early", "no_clear_change", "fell", "rose"


@dataclass(frozen=True)
class Effect:
    """What an action on *day* changed, with the weeks and ratings it stands on."""

    day: str
    weeks_before: int
    weeks_after: int
    ratings: int  # the store's counted ratings in the weeks used
    comparison_ratings: int
    comparison_stores: int
    unhappy: Change
    index: Change


def weeks_around(day: date, last: date) -> tuple[list[tuple[date, date]], list[tuple[date, date]]]:
    """The whole weeks before *day* (latest last) and after it that end by *last*."""
    before = [(day - timedelta(days=7 * (k + 1)), day - timedelta(days=7 * k + 1))
              for k in range(WEEKS)]  # fmt: skip
    after = [(day + timedelta(days=7 * k + 1), day + timedelta(days=7 * (k + 1)))
             for k in range(WEEKS)]  # fmt: skip
    return before, [w for w in after if w[1] <= last]


def estimate(scale: str, day: date, last: date, store: Daily, comparison: Daily,
             comparison_stores: int) -> Effect:  # fmt: skip
    """The :class:`Effect` of an action on *day* (*last*: the last day that has ended),
    from the store's and its pooled comparison's daily counts on *scale*."""
    before, after = weeks_around(day, last)
    sc = get_scale(scale)
    sides = []
    totals = [0, 0]
    for weeks in (before, after):
        rows = []
        for first, end in weeks:
            mine, theirs = _week(store, first, end), _week(comparison, first, end)
            if not sum(mine.values()) or not sum(theirs.values()):
                continue
            totals[0] += sum(mine.values())
            totals[1] += sum(theirs.values())
            rows.append((_share(sc, mine) - _share(sc, theirs),
                         _index(scale, mine) - _index(scale, theirs)))  # fmt: skip
        sides.append(rows)
    early = len(sides[0]) < MIN_WEEKS or len(sides[1]) < MIN_WEEKS
    changes = [
        _change(metric, [r[i] for r in sides[0]], [r[i] for r in sides[1]], early)
        for i, metric in enumerate(("unhappy", "index"))
    ]
    return Effect(day.isoformat(), len(sides[0]), len(sides[1]), totals[0], totals[1],
                  comparison_stores, *changes)  # fmt: skip


def _week(daily: Daily, first: date, end: date) -> Counter[int]:
    counts: Counter[int] = Counter()
    day = first
    while day <= end:
        counts.update(daily.get(day.isoformat(), {}))
        day += timedelta(days=1)
    return counts


def _share(sc, counts: Mapping[int, int]) -> float:
    total = sum(counts.values())
    return 100 * sum(n for s, n in counts.items() if is_negative(sc, s)) / total


def _index(scale: str, counts: Mapping[int, int]) -> float:
    """The scale's headline figure: the index (smileys), NPS or the mean CES."""
    summary = summarize(scale, counts)
    for value in (summary.index, summary.nps, summary.ces):
        if value is not None:
            return value
    raise ValueError("no ratings")  # never: a week without ratings is left out


def _change(metric: str, before: list[float], after: list[float], early: bool) -> Change:
    if early:
        return Change(metric, None, None, None, "too_early")
    change, low, high = welch(before, after)
    verdict = "no_clear_change" if low <= 0 <= high else "fell" if change < 0 else "rose"
    return Change(metric, change, low, high, verdict)


def welch(before: list[float], after: list[float]) -> tuple[float, float, float]:
    """mean(after) − mean(before) and its 95 % Welch t interval."""
    change = statistics.fmean(after) - statistics.fmean(before)
    va, vb = statistics.variance(after) / len(after), statistics.variance(before) / len(before)
    se = math.sqrt(va + vb)
    if se == 0:
        return change, change, change
    df = (va + vb) ** 2 / (va**2 / (len(after) - 1) + vb**2 / (len(before) - 1))
    half = float(student_t.ppf(0.975, df)) * se
    return change, change - half, change + half
