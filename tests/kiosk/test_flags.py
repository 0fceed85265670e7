"""The one rule that decides whether a press counts (SPEC §2)."""

from __future__ import annotations

import itertools
from datetime import datetime

from hypothesis import given
from hypothesis import strategies as st

from kiosk.counting.flags import (
    CLOSED,
    LOCKOUT,
    REPEAT,
    STUCK,
    FlagRules,
    Press,
    Recent,
    decide_flag,
    says_thank_you,
)
from tests.conftest import HELSINKI

S = 1_000_000_000
NOON = datetime(2026, 1, 5, 12, 0, tzinfo=HELSINKI)
RULES = FlagRules(repeat_window=6.0, thank_you=3.0, stuck_after=10.0, is_open=lambda t: True)


def press(at_s: float, *, boot="b1", held=0.0, synced=True, local=NOON) -> Press:
    return Press(boot, int(at_s * S), local, synced, held)


def run(times: list[float], rules: FlagRules = RULES) -> list[str | None]:
    """Flags of presses at the given seconds, each remembered as the real store does."""
    recent, flags = Recent(), []
    for t in times:
        p = press(t)
        flag = decide_flag(p, recent, rules)
        recent = recent.after(p, flag)
        flags.append(flag)
    return flags


def test_first_press_counts():
    assert decide_flag(press(0), Recent(), RULES) is None


def test_presses_far_apart_all_count():
    assert run([0, 10, 20, 30.5]) == [None, None, None, None]


def test_press_during_thank_you_is_lockout():
    assert run([0, 1, 2.9]) == [None, LOCKOUT, LOCKOUT]


def test_press_after_thank_you_but_within_repeat_window_is_repeat():
    assert run([0, 3.0, 5.9]) == [None, REPEAT, LOCKOUT]


def test_lockout_presses_do_not_restart_the_thank_you():
    # 0 thanks until 3; 2.5 lockout; 3.5 is past the thank-you of 0 but 1 s after 2.5.
    assert run([0, 2.5, 3.5]) == [None, LOCKOUT, REPEAT]


def test_mashing_a_button_counts_once():
    flags = run([i * 0.7 for i in range(40)])
    assert flags[0] is None
    assert set(flags[1:]) <= {LOCKOUT, REPEAT}


def test_next_shopper_after_the_window_counts_again():
    assert run([0, 1, 2, 9.0]) == [None, LOCKOUT, LOCKOUT, None]


def test_held_button_is_stuck_even_in_lockout():
    recent = Recent().after(press(0), None)
    assert decide_flag(press(1, held=10.0), recent, RULES) == STUCK
    assert decide_flag(press(1, held=9.99), recent, RULES) == LOCKOUT


def test_closed_hours_are_trusted_only_with_a_synchronised_clock():
    rules = FlagRules(6.0, 3.0, 10.0, is_open=lambda t: 8 <= t.hour < 21)
    night = datetime(2026, 1, 5, 23, 30, tzinfo=HELSINKI)
    assert decide_flag(press(0, local=night), Recent(), rules) == CLOSED
    assert decide_flag(press(0, local=night, synced=False), Recent(), rules) is None
    assert decide_flag(press(0, local=NOON), Recent(), rules) is None


def test_a_press_of_another_boot_is_not_compared():
    recent = Recent().after(press(100, boot="old"), None)
    assert decide_flag(press(100.5, boot="new"), recent, RULES) is None


def test_only_counted_and_repeat_presses_say_thank_you():
    assert says_thank_you(None) and says_thank_you(REPEAT)
    assert not any(says_thank_you(f) for f in (LOCKOUT, STUCK, CLOSED))


def test_a_stuck_press_does_not_start_a_lockout():
    recent = Recent().after(press(0, held=20), STUCK)
    assert decide_flag(press(1), recent, RULES) == REPEAT
    assert recent.last_thanks_ns is None


@given(st.lists(st.floats(min_value=0, max_value=5, allow_nan=False), min_size=1, max_size=60))
def test_within_the_window_of_a_press_nothing_new_counts(gaps):
    times, t = [], 0.0
    for gap in gaps:
        t += gap
        times.append(t)
    flags = run(times)
    counted = [t for t, f in zip(times, flags, strict=True) if f is None]
    assert flags[0] is None
    # Two counted presses are always more than the repeat window apart.
    assert all(b - a >= RULES.repeat_window for a, b in itertools.pairwise(counted))
    # And a press that waited longer than the window after the previous one counts.
    for i in range(1, len(times)):
        if times[i] - times[i - 1] >= RULES.repeat_window:
            assert flags[i] is None
