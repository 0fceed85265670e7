"""Enrol codes as the dashboard, the API and ``hymio hq enroll-code`` manage them: make one
for a store, list them with their uses left and expiry, revoke one (issue 29).

An admin manages the codes of every store, a manager those of the stores they act on
(:meth:`hq.people.access.Access.acts_on`); anyone else none. A store or code outside a
reader's part is answered as one that does not exist. HQ keeps only a code's SHA-256
(:mod:`hq.fleet.enrolment`), so the code, its enrolment link
(:mod:`kiosk.settings.enrol_link`) and its QR code are shown once, when it is made: a lost
printout is revoked and replaced, never shown again.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from datetime import datetime

import segno
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session

from hq.core.errors import HQError, InputError
from hq.fleet.enrolment import MAX_DAYS, MAX_USES, code_hash, make_code
from hq.people.access import Access
from hq.people.audit import CLI, record
from hq.tables.models import EnrolCode, Store
from kiosk.settings.enrol_link import enrol_link
from kiosk.timekeeping.localtime import to_utc_text

MANAGES = ("admin", "manager")
LISTED = 500  # the newest codes listed
MAX_ID = 2**31 - 1  # an INTEGER column's largest: PostgreSQL refuses a larger one outright


class UnknownCodeError(HQError, KeyError):
    """No enrol code with that id within the reader's part of the chain."""


@dataclass(frozen=True)
class NewCode:
    """A code just made: shown now and never again."""

    id: int
    code: str
    store_id: str
    store_name: str
    uses: int
    expires_at: str

    def link(self, hq_url: str) -> str:
        """The enrolment link ``hymio enroll`` reads (what the QR code holds)."""
        return enrol_link(hq_url, self.code)


@dataclass(frozen=True)
class CodeRow:
    """A code as the list shows it (never the code itself)."""

    id: int
    store_id: str
    store_name: str
    uses: int
    uses_left: int
    created_at: str
    expires_at: str
    made_by: str
    revoked_at: str | None
    state: str  # active, used_up, expired or revoked


def hq_address(seen: str) -> str:
    """HQ's address for the kiosks: ``HYMIO_HQ_URL`` when set (HQ behind a proxy), else
    *seen*, the address the request came to."""
    return (os.environ.get("HYMIO_HQ_URL") or seen).rstrip("/")


def manages(reader: Access | None, store_id: str | None = None) -> bool:
    """Whether *reader* (``None``: the command line's operator) manages enrol codes at all,
    or those of *store_id*."""
    if reader is None:
        return True
    if reader.role not in MANAGES:
        return False
    return store_id is None or reader.acts_on(store_id)


def _count(value: str | int | float, field: str, low: float, high: float, kind=int) -> float:
    try:
        number = kind(value)
    except (TypeError, ValueError):
        raise InputError(f"{field}: {value!r} is not a number") from None
    if not (math.isfinite(number) and low <= number <= high) or (kind is float and number <= 0):
        raise InputError(f"{field}: {value!r}: give {'more than 0' if low == 0 else low} to {high}")
    return number


def new_code(
    session: Session,
    reader: Access | None,
    store_id: str,
    uses: str | int,
    days: str | float,
    now: datetime,
    names: dict[str, str] | None = None,
) -> NewCode:
    """A new code for *store_id*, good for *uses* kiosks within *days*, made by *reader*
    (``None``: the operator); an :class:`InputError` naming the field (``store``, ``uses``
    or ``days``, or what *names* calls them) and nothing made otherwise."""
    named = {"store": "store", "uses": "uses", "days": "days", **(names or {})}
    store = session.get(Store, store_id) if manages(reader, store_id) else None
    if store is None:
        raise InputError(f"{named['store']}: there is no store {store_id!r}")
    count = int(_count(uses, named["uses"], 1, MAX_USES))
    length = _count(days, named["days"], 0, MAX_DAYS, float)
    made_by = "operator" if reader is None else reader.who
    code = make_code(session, store.id, count, length, now, made_by)
    row = session.scalar(select(EnrolCode).where(EnrolCode.code_hash == code_hash(code)))
    record(session, CLI if reader is None else reader.who, "add", "enrol-code", str(row.id),
           {"store": store.id, "uses": count, "expires_at": row.expires_at}, now)  # fmt: skip
    return NewCode(row.id, code, store.id, store.name, row.uses, row.expires_at)


def _state(row: EnrolCode, at: str) -> str:
    if row.revoked_at is not None:
        return "revoked"
    if row.expires_at <= at:
        return "expired"
    return "used_up" if row.uses_left <= 0 else "active"


def list_codes(session: Session, reader: Access | None, now: datetime) -> list[CodeRow]:
    """The codes *reader* manages, the newest first (at most :data:`LISTED`)."""
    if not manages(reader):
        return []
    at = to_utc_text(now)
    found = session.execute(
        select(EnrolCode, Store.name)
        .join(Store, Store.id == EnrolCode.store_id)
        .order_by(EnrolCode.id.desc())
    ).all()
    rows = []
    for code, store_name in found:
        if reader is None or reader.acts_on(code.store_id):
            rows.append(
                CodeRow(
                    code.id, code.store_id, store_name, code.uses, code.uses_left,
                    code.created_at, code.expires_at, code.made_by, code.revoked_at,
                    _state(code, at),
                )
            )  # fmt: skip
        if len(rows) == LISTED:
            break
    return rows


def revoke_code(session: Session, reader: Access | None, code_id: int, now: datetime) -> CodeRow:
    """Revoke the code *code_id*: it enrols no one from now on (those it enrolled stay).
    An :class:`UnknownCodeError` for a code *reader* does not manage; revoking a revoked
    code changes nothing."""
    row = session.get(EnrolCode, code_id) if 0 < code_id <= MAX_ID else None
    if row is None or not manages(reader, row.store_id):
        raise UnknownCodeError(f"there is no enrol code {code_id}")
    if row.revoked_at is None:
        row.revoked_at = to_utc_text(now)
        record(session, CLI if reader is None else reader.who, "revoke", "enrol-code",
               str(row.id), {"store": row.store_id}, now)  # fmt: skip
        session.commit()
    store_name = session.get(Store, row.store_id).name
    at = to_utc_text(now)
    return CodeRow(
        row.id, row.store_id, store_name, row.uses, row.uses_left, row.created_at,
        row.expires_at, row.made_by, row.revoked_at, _state(row, at),
    )  # fmt: skip


def qr_svg(text: str, title: str = "") -> Markup:
    """*text* as a QR code (error correction M, border 4), inline SVG markup that scales
    with its box; *title* is what a screen reader says of it."""
    qr = segno.make_qr(text, error="m", boost_error=False)
    svg = qr.svg_inline(
        scale=1, border=4, dark="#000", light="#fff", title=title or None,
        omitsize=True, svgclass="qr",
    )  # fmt: skip
    return Markup(svg)  # noqa: S704 -- segno escapes the title; the rest is its path
