"""Evaluating the rules: each rule once per minute, whichever worker claims that minute
(an insert into ``alert_rule_runs``; the others skip it). A finding with no open alert
opens one (and queues its deliveries, once per channel); an open alert whose finding is
gone closes itself. ``open_key`` is unique, so two workers never open the same alert."""

from __future__ import annotations

from contextlib import nullcontext
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from hq.alerts.kinds import KINDS, Finding
from hq.alerts.subscriptions import queue_people
from hq.core.names import flat
from hq.people.access import stores_in
from hq.tables.alerts import Alert, AlertEvent, AlertRule, Channel, Delivery, RuleRun
from hq.tables.models import Store
from kiosk.timekeeping.localtime import to_utc_text

OPEN_STATES = ("open", "acknowledged")


def _key(rule: AlertRule, store_id: str, device_id: str) -> str:
    return f"{rule.id}:{store_id}:{device_id}"


def _claim(session: Session, rule_id: int, now: datetime) -> bool:
    window = to_utc_text(now.replace(second=0, microsecond=0))
    session.add(RuleRun(rule_id=rule_id, window=window))
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        return False
    return True


def evaluate(sessions: sessionmaker[Session], now: datetime, lock=None) -> int:
    """Evaluate every enabled rule not yet evaluated this minute; how many alerts opened."""
    lock = lock or nullcontext()
    opened = 0
    with sessions() as session:
        rules = session.scalars(select(AlertRule).where(AlertRule.enabled).order_by(AlertRule.id))
        for rule in rules.all():
            with lock:
                if not _claim(session, rule.id, now):
                    continue
                try:
                    opened += apply(session, rule, find(session, rule, now), now)
                except IntegrityError:  # a worker still on the minute before opened it
                    session.rollback()
    return opened


def find(session: Session, rule: AlertRule, now: datetime) -> list[Finding]:
    """What *rule* finds now in the stores of its scope."""
    only = stores_in(session, rule.scope)
    query = select(Store).order_by(Store.id)
    if only is not None:
        query = query.where(Store.id.in_(sorted(only)))
    kind = KINDS[rule.kind]
    return kind.find(session, list(session.scalars(query)), now, {**kind.defaults, **rule.params})


def apply(session: Session, rule: AlertRule, findings: list[Finding], now: datetime) -> int:
    """Open, keep and close *rule*'s alerts by *findings*; commits; how many opened."""
    at = to_utc_text(now)
    found = {_key(rule, f.store_id, f.device_id): f for f in findings}
    query = select(Alert).where(Alert.rule_id == rule.id, Alert.state.in_(OPEN_STATES))
    current = {a.open_key: a for a in session.scalars(query)}
    for key, alert in current.items():
        if key in found:
            f = found[key]
            alert.title, alert.value, alert.detail, alert.updated_at = (
                flat(f.title),
                f.value,
                f.detail,
                at,
            )
        else:
            close(session, alert, "auto", now, "back to normal")
    opened = 0
    for key, f in found.items():
        if key in current:
            continue
        alert = Alert(
            rule_id=rule.id, store_id=f.store_id, device_id=f.device_id, open_key=key,
            state="open", title=flat(f.title), value=f.value, detail=f.detail,
            opened_at=at, updated_at=at,
        )  # fmt: skip
        session.add(alert)
        session.flush()
        opening = AlertEvent(alert_id=alert.id, at=at, who="hq", kind="opened", text=alert.title)
        session.add(opening)
        queue(session, rule, alert, now)
        opened += 1
    session.commit()
    return opened


def queue(session: Session, rule: AlertRule, alert: Alert, now: datetime) -> None:
    """One delivery of *alert* to each of the rule's channels that is not a digest, and to
    each person who hears of it at once (:mod:`hq.alerts.subscriptions`)."""
    names = [str(n) for n in rule.channels]
    channels = session.scalars(select(Channel).where(Channel.name.in_(names))).all()
    for channel in channels:
        if channel.digest:
            continue  # the day's digest picks it up
        session.add(Delivery(
            key=f"alert:{alert.id}:{channel.name}", channel=channel.name, alert_id=alert.id,
            message=message(rule, alert), created_at=to_utc_text(now),
            next_at=to_utc_text(now), attempts=0, failed=False, last_error="",
        ))  # fmt: skip
    queue_people(session, rule, alert, message(rule, alert), now)


def message(rule: AlertRule, alert: Alert) -> dict:
    """What a channel is told of *alert* (the webhook's JSON, the mail's text)."""
    return {
        "alert_id": alert.id, "rule": rule.name, "kind": rule.kind,
        "store_id": alert.store_id, "device_id": alert.device_id or None,
        "title": alert.title, "value": alert.value, "detail": alert.detail,
        "opened_at": alert.opened_at, "link": f"/alerts/{alert.id}",
    }  # fmt: skip


def close(session: Session, alert: Alert, who: str, now: datetime, text: str = "") -> None:
    """Close *alert* (``who``: "auto" or a user); its history keeps it."""
    at = to_utc_text(now)
    alert.state, alert.open_key, alert.closed_at, alert.closed_by = "closed", None, at, who
    alert.updated_at = at
    kind = "auto-closed" if who == "auto" else "closed"
    session.add(AlertEvent(alert_id=alert.id, at=at, who=who, kind=kind, text=text))


def forget_runs(session: Session, now: datetime, keep: timedelta = timedelta(days=2)) -> None:
    """Drop the claims older than *keep* (they only matter within their minute)."""
    old = to_utc_text(now - keep)
    session.query(RuleRun).filter(RuleRun.window < old).delete()
    session.commit()
