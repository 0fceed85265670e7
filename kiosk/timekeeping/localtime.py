"""Store-local days and hours, correct across daylight-saving changes (SPEC §3).

Ratings are stored in UTC (:func:`to_utc_text`); every day and hour shown to people is the
store's local one. :func:`day_bounds` and :func:`hour_bounds` turn a local day into UTC
instants, so the kiosk can bucket in SQL with ``recorded_at >= start AND recorded_at < end``
and get exactly what :func:`local_date` and :func:`local_hour` say of each rating.

Pure Python and the standard library only: HQ imports this module too.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "day_bounds",
    "hour_bounds",
    "last_days",
    "local_date",
    "local_hour",
    "parse_utc_text",
    "to_utc",
    "to_utc_text",
    "zone",
]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_SECOND = timedelta(seconds=1)
_HOUR = 3600
# No zone has ever been more than 26 hours from UTC (LMT offsets included), so local midnight
# of a day lies within this many seconds of that date's midnight read as UTC.
_MAX_OFFSET = 30 * _HOUR


def zone(tz: tzinfo | str) -> tzinfo:
    """*tz* itself, or the IANA zone called *tz* (a ``ValueError`` naming it if unknown)."""
    if isinstance(tz, tzinfo):
        return tz
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ValueError(
            f"unknown time zone {tz!r}; use an IANA name such as 'Europe/Helsinki'"
        ) from None


def to_utc(value: datetime | str) -> datetime:
    """*value* as an aware UTC datetime; text is read with :func:`parse_utc_text`.

    A naive datetime is a ``ValueError``: its zone would be a guess.
    """
    if isinstance(value, str):
        return parse_utc_text(value)
    if not isinstance(value, datetime):
        raise TypeError(f"expected a datetime or ISO 8601 text, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"naive datetime {value.isoformat()} has no time zone; pass an aware one")
    return value.astimezone(UTC)


def to_utc_text(dt: datetime) -> str:
    """The one stored timestamp format, e.g. ``2026-11-22T15:16:24.123456+00:00``.

    Always UTC, always microseconds, always ``+00:00``, so comparing the texts compares the
    times (for years 1000–9999). A naive datetime is a ``ValueError``.
    """
    global _minute_text
    if type(dt) is not datetime or dt.tzinfo is not UTC:
        dt = to_utc(dt)
    # Every press writes one: the text up to the minute is kept from the last call, as
    # isoformat() wrote it, and only the seconds are formatted (half the time).
    key = dt.minute, dt.hour, dt.day, dt.month, dt.year
    last = _minute_text
    if last[0] != key:
        last = _minute_text = key, dt.replace(second=0, microsecond=0).isoformat()[:17]
    return f"{last[1]}{dt.second:02d}.{dt.microsecond:06d}+00:00"


_minute_text: tuple[tuple[int, ...] | None, str] = (None, "")


def parse_utc_text(text: str) -> datetime:
    """An aware UTC datetime from ISO 8601 text with an offset (``Z`` allowed).

    Text without an offset, or not ISO 8601 at all, is a ``ValueError``.
    """
    if not isinstance(text, str):
        raise TypeError(f"expected ISO 8601 text, got {type(text).__name__}")
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"{text!r} is not an ISO 8601 time; write it like 2026-11-22T15:16:24+00:00"
        ) from None
    if dt.tzinfo is None:
        raise ValueError(f"{text!r} has no UTC offset; add one, e.g. {text}+00:00")
    return dt.astimezone(UTC)


def local_date(instant: datetime | str, tz: tzinfo | str) -> date:
    """The calendar date in *tz* at *instant* (aware datetime or ISO 8601 text)."""
    return to_utc(instant).astimezone(zone(tz)).date()


def local_hour(instant: datetime | str, tz: tzinfo | str) -> int:
    """The hour on the wall clock in *tz* at *instant*, 0–23."""
    return to_utc(instant).astimezone(zone(tz)).hour


def day_bounds(day: date, tz: tzinfo | str) -> tuple[datetime, datetime]:
    """The UTC instants ``[start, end)`` of the local calendar *day* in *tz*.

    The day is 23 or 25 hours long on a daylight-saving change, and may start later than
    00:00 where the change happens at midnight. A day a zone skipped entirely (Pacific/Apia,
    2011-12-30) has ``start == end``. Consecutive days tile time with no gap or overlap.
    """
    tz = zone(tz)
    start = _day_start(day, tz)
    end = _day_start(day + timedelta(days=1), tz)
    return _from_ts(start), _from_ts(max(start, end))


def hour_bounds(day: date, tz: tzinfo | str) -> list[tuple[int, datetime, datetime]]:
    """Each local hour of *day* as ``(hour 0–23, utc_start, utc_end)``, in time order.

    The entries tile :func:`day_bounds` exactly. A spring-forward day has one hour fewer
    (no hour 3 in Europe/Helsinki on 2026-03-29); on a fall-back day the repeated hour
    appears twice (hour 3 on 2026-10-25). An entry is also split where the UTC offset
    changes mid-hour (Australia/Lord_Howe, Pacific/Chatham), so an hour can appear twice
    there too, or last less than 60 minutes.
    """
    tz = zone(tz)
    start = _day_start(day, tz)
    end = _day_start(day + timedelta(days=1), tz)
    hours: list[tuple[int, datetime, datetime]] = []
    t = start
    while t < end:
        offset = _offset(t, tz)
        # Next wall-clock :00:00 under the current offset, unless the day ends first.
        nxt = min(t + _HOUR - (t + offset) % _HOUR, end)
        if _offset(nxt - 1, tz) != offset:
            # The offset changes inside (t, nxt): end this entry at the change.
            nxt = _first_second(t, nxt - 1, lambda s, was=offset: _offset(s, tz) != was)
        hours.append((_wall(t, tz).hour, _from_ts(t), _from_ts(nxt)))
        t = nxt
    return hours


def last_days(today: date, n: int) -> list[date]:
    """The *n* days ending with *today*, oldest first (``[]`` for ``n == 0``)."""
    if n < 0:
        raise ValueError(f"the number of days must be 0 or more, not {n}")
    return [today - timedelta(days=i) for i in range(n - 1, -1, -1)]


# Internals work in whole UTC seconds: every zone transition and every local midnight or
# hour start falls on one, so the bounds are exact.


def _ts(dt: datetime) -> int:
    return (dt - _EPOCH) // _SECOND


def _from_ts(ts: int) -> datetime:
    return _EPOCH + timedelta(seconds=ts)


def _wall(ts: int, tz: tzinfo) -> datetime:
    return _from_ts(ts).astimezone(tz)


def _offset(ts: int, tz: tzinfo) -> int:
    offset = _wall(ts, tz).utcoffset()
    assert offset is not None
    return offset // _SECOND


def _first_second(lo: int, hi: int, pred) -> int:
    """The first second in ``(lo, hi]`` where *pred* holds, given not at *lo*, at *hi*."""
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if pred(mid):
            hi = mid
        else:
            lo = mid
    return hi


def _day_start(day: date, tz: tzinfo) -> int:
    """The first UTC second whose local date in *tz* is *day* or later."""
    midnight = datetime.combine(day, time())
    # Usual case: local midnight exists; fold=0 picks the first one if it happens twice.
    ts = _ts(midnight.replace(tzinfo=tz))
    if _wall(ts, tz).replace(tzinfo=None) == midnight and _wall(ts - 1, tz).date() < day:
        return ts
    # Midnight was skipped by a change of offset: search for the first second of the day.
    guess = _ts(midnight.replace(tzinfo=UTC))
    return _first_second(
        guess - _MAX_OFFSET, guess + _MAX_OFFSET, lambda s: _wall(s, tz).date() >= day
    )
