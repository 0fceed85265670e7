"""Who gets which scheduled report: add, list and remove subscriptions.

Plain functions over a session, used by ``hymio hq add-report`` …, the ``/reports`` page
and the tests. Every field is checked before anything is stored; a :class:`ReportError`
names the field and what to give instead, in English with ``{name}`` fields the page
translates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from hq.access import stores_in
from hq.admin import EMAIL
from hq.dashboard.language import N_
from hq.errors import HQError
from hq.models import Region, Store, User
from hq.report_tables import ReportDelivery, ReportSubscription
from hq.scheduled.periods import (
    KINDS,
    ReportPeriod,
    finished,
    following,
    report_day,
    report_period,
)
from kiosk.localtime import to_utc_text
from kiosk.settings.model import LANGUAGES

MAX_RECIPIENTS = 50
NOT_ONE_OF = N_("{value} is not one of {choices}")


class ReportError(HQError, ValueError):
    """A field of a report subscription cannot be used; ``field`` names it.

    ``text`` is the English message with ``{name}`` fields and ``values`` fills them, so
    the dashboard can show it translated.
    """

    def __init__(self, field: str, text: str, **values: object):
        super().__init__(f"{field}: {text.format(**values)}")
        self.field, self.text, self.values = field, text, values


@dataclass(frozen=True)
class Recipient:
    """A recipient as given: a user (their e-mail is looked up when sending) or an address."""

    value: str

    @property
    def is_address(self) -> bool:
        return "@" in self.value


def check_scope(session: Session, scope: str) -> list[Store]:
    """The stores of *scope* (``store:ID`` or ``region:ID``, which must exist)."""
    kind, _, ident = scope.partition(":")
    if kind not in ("store", "region") or not ident:
        raise ReportError("scope", N_("{value} is not store:ID or region:ID"), value=repr(scope))
    if session.get(Store if kind == "store" else Region, ident) is None:
        what = N_("there is no store {id}") if kind == "store" else N_("there is no region {id}")
        raise ReportError("scope", what, id=repr(ident))
    return stores_of(session, scope)


def stores_of(session: Session, scope: str) -> list[Store]:
    """The stores a report of *scope* covers, by name; [] if it names nothing any more."""
    try:
        ids = stores_in(session, scope)
    except HQError:
        return []
    if not ids:
        return []
    return list(session.scalars(select(Store).where(Store.id.in_(ids)).order_by(Store.name)))


def check_recipients(session: Session, recipients: list[str]) -> list[str]:
    """*recipients* stripped and without repeats; each an address or a user with one."""
    out: list[str] = []
    for value in (r.strip() for r in recipients):
        if not value or value.casefold() in (o.casefold() for o in out):
            continue
        if Recipient(value).is_address:
            if len(value) > 254 or not EMAIL.match(value):
                raise ReportError(
                    "recipients",
                    N_("{value} is not an e-mail address like name@example.com"),
                    value=repr(value),
                )
        else:
            user = session.get(User, value)
            if user is None:
                raise ReportError("recipients", N_("there is no user {value}"), value=repr(value))
            if not user.email:
                raise ReportError(
                    "recipients",
                    N_("user {value} has no e-mail address; give them one first"),
                    value=repr(value),
                )
        out.append(value)
    if not out:
        raise ReportError(
            "recipients", N_("give at least one recipient: a username or an e-mail address")
        )
    if len(out) > MAX_RECIPIENTS:
        raise ReportError("recipients", N_("at most {most} recipients"), most=MAX_RECIPIENTS)
    return out


def add_subscription(
    session: Session,
    scope: str,
    period: str,
    language: str,
    recipients: list[str],
    created_by: str,
    now: datetime,
) -> ReportSubscription:
    """A new subscription; its first report is of the first period that ends after *now*."""
    stores = check_scope(session, scope.strip())
    if period not in KINDS:
        raise ReportError("period", NOT_ONE_OF, value=repr(period), choices=", ".join(KINDS))
    if language not in LANGUAGES:
        raise ReportError(
            "language", NOT_ONE_OF, value=repr(language), choices=", ".join(LANGUAGES)
        )
    row = ReportSubscription(
        scope=scope.strip(),
        period=period,
        language=language,
        recipients=check_recipients(session, recipients),
        created_by=created_by,
        created_at=to_utc_text(now),
        last_period=finished(period, report_day(stores, now)).key,
        last_error="",
        claimed_until="",
    )
    session.add(row)
    session.commit()
    return row


def subscriptions(session: Session) -> list[ReportSubscription]:
    """Every subscription, by scope, period and id."""
    t = ReportSubscription
    return list(session.scalars(select(t).order_by(t.scope, t.period, t.id)))


def remove_subscription(session: Session, subscription_id: int) -> None:
    """Remove a subscription; nothing more is sent for it."""
    if session.get(ReportSubscription, subscription_id) is None:
        raise ReportError("id", N_("there is no report subscription {id}"), id=subscription_id)
    session.execute(delete(ReportDelivery).where(ReportDelivery.subscription_id == subscription_id))
    session.execute(delete(ReportSubscription).where(ReportSubscription.id == subscription_id))
    session.commit()


def next_period(row: ReportSubscription) -> ReportPeriod:
    """The period the subscription sends next: the one after the last sent."""
    return following(report_period(row.period, date.fromisoformat(row.last_period)))
