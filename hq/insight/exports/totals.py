"""Per store, local day and scale: the ratings, how many count, their metrics (SPEC §3),
and whether HQ has every rating of that store-day.

Fed the export's rows store by store (:meth:`Totals.add`), it keeps one store's days at a
time, so its memory is that of the longest store's days, not of the rows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from hq.insight.exports.rows import Export, ExportRow, StoreInfo
from kiosk.counting import metrics


@dataclass(frozen=True)
class DayTotal:
    """One store-day on one scale (``scale`` empty: a day without ratings that may lack some)."""

    store: StoreInfo
    day: date
    scale: str
    ratings: int
    counted: int
    summary: metrics.Summary | None

    @property
    def not_counted(self) -> int:
        return self.ratings - self.counted

    @property
    def incomplete(self) -> str | None:
        return self.store.incomplete.get(self.day)


class Totals:
    """Adds up the rows of an export; :meth:`add` gives a store's totals once it is done."""

    def __init__(self, export: Export):
        self.export = export
        self.store: StoreInfo | None = None
        self.done: set[str] = set()
        self._all: Counter[tuple[date, str]] = Counter()
        self._scores: dict[tuple[date, str], Counter[int]] = {}

    def add(self, row: ExportRow) -> list[DayTotal]:
        """Count *row*; the previous store's totals when *row* is the first of a new store."""
        finished = []
        if self.store is None or row.store.id != self.store.id:
            finished = self._close()
            self.store = row.store
        key = (row.local_date, row.scale)
        self._all[key] += 1
        scores = self._scores.setdefault(key, Counter())
        if row.counted:
            scores[row.score] += 1
        return finished

    def finish(self) -> list[DayTotal]:
        """The last store's totals, then the incomplete days of stores without a rating."""
        finished = self._close()
        for store in self.export.stores.values():
            if store.id not in self.done:
                self.store = store
                finished += self._close()
        return finished

    def _close(self) -> list[DayTotal]:
        store = self.store
        if store is None:
            return []
        self.done.add(store.id)
        out = [
            DayTotal(store, day, scale, n, sum(counted.values()), metrics.summarize(scale, counted))
            for (day, scale), n in self._all.items()
            for counted in (self._scores[(day, scale)],)
        ]
        rated = {day for day, _ in self._all}
        out += [
            DayTotal(store, day, "", 0, 0, None) for day in self._quiet_incomplete(store, rated)
        ]
        self._all, self._scores, self.store = Counter(), {}, None
        return sorted(out, key=lambda t: (t.day, t.scale))

    def _quiet_incomplete(self, store: StoreInfo, rated: set[date]) -> Iterator[date]:
        """Days in the export's range that have no rating but may lack some."""
        first, last = self.export.first, self.export.last
        for day in store.incomplete:
            if (
                day not in rated
                and (first is None or day >= first)
                and (last is None or day <= last)
            ):
                yield day
