"""The sync bookkeeping kept in the store file: state for people, held ratings, clock repair.

The sync process writes it; the staff screen and ``hymio doctor`` read it. Every write
is one short transaction, so the kiosk recording a press is never kept waiting.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from kiosk.store.reads import SENDABLE
from kiosk.store.store import Store
from kiosk.timekeeping.localtime import parse_utc_text, to_utc_text

STATE_KEYS = (
    "last_attempt",  # when sync last tried to reach HQ (UTC text)
    "last_success",  # when HQ last acknowledged an upload
    "last_error",  # the last problem, one sentence; empty after a success
    "hq_clock_offset",  # seconds HQ's clock is ahead of ours, from the last heartbeat
    "config_etag",  # the ETag of the survey settings last pulled from HQ
)


@dataclass(frozen=True)
class Held:
    """A rating HQ refused by name as breaking the wire contract: kept on the device, not
    sent again until ``hymio sync --retry-held`` releases it."""

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
        """The notes, the id and last ``seq`` of the database new ratings go to, and over
        every database in the file: pending and held counts, the oldest pending rating,
        and why ratings are held (HQ's code: how many)."""
        state: dict[str, Any] = self.notes()
        each = self.databases()
        state.update(
            database_id=self.store.database_id,
            last_seq=self.store.last_seq(),
            **totals(each),
        )
        return state

    def databases(self) -> list[dict[str, Any]]:
        """Each database whose ratings the file holds, as the heartbeat reports it to HQ
        (``hq.ingest.wire.DatabaseStatus``), oldest first."""
        store = self.store
        found = store.read("SELECT database_id, first_seq FROM databases ORDER BY first_seq")
        ids = [d for d, _ in found] or [store.database_id]
        firsts = dict(found)
        pending = {
            d: (n, oldest)
            for d, n, oldest in store.read(
                f"SELECT database_id, count(*), min(recorded_at) FROM ratings "  # noqa: S608
                f"WHERE {SENDABLE} GROUP BY database_id"
            )
        }
        held: dict[str, dict[str, int]] = {}
        for d, code, n in store.read(
            "SELECT r.database_id, q.code, count(*) FROM quarantine q JOIN ratings r "
            "USING (seq) GROUP BY r.database_id, q.code"
        ):
            held.setdefault(d, {})[code] = n
        out = []
        for i, d in enumerate(ids):
            first = firsts.get(d, 1)
            end = firsts[ids[i + 1]] if i + 1 < len(ids) else None
            n, oldest = pending.get(d, (0, None))
            out.append(
                {
                    "database_id": d,
                    "first_seq": first,
                    "last_seq": self._last_seq(d, first, end),
                    "pending": n,
                    "oldest_pending_at": oldest,
                    "held": sum(held.get(d, {}).values()),
                    "held_reasons": held.get(d, {}),
                    "held_reason": self._last_held_reason(d) if d in held else None,
                    "held_at": self._held_at(d) if d in held else [],
                }
            )
        return out

    def _last_seq(self, database_id: str, first: int, end: int | None) -> int:
        # A database's ratings lie in a seq range (up to the next fork): the rowid index
        # finds its last one without a scan.
        sql = "SELECT max(seq) FROM ratings WHERE database_id = ? AND seq >= ?"
        params: list[Any] = [database_id, first]
        if end is not None:
            sql += " AND seq < ?"
            params.append(end)
        last = self.store.read(sql, params)[0][0]
        return last if last is not None else (self.store.last_seq() if end is None else 0)

    def _held_at(self, database_id: str) -> list[str]:
        return [
            r[0]
            for r in self.store.read(
                "SELECT r.recorded_at FROM quarantine q JOIN ratings r USING (seq) "
                "WHERE r.database_id = ? ORDER BY q.seq DESC LIMIT 50",
                (database_id,),
            )
        ]

    def note(self, **values: str | float | None) -> None:
        """Set some of :data:`STATE_KEYS` in one transaction (``None`` clears one).

        Only what changes is written: an idle kiosk must not wear out its SD card.
        """
        unknown = set(values) - set(STATE_KEYS)
        if unknown:
            raise ValueError(f"unknown sync state key(s): {', '.join(sorted(unknown))}")
        have = self.notes()
        changed = {
            key: None if value is None else str(value)
            for key, value in values.items()
            if have[key] != (None if value is None else str(value))
        }
        if not changed:
            return
        values = changed
        params: list[Any] = []
        for key, value in values.items():
            params += [key, value]
        rows = ", ".join("(?, ?)" for _ in values)
        self.store.execute(
            f"INSERT OR REPLACE INTO sync_state (key, value) VALUES {rows}",  # noqa: S608
            params,
            doing="save the sync state",
        )

    # --- held ratings ------------------------------------------------------------
    # Kept in the table called quarantine (m003), its name before held ratings were
    # released by a command.

    def hold(self, seq: int, code: str, message: str) -> None:
        """Keep rating *seq* out of uploads, with HQ's reason."""
        self.store.execute(
            "INSERT OR REPLACE INTO quarantine (seq, at, code, message) VALUES (?, ?, ?, ?)",
            (seq, to_utc_text(self.store.clock.now()), code, message[:500]),
            doing="hold a rating HQ refused",
        )

    def held_count(self) -> int:
        """How many ratings are held."""
        return self.store.read("SELECT count(*) FROM quarantine")[0][0]

    def held(self, limit: int = 50) -> list[Held]:
        """The held ratings, newest first."""
        rows = self.store.read(
            "SELECT q.seq, r.id, q.at, q.code, q.message FROM quarantine q "
            "JOIN ratings r USING (seq) ORDER BY q.seq DESC LIMIT ?",
            (limit,),
        )
        return [Held(*row) for row in rows]

    def release_held(self) -> int:
        """Offer every held rating to HQ again (its cause fixed); how many."""
        n = self.store.execute("DELETE FROM quarantine", doing="release the held ratings").rowcount
        if n:
            self.store.execute(
                "INSERT INTO events (at, kind, message) VALUES (?, 'held_released', ?)",
                (to_utc_text(self.store.clock.now()), f"{n} held rating(s) released"),
                doing="note the released ratings",
            )
        return n

    def _last_held_reason(self, database_id: str) -> str | None:
        rows = self.store.read(
            "SELECT q.code, q.message FROM quarantine q JOIN ratings r USING (seq) "
            "WHERE r.database_id = ? ORDER BY q.at DESC LIMIT 1",
            (database_id,),
        )
        return f"{rows[0][0]}: {rows[0][1]}"[:500] if rows else None

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


def totals(databases: list[dict[str, Any]]) -> dict[str, Any]:
    """Pending and held ratings over several databases (of one file or of several)."""
    reasons: dict[str, int] = {}
    for d in databases:
        for code, n in d["held_reasons"].items():
            reasons[code] = reasons.get(code, 0) + n
    return {
        "pending": sum(d["pending"] for d in databases),
        "oldest_pending_at": min(
            (d["oldest_pending_at"] for d in databases if d["oldest_pending_at"]), default=None
        ),
        "held": sum(reasons.values()),
        "held_reasons": reasons,
    }


def clock_offset(server_time: str, sent_at: str, received_at: str) -> float:
    """Seconds HQ's clock is ahead of ours, from a request sent and answered at our times."""
    sent, received = parse_utc_text(sent_at), parse_utc_text(received_at)
    midpoint = sent + (received - sent) / 2
    return (parse_utc_text(server_time) - midpoint).total_seconds()
