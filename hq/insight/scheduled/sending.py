"""Sending the reports that are due: each subscription's finished period once, however
many workers call :func:`send_due_reports` at the same time.

A worker *claims* a subscription's period with one conditional ``UPDATE`` (the period not
sent yet, no other worker's claim alive) and goes on only if it changed the row; the
claim lapses after :data:`LEASE`, so a worker that died mid-way does not keep the period
from being sent. Each recipient gets a message of their own, in their language; each copy
handed to the SMTP server is written down (``report_deliveries``), so a send that fails
half-way leaves the period unsent and the next call sends only the copies still missing.
Only when every copy is out is the period marked sent.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from hq.core.language import language
from hq.core.mail import MailError, MailSettings, send
from hq.insight.scheduled.content import build_report
from hq.insight.scheduled.periods import ReportPeriod, finished, report_day
from hq.insight.scheduled.render import Rendered, render
from hq.insight.scheduled.subscriptions import Recipient, blocked, stores_of
from hq.people.access import Tree, load_tree, read_stored, user_access
from hq.tables.people import User
from hq.tables.reports import ReportDelivery, ReportSubscription
from kiosk.timekeeping.localtime import to_utc_text

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=15)  # far longer than a report takes to render and send


def send_due_reports(
    sessions: Callable[[], Session],
    now: datetime,
    mail_settings: MailSettings,
    min_cell: int = 5,
) -> int:
    """Send the report of every subscription whose period has finished by *now* and was
    not sent yet; the number of e-mails handed to the SMTP server. A send that fails is
    logged, kept in the subscription's ``last_error`` and tried again at the next call.
    An hour of the heat map with fewer than *min_cell* ratings shows no figure."""
    with sessions() as session:
        ids = list(session.scalars(select(ReportSubscription.id).order_by(ReportSubscription.id)))
    return sum(_send_one(sessions, i, now, mail_settings, min_cell) for i in ids)


def due_period(session: Session, row: ReportSubscription, now: datetime) -> ReportPeriod | None:
    """The period *row* should send at *now*, or ``None`` if it has sent it already."""
    stores = stores_of(session, row.scope)
    if not stores:
        return None
    period = finished(row.period, report_day(stores, now))
    return period if period.key > row.last_period else None


def _send_one(sessions, sub_id: int, now: datetime, settings: MailSettings, few: int) -> int:
    with sessions() as session:
        row = session.get(ReportSubscription, sub_id)
        if row is None:
            return 0
        tree = load_tree(session)
        if (why := blocked(session, tree, row)) is not None:
            _refuse(session, row, why[0].format(**why[1]))
            return 0
        period = due_period(session, row, now)
        if period is None or not _claim(session, sub_id, period.key, now):
            return 0
        sent = 0
        try:
            tree = load_tree(session)  # as it is now that the period is ours to send
            if (why := blocked(session, tree, row)) is not None:
                raise MailError(why[0].format(**why[1]))
            skipped, addresses = _recipients(session, tree, row)
            if not addresses:
                raise MailError(f"no recipient has an e-mail address ({', '.join(skipped)})")
            for rendered, address in _copies(session, row, period, addresses, now, few):
                send(settings, message(rendered, address, settings, now))
                session.add(
                    ReportDelivery(subscription_id=sub_id, period=period.key, address=address,
                                   sent_at=to_utc_text(now))
                )  # fmt: skip
                session.commit()
                sent += 1
        except Exception as e:
            session.rollback()
            error = str(e) if isinstance(e, MailError) else f"{type(e).__name__}: {e}"
            if error != row.last_error:
                log.warning("report %s (%s, %s): %s", sub_id, row.scope, period.key, error,
                            exc_info=not isinstance(e, MailError))  # fmt: skip
            _release(session, sub_id, error)
            return sent
        _done(session, sub_id, period.key, now, skipped)
        log.info("report %s (%s, %s) sent to %d", sub_id, row.scope, period.key, len(addresses))
        return sent


def _refuse(session: Session, row: ReportSubscription, why: str) -> None:
    """Keep why *row* sends nothing in its ``last_error`` (logged once, when it changes)."""
    if row.last_error != why:
        log.warning("report %s (%s) not sent: %s", row.id, row.scope, why)
        t = ReportSubscription
        session.execute(update(t).where(t.id == row.id).values(last_error=why))
        session.commit()


def _claim(session: Session, sub_id: int, key: str, now: datetime) -> bool:
    """Whether this worker got *sub_id*'s period *key* to send (no other has it)."""
    t = ReportSubscription
    done = session.execute(
        update(t)
        .where(t.id == sub_id, t.last_period < key, t.claimed_until < to_utc_text(now))
        .values(claimed_until=to_utc_text(now + LEASE))
    )
    session.commit()
    return done.rowcount == 1


