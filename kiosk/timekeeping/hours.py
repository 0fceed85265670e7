"""Opening hours of one weekday: ``"08:00-21:00"``, a list of such ranges, or ``"closed"``.

A day is kept as ``((start_minute, end_minute), ...)``, sorted, end after start, no overlap;
``24:00`` is allowed as an end. Times are the store's wall clock.
"""

from __future__ import annotations

import itertools
import re
from datetime import datetime
from typing import Any

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Ranges = tuple[tuple[int, int], ...]

_RANGE = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")
_HOW = 'write opening hours like "08:00-21:00", ["08:00-12:00", "13:00-18:00"] or "closed"'


def parse_ranges(value: Any) -> Ranges:
    """The ranges of one day's setting; a ``ValueError`` saying how to write it otherwise."""
    if value == "closed":
        return ()
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        raise ValueError(f"{value!r} is not opening hours; {_HOW}")
    ranges = sorted(_parse_range(text) for text in items)
    for (_, end), (start, _) in itertools.pairwise(ranges):
        if start < end:
            raise ValueError(f"the ranges in {value!r} overlap; {_HOW}")
    return tuple(ranges)


def _parse_range(text: str) -> tuple[int, int]:
    m = _RANGE.match(text.strip())
    if not m:
        raise ValueError(f"{text!r} is not a time range; {_HOW}")
    h1, m1, h2, m2 = map(int, m.groups())
    if h1 > 23 or m1 > 59 or h2 > 24 or m2 > 59 or (h2 == 24 and m2):
        raise ValueError(f"{text!r} has a time that does not exist; use 00:00 to 24:00")
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if end <= start:
        raise ValueError(
            f"{text!r} ends before it starts; a range ends on the same day (use 24:00 for midnight)"
        )
    return start, end


def is_within(ranges: Ranges, local: datetime) -> bool:
    """Whether the wall-clock time of *local* falls in one of *ranges* (end excluded)."""
    minute = local.hour * 60 + local.minute
    return any(start <= minute < end for start, end in ranges)
