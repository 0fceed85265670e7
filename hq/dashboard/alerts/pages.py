"""The alert pages: ``/alerts`` (the open ones, the recently closed, the rules, deliveries
that fail) and ``/alerts/{id}`` (its figure, history and the forms to acknowledge, comment
on and close it). Each reader sees the alerts of their stores only; an analyst reads, a
manager of the store or an admin acts. A refused action is a 400 page naming why, and
changes nothing."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select

from hq.alerts import manage
from hq.alerts.episodes import OPEN_STATES
from hq.alerts.kinds import LABELS
from hq.alerts.setup import may_set_up, seen_parts
from hq.alerts.subscriptions import subscribe, subscriptions_of, unsubscribe
from hq.alerts.texts import kind_in, local_time, title_in
from hq.core.errors import ActionError, HQError
from hq.core.language import N_
from hq.dashboard.pages import EXPIRED, _check_csrf, _page, _to_login, logged_in, speaks
from hq.people.access import Access, read_stored, user_access
from hq.tables.alerts import Alert, AlertRule, Delivery
from hq.tables.models import Store
from hq.tables.people import User
from hq.web.deps import DB, Now, WriteLock

router = APIRouter(include_in_schema=False)
RECENT = 50
# the states as their status reads: open, in progress (acknowledged), resolved (closed)
STATES = {"open": N_("open"), "acknowledged": N_("in progress"), "closed": N_("resolved")}
EVENTS = {
    "opened": N_("opened"), "acknowledged": N_("acknowledged"), "comment": N_("comment"),
    "closed": N_("closed"), "auto-closed": N_("closed by itself: back to normal"),
    "delivery": N_("delivery"), "owner": N_("owner"), "due": N_("due"),
    "reopened": N_("reopened"),
}  # fmt: skip
Csrf = Annotated[str, Form(max_length=100)]
Text = Annotated[str, Form(max_length=200)]
MODES = {"now": N_("by e-mail at once"), "digest": N_("in a daily digest")}


def _names(request: Request, user, db: DB | None = None, alerts=()) -> dict:
    """The page's words, and its alerts' titles and times as the reader reads them."""
    words = speaks(request, user)
    zones = {}
    if db is not None and alerts:
        stores = sorted({a.store_id for a in alerts})
        zones = dict(db.execute(select(Store.id, Store.timezone).where(Store.id.in_(stores))).all())
    return {
        "state_names": {k: words.gettext(v) for k, v in STATES.items()},
        "event_names": {k: words.gettext(v) for k, v in EVENTS.items()},
        "titles": {a.id: title_in(words, a.title, a.detail) for a in alerts},
        "local": lambda text, store: local_time(words, text, zones.get(store, "UTC")),
        "kind_name": lambda kind: kind_in(words, kind),
    }


def _mine(access: Access, query):
    if access.stores is None:
        return query
    return query.where(Alert.store_id.in_(sorted(access.stores)))


def _rules(db: DB, access: Access) -> list[AlertRule]:
    rules = db.scalars(select(AlertRule).order_by(AlertRule.id)).all()
    if access.stores is None:
        return list(rules)
    out = []
    for rule in rules:
        scope = read_stored(access.tree, rule.scope)
        if scope is not None and access.tree.stores_of(scope) & access.stores:
            out.append(rule)
    return out


@router.get("/alerts", response_class=HTMLResponse)
def alerts_page(request: Request, db: DB, now: Now, lock: WriteLock):
    if not (user := logged_in(request, db, now, lock)):
        return _to_login()
    access = user.access
    current = db.scalars(
        _mine(access, select(Alert).where(Alert.state.in_(OPEN_STATES))).order_by(
            Alert.opened_at.desc()
        )
    ).all()
    closed = db.scalars(
        _mine(access, select(Alert).where(Alert.state == "closed"))
        .order_by(Alert.closed_at.desc())
        .limit(RECENT)
    ).all()
    failing = []
    if access.is_admin:
        failing = db.scalars(
            select(Delivery).where(Delivery.delivered_at.is_(None), Delivery.attempts > 0)
            .order_by(Delivery.next_at).limit(RECENT)
        ).all()  # fmt: skip
    shown = {a.store_id for a in (*current, *closed)}
    query = select(Store.id, Store.name).where(Store.id.in_(sorted(shown)))
    names = {store: name for store, name in db.execute(query)}  # noqa: C416 (Rows)
    return _page(
        request, "alerts.html", user, current=current, closed=closed, rules=_rules(db, access),
        failing=failing, names=names, sets_up=may_set_up(access),
        **_names(request, user, db, [*current, *closed]),
        **_subscriptions(request, db, user),
    )  # fmt: skip


def _subscriptions(request: Request, db: DB, user) -> dict:
    """What the page's "your alerts by e-mail" section needs."""
    words = speaks(request, user)
    parts = [(s, n or words.gettext("The whole chain")) for s, n in seen_parts(db, user.access)]
    person = db.get(User, user.username)
    return {
        "subscriptions": subscriptions_of(db, user.username), "parts": dict(parts),
        "kind_names": {k: words.gettext(v) for k, v in LABELS.items()},
        "mode_names": {k: words.gettext(v) for k, v in MODES.items()},
        "email": person.email if person else "",
    }  # fmt: skip


