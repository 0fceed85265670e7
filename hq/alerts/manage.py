"""Setting alerts up (channels, rules) and acting on them (acknowledge, comment, close).
Each checks everything before it changes anything, and names what is wrong."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hq.alerts.delivery import KINDS as CHANNEL_KINDS
from hq.alerts.episodes import OPEN_STATES, close
from hq.alerts.kinds import check_params
from hq.alerts.targets import TargetRefusedError, WebhookPolicy, host_and_port
from hq.core.errors import HQError
from hq.core.names import check_id, on_one_line, one_line
from hq.people.access import Access, check_scope
from hq.people.admin import _add, check_email
from hq.tables.alerts import Alert, AlertEvent, AlertRule, Channel
from kiosk.timekeeping.localtime import to_utc_text

MAX_COMMENT = 2000


def add_channel(
    session: Session, name: str, kind: str, target: str, now: datetime,
    secret: str = "", digest: bool = False, policy: WebhookPolicy | None = None,
) -> Channel:  # fmt: skip
    """A channel: e-mail addresses (comma-separated) or a webhook URL (http or https) to
    a public address or one *policy* allows (:mod:`hq.alerts.targets`; it is checked
    again at every delivery)."""
    check_id("channel name", name)
    if kind not in CHANNEL_KINDS:
        raise HQError(f"channel kind {kind!r} is not one of {', '.join(CHANNEL_KINDS)}")
    target = target.strip()
    if kind == "email":
        addresses = [a.strip() for a in target.split(",") if a.strip()]
        if not addresses:
            raise HQError("an e-mail channel needs --to address(es)")
        target = ", ".join(check_email(a) for a in addresses)
    else:
        if len(target) > 2000 or not on_one_line(target) or " " in target:
            raise TargetRefusedError(f"webhook URL {target!r} is not an http:// or https:// URL")
        host, port = host_and_port(target)
        if kind == "webhook" and len(secret) < 16:
            raise HQError("a webhook needs a --secret of at least 16 characters to sign with")
        (policy or WebhookPolicy.from_env()).addresses(host, port, must_resolve=False)
    channel = Channel(name=name, kind=kind, target=target, secret=secret, digest=digest,
                      language="en", created_at=to_utc_text(now))  # fmt: skip
    _add(session, channel, f"channel {name!r}")
    return channel


def add_rule(
    session: Session, name: str, kind: str, scope: str, params: dict, channels: list[str],
    now: datetime,
) -> AlertRule:  # fmt: skip
    """A rule of *kind* over *scope*, to *channels* (that exist)."""
    name = one_line("alert rule name", name)
    checked = check_params(kind, params)
    check_scope(session, scope)
    for c in channels:
        if session.get(Channel, c) is None:
            raise HQError(f"no channel {c!r}; add it with hymio hq add-channel")
    rule = AlertRule(
        name=name, kind=kind, scope=scope, params=checked, channels=list(channels),
        enabled=True, created_at=to_utc_text(now),
    )  # fmt: skip
    session.add(rule)
    session.commit()
    return rule


def set_rule_enabled(session: Session, rule_id: int, enabled: bool) -> None:
    rule = session.get(AlertRule, rule_id)
    if rule is None:
        raise HQError(f"no alert rule {rule_id}")
    rule.enabled = enabled
    session.commit()


def alert_for(session: Session, reader: Access, alert_id: int) -> Alert | None:
    """The alert *alert_id* if *reader* may see it (its store is theirs)."""
    alert = session.get(Alert, alert_id)
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


def history(session: Session, alert_id: int) -> list[AlertEvent]:
    query = select(AlertEvent).where(AlertEvent.alert_id == alert_id).order_by(AlertEvent.id)
    return list(session.scalars(query))
