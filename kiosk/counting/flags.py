"""Which presses count: the one rule that flags a press (SPEC §2).

Every press is stored; the flag only decides whether it is left out of the metrics.
:func:`decide_flag` is pure: the previous presses, the rules and the time go in, a flag
comes out. Intervals are measured on the monotonic clock, so a wall clock that jumps
(NTP on a Pi without a real-time clock) cannot turn a repeat into a new rating.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from kiosk.settings.model import Settings

REPEAT = "repeat"
LOCKOUT = "lockout"
STUCK = "stuck"
CLOSED = "closed"
FLAGS = (REPEAT, LOCKOUT, STUCK, CLOSED)


class Press(NamedTuple):
    """One press or tap as the flag rule sees it (a tuple: made on every press, before
    its commit, where a frozen dataclass's ``__init__`` takes 2.5 times as long)."""

    boot_id: str
    mono_ns: int
    local_time: datetime  # the wall clock in the store's time zone
    clock_synced: bool
    held: float = 0.0  # seconds the button had been held when this press was recorded


class Recent(NamedTuple):
    """What the rule remembers: the last press, and the last one that said thank you (a
    tuple, remade after every press's commit)."""

    boot_id: str | None = None
    last_press_ns: int | None = None
    last_thanks_ns: int | None = None

    def after(self, press: Press, flag: str | None) -> Recent:
        """The memory after *press* was stored with *flag*."""
        thanks = press.mono_ns if says_thank_you(flag) else None
        if thanks is None and self.boot_id == press.boot_id:
            thanks = self.last_thanks_ns
        return Recent(press.boot_id, press.mono_ns, thanks)


@dataclass(frozen=True)
class FlagRules:
    """The settings the rule needs (SPEC §4 [behaviour] and [hours])."""

    repeat_window: float
    thank_you: float
    stuck_after: float
    is_open: Callable[[datetime], bool]

    @classmethod
    def from_settings(cls, settings: Settings) -> FlagRules:
        """The rules of a loaded settings file."""
        b = settings.behaviour
        return cls(b.repeat_window, b.thank_you, b.stuck_after, settings.hours.is_open)


def says_thank_you(flag: str | None) -> bool:
    """Whether a press with *flag* starts a thank-you screen (and so a lockout).

    A repeat is thanked like any press (the shopper cannot tell), a press during the
    lockout is not, and neither is a stuck button or a press while the store is closed.
    """
    return flag is None or flag == REPEAT


def decide_flag(press: Press, recent: Recent, rules: FlagRules) -> str | None:
    """The flag of *press*, or ``None`` when it counts.

    In order: ``stuck`` (held at least ``stuck_after``), ``closed`` (outside the opening
    hours; only trusted when the clock is synchronised, since an unsynchronised Pi may
    think it is 1970), ``lockout`` (within ``thank_you`` seconds of the last thank-you),
    ``repeat`` (within ``repeat_window`` seconds of the previous press of any kind).
    Presses of an earlier boot are not compared: their monotonic times mean nothing now.
    """
    if press.held >= rules.stuck_after:
        return STUCK
    if press.clock_synced and not rules.is_open(press.local_time):
        return CLOSED
    if recent.boot_id != press.boot_id:
        return None
    if _within(recent.last_thanks_ns, press.mono_ns, rules.thank_you):
        return LOCKOUT
    if _within(recent.last_press_ns, press.mono_ns, rules.repeat_window):
        return REPEAT
    return None


def _within(earlier_ns: int | None, now_ns: int, seconds: float) -> bool:
    return earlier_ns is not None and 0 <= now_ns - earlier_ns < seconds * 1e9
