"""A scope's counted ratings cut into slices, and each slice's week against its norm.

The slices: the whole scope; each weekday; each band of hours (:data:`HOUR_BANDS`); each
weekday's band ("Monday evenings"); each kiosk (a store) or store (a region), and each
of those in each band; each band of busyness (transactions per staff member,
:mod:`hq.insight.business.busyness`) where the hours have business figures. Each measures
the share of unhappy answers (the negative half of the scale). Each follow-up reason is a
slice too, measuring the share of the unhappy answers that gave it.

:func:`examine` takes plain counts (:class:`Cell`), so a simulated store with planted
changes runs through the very code the pages use (tests/hq/insight/weekly).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from hq.insight.weekly.noise import ALPHA, holm, standard_error, two_proportions, week_variation
from kiosk.counting.metrics import summarize
from kiosk.counting.scales import get_scale, is_negative

NORM_WEEKS = 8  # the store's own norm: the eight weeks before the week
MIN_NORM_WEEKS = 3  # fewer weeks with ratings: too early to have a norm
MIN_N = 20  # ratings of a slice in the week (unhappy answers for a reason) to be examined
MIN_NORM_N = 40  # and in the norm
MOST = 3  # changes told
EXPLAINS = 2 / 3  # a wider slice with this share of a narrower one's change is told instead
# Bands of the local hours of the day: (name, first hour, hour after the last).
HOUR_BANDS = (("morning", 0, 11), ("midday", 11, 14), ("afternoon", 14, 17), ("evening", 17, 24))
ORDER = ("store", "kiosk", "weekday", "hours", "busyness", "reason")

Where = tuple[tuple[str, object], ...]  # ((dimension, value), ...) in ORDER; () is all


class Cell(NamedTuple):  # a tuple: a week's summary makes thousands
    """Counted ratings of one score: *week* 0 … NORM_WEEKS − 1 the norm (oldest first),
    NORM_WEEKS the week looked at; *unit* the kiosk (a store) or the store (a region);
    *busy* the band of busyness of the hour, or ``None`` without figures. A cell without
    a unit counts only in the slices by time, one without a day only in the unit's, one
    with neither only in its band of busyness (so the counts can be read pooled over the
    units, by week for each unit, and by band)."""

    week: int
    unit: str | None
    day: date | None
    hour: int
    reason: str
    score: int
    n: int
    busy: int | None = None


@dataclass(frozen=True)
class Change:
    """A slice whose week differs from its norm by more than noise: the share in % (of
    the ratings, or of the unhappy answers for a reason) in the norm and the week, the
    week's n and the norm's, the index if the scale has one, the test's p-values."""

    where: Where
    measure: str  # "unhappy" or "reason"
    before: float
    after: float
    n: int
    norm_n: int
    index_before: float | None
    index_after: float | None
    p: float
    p_adjusted: float
    error: float = 0.0  # the change's standard error, points

    @property
    def points(self) -> float:
        return self.after - self.before

    @property
    def sure(self) -> float:
        """How large the change surely is: its size less 1.96 standard errors (the near
        end of its 95 % interval), so a small slice's lucky swing does not outrank a
        solid change of many ratings."""
        return abs(self.points) - 1.96 * self.error

    @property
    def parts(self) -> dict:
        return dict(self.where)


@dataclass
class Examined:
    """What :func:`examine` found: the changes told (at most :data:`MOST`, largest
    first), how many slices were tested, the week's and the norm's counted ratings,
    the week-to-week variation τ², and whether there was a norm at all."""

    changes: list[Change] = field(default_factory=list)
    tested: int = 0
    ratings: int = 0
    norm_ratings: int = 0
    norm_weeks: int = 0
    tau2: float = 0.0

    @property
    def verdict(self) -> str:
        """``too_early`` (no norm or too few ratings this week), ``changes`` or
        ``no_change``."""
        if self.norm_weeks < MIN_NORM_WEEKS or self.ratings < MIN_N:
            return "too_early"
        return "changes" if self.changes else "no_change"


def band_of_hour(hour: int) -> str:
    return next(name for name, first, end in HOUR_BANDS if first <= hour < end)


BAND_OF = tuple(band_of_hour(h) for h in range(24))


def _wheres(weekday: int | None, band: str, unit_name: str, unit: str | None,
            busy: int | None) -> list[Where]:  # fmt: skip
    out: list[Where] = []
    if weekday is not None:  # a cell of a day: the store's slices by time
        out += [(), (("weekday", weekday),), (("hours", band),),
                (("weekday", weekday), ("hours", band))]  # fmt: skip
    if unit is not None:  # a cell of a kiosk (or store): its slices
        out += [((unit_name, unit),), ((unit_name, unit), ("hours", band))]
    if busy is not None:
        out.append((("busyness", busy),))
    return out


