"""Setting alerts up (channels, rules) and acting on them (acknowledge, comment, close).
Each checks everything before it changes anything, and names what is wrong."""

from __future__ import annotations

import re
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hq.alerts.episodes import OPEN_STATES, close
from hq.alerts.setup import save_channel, save_rule
from hq.alerts.targets import WebhookPolicy
from hq.core.errors import N_, ActionError, HQError
from hq.people.access import Access, access_of, user_access
from hq.tables.alerts import Alert, AlertEvent, AlertRule, Channel
from hq.tables.people import User
from kiosk.timekeeping.localtime import to_utc_text

MAX_COMMENT = 2000


def operator(session: Session) -> Access:
    """The command line's operator: an admin of the whole chain."""
    return access_of(session, "operator", "admin", "")


def add_channel(
    session: Session, name: str, kind: str, target: str, now: datetime,
    secret: str = "", digest: bool = False, policy: WebhookPolicy | None = None,
    language: str | None = None,
) -> Channel:  # fmt: skip
    """A channel of the whole chain, as the operator adds it (:mod:`hq.alerts.setup`);
    *language* ``None``: the chain's default language."""
    return save_channel(session, operator(session), now, name=name, kind=kind, target=target,
                        secret=secret, digest=digest, scope="", policy=policy,
                        language=language)  # fmt: skip


def add_rule(
    session: Session, name: str, kind: str, scope: str, params: dict, channels: list[str],
    now: datetime,
) -> AlertRule:  # fmt: skip
    """A rule of *kind* over *scope*, to *channels* (that exist), as the operator adds it."""
    return save_rule(session, operator(session), now, name=name, kind=kind, scope=scope,
                     params=params, channels=channels)  # fmt: skip


def set_rule_enabled(session: Session, rule_id: int, enabled: bool) -> None:
    rule = session.get(AlertRule, rule_id)
    if rule is None:
        raise HQError(f"no alert rule {rule_id}")
    rule.enabled = enabled
    session.commit()


def alert_for(session: Session, reader: Access, alert_id: int) -> Alert | None:
    """The alert *alert_id* if *reader* may see it (its store is theirs)."""
    alert = session.get(Alert, alert_id) if 0 < alert_id < 2**31 else None  # INTEGER's range
    return alert if alert is not None and reader.sees(alert.store_id) else None


def _acting(session: Session, reader: Access, alert_id: int) -> Alert:
    alert = alert_for(session, reader, alert_id)
    if alert is None:
        raise HQError(f"no alert {alert_id}")
    if not reader.acts_on(alert.store_id):
        raise HQError("an analyst reads alerts; a manager of the store or an admin acts on them")
    return alert


def acknowledge(session: Session, reader: Access, alert_id: int, now: datetime) -> None:
    alert = _acting(session, reader, alert_id)
    if alert.state != "open":
        raise HQError(f"alert {alert_id} is {alert.state}; only an open one is acknowledged")
    alert.state, alert.updated_at = "acknowledged", to_utc_text(now)
    session.add(AlertEvent(alert_id=alert.id, at=to_utc_text(now), who=reader.username or "",
                           kind="acknowledged", text=""))  # fmt: skip
    session.commit()


def comment(session: Session, reader: Access, alert_id: int, text: str, now: datetime) -> None:
    alert = _acting(session, reader, alert_id)
    text = text.strip()
    if not text or len(text) > MAX_COMMENT or re.search(r"[\x00-\x08\x0b-\x1f\x7f]", text):
        raise HQError(f"comment: write 1–{MAX_COMMENT} characters (no control characters)")
    session.add(AlertEvent(alert_id=alert.id, at=to_utc_text(now), who=reader.username or "",
                           kind="comment", text=text))  # fmt: skip
    alert.updated_at = to_utc_text(now)
    session.commit()


def close_alert(session: Session, reader: Access, alert_id: int, now: datetime, text: str = ""):
    alert = _acting(session, reader, alert_id)
    if alert.state not in OPEN_STATES:
        raise HQError(f"alert {alert_id} is closed already")
    close(session, alert, reader.username or "", now, text.strip()[:MAX_COMMENT])
    session.commit()


STATUSES = {"open": "open", "in progress": "acknowledged", "resolved": "closed"}


def track(
    session: Session, reader: Access, alert_id: int, now: datetime,
    owner: str, due: str, status: str,
) -> None:  # fmt: skip
    """Set *alert_id*'s owner (a user who acts on its store, or "" for nobody), due day
    (YYYY-MM-DD or "") and status (open, in progress, resolved); each change goes into
    its history. Everything is checked first; a refusal names the field."""
    alert = _acting(session, reader, alert_id)
    if status not in STATUSES:
        raise ActionError("status", N_("status {value!r} is not open, in progress or resolved"),
                          value=status)  # fmt: skip
    if alert.state == "closed" and STATUSES[status] != "closed":
        raise ActionError("status", N_("alert {id} is resolved; a new episode opens a new alert"),
                          id=alert_id)  # fmt: skip
    if owner:
        user = session.get(User, owner)
        if user is None or not user_access(session, user, reader.tree).acts_on(alert.store_id):
            raise ActionError("owner", N_("{value!r} is not a user who acts on this store"),
                              value=owner)  # fmt: skip
    if due:
        try:
            day = date.fromisoformat(due)
        except ValueError:
            day = None
        if day is None or len(due) != 10 or not 2000 <= day.year <= 2100:
            raise ActionError("due", N_("due {value!r} is not a day like 2026-12-31"), value=due)
    at, who = to_utc_text(now), reader.username or reader.who  # a token: "token:NAME"
    for kind, old, new in (("owner", alert.owner, owner), ("due", alert.due, due)):
        if old != new:
            setattr(alert, kind, new)
            session.add(AlertEvent(alert_id=alert.id, at=at, who=who, kind=kind, text=new))
    wanted = STATUSES[status]
    if wanted != alert.state:
        if wanted == "closed":
            close(session, alert, who, now)
        else:
            alert.state = wanted
            kind = "acknowledged" if wanted == "acknowledged" else "reopened"
            session.add(AlertEvent(alert_id=alert.id, at=at, who=who, kind=kind, text=""))
    alert.updated_at = at
    session.commit()


def history(session: Session, alert_id: int) -> list[AlertEvent]:
    query = select(AlertEvent).where(AlertEvent.alert_id == alert_id).order_by(AlertEvent.id)
    return list(session.scalars(query))
