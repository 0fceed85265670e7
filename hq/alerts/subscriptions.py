"""Alerts for people (issue 30): a user subscribes to alert kinds within the part of the
chain they see, each by e-mail at once or in a daily digest; a rule may also go to **the
managers of the store** instead of (or beside) a list of addresses.

Who hears of an alert is decided when it opens, from the people as they are then: every
user whose subscription matches its kind and store and who still sees the store, and, for
a rule with ``notify_managers``, every manager who acts on the store (at once, unless
their own subscription to the kind asks for the digest). Admins hear of it only through a
subscription. Each person gets their own message (:mod:`hq.alerts.delivery` reads their
address when it sends), in their language.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from hq.alerts.delivery import USER
from hq.alerts.kinds import KINDS
from hq.core.errors import InputError
from hq.people.access import Access, Tree, load_tree, normal_scope, read_stored, user_access
from hq.tables.alerts import Alert, AlertRule, Delivery, Subscription
from hq.tables.people import User
from kiosk.timekeeping.localtime import to_utc_text

MODES = ("now", "digest")


class SubscriptionError(InputError):
    """A subscription cannot be kept as given; ``field`` names the field."""

    def __init__(self, field: str, text: str):
        super().__init__(f"{field}: {text}")
        self.field = field


def subscriptions_of(session: Session, username: str | None) -> list[Subscription]:
    query = select(Subscription).where(Subscription.username == (username or ""))
    return list(session.scalars(query.order_by(Subscription.id)))


def subscribe(
    session: Session, access: Access, kind: str, scope: str, mode: str, now: datetime
) -> Subscription:
    """*access*'s user hears of the alerts of *kind* ("" every kind) in *scope* (which
    they must see), by *mode*; a subscription to the same kind and scope changes its mode."""
    user = session.get(User, access.username or "")
    if user is None:
        raise SubscriptionError("user", "only a dashboard user subscribes to alerts")
    if not user.email:
        raise SubscriptionError("email", "your account has no e-mail address; an admin adds it")
    if kind and kind not in KINDS:
        raise SubscriptionError("kind", f"{kind!r} is not one of {', '.join(KINDS)}")
    if mode not in MODES:
        raise SubscriptionError("mode", f"{mode!r} is not now or digest")
    parsed = normal_scope(scope, access.tree)
    if not access.covers(parsed):
        raise SubscriptionError("scope", f"{scope or 'the whole chain'} is outside your part")
    query = select(Subscription).where(Subscription.username == user.username,
                                       Subscription.kind == kind,
                                       Subscription.scope == str(parsed))  # fmt: skip
    found = session.scalar(query)
    if found is None:
        found = Subscription(username=user.username, kind=kind, scope=str(parsed), mode=mode,
                             created_at=to_utc_text(now))  # fmt: skip
        session.add(found)
    found.mode = mode
    session.commit()
    return found


def unsubscribe(session: Session, access: Access, subscription_id: int) -> None:
    found = session.get(Subscription, subscription_id) if 0 < subscription_id < 2**31 else None
    if found is None or found.username != access.username:
        raise SubscriptionError("subscription", f"no subscription {subscription_id}")
    session.delete(found)
    session.commit()


def _matches(tree: Tree, sub: Subscription, kind: str, store_id: str) -> bool:
    scope = read_stored(tree, sub.scope)
    return sub.kind in ("", kind) and scope is not None and store_id in tree.stores_of(scope)


def recipients(session: Session, rule: AlertRule, alert: Alert) -> dict[str, str]:
    """Who hears of *alert* now: username → ``now`` or ``digest``."""
    tree = load_tree(session)
    users = {u.username: u for u in session.scalars(select(User)) if u.email}
    out: dict[str, str] = {}
    for sub in session.scalars(select(Subscription).order_by(Subscription.id)):
        user = users.get(sub.username)
        if user is None or not _matches(tree, sub, rule.kind, alert.store_id):
            continue
        if user_access(session, user, tree).sees(alert.store_id):
            out[user.username] = "now" if "now" in (sub.mode, out.get(user.username)) else "digest"
    if rule.notify_managers:
        for user in users.values():
            if user.role == "manager" and user_access(session, user, tree).acts_on(alert.store_id):
                out.setdefault(user.username, "now")
    return out


def queue_people(session: Session, rule: AlertRule, alert: Alert, message: dict, now) -> None:
    """One delivery of *alert* to each person who hears of it at once."""
    at = to_utc_text(now)
    for username, mode in sorted(recipients(session, rule, alert).items()):
        if mode == "now":
            session.add(Delivery(
                key=f"alert:{alert.id}:{USER}{username}", channel=USER + username,
                alert_id=alert.id, message=message, created_at=at, next_at=at, attempts=0,
                failed=False, last_error="",
            ))  # fmt: skip


def queue_people_digests(session: Session, now: datetime) -> int:
    """For each person with a digest subscription, one message with the alerts it matches
    that opened on the UTC day before *now* in stores they still see; how many queued."""
    day = (now - timedelta(days=1)).date()
    start = datetime.combine(day, datetime.min.time(), tzinfo=now.tzinfo)
    query = select(Alert).where(
        Alert.opened_at >= to_utc_text(start),
        Alert.opened_at < to_utc_text(start + timedelta(days=1)),
    )
    alerts = list(session.scalars(query.order_by(Alert.opened_at)))  # fmt: skip
    if not alerts:
        return 0
    kinds = {r.id: r.kind for r in session.scalars(select(AlertRule))}
    tree = load_tree(session)
    subs: dict[str, list[Subscription]] = {}
    for sub in session.scalars(select(Subscription).where(Subscription.mode == "digest")):
        subs.setdefault(sub.username, []).append(sub)
    queued = 0
    for username, theirs in sorted(subs.items()):
        user, key = session.get(User, username), f"digest:{USER}{username}:{day.isoformat()}"
        if user is None or session.scalar(select(Delivery.id).where(Delivery.key == key)):
            continue
        access = user_access(session, user, tree)
        found = [
            a for a in alerts if access.sees(a.store_id)
            and any(_matches(tree, s, kinds.get(a.rule_id, ""), a.store_id) for s in theirs)
        ]  # fmt: skip
        if found:
            m = {"title": f"Hymiö: {len(found)} alert(s) on {day.isoformat()}", "day": str(day),
                 "alerts": [{"alert_id": a.id, "title": a.title, "store_id": a.store_id,
                             "device_id": a.device_id or None, "state": a.state,
                             "opened_at": a.opened_at, "link": f"/alerts/{a.id}"}
                            for a in found]}  # fmt: skip
            session.add(Delivery(key=key, channel=USER + username, alert_id=None, message=m,
                                 created_at=to_utc_text(now), next_at=to_utc_text(now),
                                 attempts=0, failed=False, last_error=""))  # fmt: skip
            queued += 1
    session.commit()
    return queued
