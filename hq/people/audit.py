"""The audit log: who changed what in the chain, and when (issue 29).

Every change an admin or manager makes (users, regions, tokens, stores, their hours,
kiosks), from a page, the API or the command line, is written by :func:`record` in the
same transaction as the change itself: the change and its line are committed together or
not at all. Admins read it on ``/admin/audit``, as CSV, and through ``GET /api/v1/audit``;
all three read :func:`events`.

``actor`` is ``user:NAME`` (a dashboard user), ``token:NAME`` (an API token) or ``cli``
(the command line's operator).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hq.core.errors import N_, InputError
from hq.tables.chain import AuditEvent
from kiosk.timekeeping.localtime import to_utc_text

CLI = "cli"
KINDS = (
    "user",
    "region",
    "store",
    "token",
    "device",
    "hours",
    "enrol-code",
    "survey",
    "alert-rule",
    "alert-channel",
    "release",
    "comment",
)
PAGE = 50
CHANGES_LENGTH = 2000  # characters of the JSON of what changed
SECRET = ("password", "token", "pin")  # never written, whatever a caller hands in


class AuditFilterError(InputError):
    """A filter of the audit log cannot be read; ``field`` names it, ``text`` and
    ``values`` as :class:`hq.core.errors.ActionError`."""

    def __init__(self, field: str, text: str, **values: object):
        super().__init__(f"{field}: {text.format(**values)}")
        self.field, self.text, self.values = field, text, values


def _short(changes: dict[str, Any] | None) -> str:
    """*changes* as compact JSON, secrets left out, cut to :data:`CHANGES_LENGTH`."""
    kept = {k: v for k, v in (changes or {}).items() if not any(s in k for s in SECRET)}
    text = json.dumps(kept, ensure_ascii=False, sort_keys=True, default=str)
    if len(text) > CHANGES_LENGTH:
        text = json.dumps({"cut": text[: CHANGES_LENGTH - 20]}, ensure_ascii=False)
    return text


def record(
    session: Session,
    actor: str,
    action: str,
    kind: str,
    object_id: str,
    changes: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> AuditEvent:
    """Add one line to the audit log in *session*'s transaction (the caller commits it
    with the change): *actor* did *action* to the *kind* *object_id*, changing *changes*
    (a small dict; passwords and tokens are never written)."""
    row = AuditEvent(
        at=to_utc_text(at or datetime.now(UTC)),
        actor=actor[:80],
        action=action[:40],
        kind=kind[:32],
        object_id=object_id[:200],
        changes=_short(changes),
    )
    session.add(row)
    return row


@dataclass(frozen=True)
class Filter:
    """Which lines to show: of one kind, by one actor, from one day to another (UTC)."""

    kind: str = ""
    actor: str = ""
    first: date | None = None
    last: date | None = None

    def where(self) -> list:
        out = []
        if self.kind:
            out.append(AuditEvent.kind == self.kind)
        if self.actor:
            out.append(AuditEvent.actor == self.actor)
        if self.first:
            out.append(AuditEvent.at >= self.first.isoformat())
        if self.last:
            out.append(AuditEvent.at < (self.last + timedelta(days=1)).isoformat())
        return out

    def params(self) -> list[tuple[str, str]]:
        """The filter as query parameters, for links that keep it."""
        found = [("kind", self.kind), ("actor", self.actor)]
        found += [("from", self.first.isoformat() if self.first else "")]
        found += [("to", self.last.isoformat() if self.last else "")]
        return [(k, v) for k, v in found if v]


def _day(field: str, text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        what = N_("{value} is not a day like 2026-12-24")
        raise AuditFilterError(field, what, value=repr(text)) from None


def read_filter(kind: str = "", actor: str = "", first: str = "", last: str = "") -> Filter:
    """The filter of a page's or API's query; an :class:`AuditFilterError` naming the
    field that cannot be read."""
    if kind and kind not in KINDS:
        raise AuditFilterError(
            "kind", N_("{value} is not one of {kinds}"), value=repr(kind), kinds=", ".join(KINDS)
        )
    chosen = Filter(kind, actor.strip(), _day("from", first), _day("to", last))
    if chosen.first and chosen.last and chosen.first > chosen.last:
        raise AuditFilterError("from", N_("{first} is after {last}"), first=first, last=last)
    return chosen


def events(session: Session, chosen: Filter, page: int = 1) -> tuple[list[AuditEvent], int]:
    """The lines of page *page* (newest first, :data:`PAGE` a page) and how many match."""
    where = chosen.where()
    total = session.scalar(select(func.count()).select_from(AuditEvent).where(*where)) or 0
    rows = session.scalars(
        select(AuditEvent)
        .where(*where)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .offset(max(page - 1, 0) * PAGE)
        .limit(PAGE)
    ).all()
    return list(rows), total


def actors(session: Session) -> list[str]:
    """Everyone who has changed something, for the page's filter."""
    return list(session.scalars(select(AuditEvent.actor).distinct().order_by(AuditEvent.actor)))


COLUMNS = ("at", "actor", "action", "kind", "object_id", "changes")


def csv_rows(session: Session, chosen: Filter) -> Iterator[tuple[str, ...]]:
    """Every matching line, oldest first, as the CSV's rows (the header first)."""
    yield COLUMNS
    query = select(AuditEvent).where(*chosen.where()).order_by(AuditEvent.at, AuditEvent.id)
    for row in session.scalars(query.execution_options(yield_per=500)):
        yield tuple(_safe(str(getattr(row, c))) for c in COLUMNS)


def _safe(text: str) -> str:
    """A cell a spreadsheet will not run as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def as_dict(row: AuditEvent) -> dict[str, Any]:
    """One line for the API."""
    return {
        "at": row.at,
        "actor": row.actor,
        "action": row.action,
        "kind": row.kind,
        "id": row.object_id,
        "changes": json.loads(row.changes or "{}"),
    }
