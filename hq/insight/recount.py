"""What if: a store's stored presses re-counted with another repeat window (issue 18).

Every press a kiosk stores reaches HQ with its flag, so the flag rule can be run again on
the stored rows. The rule of the re-count (the documentation, "What if: re-counting repeats"):

* The rows are the store's ratings whose ``recorded_at`` falls in the UTC bounds of its
  local days *first* … *last* (as on the store page), plus a lead-in of :data:`LEAD_IN`
  (one hour) before the first day. A lead-in press only sets the memory, so the first
  presses of the period are judged with the presses just before them, as the kiosk did;
  it is not counted. The memory is exact unless a kiosk was pressed with no pause of
  ``thank_you`` seconds for the whole lead-in (a lockout depends on the press before).
* They are read per kiosk database (``device_id``, ``database_id``) in ``seq`` order, the
  order the kiosk recorded them, with a fresh :class:`kiosk.counting.flags.Recent` at each database;
  :meth:`~kiosk.counting.flags.Recent.after` forgets at each new ``boot_id``, as on the kiosk.
* ``stuck`` and ``closed`` stay as the kiosk flagged them: HQ knows neither how long a
  button was held nor the opening hours in force at the press. They still go into the
  memory as the kiosk put them (neither says thank you).
* Every other press gets :func:`kiosk.counting.flags.decide_flag` with the new ``repeat_window``
  and ``thank_you``: ``lockout``, ``repeat`` or counted. The rule itself is not written
  again here.
* HQ's own ``time_suspect`` mark stays: such a rating is not counted either way.

The figures are :func:`kiosk.counting.metrics.summarize` of the counted ratings per scale, as the
store page computes them, with the ratings not counted by flag, as stored and as
re-counted, and how many ratings move from counted to not counted and back.
:func:`reflag` and :func:`recount` are pure; :func:`read` streams the rows.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from hq.insight.counts import by_use
from hq.tables.models import Rating, Store, Survey
from kiosk.counting import metrics
from kiosk.counting.flags import CLOSED, STUCK, FlagRules, Press, Recent, decide_flag
from kiosk.settings.model import Behaviour
from kiosk.timekeeping.localtime import day_bounds, to_utc_text

LEAD_IN = timedelta(hours=1)
CHUNK = 2000  # rows fetched from the database at a time
KEPT = (STUCK, CLOSED)  # flags HQ cannot decide again
TIME_SUSPECT = "time_suspect"
WEB = "web"  # the database of web answers (hq.answer.keep): no kiosk flagged them
DEFAULTS = Behaviour()
WINDOW_LIMITS = (0.0, 3600.0)  # the kiosk's bounds of behaviour.repeat_window
THANK_YOU_LIMITS = (0.5, 30.0)  # and of behaviour.thank_you
COLUMNS = (  # in the order read() unpacks them
    Rating.device_id, Rating.database_id, Rating.seq, Rating.boot_id, Rating.mono_ns,
    Rating.scale, Rating.score, Rating.flag, Rating.time_suspect, Rating.recorded_at,
)  # fmt: skip
_NOWHERE = datetime(1970, 1, 1, tzinfo=UTC)  # no press is judged "closed" again


class Stored(NamedTuple):
    """One stored press, as the re-count reads it."""

    device_id: str
    database_id: str
    seq: int
    boot_id: str
    mono_ns: int
    scale: str
    score: int
    flag: str | None
    time_suspect: bool
    counts: bool  # in the period (False: a lead-in press, memory only)


def reflag(
    rows: Iterable[Stored], repeat_window: float, thank_you: float
) -> Iterator[tuple[Stored, str | None]]:
    """Each row of *rows* (ordered by device, database and ``seq``) with the flag the
    kiosk would have given it with *repeat_window* and *thank_you*."""
    rules = FlagRules(repeat_window, thank_you, math.inf, lambda _local: True)
    where: tuple[str, str] | None = None
    recent = Recent()
    for row in rows:
        if (row.device_id, row.database_id) != where:
            where, recent = (row.device_id, row.database_id), Recent()
        if row.database_id == WEB:  # a web answer (issue 32): flagged by HQ, kept as it is
            yield row, row.flag
            continue
        press = Press(row.boot_id, row.mono_ns, _NOWHERE, clock_synced=False)
        flag = row.flag if row.flag in KEPT else decide_flag(press, recent, rules)
        recent = recent.after(press, flag)
        yield row, flag


Key = tuple[str, int, str | None]  # scale, score, why not counted (None: counted)


@dataclass
class Tally:
    """Ratings by scale, score and why they are not counted (a flag or time_suspect)."""

    counts: Counter[Key] = field(default_factory=Counter)

    @property
    def scales(self) -> list[str]:
        """Every scale rated on, the main one first (the pages' rule, :func:`by_use`)."""
        return by_use([self.counts])

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def counted(self) -> int:
        return sum(n for (_sc, _score, why), n in self.counts.items() if why is None)

    def summary(self, scale: str) -> metrics.Summary:
        """The metrics of the counted ratings on *scale*."""
        counted: Counter[int] = Counter()
        for (sc, score, why), n in self.counts.items():
            if sc == scale and why is None:
                counted[score] += n
        return metrics.summarize(scale, counted)

    def by_flag(self) -> Counter[str]:
        """The ratings not counted, by why."""
        out: Counter[str] = Counter()
        for (_sc, _score, why), n in self.counts.items():
            if why is not None:
                out[why] += n
        return out

    def as_dict(self) -> dict:
        return {
            "ratings": self.total,
            "counted": self.counted,
            "not_counted": dict(sorted(self.by_flag().items())),
            "scales": {s: self.summary(s).as_dict() for s in sorted(self.scales)},
        }


@dataclass
class Recount:
    """A period's ratings as stored and as re-counted with other rules."""

    repeat_window: float
    thank_you: float
    stored: Tally = field(default_factory=Tally)
    recounted: Tally = field(default_factory=Tally)
    left_out: int = 0  # counted as stored, not counted when re-counted
    let_in: int = 0  # not counted as stored, counted when re-counted
    lead_in: int = 0  # presses read before the period, for the memory only

    @property
    def scale(self) -> str:
        """The scale the figures lead with: the most used one."""
        return self.stored.scales[0]


def _why(flag: str | None, suspect: bool) -> str | None:
    return TIME_SUSPECT if suspect else flag


def recount(rows: Iterable[Stored], repeat_window: float, thank_you: float) -> Recount:
    """The period's figures of *rows* as stored and re-counted with *repeat_window* and
    *thank_you* (seconds): see the module's rule."""
    out = Recount(repeat_window, thank_you)
    stored, recounted = out.stored.counts, out.recounted.counts
    for row, flag in reflag(rows, repeat_window, thank_you):
        if not row.counts:
            out.lead_in += 1
            continue
        was, now = _why(row.flag, row.time_suspect), _why(flag, row.time_suspect)
        stored[(row.scale, row.score, was)] += 1
        recounted[(row.scale, row.score, now)] += 1
        if was is None and now is not None:
            out.left_out += 1
        elif was is not None and now is None:
            out.let_in += 1
    return out


def read(
    session: Session, store: Store, first: date, last: date, chunk: int = CHUNK
) -> Iterator[Stored]:
    """The store's ratings of the local days *first* … *last* and of the lead-in before
    them, by device, database and ``seq``, streamed *chunk* rows at a time (a server-side
    cursor on PostgreSQL, chunked fetches on SQLite)."""
    start = to_utc_text(day_bounds(first, store.timezone)[0])
    lead = to_utc_text(day_bounds(first, store.timezone)[0] - LEAD_IN)
    end = to_utc_text(day_bounds(last, store.timezone)[1])
    query = (
        select(*COLUMNS)
        .where(
            Rating.store_id == store.id,
            Rating.recorded_at >= lead,
            Rating.recorded_at < end,
        )
        .order_by(Rating.device_id, Rating.database_id, Rating.seq)
        .execution_options(yield_per=chunk)
    )
    for chunk in session.execute(query).partitions():
        for device, database, seq, boot, mono, scale, score, flag, suspect, at in chunk:
            yield Stored(
                device, database, seq, boot, mono, scale, score, flag, bool(suspect), at >= start
            )


def what_if(
    session: Session,
    store: Store,
    first: date,
    last: date,
    repeat_window: float,
    thank_you: float,
) -> Recount:
    """The store's local days *first* … *last* re-counted (see the module's rule)."""
    return recount(read(session, store, first, last), repeat_window, thank_you)


def store_thank_you(session: Session, store_id: str) -> float:
    """The thank-you time the store's kiosks use as far as HQ knows: ``behaviour.thank_you``
    of the store's survey settings at HQ, else the kiosk's default."""
    row = session.scalar(select(Survey).where(Survey.store_id == store_id, Survey.device_id == ""))
    behaviour = (row.body or {}).get("behaviour", {}) if row else {}
    value = behaviour.get("thank_you") if isinstance(behaviour, dict) else None
    try:
        return Behaviour(thank_you=value).thank_you if value is not None else DEFAULTS.thank_you
    except ValueError:  # not a value a kiosk would take: the kiosk's default
        return DEFAULTS.thank_you
