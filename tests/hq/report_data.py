"""Ratings spread over the hours of whole weeks, posted through the real API, for the
scheduled-report tests; and the dashboard's own figures for the same days to compare with."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from hq.people.admin import add_device, add_store, add_user
from hq.people.roles import add_region, set_store_region
from hq.tables.models import DeviceReceived
from kiosk.rating import LEGACY_DATABASE
from kiosk.timekeeping.localtime import to_utc_text, zone

# Monday 23 November 2026, 07:00 in Helsinki: last week (16–22 Nov) is due (from 06:00).
MONDAY = datetime(2026, 11, 23, 5, 0, tzinfo=UTC)
LAST_WEEK = date(2026, 11, 16)
REASONS = ["queue", "staff", "prices"]


def spread(
    hq,
    device: str,
    store: str,
    first: date,
    days: int,
    per_day: int,
    seed: int,
    token: str | None = None,
    happy: float = 0.7,
) -> int:
    """Post *per_day* ratings a day of *device* in *store* over *days* local days from
    *first*, at hours 8–20 local time, three in ten unhappy ones with a reason; HQ's clock
    is moved past them first. Returns how many were posted."""
    rng = random.Random(seed)
    hq.clock.now = max(hq.clock.now, MONDAY)
    tz = zone("Europe/Helsinki")
    ratings = []
    for d in range(days):
        day = first + timedelta(days=d)
        for _ in range(per_day):
            local = datetime(
                day.year, day.month, day.day, rng.randint(8, 20), rng.randint(0, 59), tzinfo=tz
            )
            score = rng.choice([3, 4]) if rng.random() < happy else rng.choice([1, 2])
            reason = rng.choice([*REASONS, None]) if score <= 2 else None
            ratings.append(
                hq.rating(
                    device_id=device,
                    store_id=store,
                    score=score,
                    reason=reason,
                    recorded_at=to_utc_text(local.astimezone(UTC)),
                )
            )
    last = _last_seq(hq, device)
    for i, r in enumerate(ratings, start=1):  # each device numbers its own 1, 2, 3 … on
        r["seq"] = last + i
    for i in range(0, len(ratings), 1000):
        answer = hq.post(ratings[i : i + 1000], token)
        assert answer.status_code == 200, answer.text
    return len(ratings)


def _last_seq(hq, device: str) -> int:
    with hq.sessions() as s:
        found = s.get(DeviceReceived, (device, LEGACY_DATABASE))
        return found.last_seq if found else 0


def three_stores(hq) -> dict[str, str]:
    """Region ``south`` (Etelä) of s1, s2 and a new s3 with device k3; their tokens."""
    with hq.sessions() as s:
        add_region(s, "south", "Etelä", None, hq.clock.now)
        add_store(s, "s3", "Espoo", "Europe/Helsinki", hq.clock.now)
        k3 = add_device(s, "s3", "k3", hq.clock.now)
        for store in ("s1", "s2", "s3"):
            set_store_region(s, store, "south")
    return {"k1": hq.token, "k2": hq.extra_devices["k2"], "k3": k3}


def four_regions(hq, password: str) -> None:
    """:func:`three_stores` in region south, region north (n1 North One) and region west
    (only w1); managers south (region:south), one (store:s1) and westone (store:w1)."""
    three_stores(hq)
    now = hq.clock.now
    with hq.sessions() as s:
        add_region(s, "north", "Pohjoinen", None, now)
        add_region(s, "west", "Länsi", None, now)
        add_store(s, "n1", "North One", "Europe/Helsinki", now)
        add_store(s, "w1", "West One", "Europe/Helsinki", now)
        add_device(s, "n1", "kn1", now)
        set_store_region(s, "n1", "north")
        set_store_region(s, "w1", "west")
        for name, scope in (("south", "region:south"), ("one", "store:s1"),
                            ("westone", "store:w1")):  # fmt: skip
            add_user(s, name, password, now, role="manager", scope=scope,
                     email=f"{name}@hymio.test")  # fmt: skip
