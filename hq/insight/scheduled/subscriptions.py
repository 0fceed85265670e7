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

from hq.core.errors import HQError
from hq.core.language import N_
from hq.insight.scheduled.periods import (
    KINDS,
    ReportPeriod,
    finished,
    following,
    report_day,
    report_period,
)
from hq.people.access import (
    CHAIN,
    Access,
    Scope,
    ScopeError,
    Tree,
    access_in,
    load_tree,
    normal_scope,
    read_stored,
    scope_spelling,
    user_access,
)
from hq.people.admin import EMAIL
from hq.tables.models import Store
from hq.tables.people import User
from hq.tables.reports import ReportDelivery, ReportSubscription
from kiosk.settings.survey import LANGUAGES
from kiosk.timekeeping.localtime import to_utc_text

MAX_RECIPIENTS = 50
NOT_ONE_OF = N_("{value} is not one of {choices}")
NOT_A_PART = N_("{value} is not store:ID or region:ID")
# One answer for a scope that does not exist and one outside the reader's part, so that
# a manager cannot learn which stores the chain has.
NOT_YOURS = N_(
    "{value} is not a store or region of yours: a manager reports on their own store or"
    " region, or on a region or store within it"
)
OPERATOR = "operator"  # the creator of a report added on the command line without --by


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


def report_scope(tree: Tree, text: str, reader: Access | None = None) -> Scope:
    """*text* as a report's scope: exactly ``store:ID`` or ``region:ID`` of *tree*
    (:func:`hq.people.access.normal_scope`), and all *reader*'s to see if given (else the
    same answer as for a scope that does not exist); a :class:`ReportError` if not."""
    try:
        if reader is None or reader.whole_chain:
            scope = normal_scope(text, tree)
        else:
            scope = scope_spelling(text)
    except ScopeError as e:
        raise ReportError("scope", e.text, **e.values) from None
    if scope == CHAIN:
        raise ReportError("scope", NOT_A_PART, value=repr(text))
    if reader is not None and not reader.covers(scope):
        raise ReportError("scope", NOT_YOURS, value=repr(text))
    if not tree.stores_of(scope):
        raise ReportError("scope", N_("{value} has no store yet"), value=repr(text))
    return scope


def check_scope(session: Session, scope: str) -> list[Store]:
    """The stores of *scope* (``store:ID`` or ``region:ID``, which must exist)."""
    tree = load_tree(session)
    return _stores(session, tree, report_scope(tree, scope))


def stores_of(session: Session, scope: str) -> list[Store]:
    """The stores a report of *scope* covers, by name; [] if it names nothing any more."""
    tree = load_tree(session)
    parsed = read_stored(tree, scope)
    return _stores(session, tree, parsed) if parsed not in (None, CHAIN) else []


def _stores(session: Session, tree: Tree, scope: Scope) -> list[Store]:
    ids = tree.stores_of(scope)
    if not ids:
        return []
    return list(session.scalars(select(Store).where(Store.id.in_(ids)).order_by(Store.name)))


def creator_of(session: Session, tree: Tree, by: str | None) -> tuple[str, Access]:
    """The creator *by* names (a username; ``None``: the command line's operator, who
    sees the whole chain) as stored, and what they may see."""
    if by is None:
        return OPERATOR, access_in(tree, OPERATOR, "admin", "")
    user = session.get(User, by)
    if user is None:
        raise ReportError("by", N_("there is no user {value}"), value=repr(by))
    return f"user:{user.username}", user_access(session, user, tree)


def blocked(session: Session, tree: Tree, row: ReportSubscription) -> tuple[str, dict] | None:
    """Why *row* may not be sent now, as an English text with ``{name}`` fields and their
    values; ``None`` if it may. Its creator must still see every store of its scope."""
    scope = read_stored(tree, row.scope)
    if scope is None or scope == CHAIN:
        return N_("{scope} no longer names a store or region HQ has"), {"scope": row.scope}
    if not tree.stores_of(scope):
        return N_("{scope} has no store any more"), {"scope": row.scope}
    if row.creator == OPERATOR:
        return None
    name = row.creator.removeprefix("user:") or "?"
    user = session.get(User, name) if row.creator.startswith("user:") else None
    if user is None:
        return N_(
            "its creator {name} is no longer a user of HQ; nothing is sent until someone"
            " who may see {scope} adds it again"
        ), {"name": name, "scope": row.scope}
    if not user_access(session, user, tree).covers(scope):
        return N_(
            "its creator {name} may no longer see every store of {scope}; nothing is sent"
            " until someone who may adds it again"
        ), {"name": name, "scope": row.scope}
    return None


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
    by: str | None,
    now: datetime,
) -> ReportSubscription:
    """A new subscription made by the user *by* (``None``: the command line's operator),
    of a scope that is all theirs to see, now and at every send; its first report is of
    the first period that ends after *now*."""
    tree = load_tree(session)
    creator, reader = creator_of(session, tree, by)
    wanted = report_scope(tree, scope, reader)
    if period not in KINDS:
        raise ReportError("period", NOT_ONE_OF, value=repr(period), choices=", ".join(KINDS))
    if language not in LANGUAGES:
        raise ReportError(
            "language", NOT_ONE_OF, value=repr(language), choices=", ".join(LANGUAGES)
        )
    stores = _stores(session, tree, wanted)
    row = ReportSubscription(
        scope=str(wanted),
        period=period,
        language=language,
        recipients=check_recipients(session, recipients),
        created_by=by if by is not None else "cli",
        creator=creator,
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
