"""The staff PIN pad's lockout, kept in the store so that pulling the power gives no fresh
guesses (:class:`kiosk.staff.PinLock` decides; this module only keeps its state).

One row of the ``meta`` table, ``staff_pin_lock``, holds the state as JSON: a key an older
Hymiö ignores, so going back a version still opens the file (a new migration would make it
refuse the database as "made by a newer Hymiö"). Each change is committed before the pad
answers, like every press.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import asdict, dataclass, fields
from typing import TYPE_CHECKING

from kiosk.timekeeping.localtime import parse_utc_text

if TYPE_CHECKING:
    from kiosk.store.store import Store

log = logging.getLogger(__name__)

KEY = "staff_pin_lock"


@dataclass(frozen=True)
class LockState:
    """Where the pad stands: wrong PINs in a row, lockouts since the last right PIN, and
    the lock in force (``seconds`` from ``since``, UTC wall time, which was ``mono_ns`` of
    CLOCK_MONOTONIC in boot ``boot_id``); ``seconds == 0`` is an open pad."""

    wrong: int = 0
    lockouts: int = 0
    seconds: float = 0.0
    since: str | None = None
    boot_id: str | None = None
    mono_ns: int | None = None


def load(store: Store) -> LockState:
    """The state kept in *store*; an open pad if none (or if the row is not ours)."""
    rows = store.read("SELECT value FROM meta WHERE key = ?", (KEY,))
    if not rows:
        return LockState()
    try:
        data = json.loads(rows[0][0])
        names = {f.name for f in fields(LockState)}
        state = LockState(**{k: v for k, v in data.items() if k in names})
        _check(state)
    except (ValueError, TypeError, AttributeError) as exc:
        # Someone edited the row by hand; the lock cannot be read, so it starts again.
        log.warning("the staff PIN lock in %s is unreadable (%s): starting afresh", store.path, exc)
        return LockState()
    return state


def save(store: Store, state: LockState) -> None:
    """Keep *state*, committed when this returns; :class:`~kiosk.errors.StoreError` if not."""
    store.execute(
        "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
        (KEY, json.dumps(asdict(state), sort_keys=True)),
        doing="save the staff PIN lock",
    )


def _check(state: LockState) -> None:
    numbers = (state.wrong, state.lockouts, state.seconds)
    if any(
        isinstance(n, bool) or not isinstance(n, int | float) or not 0 <= n < math.inf
        for n in numbers
    ):
        raise ValueError(f"not counts and seconds: {numbers}")
    if state.seconds:
        parse_utc_text(state.since)  # a ValueError or TypeError if it is not a time
        if not isinstance(state.boot_id, str) or not isinstance(state.mono_ns, int):
            raise ValueError("a lock without its start")
