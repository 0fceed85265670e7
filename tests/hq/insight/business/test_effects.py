"""What an action changed, tried on a synthetic chain whose true effects are known: the
store's weekly unhappy share moves with the season, the weather of its own weeks and how
busy each day is, and the action changes it by a known amount (or not at all). The
interval of the difference in differences must cover the true effect in at least 90 % of
200 seeded runs, and say "no clear change" for at least 90 % of the actions that did
nothing. The same arithmetic as HQ's pages (:func:`estimate`), on daily counts."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import numpy as np
from scipy.stats import ttest_ind

from hq.insight.business.effects import MIN_WEEKS, estimate, welch

ACTION = date(2026, 9, 1)
LAST = ACTION + timedelta(days=42)
DAYS = [ACTION + timedelta(days=d) for d in range(-42, 43)]
CONTROLS = 8


def _chain(seed: int, effect: float) -> tuple[dict, dict]:
    """A store and its pooled comparison: daily counts by score on smiley4 (1, 2 unhappy)."""
    rng = np.random.default_rng(seed)
    base = rng.uniform(0.15, 0.35, CONTROLS + 1)
    season = {d: 0.04 * np.sin(i / 9) for i, d in enumerate(DAYS)}
    weekly_shock = rng.normal(0, 0.02, (CONTROLS + 1, 13))  # each store's own weeks
    store: dict[str, Counter] = {}
    pooled: dict[str, Counter] = {}
    for s in range(CONTROLS + 1):
        for i, day in enumerate(DAYS):
            busy = rng.lognormal(0, 0.35)
            n = rng.poisson(35 * busy)
            p = base[s] + season[day] + 0.04 * (busy - 1) + weekly_shock[s, i // 7]
            if s == 0 and day > ACTION:
                p += effect
            unhappy = rng.binomial(n, min(max(p, 0.01), 0.95))
            counts = Counter({1: unhappy // 2, 2: unhappy - unhappy // 2, 3: (n - unhappy) // 2,
                              4: n - unhappy - (n - unhappy) // 2})  # fmt: skip
            (store if s == 0 else pooled).setdefault(day.isoformat(), Counter()).update(counts)
    return store, pooled


def test_the_interval_covers_the_true_effect_and_says_no_clear_change_when_there_is_none():
    covered, nulls, quiet, seen_fell = 0, 0, 0, 0
    for seed in range(200):
        effect = (0.0, -0.06, -0.10, 0.0)[seed % 4]
        store, pooled = _chain(seed, effect)
        found = estimate("smiley4", ACTION, LAST, store, pooled, CONTROLS).unhappy
        covered += found.low <= 100 * effect <= found.high
        if effect == 0:
            nulls += 1
            quiet += found.verdict == "no_clear_change"
        elif effect == -0.10:
            seen_fell += found.verdict == "fell"
    assert covered >= 0.9 * 200, covered
    assert quiet >= 0.9 * nulls, (quiet, nulls)
    assert seen_fell >= 0.6 * 50, seen_fell  # a 10-point drop is mostly seen, so it can fail


def test_too_early_until_three_weeks_have_ended_after_the_action():
    store, pooled = _chain(1, -0.1)
    early = estimate(
        "smiley4", ACTION, ACTION + timedelta(days=7 * MIN_WEEKS - 1), store, pooled, 8
    )
    assert (early.weeks_after, early.unhappy.verdict, early.unhappy.change) == (
        2,
        "too_early",
        None,
    )
    ready = estimate("smiley4", ACTION, ACTION + timedelta(days=7 * MIN_WEEKS), store, pooled, 8)
    assert ready.weeks_after == MIN_WEEKS and ready.unhappy.change is not None
    assert ready.index.change is not None and ready.ratings > 0 and ready.comparison_stores == 8


def test_a_week_without_ratings_on_either_side_is_left_out():
    store, pooled = _chain(2, 0.0)
    for d in range(1, 8):  # the first week after: the store's kiosk was off
        store.pop((ACTION + timedelta(days=d)).isoformat())
    assert estimate("smiley4", ACTION, LAST, store, pooled, 8).weeks_after == 5


def test_welch_matches_scipys_own_test():
    before, after = [0.0, 1.0, 1.0, 2.0], [1.0, 2.0, 3.0, 4.0, 5.0]
    change, low, high = welch(before, after)
    oracle = ttest_ind(after, before, equal_var=False).confidence_interval(0.95)
    assert change == 2.0
    assert (round(low, 9), round(high, 9)) == (round(oracle.low, 9), round(oracle.high, 9))
