"""The days a scheduled report covers: yesterday, last week (Monday–Sunday) or last
calendar month, in the stores' own local days, compared with the day, the week or the
month before.

A period is due from :data:`SEND_HOUR` on the local day after it ends, in every store of
the report (a region across time zones waits for its westernmost store), so kiosks that
were offline overnight have synced and the report is there when the store opens.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from hq.core.language import N_, Language
from hq.insight.period import Period
from hq.tables.models import Store
from kiosk.timekeeping.localtime import zone

KINDS = ("daily", "weekly", "monthly")
SEND_HOUR = 6  # local hour of the day after the period from which its report goes out
BEFORE = {
    "daily": N_("the day before"),
    "weekly": N_("the week before"),
    "monthly": N_("the month before"),
}
# Whole phrases, so that each language can decline "the day before" after "compared
# with" ("verrattuna edelliseen päivään"), issue 30.
COMPARED = {
    "daily": N_("compared with the day before ({day})"),
    "weekly": N_("compared with the week before ({first} – {last})"),
    "monthly": N_("compared with the month before ({first} – {last})"),
}


@dataclass(frozen=True)
class ReportPeriod(Period):
    """A finished day, week or month: a :class:`~hq.insight.period.Period` (chosen, so
    the store page's functions read exactly these days) whose comparison is the day, the
    week or the calendar month before."""

    kind: str = "weekly"

    @property
    def before(self) -> tuple[date, date]:
        if self.kind == "monthly":
            last = self.first - timedelta(days=1)
            return last.replace(day=1), last
        return super().before

    @property
    def key(self) -> str:
        """What the subscription keeps of the last period sent: its first day, ISO."""
        return self.first.isoformat()

    def title(self, language: Language) -> str:
        """The period in *language*: "week 47: 16.11.2026 – 22.11.2026", "Marraskuu 2026"."""
        from babel.dates import format_date

        if self.kind == "daily":
            return language.day(self.first)
        if self.kind == "monthly":
            return format_date(self.first, "LLLL yyyy", locale=language.code).capitalize()
        return language.translate(
            "week {week}: {first} – {last}",
            week=self.first.isocalendar().week,
            first=language.date(self.first),
            last=language.date(self.last),
        )

    def compared_title(self, language: Language) -> str:
        first, last = self.before
        if first == last:  # a day is one date, not "from X to X" (issue 30)
            return f"{language.gettext(BEFORE[self.kind])} ({language.date(first)})"
        return language.translate(
            "{what} ({first} – {last})",
            what=language.gettext(BEFORE[self.kind]),
            first=language.date(first),
            last=language.date(last),
        )

    def compared_line(self, language: Language) -> str:
        """The comparison as one phrase in *language*: "compared with the day before
        (21.11.2026)", which each language declines as it must."""
        first, last = self.before
        return language.translate(COMPARED[self.kind], day=language.date(first),
                                  first=language.date(first), last=language.date(last))  # fmt: skip


def report_period(kind: str, first: date) -> ReportPeriod:
    """The day, the week or the month of *kind* that starts on *first*."""
    if kind == "daily":
        last = first
    elif kind == "weekly":
        last = first + timedelta(days=6)
    elif kind == "monthly":
        last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    else:
        raise ValueError(f"period {kind!r} is not one of {', '.join(KINDS)}")
    return ReportPeriod(first, last, "previous", True, kind)


def finished(kind: str, today: date) -> ReportPeriod:
    """The newest period of *kind* that ended before the local day *today*."""
    if kind == "daily":
        return report_period(kind, today - timedelta(days=1))
    if kind == "weekly":
        return report_period(kind, today - timedelta(days=today.weekday() + 7))
    if kind == "monthly":
        return report_period(kind, (today.replace(day=1) - timedelta(days=1)).replace(day=1))
    raise ValueError(f"period {kind!r} is not one of {', '.join(KINDS)}")


def following(period: ReportPeriod) -> ReportPeriod:
    """The period of the same kind right after *period*."""
    return report_period(period.kind, period.last + timedelta(days=1))


def report_day(stores: list[Store], now: datetime) -> date:
    """The local day whose finished periods are due at *now* in every one of *stores*:
    the earliest of their local days at *now* less :data:`SEND_HOUR` hours (UTC's for
    none)."""
    shifted = now - timedelta(hours=SEND_HOUR)
    if not stores:
        return shifted.date()
    return min(shifted.astimezone(zone(s.timezone)).date() for s in stores)
