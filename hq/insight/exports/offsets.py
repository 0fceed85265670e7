"""The stretches of time over which a zone keeps one UTC offset, for the PostgreSQL export.

Within one stretch a rating's wall-clock time is its UTC time plus a fixed offset, which
PostgreSQL adds as an ``interval`` far faster than it converts each instant in a zone and
formats it with ``to_char`` (:mod:`hq.insight.exports.pg_csv`). The zone is sampled every
:data:`STEP` and each change of offset is found to the second by bisection (offsets
change on whole seconds); tzdata has no zone that changes twice within six hours.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from kiosk.timekeeping.localtime import to_utc_text

STEP = timedelta(hours=6)
# The last hour whose next hour a datetime can hold: a rating stamped 9999-12-31 (a kiosk
# clock gone wild, stored and marked suspect) is sampled up to here, not past the calendar.
LAST_HOUR = datetime.max.replace(minute=0, second=0, microsecond=0, tzinfo=UTC) - STEP


def offset_spans(
    timezone: str, first: datetime, last: datetime
) -> list[tuple[str | None, str | None, timedelta]]:
    """The spans ``(from, to, offset)`` that cover the instants *first* … *last* (UTC):
    ``from`` and ``to`` in the stored text form, ``None`` at the two open ends (the span
    reaches as far as the ratings do); each span's offset holds from its ``from`` on."""
    changes = _changes(timezone, _hour(first), min(_hour(last), LAST_HOUR) + timedelta(hours=1))
    zone = ZoneInfo(timezone)
    spans: list[tuple[str | None, str | None, timedelta]] = []
    start: str | None = None
    offset = _offset(zone, first)
    for at, after in changes:
        if at <= first:
            offset = after
            continue
        if at > last:
            break
        text = to_utc_text(at)
        spans.append((start, text, offset))
        start, offset = text, after
    spans.append((start, None, offset))
    return spans


def _hour(at: datetime) -> datetime:
    return at.replace(minute=0, second=0, microsecond=0)


@lru_cache(maxsize=256)
def _changes(
    timezone: str, first: datetime, last: datetime
) -> tuple[tuple[datetime, timedelta], ...]:
    """Each instant in [*first*, *last*] at which *timezone*'s offset changes, with the
    offset from then on."""
    zone = ZoneInfo(timezone)
    found = []
    at, offset = first, _offset(zone, first)
    while at < last:
        step = min(at + STEP, last)
        then = _offset(zone, step)
        if then != offset:
            low, high = at, step  # offset(low) is the old one, offset(high) the new
            while (high - low) > timedelta(seconds=1):
                middle = low + (high - low) / 2
                middle = middle.replace(microsecond=0)
                if middle <= low:
                    break
                if _offset(zone, middle) == offset:
                    low = middle
                else:
                    high = middle
            found.append((high, _offset(zone, high)))
            offset = _offset(zone, high)
            at = high
            continue
        at = step
    return tuple(found)


def _offset(zone: ZoneInfo, at: datetime) -> timedelta:
    return at.astimezone(zone).utcoffset() or timedelta(0)


def utc(text: str) -> datetime:
    """A stored time (``2026-11-22T15:16:24.123456+00:00``) as an aware datetime."""
    return datetime.fromisoformat(text).astimezone(UTC)
