"""Whether HQ has every rating of a device, per kiosk database (SPEC §6): the ``seq``
ranges missing inside what was received, the tail the device has numbered but HQ has not
received yet (from the last ``seq`` its heartbeat reported), and what the device holds.
A range an admin wrote off as lost for good (:mod:`hq.ingest.writeoffs`) is neither
missing nor not received: it is *lost*, and its days are complete.

What was received comes from ``device_received``, kept at ingest (:mod:`hq.ingest.received`);
where a database's count is below its highest ``seq`` the gaps are found in SQL with a
window function over the ``(device, database, seq)`` unique index (one index scan of that
device), and where it is not, there are none and nothing is scanned.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from hq.tables.models import DeviceDatabase, DeviceReceived, WriteOff
from kiosk.timekeeping.localtime import local_date, parse_utc_text, zone

GAPS_SQL = text(
    "SELECT database_id, prev + 1, seq - 1, prev_at, recorded_at FROM ("
    " SELECT database_id, seq, recorded_at,"
    "  LAG(seq, 1, 0) OVER (PARTITION BY database_id ORDER BY seq) AS prev,"
    "  LAG(recorded_at) OVER (PARTITION BY database_id ORDER BY seq) AS prev_at"
    " FROM ratings WHERE device_id = :device) AS s"
    " WHERE seq - prev > 1 ORDER BY database_id, seq"
)
MAX_DAYS = 400  # how far back incomplete days are marked


@dataclass
class Database:
    """One kiosk database of a device, as HQ sees it and as the device last reported it."""

    database_id: str
    first_seq: int = 1
    received: int = 0
    last_received_seq: int = 0
    last_received_at: str | None = None
    gaps: list[tuple[int, int]] = field(default_factory=list)
    # recorded_at of the received ratings on either side of each gap (None before seq 1)
    gap_times: list[tuple[str | None, str]] = field(default_factory=list)
    last_seq: int | None = None
    reported_pending: int = 0
    oldest_pending_at: str | None = None
    reported_held: int = 0
    held_reason: str | None = None
    held_at: list[str] = field(default_factory=list)
    reported_at: str | None = None
    lost: list[WriteOff] = field(default_factory=list)  # written off, oldest seq first
    written_to: int = 0  # the tail is written off up to this seq

    def write_off(self, lost: list[WriteOff]) -> None:
        """Take the ranges of *lost* out of the gaps and the tail (issue 30)."""
        self.lost = sorted(lost, key=lambda w: w.first_seq)
        gaps, times = [], []
        for (a, b), t in zip(self.gaps, self.gap_times, strict=True):
            for piece in _subtract(a, b, [(w.first_seq, w.last_seq) for w in self.lost]):
                gaps.append(piece)
                times.append(t)
        self.gaps, self.gap_times = gaps, times
        start = self.last_received_seq + 1
        for w in self.lost:
            if w.first_seq <= start <= w.last_seq:
                start = w.last_seq + 1
        self.written_to = start - 1

    @property
    def lost_count(self) -> int:
        """How many ratings were written off as lost for good."""
        return sum(w.last_seq - w.first_seq + 1 for w in self.lost)

    def trim_head(self) -> None:
        """Drop what lies before :attr:`first_seq` from the gaps (a fork starts there)."""
        kept = [
            ((max(a, self.first_seq), b), times)
            for (a, b), times in zip(self.gaps, self.gap_times, strict=True)
            if b >= self.first_seq
        ]
        self.gaps = [g for g, _ in kept]
        self.gap_times = [t for _, t in kept]

    @property
    def missing(self) -> int:
        """Ratings numbered inside what HQ received that have not arrived."""
        return sum(b - a + 1 for a, b in self.gaps)

    @property
    def tail(self) -> tuple[int, int] | None:
        """The ``seq`` range after the last one received, up to the device's last one."""
        start = max(self.last_received_seq, self.written_to) + 1
        if self.last_seq is None or self.last_seq < start:
            return None
        return (start, self.last_seq)

    @property
    def not_received(self) -> int:
        """The length of :attr:`tail`."""
        tail = self.tail
        return 0 if tail is None else tail[1] - tail[0] + 1

    @property
    def complete(self) -> bool:
        """HQ has every ``seq`` up to the last one the device reported.

        Whatever the device had pending or held when it reported is numbered at or below
        that ``seq``, so once HQ has them all an older report of pending or held ratings
        is out of date, not a loss (they arrived since, e.g. after ``--retry-held``).
        """
        return not (self.missing or self.not_received)

    @property
    def pending(self) -> int:
        """What the device said it had still to send, while HQ lacks anything."""
        return 0 if self.complete else self.reported_pending

    @property
    def held(self) -> int:
        """What the device said it holds, while HQ lacks anything."""
        return 0 if self.complete else self.reported_held


@dataclass
class Completeness:
    """Every database of one device, and their totals."""

    device_id: str
    databases: list[Database]

    @property
    def received(self) -> int:
        return sum(d.received for d in self.databases)

    @property
    def missing(self) -> int:
        return sum(d.missing for d in self.databases)

    @property
    def not_received(self) -> int:
        return sum(d.not_received for d in self.databases)

    @property
    def held(self) -> int:
        return sum(d.held for d in self.databases)

    @property
    def pending(self) -> int:
        return sum(d.pending for d in self.databases)

    @property
    def held_reason(self) -> str | None:
        """The reason of the most recently reported database that holds ratings."""
        holding = [d for d in self.databases if d.held and d.held_reason]
        holding.sort(key=lambda d: d.reported_at or "")
        return holding[-1].held_reason if holding else None

    @property
    def complete(self) -> bool:
        return all(d.complete for d in self.databases)

    @property
    def lost(self) -> int:
        """Ratings written off as lost for good."""
        return sum(d.lost_count for d in self.databases)

    @property
    def lost_reasons(self) -> list[str]:
        """The reasons of the write-offs, each once, oldest first."""
        return list(dict.fromkeys(w.reason for d in self.databases for w in d.lost))