def examine(
    cells: Iterable[Cell],
    scale: str,
    unit: str = "kiosk",
    few: int = 5,
    alpha: float = ALPHA,
    given: Iterable[tuple[int, str, int, int]] | None = None,
) -> Examined:
    """The changes of the week against the norm in *cells* (on *scale*); *unit* names
    what :attr:`Cell.unit` is (``kiosk`` or ``store``); no slice of fewer than *few*
    ratings (the privacy guard) is examined. The reasons come from the cells, or from
    *given* if set: (week, reason, score, n), read apart from the cells because a reason
    multiplies their rows."""
    sc = get_scale(scale)
    weeks = NORM_WEEKS + 1
    scores: dict[Where, list[Counter[int]]] = defaultdict(lambda: [Counter() for _ in range(weeks)])
    reasons: dict[str, list[int]] = defaultdict(lambda: [0] * weeks)
    # First the counts by what the slices need (many rows become few keys), then the slices.
    weekdays: dict[date, int] = {}
    kept: Counter[tuple] = Counter()
    for cell in cells:
        weekday = weekdays.get(cell.day)
        if weekday is None and cell.day is not None:
            weekday = weekdays[cell.day] = cell.day.weekday()
        kept[(cell.week, weekday, BAND_OF[cell.hour], cell.unit, cell.busy, cell.score)] += cell.n
        if cell.reason and given is None and is_negative(sc, cell.score):
            reasons[cell.reason][cell.week] += cell.n
    for week, reason, score, n in given or ():
        if is_negative(sc, score):
            reasons[reason][week] += n
    places: dict[tuple, list[list[Counter[int]]]] = {}  # the slices of a cell's place
    for (week, weekday, band, unit_id, busy, score), n in kept.items():
        slices_of = places.get(at := (weekday, band, unit_id, busy))
        if slices_of is None:
            wheres = _wheres(weekday, band, unit, unit_id, busy)
            slices_of = places[at] = [scores[where] for where in wheres]
        for by_week in slices_of:
            by_week[week][score] += n
    found = Examined()
    whole = scores.get((), [Counter() for _ in range(weeks)])
    found.ratings = sum(whole[NORM_WEEKS].values())
    found.norm_ratings = sum(sum(c.values()) for c in whole[:NORM_WEEKS])
    found.norm_weeks = sum(1 for c in whole[:NORM_WEEKS] if c)
    if found.verdict == "too_early":
        return found
    unhappy_weeks = [sum(n for s, n in c.items() if is_negative(sc, s)) for c in whole]
    floor_n, floor_norm = max(MIN_N, few), max(MIN_NORM_N, few)
    # Each slice as (where, measure, week (n, x), norm weeks [(n, x)], its counts by week
    # or None); the indexes are worked out only for the changes that pass the test.
    negative = {key[5] for key in kept if is_negative(sc, key[5])}  # the scores seen
    slices = []
    for where, by_week in scores.items():
        nx = [(c.total(), sum(n for s, n in c.items() if s in negative)) for c in by_week]
        slices.append((where, "unhappy", nx[NORM_WEEKS], nx[:NORM_WEEKS], by_week))
    for reason, by_week in reasons.items():
        if by_week[NORM_WEEKS] < few:  # a reason given fewer times is not shown (issue 30)
            continue
        nx = list(zip(unhappy_weeks, by_week, strict=True))
        slices.append(((("reason", reason),), "reason", nx[NORM_WEEKS], nx[:NORM_WEEKS], None))
    tested = []
    for s in slices:
        (n1, _), norm = s[2], s[3]
        n0 = sum(n for n, _ in norm)
        if n1 >= floor_n and n0 >= floor_norm and sum(1 for n, _ in norm if n) >= MIN_NORM_WEEKS:
            tested.append(s)
    found.tested = len(tested)
    if not tested:
        return found
    found.tau2 = tau2 = week_variation([s[3] for s in tested])
    p_values, errors = [], []
    for _where, _measure, (n1, x1), norm, _counts in tested:
        n0, x0 = sum(n for n, _ in norm), sum(x for _, x in norm)
        weeks = sum(1 for n, _ in norm if n)
        p_values.append(two_proportions(n1, x1, n0, x0, tau2, weeks))
        errors.append(100 * standard_error(n1, x1, n0, x0, tau2, weeks))
    passed = []
    for s, p, adjusted, se in zip(tested, p_values, holm(p_values), errors, strict=True):
        if adjusted < alpha:
            where, measure, (n1, x1), norm, by_week = s
            n0, x0 = sum(n for n, _ in norm), sum(x for _, x in norm)
            index_after = index_before = None
            if by_week is not None:
                index_after = summarize(sc, by_week[NORM_WEEKS]).index
                index_before = summarize(sc, sum(by_week[:NORM_WEEKS], Counter())).index
            passed.append(Change(where, measure, 100 * x0 / n0, 100 * x1 / n1, n1, n0,
                                 index_before, index_after, p, adjusted, se))  # fmt: skip
    # A slice whose wider slice (it lies inside) changed nearly as much is that slice's
    # change seen through a smaller window: the wider one says it with more ratings.
    passed = [c for c in passed if not any(_explains(wide, c) for wide in passed)]
    passed.sort(key=lambda c: (-c.sure, -c.n, c.p))
    for change in passed:
        if len(found.changes) == MOST:
            break
        if not any(_nested(change, kept) for kept in found.changes):
            found.changes.append(change)
    return found


def _explains(wide: Change, narrow: Change) -> bool:
    """Whether *wide* holds *narrow*, moved the same way and at least
    :data:`EXPLAINS` as far."""
    return (
        wide is not narrow
        and _nested(wide, narrow)
        and set(wide.where) < set(narrow.where)
        and abs(wide.points) >= EXPLAINS * abs(narrow.points)
    )


def _nested(a: Change, b: Change) -> bool:
    """Whether one slice holds the other and both moved the same way (then the larger
    change already says where)."""
    if a.measure != b.measure or (a.points > 0) != (b.points > 0):
        return False
    pa, pb = set(a.where), set(b.where)
    return pa <= pb or pb <= pa
