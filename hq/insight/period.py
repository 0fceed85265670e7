"""The days a store page shows: the last 30 by default, or any range the analyst picks
(at most 366 days), compared with the period just before it or the same days a year
before. Days are the store's own local days.

``label`` and ``compared_with`` are English and name the page's figures; ``title`` and
``compared_title`` say the same in the page's language, with its dates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from hq.core.errors import PeriodError
from hq.core.language import N_, Language

DEFAULT_DAYS = 30
MAX_DAYS = 366
COMPARISONS = {
    "previous": N_("the period before"),
    "year": N_("the same days a year before"),
}


@dataclass(frozen=True)
class Period:
    """The local days *first* … *last* (both included), and what they are compared with."""

    first: date
    last: date
    compare: str = "previous"
    chosen: bool = False  # picked by the analyst, not the default last 30 days

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(days=i) for i in range(self.length)]

    @property
    def length(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def before(self) -> tuple[date, date]:
        """The days compared with: as many just before, or the same ones a year before."""
        if self.compare == "year":
            return _year_before(self.first), _year_before(self.last)
        return self.first - timedelta(days=self.length), self.first - timedelta(days=1)

    @property
    def label(self) -> str:
        if not self.chosen:
            return f"last {self.length} days"
        return f"{self.first.isoformat()} – {self.last.isoformat()}"

    @property
    def compared_with(self) -> str:
        first, last = self.before
        return f"{COMPARISONS[self.compare]} ({first.isoformat()} – {last.isoformat()})"

    def title(self, language: Language) -> str:
        """The days in *language*: "last 30 days", or the first and the last day."""
        if not self.chosen:
            return language.translate("last {n} days", n=self.length)
        return f"{language.date(self.first)} – {language.date(self.last)}"

    def compared_title(self, language: Language) -> str:
        """What the days are compared with, in *language*, with its first and last day."""
        first, last = self.before
        if first == last:  # one day is one date, not "from X to X" (issue 30)
            return f"{language.gettext(COMPARISONS[self.compare])} ({language.date(first)})"
        return language.translate(
            "{what} ({first} – {last})",
            what=language.gettext(COMPARISONS[self.compare]),
            first=language.date(first),
            last=language.date(last),
        )


def _year_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def choose(today: date, first: date | None, last: date | None, compare: str) -> Period:
    """The period of a page's ``from``, ``to`` and ``compare``; a :class:`PeriodError`
    (a ValueError) that says what is wrong with them."""
    if compare not in COMPARISONS:
        raise PeriodError(
            N_("compare={compare}: use one of {choices}"),
            compare=repr(compare),
            choices=", ".join(COMPARISONS),
        )
    if first is None and last is None:
        return Period(today - timedelta(days=DEFAULT_DAYS - 1), today, compare, chosen=False)
    last = last or min(today, first + timedelta(days=DEFAULT_DAYS - 1))
    first = first or last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        raise PeriodError(
            N_("from {first} is after to {last}"), first=first.isoformat(), last=last.isoformat()
        )
    period = Period(first, last, compare, chosen=True)
    if period.length > MAX_DAYS:
        raise PeriodError(
            N_("from {first} to {last} is {days} days; choose at most {most}"),
            first=first.isoformat(),
            last=last.isoformat(),
            days=period.length,
            most=MAX_DAYS,
        )
    return period
