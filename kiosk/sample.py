"""A sample store with some weeks of plausible presses, for ``make demo`` and trying the CLI.

    python -m kiosk.sample --out .demo [--days 14] [--seed 7]

Writes ``OUT/kiosk.toml`` and ``OUT/ratings.db`` (replacing earlier ones). The presses go
through the real :meth:`Store.record` and flag rule on a manual clock, inside one bulk
transaction so that generating them does not wait for the disk each time.
"""

from __future__ import annotations

import argparse
import random
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from kiosk.counting.scales import is_negative
from kiosk.settings.load import load_settings
from kiosk.store.store import Store
from kiosk.timekeeping.clock import ManualClock

SETTINGS = """\
# Sample settings written by `python -m kiosk.sample`; see kiosk/settings/kiosk.example.toml
# for every setting with its explanation.
[device]
id = "demo-kiosk"
store_id = "demo-store"
timezone = "Europe/Helsinki"

[storage]
path = "ratings.db"

[hours]
mon = "08:00-21:00"
tue = "08:00-21:00"
wed = "08:00-21:00"
thu = "08:00-21:00"
fri = "08:00-22:00"
sat = "09:00-22:00"
sun = "10:00-18:00"
"""
# Shoppers per hour of the day (busy around lunch and after work), and how they feel.
TRAFFIC = {8: 4, 9: 7, 10: 9, 11: 14, 12: 20, 13: 15, 14: 10, 15: 12, 16: 18, 17: 24,
           18: 20, 19: 12, 20: 7, 21: 4}  # fmt: skip
MOOD = {1: 0.06, 2: 0.12, 3: 0.42, 4: 0.40}


def generate(out: Path, days: int = 14, seed: int = 7, now: datetime | None = None) -> Path:
    """Write the sample settings and database under *out*; returns the settings path."""
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("ratings.db*"):
        old.unlink()
    config = out / "kiosk.toml"
    config.write_text(SETTINGS)
    fill(load_settings(config), days, seed, now)
    return config


def fill(
    settings,
    days: int = 14,
    seed: int = 7,
    now: datetime | None = None,
    mood: dict[int, float] | None = None,
) -> int:
    """Record *days* of simulated shoppers (up to *now*) into the store *settings* name,
    through the real store and flag rule; returns how many presses were recorded.
    *mood* weighs the faces 1–4 (default :data:`MOOD`), so sample stores can differ."""
    rng = random.Random(seed)
    now = now or datetime.now(UTC)
    presses = _presses(settings, rng, days, now, mood or MOOD)
    # None yet (before opening time on the only day asked for): an empty store.
    clock = ManualClock(presses[0][0] if presses else now, synchronized=True)
    start_ns = clock.mono
    with Store.from_settings(settings, clock=clock) as store, store.bulk():
        scale = store.context.scale
        for when, score, source in presses:
            clock.wall = when
            clock.mono = start_ns + int((when - presses[0][0]).total_seconds() * 1e9)
            asks = settings.survey.asks_followup(score) and source == "touch"
            rating = store.record(score, source, followup_seconds=8 if asks else None)
            if rating.followup_until_ns and is_negative(scale, score) and rng.random() < 0.7:
                store.set_reason(rating.id, rng.choice(settings.survey.followup.reasons))
    return len(presses)


def _presses(settings, rng: random.Random, days: int, now: datetime, mood: dict[int, float]):
    tz = settings.device.tz
    today = now.astimezone(tz).date()
    presses = []
    for back in range(days - 1, -1, -1):
        day = today - timedelta(days=back)
        for hour, shoppers in TRAFFIC.items():
            for _ in range(rng.randint(shoppers // 2, shoppers + shoppers // 2)):
                local = datetime.combine(day, time(hour), tz) + timedelta(
                    seconds=rng.uniform(0, 3600)
                )
                when = local.astimezone(UTC)
                # Shoppers come while the store is open; now and then a cleaner after hours.
                closed = not settings.hours.is_open(local)
                if when > now or (closed and rng.random() > 0.02):
                    continue
                score = rng.choices(list(mood), weights=list(mood.values()))[0]
                source = "button" if rng.random() < 0.6 else "touch"
                presses.append((when, score, source))
                if rng.random() < 0.05:  # a child mashes the button
                    presses += [(when + timedelta(seconds=0.8 * i), score, "button")
                                for i in range(1, rng.randint(2, 6))]  # fmt: skip
    presses.sort()
    return presses


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(".demo"))
    parser.add_argument("--days", type=int, default=14)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    config = generate(args.out, args.days, args.seed)
    print(f"sample store written: {config}")


if __name__ == "__main__":
    main()