def _release(session: Session, sub_id: int, error: str) -> None:
    t = ReportSubscription
    session.execute(update(t).where(t.id == sub_id).values(claimed_until="", last_error=error))
    session.commit()


def _done(session: Session, sub_id: int, key: str, now: datetime, skipped: list[str]) -> None:
    t = ReportSubscription
    note = (
        f"not sent to {', '.join(skipped)}: no e-mail address, or the report's stores"
        " are not theirs to see"
        if skipped
        else ""
    )
    session.execute(
        update(t)
        .where(t.id == sub_id)
        .values(last_period=key, claimed_until="", last_sent_at=to_utc_text(now), last_error=note)
    )
    d = ReportDelivery
    session.execute(delete(d).where(d.subscription_id == sub_id, d.period <= key))
    session.commit()


def _recipients(
    session: Session, tree: Tree, row: ReportSubscription
) -> tuple[list[str], list[tuple]]:
    """The users who cannot get it now, and (address, language) of everyone else: a user's
    address as it is at sending time, in their own dashboard language if they chose one.
    A user whose role does not let them see the report's stores gets none (a manager moved
    to another region, say). Plain addresses get it on the creator's word, which
    :func:`hq.insight.scheduled.subscriptions.blocked` has checked just before."""
    scope = read_stored(tree, row.scope)
    skipped, out, seen = [], [], set()
    for value in row.recipients:
        if Recipient(value).is_address:
            address, words = value, row.language
        else:
            user = session.get(User, value)
            if (
                user is None
                or not user.email
                or scope is None
                or not user_access(session, user, tree).covers(scope)
            ):
                skipped.append(value)
                continue
            address, words = user.email, user.language or row.language
        if address.casefold() not in seen:
            seen.add(address.casefold())
            out.append((address, words))
    return skipped, out


def _copies(session, row, period, addresses, now, few):
    """(rendered report, address) for each recipient without a copy yet, rendered once
    per language."""
    d = ReportDelivery
    have = set(
        session.scalars(
            select(d.address).where(d.subscription_id == row.id, d.period == period.key)
        )
    )
    rendered: dict[str, Rendered] = {}
    for address, code in addresses:
        if address in have:
            continue
        if code not in rendered:
            report = build_report(session, row.scope, period, now, language(code), few)
            if report is None:
                raise MailError(f"{row.scope} has no store any more")
            rendered[code] = render(report, row.id)
        yield rendered[code], address


def message(rendered: Rendered, address: str, settings: MailSettings, now: datetime):
    """The e-mail of *rendered* to *address*: plain text, HTML, and the PDF attached."""
    out = EmailMessage()
    out["Subject"] = rendered.subject
    out["From"] = settings.sender
    out["To"] = address
    out["Date"] = format_datetime(now)
    out["Message-ID"] = make_msgid("report", settings.sender.rpartition("@")[2] or None)
    out["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to it
    out.set_content(rendered.text)
    out.add_alternative(rendered.html, subtype="html")
    out.add_attachment(
        rendered.pdf, maintype="application", subtype="pdf", filename=rendered.filename
    )
    return out