@router.get("/alerts/{alert_id}", response_class=HTMLResponse)
def alert_page(alert_id: int, request: Request, db: DB, now: Now, lock: WriteLock):
    if not (user := logged_in(request, db, now, lock)):
        return _to_login()
    alert = manage.alert_for(db, user.access, alert_id)
    if alert is None:
        why = speaks(request, user).translate("There is no alert {id}.", id=alert_id)
        return _page(request, "problem.html", user, 404, why=why, store=None)
    acts = user.access.acts_on(alert.store_id)
    owners = []
    if acts:
        people = db.scalars(select(User).order_by(User.username)).all()
        owners = [u.username for u in people
                  if user_access(db, u, user.access.tree).acts_on(alert.store_id)]  # fmt: skip
    return _page(
        request, "alert.html", user, alert=alert, rule=db.get(AlertRule, alert.rule_id),
        store=db.get(Store, alert.store_id), events=manage.history(db, alert.id),
        acts=acts, owners=owners, statuses=manage.STATUSES, **_names(request, user, db, [alert]),
    )  # fmt: skip


def _act(request: Request, db: DB, now: Now, lock: WriteLock, csrf: str, alert_id: int, act):
    if not (user := logged_in(request, db, now, lock)):
        return _to_login()
    if not _check_csrf(request, csrf):
        why = speaks(request, user).gettext(EXPIRED)
        return _page(request, "problem.html", user, 403, why=why, store=None)
    try:
        with lock:
            act(user.access)
    except HQError as e:
        db.rollback()
        missing = manage.alert_for(db, user.access, alert_id) is None
        why, field = str(e), getattr(e, "field", None)
        if isinstance(e, ActionError):
            why = speaks(request, user).translate(e.text, **e.values)
        return _page(request, "problem.html", user, 404 if missing else 400, why=why,
                     field=field, store=None)  # fmt: skip
    return RedirectResponse(f"/alerts/{alert_id}", status_code=303)


@router.post("/alerts/{alert_id}/acknowledge", response_class=HTMLResponse)
def acknowledge(
    alert_id: int, request: Request, db: DB, now: Now, lock: WriteLock, csrf: Csrf = ""
):
    return _act(request, db, now, lock, csrf, alert_id,
                lambda who: manage.acknowledge(db, who, alert_id, now))  # fmt: skip


@router.post("/alerts/{alert_id}/track", response_class=HTMLResponse)
def track(
    alert_id: int, request: Request, db: DB, now: Now, lock: WriteLock, csrf: Csrf = "",
    owner: Annotated[str, Form(max_length=64)] = "", due: Annotated[str, Form(max_length=40)] = "",
    status: Annotated[str, Form(max_length=40)] = "",
):  # fmt: skip
    """The alert's owner, due day and status, set together."""
    return _act(request, db, now, lock, csrf, alert_id,
                lambda who: manage.track(db, who, alert_id, now, owner, due, status))  # fmt: skip


@router.post("/alerts/{alert_id}/comment", response_class=HTMLResponse)
def comment(
    alert_id: int, request: Request, db: DB, now: Now, lock: WriteLock, csrf: Csrf = "",
    text: Annotated[str, Form(max_length=4000)] = "",
):  # fmt: skip
    return _act(request, db, now, lock, csrf, alert_id,
                lambda who: manage.comment(db, who, alert_id, text, now))  # fmt: skip


@router.post("/alerts/{alert_id}/close", response_class=HTMLResponse)
def close(
    alert_id: int, request: Request, db: DB, now: Now, lock: WriteLock, csrf: Csrf = "",
    text: Annotated[str, Form(max_length=4000)] = "",
):  # fmt: skip
    return _act(request, db, now, lock, csrf, alert_id,
                lambda who: manage.close_alert(db, who, alert_id, now, text))  # fmt: skip


def _mine_only(request: Request, db: DB, now: Now, lock: WriteLock, csrf: str, change):
    if not (user := logged_in(request, db, now, lock)):
        return _to_login()
    if not _check_csrf(request, csrf):
        why = speaks(request, user).gettext(EXPIRED)
        return _page(request, "problem.html", user, 403, why=why, store=None)
    try:
        with lock:
            change(user.access)
    except HQError as e:
        db.rollback()
        field = getattr(e, "field", "scope")
        status = 404 if field == "subscription" else 400
        return _page(request, "problem.html", user, status, why=str(e), field=field, store=None)
    return RedirectResponse("/alerts#subscriptions", status_code=303)


@router.post("/alerts/subscriptions", response_class=HTMLResponse)
def new_subscription(
    request: Request, db: DB, now: Now, lock: WriteLock, csrf: Csrf = "", kind: Text = "",
    scope: Text = "", mode: Text = "",
):  # fmt: skip
    """Hear of the alerts of a kind in a part of what one sees, at once or in a digest."""
    return _mine_only(request, db, now, lock, csrf,
                      lambda who: subscribe(db, who, kind, scope, mode, now))  # fmt: skip


@router.post("/alerts/subscriptions/{subscription_id}/remove", response_class=HTMLResponse)
def remove_subscription(
    subscription_id: int, request: Request, db: DB, now: Now, lock: WriteLock, csrf: Csrf = ""
):
    return _mine_only(request, db, now, lock, csrf,
                      lambda who: unsubscribe(db, who, subscription_id))  # fmt: skip
