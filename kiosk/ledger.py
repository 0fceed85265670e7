"""The sync bookkeeping kept in the store file: state for people, quarantine, clock repair.

The sync process writes it; the staff screen and ``hymio doctor`` read it. Every write
is one short transaction, so the kiosk recording a press is never kept waiting.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from kiosk.localtime import parse_utc_text, to_utc_text
from kiosk.store import SENDABLE, Store

STATE_KEYS = (
    "last_attempt",  # when sync last tried to reach HQ (UTC text)
    "last_success",  # when HQ last acknowledged an upload
    "last_error",  # the last problem, one sentence; empty after a success
    "hq_clock_offset",  # seconds HQ's clock is ahead of ours, from the last heartbeat
    "config_etag",  # the ETag of the survey settings last pulled from HQ
)


@dataclass(frozen=True)
class Quarantined:
    """A rating HQ refused: kept on the device, never sent again."""

    seq: int
    rating_id: str
    at: str
    code: str
    message: str


class Ledger:
    """Sync's notes in the store file of one device."""

    def __init__(self, store: Store):
        self.store = store

    # --- state for people ------------------------------------------------------

    def notes(self) -> dict[str, str | None]:
        """Just the notes of :data:`STATE_KEYS` (one small read, no counting)."""
        rows = dict(self.store.read("SELECT key, value FROM sync_state"))
        return {key: rows.get(key) for key in STATE_KEYS}

    def state(self) -> dict[str, Any]:
        """The notes, and the pending and quarantined counts, oldest pending, last seq."""
        state: dict[str, Any] = self.notes()
        state["pending"] = self.store.pending_count()
        state["quarantined"] = self.quarantined_count()
        state["oldest_pending_at"] = self.store.read(
            f"SELECT min(recorded_at) FROM ratings WHERE {SENDABLE}"  # noqa: S608
        )[0][0]
        state["last_seq"] = self.store.last_seq()
        return state

    def note(self, **values: str | float | None) -> None:
        """Set some of :data:`STATE_KEYS` in one transaction (``None`` clears one)."""
        unknown = set(values) - set(STATE_KEYS)
        if unknown:
            raise ValueError(f"unknown sync state key(s): {', '.join(sorted(unknown))}")
        params: list[Any] = []
        for key, value in values.items():
            params += [key, None if value is None else str(value)]
        rows = ", ".join("(?, ?)" for _ in values)
        self.store.execute(
            f"INSERT OR REPLACE INTO sync_state (key, value) VALUES {rows}",  # noqa: S608
            params,
            doing="save the sync state",
        )

    # --- quarantine ------------------------------------------------------------

    def quarantine(self, seq: int, code: str, message: str) -> None:
        """Keep rating *seq* out of uploads, with HQ's reason."""
        self.store.execute(
            "INSERT OR REPLACE INTO quarantine (seq, at, code, message) VALUES (?, ?, ?, ?)",
            (seq, to_utc_text(self.store.clock.now()), code, message[:500]),
            doing="quarantine a rating HQ refused",
        )

    def quarantined_count(self) -> int:
        """How many ratings HQ refused."""
        return self.store.read("SELECT count(*) FROM quarantine")[0][0]

    def quarantined(self, limit: int = 50) -> list[Quarantined]:
        """The refused ratings, newest first."""
        rows = self.store.read(
            "SELECT q.seq, r.id, q.at, q.code, q.message FROM quarantine q "
            "JOIN ratings r USING (seq) ORDER BY q.seq DESC LIMIT ?",
            (limit,),
        )
        return [Quarantined(*row) for row in rows]

    # --- clock repair -------------------------------------------------------------

    def repair_clock(self) -> int:
        """Correct ``recorded_at`` of this boot's unsynchronised ratings; how many.

        Only once the wall clock is synchronised: then a press's true time is now minus
        the monotonic time since it (same boot, so CLOCK_MONOTONIC is comparable). Ratings
        of an earlier boot cannot be repaired and go to HQ with ``clock_synced = false``.
        """
        clock = self.store.clock
        if not clock.synchronized():
            return 0
        boot, mono, now = clock.boot_id(), clock.monotonic_ns(), clock.now()
        rows = self.store.read(
            "SELECT seq, mono_ns FROM ratings WHERE clock_synced = 0 AND boot_id = ? "
            "AND synced_at IS NULL AND mono_ns <= ?",
            (boot, mono),
        )
        if not rows:
            return 0
        fixes = [
            (to_utc_text(now - timedelta(microseconds=(mono - m) // 1000)), seq) for seq, m in rows
        ]
        self.store.execute_many(
            "UPDATE ratings SET recorded_at = ?, clock_synced = 1 "
            "WHERE seq = ? AND clock_synced = 0 AND synced_at IS NULL",
            fixes,
            doing="repair the time of ratings recorded before the clock was set",
        )
        return len(fixes)


def clock_offset(server_time: str, sent_at: str, received_at: str) -> float:
    """Seconds HQ's clock is ahead of ours, from a request sent and answered at our times."""
    sent, received = parse_utc_text(sent_at), parse_utc_text(received_at)
    midpoint = sent + (received - sent) / 2
    return (parse_utc_text(server_time) - midpoint).total_seconds()