def completeness(session: Session, device_id: str) -> Completeness:
    """What HQ has and lacks of *device_id*, database by database (oldest id first)."""
    return completeness_of(session, [device_id])[device_id]


def completeness_of(session: Session, device_ids: list[str]) -> dict[str, Completeness]:
    """:func:`completeness` of each of *device_ids*, in three queries (and a gap query for
    each device whose counts say it has gaps)."""
    found: dict[str, dict[str, Database]] = {d: {} for d in device_ids}

    def db(device_id: str, database_id: str) -> Database:
        return found[device_id].setdefault(database_id, Database(database_id))

    holes: set[str] = set()
    for chunk in _chunks(device_ids):
        for r in session.scalars(select(DeviceReceived).where(DeviceReceived.device_id.in_(chunk))):
            d = db(r.device_id, r.database_id)
            d.received, d.last_received_seq = r.received, r.last_seq
            d.last_received_at = r.last_recorded_at
            if r.received < r.last_seq:  # seq 1..last_seq, each at most once
                holes.add(r.device_id)
    for device_id in sorted(holes):
        for database_id, first, last, before, after in session.execute(
            GAPS_SQL, {"device": device_id}
        ):
            d = db(device_id, database_id)
            d.gaps.append((int(first), int(last)))
            d.gap_times.append((before, after))
    for chunk in _chunks(device_ids):
        for r in session.scalars(select(DeviceDatabase).where(DeviceDatabase.device_id.in_(chunk))):
            d = db(r.device_id, r.database_id)
            d.first_seq, d.last_seq = r.first_seq, r.last_seq
            d.reported_pending, d.reported_held = r.pending, r.held
            d.held_reason, d.oldest_pending_at = r.held_reason, r.oldest_pending_at
            d.held_at, d.reported_at = list(r.held_at or []), r.reported_at
    lost: dict[tuple[str, str], list[WriteOff]] = {}
    for chunk in _chunks(device_ids):
        for w in session.scalars(select(WriteOff).where(WriteOff.device_id.in_(chunk))):
            lost.setdefault((w.device_id, w.database_id), []).append(w)
            db(w.device_id, w.database_id)
    out = {}
    for device_id, databases in found.items():
        for d in databases.values():
            d.trim_head()
            d.write_off(lost.get((device_id, d.database_id), []))
        out[device_id] = Completeness(device_id, [databases[k] for k in sorted(databases)])
    return out


def _subtract(a: int, b: int, ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The range *a*–*b* less each of *ranges*, as ranges."""
    pieces = [(a, b)]
    for lo, hi in ranges:
        pieces = [p for x, y in pieces
                  for p in ((x, min(y, lo - 1)), (max(x, hi + 1), y)) if p[0] <= p[1]]  # fmt: skip
    return pieces


def _chunks(ids: list[str], size: int = 500):
    for i in range(0, len(ids), size):
        yield ids[i : i + size]


def incomplete_days(devices: list[Completeness], tz: str, now: datetime) -> dict[date, str]:
    """The store's local days that may lack ratings, each with the first reason found.

    A gap lies between the days of the ratings on either side of it; ratings not yet
    received at the tail, or pending on the device, lie between the last one received
    (or the oldest pending) and today; held ratings on the days they were recorded.
    """
    zi = zone(tz)
    today = local_date(now, zi)
    days: dict[date, str] = {}

    def mark(first: str | None, last: str | None, why: str) -> None:
        start = _day(first, zi) or _day(last, zi) or today
        lo, hi = sorted((min(start, today), min(_day(last, zi) or today, today)))
        lo = max(lo, today - timedelta(days=MAX_DAYS))
        for ordinal in range(lo.toordinal(), hi.toordinal() + 1):
            days.setdefault(date.fromordinal(ordinal), why)

    for device in devices:
        for d in device.databases:
            for (a, b), (before, after) in zip(d.gaps, d.gap_times, strict=True):
                mark(before, after, f"{device.device_id}: seq {a}–{b} missing")
            if d.tail:
                mark(d.last_received_at, None, f"{device.device_id}: not received yet")
            if d.pending:
                mark(d.oldest_pending_at, None, f"{device.device_id}: {d.pending} pending")
            for at in d.held_at if d.held else ():
                mark(at, at, f"{device.device_id}: held on the device")
    return days


Lost = tuple[str, int, str]  # device, how many, why


def lost_days(devices: list[Completeness], tz: str, now: datetime) -> dict[date, list[Lost]]:
    """The store's local days on which written-off ratings lie (between the ratings HQ has
    on either side), each with what was lost there: (device, how many, the reason)."""
    zi = zone(tz)
    today = local_date(now, zi)
    days: dict[date, list[Lost]] = {}
    for device in devices:
        for d in device.databases:
            for w in d.lost:
                n = w.last_seq - w.first_seq + 1
                start = _day(w.first_at, zi) or _day(w.last_at, zi) or today
                end = max(min(_day(w.last_at, zi) or today, today), start)
                start = max(start, today - timedelta(days=MAX_DAYS))
                for ordinal in range(start.toordinal(), end.toordinal() + 1):
                    found = (device.device_id, n, w.reason)
                    days.setdefault(date.fromordinal(ordinal), []).append(found)
    return days


def _day(text: str | None, zi) -> date | None:
    if not text:
        return None
    try:
        return local_date(parse_utc_text(text), zi)
    except ValueError:
        return None
